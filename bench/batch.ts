/**
 * Batch runs (`npm run bench -- --only batch`): documents/s of `text-analytics batch` over 10,000
 * short reviews (one JSON Lines file) and 1,000 long reports (a folder of Markdown files), with the
 * full-size sentiment model, against what a user does without it: the command-line tool called
 * once per file, and the transformers.js pipeline in a loop. Then the splits of processes ×
 * threads on this machine, and the batch's own memory as the corpus grows tenfold.
 *
 * Everything is the real command as a user runs it (dist/cli.js, its pool of worker processes,
 * wall-clock time from start to exit, so the workers' start is counted). The per-file CLI and the
 * pipeline loop run on the first documents only (a rate is a rate; the full corpora would take an
 * hour that way), and say how many.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paragraphs } from '../src/engine/segment';
import { generateDocument, generateReviews } from './documents';
import { loadPeer, workloads, type Settings } from './inProcess';
import { BENCH_NAMESPACE } from './models/make-bench-models';
import { compared, round, type Case } from './results';
import { startRedis } from '../test/support/redis';
import { runBatch } from '../src/batch/run';
import { CLI_TASKS, JSON_SCHEMA_VERSION, type CliValues } from '../src/cliTasks';
import { defaultEngineOptions } from '../src/engine/options';

const REPO = join(__dirname, '..');
const CLI = join(REPO, 'dist', 'cli.js');

const REPORT_WORDS = 600;
/** Documents the per-file CLI and the pipeline loop are timed on. */
const CLI_SAMPLE = { reviews: 40, reports: 20 };
const PEER_SAMPLE = { reviews: 2_000, reports: 100 };

interface Corpus {
  name: string;
  /** What `batch` is given. */
  input: string[];
  /** Extra batch options (the JSON Lines text field). */
  options: string[];
  /** The first documents as files, for the CLI once per file. */
  files: string[];
  texts(count: number): string[];
  count: number;
}

function writeCorpora(dir: string, reviewCount: number, reportCount: number): Corpus[] {
  const reviews = generateReviews(reviewCount);
  const jsonl = join(dir, 'reviews.jsonl');
  writeFileSync(jsonl, reviews.map((text, i) => `${JSON.stringify({ id: `r${i}`, text })}\n`).join(''));
  const reviewFiles = reviews.slice(0, CLI_SAMPLE.reviews).map((text, i) => {
    const file = join(dir, 'review-files', `r${i}.txt`);
    mkdirSync(join(dir, 'review-files'), { recursive: true });
    writeFileSync(file, text);
    return file;
  });
  const folder = join(dir, 'reports');
  mkdirSync(folder);
  const reports: string[] = [];
  for (let i = 0; i < reportCount; i++) {
    const text = generateDocument(REPORT_WORDS, 1000 + i).text;
    reports.push(join(folder, `report-${String(i).padStart(4, '0')}.md`));
    writeFileSync(reports[i], text);
  }
  return [
    { name: `${reviewCount.toLocaleString('en')} short reviews`, input: [jsonl], options: [], files: reviewFiles, texts: (n) => reviews.slice(0, n), count: reviewCount },
    {
      name: `${reportCount.toLocaleString('en')} reports of ${REPORT_WORDS} words`,
      input: [folder],
      options: [],
      files: reports.slice(0, CLI_SAMPLE.reports),
      texts: (n) => reports.slice(0, n).map((file) => readFileSync(file, 'utf8')),
      count: reportCount,
    },
  ];
}

/** Runs the CLI to its end and returns the seconds it took; fails loudly. */
function timed(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`text-analytics ${args.join(' ')}: exit ${result.status}: ${result.stderr.slice(-2000)}`);
  return (performance.now() - started) / 1000;
}

function batchRun(corpus: Corpus, models: string, out: string, split: { processes: number; threads: number }): number {
  const seconds = timed(['batch', ...corpus.input, ...corpus.options, '--task', 'sentiment', '--models', models, '--out', out, '--overwrite', '--quiet', '--processes', String(split.processes), '--threads', String(split.threads)]);
  const lines = readFileSync(out, 'utf8').split('\n').length - 1;
  if (lines !== corpus.count) throw new Error(`batch wrote ${lines} lines for ${corpus.count} documents`);
  return seconds;
}

/** `quick`: a tenth of the corpora (10,000 reviews and 1,000 reports otherwise), to try the section out. */
export async function batchThroughput(settings: Settings, quick: boolean): Promise<Case[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  const models = join(settings.root, BENCH_NAMESPACE);
  const cores = availableParallelism();
  try {
    const corpora = quick ? writeCorpora(dir, 1_000, 100) : writeCorpora(dir, 10_000, 1_000);
    let poolReviewRate = 0;
    const cases: Case[] = [];
    const peer = await loadPeer(settings.root, workloads().sentiment, 'int8');
    try {
      for (const corpus of corpora) {
        const out = join(dir, 'out.jsonl');
        // The splits of this machine's cores: one a core (the default), one process with every thread, and both at once.
        const splits = [
          { processes: cores, threads: 1 },
          { processes: 1, threads: cores },
          { processes: cores, threads: cores },
        ];
        const rates = splits.map((split) => {
          const seconds = batchRun(corpus, models, out, split);
          const rate = corpus.count / seconds;
          settings.log(`  batch ${corpus.name}, ${split.processes} process(es) × ${split.threads} thread(s): ${round(seconds)} s, ${round(rate)} documents/s`);
          return rate;
        });
        const chosen = rates[0];
        if (corpus === corpora[0]) poolReviewRate = chosen;

        let cliSeconds = 0;
        for (const file of corpus.files) cliSeconds += timed(['sentiment', file, '--models', models, '--json']);
        const cliRate = corpus.files.length / cliSeconds;
        settings.log(`  CLI once per file, the first ${corpus.files.length}: ${round(cliSeconds)} s, ${round(cliRate, 2)} documents/s`);

        // The pipeline as a user loops it: one call per sentence (as the throughput section's peer),
        // the sentences of each document as the engine finds them.
        const sample = corpus.texts(corpus === corpora[0] ? PEER_SAMPLE.reviews : PEER_SAMPLE.reports);
        const sentences = sample.map((text) => paragraphs(text).flatMap((p) => p.sentences.map((s) => s.text)));
        const started = performance.now();
        for (const document of sentences) for (const sentence of document) await peer(sentence);
        const peerRate = sample.length / ((performance.now() - started) / 1000);
        settings.log(`  transformers.js pipeline in a loop, the first ${sample.length}: ${round(peerRate)} documents/s`);

        const name = (what: string) => `batch sentiment · ${corpus.name} · ${what}`;
        const value = round(chosen);
        cases.push(
          compared({ task: 'batch', name: name('vs pipeline loop'), value, unit: 'documents/s', better: 'higher', baseline: `transformers.js pipeline in a loop (first ${sample.length})`, baselineValue: round(peerRate), ...(corpus === corpora[0] ? { target: '≥ 1.3×', minRatio: 1.3 } : {}) }),
          compared({ task: 'batch', name: name('vs CLI once per file'), value, unit: 'documents/s', better: 'higher', baseline: `text-analytics sentiment FILE --json, once per file (first ${corpus.files.length})`, baselineValue: round(cliRate, 2), ...(corpus === corpora[0] ? { target: '≥ 3×', minRatio: 3 } : {}) }),
          compared({ task: 'batch', name: name(`${cores} processes × 1 thread vs 1 × ${cores}`), value, unit: 'documents/s', better: 'higher', baseline: `1 process × ${cores} threads`, baselineValue: round(rates[1]), note: `${cores} × ${cores} (oversubscribed): ${round(rates[2])} documents/s` }),
        );
      }
    } finally {
      await peer.dispose();
    }
    cases.push(...(await queueVersusPool(settings, dir, models, cores, corpora[0], poolReviewRate)));
    cases.push(...(await packedVersusAlone(settings, dir, models, cores, corpora[0], poolReviewRate)));
    cases.push(...(await batchMemory(settings, dir, quick)));
    return cases;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The short reviews through a BullMQ queue on a loopback redis-server with as many local workers
 * as cores (a process and a thread each), from queueing to the collected file, against the local
 * pool's run of the same corpus: what the queue costs where it gains nothing.
 */
async function queueVersusPool(settings: Settings, dir: string, models: string, cores: number, corpus: Corpus, poolRate: number): Promise<Case[]> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const redis = await startRedis({ after: (fn) => void cleanups.push(fn) });
  try {
    const out = join(dir, 'queue-out.jsonl');
    const url = redis.url('bench');
    // The workers start with the clock, as the pool's processes do, and wait for the documents
    // while they are queued (a cluster's workers are up before a job comes; the command line
    // waits synchronously, they run on in their own processes).
    const started = performance.now();
    const workers = Array.from({ length: cores }, () =>
      spawn(process.execPath, [CLI, 'worker', '--queue', url, '--models', models, '--processes', '1', '--threads', '1', '--quiet'], { stdio: 'ignore' }),
    );
    try {
      timed(['batch', ...corpus.input, '--task', 'sentiment', '--models', models, '--queue', url]);
      timed(['collect', '--queue', url, '--out', out]);
    } finally {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise((resolve) => {
              worker.once('exit', resolve);
              worker.kill('SIGTERM');
            }),
        ),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const lines = readFileSync(out, 'utf8').split('\n').length - 1;
    if (lines !== corpus.count) throw new Error(`collect wrote ${lines} lines for ${corpus.count} documents`);
    settings.log(`  queue: ${corpus.name}, ${cores} local workers through a loopback Redis: ${round(seconds)} s, ${round(corpus.count / seconds)} documents/s`);
    return [
      compared({
        task: 'batch',
        name: `batch sentiment · ${corpus.name} · queue (${cores} local workers) vs the local pool`,
        value: round(corpus.count / seconds),
        unit: 'documents/s',
        better: 'higher',
        baseline: `batch --processes ${cores}, no queue`,
        baselineValue: round(poolRate),
        target: '≥ 0.9× (the queue costs < 10%)',
        minRatio: 0.9,
      }),
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/**
 * The short reviews with fp32 weights, their documents packed into shared forward passes (the
 * default for fp32) against one document per request, on the same pool: what packing gains. Both
 * through runBatch in this process (the command's own code, with its worker processes), since the
 * command line has no switch to turn packing off; run twice each, alternately, the better of each.
 * The default int8 run (no packing: it would change results) is given for comparison.
 */
async function packedVersusAlone(settings: Settings, dir: string, models: string, cores: number, corpus: Corpus, int8Rate: number): Promise<Case[]> {
  const printer = CLI_TASKS.sentiment;
  const once = async (pack: boolean): Promise<number> => {
    const summary = await runBatch({
      task: 'sentiment',
      inputs: corpus.input,
      out: join(dir, `packed-${pack}.jsonl`),
      resume: false,
      overwrite: true,
      processes: cores,
      params: (document) => printer.params({ neutralBand: 0.1, path: document.source } as CliValues),
      json: (result) => ({ schemaVersion: JSON_SCHEMA_VERSION, ...printer.json(result as never) }),
      job: {},
      engineOptions: defaultEngineOptions({ bundledModelsDir: models, precision: 'fp32', device: 'cpu', threads: 1 }),
      workerPath: join(REPO, 'dist', 'worker.js'),
      input: { include: [], exclude: [], textField: 'text', column: 'text', maxChars: 1_000_000, stdin: process.stdin },
      pack,
    });
    if (summary.written !== corpus.count) throw new Error(`batch wrote ${summary.written} lines for ${corpus.count} documents`);
    const rate = corpus.count / summary.seconds;
    settings.log(`  batch ${corpus.name}, fp32, ${pack ? 'packed' : 'one document per request'}: ${summary.requests} requests, ${round(summary.seconds)} s, ${round(rate)} documents/s`);
    return rate;
  };
  const packed: number[] = [];
  const alone: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    packed.push(await once(true));
    alone.push(await once(false));
  }
  if (readFileSync(join(dir, 'packed-true.jsonl'), 'utf8') !== readFileSync(join(dir, 'packed-false.jsonl'), 'utf8')) throw new Error('packed documents got other results than documents one by one');
  return [
    compared({
      task: 'batch',
      name: `batch sentiment --precision fp32 · ${corpus.name} · packed vs one document per request`,
      value: round(Math.max(...packed)),
      unit: 'documents/s',
      better: 'higher',
      baseline: 'fp32, one document per request',
      baselineValue: round(Math.max(...alone)),
      note: `int8 (the default, never packed): ${round(int8Rate)} documents/s`,
    }),
  ];
}

/**
 * The batch's own peak memory (the command's process, which reads the inputs and orders the
 * results; each worker's is that of one document at a time) on a CSV of 30,000 rows and of
 * 300,000: the tiny fixture model, since what could grow with a corpus is the batch's, not the model's.
 * (From 10,000 to 100,000 rows it rose from 156 to 199 MiB, then to 204 at 300,000: V8's heap
 * settling, not memory a row keeps.)
 */
async function batchMemory(settings: Settings, dir: string, quick: boolean): Promise<Case[]> {
  const fixtures = join(REPO, 'test', 'fixtures', 'models');
  if (!existsSync(join(fixtures, 'sentiment', 'onnx', 'model.onnx'))) {
    const made = spawnSync('npx', ['tsx', join(REPO, 'test', 'fixtures', 'make-models.ts')], { cwd: REPO, stdio: 'inherit' });
    if (made.status !== 0) throw new Error('npm run fixtures failed');
  }
  const reviews = generateReviews(1000, 7);
  const peaks: number[] = [];
  for (const rows of quick ? [3_000, 30_000] : [30_000, 300_000]) {
    const csv = join(dir, `reviews-${rows}.csv`);
    const lines = ['id,text'];
    for (let i = 0; i < rows; i++) lines.push(`${i},"${reviews[i % reviews.length].replaceAll('"', '""')}"`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const out = join(dir, 'memory.jsonl');
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'batch', csv, '--id-column', 'id', '--task', 'sentiment', '--models', fixtures, '--out', out, '--overwrite', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let peak = 0;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peak = Math.max(peak, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        // exited between the check and the read
      }
      await sleep(50);
    }
    if ((await exited) !== 0) throw new Error(`batch over ${rows} rows failed: ${stderr.slice(-2000)}`);
    settings.log(`  memory: ${rows.toLocaleString('en')} rows in ${round((performance.now() - started) / 1000)} s, the batch process peaked at ${round(peak)} MiB`);
    peaks.push(peak);
  }
  return [
    compared({
      task: 'batch',
      name: `batch process peak memory · CSV of ${(quick ? 30_000 : 300_000).toLocaleString('en')} rows vs ${(quick ? 3_000 : 30_000).toLocaleString('en')}`,
      value: round(peaks[1]),
      unit: 'MiB',
      better: 'lower',
      baseline: `the same batch on ${(quick ? 3_000 : 30_000).toLocaleString('en')} rows`,
      baselineValue: round(peaks[0]),
      target: '≤ 1.1× (flat)',
      minRatio: 1 / 1.1,
    }),
  ];
}

