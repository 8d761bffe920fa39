import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers';
import { CLI, finished, resultLines, run } from './cliRun';

// `text-analytics batch` through the real CLI and its pool of worker processes, on the fixture
// models: one line per document in the documents' order, each result what `TASK --json` prints
// for that text, bad documents recorded and the run going on, and a run killed at any moment
// continued by --resume to exactly the output of a run that was never interrupted.

const REVIEWS = [
  'A great product, I love it.',
  'Terrible service and a rude driver.',
  'The hotel was wonderful and the staff were kind.',
  'Awful food. We will not come back.',
];

/** A corpus of `count` JSON Lines reviews with ids and dates. */
function corpus(dir: string, count: number): string {
  const file = join(dir, 'reviews.jsonl');
  const rows = Array.from({ length: count }, (_, i) => JSON.stringify({ id: `r${i}`, day: `2026-0${1 + (i % 9)}-1${i % 10}`, body: `${REVIEWS[i % REVIEWS.length]} Order ${i}.` }));
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

test('a folder: one line per document in order, each result what TASK --json prints, bad files recorded', async (t) => {
  const dir = tempDir(t);
  const docs = join(dir, 'docs');
  mkdirSync(join(docs, 'b'), { recursive: true });
  writeFileSync(join(docs, 'a.txt'), REVIEWS[0]);
  writeFileSync(join(docs, 'b', 'c.md'), `# Notes\n\n${REVIEWS[1]}\n`);
  writeFileSync(join(docs, 'blank.txt'), '   \n');
  writeFileSync(join(docs, 'z.bin'), Buffer.from([0, 1, 2, 0, 255, 0, 3]));
  const out = join(dir, 'out.jsonl');
  const batch = run('batch', docs, '--task', 'sentiment', '--out', out, '--models', fixtureModels(), '--processes', '2', '--quiet');
  finished(batch, 0);
  assert.equal(batch.stderr, '', '--quiet prints nothing');
  const lines = resultLines(out);
  assert.deepEqual(
    lines.map((line) => line.source),
    ['a.txt', join('b', 'c.md'), 'blank.txt', 'z.bin'].map((name) => join(docs, name)),
  );
  for (const line of lines) assert.equal(line.id, line.source);
  for (const [i, name] of ['a.txt', join('b', 'c.md')].entries()) {
    const single = run('sentiment', join(docs, name), '--models', fixtureModels(), '--json');
    finished(single, 0);
    assert.deepEqual(lines[i].result, JSON.parse(single.stdout), `${name}: the batch result differs from sentiment --json`);
  }
  assert.match(lines[2].error ?? '', /blank|empty|no text/i);
  assert.match(lines[3].error ?? '', /binary/i);
  assert.equal(lines[2].result, undefined);
});

test('JSON Lines with id and date fields: ids and dates carried, every document once, in order', async (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 40);
  const out = join(dir, 'out.jsonl');
  const batch = run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--id-field', 'id', '--date-field', 'day', '--out', out, '--models', fixtureModels(), '--processes', '2');
  finished(batch, 0);
  assert.match(batch.stderr, /Done: 40 documents .*40 results, 0 errors/);
  const lines = resultLines(out);
  assert.deepEqual(
    lines.map((line) => line.id),
    Array.from({ length: 40 }, (_, i) => `r${i}`),
  );
  assert.equal(lines[3].source, `${file}:4`);
  assert.equal(lines[3].date, '2026-04-13');
  const labels = lines.map((line) => (line.result?.document as { label: string }).label);
  assert.deepEqual(labels.slice(0, 4), ['POSITIVE', 'NEGATIVE', 'POSITIVE', 'NEGATIVE']);

  // The report over that output: the page is written and the line says what it counted.
  const page = join(dir, 'report.html');
  const report = run('report', out, '--html', page);
  finished(report, 0);
  assert.match(report.stderr, /^text-analytics: Wrote .*report\.html: 40 documents \(sentiment 40\), 0 errors\.\n$/);
  const html = readFileSync(page, 'utf8');
  assert.match(html, /Content-Security-Policy/);
  assert.match(html, /2026-04/, 'the sentiment over the date field');
  const noPage = run('report', out);
  finished(noPage, 2);
  assert.match(noPage.stderr, /--html report\.html/);
});

test('an existing output is kept unless --resume or --overwrite says what to do with it', async (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 3);
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, '{"earlier": true}\n');
  const refused = run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--out', out, '--models', fixtureModels());
  finished(refused, 1);
  assert.match(refused.stderr, /already has results: give --resume .* or --overwrite/);
  assert.equal(readFileSync(out, 'utf8'), '{"earlier": true}\n');
  // Results with no run's state beside them are not a run to continue.
  const stranger = run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--out', out, '--models', fixtureModels(), '--resume');
  finished(stranger, 1);
  assert.match(stranger.stderr, /no run to resume: .*out\.jsonl\.batch\.json is missing.*--overwrite/);
  assert.equal(readFileSync(out, 'utf8'), '{"earlier": true}\n');
  const again = run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--out', out, '--models', fixtureModels(), '--overwrite', '--quiet');
  finished(again, 0);
  assert.equal(resultLines(out).length, 3);
  const other = run('batch', file, '--task', 'sentiment', '--text-field', 'body', '--out', out, '--models', fixtureModels(), '--neutral-band', '0.3', '--resume');
  finished(other, 1);
  assert.match(other.stderr, /started with other options/);
});

test('killed at any moment and resumed, the output is that of a run never interrupted', async (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 1000);
  const args = (out: string) => ['batch', file, '--task', 'sentiment', '--text-field', 'body', '--id-field', 'id', '--out', out, '--models', fixtureModels(), '--processes', '2', '--quiet'];
  const whole = join(dir, 'whole.jsonl');
  finished(run(...args(whole)), 0);
  const expected = readFileSync(whole, 'utf8');
  assert.equal(expected.split('\n').filter(Boolean).length, 1000);

  // Killed while starting (before a line is out), early and late in the writing; each resumed.
  const lineCount = (out: string) => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0);
  for (const [name, ready] of [
    ['starting', () => true],
    ['after 50 lines', (out: string) => lineCount(out) >= 50],
    ['after 700 lines', (out: string) => lineCount(out) >= 700],
  ] as const) {
    const out = join(dir, `killed-${name.replace(/ /g, '-')}.jsonl`);
    const child = spawn(process.execPath, [CLI, ...args(out)], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    if (name === 'starting') await sleep(150);
    for (let i = 0; i < 6000 && child.exitCode === null && !ready(out); i++) await sleep(5);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `${name}: the run ended before it was killed`);
    const before = existsSync(out) ? readFileSync(out, 'utf8') : '';
    // What was written stays: the whole lines are a prefix of the full output.
    const kept = before.slice(0, before.lastIndexOf('\n') + 1);
    assert.ok(expected.startsWith(kept), `killed ${name}: the lines written are not the first ones`);
    const resumed = run(...args(out), '--resume');
    finished(resumed, 0);
    assert.equal(readFileSync(out, 'utf8'), expected, `killed ${name} (${kept.split('\n').length - 1} lines written) and resumed`);
  }
});

test('Ctrl-C stops cleanly, says how to resume, and the resumed run completes it', async (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 600);
  const out = join(dir, 'out.jsonl');
  const args = ['batch', file, '--task', 'sentiment', '--text-field', 'body', '--out', out, '--models', fixtureModels(), '--processes', '1'];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Once some lines are out.
  for (let i = 0; i < 200 && !(existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 20); i++) await sleep(50);
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /Stopped after \d+ documents.*To continue: text-analytics batch .* --resume/);
  const written = resultLines(out).length;
  assert.ok(written > 0 && written < 600, `${written} lines`);
  const resumed = run(...args, '--resume', '--quiet');
  finished(resumed, 0);
  const lines = resultLines(out);
  assert.equal(lines.length, 600);
  assert.equal(new Set(lines.map((line) => line.source)).size, 600);
});

test('a wrong command line is refused before anything runs', (t) => {
  const dir = tempDir(t);
  const file = corpus(dir, 2);
  const out = join(dir, 'out.jsonl');
  for (const [args, message] of [
    [[file, '--out', out], /Say which task to run with --task/],
    [[file, '--task', 'frobnicate', '--out', out], /Unknown task: frobnicate/],
    [[file, '--task', 'sentiment'], /Give the output file with --out/],
    [['--task', 'sentiment', '--out', out], /Give the files, folders/],
    [[file, '--task', 'topics', '--out', out], /--labels/],
    [[file, '--task', 'sentiment', '--out', out, '--processes', '0'], /--processes must be a whole number from 1 to 64/],
  ] as const) {
    const result = run('batch', ...args, '--models', fixtureModels());
    finished(result, 2);
    assert.match(result.stderr, message);
    assert.equal(existsSync(out), false, 'nothing was written');
  }
  const missing = run('batch', join(dir, 'nope'), '--task', 'sentiment', '--out', out, '--models', fixtureModels());
  finished(missing, 1);
  assert.match(missing.stderr, /nope/);

  // A model missing in the pool's engine processes is said with the command line's options, as
  // `text-analytics sentiment` says it, not with the editor's settings.
  const noModels = join(dir, 'no-models');
  mkdirSync(noModels);
  const modelless = run('batch', file, '--text-field', 'body', '--task', 'sentiment', '--out', out, '--models', noModels);
  finished(modelless, 1);
  assert.match(modelless.stderr, /^text-analytics: No sentiment model is available: the --models folder .*no-models has no "sentiment" subfolder.* Give --models DIR .* or allow --download/);
  assert.doesNotMatch(modelless.stderr, /textAnalytics\./);
});
