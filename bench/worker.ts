/**
 * What the user of the extension feels, measured through the real worker process (dist/worker.js)
 * and the client the extension host runs (WorkerClient): cold start, interactive latency after an
 * edit, the worker's memory, and the event-loop delay of the process that hosts the client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DefaultModelTask, EngineOptions } from '../src/protocol';
import { WorkerClient } from '../src/client/workerClient';
import { paragraphSpans } from '../src/engine/segment';
import { editOneWord, generateDocument, type BenchDocument } from './documents';
import { engineOptions, HYPOTHESIS, TOPIC_LABELS, type Precision, type Settings } from './inProcess';
import { benchModelDir } from './models/make-bench-models';
import { compared, round, type Case } from './results';

const WORKER = join(__dirname, '..', 'dist', 'worker.js');

function startWorker(options: EngineOptions): WorkerClient {
  return new WorkerClient({ workerPath: WORKER, engineOptions: options, handshakeTimeoutMs: 30_000 });
}

/** The worker's resident memory now and at its peak, in MiB (Linux: /proc/<pid>/status). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const requests: Record<DefaultModelTask, (client: WorkerClient, text: string) => Promise<unknown>> = {
  sentiment: (client, text) => client.request('sentiment', { text, neutralBand: 0.1 }),
  entities: (client, text) => client.request('entities', { text, minScore: 0.5 }),
  qa: (client, text) => client.request('ask', { text, question: 'When was the bridge completed?', top: 3, minScore: 0.1 }),
  topics: (client, text) =>
    client.request('topics', { text, labels: TOPIC_LABELS.slice(0, 5), multiLabel: false, hypothesisTemplate: HYPOTHESIS, format: 'markdown' }),
};

/** From spawning the worker to the first sentiment result on a one-page document. */
export async function coldStart(settings: Settings): Promise<Case[]> {
  const page = generateDocument(500, 11).text;
  const cases: Case[] = [];
  for (const precision of ['int8', 'fp32'] as Precision[]) {
    const times: number[] = [];
    for (let run = 0; run < Math.max(3, settings.rounds); run++) {
      const started = performance.now();
      const client = startWorker(engineOptions(settings.root, precision));
      try {
        await requests.sentiment(client, page);
        times.push(performance.now() - started);
      } finally {
        client.dispose();
      }
    }
    settings.log(`  cold start ${precision}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    cases.push({
      name: `cold start to first sentiment (${precision})`,
      task: 'sentiment',
      value: round(median(times)),
      unit: 'ms',
      better: 'lower',
      target: '< 1500 ms',
      met: median(times) < 1500,
      note: `median of ${times.length} spawns of the worker, the model file in the OS cache`,
    });
  }
  return cases;
}

/** Peak resident memory of the worker with each int8 model, with all four, and after the idle unload. */
export async function memory(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const cases: Case[] = [];
  const tasks: DefaultModelTask[] = ['sentiment', 'topics', 'qa', 'entities'];
  for (const task of tasks) {
    const client = startWorker(engineOptions(settings.root, 'int8'));
    try {
      const { pid } = await client.request('info', {});
      const idle = memoryOf(pid);
      await requests[task](client, doc.text);
      const { peak } = memoryOf(pid);
      settings.log(`  memory ${task}: idle ${idle.rss.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`);
      cases.push({ name: `worker peak memory, ${task} model (int8)`, task, value: round(peak), unit: 'MiB', better: 'lower', note: `idle worker: ${round(idle.rss)} MiB` });
    } finally {
      client.dispose();
    }
  }

  const idleUnloadSeconds = 2;
  const client = startWorker(engineOptions(settings.root, 'int8', {}, { idleUnloadSeconds }));
  try {
    const { pid } = await client.request('info', {});
    const idle = memoryOf(pid);
    for (const task of tasks) await requests[task](client, doc.text);
    const loaded = memoryOf(pid);
    // Each model unloads idleUnloadSeconds after its last use; the last was used just now.
    await sleep(idleUnloadSeconds * 1000 + 1500);
    const info = await client.request('info', {});
    const after = memoryOf(pid);
    settings.log(`  memory all four: idle ${idle.rss.toFixed(0)}, loaded ${loaded.rss.toFixed(0)}, peak ${loaded.peak.toFixed(0)}, after unload ${after.rss.toFixed(0)} MiB (${info.loaded.length} models still loaded)`);
    cases.push(
      { name: 'worker peak memory, all four models (int8)', task: 'all', value: round(loaded.peak), unit: 'MiB', better: 'lower', target: '< 700 MiB', met: loaded.peak < 700 },
      compared({
        name: 'worker memory after the idle unload',
        task: 'all',
        value: round(after.rss),
        unit: 'MiB',
        better: 'lower',
        baseline: 'all four at their peak',
        baselineValue: round(loaded.peak),
        target: `returns ≥ 75% of the ${round(loaded.peak - idle.rss, 0)} MiB above the idle worker's ${round(idle.rss, 0)}`,
        met: info.loaded.length === 0 && (loaded.peak - after.rss) / (loaded.peak - idle.rss) >= 0.75,
        note:
          `${info.loaded.length} models loaded after ${idleUnloadSeconds} s unused; ${round((100 * (loaded.peak - after.rss)) / (loaded.peak - idle.rss), 0)}% returned. ` +
          'What stays is mostly code pages of libonnxruntime (file-backed, shared) and heap fragments.',
      }),
    );
  } finally {
    client.dispose();
  }
  return cases;
}

/**
 * Entities after a one-word edit of the long document (the paragraph cache at work) against a full
 * analysis, and the latency of single paragraphs, as the highlighter requests them while typing.
 */
export async function interactive(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const client = startWorker(engineOptions(settings.root, 'int8'));
  try {
    await requests.entities(client, 'Warm-up: Angela Merkel visited Paris.');
    const fullTimes: number[] = [];
    const editTimes: number[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      // A fresh document each round, so the full analysis finds nothing in the cache.
      const fresh = generateDocument(doc.words, 1000 + round).text;
      let started = performance.now();
      await requests.entities(client, fresh);
      fullTimes.push(performance.now() - started);
      const edited = editOneWord(fresh, round);
      started = performance.now();
      await requests.entities(client, edited.text);
      editTimes.push(performance.now() - started);
    }
    const full = Math.min(...fullTimes);
    const edit = Math.min(...editTimes);

    // Paragraphs the worker has not seen, one request each, as the highlighter sends a changed paragraph.
    const other = generateDocument(doc.words, 4242).text;
    const latencies: number[] = [];
    for (const paragraph of paragraphSpans(other)) {
      const started = performance.now();
      await client.request('entities', { text: paragraph.text, minScore: 0.5, offset: paragraph.start });
      latencies.push(performance.now() - started);
    }
    const [p50, p95] = [percentile(latencies, 50), percentile(latencies, 95)];
    settings.log(`  entities after an edit: ${edit.toFixed(0)} ms vs full ${full.toFixed(0)} ms; paragraphs p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (${latencies.length})`);
    return [
      compared({
        name: `entities after a one-word edit · ${doc.name}`,
        task: 'entities',
        value: round(edit),
        unit: 'ms',
        better: 'lower',
        baseline: 'full re-analysis',
        baselineValue: round(full),
        target: '≥ 20×',
        minRatio: 20,
        note: 'whole-document request through the worker; the edited paragraph is analysed, the rest comes from the paragraph cache',
      }),
      { name: 'entities of one paragraph, p50', task: 'entities', value: round(p50), unit: 'ms', better: 'lower', note: `${latencies.length} paragraphs, one request each` },
      { name: 'entities of one paragraph, p95', task: 'entities', value: round(p95), unit: 'ms', better: 'lower', target: '< 150 ms', met: p95 < 150 },
    ];
  } finally {
    client.dispose();
  }
}

/**
 * Event-loop delay in the process that runs the client (in VS Code, the extension host) while the
 * worker analyses the long document, against the same process idle.
 */
export async function hostResponsiveness(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const client = startWorker(engineOptions(settings.root, 'int8'));
  try {
    await client.request('info', {});
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await sleep(3000);
    idle.disable();

    const busy = monitorEventLoopDelay({ resolution: 10 });
    let progressEvents = 0;
    const onProgress = () => progressEvents++;
    busy.enable();
    const started = performance.now();
    await client.request('entities', { text: doc.text, minScore: 0.5 }, { onProgress });
    await client.request('sentiment', { text: doc.text, neutralBand: 0.1 }, { onProgress });
    const elapsed = performance.now() - started;
    busy.disable();
    const ms = (ns: number) => ns / 1e6;
    settings.log(
      `  host event loop over ${(elapsed / 1000).toFixed(1)} s of analysis (${progressEvents} progress messages): p50 ${ms(busy.percentile(50)).toFixed(1)}, p99 ${ms(busy.percentile(99)).toFixed(1)}, max ${ms(busy.max).toFixed(1)} ms; idle p99 ${ms(idle.percentile(99)).toFixed(1)} ms`,
    );
    return [
      compared({
        name: `host event-loop delay p99 while the worker analyses ${doc.name}`,
        task: 'entities+sentiment',
        value: round(ms(busy.percentile(99)), 2),
        unit: 'ms',
        better: 'lower',
        baseline: 'idle',
        baselineValue: round(ms(idle.percentile(99)), 2),
        target: '< 50 ms',
        met: ms(busy.percentile(99)) < 50,
        note: 'perf_hooks.monitorEventLoopDelay (10 ms resolution) in the process running WorkerClient',
      }),
    ];
  } finally {
    client.dispose();
  }
}

/** The bound for the worker with the four defaults and one XLM-R-base model, int8. */
const FAMILY_MEMORY_LIMIT_MIB = 1024;

/**
 * The worker's peak memory with the four default tasks' full-size int8 models loaded and used,
 * then an XLM-R-base int8 model beside them: its 250,002 × 768 embedding table (192 MB in int8,
 * 768 MB in fp32) is the largest thing a multilingual model adds. The XLM-R model runs as the PII
 * task's own model (`piiModel`, the named-entity model off), the way a user adds a multilingual
 * token classifier beside the defaults.
 */
export async function familyMemory(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const tasks: DefaultModelTask[] = ['sentiment', 'topics', 'qa', 'entities'];
  const client = startWorker(engineOptions(settings.root, 'int8'));
  try {
    const { pid } = await client.request('info', {});
    const idle = memoryOf(pid);
    for (const task of tasks) await requests[task](client, doc.text);
    const four = memoryOf(pid);
    await client.request('pii', {
      text: doc.text,
      useModel: true,
      piiModel: benchModelDir(settings.root, 'entities-xlmr'),
      entitiesModel: false,
      minScore: 0.5,
      phoneRegion: 'US',
      patterns: [],
      denyList: {},
      allowList: [],
    });
    const info = await client.request('info', {});
    const all = memoryOf(pid);
    settings.log(
      `  memory with XLM-R: idle ${idle.rss.toFixed(0)}, four defaults peak ${four.peak.toFixed(0)}, ` +
        `with XLM-R-base entities peak ${all.peak.toFixed(0)} MiB, now ${all.rss.toFixed(0)} MiB (${info.loaded.map((m) => m.id.split('/').pop()).join(', ')} loaded)`,
    );
    return [
      compared({
        name: 'worker peak memory, four defaults + XLM-R-base (int8)',
        task: 'all',
        value: round(all.peak),
        unit: 'MiB',
        better: 'lower',
        baseline: 'the four defaults alone, same worker',
        baselineValue: round(four.peak),
        target: `< ${FAMILY_MEMORY_LIMIT_MIB} MiB`,
        met: all.peak < FAMILY_MEMORY_LIMIT_MIB && info.loaded.length === tasks.length + 1,
        note: `${info.loaded.length} models loaded; XLM-R-base entities (int8, 250,002-piece table) run as the PII model on ${doc.name}; idle worker ${round(idle.rss)} MiB`,
      }),
    ];
  } finally {
    client.dispose();
  }
}
