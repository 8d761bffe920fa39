/**
 * Nothing leaves the machine, proven where it would happen: in the system calls. The real worker
 * (dist/worker.js, as the extension host forks it), the real CLI (dist/cli.js) and the language
 * server (dist/server.js --stdio, with the worker it forks, in an LSP session) run their tasks
 * under `strace -f` inside an empty network namespace (`unshare -n`, only loopback up), so that
 * even a failing case reaches nothing — test/support/watchedRuns.ts says what runs. Checked:
 *
 * - no `connect`/`sendto`/`sendmsg`/`sendmmsg` to any address but loopback and the processes' own
 *   Unix sockets, from any thread (onnxruntime's telemetry uploads from threads of its own);
 * - no file created, written, renamed or removed outside the model cache and the output the user
 *   asked for (no `$TMPDIR/mat-debug-*.log`, nothing under `~/.cache/Microsoft`);
 * - the watched runs returned the planted results (a worker that died at start cannot pass), and
 *   the worker was watched for 10 s past the moment the control showed its first upload attempt
 *   (the server as long past its first inference);
 * - controls: the same worker, CLI and server with test/support/telemetryLeftOn.js preloaded (our
 *   switch undone) must show onnxruntime's attempts — its files, and its name lookups within a
 *   minute — so the check is known to see them (the server's from the worker it forks).
 *
 * Each traced process gets ORT_DISABLE_TELEMETRY=0 in its environment: our switch must win over
 * whatever the user's shell or editor passes in. Needs strace, unshare and ip (iproute2), and the
 * right to make a network namespace (root, as CI runs); without them it says so loudly and skips
 * (under CI=true it fails). The socket-level offline test (test/unit/offline.test.ts) stays: it
 * runs anywhere, and sees a connection to a loopback Hub, which this test allows.
 *
 * Run: npm run build && npx tsx --test test/worker/systemCalls.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO } from '../helpers';
import { fileWrites, isDnsQuery, networkAttempts, outsideAttempts, readTrace, writesOutside, type FileWrite, type NetworkAttempt } from '../support/systemCalls';
import type { CliRun, WatchedReport, WorkerRun } from '../support/watchedRuns';
import type { ServerRun } from '../support/watchedServer';

const DRIVER = join(REPO, 'test', 'support', 'watchedRuns.ts');
/** The driver's own limit: the control polls for a minute, the worker is watched 10 s longer. */
const DRIVER_TIMEOUT_MS = 150_000;

/** What this machine lacks to run the check, or undefined. */
function missingTools(): string | undefined {
  const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
  if (!works('strace', ['-V'])) return 'strace is not installed (Debian: apt-get install strace)';
  if (!works('ip', ['-V'])) return 'ip is not installed (Debian: apt-get install iproute2)';
  if (!works('unshare', ['-n', 'true'])) return 'unshare -n cannot make a network namespace here (it needs root, or user namespaces)';
  if (!existsSync(join(REPO, 'dist', 'worker.js'))) return 'dist/worker.js is missing: run `npm run build` first';
  return undefined;
}

const missing = missingTools();
if (missing && process.env.CI !== 'true') {
  process.stderr.write(
    `\n${'!'.repeat(100)}\n!! SKIPPED: the system-call privacy test (test/worker/systemCalls.test.ts) cannot run: ${missing}.\n` +
      `!! Nothing here proves that onnxruntime's telemetry is off. CI runs it.\n${'!'.repeat(100)}\n\n`,
  );
}

/** Runs test/support/watchedRuns.ts in an empty network namespace with loopback up; resolves to its report. */
async function watchedRuns(workDir: string): Promise<WatchedReport> {
  const reportFile = join(workDir, 'report.json');
  const child = spawn(
    'unshare',
    ['-n', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', DRIVER, reportFile, workDir],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), DRIVER_TIMEOUT_MS);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(status, 0, `the watched runs failed (exit ${status}):\n${output}`);
  return JSON.parse(readFileSync(reportFile, 'utf8')) as WatchedReport;
}

const show = (items: Array<NetworkAttempt | FileWrite>) => items.slice(0, 10).map((item) => item.call.line).join('\n');

function assertPlantedAnswers(run: WorkerRun): void {
  assert.deepEqual(
    run.answers,
    {
      sentiment: ['POSITIVE', 'NEGATIVE'],
      entities: ['Angela Merkel', 'Paris'],
      answers: ['1958'],
      topTopic: 'sports',
      sources: { sentiment: 'bundled', entities: 'bundled', qa: 'bundled', topics: 'download' },
    },
    `the worker did not answer every task as planted: ${run.stderr}`,
  );
}

function assertPlantedServerAnswers(run: ServerRun): void {
  assert.deepEqual(run.answers.diagnostics, ['EMAIL_ADDRESS anna.smith@example.com', 'PERSON Angela Merkel'], `the server did not publish the planted personal data: ${run.stderr}`);
  const planted = run.answers.sentiment.filter((sentence) => /wonderful|awful/.test(sentence));
  assert.deepEqual(planted, ['POSITIVE A wonderful day.', 'NEGATIVE An awful night 0.'], `textAnalytics.sentiment did not answer as planted: ${run.stderr}`);
}

/** Whether the trace followed the server (its first traced process) into the worker it forks. */
function tracedItsWorker(calls: ReturnType<typeof readTrace>): boolean {
  const serverPid = calls[0]?.pid;
  return calls.some((call) => call.pid !== serverPid && call.args.includes(join(REPO, 'dist', 'worker.js')));
}

/** Files left in a folder (recursively): a traced run's HOME and TMPDIR must stay empty. */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => join(entry.parentPath, entry.name));
}

describe('nothing leaves the machine: the worker, the CLI and the language server under strace in an empty network namespace', { skip: process.env.CI === 'true' ? false : missing }, () => {
  let report: WatchedReport;

  let workDir: string | undefined;
  after(() => workDir && rmSync(workDir, { recursive: true, force: true }));
  before(async () => {
    assert.equal(missing, undefined, `CI must run the system-call test: ${missing}`);
    workDir = mkdtempSync(join(tmpdir(), 'text-analytics-syscalls-'));
    report = await watchedRuns(workDir);
  }, { timeout: DRIVER_TIMEOUT_MS + 10_000 });

  test('control: with our switch undone, the same worker writes onnxruntime\'s files and looks up its collector', () => {
    const { control } = report;
    assertPlantedAnswers(control);
    const calls = readTrace(control.trace);
    assert.ok(control.firstAttemptMs !== undefined, `the control made no outside attempt in a minute: the check would see nothing\n${control.stderr}`);
    const outside = outsideAttempts(calls);
    assert.ok(outside.some(isDnsQuery), `expected a DNS lookup among:\n${show(outside)}`);
    const written = fileWrites(calls).flatMap((w) => w.paths);
    assert.ok(written.some((path) => path.startsWith(join(control.tmp, 'mat-debug-'))), 'the control wrote no mat-debug log');
    assert.ok(written.some((path) => path.startsWith(join(control.home, '.cache', 'Microsoft'))), 'the control wrote nothing under ~/.cache/Microsoft');
  });

  test('control: with our switch undone, the CLI writes onnxruntime\'s files', () => {
    const { cliControl } = report;
    assert.equal(cliControl.status, 0, cliControl.stderr);
    const written = fileWrites(readTrace(cliControl.trace)).flatMap((w) => w.paths);
    assert.ok(written.some((path) => path.startsWith(join(cliControl.tmp, 'mat-debug-'))), 'the CLI control wrote no mat-debug log');
    assert.ok(written.some((path) => path.startsWith(join(cliControl.home, '.cache', 'Microsoft', 'DeveloperTools', '.onnxruntime'))));
  });

  test('control: with our switch undone, the language server\'s worker writes onnxruntime\'s files and looks up its collector', () => {
    const { serverControl } = report;
    assertPlantedServerAnswers(serverControl);
    const calls = readTrace(serverControl.trace);
    assert.ok(tracedItsWorker(calls), 'the trace does not show the worker the server forked');
    assert.ok(serverControl.firstAttemptMs !== undefined, `the server control made no outside attempt in a minute: the check would see nothing\n${serverControl.stderr}`);
    const outside = outsideAttempts(calls);
    assert.ok(outside.some(isDnsQuery), `expected a DNS lookup among:\n${show(outside)}`);
    const written = fileWrites(calls).flatMap((w) => w.paths);
    // mat-debug-<pid>.log names the process that loaded onnxruntime: the worker, not the server.
    const logs = written.filter((path) => path.startsWith(join(serverControl.tmp, 'mat-debug-')));
    assert.ok(logs.length > 0, 'the server control wrote no mat-debug log');
    assert.ok(!logs.includes(join(serverControl.tmp, `mat-debug-${calls[0].pid}.log`)), 'the server itself loaded onnxruntime');
    assert.ok(written.some((path) => path.startsWith(join(serverControl.home, '.cache', 'Microsoft'))), 'the server control wrote nothing under ~/.cache/Microsoft');
  });

  test('the language server publishes personal data and runs commands, and reaches nothing, writes nothing', () => {
    const { server, control } = report;
    assertPlantedServerAnswers(server);
    const watchedAfter = server.watchedMs - (server.firstInferenceMs ?? Infinity);
    assert.ok(watchedAfter >= (control.firstAttemptMs ?? Infinity) + 9_000, `watched for ${watchedAfter} ms past its first inference only; the control's first attempt came at ${control.firstAttemptMs} ms`);
    assert.ok(server.rounds >= 10, `only ${server.rounds} rounds of diagnostics and sentiment ran while it was watched`);
    const calls = readTrace(server.trace);
    assert.ok(tracedItsWorker(calls), 'the trace does not show the worker the server forked');
    assert.deepEqual(outsideAttempts(calls).map((a) => a.call.line), [], 'connection attempts beyond loopback');
    assert.deepEqual(writesOutside(calls, []).map((w) => w.call.line), [], 'files written');
    assert.deepEqual([...filesIn(server.home), ...filesIn(server.tmp)], []);
    assert.equal(server.status, 0, `the server did not exit cleanly after shutdown and exit: ${server.stderr}`);
    assert.ok(server.exitedByItself, 'the server and its worker were not gone within seconds of exit');
  });

  test('the worker runs every task, downloads over loopback into its cache, and reaches nothing else', () => {
    const { worker, control } = report;
    assertPlantedAnswers(worker);
    assert.ok(worker.watchedMs >= (control.firstAttemptMs ?? Infinity) + 9_000, `watched for ${worker.watchedMs} ms only; the control's first attempt came at ${control.firstAttemptMs} ms`);
    assert.ok(worker.requests >= 40, `only ${worker.requests} requests ran while it was watched`);
    const calls = readTrace(worker.trace);
    // The download went through the trace: it sees this worker's connections, and they were loopback.
    assert.ok(networkAttempts(calls).some((a) => a.destination.address === '127.0.0.1'), 'the trace shows no connection to the loopback Hub');
    assert.ok(report.hubRequests > 0, 'the loopback Hub served nothing');
    assert.deepEqual(outsideAttempts(calls).map((a) => a.call.line), [], 'connection attempts beyond loopback');
    assert.deepEqual(writesOutside(calls, [worker.cache]).map((w) => w.call.line), [], 'files written outside the model cache');
    assert.ok(fileWrites(calls).length > 0, 'the trace shows none of the download\'s writes');
    assert.deepEqual([...filesIn(worker.home), ...filesIn(worker.tmp)], []);
    assert.ok(worker.exitedByItself, 'the worker did not exit when its parent let go');
  });

  test('the CLI runs every command and writes only the output it was asked for', () => {
    const expected: Record<string, RegExp> = {
      sentiment: /"label": "POSITIVE"/,
      entities: /PER .*Angela Merkel/,
      ask: /1958/,
      topics: /sports/,
      eval: /accuracy\s+100\.0/,
      info: /onnxruntime\s+\d/,
      '--version': /^text-analytics /,
    };
    for (const run of report.cli) {
      const name = run.args[0];
      assert.equal(run.status, 0, `${name}: ${run.stderr}`);
      const output = run.output ? readFileSync(run.output, 'utf8') : run.stdout;
      assert.match(output, expected[name], `${name} printed: ${output.slice(0, 500)}`);
      const calls = readTrace(run.trace);
      assert.deepEqual(outsideAttempts(calls).map((a) => a.call.line), [], `${name}: connection attempts beyond loopback`);
      assert.deepEqual(writesOutside(calls, run.output ? [run.output] : []).map((w) => w.call.line), [], `${name}: files written`);
      assert.deepEqual([...filesIn(run.home), ...filesIn(run.tmp)], [], `${name} left files behind`);
    }
    assert.deepEqual(report.cli.map((run: CliRun) => run.args[0]).sort(), Object.keys(expected).sort());
  });
});
