import { readFile } from 'node:fs/promises';
import { Tokenizer, type Encoding } from 'tokenizers';
import { codePointToUtf16, coverTrailingMarks, whiteSpaceCharacters } from '../unicode';
import { refineWords, trimToCharacters } from './words';
import { EngineError } from './errors';
import { cutsOf, type Cuts, type TokenizerJson as WindowTokenizerJson } from './windowStream';

/** One model input: at most the model's maximum length, special tokens included. */
export interface TokenWindow {
  ids: number[];
  /**
   * Per token, [start, end) in UTF-16 code units of the encoded text; special tokens get
   * [-1, -1]. Offsets are relative to the string that was encoded.
   */
  offsets: Array<[number, number]>;
  /** Tokens that are not special tokens: what the window covers of the text. */
  contentTokens: number;
  /** Per token, the index of the word it belongs to in the whole text; -1 for special tokens. */
  wordIds: number[];
  /** Index, among the text's tokens, of this window's first content token. */
  firstToken: number;
  /** Whether the text continues before / after this window (it is cut there). */
  cutBefore: boolean;
  cutAfter: boolean;
}

/** One inference input: a stretch of the premise and one hypothesis. */
export interface NliPair {
  ids: number[];
  typeIds: number[];
  /** Which stretch of the premise, and which hypothesis. */
  window: number;
  label: number;
  /** Premise tokens in this stretch: its weight when stretches are combined. */
  premiseTokens: number;
}

/** One question-answering input: the question and a stretch of the context. */
export interface PairWindow {
  ids: number[];
  /** Segment ids: 0 for the question, 1 for the context. */
  typeIds: number[];
  /** Per token, [start, end) in UTF-16 units of the context; [-1, -1] outside the context. */
  offsets: Array<[number, number]>;
  /** Per token, its word in the context; -1 outside the context. */
  wordIds: number[];
  isContext: boolean[];
}

/**
 * The model's own tokenizer (Hugging Face `tokenizers`, from tokenizer.json), with offsets
 * converted to UTF-16 and long texts split into overlapping windows.
 *
 * Windows come from `Encoding.truncate(length, stride, 'right')` on an encoding without special
 * tokens, then `postProcess` adds [CLS]/[SEP] as the model's template says. (The tokenizer-level
 * `setTruncation` of the Node binding 0.23 returns too few overflowing windows, so it is not used.)
 */
export class TextTokenizer {
  /**
   * Windows for question answering: each holds the question and a stretch of `context` (the
   * template's pair, `[CLS] question [SEP] context [SEP]` for BERT), consecutive stretches sharing
   * `stride` tokens. Offsets are those of the context; only context tokens have `isContext`.
   */
  async pairWindows(question: string, context: string, stride: number, maxQuestionTokens: number): Promise<PairWindow[]> {
    const [questionEncoding, contextEncoding] = await this.tokenizer.encodeBatch([question, context], { addSpecialTokens: false });
    if (questionEncoding.getLength() === 0) throw new EngineError('bad-input', 'The question is empty.');
    if (questionEncoding.getLength() > maxQuestionTokens) {
      throw new EngineError('bad-input', `The question is too long (${questionEncoding.getLength()} tokens; at most ${maxQuestionTokens}). Ask it more briefly.`);
    }
    const pairSpecials = this.tokenizer.postProcess(questionEncoding, questionEncoding, true).getLength() - 2 * questionEncoding.getLength();
    const room = this.maxLength - questionEncoding.getLength() - pairSpecials;
    const toUtf16 = codePointToUtf16(context);
    const refined = this.refinesWords ? this.contentWords(context, contextEncoding) : undefined;
    let parts: Encoding[] = [contextEncoding];
    const overlap = Math.min(stride, room - 1);
    if (contextEncoding.getLength() > room) {
      contextEncoding.truncate(room, overlap, 'right');
      parts = [contextEncoding, ...contextEncoding.getOverflowing()];
    }
    return parts.map((part, w) => {
      const processed = this.tokenizer.postProcess(questionEncoding, part, true);
      const special = processed.getSpecialTokensMask();
      const sequence = processed.getSequenceIds();
      const ids = processed.getIds();
      const isContext = sequence.map((id, t) => id === 1 && !special[t]);
      const offsets = processed.getOffsets().map(([start, end], t): [number, number] => (isContext[t] ? [toUtf16(start), toUtf16(end)] : [-1, -1]));
      coverTrailingMarks(context, offsets);
      trimToCharacters(context, offsets, ids, this.markers);
      let content = w * (room - overlap);
      return {
        ids,
        typeIds: processed.getTypeIds(),
        offsets,
        wordIds: refined
          ? isContext.map((inContext) => (inContext ? refined[content++] : -1))
          : processed.getWordIds().map((word, t) => (isContext[t] && word != null ? word : -1)),
        isContext,
      };
    });
  }

  /**
   * Inputs for natural-language inference: each stretch of `premise` paired with each hypothesis
   * (`[CLS] premise [SEP] hypothesis [SEP]` for BERT). A premise longer than fits beside the
   * longest hypothesis is covered by stretches sharing `stride` tokens. Premise and hypotheses are
   * tokenized once, whatever the number of pairs.
   */
  async premiseHypothesisPairs(premise: string, hypotheses: readonly string[], stride: number): Promise<NliPair[]> {
    const encodings = await this.tokenizer.encodeBatch([premise, ...hypotheses], { addSpecialTokens: false });
    const [premiseEncoding, ...hypothesisEncodings] = encodings;
    const longest = Math.max(...hypothesisEncodings.map((e) => e.getLength()));
    const pairSpecials = this.tokenizer.postProcess(premiseEncoding, premiseEncoding, true).getLength() - 2 * premiseEncoding.getLength();
    const room = this.maxLength - longest - pairSpecials;
    if (room < 16) throw new EngineError('bad-input', `A topic label is too long: its hypothesis takes ${longest} tokens.`);
    let parts: Encoding[] = [premiseEncoding];
    if (premiseEncoding.getLength() > room) {
      premiseEncoding.truncate(room, Math.min(stride, room - 1), 'right');
      parts = [premiseEncoding, ...premiseEncoding.getOverflowing()];
    }
    return parts.flatMap((part, window) =>
      hypothesisEncodings.map((hypothesis, label) => {
        const processed = this.tokenizer.postProcess(part, hypothesis, true);
        return { ids: processed.getIds(), typeIds: processed.getTypeIds(), window, label, premiseTokens: part.getLength() };
      }),
    );
  }

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    /** Special tokens a single-sequence window adds ([CLS] and [SEP] for BERT). */
    readonly specialTokens: number,
    /** Pieces that only mark where a word starts (SentencePiece's lone `▁`): they show no character. */
    private readonly markers: ReadonlySet<number> = new Set(),
    /** The pad token of tokenizer.json's padding settings, when it has them. */
    readonly padId?: number,
    /** Whether word ids are refined (words.ts): for every tokenizer but WordPiece, whose pre-tokenizer splits as a reader does. */
    private readonly refinesWords = false,
    /** Where a long text may be cut and tokenized in pieces (windowStream.ts), or null: tokenized whole. */
    readonly cuts: Cuts | null = null,
  ) {}

  /**
   * Reads tokenizer.json once, adapts it (see {@link untrimmed}, {@link wordRevealing}) and makes
   * ONE native tokenizer of it: a tokenizer holds its whole vocabulary natively (XLM-R's 250,000
   * pieces take about 300 MB), and a second one, even for a moment, would be that again until V8
   * collects its wrapper — which nothing prompts, as V8 does not see native memory.
   */
  static async load(file: string, maxLength: number): Promise<TextTokenizer> {
    let tokenizer: Tokenizer;
    let json: TokenizerJson;
    try {
      json = await readTokenizerJson(file);
      tokenizer = Tokenizer.fromString(JSON.stringify(await wordRevealing(untrimmed(json))));
    } catch (error) {
      // The binding says "Error loading from file" and the parser's reason, run together.
      const reason = String((error as Error).message).replace(/^Error loading from file/, '');
      throw new EngineError('model-corrupt', `The tokenizer file ${file} is not a valid tokenizer.json (${reason}).`, { cause: error });
    }
    tokenizer.disableTruncation();
    tokenizer.disablePadding();
    const empty = await tokenizer.encode('', null, { addSpecialTokens: true });
    const markers = new Set(wordStartMarkers(json).flatMap((marker) => tokenizer.tokenToId(marker) ?? []));
    const cuts = cutsOf(json as WindowTokenizerJson);
    return new TextTokenizer(tokenizer, maxLength, empty.getLength(), markers, json.padding?.pad_id ?? undefined, json.model?.type !== 'WordPiece', cuts);
  }

  /** The same tokenizer with inputs of at most `maxLength` tokens (the model's, once its family is read). */
  withMaxLength(maxLength: number): TextTokenizer {
    return new TextTokenizer(this.tokenizer, maxLength, this.specialTokens, this.markers, this.padId, this.refinesWords, this.cuts);
  }

  /** The id of a token given by its text (a pad token named in tokenizer_config.json), or null. */
  tokenId(token: string): number | null {
    return this.tokenizer.tokenToId(token);
  }

  /** Word ids of an encoding of `text` without special tokens, refined to what a reader calls words (words.ts). */
  private contentWords(text: string, encoding: Encoding): number[] {
    const toUtf16 = codePointToUtf16(text);
    const offsets = encoding.getOffsets().map(([start, end]): [number, number] => [toUtf16(start), toUtf16(end)]);
    trimToCharacters(text, offsets, encoding.getIds(), this.markers);
    return refineWords(text, offsets, encoding.getWordIds());
  }

  /**
   * Encodes each text into one window, or several overlapping ones (sharing `stride` tokens)
   * when it is longer than the model's maximum length.
   */
  async windows(texts: string[], stride: number): Promise<TokenWindow[][]> {
    if (texts.length === 0) return [];
    const encodings = await this.tokenizer.encodeBatch(texts, { addSpecialTokens: false });
    const room = this.maxLength - this.specialTokens;
    return encodings.map((encoding, i) => {
      const toUtf16 = codePointToUtf16(texts[i]);
      // Words are refined over the whole text, so that every window numbers them alike.
      const refined = this.refinesWords ? this.contentWords(texts[i], encoding) : undefined;
      let parts: Encoding[] = [encoding];
      const overlap = Math.min(stride, room - 1);
      if (encoding.getLength() > room) {
        encoding.truncate(room, overlap, 'right');
        parts = [encoding, ...encoding.getOverflowing()];
      }
      return parts.map((part, w) => {
        const processed = this.tokenizer.postProcess(part, null, true);
        const special = processed.getSpecialTokensMask();
        const ids = processed.getIds();
        const offsets = processed.getOffsets().map(([start, end], t): [number, number] =>
          special[t] ? [-1, -1] : [toUtf16(start), toUtf16(end)],
        );
        coverTrailingMarks(texts[i], offsets);
        trimToCharacters(texts[i], offsets, ids, this.markers);
        // Each overflowing window starts `room - overlap` tokens after the one before it.
        const firstToken = w * (room - overlap);
        let content = firstToken;
        const wordIds = refined
          ? special.map((isSpecial) => (isSpecial ? -1 : refined[content++]))
          : processed.getWordIds().map((word, t) => (special[t] || word == null ? -1 : word));
        return {
          ids,
          offsets,
          wordIds,
          contentTokens: part.getLength(),
          firstToken,
          cutBefore: w > 0,
          cutAfter: w < parts.length - 1,
        };
      });
    });
  }
}

/**
 * The symbols and emoji that a pre-tokenizer may leave glued to a word, as an Oniguruma pattern
 * (the `tokenizers` library's): a run of symbol characters (Unicode's S categories, and the
 * pictographs that are letters or punctuation, such as ℹ), and keycaps (`1️⃣`: a digit, `#` or `*`
 * with U+20E3), each with the marks, joiners and tag characters that extend it. A run is one
 * piece, so that an emoji ZWJ sequence, a flag or a skin tone stays whole (the normaliser may have
 * removed the joiners in between already).
 */
const SYMBOL_RUN = String.raw`(?:(?:[\p{S}\p{Extended_Pictographic}]|[0-9#*]\p{M}*\x{20E3})[\p{M}\x{200D}\x{E0020}-\x{E007F}]*)+`;

/** Symbols the probe glues to a letter on either side: an emoji, ™, an arrow, a currency sign. */
const SYMBOL_PROBES = ['😀', '™', '→', '€'];

/** The parts of a tokenizer.json that are read or adapted; the rest is passed through unread. */
interface TokenizerJson {
  normalizer?: object | null;
  pre_tokenizer?: PreTokenizerJson | null;
  post_processor?: PostProcessorJson | null;
  padding?: { pad_id?: number } | null;
  model?: { type?: string };
}

interface PreTokenizerJson {
  type?: string;
  replacement?: string;
  str_rep?: string;
  pretokenizers?: PreTokenizerJson[];
}

interface PostProcessorJson {
  type?: string;
  trim_offsets?: boolean;
  processors?: PostProcessorJson[];
}

/**
 * The model's tokenizer.json, adapted (its own JSON, read by the library, so that every
 * offset is still the library's) where it would hide words:
 * - White space that its normaliser deletes instead of reading as a space — BERT's deletes the
 *   control characters form feed, vertical tab and NEL, so `Paris\fGoogle` was one unknown word —
 *   is replaced by a space before that normaliser runs. Each character is replaced by one, so
 *   offsets do not move.
 * - A WordPiece model reads a word with any character it does not know as one `[UNK]`, and a
 *   known symbol as the word's first piece (`→`, `##par`, `##is`), so where its pre-tokenizer
 *   leaves symbols glued to words (BERT's splits only punctuation), runs of symbols are split off
 *   first, as that pre-tokenizer splits punctuation. Tokenizers that keep the word apart already
 *   (byte-level BPE, SentencePiece) are left alone.
 * Which applies is asked of the tokenizer's own normaliser and pre-tokenizer, by encoding a few probes (wordProbe), not guessed from the
 * model's name; text without such characters tokenizes exactly as before.
 */
async function wordRevealing(json: TokenizerJson): Promise<TokenizerJson> {
  const separators = whiteSpaceCharacters().filter((char) => char !== ' ');
  const probes = [...separators.map((char) => `a${char}a`), ...SYMBOL_PROBES.map((symbol) => `a${symbol}a`)];
  const oneWord = (await wordProbe(json).encodeBatch(probes, { addSpecialTokens: false })).map(isOneWord);
  const deleted = separators.filter((_, i) => oneWord[i]);
  const gluesSymbols = oneWord.slice(separators.length).some(Boolean);
  const splitsSymbols = gluesSymbols && json.model?.type === 'WordPiece';
  if (deleted.length === 0 && !splitsSymbols) return json;
  const adapted = { ...json };
  if (deleted.length > 0) {
    const pattern = `[${deleted.map((char) => `\\x{${char.charCodeAt(0).toString(16)}}`).join('')}]`;
    adapted.normalizer = inSequence('normalizers', { type: 'Replace', pattern: { Regex: pattern }, content: ' ' }, json.normalizer);
  }
  if (splitsSymbols) {
    adapted.pre_tokenizer = inSequence('pretokenizers', { type: 'Split', pattern: { Regex: SYMBOL_RUN }, behavior: 'Isolated', invert: false }, json.pre_tokenizer);
  }
  return adapted;
}

/**
 * A tokenizer with `json`'s normaliser and pre-tokenizer and a one-token vocabulary: what makes a
 * word is theirs alone, so the probes of {@link wordRevealing} read the same words from it as from
 * the model's tokenizer, without building the model's vocabulary a second time.
 */
function wordProbe(json: TokenizerJson): Tokenizer {
  const { normalizer, pre_tokenizer } = json;
  const model = { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' };
  return Tokenizer.fromString(JSON.stringify({ version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer, pre_tokenizer, post_processor: null, decoder: null, model }));
}

/**
 * `json` with offset trimming turned off in its post-processor. RoBERTa's (and
 * byte-level BPE's) post-processor trims the space a `Ġ` token's offsets take in; the binding's
 * `encode` already post-processes, and the engine post-processes each window again to add the
 * special tokens, which trimmed twice and cut a letter off each word. Spans are trimmed from the
 * text instead (words.ts), once.
 */
function untrimmed(json: TokenizerJson): TokenizerJson {
  const untrim = (processor: PostProcessorJson | null | undefined): PostProcessorJson | null | undefined => {
    if (!processor) return processor;
    if (processor.type === 'Sequence') return { ...processor, processors: processor.processors?.map((p) => untrim(p) as PostProcessorJson) };
    return processor.trim_offsets ? { ...processor, trim_offsets: false } : processor;
  };
  const processor = untrim(json.post_processor);
  return processor === json.post_processor ? json : { ...json, post_processor: processor };
}

/**
 * The parsed tokenizer.json, read once for the adaptations. A file that is not JSON is refused in
 * the library's words (they name the line and column), as it always was.
 */
async function readTokenizerJson(file: string): Promise<TokenizerJson> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as TokenizerJson;
  } catch (error) {
    Tokenizer.fromFile(file);
    throw error;
  }
}

/** The pieces that only mark a word start: SentencePiece's `▁` (the metaspace's replacement) and byte-level BPE's `Ġ`. */
function wordStartMarkers(json: TokenizerJson): string[] {
  const markers = new Set<string>();
  const visit = (step: PreTokenizerJson | null | undefined) => {
    if (!step) return;
    if (step.type === 'Metaspace') markers.add(step.replacement ?? step.str_rep ?? '\u2581');
    if (step.type === 'ByteLevel') markers.add('\u0120');
    step.pretokenizers?.forEach(visit);
  };
  visit(json.pre_tokenizer);
  return [...markers];
}

/** Whether every token of the encoding belongs to one word (the pre-tokenizer made one piece). */
function isOneWord(encoding: Encoding): boolean {
  const words = encoding.getWordIds();
  return words.length > 0 && words.every((word) => word === words[0]);
}

/** `first`, then the tokenizer's own step (if it has one), as a `Sequence` of the library's. */
function inSequence(key: 'normalizers' | 'pretokenizers', first: object, own: object | null | undefined): object {
  return own ? { type: 'Sequence', [key]: [first, own] } : first;
}
