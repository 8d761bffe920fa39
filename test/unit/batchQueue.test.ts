import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Queue } from 'bullmq';
import { fixtureModels, REPO, tempDir } from '../helpers';
import type { QueuedGroup } from '../../src/batch/queue';
import { freePort, startRedis } from '../support/redis';
import { CLI, finished, oneInertLine, run } from './cliRun';

// Batch runs over many machines, through the real CLI on a real redis-server (test/support/redis.ts)
// with the fixture models: `batch --queue` puts the documents on a BullMQ queue, three
// `text-analytics worker` processes take them — one SIGKILLed with documents in hand, which the
// others take over once its locks run out — and `collect` writes the one-machine batch's output,
// byte for byte. Queueing twice does the work once; what Redis cannot be reached is said in a line.

const REVIEWS = [
  'A great product, I love it.',
  'Terrible service and a rude driver.',
  'The hotel was wonderful and the staff were kind.',
  'Awful food. We will not come back.',
];

/** `count` JSON Lines reviews with ids and dates, and a last record without its text (an error line). */
function corpus(dir: string, count: number): string {
  const file = join(dir, 'reviews.jsonl');
  const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ id: `r${i}`, day: `2026-0${1 + (i % 9)}-1${i % 10}`, body: `${REVIEWS[i % REVIEWS.length]} Order ${i}.` }));
  rows.push(JSON.stringify({ id: 'untold', day: '2026-02-02' }));
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

type Worker = ChildProcessByStdio<null, null, Readable> & { log: string };

/** `text-analytics worker` in the background: one engine process, one thread (as the local run it is compared with). */
function startWorker(url: string, ...extra: string[]): Worker {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--models', fixtureModels(), '--processes', '1', '--threads', '1', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, XDG_CACHE_HOME: join(REPO, '.cache', 'cli-test') },
  }) as Worker;
  child.log = '';
  child.stderr.on('data', (chunk: Buffer) => (child.log += chunk.toString()));
  return child;
}

function exitOf(child: Worker): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

test('three workers, one SIGKILLed mid-job: collect writes the one-machine output byte for byte, every document once', async (t) => {
  const dir = tempDir(t);
  const redis = await startRedis(t);
  const file = corpus(dir, 300);
  const url = redis.url('reviews');
  const fields = ['--task', 'sentiment', '--text-field', 'body', '--id-field', 'id', '--date-field', 'day', '--models', fixtureModels()];

  const local = join(dir, 'local.jsonl');
  finished(run('batch', file, ...fields, '--out', local, '--processes', '2', '--threads', '1', '--quiet'), 0);
  const expected = readFileSync(local, 'utf8');
  assert.equal(expected.split('\n').length - 1, 301);

  const collected = join(dir, 'collected.jsonl');
  const none = run('collect', '--queue', url, '--out', collected);
  finished(none, 1);
  assert.match(oneInertLine(none.stderr, 'a job that is not there'), /There is no job reviews at 127\.0\.0\.1:\d+: queue one with text-analytics batch/);

  // Queued twice: the documents are on the queue once.
  for (let i = 0; i < 2; i++) {
    const queued = run('batch', file, ...fields, '--queue', url);
    finished(queued, 0);
    assert.match(queued.stderr, /Queued 300 of 301 documents on redis:\/\/127\.0\.0\.1:\d+\/reviews, 1 without text recorded as error\. .*text-analytics collect --queue redis:\/\/127\.0\.0\.1:\d+\/reviews --out results\.jsonl/);
  }
  const connection = redis.client();
  const queue = new Queue<QueuedGroup>('reviews', { connection });
  t.after(() => queue.close());
  const waiting = (await queue.getWaiting()).flatMap((job) => job.data.documents.map((document) => document.key));
  assert.equal(waiting.length, 300, 'queueing the same documents again added no jobs');
  assert.equal(new Set(waiting).size, 300);
  assert.ok((await queue.getJobCounts('waiting')).waiting < 300 / 4, 'short documents share jobs');

  // Before any worker: every document with text is missing, and what is known (the error line) is written.
  const early = run('collect', '--queue', url, '--out', collected, '--no-wait');
  finished(early, 3);
  assert.match(early.stderr, /Wrote 1 lines? to .*collected\.jsonl \(0 results, 1 error\); 300 of 301 documents are still missing/);
  assert.equal(readFileSync(collected, 'utf8'), expected.split('\n').slice(300).join('\n'));

  const workers = [startWorker(url), startWorker(url, '--quiet'), startWorker(url, '--quiet')];
  t.after(() => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  });
  // The victim is killed while it holds documents, once a good part of the job is done: frozen
  // first (SIGSTOP), so that what it holds when looked at is what it holds when it dies.
  const victim = workers[1];
  let inHand: string[] = [];
  for (let i = 0; i < 1200 && inHand.length === 0; i++) {
    if ((await connection.hlen('text-analytics:reviews:results')) >= 60) {
      victim.kill('SIGSTOP');
      inHand = (await queue.getActive()).filter((job) => job.processedBy === `${hostname()}:${victim.pid}`).flatMap((job) => job.data.documents.map((document) => document.key));
      if (inHand.length === 0) victim.kill('SIGCONT');
    }
    if (inHand.length === 0) await sleep(25);
  }
  assert.ok(inHand.length > 0, `the second worker never held a document: ${victim.log}`);
  victim.kill('SIGKILL');
  assert.equal((await exitOf(victim)).signal, 'SIGKILL');
  const killed = performance.now();

  const all = run('collect', '--queue', url, '--out', collected);
  finished(all, 0);
  assert.match(all.stderr, /Wrote 301 lines to .*collected\.jsonl \(300 results, 1 error\) from redis:\/\/127\.0\.0\.1:\d+\/reviews/);
  assert.equal(readFileSync(collected, 'utf8'), expected, 'the collected output is the one-machine output');
  const stored = await connection.hmget('text-analytics:reviews:results', ...inHand);
  assert.ok(stored.every((outcome) => outcome !== null), 'the documents the killed worker held were done by the others');
  // BullMQ's defaults (30 s locks, a stalled-job check every 30 s) would take 30 to 60 s.
  const recovery = (performance.now() - killed) / 1000;
  assert.ok(recovery < 20, `the killed worker's documents took ${recovery.toFixed(1)} s to be taken over and collected`);

  // Stopped: each survivor exits cleanly; the one not --quiet said what it did.
  for (const worker of [workers[0], workers[2]]) worker.kill('SIGTERM');
  const exits = await Promise.all([exitOf(workers[0]), exitOf(workers[2])]);
  assert.deepEqual(exits, [
    { code: 0, signal: null },
    { code: 0, signal: null },
  ]);
  assert.match(workers[0].log, /^text-analytics: Working on redis:\/\/127\.0\.0\.1:\d+\/reviews with 1 engine process.*\n(.*\n)*text-analytics: Stopped: \d+ documents? done by this worker\.\n$/);
  assert.equal(workers[2].log, '', '--quiet prints nothing');
});

test('Ctrl-C: the worker exits cleanly and leaves no document locked in its hands', async (t) => {
  const dir = tempDir(t);
  const redis = await startRedis(t);
  const file = corpus(dir, 200);
  const url = redis.url('handback');
  finished(run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--queue', url), 0);
  const queue = new Queue<QueuedGroup>('handback', { connection: redis.client() });
  t.after(() => queue.close());
  const worker = startWorker(url, '--quiet');
  t.after(() => {
    if (worker.exitCode === null) worker.kill('SIGKILL');
  });
  let active = 0;
  for (let i = 0; i < 1200 && active === 0; i++) {
    active = (await queue.getJobCounts('active')).active ?? 0;
    if (active === 0) await sleep(25);
  }
  assert.ok(active > 0, `the worker never took a document: ${worker.log}`);
  worker.kill('SIGINT');
  assert.deepEqual(await exitOf(worker), { code: 0, signal: null }, worker.log);
  // Given back, not left locked until the stalled-job check: nothing is active, nothing lost.
  assert.equal((await queue.getJobCounts('active')).active, 0);
  const done = new Set(await redis.client().hkeys('text-analytics:handback:results'));
  const waiting = (await queue.getWaiting()).flatMap((job) => job.data.documents.map((document) => document.key));
  const left = waiting.filter((key) => !done.has(key));
  assert.equal(done.size + left.length, 200, `${left.length} waiting and ${done.size} done`);
});

test('a wrong --queue, an unreachable Redis and a wrong combination are each one line', async (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 2);
  const port = await freePort();
  for (const args of [
    ['collect', '--queue', `redis://127.0.0.1:${port}/job`, '--out', join(dir, 'out.jsonl')],
    ['worker', '--queue', `redis://127.0.0.1:${port}/job`, '--quiet'],
    ['batch', file, '--task', 'sentiment', '--text-field', 'body', '--queue', `redis://127.0.0.1:${port}/job`],
  ]) {
    const started = performance.now();
    const result = run(...args);
    finished(result, 1);
    assert.match(oneInertLine(result.stderr, args[0]), new RegExp(`^Cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\): start it`));
    assert.ok(performance.now() - started < 15_000, `${args[0]} gave up after a few tries`);
  }
  for (const [args, message] of [
    [['collect', '--queue', 'http://127.0.0.1:6379/job', '--out', 'x'], /must be a redis:\/\/ URL/],
    [['collect', '--queue', `redis://127.0.0.1:${port}`, '--out', 'x'], /name the job after the address/],
    [['collect', '--queue', `redis://127.0.0.1:${port}/a:b`, '--out', 'x'], /may have only letters, digits/],
    [['collect', '--queue', `redis://127.0.0.1:${port}/job`], /Give the output file with --out/],
    [['worker'], /worker needs --queue/],
    [['batch', file, '--task', 'sentiment', '--queue', `redis://127.0.0.1:${port}/job`, '--out', 'x'], /--out goes with collect/],
  ] as const) {
    const result = run(...args);
    finished(result, 2);
    assert.match(result.stderr.split('\n')[0], message);
  }
});

test('a Redis with a password: refused without it in one line, reached with it', async (t) => {
  const redis = await startRedis(t);
  await redis.client().config('SET', 'requirepass', 'pa:ss@word');
  const out = join(tempDir(t), 'out.jsonl');
  const refused = run('collect', '--queue', redis.url('job'), '--out', out);
  finished(refused, 1);
  assert.match(oneInertLine(refused.stderr, 'no password'), /^Redis at 127\.0\.0\.1:\d+ refused the credentials \(.*\): give them in the URL, redis:\/\/USER:PASSWORD@HOST:PORT\/NAME\.$/);
  const reached = run('collect', '--queue', `redis://:${encodeURIComponent('pa:ss@word')}@127.0.0.1:${redis.port}/job`, '--out', out);
  finished(reached, 1);
  const message = oneInertLine(reached.stderr, 'with the password');
  assert.match(message, /^There is no job job at 127\.0\.0\.1:\d+/);
  assert.doesNotMatch(message, /pa:ss|pa%3Ass/, 'the password is not printed');
});
