/**
 * The performance benchmark: `npm run bench`. Generates the full-size fixture models if needed
 * (bench/models), then measures the engine against the peer and the limit (for every task, and for
 * classifiers single- and multi-label), cold start, memory,
 * interactive latency, zero-shot batching, DistilBERT vs BERT-base, int8 vs fp32, the host's
 * event-loop delay, and the other tokenizer families (RoBERTa-base, XLM-R-base: throughput and
 * the worker's memory with an XLM-R model beside the four defaults), and batch runs over corpora
 * (bench/batch.ts), and the language server's hover latency and first diagnostics
 * (bench/server.ts), all in one run. Prints a table and writes bench/results/latest.json.
 *
 *   npm run bench [-- --rounds 3] [--quick] [--only throughput,classify,zero-shot,compare,worker,families,batch,server]
 *
 * --only takes sections, or single tasks of the throughput section (sentiment, entities, qa):
 * `npm run bench -- --only sentiment,classify` compares sentiment and the classifiers alone.
 *
 * A benchmark, not a test: nothing in `npm test` times anything.
 */
import * as ort from '../src/engine/onnxruntime';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDocument } from './documents';
import { batchThroughput } from './batch';
import { bertVersusDistilbert, familyThroughput, int8VersusFp32, throughput, type Settings } from './inProcess';
import { BENCH_MODEL_NAMES, ensureBenchModels, FAMILY_MODEL_NAMES } from './models/make-bench-models';
import { machine, table, writeResults, type Case } from './results';
import { languageServer } from './server';
import { coldStart, familyMemory, hostResponsiveness, interactive, memory } from './worker';

const SECTIONS = ['throughput', 'classify', 'zero-shot', 'compare', 'worker', 'families', 'batch', 'server'] as const;
/** The throughput section's tasks, which --only may also name one by one. */
const THROUGHPUT_TASKS = ['sentiment', 'entities', 'qa'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', default: SECTIONS.join(',') },
      out: { type: 'string', default: join(__dirname, 'results', 'latest.json') },
    },
  });
  const only = new Set(values.only.split(','));
  const choices: readonly string[] = [...SECTIONS, ...THROUGHPUT_TASKS];
  const unknown = [...only].filter((s) => !choices.includes(s));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; choose from ${choices.join(', ')}`);
  const throughputTasks = THROUGHPUT_TASKS.filter((task) => only.has('throughput') || only.has(task));
  const runs = (name: (typeof SECTIONS)[number]) => (name === 'throughput' ? throughputTasks.length > 0 : only.has(name));
  const started = performance.now();
  // The families' models (4 GB, XLM-R's fp32 file alone 1.1 GB) are written only for a run that measures them.
  const names = only.has('families') ? BENCH_MODEL_NAMES : BENCH_MODEL_NAMES.filter((name) => !FAMILY_MODEL_NAMES.includes(name));
  const root = await ensureBenchModels({ names, log: (line) => console.log(line) });
  const settings: Settings = { root, rounds: values.quick ? 1 : Number(values.rounds), log: (line) => console.log(line) };
  const [small, medium, large] = (values.quick ? [1000, 2000, 5000] : [1000, 5000, 20000]).map((words) => generateDocument(words));
  console.log(`Documents: ${[small, medium, large].map((d) => `${d.name} (${d.words} words)`).join(', ')}; ${settings.rounds} round(s), best of each.`);

  const cases: Case[] = [];
  const section = async (name: (typeof SECTIONS)[number], title: string, run: () => Promise<Case[]>) => {
    if (!runs(name)) return;
    console.log(`\n${title}`);
    cases.push(...(await run()));
  };
  await section('throughput', 'Throughput: engine, peer (transformers.js pipeline) and limit (bare onnxruntime), int8', async () => {
    const cases: Case[] = [];
    for (const task of throughputTasks) cases.push(...(await throughput(settings, task, [small, medium, large])));
    return cases;
  });
  // Up to the 5,000-word document, where the targets are: the 20,000-word one would add minutes and say nothing sentiment's does not.
  const upTo5k = [small, medium, large].filter((doc) => doc.words <= 6000);
  await section('classify', 'Classifiers (sentence level): single-label (softmax) and multi-label (sigmoid), engine, peer and limit, int8', async () => [
    ...(await throughput(settings, 'classify', upTo5k, { classifier: 'emotion' })),
    ...(await throughput(settings, 'classify', upTo5k, { classifier: 'toxicity' })),
  ]);
  await section('zero-shot', 'Zero-shot topics: batched pairs against a pass per label', async () => [
    ...(await throughput(settings, 'topics', [small, medium], { labels: 5 })),
    ...(await throughput(settings, 'topics', [small, medium], { labels: 10 })),
  ]);
  await section('compare', 'DistilBERT vs BERT-base, int8 vs fp32 (engine)', async () => [
    ...(await bertVersusDistilbert(settings, medium)),
    ...(await int8VersusFp32(settings, medium)),
  ]);
  await section('worker', 'Through the worker process: cold start, interactive latency, memory, host event loop', async () => [
    ...(await coldStart(settings)),
    ...(await interactive(settings, large)),
    ...(await memory(settings, medium)),
    ...(await hostResponsiveness(settings, large)),
  ]);
  // At 5,000 words, where the targets are (the --quick run's largest document).
  const fiveThousand = [small, medium, large].find((doc) => doc.words >= 4000 && doc.words <= 6000) ?? medium;
  await section('families', 'Other families, full size: RoBERTa-base and XLM-R-base, entities and QA, int8 and fp32; worker memory with XLM-R', async () => [
    ...(await familyThroughput(settings, fiveThousand)),
    ...(await familyMemory(settings, fiveThousand)),
  ]);
  await section('batch', 'Batch runs: text-analytics batch against the CLI once per file and the pipeline in a loop; processes × threads; memory as the corpus grows', () =>
    batchThroughput(settings, values.quick),
  );
  await section('server', 'The language server (dist/server.js --stdio): hover latency while a long document is analysed, first diagnostics after didOpen, int8', () =>
    languageServer(settings, small, large),
  );

  const results = {
    machine: machine(ort.env.versions.node ?? ort.env.versions.common),
    date: new Date().toISOString(),
    settings: { rounds: settings.rounds, quick: values.quick, sections: [...only], documents: [small, medium, large].map((d) => ({ name: d.name, words: d.words })) },
    cases,
  };
  console.log(`\n${table(cases)}\n`);
  const { cpu, cores, node, onnxruntime } = results.machine;
  console.log(`${cpu}, ${cores} cores, Node ${node}, onnxruntime-node ${onnxruntime}; ${((performance.now() - started) / 60000).toFixed(1)} min`);
  writeResults(values.out, results);
  console.log(`Wrote ${values.out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
