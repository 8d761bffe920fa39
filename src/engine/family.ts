/**
 * What differs between the encoder families (BERT, DistilBERT, RoBERTa, XLM-R, DeBERTa, ELECTRA,
 * ALBERT, MPNet, MobileBERT …), read from the model's own files rather than guessed from its name:
 * whether the architecture is one the engine can feed, the padding token, and the longest input.
 * Special tokens, pair layout and lower-casing are the tokenizer's own (tokenizer.json's
 * post-processor and normaliser), and whether segment ids are fed is the graph's (its inputs).
 *
 * @example
 * const family = readFamily(dir, config); // { padId: 1, maxLength: 512 } for roberta-base
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineError } from './errors';

/**
 * The `model_type`s of config.json the engine runs: bidirectional encoders whose ONNX exports take
 * `input_ids` and `attention_mask` (and, for some, `token_type_ids`), and give logits per
 * sequence or per token. Each is tested with a planted fixture of its tokenizer and inputs
 * (test/fixtures/families.ts), except CamemBERT (XLM-R's layout and tokenizer type) and
 * DeBERTa v1 (byte-level BPE, as RoBERTa, with DeBERTa's inputs). A decoder (GPT-2, Llama) or an
 * encoder-decoder (T5, BART) needs inputs the engine does not feed (past key values, decoder ids), so it is refused when it loads.
 */
export const SUPPORTED_MODEL_TYPES: readonly string[] = [
  'bert',
  'distilbert',
  'roberta',
  'xlm-roberta',
  'camembert',
  'deberta',
  'deberta-v2',
  'electra',
  'albert',
  'mpnet',
  'mobilebert',
];

/**
 * Families whose learned positions start after the padding token's (fairseq's convention,
 * `create_position_ids_from_input_ids`): position ids run from `pad_token_id + 1`, so of
 * `max_position_embeddings` (514 for roberta-base) only `max_position_embeddings - pad_token_id - 1`
 * (512) can hold tokens. The files do not say so; the architecture does.
 */
const PADDING_OFFSET_TYPES = new Set(['roberta', 'xlm-roberta', 'camembert', 'mpnet']);

/** Hugging Face writes this (int(1e30)) for `model_max_length` when it does not know it. */
const UNKNOWN_LENGTH = 1e9;

/** What the engine needs of a model's family, read from config.json and the tokenizer's files. */
export interface ModelFamily {
  /** The token that fills padded positions: the tokenizer's pad token (never `<s>` by accident). */
  padId: number;
  /** The longest input in tokens, special tokens included, that the model's positions allow. */
  maxLength: number;
}

/** Fields of config.json this module reads. */
export interface FamilyConfig {
  maxPositions: number;
  modelType?: string;
  architectures?: readonly string[];
  padTokenId?: number;
}

/**
 * Refuses a config.json whose `model_type` is not an encoder the engine runs, naming it and the
 * families supported. A config without `model_type` (hand-made folders) is let through: the
 * graph's inputs are checked when it loads.
 */
export function checkArchitecture(dir: string, config: FamilyConfig): void {
  const type = config.modelType;
  if (type === undefined || SUPPORTED_MODEL_TYPES.includes(type)) return;
  const architectures = config.architectures?.length ? ` (${config.architectures.join(', ')})` : '';
  throw new EngineError(
    'model-corrupt',
    `${path.join(dir, 'config.json')} says model_type "${type}"${architectures}, which is not an encoder model this extension runs; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}.`,
  );
}

/**
 * Reads the pad token and the longest input. The pad token: tokenizer.json's padding config, else
 * the `pad_token` of tokenizer_config.json or special_tokens_map.json looked up in the tokenizer,
 * else config.json's `pad_token_id`, else 0 (BERT's `[PAD]`). The longest input: the positions
 * (less the padding offset of the families that have one), and `model_max_length` of
 * tokenizer_config.json when it is set and smaller.
 *
 * @param tokenizer the model's tokenizer: the pad id of its padding settings, and its vocabulary.
 */
export function readFamily(dir: string, config: FamilyConfig, tokenizer: { padId?: number; tokenId(token: string): number | null }): ModelFamily {
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'));
  const specialTokens = readJson(path.join(dir, 'special_tokens_map.json'));
  const padToken = tokenText(tokenizerConfig?.pad_token) ?? tokenText(specialTokens?.pad_token);
  const padFromToken = padToken === undefined ? null : tokenizer.tokenId(padToken);
  const padId = tokenizer.padId ?? padFromToken ?? config.padTokenId ?? 0;

  const offset = config.modelType && PADDING_OFFSET_TYPES.has(config.modelType) ? (config.padTokenId ?? padId) + 1 : 0;
  let maxLength = config.maxPositions - offset;
  const stated = tokenizerConfig?.model_max_length;
  if (typeof stated === 'number' && Number.isInteger(stated) && stated >= 2 && stated < UNKNOWN_LENGTH) maxLength = Math.min(maxLength, stated);
  if (maxLength < 2) {
    throw new EngineError('model-corrupt', `${path.join(dir, 'config.json')} allows inputs of ${maxLength} tokens (max_position_embeddings ${config.maxPositions}, less ${offset} for the padding offset).`);
  }
  return { padId, maxLength };
}

/** A token given as text, or as an AddedToken object `{ content }` (older tokenizer_config.json files). */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** An optional JSON side file: undefined when absent or unreadable (these files only refine defaults). */
function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
