import { Tokenizer, type Encoding } from 'tokenizers';
import { codePointToUtf16, coverTrailingMarks } from './unicode';
import { EngineError } from './errors';

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
    let parts: Encoding[] = [contextEncoding];
    const overlap = Math.min(stride, room - 1);
    if (contextEncoding.getLength() > room) {
      contextEncoding.truncate(room, overlap, 'right');
      parts = [contextEncoding, ...contextEncoding.getOverflowing()];
    }
    return parts.map((part) => {
      const processed = this.tokenizer.postProcess(questionEncoding, part, true);
      const special = processed.getSpecialTokensMask();
      const sequence = processed.getSequenceIds();
      const isContext = sequence.map((id, t) => id === 1 && !special[t]);
      const offsets = processed.getOffsets().map(([start, end], t): [number, number] => (isContext[t] ? [toUtf16(start), toUtf16(end)] : [-1, -1]));
      coverTrailingMarks(context, offsets);
      return {
        ids: processed.getIds(),
        typeIds: processed.getTypeIds(),
        offsets,
        wordIds: processed.getWordIds().map((word, t) => (isContext[t] && word != null ? word : -1)),
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
  ) {}

  static async load(file: string, maxLength: number): Promise<TextTokenizer> {
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.fromFile(file);
    } catch (error) {
      // The binding says "Error loading from file" and the parser's reason, run together.
      const reason = String((error as Error).message).replace(/^Error loading from file/, '');
      throw new EngineError('model-corrupt', `The tokenizer file ${file} is not a valid tokenizer.json (${reason}).`, { cause: error });
    }
    tokenizer.disableTruncation();
    tokenizer.disablePadding();
    const empty = await tokenizer.encode('', null, { addSpecialTokens: true });
    return new TextTokenizer(tokenizer, maxLength, empty.getLength());
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
      let parts: Encoding[] = [encoding];
      const overlap = Math.min(stride, room - 1);
      if (encoding.getLength() > room) {
        encoding.truncate(room, overlap, 'right');
        parts = [encoding, ...encoding.getOverflowing()];
      }
      return parts.map((part, w) => {
        const processed = this.tokenizer.postProcess(part, null, true);
        const special = processed.getSpecialTokensMask();
        const offsets = processed.getOffsets().map(([start, end], t): [number, number] =>
          special[t] ? [-1, -1] : [toUtf16(start), toUtf16(end)],
        );
        coverTrailingMarks(texts[i], offsets);
        const wordIds = processed.getWordIds().map((word, t) => (special[t] || word == null ? -1 : word));
        return {
          ids: processed.getIds(),
          offsets,
          wordIds,
          contentTokens: part.getLength(),
          // Each overflowing window starts `room - overlap` tokens after the one before it.
          firstToken: w * (room - overlap),
          cutBefore: w > 0,
          cutAfter: w < parts.length - 1,
        };
      });
    });
  }
}
