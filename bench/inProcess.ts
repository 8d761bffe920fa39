/**
 * Throughput in one process, side by side: the engine, the peer (the @huggingface/transformers
 * pipeline on the same model file, called as its documentation shows) and the limit (a bare
 * onnxruntime-node loop over exactly the token windows the engine ran, with the best batching
 * found). Each round runs all three one after the other and the best of the rounds counts, so
 * the noise of a shared machine falls on all three alike.
 */
import * as ort from '../src/engine/onnxruntime';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AskParams, ClassifyParams, EngineOptions, EntitiesParams, SentimentParams, Task, TopicsParams } from '../src/protocol';
import { Engine } from '../src/engine/engine';
import { lengthSortedBatches, padBatch, DEFAULT_BATCH_LIMITS, type BatchLimits, type PaddedBatch } from '../src/engine/batching';
import { LoadedModel } from '../src/engine/modelStore';
import { sessionOptions } from '../src/engine/device';
import { defaultEngineOptions } from '../src/engine/options';
import { paragraphs } from '../src/engine/segment';
import { TextTokenizer } from '../src/engine/tokenizer';
import { topicSections } from '../src/engine/topics';
import type { BenchDocument } from './documents';
import { benchModelDir as modelDir } from './models/make-bench-models';
import { compared, round, type Case } from './results';

export type Precision = 'fp32' | 'int8';
export type BenchModel = 'sentiment' | 'topics' | 'qa' | 'entities' | 'entities-distilbert' | Classifier | FamilyModel;
/** The other tokenizer families' full-size models (make-bench-models.ts): RoBERTa-base and XLM-R-base, entities and QA. */
export type Family = 'roberta' | 'xlmr';
export type FamilyModel = `${'entities' | 'qa'}-${Family}`;
export const FAMILIES = {
  roberta: { title: 'RoBERTa-base' },
  xlmr: { title: 'XLM-R-base' },
} as const satisfies Record<Family, { title: string }>;
/** The classify task's bench models (make-bench-models.ts): a softmax over 6 labels, and a sigmoid for each of 3. */
export type Classifier = 'emotion' | 'toxicity';
export const CLASSIFIERS = {
  emotion: { multiLabel: false, title: 'Emotion' },
  toxicity: { multiLabel: true, title: 'Toxicity' },
} as const satisfies Record<Classifier, { multiLabel: boolean; title: string }>;
/** A task of the throughput comparison. */
export type ThroughputTask = 'sentiment' | 'entities' | 'qa' | 'topics' | 'classify';

export interface Settings {
  root: string;
  rounds: number;
  log(line: string): void;
}

const modelFile = (precision: Precision) => join('onnx', precision === 'int8' ? 'model_quantized.onnx' : 'model.onnx');

export const TOPIC_LABELS = ['sports', 'business', 'science', 'politics', 'culture', 'travel', 'health', 'education', 'weather', 'technology'];
export const HYPOTHESIS = 'This text is about {}.';
const QUESTION = 'When was the bridge across the river completed?';

/** The bench models as the four tasks' models; `models` replaces the entities or QA one. */
export function engineOptions(
  root: string,
  precision: Precision,
  models: Partial<Record<'entities' | 'qa', BenchModel>> = {},
  extra: Partial<EngineOptions> = {},
): EngineOptions {
  return defaultEngineOptions({
    device: 'cpu',
    precision,
    modelSources: {
      sentiment: modelDir(root, 'sentiment'),
      topics: modelDir(root, 'topics'),
      qa: modelDir(root, models.qa ?? 'qa'),
      entities: modelDir(root, models.entities ?? 'entities'),
    },
    ...extra,
  });
}

/** What one task does to a document, in each of the three implementations. */
interface Workload {
  task: Task;
  model: BenchModel;
  /** Sentences, windows or pairs: what the task's throughput is also counted in. */
  unitName: string;
  engine(engine: Engine, doc: BenchDocument, root: string): Promise<unknown>;
  /** The pipeline's calls for the document, one per sentence / window / section; `model`: the one they run. */
  peerInputs(doc: BenchDocument, root: string, model: BenchModel): Promise<unknown[][]>;
  peerTask: string;
  peerOptions?: Record<string, unknown>;
  /** What the engine does to the logits, done by the limit too; absent: the limit only runs the model. */
  activation?: 'softmax' | 'sigmoid';
}

const sentencesOf = (doc: BenchDocument) => paragraphs(doc.text).flatMap((p) => p.sentences.map((s) => s.text));

export function workloads(labels = 5, classifier: Classifier = 'emotion'): Record<ThroughputTask, Workload> {
  const { multiLabel, title } = CLASSIFIERS[classifier];
  return {
    sentiment: {
      task: 'sentiment',
      model: 'sentiment',
      unitName: 'sentences',
      engine: (engine, doc) => engine.sentiment({ text: doc.text, neutralBand: 0.1 } satisfies SentimentParams),
      peerInputs: async (doc) => sentencesOf(doc).map((s) => [s]),
      peerTask: 'text-classification',
    },
    entities: {
      task: 'entities',
      model: 'entities',
      unitName: 'sentences',
      engine: (engine, doc) => engine.entities({ text: doc.text, minScore: 0.5 } satisfies EntitiesParams),
      peerInputs: async (doc) => sentencesOf(doc).map((s) => [s]),
      peerTask: 'token-classification',
    },
    qa: {
      task: 'qa',
      model: 'qa',
      unitName: 'windows',
      engine: (engine, doc) => engine.ask({ text: doc.text, question: QUESTION, top: 3, minScore: 0.1 } satisfies AskParams),
      // The pipeline truncates its context to the model's length, so it gets the engine's windows' stretches of text.
      peerInputs: async (doc, root, model) => {
        const tokenizer = await TextTokenizer.load(join(modelDir(root, model), 'tokenizer.json'), 512);
        const windows = await tokenizer.pairWindows(QUESTION, doc.text, 128, 64);
        return windows.map((w) => {
          const spans = w.offsets.filter((_, t) => w.isContext[t]);
          return [QUESTION, doc.text.slice(spans[0][0], spans[spans.length - 1][1])];
        });
      },
      peerTask: 'question-answering',
    },
    topics: {
      task: 'topics',
      model: 'topics',
      unitName: 'pairs',
      engine: (engine, doc) =>
        engine.topics({ text: doc.text, labels: TOPIC_LABELS.slice(0, labels), multiLabel: false, hypothesisTemplate: HYPOTHESIS, format: 'markdown' } satisfies TopicsParams),
      // The pipeline truncates a premise to the model's length, so it gets the engine's stretches of each section.
      peerInputs: async (doc, root) => {
        const file = join(modelDir(root, 'topics'), 'tokenizer.json');
        const hypotheses = TOPIC_LABELS.slice(0, labels).map((label) => HYPOTHESIS.replace('{}', label));
        const longest = Math.max(...(await (await TextTokenizer.load(file, 512)).windows(hypotheses, 0)).map((w) => w[0].contentTokens));
        // A single window holds 2 special tokens and a pair 3: this leaves the premise the room a pair does.
        const premises = await TextTokenizer.load(file, 512 - longest - 1);
        const sections = topicSections(doc.text, 'markdown').map((section) => section.text);
        return (await premises.windows(sections, 64)).flatMap((windows, s) =>
          windows.map((w) => {
            const spans = w.offsets.filter(([start]) => start >= 0);
            return [sections[s].slice(spans[0][0], spans[spans.length - 1][1]), TOPIC_LABELS.slice(0, labels), { hypothesis_template: HYPOTHESIS }];
          }),
        );
      },
      peerTask: 'zero-shot-classification',
    },
    classify: {
      task: 'classify',
      model: classifier,
      unitName: 'sentences',
      // A classifier as the user declares one: a model folder, its kind (softmax or sigmoid) from its config.json.
      engine: (engine, doc, root) =>
        engine.classify({ text: doc.text, classifier: { id: classifier, title, model: modelDir(root, classifier), level: 'sentence' } } satisfies ClassifyParams),
      // A multi-label model's sigmoid comes from its config; top_k: null returns every label's, as the engine does.
      peerInputs: async (doc) => sentencesOf(doc).map((s) => (multiLabel ? [s, { top_k: null }] : [s])),
      peerTask: 'text-classification',
      activation: multiLabel ? 'sigmoid' : 'softmax',
    },
  };
}

/** One model input as the engine sent it: its real tokens, before padding. */
interface Row {
  ids: number[];
  typeIds?: number[];
}

/** Watches the engine's forward passes: which windows it ran, and how long ONNX Runtime took. */
class ForwardSpy {
  rows: Row[] = [];
  runMs = 0;
  private readonly original = LoadedModel.prototype.run;

  install(): void {
    const original = this.original;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const spy = this;
    LoadedModel.prototype.run = async function (this: LoadedModel, batch: PaddedBatch) {
      const started = performance.now();
      try {
        return await original.call(this, batch);
      } finally {
        spy.runMs += performance.now() - started;
        spy.record(batch);
      }
    };
  }

  uninstall(): void {
    LoadedModel.prototype.run = this.original;
  }

  reset(): void {
    this.rows = [];
    this.runMs = 0;
  }

  private record(batch: PaddedBatch): void {
    for (let row = 0; row < batch.batchSize; row++) {
      const base = row * batch.sequenceLength;
      let length = 0;
      while (length < batch.sequenceLength && batch.attentionMask[base + length] === 1n) length++;
      const ids = Array.from(batch.inputIds.subarray(base, base + length), Number);
      const typeIds = batch.tokenTypeIds ? Array.from(batch.tokenTypeIds.subarray(base, base + length), Number) : undefined;
      this.rows.push({ ids, typeIds });
    }
  }
}

/**
 * The limit: a bare session over the engine's windows, length-sorted, in prebuilt batches; with an
 * activation, each batch's logits become probabilities as the engine's do (spanScores.ts).
 */
class BareLoop {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly activation: Workload['activation'],
    /** config.json's pad_token_id: 0 for BERT, 1 for RoBERTa and XLM-R (whose positions skip pads). */
    private readonly padId: number,
  ) {}

  static async create(modelDir: string, precision: Precision, activation?: Workload['activation']): Promise<BareLoop> {
    const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as { pad_token_id?: number };
    // The engine's session options (device.ts), so that only the loop around the session differs.
    const session = await ort.InferenceSession.create(join(modelDir, modelFile(precision)), { ...sessionOptions({ threads: 0 }), executionProviders: ['cpu'] });
    return new BareLoop(session, activation, config.pad_token_id ?? 0);
  }

  feeds(rows: readonly Row[], limits: BatchLimits): Record<string, ort.Tensor>[] {
    const typed = rows.some((r) => r.typeIds) || this.session.inputNames.includes('token_type_ids');
    return lengthSortedBatches(rows.map((r) => r.ids.length), limits).map((batch) => {
      const padded = padBatch(
        batch.map((i) => rows[i].ids),
        this.padId,
        typed ? batch.map((i) => rows[i].typeIds ?? rows[i].ids.map(() => 0)) : undefined,
      );
      const shape = [padded.batchSize, padded.sequenceLength];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', padded.inputIds, shape),
        attention_mask: new ort.Tensor('int64', padded.attentionMask, shape),
      };
      if (this.session.inputNames.includes('token_type_ids') && padded.tokenTypeIds) feeds.token_type_ids = new ort.Tensor('int64', padded.tokenTypeIds, shape);
      return feeds;
    });
  }

  async run(feeds: readonly Record<string, ort.Tensor>[]): Promise<number> {
    const started = performance.now();
    for (const feed of feeds) {
      const outputs = await this.session.run(feed);
      if (this.activation) probabilities(outputs.logits, this.activation);
    }
    return performance.now() - started;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Each row's logits as probabilities, in a fresh array: a softmax over the row, or a sigmoid of each. */
function probabilities(logits: ort.Tensor, activation: 'softmax' | 'sigmoid'): Float64Array {
  const [rows, labels] = logits.dims;
  const data = logits.data as Float32Array;
  const into = new Float64Array(rows * labels);
  for (let at = 0; at < into.length; at += labels) {
    if (activation === 'sigmoid') {
      for (let k = 0; k < labels; k++) into[at + k] = 1 / (1 + Math.exp(-data[at + k]));
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < labels; k++) max = Math.max(max, data[at + k]);
    let total = 0;
    for (let k = 0; k < labels; k++) total += into[at + k] = Math.exp(data[at + k] - max);
    for (let k = 0; k < labels; k++) into[at + k] /= total;
  }
  return into;
}

const BATCHINGS: Array<{ name: string; limits: BatchLimits }> = [
  ...[1, 4, 16].map((maxBatch) => ({ name: `batches of ${maxBatch}`, limits: { maxBatch, maxTokens: Infinity } })),
  ...[256, 1024, 2048].map((maxTokens) => ({ name: `batches of ≤ ${maxTokens} tokens`, limits: { maxBatch: 256, maxTokens } })),
  { name: "the engine's batch limits", limits: DEFAULT_BATCH_LIMITS },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PeerPipeline = ((...args: any[]) => Promise<unknown>) & { dispose(): Promise<void> };

export async function loadPeer(root: string, work: Workload, precision: Precision): Promise<PeerPipeline> {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = root;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await pipeline(work.peerTask as any, `fixture/${work.model}`, { dtype: precision === 'int8' ? 'q8' : 'fp32' })) as unknown as PeerPipeline;
}

/** The document's tokens in the model's own tokenizer, without special tokens. */
async function countTokens(root: string, model: BenchModel, text: string): Promise<number> {
  const tokenizer = await TextTokenizer.load(join(modelDir(root, model), 'tokenizer.json'), 512);
  const windows = await tokenizer.windows([text], 0);
  return windows[0].reduce((sum, w) => sum + w.contentTokens, 0);
}

const best = (times: number[]) => Math.min(...times);

/**
 * Engine, peer and limit on each document for one task: tokens/s (the document's own tokens,
 * without special tokens, over the time taken) and units/s.
 */
export async function throughput(
  settings: Settings,
  name: ThroughputTask,
  docs: readonly BenchDocument[],
  options: { labels?: number; classifier?: Classifier; precision?: Precision; family?: Family } = {},
): Promise<Case[]> {
  const precision = options.precision ?? 'int8';
  const classifier = options.classifier ?? 'emotion';
  const defaults = workloads(options.labels, classifier)[name];
  const { family } = options;
  if (family && name !== 'entities' && name !== 'qa') throw new Error(`the ${family} models are for entities and qa, not ${name}`);
  const work: Workload = family ? { ...defaults, model: `${name as 'entities' | 'qa'}-${family}` } : defaults;
  const { root, log } = settings;
  const engine = new Engine(engineOptions(root, precision, family ? { [name]: work.model } : {}));
  const spy = new ForwardSpy();
  const peer = await loadPeer(root, work, precision);
  const limit = await BareLoop.create(modelDir(root, work.model), precision, work.activation);
  const cases: Case[] = [];
  const label =
    name === 'topics'
      ? `topics (${options.labels} labels)`
      : name === 'classify'
        ? `classify (${classifier}, ${CLASSIFIERS[classifier].multiLabel ? 'multi-label, sigmoid' : 'single-label, softmax'})`
        : family
          ? `${name} (${FAMILIES[family].title}, ${precision})`
          : name;
  spy.install();
  try {
    // The windows the engine runs for each document (the first run also loads the model).
    const rowsOf: Row[][] = [];
    for (const doc of docs) {
      engine.forgetResults();
      spy.reset();
      await work.engine(engine, doc, root);
      rowsOf.push(spy.rows);
    }
    // The limit's batching is chosen once, on the 5,000-word document (or the largest below it).
    const searchDoc = docs.reduce((chosen, doc, i) => (doc.words <= 6000 && doc.words > docs[chosen].words ? i : chosen), 0);
    const chosen = await bestBatching(limit, rowsOf[searchDoc], log);
    for (const [d, doc] of docs.entries()) {
      const tokens = await countTokens(root, work.model, doc.text);
      const peerCalls = await work.peerInputs(doc, root, work.model);
      const rows = rowsOf[d];
      const feeds = limit.feeds(rows, chosen.limits);
      const times = { engine: [] as number[], peer: [] as number[], limit: [] as number[], ort: [] as number[] };
      for (let round = 0; round < settings.rounds; round++) {
        engine.forgetResults();
        spy.reset();
        let started = performance.now();
        await work.engine(engine, doc, root);
        times.engine.push(performance.now() - started);
        times.ort.push(spy.runMs);
        started = performance.now();
        for (const call of peerCalls) await peer(...call);
        times.peer.push(performance.now() - started);
        times.limit.push(await limit.run(feeds));
      }
      const perSecond = (ms: number) => (tokens * 1000) / ms;
      const units = `${rows.length} ${work.unitName === 'sentences' && name === 'entities' ? 'windows' : work.unitName}`;
      const engineMs = best(times.engine);
      log(
        `  ${label} · ${doc.name}: ${tokens} tokens, ${units}; engine ${engineMs.toFixed(0)} ms (ONNX Runtime ${best(times.ort).toFixed(0)} ms), ` +
          `peer ${best(times.peer).toFixed(0)} ms (${peerCalls.length} calls), limit ${best(times.limit).toFixed(0)} ms (${chosen.name})`,
      );
      const common = { task: name, value: round(perSecond(engineMs)), unit: 'tokens/s', better: 'higher' as const, note: `${units}; ${round((rows.length * 1000) / engineMs)} ${units.split(' ')[1]}/s` };
      // The other families' QA is held to the pipeline target too (the issue's figures: entities and QA, ≥ 1.3×).
      const peerTarget =
        doc.words >= 4000 && doc.words <= 6000
          ? { sentiment: 1.3, entities: 1.3, topics: options.labels === 5 ? 2 : undefined, qa: family ? 1.3 : undefined, classify: 1.3 }[name]
          : undefined;
      const peerCall = name === 'qa' ? 'window' : name === 'topics' ? 'stretch (a pass per label)' : name === 'classify' && CLASSIFIERS[classifier].multiLabel ? 'sentence, top_k: null' : 'sentence';
      cases.push(
        compared({
          ...common,
          name: `${label} · ${doc.name} · engine vs peer`,
          baseline: `transformers.js pipeline, one call per ${peerCall}`,
          baselineValue: round(perSecond(best(times.peer))),
          ...(peerTarget ? { target: `≥ ${peerTarget}×`, minRatio: peerTarget } : {}),
        }),
        compared({
          ...common,
          name: `${label} · ${doc.name} · engine vs limit`,
          baseline: `bare onnxruntime, ${chosen.name}${work.activation ? ` + ${work.activation}` : ''}`,
          baselineValue: round(perSecond(best(times.limit))),
          target: '≥ 0.9×',
          minRatio: 0.9,
        }),
      );
    }
  } finally {
    spy.uninstall();
    await Promise.all([engine.dispose(), peer.dispose(), limit.release()]);
  }
  return cases;
}

/** Tries each batching twice on the engine's windows (after a warm-up) and keeps the fastest. */
async function bestBatching(limit: BareLoop, rows: readonly Row[], log: (line: string) => void): Promise<(typeof BATCHINGS)[number]> {
  await limit.run(limit.feeds(rows, DEFAULT_BATCH_LIMITS));
  const timed = BATCHINGS.map((batching) => ({ batching, feeds: limit.feeds(rows, batching.limits), ms: Infinity }));
  for (let round = 0; round < 2; round++) {
    for (const entry of timed) entry.ms = Math.min(entry.ms, await limit.run(entry.feeds));
  }
  log(`    limit batching: ${timed.map((t) => `${t.batching.name} ${t.ms.toFixed(0)} ms`).join(', ')}`);
  return timed.reduce((a, b) => (b.ms < a.ms ? b : a)).batching;
}

/** The engine alone, on one document: the best time of the rounds, results forgotten before each. */
async function engineTime(settings: Settings, engine: Engine, work: Workload, doc: BenchDocument): Promise<number> {
  await work.engine(engine, doc, settings.root);
  const times: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    engine.forgetResults();
    const started = performance.now();
    await work.engine(engine, doc, settings.root);
    times.push(performance.now() - started);
  }
  return best(times);
}

/** int8 against fp32 for every task, in the engine. */
export async function int8VersusFp32(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const cases: Case[] = [];
  for (const name of ['sentiment', 'entities', 'qa', 'topics'] as const) {
    const work = workloads(5)[name];
    const ms: Record<Precision, number> = { fp32: 0, int8: 0 };
    for (const precision of ['fp32', 'int8'] as const) {
      const engine = new Engine(engineOptions(settings.root, precision));
      try {
        ms[precision] = await engineTime(settings, engine, work, doc);
      } finally {
        await engine.dispose();
      }
    }
    settings.log(`  ${name} · ${doc.name}: int8 ${ms.int8.toFixed(0)} ms, fp32 ${ms.fp32.toFixed(0)} ms`);
    cases.push(compared({ name: `${name} · ${doc.name} · int8 vs fp32`, task: name, value: round(ms.int8), unit: 'ms', better: 'lower', baseline: 'fp32', baselineValue: round(ms.fp32) }));
  }
  return cases;
}

/** BERT-base (12 layers) against DistilBERT (6) for entities, in the engine. */
export async function bertVersusDistilbert(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const work = workloads().entities;
  const cases: Case[] = [];
  for (const precision of ['int8', 'fp32'] as const) {
    const ms: Partial<Record<BenchModel, number>> = {};
    for (const model of ['entities', 'entities-distilbert'] as const) {
      const engine = new Engine(engineOptions(settings.root, precision, { entities: model }));
      try {
        ms[model] = await engineTime(settings, engine, work, doc);
      } finally {
        await engine.dispose();
      }
    }
    const [bert, distil] = [ms.entities as number, ms['entities-distilbert'] as number];
    settings.log(`  entities · ${doc.name} · ${precision}: BERT-base ${bert.toFixed(0)} ms, DistilBERT ${distil.toFixed(0)} ms`);
    cases.push(
      compared({
        name: `entities · ${doc.name} · DistilBERT vs BERT-base (${precision})`,
        task: 'entities',
        value: round(distil),
        unit: 'ms',
        better: 'lower',
        baseline: 'BERT-base',
        baselineValue: round(bert),
        note: 'the DistilBERT paper reports BERT-base taking 1.63× as long on CPU',
      }),
    );
  }
  return cases;
}

/**
 * The other tokenizer families at full size: RoBERTa-base (byte-level BPE, 50,265 pieces) and
 * XLM-R-base (SentencePiece Unigram, 250,002 pieces), entities and QA, int8 and fp32, each with
 * the peer and the limit beside it as in the throughput section.
 */
export async function familyThroughput(settings: Settings, doc: BenchDocument): Promise<Case[]> {
  const cases: Case[] = [];
  for (const family of Object.keys(FAMILIES) as Family[]) {
    for (const task of ['entities', 'qa'] as const) {
      for (const precision of ['int8', 'fp32'] as const) cases.push(...(await throughput(settings, task, [doc], { family, precision })));
    }
  }
  return cases;
}
