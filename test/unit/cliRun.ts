/**
 * Running the bundled command-line tool (dist/cli.js, built by `npm run build`) as a user runs it,
 * for the CLI's test files: `run` waits for it; `watched` runs it under a watchdog that kills it
 * when it outgrows a memory bound or a time limit, so a case that reads an endless stream can
 * fail but never hang the test run or eat the machine.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers';

/** The build under test; TEXT_ANALYTICS_CLI names another (an older build, to see a test fail). */
export const CLI = process.env.TEXT_ANALYTICS_CLI ?? join(REPO, 'dist', 'cli.js');

/** The download cache the CLI sees: never the user's. */
const ENV = { ...process.env, XDG_CACHE_HOME: join(REPO, '.cache', 'cli-test') };

export function run(...args: string[]) {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first.`);
  // The timeout only keeps a hanging CLI from hanging the test run; `finished` checks it did not.
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: ENV });
}

/** The CLI ran to its end (was not killed by the timeout) with this exit code. */
export function finished(result: { signal: NodeJS.Signals | null; status: number | null; stderr: string }, status: number): void {
  assert.equal(result.signal, null, `the CLI was killed (${result.signal}): it hung`);
  assert.equal(result.status, status, result.stderr);
}

export interface WatchOptions {
  /** Where the CLI's stdin, stdout and stderr go: 'pipe' (collected), 'ignore', or an open file descriptor. */
  stdio?: ['ignore' | number, 'pipe' | 'ignore' | number, 'pipe' | 'ignore' | number];
  /** Close the read end of the stdout pipe: at once, or once the first line has come (as `| head -1` does). */
  closeStdout?: 'at-once' | 'after-first-line';
  /** Close the read end of the stderr pipe at once. */
  closeStderr?: boolean;
  /** Killed when its resident memory passes this (the CLI's bound is 1 GiB). */
  maxRssMiB?: number;
  timeoutMs?: number;
  /** Added to the CLI's environment (a loopback Hub's address). */
  env?: NodeJS.ProcessEnv;
}

export interface Watched {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Why the watchdog killed it, if it did. */
  killed?: string;
  /** The highest resident set size seen (VmHWM, polled), in MiB; 0 where /proc is not there. */
  peakRssMiB: number;
}

/** Runs the CLI under the watchdog and resolves when it has exited. */
export function watched(args: string[], options: WatchOptions = {}): Promise<Watched> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first.`);
  const { stdio = ['ignore', 'pipe', 'pipe'], maxRssMiB = 1024, timeoutMs = 120_000 } = options;
  const child = spawn(process.execPath, [CLI, ...args], { stdio: stdio as StdioOptions, env: { ...ENV, ...options.env } });
  const result: Watched = { status: null, signal: null, stdout: '', stderr: '', peakRssMiB: 0 };
  const kill = (why: string) => {
    result.killed ??= why;
    child.kill('SIGKILL');
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  if (options.closeStdout === 'at-once') child.stdout?.destroy();
  else {
    child.stdout?.on('data', (data: string) => {
      result.stdout += data;
      if (options.closeStdout === 'after-first-line' && result.stdout.includes('\n')) {
        result.stdout = result.stdout.slice(0, result.stdout.indexOf('\n') + 1);
        child.stdout?.destroy();
      }
    });
  }
  if (options.closeStderr) child.stderr?.destroy();
  else child.stderr?.on('data', (data: string) => (result.stderr += data));
  const poll = setInterval(() => {
    const status = procStatus(child.pid);
    if (!status) return;
    result.peakRssMiB = Math.max(result.peakRssMiB, status.hwmKiB / 1024);
    if (status.rssKiB / 1024 > maxRssMiB) kill(`its memory passed ${maxRssMiB} MiB`);
  }, 50);
  const timer = setTimeout(() => kill(`it ran for more than ${timeoutMs / 1000} s`), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      Object.assign(result, { status, signal });
      resolve(result);
    });
  });
}

/** The CLI ran to its end under the watchdog with this exit code. */
export function endedWith(result: Watched, status: number): void {
  assert.equal(result.killed, undefined, `the watchdog killed the CLI: ${result.killed}`);
  assert.equal(result.signal, null, `the CLI was killed (${result.signal})`);
  assert.equal(result.status, status, result.stderr);
}

function procStatus(pid: number | undefined): { rssKiB: number; hwmKiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined; // gone, or no /proc here: the timeout still guards
  }
}

/** Characters a terminal would obey: controls (a line break only at the end of a line), bidi controls, line separators. */
export const UNSAFE_ON_A_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** `stderr` is one message line of inert text from the CLI, with no stack trace. */
export function oneInertLine(stderr: string, what: string): string {
  assert.match(stderr, /^text-analytics: [^\n]+\n$/, `${what}: one line on stderr, not ${JSON.stringify(stderr.slice(0, 600))}`);
  assert.doesNotMatch(stderr, UNSAFE_ON_A_TERMINAL, `${what}: inert text`);
  assert.doesNotMatch(stderr, /\n\s+at /, `${what}: no stack trace`);
  return stderr.slice('text-analytics: '.length, -1);
}

/** One line of a batch run's output (`text-analytics batch`, Analyze Folder…). */
export interface ResultLine {
  id: string;
  source: string;
  task: string;
  date?: string;
  result?: Record<string, unknown>;
  error?: string;
}

/** The lines of a batch output file, parsed. */
export const resultLines = (file: string): ResultLine[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ResultLine);
