import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { runBatch, type BatchOptions, type BatchSummary } from '../../src/batch/run';
import { WorkerClient } from '../../src/client/workerClient';
import { CLI_TASKS, JSON_SCHEMA_VERSION, type CliValues } from '../../src/cliTasks';
import { RUNNERS } from '../../src/engine/runners';
import { PACKED_TASKS, readHostMessage, TASKS, type DocumentsResult, type EngineOptions, type SentimentResult } from '../../src/protocol';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';
import { CLI, finished, resultLines, run } from './cliRun';

// Short documents packed across documents (Engine.runMany, batch's `documents` requests): with
// fp32 weights on the CPU their sentences share forward passes and every result is still, byte for
// byte, what the document gives alone; int8 weights are never packed. Real fixture models through
// the real worker and CLI (`npm run build` first).

const WORKER = join(REPO, 'dist', 'worker.js');
const WORDS = 'the food was great but the service slow and the staff rude we loved our hotel room awful terrible fine okay never again wonderful kind cold coffee'.split(' ');

/** Deterministic reviews of one to four sentences of 2 to 30 words, each unique (its number in it), so that no cache answers one from another. */
function reviews(count: number, seed = 1): string[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const sentence = () => `${Array.from({ length: 2 + next(29) }, () => WORDS[next(WORDS.length)]).join(' ')}.`;
  return Array.from({ length: count }, (_, i) => `Review ${i}: ${Array.from({ length: 1 + next(4) }, sentence).join(' ')}`);
}

/** A folder of `count` short reviews, d000.txt…, with a Markdown file of only markup among them (an engine-side error inside a group). */
function reviewFolder(dir: string, count: number): { folder: string; files: string[]; bad: string } {
  const folder = join(dir, 'docs');
  mkdirSync(folder);
  const files = reviews(count).map((text, i) => {
    const file = join(folder, `d${String(i).padStart(3, '0')}.txt`);
    writeFileSync(file, text);
    return file;
  });
  const bad = join(folder, 'd040b.md');
  writeFileSync(bad, '# Only a heading\n\n```\nand code\n```\n');
  return { folder, files, bad };
}

/** The CLI's own requests and printers, so that runBatch here makes the lines `text-analytics batch` makes. */
function batchOptions(task: 'sentiment' | 'classify' | 'language', folder: string, out: string, engine: Partial<EngineOptions>, extra: Partial<BatchOptions> = {}): BatchOptions {
  const values = { neutralBand: 0.1, model: join(fixtureModels(), task === 'language' ? 'language' : 'emotion') } as CliValues;
  const printer = CLI_TASKS[task];
  return {
    task,
    inputs: [folder],
    out,
    resume: false,
    overwrite: true,
    processes: 2,
    params: (document) => printer.params({ ...values, path: document.source }),
    json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }),
    job: {},
    engineOptions: fixtureOptions({ device: 'auto', threads: 1, ...engine }),
    workerPath: WORKER,
    input: { include: [], exclude: [], textField: 'text', column: 'text', maxChars: 1_000_000, stdin: process.stdin },
    ...extra,
  };
}

const canonical = (value: unknown) => JSON.stringify(value);

/**
 * The folder's `count` documents through runBatch with fp32 weights twice, packed and one document
 * per request: one request a document without packing, at most a quarter as many with it, and
 * the same lines byte for byte. Returns both outputs and the packed run's summary.
 */
async function packedAndAlone(task: 'sentiment' | 'classify' | 'language', folder: string, dir: string, count: number): Promise<{ packed: string; alone: string; packedSummary: BatchSummary }> {
  const packed = join(dir, 'packed.jsonl');
  const alone = join(dir, 'alone.jsonl');
  const packedSummary = await runBatch(batchOptions(task, folder, packed, { precision: 'fp32' }));
  const aloneSummary = await runBatch(batchOptions(task, folder, alone, { precision: 'fp32' }, { pack: false }));
  assert.equal(aloneSummary.requests, count);
  assert.ok(packedSummary.requests <= count / 4, `${packedSummary.requests} requests for ${count} short documents: they were not sent together`);
  assert.equal(readFileSync(packed, 'utf8'), readFileSync(alone, 'utf8'), 'packed documents got other lines than documents sent one by one');
  return { packed, alone, packedSummary };
}

test('every task the engine can pack is one batch groups for, and no other', () => {
  assert.deepEqual(
    TASKS.filter((task) => RUNNERS[task].plan !== undefined),
    [...PACKED_TASKS],
  );
});

test('sentiment, fp32: packed lines are byte for byte those of one document per request and of sentiment --json, in far fewer requests', async (t) => {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const dir = tempDir(t);
  const { folder, files, bad } = reviewFolder(dir, 100);

  const cli = run('batch', folder, '--task', 'sentiment', '--out', join(dir, 'cli.jsonl'), '--models', fixtureModels(), '--precision', 'fp32', '--processes', '2', '--quiet');
  finished(cli, 0);
  // 101 documents: one request each without packing; groups of up to 16 with it.
  const { packed, alone, packedSummary } = await packedAndAlone('sentiment', folder, dir, 101);
  assert.equal(readFileSync(join(dir, 'cli.jsonl'), 'utf8'), readFileSync(alone, 'utf8'), 'text-analytics batch wrote other lines');

  const lines = resultLines(packed);
  assert.equal(lines.length, 101);
  assert.equal(packedSummary.errors, 1);
  const badAt = lines.findIndex((line) => line.source === bad);
  assert.match(lines[badAt].error ?? '', /no prose|markup/i, 'the Markdown file of only markup has its own error');
  assert.ok(lines[badAt - 1].result && lines[badAt + 1].result, 'its neighbours in the group still have results');
  for (const file of files.filter((_, i) => i % 13 === 5)) {
    const single = run('sentiment', file, '--models', fixtureModels(), '--precision', 'fp32', '--json');
    finished(single, 0);
    const line = lines.find((l) => l.source === file);
    assert.equal(canonical(line?.result), canonical(JSON.parse(single.stdout)), `${file}: the batch result differs from sentiment --json`);
  }
});

test('a classifier, fp32: packed items and labels equal one document per request and classify --json', async (t) => {
  const dir = tempDir(t);
  const { folder, files } = reviewFolder(dir, 60);
  const { packed } = await packedAndAlone('classify', folder, dir, 61);
  const lines = resultLines(packed);
  for (const file of [files[3], files[31]]) {
    const single = run('classify', file, '--model', join(fixtureModels(), 'emotion'), '--models', fixtureModels(), '--precision', 'fp32', '--json');
    finished(single, 0);
    assert.equal(canonical(lines.find((l) => l.source === file)?.result), canonical(JSON.parse(single.stdout)), `${file}: differs from classify --json`);
  }
});

test('language identification, fp32: packed equals one document per request, a paragraph told by its script alone included', async (t) => {
  const dir = tempDir(t);
  const { folder, files } = reviewFolder(dir, 40);
  // Kana: told by its script, no forward pass; its document has no span to score in the group.
  writeFileSync(files[12], 'ひらがなとカタカナのぶんしょうです。');
  writeFileSync(files[13], `${readFileSync(files[13], 'utf8')}\n\nひらがなのぶんです。`);
  const { packed } = await packedAndAlone('language', folder, dir, 41);
  const kana = resultLines(packed).find((line) => line.source === files[12]);
  assert.equal((kana?.result as { document?: { language?: string } } | undefined)?.document?.language, 'ja');
});

test('int8: batch sends one document per request, and its lines are sentiment --json', async (t) => {
  const dir = tempDir(t);
  const { folder, files } = reviewFolder(dir, 30);
  const out = join(dir, 'int8.jsonl');
  const summary = await runBatch(batchOptions('sentiment', folder, out, { precision: 'auto' }));
  assert.equal(summary.requests, 31, 'int8 documents went together');
  const lines = resultLines(out);
  for (const file of [files[0], files[17]]) {
    const single = run('sentiment', file, '--models', fixtureModels(), '--json');
    finished(single, 0);
    assert.equal(canonical(lines.find((l) => l.source === file)?.result), canonical(JSON.parse(single.stdout)), `${file}: differs from sentiment --json`);
  }
});

/** A worker's forward passes for `texts` sent one request each, and in one `documents` request, with both replies. */
async function forwardPasses(t: { after(fn: () => void): void }, precision: 'fp32' | 'int8', texts: string[]) {
  const start = (): WorkerClient => {
    const client = new WorkerClient({ workerPath: WORKER, engineOptions: fixtureOptions({ precision, threads: 1 }), handshakeTimeoutMs: 60_000 });
    t.after(() => client.dispose());
    return client;
  };
  // Fresh workers: no cache answers a sentence, and each count starts at the model's load.
  const [one, many] = [start(), start()];
  const singles: Array<SentimentResult | string> = [];
  for (const text of texts) singles.push(await one.request('sentiment', { text, neutralBand: 0.1 }).catch((error: Error) => error.message));
  const packed: DocumentsResult = await many.request('documents', { task: 'sentiment', documents: texts.map((text) => ({ text, neutralBand: 0.1 })) });
  const passes = async (client: WorkerClient) => (await client.request('info', {})).forwardPasses ?? -1;
  return { singles, packed, alone: await passes(one), together: await passes(many) };
}

/** A result without what differs between any two runs (the time taken, how many sentences the cache answered). */
const comparable = (result: unknown) => canonical({ ...(result as object), elapsedMs: 0, cachedSentences: 0 });

for (const precision of ['fp32', 'int8'] as const) {
  test(`a documents request, ${precision}: each outcome is that document's own request's; ${precision === 'fp32' ? 'fewer' : 'as many'} forward passes`, async (t) => {
    const texts = reviews(24, 7);
    texts[9] = ' \n ';
    const { singles, packed, alone, together } = await forwardPasses(t, precision, texts);
    assert.equal(packed.outcomes.length, texts.length);
    packed.outcomes.forEach((outcome, i) => {
      const single = singles[i];
      if (typeof single === 'string') assert.equal('error' in outcome && outcome.error.message, single, `document ${i}: not its own error`);
      else assert.equal('result' in outcome && comparable(outcome.result), comparable(single), `document ${i}: not its own result`);
    });
    assert.ok('error' in packed.outcomes[9], 'the blank document has its own error');
    assert.ok(alone > 0, 'the worker reports its forward passes');
    if (precision === 'fp32') {
      assert.equal(packed.packed, true);
      assert.ok(together * 3 <= alone, `${together} forward passes packed against ${alone} one document at a time`);
    } else {
      assert.equal(packed.packed, false, 'int8 documents must not share forward passes');
      assert.equal(together, alone);
    }
  });
}

test('a document that crashes the worker inside a group is recorded alone; the group\'s others keep their results', async (t) => {
  const dir = tempDir(t);
  const { folder, files } = reviewFolder(dir, 40);
  writeFileSync(files[20], `${readFileSync(files[20], 'utf8')} CRASH-THIS-WORKER`);
  // Loaded into the real worker before its own code: a request that carries the marker kills it, as a native crash would.
  const crasher = join(dir, 'crasher.cjs');
  writeFileSync(crasher, "process.prependListener('message', (m) => { if (m && m.type === 'request' && JSON.stringify(m.params).includes('CRASH-THIS-WORKER')) process.exit(9); });\n");
  const clean = join(dir, 'clean.jsonl');
  const crashed = join(dir, 'crashed.jsonl');
  await runBatch(batchOptions('sentiment', folder, clean, { precision: 'fp32' }, { pack: false }));
  const summary = await runBatch(batchOptions('sentiment', folder, crashed, { precision: 'fp32' }, { execArgv: ['--require', crasher] }));
  assert.equal(summary.errors, 2, 'the crashing document and the Markdown file of only markup');
  const [expected, got] = [readFileSync(clean, 'utf8').split('\n'), readFileSync(crashed, 'utf8').split('\n')];
  assert.equal(got.length, expected.length);
  const at = got.findIndex((line) => line.includes(JSON.stringify(files[20])));
  assert.match((JSON.parse(got[at]) as { error?: string }).error ?? '', /crash|exited|stopped/i);
  got.forEach((line, i) => i === at || assert.equal(line, expected[i], `line ${i + 1}`));
});

test('a documents request is read like each document\'s own request: a malformed one is refused with its path', () => {
  const read = readHostMessage({ type: 'request', id: 3, method: 'documents', params: { task: 'sentiment', documents: [{ text: 'Fine.', neutralBand: 0.1 }, { neutralBand: 0.1 }] } });
  assert.equal(read.ok, false);
  assert.match(read.ok ? '' : read.problem, /documents request: params\.documents\[1\]\.text is not a string/);
  const good = readHostMessage({ type: 'request', id: 4, method: 'documents', params: { task: 'sentiment', documents: [{ text: 'Fine.', neutralBand: 0.1 }] } });
  assert.equal(good.ok, true);
});

test('fp32 packed run killed at any moment and resumed: every document once, the output of a run never interrupted', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'reviews.jsonl');
  writeFileSync(file, `${reviews(600, 3).map((text, i) => JSON.stringify({ id: `r${i}`, text: i === 250 ? '' : text })).join('\n')}\n`);
  const args = (out: string) => ['batch', file, '--task', 'sentiment', '--id-field', 'id', '--out', out, '--models', fixtureModels(), '--precision', 'fp32', '--processes', '2', '--quiet'];
  const whole = join(dir, 'whole.jsonl');
  finished(run(...args(whole)), 0);
  const expected = readFileSync(whole, 'utf8');
  assert.equal(expected.split('\n').filter(Boolean).length, 600);
  const lineCount = (out: string) => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0);
  for (const at of [40, 300]) {
    const out = join(dir, `killed-${at}.jsonl`);
    const child = spawn(process.execPath, [CLI, ...args(out)], { stdio: 'ignore' });
    t.after(() => child.kill('SIGKILL'));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 6000 && child.exitCode === null && lineCount(out) < at; i++) await sleep(5);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `waiting for ${at} lines: the run ended before it was killed (${lineCount(out)} lines)`);
    const before = readFileSync(out, 'utf8');
    const kept = before.slice(0, before.lastIndexOf('\n') + 1);
    assert.ok(expected.startsWith(kept), `killed after ${at} lines: the lines written are not the first ones`);
    finished(run(...args(out), '--resume'), 0);
    assert.equal(readFileSync(out, 'utf8'), expected, `killed after ${kept.split('\n').length - 1} lines and resumed`);
  }
});
