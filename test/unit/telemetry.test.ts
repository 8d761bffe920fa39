/**
 * onnxruntime's telemetry switches (src/engine/telemetry.ts, src/engine/telemetryEvents.ts), where
 * they can be seen without strace: the files the library writes when its telemetry is on. The
 * system-call test (test/worker/systemCalls.test.ts) watches the network as well, where it can run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { disableTelemetryEvents } from '../../src/engine/telemetryEvents';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';
import { Engine } from '../../src/engine/engine';

const CLI = join(REPO, 'dist', 'cli.js');
const LEFT_ON = join(REPO, 'test', 'support', 'telemetryLeftOn.js');

/** What onnxruntime left in a HOME and TMPDIR of their own, after one CLI run with a hostile environment. */
function filesAfterCli(t: { after(fn: () => void): void }, preload: string[]): string[] {
  const root = tempDir(t);
  const home = join(root, 'home');
  const tmp = join(root, 'tmp');
  mkdirSync(home);
  mkdirSync(tmp);
  const document = join(root, 'document.txt');
  writeFileSync(document, 'A wonderful day. An awful night.\n');
  const run = spawnSync(process.execPath, [...preload, CLI, 'sentiment', document, '--models', fixtureModels()], {
    env: { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, ORT_DISABLE_TELEMETRY: '0' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /POSITIVE/);
  const files = (dir: string, name: string) => readdirSync(dir, { recursive: true }).map((file) => `${name}/${String(file)}`);
  return [...files(home, '~'), ...files(tmp, '$TMPDIR')];
}

test('the CLI writes none of onnxruntime\'s telemetry files, even with ORT_DISABLE_TELEMETRY=0 in its environment', (t) => {
  assert.deepEqual(filesAfterCli(t, []), []);
  // Control: with the switch undone, the same run leaves the device id, the event database and the log.
  const left = filesAfterCli(t, ['--require', LEFT_ON]);
  assert.ok(left.includes('~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid'), left.join(', '));
  assert.ok(left.some((file) => /^\$TMPDIR\/mat-debug-\d+\.log$/.test(file)), left.join(', '));
});

/** This platform's onnxruntime library, beside the binding the engine loads. */
function onnxruntimeLibrary(): string {
  const dir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const name = readdirSync(dir).find((file) => /^(lib)?onnxruntime(\.so\.1|\.dll|\.\d+\.dylib)$/.test(file));
  assert.ok(name, `no onnxruntime library in ${dir}`);
  return join(dir, name);
}

test('DisableTelemetryEvents is reached through the FFI before the first session, and the engine then runs as usual', async () => {
  // The Windows build needs this call (it reads no environment variable); the same call runs here.
  // This file creates no session before it, so the environment the call makes is the one the binding then uses.
  disableTelemetryEvents(onnxruntimeLibrary());
  const engine = new Engine(fixtureOptions());
  try {
    const result = await engine.sentiment({ text: 'A wonderful day. An awful night.', neutralBand: 0.1 });
    assert.deepEqual(result.sentences.map((s) => s.label), ['POSITIVE', 'NEGATIVE']);
  } finally {
    await engine.dispose();
  }
});

test('a library that is not onnxruntime is refused, saying why', () => {
  // A native library of this platform that exports no OrtGetApiBase: the tokenizers binding.
  const dir = dirname(require.resolve('tokenizers'));
  const other = readdirSync(dir).find((file) => file.startsWith(`tokenizers.${process.platform}-${process.arch}`) && file.endsWith('.node'));
  assert.ok(other);
  assert.throws(() => disableTelemetryEvents(join(dir, other)), /OrtGetApiBase/);
});
