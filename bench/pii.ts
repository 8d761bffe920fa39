/**
 * The personal-data benchmark: `npm run bench:pii`. In one run, side by side:
 *
 * - the recognizers alone on a generated log file (log lines with an e-mail, an IP, a phone or card
 *   number, a token… every few lines), a megabyte at a time as streaming reads it: MB/s and the
 *   peak resident memory of a fresh process at two sizes, which should be the same (memory flat
 *   with size); and the CLI's `redact - --no-model` on the same log through a pipe, where built;
 * - with the model (the full-size BERT-base entities fixture of bench/models, int8): tokens/s of
 *   personal data (recognizers + model) against entities alone on the same document;
 * - precision and recall per type on the labelled synthetic corpus (test/support/piiCorpus.ts) at
 *   several seeds: the figures test/unit/piiAccuracy.test.ts holds to 0.99 at one.
 *
 *   npm run bench:pii [-- --sizes 10,40] [--rounds 3] [--seeds 17,18,19,20,21] [--only speed,model,accuracy]
 *
 * A benchmark, not a test: nothing in `npm test` times anything. Writes bench/results/pii.json.
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/engine';
import { recognize, resolveOverlaps } from '../src/engine/pii/recognizers';
import { TextTokenizer } from '../src/engine/tokenizer';
import type { PiiParams } from '../src/protocol';
import { seededRandom } from '../test/seededRandom';
import { piiCorpus, scoreFindings, VALIDATED_TYPES } from '../test/support/piiCorpus';
import { generateDocument } from './documents';
import { engineOptions } from './inProcess';
import { BENCH_MODEL_NAMES, benchModelDir, defaultBenchModelsRoot, ensureBenchModels, FAMILY_MODEL_NAMES } from './models/make-bench-models';
import { machine, round, table, writeResults, type Case } from './results';

const REPO = join(__dirname, '..');
const MB = 1024 * 1024;
/** What the streaming reader hands the recognizers at a time (the CLI's window is of this order). */
const CHUNK = MB;
const RECOGNIZER_PARAMS: Pick<PiiParams, 'phoneRegion' | 'patterns' | 'denyList'> = { phoneRegion: 'US', patterns: [], denyList: {} };

const NOISE = [
  (r: () => number) => `GET /api/v1/items/${Math.floor(r() * 99999)} 200 ${Math.floor(r() * 900) + 5} ms`,
  (r: () => number) => `worker-${Math.floor(r() * 16)} finished batch ${Math.floor(r() * 1e6)} (${Math.floor(r() * 500)} rows, cache hit ratio 0.${Math.floor(r() * 99)})`,
  (r: () => number) => `retrying upload of report-${Math.floor(r() * 9999)}.pdf after timeout (attempt ${Math.floor(r() * 5) + 1}/5)`,
  (r: () => number) => `build 4.${Math.floor(r() * 20)}.${Math.floor(r() * 99)} deployed to staging, commit ${Math.floor(r() * 0xffffffff).toString(16).padStart(8, '0')}`,
  (r: () => number) => `order #${Math.floor(r() * 1e8)} shipped, total $${(r() * 999).toFixed(2)}, 3 items`,
  () => 'scheduler tick: nothing to do',
];

/**
 * A log of about `bytes` bytes: timestamped lines of routine noise, and every eighth line or so a
 * line of the labelled corpus, which holds one value of personal data (or a look-alike).
 */
export function generateLog(bytes: number, seed = 4242): string {
  const random = seededRandom(seed);
  const lines = piiCorpus(seed, 60).text.split(/\r?\n/).filter(Boolean);
  const parts: string[] = [];
  let size = 0;
  let clock = Date.UTC(2025, 0, 1);
  for (let i = 0; size < bytes; i++) {
    clock += Math.floor(random() * 2000);
    const body = random() < 0.12 ? lines[i % lines.length] : NOISE[Math.floor(random() * NOISE.length)](random);
    const line = `${new Date(clock).toISOString()} ${random() < 0.9 ? 'INFO ' : 'WARN '} ${body}\n`;
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  return parts.join('');
}

/** The recognizers over `text` a chunk at a time, each chunk ending at a line end: findings counted, none kept. */
function recognizeInChunks(text: string): number {
  let found = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + CHUNK);
    if (end < text.length) end = text.lastIndexOf('\n', end) + 1 || end;
    found += resolveOverlaps(recognize(text.slice(start, end), RECOGNIZER_PARAMS)).length;
    start = end;
  }
  return found;
}

/** Peak resident memory of this process so far, in MiB (Linux); NaN elsewhere. */
function peakMiB(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface ChildReport {
  mb: number;
  ms: number;
  findings: number;
  peakMiB: number;
  baseMiB: number;
}

/** In a fresh process (so that its peak is this size's alone): generate the log, then time the recognizers over it. */
async function childRun(sizeMb: number, rounds: number): Promise<ChildReport> {
  const text = generateLog(sizeMb * MB);
  recognizeInChunks(text.slice(0, CHUNK)); // Warm-up: compile the patterns, load the phone metadata.
  const baseMiB = peakMiB();
  let best = Infinity;
  let findings = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    findings = recognizeInChunks(text);
    best = Math.min(best, performance.now() - started);
  }
  return { mb: Buffer.byteLength(text) / MB, ms: best, findings, peakMiB: peakMiB(), baseMiB };
}

function inChild(sizeMb: number, rounds: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', String(sizeMb), '--rounds', String(rounds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (report) => resolve(report as ChildReport));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the ${sizeMb} MB run exited with ${code}`))));
  });
}

/** `dist/cli.js redact - --no-model` over the log through a pipe: MB/s end to end and the CLI's peak memory (GNU time), when both are there. */
async function cliRedact(sizeMb: number): Promise<{ ms: number; peakMiB: number } | undefined> {
  const cli = join(REPO, 'dist', 'cli.js');
  if (!existsSync(cli) || !existsSync('/usr/bin/time') || !readFileSync(cli, 'utf8').includes('redact')) return undefined;
  const text = generateLog(sizeMb * MB);
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'redact', '-', '--no-model'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => {
      const kb = Number(/(\d+)\s*$/.exec(stderr.trim())?.[1]);
      resolve(code === 0 && Number.isFinite(kb) ? { ms: performance.now() - started, peakMiB: kb / 1024 } : undefined);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}

async function speed(sizes: number[], rounds: number, log: (line: string) => void): Promise<Case[]> {
  const cases: Case[] = [];
  const runs: ChildReport[] = [];
  for (const size of sizes) {
    const run = await inChild(size, rounds);
    runs.push(run);
    const mbs = run.mb / (run.ms / 1000);
    log(`  recognizers · ${run.mb.toFixed(1)} MB log: ${run.ms.toFixed(0)} ms, ${mbs.toFixed(1)} MB/s, ${run.findings} findings; peak ${run.peakMiB.toFixed(0)} MiB (${run.baseMiB.toFixed(0)} MiB with the log in memory, before the run)`);
    cases.push({ name: `recognizers · ${size} MB log · throughput`, task: 'pii', value: round(mbs), unit: 'MB/s', better: 'higher', target: '≥ 50 MB/s', met: mbs >= 50, note: `${run.findings} findings, best of ${rounds}` });
    cases.push({ name: `recognizers · ${size} MB log · growth while recognizing`, task: 'pii', value: round(run.peakMiB - run.baseMiB), unit: 'MiB', better: 'lower', note: `peak ${round(run.peakMiB)} MiB, of which the log itself (held as one string to time it) ${round(run.baseMiB)} MiB` });
  }
  if (runs.length >= 2) {
    const [small, large] = [runs[0], runs.at(-1)!];
    const growth = (r: ChildReport) => r.peakMiB - r.baseMiB;
    log(`  memory while recognizing: +${growth(small).toFixed(0)} MiB at ${small.mb.toFixed(0)} MB, +${growth(large).toFixed(0)} MiB at ${large.mb.toFixed(0)} MB`);
  }
  for (const size of sizes) {
    const cli = await cliRedact(size);
    if (!cli) {
      log(`  cli redact - --no-model · ${size} MB: skipped (needs dist/cli.js with redact, and /usr/bin/time)`);
      continue;
    }
    const mbs = size / (cli.ms / 1000);
    log(`  cli redact - --no-model · ${size} MB through a pipe: ${cli.ms.toFixed(0)} ms, ${mbs.toFixed(1)} MB/s, peak ${cli.peakMiB.toFixed(0)} MiB`);
    cases.push({ name: `cli redact - --no-model · ${size} MB · throughput`, task: 'pii', value: round(mbs), unit: 'MB/s', better: 'higher', note: 'process start included' });
    cases.push({ name: `cli redact - --no-model · ${size} MB · peak memory`, task: 'pii', value: round(cli.peakMiB), unit: 'MiB', better: 'lower' });
  }
  return cases;
}

async function withModel(rounds: number, log: (line: string) => void): Promise<Case[]> {
  const existing = defaultBenchModelsRoot();
  const root = existsSync(join(benchModelDir(existing, 'entities'), 'onnx', 'model_quantized.onnx')) ? existing : await ensureBenchModels({ names: BENCH_MODEL_NAMES.filter((name) => !FAMILY_MODEL_NAMES.includes(name)), log });
  const engine = new Engine(engineOptions(root, 'int8'));
  try {
    const doc = generateDocument(5000);
    const tokenizer = await TextTokenizer.load(join(benchModelDir(root, 'entities'), 'tokenizer.json'), 512);
    const tokens = (await tokenizer.windows([doc.text], 0))[0].reduce((sum, w) => sum + w.contentTokens, 0);
    const pii: PiiParams = { text: doc.text, useModel: true, entitiesModel: true, minScore: 0.5, phoneRegion: 'US', patterns: [], denyList: {}, allowList: [] };
    const time = async (run: () => Promise<unknown>) => {
      await run();
      let best = Infinity;
      for (let i = 0; i < rounds; i++) {
        engine.forgetResults();
        const started = performance.now();
        await run();
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const entitiesMs = await time(() => engine.entities({ text: doc.text, minScore: 0.5 }));
    const piiMs = await time(() => engine.run('pii', pii));
    const aloneMs = await time(() => engine.run('pii', { ...pii, useModel: false }));
    const perSecond = (ms: number) => round((tokens * 1000) / ms);
    log(`  ${doc.name} (${tokens} tokens): entities ${entitiesMs.toFixed(0)} ms, personal data with the model ${piiMs.toFixed(0)} ms, recognizers alone ${aloneMs.toFixed(1)} ms`);
    return [
      { name: `personal data with the model · ${doc.name} · vs entities`, task: 'pii', value: perSecond(piiMs), unit: 'tokens/s', better: 'higher', baseline: 'entities alone, same model', baselineValue: perSecond(entitiesMs), ratio: round(entitiesMs / piiMs, 3) },
      { name: `personal data, recognizers alone · ${doc.name}`, task: 'pii', value: perSecond(aloneMs), unit: 'tokens/s', better: 'higher' },
    ];
  } finally {
    await engine.dispose();
  }
}

function accuracy(seeds: number[], log: (line: string) => void): Case[] {
  const totals = new Map<string, { tp: number; fp: number; fn: number }>(VALIDATED_TYPES.map((type) => [type, { tp: 0, fp: 0, fn: 0 }]));
  for (const seed of seeds) {
    const corpus = piiCorpus(seed);
    const findings = resolveOverlaps(recognize(corpus.text, RECOGNIZER_PARAMS)).filter((f) => f.type !== 'DATE_TIME');
    for (const score of scoreFindings(corpus, findings)) {
      const total = totals.get(score.type)!;
      total.tp += score.truePositives;
      total.fp += score.falsePositives;
      total.fn += score.falseNegatives;
      for (const span of score.missed) log(`    seed ${seed} · ${score.type} missed ${JSON.stringify(span.text.slice(0, 60))} (${span.case})`);
      for (const { finding, case: why } of score.wrong) log(`    seed ${seed} · ${score.type} reported ${JSON.stringify(finding.text.slice(0, 60))}: ${why}`);
    }
  }
  const cases: Case[] = [];
  log(`  ${'type'.padEnd(14)} ${'precision'.padStart(9)} ${'recall'.padStart(7)}   values  (seeds ${seeds.join(', ')})`);
  for (const [type, { tp, fp, fn }] of totals) {
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    log(`  ${type.padEnd(14)} ${precision.toFixed(3).padStart(9)} ${recall.toFixed(3).padStart(7)}   ${tp + fn}`);
    cases.push(
      { name: `accuracy · ${type} · precision`, task: 'pii', value: round(precision, 3), unit: '', better: 'higher', target: '≥ 0.99', met: precision >= 0.99, note: `${tp + fp} reported` },
      { name: `accuracy · ${type} · recall`, task: 'pii', value: round(recall, 3), unit: '', better: 'higher', target: '≥ 0.99', met: recall >= 0.99, note: `${tp + fn} values` },
    );
  }
  return cases;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      sizes: { type: 'string', default: '10,40' },
      rounds: { type: 'string', default: '3' },
      seeds: { type: 'string', default: '17,18,19,20,21' },
      only: { type: 'string', default: 'speed,model,accuracy' },
      out: { type: 'string', default: join(__dirname, 'results', 'pii.json') },
    },
  });
  const rounds = Number(values.rounds);
  if (values.child) {
    process.send!(await childRun(Number(values.child), rounds));
    return;
  }
  const only = new Set(values.only.split(','));
  const log = (line: string) => console.log(line);
  const cases: Case[] = [];
  if (only.has('speed')) {
    log('\nRecognizers alone on a generated log, a megabyte at a time, each size in a fresh process');
    cases.push(...(await speed(values.sizes.split(',').map(Number), rounds, log)));
  }
  if (only.has('model')) {
    log('\nWith the model: personal data (recognizers + the BERT-base entities fixture, int8) against entities alone');
    cases.push(...(await withModel(rounds, log)));
  }
  if (only.has('accuracy')) {
    log('\nPrecision and recall per type on the labelled corpus (test/support/piiCorpus.ts), recognizers alone, exact spans');
    cases.push(...accuracy(values.seeds.split(',').map(Number), log));
  }
  const ort = JSON.parse(readFileSync(join(REPO, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string };
  const info = machine(ort.version);
  console.log(`\n${info.cpu} (${info.cores} cores), Node ${info.node}\n`);
  console.log(table(cases));
  writeResults(values.out, { machine: info, date: new Date().toISOString(), settings: { sizes: values.sizes, rounds, seeds: values.seeds, only: values.only }, cases });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
