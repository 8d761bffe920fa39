/**
 * What a shell can throw at the command-line tool: endless streams as the input or the data set
 * (/dev/zero, /dev/urandom, a FIFO fed forever), huge files, a pipe closed by its reader
 * (`| head -1`), a full disk (`> /dev/full`). Each run is watched (see cliRun.ts): one that reads
 * without end is killed at 1 GiB or after two minutes, and fails instead of eating the machine.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixtureModels, tempDir } from '../helpers';
import { endedWith, oneInertLine, watched } from './cliRun';

/** A FIFO in `dir` that `yes` writes `line` into for as long as it is read; the writer ends with the test. */
function endlessFifo(t: TestContext, dir: string, line: string): string {
  const fifo = join(dir, 'endless');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
  // The shell waits in open() until the CLI opens the FIFO; `yes` then writes until the reader has gone.
  const writer = spawn('sh', ['-c', 'exec yes "$0" > "$1"', line, fifo], { stdio: 'ignore' });
  t.after(() => void writer.kill('SIGKILL'));
  return fifo;
}

const streams: Array<[name: string, path: (t: TestContext) => string, refusal: RegExp]> = [
  ['/dev/zero', () => '/dev/zero', /^\/dev\/zero looks like a binary file \(it contains NUL bytes\); give/],
  ['/dev/urandom', () => '/dev/urandom', /^\/dev\/urandom (looks like a binary file|is not valid UTF-8)/],
  ['a FIFO fed forever', (t) => endlessFifo(t, tempDir(t), 'Angela Merkel was good in Paris.'), /endless has more than the limit of 2,000,000 characters \(--max-chars\): it was read no further\. Analyse part of it with --lines FROM:TO, or raise the limit with --max-chars \(at most 5,000,000\)\./],
];

for (const [name, path, refusal] of streams) {
  test(`${name} as the input is refused once it passes the limit, in bounded memory`, async (t) => {
    for (const command of [['sentiment'], ['topics', '--labels', 'sports']]) {
      const result = await watched([...command, path(t), '--models', fixtureModels()]);
      endedWith(result, 1);
      assert.equal(result.stdout, '');
      assert.match(oneInertLine(result.stderr, name), refusal);
    }
  });
}

test('--lines reads a FIFO fed forever only up to the lines asked for, with offsets and line numbers from its start', async (t) => {
  const line = 'Angela Merkel visited Paris.';
  const fifo = endlessFifo(t, tempDir(t), line);
  const result = await watched(['entities', fifo, '--lines', '1000:1001', '--json', '--models', fixtureModels()]);
  endedWith(result, 0);
  const entities = (JSON.parse(result.stdout) as { entities: Array<{ start: number; text: string }> }).entities;
  assert.deepEqual(entities.map((e) => e.text), ['Angela Merkel', 'Paris', 'Angela Merkel', 'Paris']);
  assert.equal(entities[0].start, 999 * (line.length + 1));

  const table = await watched(['sentiment', endlessFifo(t, tempDir(t), 'It was good.'), '--lines', '5:5', '--models', fixtureModels()]);
  endedWith(table, 0);
  assert.match(table.stdout, /^POSITIVE\s+\d+\.\d%\s+line 5\s+It was good\.$/m);
});

for (const [name, path] of streams) {
  test(`${name} as an eval data set is refused with one line, in bounded memory`, async (t) => {
    for (const task of ['sst2', 'squad']) {
      const result = await watched(['eval', task, path(t), '--models', fixtureModels()]);
      endedWith(result, 1);
      assert.equal(result.stdout, '');
      assert.match(oneInertLine(result.stderr, `${task} ${name}`), /looks like a binary file|is not valid UTF-8|has more than the limit of 16,777,216 bytes \(16 MiB\) for a data set file/);
    }
  });
}

test('a regular file whose size alone is over the limit is refused unread, the data set limit too', async (t) => {
  const dir = tempDir(t);
  // Sparse files: nothing is written to the disk. Read, the 1.5 GB one would pass the 1 GiB bound.
  for (const size of [1.5e9, 10 * 2 ** 30]) {
    const file = join(dir, `huge-${size}.txt`);
    writeFileSync(file, '');
    truncateSync(file, size);
    const result = await watched(['entities', file, '--models', fixtureModels()]);
    endedWith(result, 1);
    assert.match(
      oneInertLine(result.stderr, file),
      new RegExp(`has ${size.toLocaleString('en')} bytes, more than the limit of 2,000,000 characters \\(--max-chars\\) can hold\\. Analyse part of it with --lines FROM:TO\\.$`),
    );
  }
  const dataset = join(dir, 'dev.tsv');
  writeFileSync(dataset, '');
  truncateSync(dataset, 20e6);
  const result = await watched(['eval', 'sst2', dataset, '--models', fixtureModels()]);
  endedWith(result, 1);
  assert.match(oneInertLine(result.stderr, dataset), /dev\.tsv has 20,000,000 bytes, more than the limit of 16,777,216 bytes \(16 MiB\) for a data set file/);
});

/** A document whose table and JSON are larger than a pipe holds (64 KiB), so writing outlasts a reader that leaves. */
function longDocument(t: TestContext): string {
  const file = join(tempDir(t), 'long.txt');
  writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `Line ${i} was good.`).join('\n'));
  return file;
}

function smallDataset(t: TestContext): string {
  const file = join(tempDir(t), 'dev.tsv');
  writeFileSync(file, 'sentence\tlabel\na good film\t1\na bad film\t0\n');
  return file;
}

test('a pipe closed by its reader (| head -1) ends the run quietly, with exit code 141, for tables, JSON and eval', async (t) => {
  const file = longDocument(t);
  const cases: Array<[string, string[], 'at-once' | 'after-first-line', string]> = [
    ['table', ['sentiment', file], 'after-first-line', 'Document: POSITIVE'],
    ['JSON', ['sentiment', file, '--json'], 'after-first-line', '{'],
    ['eval table', ['eval', 'sst2', smallDataset(t)], 'at-once', ''],
    ['eval JSON', ['eval', 'sst2', smallDataset(t), '--json'], 'at-once', ''],
  ];
  for (const [what, args, closeStdout, firstLine] of cases) {
    const result = await watched([...args, '--models', fixtureModels()], { closeStdout });
    endedWith(result, 141);
    assert.equal(result.stderr, '', `${what}: nothing on stderr`);
    assert.ok(result.stdout.startsWith(firstLine), `${what}: ${result.stdout.slice(0, 80)}`);
  }
});

test('a full disk (> /dev/full) is one line on stderr and exit code 1, for tables, JSON and eval', async (t) => {
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const file = longDocument(t);
  for (const args of [['sentiment', file], ['sentiment', file, '--json'], ['eval', 'sst2', smallDataset(t)], ['eval', 'sst2', smallDataset(t), '--json']]) {
    const result = await watched([...args, '--models', fixtureModels()], { stdio: ['ignore', full, 'pipe'] });
    endedWith(result, 1);
    assert.equal(oneInertLine(result.stderr, args.join(' ')), 'Cannot write the output: no space left on the device (ENOSPC).');
  }
});

test('a closed or full stderr does not stop the run: --verbose logs are lost, the results still come', async (t) => {
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const file = longDocument(t);
  for (const options of [{ stdio: ['ignore', 'pipe', full] as ['ignore', 'pipe', number] }, { closeStderr: true }]) {
    const result = await watched(['sentiment', file, '--verbose', '--models', fixtureModels()], options);
    endedWith(result, 0);
    assert.match(result.stdout, /^POSITIVE\s+\d+\.\d%\s+line 20000\s+Line 19999 was good\.$/m);
  }
});
