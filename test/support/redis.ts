/**
 * A real Redis for the batch queue's tests: Debian's `redis-server` started on a free loopback
 * port, with nothing saved to disk (`--save ''`, no append-only file, a temporary `--dir`), ready
 * when it answers PING, and stopped when the test ends. A machine without redis-server fails the
 * test with how to install it (CI installs it), rather than passing without having run.
 *
 * @example
 * const redis = await startRedis(t);
 * run('batch', file, '--task', 'sentiment', '--queue', redis.url('reviews'));
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface LoopbackRedis {
  port: number;
  /** The --queue URL of the job `name` on this server. */
  url(name: string): string;
  /** A client connected to this server (closed with the server). */
  client(): Redis;
  stop(): Promise<void>;
}

/** Starts redis-server on loopback for the test `t`, which stops it at its end. */
export async function startRedis(t: { after(fn: () => Promise<void> | void): void }): Promise<LoopbackRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: install Redis (apt-get install redis-server; CI installs it) to run the batch queue's tests.`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'text-analytics-redis-'));
  const server = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const clients: Redis[] = [];
  const stop = async () => {
    for (const client of clients) client.disconnect();
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  };
  t.after(stop);
  await answering(port, server, () => log);
  return {
    port,
    url: (name) => `redis://127.0.0.1:${port}/${name}`,
    client: () => {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
      clients.push(client);
      return client;
    },
    stop,
  };
}

/** A loopback port nothing listens on (just now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function answering(port: number, server: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (server.exitCode !== null) throw new Error(`redis-server exited (${server.exitCode}): ${log().trim()}`);
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer within 5 s: ${log().trim()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
