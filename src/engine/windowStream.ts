/**
 * Tokenizing a request a part at a time, so that its memory is bounded whatever the shape of its
 * text: each sentence, paragraph or section is tokenized only when the model is about to read it,
 * in chunks of about {@link CHUNK_TOKENS} tokens, and one longer than {@link LONG_TEXT} characters
 * is read piece by piece, where the tokenizer is known to split anyway. Tokenizing the whole
 * request before its first batch took 1–2.5 GB for 2,000,000 characters of short lines, and made
 * a cancellation wait for it.
 *
 * The windows are those that tokenizing each text whole gives (TextTokenizer.windows, pairWindows,
 * premiseHypothesisPairs): the same ids, offsets, word boundaries and overlaps, so no result moves.
 */
import { readFile } from 'node:fs/promises';
import { throwIfCancelled } from './errors';
import { ResultCache } from './resultCache';
import type { NliPair, PairWindow, TextTokenizer, TokenWindow } from './tokenizer';
import { coverTrailingMarks, EXTENDING, isLowSurrogate } from '../unicode';

/** A text longer than this is tokenized piece by piece (where its tokenizer allows), a shorter one whole. */
export const LONG_TEXT = 16_384;
/** Characters tokenized in one call: many short texts together, or many pieces of a long one. */
const CALL_CHARS = 131_072;
/**
 * About how long a piece of a long text is: short enough that a piece is, as a rule, one window of
 * the model (at most about 3 tokens a character, Hangul's jamo), so that no window edge inside a
 * piece widens a token over the marks after it (see TokenStream.push).
 */
const PIECE_CHARS = 120;
/** Tokens of windows read before they go through the model: a long document's memory is that of about this many. */
export const CHUNK_TOKENS = 65_536;

/**
 * Where a tokenizer never joins two characters into one token, so that a text cut there and
 * tokenized in pieces gives the tokens it gives whole. Known for BERT's pre-tokenizer, which splits
 * at white space and around every punctuation character, and BERT's normaliser, which also puts
 * space around CJK ideographs (`cjk`); `protect` lists the added tokens (`[CLS]`, `[MASK]`…),
 * matched in the text as they are, which must not be cut. Null for any other tokenizer: its texts
 * are tokenized whole, as before.
 */
export interface Cuts {
  cjk: boolean;
  protect: readonly string[];
  /** WordPiece's unknown token (`[UNK]`): what a word longer than its limit becomes, whole. */
  unknown?: string;
}

export interface TokenizerJson {
  added_tokens?: Array<{ content: string; lstrip?: boolean; rstrip?: boolean; single_word?: boolean }>;
  normalizer?: { type?: string; handle_chinese_chars?: boolean } | null;
  pre_tokenizer?: { type?: string; pretokenizers?: Array<{ type?: string }> } | null;
  model?: { type?: string; unk_token?: string };
}

/** Reads where the tokenizer of a tokenizer.json may be cut (see {@link Cuts}). */
export async function readCuts(file: string): Promise<Cuts | null> {
  let json: TokenizerJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as TokenizerJson;
  } catch {
    // Read by the tokenizer already, which says what is wrong with it; here it only means no cuts.
    return null;
  }
  return cutsOf(json);
}

/**
 * Where the tokenizer of a parsed tokenizer.json may be cut (see {@link Cuts}): TextTokenizer.load
 * reads it from the parse it makes anyway (a 250,000-piece vocabulary is not parsed twice).
 */
export function cutsOf(json: TokenizerJson): Cuts | null {
  const pre = json.pre_tokenizer;
  // A sequence only adds splits around BERT's.
  const bertSplits = pre?.type === 'BertPreTokenizer' || (pre?.type === 'Sequence' && (pre.pretokenizers ?? []).some((p) => p.type === 'BertPreTokenizer'));
  const normalizer = json.normalizer;
  if (!bertSplits || (normalizer && normalizer.type !== 'BertNormalizer')) return null;
  const added = json.added_tokens ?? [];
  // A token that takes the white space beside it, or only whole words, depends on more than its own characters.
  if (added.some((token) => token.lstrip || token.rstrip || token.single_word)) return null;
  return {
    cjk: normalizer?.type === 'BertNormalizer' && normalizer.handle_chinese_chars !== false,
    protect: added.map((token) => token.content.toLowerCase()),
    unknown: json.model?.type === 'WordPiece' ? json.model.unk_token : undefined,
  };
}

/** BERT's white space (after its normaliser, which deletes control characters such as form feed) and punctuation. */
const BERT_SPACE = /[\t\n\r\p{Zs}\u2028\u2029]/u;
const BERT_PUNCTUATION = /[!-/:-@[-`{-~\p{P}]/u;

function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

function splitsAround(char: string, cuts: Cuts): boolean {
  return BERT_SPACE.test(char) || BERT_PUNCTUATION.test(char) || (cuts.cjk && isCjk(char.charCodeAt(0)));
}

/** Whether `text` may be cut before index `at` (0 < at < length). */
function canCut(text: string, at: number, cuts: Cuts): boolean {
  const next = String.fromCodePoint(text.codePointAt(at) as number);
  if (isLowSurrogate(text.charCodeAt(at)) || EXTENDING.test(next)) return false;
  const previous = isLowSurrogate(text.charCodeAt(at - 1)) && at >= 2 ? text.slice(at - 2, at) : text[at - 1];
  if (!splitsAround(previous, cuts) && !splitsAround(next, cuts)) return false;
  return !cuts.protect.some((token) => {
    for (let k = 1; k < token.length; k++) if (at - k >= 0 && text.slice(at - k, at - k + token.length).toLowerCase() === token) return true;
    return false;
  });
}

/**
 * Where the piece of `text` from `from` ends: the last cut within {@link PIECE_CHARS}, else the
 * first after; undefined when there is none within {@link LONG_WORD} (see TokenStream.readLongWord).
 */
function pieceEnd(text: string, from: number, cuts: Cuts): number | undefined {
  const target = from + PIECE_CHARS;
  if (target >= text.length) return text.length;
  for (let at = target; at > from; at--) if (canCut(text, at, cuts)) return at;
  const limit = Math.min(text.length, from + LONG_WORD);
  for (let at = target + 1; at < limit; at++) if (canCut(text, at, cuts)) return at;
  return limit === text.length ? text.length : undefined;
}

/** Characters without a cut of ours after which a stretch is read as a long word (TokenStream.readLongWord). */
const LONG_WORD = 1024;
/** A long word is read in windows of this many characters. */
const WORD_WINDOW = 1024;
/**
 * Characters at each end of such a window where the tokenizer's word boundaries are not trusted:
 * what decides a boundary (a run of symbols, an added token such as `[MASK]`) is within this reach.
 */
const WORD_MARGIN = 32;

/** What BERT's normaliser deletes or strips (controls, format characters, marks) or reads as space. */
const NOT_KEPT = /[\p{C}\p{M}\p{White_Space}]/u;

/** The last character in (from, to] that BERT's normaliser keeps, or undefined. */
function lastKept(text: string, from: number, to: number): number | undefined {
  for (let at = Math.min(to, text.length - 1); at > from; at--) {
    if (isLowSurrogate(text.charCodeAt(at))) continue;
    if (!NOT_KEPT.test(String.fromCodePoint(text.codePointAt(at) as number))) return at;
  }
  return undefined;
}

/** `at`, or the next index if `at` is inside a surrogate pair. */
function charBoundary(text: string, at: number): number {
  return isLowSurrogate(text.charCodeAt(at)) ? at + 1 : at;
}

/**
 * The tokens of one text, read a call of pieces at a time and dropped once every window that needs
 * them is made: ids, UTF-16 offsets into the text, and word ids (-1: none), from index `base` on.
 */
class TokenStream {
  ids: number[] = [];
  starts: number[] = [];
  ends: number[] = [];
  words: number[] = [];
  /** Index, among the text's tokens, of ids[0]. */
  base = 0;
  done = false;
  /** The special tokens around a single sequence, from the first piece with a token. */
  prefix?: number[];
  suffix?: number[];
  /** The window of a piece without tokens: a text with none is this one window. */
  bare?: number[];
  private read = 0;
  private nextWord = 0;

  constructor(
    private readonly tokenizer: TextTokenizer,
    readonly text: string,
    /** Null: the text is one piece. */
    private readonly cuts: Cuts | null,
    private readonly signal?: AbortSignal,
  ) {}

  /** Index after the last token read so far. */
  get end(): number {
    return this.base + this.ids.length;
  }

  /** How far into the text the tokens read so far reach, in UTF-16 units. */
  get charsRead(): number {
    return this.read;
  }

  /** Reads until at least `count` tokens have been read, or the text ends. */
  async fill(count: number): Promise<void> {
    while (!this.done && this.end < count) await this.readPieces();
  }

  /** Forgets the tokens before index `index` (in large steps: each costs a copy of what is left). */
  drop(index: number): void {
    const n = index - this.base;
    if (n < 4096 || n * 2 < this.ids.length) return;
    for (const list of [this.ids, this.starts, this.ends, this.words]) list.splice(0, n);
    this.base = index;
  }

  /** A stream of a text already tokenized whole (its windows with stride 0). */
  static of(tokenizer: TextTokenizer, text: string, windows: readonly TokenWindow[]): TokenStream {
    const stream = new TokenStream(tokenizer, text, null);
    stream.append(windows, 0);
    stream.read = text.length;
    stream.done = true;
    return stream;
  }

  private async readPieces(): Promise<void> {
    throwIfCancelled(this.signal);
    const pieces: Array<[number, number]> = [];
    let longWord = false;
    for (let chars = 0; this.read < this.text.length && chars < CALL_CHARS; ) {
      const to = this.cuts ? pieceEnd(this.text, this.read, this.cuts) : this.text.length;
      if (to === undefined) {
        longWord = true;
        break;
      }
      pieces.push([this.read, to]);
      chars += to - this.read;
      this.read = to;
    }
    if (pieces.length > 0 || !longWord) await this.tokenize(pieces.length > 0 ? pieces : [[0, 0]]);
    if (longWord) await this.readLongWord(this.read);
    this.done = this.read >= this.text.length;
  }

  private async tokenize(pieces: ReadonlyArray<[number, number]>): Promise<void> {
    const windows = await this.tokenizer.windows(
      pieces.map(([from, to]) => this.text.slice(from, to)),
      0,
    );
    windows.forEach((pieceWindows, i) => this.append(pieceWindows, pieces[i][0]));
  }

  /**
   * Reads a stretch with no cut of ours in its first {@link LONG_WORD} characters: a word of an
   * unknown length (a run of letters, emoji or Hangul with no space) whose tokens depend on all of
   * it, or words that only the tokenizer tells apart (where it splits symbols from letters). A
   * window of it is tokenized to find where a word starts: a piece ends there. A first word longer
   * than its window is one unknown token, as WordPiece makes any word longer than its limit (100
   * characters): the token is made here, spanning the word, which is followed window by window,
   * each starting on a character of it that the normaliser keeps (so that the tokenizer sees the
   * word go on), until one shows the next word. Otherwise (a word of thousands of characters that
   * the normaliser mostly deletes), the stretch is tokenized whole.
   */
  private async readLongWord(from: number): Promise<void> {
    const unknown = await this.unknownId();
    let word: { start: number; end: number } | undefined;
    for (let at = from, size = WORD_WINDOW; ; ) {
      throwIfCancelled(this.signal);
      const end = charBoundary(this.text, Math.min(this.text.length, at + size));
      const [[window]] = await this.tokenizer.windows([this.text.slice(at, end)], 0);
      const tokens = contentTokens(window, at);
      const atEnd = end >= this.text.length;
      // Where the whole text would start a word too: after the window's first token, away from its end.
      const trusted = atEnd ? this.text.length : end - WORD_MARGIN;
      const starts = tokens.filter((token, i) => i > 0 && token.word !== tokens[i - 1].word && token.start <= trusted && !EXTENDING.test(this.text[token.start]));
      const next = starts[0];
      if (!word) {
        if (next) return this.readPiece(from, starts[starts.length - 1].start);
        if (tokens.length !== 1 || tokens[0].id !== unknown) return this.readPiece(from, this.nextCut(from));
        this.learnSpecials(window);
        word = { start: tokens[0].start, end: tokens[0].end };
      } else {
        word.end = tokens.filter((token) => !next || token.start < next.start).at(-1)?.end ?? word.end;
      }
      if (next || atEnd) {
        this.push(unknown as number, word.start, word.end, this.nextWord++);
        this.read = next?.start ?? this.text.length;
        return;
      }
      // The next window starts on a character the normaliser keeps, inside the word's trusted part.
      const kept = lastKept(this.text, at, trusted);
      if (kept === undefined) size *= 2;
      else {
        at = kept;
        size = WORD_WINDOW;
      }
    }
  }

  /** Reads [from, to) as one piece. */
  private async readPiece(from: number, to: number): Promise<void> {
    await this.tokenize([[from, to]]);
    this.read = to;
  }

  /** The next cut after `from`, or the text's end. */
  private nextCut(from: number): number {
    for (let at = from + 1; at < this.text.length; at++) if (canCut(this.text, at, this.cuts as Cuts)) return at;
    return this.text.length;
  }

  private unknownToken?: Promise<number | undefined>;

  /** The id of the unknown token, read by tokenizing its name (an added token, matched as it is). */
  private unknownId(): Promise<number | undefined> {
    const name = this.cuts?.unknown;
    return (this.unknownToken ??= name
      ? this.tokenizer.windows([name], 0).then(([[window]]) => {
          const ids = contentTokens(window, 0);
          return ids.length === 1 ? ids[0].id : undefined;
        })
      : Promise.resolve(undefined));
  }

  private learnSpecials(window: TokenWindow): void {
    if (this.prefix) return;
    const content = window.offsets.flatMap(([start], t) => (start >= 0 ? [t] : []));
    if (content.length === 0) return;
    this.prefix = window.ids.slice(0, content[0]);
    this.suffix = window.ids.slice(content[content.length - 1] + 1);
  }

  private push(id: number, start: number, end: number, word: number): void {
    // A window's last token is widened over the marks after it up to the window's end, not
    // only to the next token's start (coverTrailingMarks): where a piece made more than one
    // window (a stretch that only the tokenizer splits, as letters and emoji in turn), take
    // that back. Tokens overlap otherwise only on a character that is no mark (Hangul's jamo).
    const previous = this.ids.length - 1;
    if (previous >= 0 && this.ends[previous] > start && EXTENDING.test(this.text.slice(start, this.ends[previous]))) this.ends[previous] = start;
    this.ids.push(id);
    this.starts.push(start);
    this.ends.push(end);
    this.words.push(word);
  }

  private append(windows: readonly TokenWindow[], from: number): void {
    let lastWord = -1;
    for (const window of windows) {
      const tokens = contentTokens(window, from);
      if (tokens.length === 0) this.bare ??= window.ids;
      else this.learnSpecials(window);
      for (const token of tokens) {
        this.push(token.id, token.start, token.end, token.word < 0 ? -1 : this.nextWord + token.word);
        lastWord = Math.max(lastWord, token.word);
      }
    }
    this.nextWord += lastWord + 1;
  }
}

/** The tokens of a window that are not special tokens, with offsets shifted by `from`. */
function contentTokens(window: TokenWindow, from: number): Array<{ id: number; start: number; end: number; word: number }> {
  return window.offsets.flatMap(([start, end], t) => (start >= 0 ? [{ id: window.ids[t], start: from + start, end: from + end, word: window.wordIds[t] }] : []));
}

/**
 * The windows of a stream, as Encoding.truncate(room, overlap) makes them: each `room` tokens,
 * starting `room - overlap` after the one before, the last reaching the end. `make` builds a window
 * from tokens [from, to) of the stream.
 */
async function* slidingWindows<W>(
  stream: TokenStream,
  room: number,
  overlap: number,
  make: (from: number, to: number, index: number, last: boolean) => W,
): AsyncGenerator<W> {
  const step = room - overlap;
  for (let index = 0; ; index++) {
    const from = index * step;
    // One token more than the window, to know whether another follows.
    await stream.fill(from + room + 1);
    const to = Math.min(from + room, stream.end);
    const last = stream.done && to === stream.end;
    yield make(from, to, index, last);
    if (last) return;
    stream.drop(from + step);
  }
}

/** Tokens [from, to) of the stream: ids, offsets and words. */
function tokensOf(stream: TokenStream, from: number, to: number): { ids: number[]; offsets: Array<[number, number]>; words: number[] } {
  const a = from - stream.base;
  const b = to - stream.base;
  const offsets = stream.starts.slice(a, b).map((start, i): [number, number] => [start, stream.ends[a + i]]);
  // The last token of a window is widened over the marks after it (as the tokenizer's windows are).
  if (offsets.length > 0) widenOverMarks(stream.text, offsets[offsets.length - 1]);
  return { ids: stream.ids.slice(a, b), offsets, words: stream.words.slice(a, b) };
}

/** Widens one token's end over the marks after it, looking at only as much of the text as that takes. */
function widenOverMarks(text: string, offset: [number, number]): void {
  const [start, end] = offset;
  for (let extra = 64; ; extra *= 2) {
    const to = Math.min(text.length, end + extra);
    const local: Array<[number, number]> = [[0, end - start]];
    coverTrailingMarks(text.slice(start, to), local);
    const widened = start + local[0][1];
    if (widened < to || to === text.length) {
      offset[1] = widened;
      return;
    }
  }
}

const SPECIAL: [number, number] = [-1, -1];
const specials = (n: number) => Array.from({ length: n }, (): [number, number] => [...SPECIAL]);
const repeat = (value: number, n: number) => new Array<number>(n).fill(value);

/** The windows of one text, as `tokenizer.windows([text], stride)[0]` gives them, read piece by piece. */
export async function* streamedWindows(tokenizer: TextTokenizer, text: string, stride: number, cuts: Cuts, signal?: AbortSignal): AsyncGenerator<TokenWindow> {
  const stream = new TokenStream(tokenizer, text, cuts, signal);
  const room = tokenizer.maxLength - tokenizer.specialTokens;
  yield* slidingWindows(stream, room, Math.min(stride, room - 1), (from, to, index, last): TokenWindow => {
    const { prefix = stream.bare ?? [], suffix = [] } = stream;
    const tokens = tokensOf(stream, from, to);
    return {
      ids: [...prefix, ...tokens.ids, ...suffix],
      offsets: [...specials(prefix.length), ...tokens.offsets, ...specials(suffix.length)],
      wordIds: [...repeat(-1, prefix.length), ...tokens.words, ...repeat(-1, suffix.length)],
      contentTokens: to - from,
      firstToken: from,
      cutBefore: index > 0,
      cutAfter: !last,
    };
  });
}

/**
 * The question-answering windows of a context, as `tokenizer.pairWindows` gives them, read piece
 * by piece. The question's part of every window comes from one window of a one-letter context
 * (which also checks the question, as pairWindows does); undefined when that has no context token.
 */
export async function streamedPairWindows(
  tokenizer: TextTokenizer,
  question: string,
  context: string,
  stride: number,
  maxQuestionTokens: number,
  cuts: Cuts,
  signal?: AbortSignal,
): Promise<AsyncGenerator<PairWindow> | undefined> {
  const [probe] = await tokenizer.pairWindows(question, 'a', stride, maxQuestionTokens);
  const first = probe.isContext.indexOf(true);
  const last = probe.isContext.lastIndexOf(true);
  if (first < 0) return undefined;
  const before = { ids: probe.ids.slice(0, first), types: probe.typeIds.slice(0, first) };
  const after = { ids: probe.ids.slice(last + 1), types: probe.typeIds.slice(last + 1) };
  const contextType = probe.typeIds[first];
  const room = tokenizer.maxLength - before.ids.length - after.ids.length;
  const stream = new TokenStream(tokenizer, context, cuts, signal);
  return slidingWindows(stream, room, Math.min(stride, room - 1), (from, to): PairWindow => {
    const tokens = tokensOf(stream, from, to);
    const n = to - from;
    const outside = (list: readonly number[], value: number) => repeat(value, list.length);
    return {
      ids: [...before.ids, ...tokens.ids, ...after.ids],
      typeIds: [...before.types, ...repeat(contextType, n), ...after.types],
      offsets: [...specials(before.ids.length), ...tokens.offsets, ...specials(after.ids.length)],
      wordIds: [...outside(before.ids, -1), ...tokens.words, ...outside(after.ids, -1)],
      isContext: [...before.ids.map(() => false), ...new Array<boolean>(n).fill(true), ...after.ids.map(() => false)],
    };
  });
}

/** How each hypothesis goes around a stretch of the premise: ids and segment ids before and after it. */
export interface NliLayout {
  room: number;
  labels: Array<{ before: number[]; beforeTypes: number[]; premiseType: number; after: number[]; afterTypes: number[] }>;
}

/**
 * The layout of premise/hypothesis pairs, read from the pairs of a one-letter premise (which also
 * checks the hypotheses, as premiseHypothesisPairs does); undefined where that premise has no token.
 */
export async function nliLayout(tokenizer: TextTokenizer, hypotheses: readonly string[], stride: number): Promise<NliLayout | undefined> {
  const probe = 'a';
  const pairs = await tokenizer.premiseHypothesisPairs(probe, hypotheses, stride);
  const [[window]] = await tokenizer.windows([probe], 0);
  const premise = window.ids.filter((_, t) => window.offsets[t][0] >= 0);
  if (premise.length === 0) return undefined;
  const labels: NliLayout['labels'] = [];
  let longest = 0;
  for (const pair of pairs) {
    const at = pair.ids.findIndex((_, i) => premise.every((id, k) => pair.ids[i + k] === id));
    if (at < 0) return undefined;
    const end = at + premise.length;
    labels[pair.label] = { before: pair.ids.slice(0, at), beforeTypes: pair.typeIds.slice(0, at), premiseType: pair.typeIds[at], after: pair.ids.slice(end), afterTypes: pair.typeIds.slice(end) };
    longest = Math.max(longest, pair.ids.length - premise.length);
  }
  return { room: tokenizer.maxLength - longest, labels };
}

/** The pairs of one stretch of a premise with every hypothesis, as premiseHypothesisPairs makes them. */
function stretchPairs(layout: NliLayout, ids: readonly number[], window: number): NliPair[] {
  return layout.labels.map((label, index) => ({
    ids: [...label.before, ...ids, ...label.after],
    typeIds: [...label.beforeTypes, ...repeat(label.premiseType, ids.length), ...label.afterTypes],
    window,
    label: index,
    premiseTokens: ids.length,
  }));
}

/** One text to be tokenized: its index among the request's texts and where it ends in the request. */
export interface Unit {
  unit: number;
  text: string;
  /** Where the text ends in the request's text: how far the request has been read once it is. */
  end: number;
}

/** A window of a unit, with where it stands among the unit's windows. */
export interface UnitWindow<W> {
  unit: number;
  /** Its index among the unit's windows. */
  index: number;
  window: W;
  /** The unit's last window. */
  last: boolean;
  /** How far into the request's text the tokens read so far reach. */
  read: number;
}

/**
 * The windows of each unit, in order: short units tokenized many at a time, as
 * `tokenizer.windows` gives them; a long one piece by piece where its tokenizer allows (else whole).
 */
export async function* unitWindows(
  tokenizer: TextTokenizer,
  units: AsyncIterable<Unit> | Iterable<Unit>,
  stride: number,
  cuts: Cuts | null,
  signal?: AbortSignal,
): AsyncGenerator<UnitWindow<TokenWindow>> {
  for await (const group of groups(units, cuts)) {
    const { long } = group;
    if (long) {
      const offset = long.end - long.text.length;
      let previous: TokenWindow | undefined;
      let index = 0;
      // One window behind, to know which is the last.
      for await (const window of streamedWindows(tokenizer, long.text, stride, cuts as Cuts, signal)) {
        if (previous) yield { unit: long.unit, index: index++, window: previous, last: false, read: offset + lastEnd(previous) };
        previous = window;
      }
      if (previous) yield { unit: long.unit, index, window: previous, last: true, read: long.end };
      continue;
    }
    throwIfCancelled(signal);
    const windows = await tokenizer.windows(
      group.short.map((unit) => unit.text),
      stride,
    );
    const read = group.short[group.short.length - 1].end;
    for (const [i, unit] of group.short.entries()) {
      for (const [index, window] of windows[i].entries()) yield { unit: unit.unit, index, window, last: index === windows[i].length - 1, read };
    }
  }
}

function lastEnd(window: TokenWindow): number {
  for (let t = window.offsets.length - 1; t >= 0; t--) if (window.offsets[t][0] >= 0) return window.offsets[t][1];
  return 0;
}

/** The stretches of each premise paired with every hypothesis, as premiseHypothesisPairs makes them, in order. */
export async function* unitStretches(
  tokenizer: TextTokenizer,
  layout: NliLayout,
  units: AsyncIterable<Unit> | Iterable<Unit>,
  stride: number,
  cuts: Cuts | null,
  signal?: AbortSignal,
): AsyncGenerator<UnitWindow<NliPair[]>> {
  const overlap = Math.min(stride, layout.room - 1);
  async function* stretches(unit: Unit, stream: TokenStream): AsyncGenerator<UnitWindow<NliPair[]>> {
    const offset = unit.end - unit.text.length;
    yield* slidingWindows(stream, layout.room, overlap, (from, to, index, last): UnitWindow<NliPair[]> => ({
      unit: unit.unit,
      index,
      window: stretchPairs(layout, stream.ids.slice(from - stream.base, to - stream.base), index),
      last,
      read: last ? unit.end : offset + stream.charsRead,
    }));
  }
  for await (const group of groups(units, cuts)) {
    if (group.long) {
      yield* stretches(group.long, new TokenStream(tokenizer, group.long.text, cuts, signal));
      continue;
    }
    throwIfCancelled(signal);
    const windows = await tokenizer.windows(
      group.short.map((unit) => unit.text),
      0,
    );
    for (const [i, unit] of group.short.entries()) yield* stretches(unit, TokenStream.of(tokenizer, unit.text, windows[i]));
  }
}

/**
 * Units in the order given, as calls of the tokenizer: consecutive short ones together (about
 * {@link CALL_CHARS} characters), a long one alone (tokenized piece by piece where `cuts` allow).
 */
async function* groups(units: AsyncIterable<Unit> | Iterable<Unit>, cuts: Cuts | null): AsyncGenerator<{ short: Unit[]; long?: undefined } | { long: Unit; short?: undefined }> {
  let short: Unit[] = [];
  let chars = 0;
  for await (const unit of units) {
    if (unit.text.length > LONG_TEXT && cuts) {
      if (short.length > 0) yield { short };
      short = [];
      chars = 0;
      yield { long: unit };
      continue;
    }
    short.push(unit);
    chars += unit.text.length;
    if (chars >= CALL_CHARS) {
      yield { short };
      short = [];
      chars = 0;
    }
  }
  if (short.length > 0) yield { short };
}

/**
 * Units 0 to count - 1 (`unitAt`) whose result `cache` does not hold, looked up as the tokenizer
 * reaches them, letting a cancellation in now and then: `hit` is told each result the cache
 * holds; `keys` gets the key of each other unit, to keep its result under once it is made.
 */
export async function* uncachedUnits<T>(
  cache: ResultCache<T>,
  cacheKey: string,
  count: number,
  unitAt: (unit: number) => Unit,
  keys: Map<number, string>,
  hit: (unit: number, value: T) => void,
  signal?: AbortSignal,
): AsyncGenerator<Unit> {
  const pause = pauses(signal);
  for (let i = 0; i < count; i++) {
    await pause();
    const unit = unitAt(i);
    const key = ResultCache.key(cacheKey, unit.text);
    const known = cache.get(key);
    if (known !== undefined) {
      hit(i, known);
      continue;
    }
    keys.set(i, key);
    yield unit;
  }
}

/** How often a long loop of a request lets the event loop run, so that a cancellation reaches it. */
const PAUSE_MS = 20;

/**
 * For a loop that may run long without waiting on anything (millions of sentences answered from
 * the cache, or segmented): call it on each step; now and then it lets the event loop run, where
 * a cancel message comes in, and throws if the request was cancelled.
 */
export function pauses(signal: AbortSignal | undefined, stepsPerLook = 256): () => Promise<void> | undefined {
  let since = performance.now();
  let steps = 0;
  return () => {
    // The clock is read every `stepsPerLook` steps: a step can be as short as one cache lookup.
    if (++steps % stepsPerLook !== 0 || performance.now() - since < PAUSE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      since = performance.now();
      throwIfCancelled(signal);
    });
  };
}

/** Gathers items into chunks of about `budget` tokens (each item's `tokens`); `more` is false for the last chunk. */
export async function* inChunks<T>(items: AsyncIterable<T> | Iterable<T>, tokens: (item: T) => number, budget = CHUNK_TOKENS): AsyncGenerator<{ items: T[]; more: boolean }> {
  let chunk: T[] = [];
  let size = 0;
  for await (const item of items) {
    if (size >= budget) {
      yield { items: chunk, more: true };
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += tokens(item);
  }
  yield { items: chunk, more: false };
}

/**
 * Progress over windows whose number is known only once the whole text is read: until then the
 * total is estimated from the part read so far (windows per character), never below what is done.
 */
export class WindowProgress {
  private seen = 0;
  private read = 0;
  private complete = false;
  done = 0;

  constructor(private readonly length: number) {}

  /** A chunk of `windows` more was read, up to `read` characters into the text; `more`: others follow. */
  chunk(windows: number, read: number, more: boolean): void {
    this.seen += windows;
    this.read = Math.max(this.read, read);
    this.complete = !more;
  }

  get total(): number {
    if (this.complete || this.read <= 0) return Math.max(this.seen, this.done);
    return Math.max(this.done, this.seen, Math.round((this.seen * this.length) / this.read));
  }
}
