import type { EntitiesParams, EntitiesResult, Entity, Span } from '../protocol';
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import type { ResultCache } from './resultCache';
import { paragraphSpans } from './segment';
import type { TaskContext } from './task';
import type { TokenWindow } from './tokenizer';
import { inChunks, uncachedUnits, unitWindows, WindowProgress, type UnitWindow } from './windowStream';
import { disjointRanges } from '../ranges';

/** An entity found in one paragraph, with offsets into that paragraph; cached by paragraph text. */
export interface ParagraphEntity {
  start: number;
  end: number;
  type: string;
  score: number;
}

/**
 * Tokens shared by neighbouring windows of a paragraph longer than the model's maximum length.
 * Each token is judged by the window in which it has the most context on both sides, so an entity
 * near one window's edge is read from the next window, where it sits well inside.
 */
const WINDOW_STRIDE = 128;

/**
 * Named entities, paragraph by paragraph.
 *
 * Each paragraph is covered by overlapping windows; every token takes its label from the window
 * where it is most central, so the windows merge into one labelling and an entity crossing a
 * window boundary is found once, whole. Word pieces are merged into words (a word takes its first
 * piece's label), and words into entities by their tags: B-/I- (IOB2), I- alone (IOB1, where an
 * entity may start with I-), and B-/I-/E-/S- (BIOES). An entity's score is the mean of its tokens'
 * probabilities; its offsets come from the tokenizer, so its text is the document's own, in its
 * own casing and accents, even with an uncased model.
 *
 * Paragraphs are tokenized a chunk at a time, just before their batches, and a very long one piece
 * by piece, its tokens decoded into entities as soon as no later window can change their labels
 * (windowStream.ts): a request's memory is that of its entities and one chunk.
 *
 * Paragraphs are cached by text: after an edit only the paragraphs that changed reach the model.
 */
export async function entitySpans(
  model: LoadedModel,
  params: EntitiesParams,
  cache: ResultCache<ParagraphEntity[]>,
  context: TaskContext,
  limits: BatchLimits,
): Promise<Pick<EntitiesResult, 'entities' | 'paragraphsAnalysed' | 'paragraphsCached'>> {
  const { text, minScore } = params;
  const offset = params.offset ?? 0;
  const units = analysisUnits(text, params.ranges);
  const tags = entityTags(model);
  const found: (ParagraphEntity[] | undefined)[] = new Array(units.length);
  const keys = new Map<number, string>();
  let cached = 0;
  // The paragraphs the cache does not know, looked up as the tokenizer reaches them.
  const uncached = uncachedUnits(cache, model.cacheKey, units.length, (i) => ({ unit: i, text: units[i].text, end: units[i].end }), keys, (i, known) => {
    found[i] = known;
    cached++;
  }, context.signal);

  const labelling = new Map<number, ParagraphLabels>();
  const progress = new WindowProgress(text.length);
  const windows = unitWindows(model.tokenizer, uncached, WINDOW_STRIDE, model.cuts, context.signal);
  for await (const chunk of inChunks(windows, (w) => w.window.ids.length)) {
    progress.chunk(chunk.items.length, chunk.items.at(-1)?.read ?? 0, chunk.more);
    for (const item of chunk.items) {
      let labels = labelling.get(item.unit);
      if (!labels) labelling.set(item.unit, (labels = new ParagraphLabels(tags)));
      labels.expect(item);
    }
    // Each paragraph is cached as soon as its last window is through the model, so a request
    // cancelled by the next keystroke keeps what it finished.
    await labelTokens(model, chunk.items, labelling, context, limits, progress, (unit, entities) => {
      found[unit] = entities;
      cache.set(keys.get(unit) as string, entities);
      keys.delete(unit);
      labelling.delete(unit);
    });
    for (const labels of labelling.values()) labels.settle();
  }

  const entities: Entity[] = units.flatMap((unit, i) =>
    (found[i] as ParagraphEntity[])
      .filter((e) => e.score >= minScore)
      .map((e) => ({
        start: unit.start + e.start + offset,
        end: unit.start + e.end + offset,
        text: text.slice(unit.start + e.start, unit.start + e.end),
        type: e.type,
        score: e.score,
      })),
  );
  return { entities, paragraphsAnalysed: units.length - cached, paragraphsCached: cached };
}

/** The paragraphs to analyse: of the whole text, or of the given ranges (merged, clamped). */
function analysisUnits(text: string, ranges: EntitiesParams['ranges']): Span[] {
  if (!ranges) return paragraphSpans(text);
  return disjointRanges(ranges, text.length).flatMap(([start, end]) => paragraphSpans(text, start, end));
}

/** A token of a paragraph as entities are decoded from it. */
export interface DecodedToken {
  start: number;
  end: number;
  word: number;
  label: number;
  score: number;
}

/** One token of a paragraph, labelled by the window that saw it best. */
interface LabelledToken extends DecodedToken {
  /** How much context the deciding window gave it (the smaller side); higher wins. */
  context: number;
  /** The deciding window's length and index among the paragraph's windows, for ties (see `better`). */
  windowLength: number;
  window: number;
}

/**
 * Whether `candidate` decides its token rather than `current`: more context wins; on a tie, the
 * window that went through the model first when all of a request's windows ran in one
 * length-sorted pass (the shorter, then the earlier), whatever the order they run in now.
 */
function better(candidate: LabelledToken, current: LabelledToken): boolean {
  if (candidate.context !== current.context) return candidate.context > current.context;
  return candidate.windowLength !== current.windowLength ? candidate.windowLength < current.windowLength : candidate.window < current.window;
}

/** The labelling of one paragraph while its windows go through the model. */
class ParagraphLabels {
  /** Tokens from index `base` on: those before are decoded. */
  private tokens: LabelledToken[] = [];
  private base = 0;
  /** Windows read but not yet through the model, and whether the last has been read. */
  private pending = 0;
  private lastRead = false;
  /** The first token of the latest window read: no later window reaches before it. */
  private settled = 0;
  private readonly decoder: EntityDecoder;

  constructor(tags: readonly Tag[]) {
    this.decoder = new EntityDecoder(tags);
  }

  expect(item: UnitWindow<TokenWindow>): void {
    this.pending++;
    this.lastRead ||= item.last;
    this.settled = item.window.firstToken;
  }

  offer(index: number, candidate: LabelledToken): void {
    const current = this.tokens[index - this.base];
    if (!current || better(candidate, current)) this.tokens[index - this.base] = candidate;
  }

  /** One of its windows is through the model; true when it was the paragraph's last. */
  windowDone(): boolean {
    return --this.pending === 0 && this.lastRead;
  }

  /** Decodes the tokens that no window to come can change (those before the latest window's). */
  settle(): void {
    const count = this.settled - this.base;
    if (count <= 0) return;
    for (const token of this.tokens.slice(0, count)) this.decoder.push(token);
    this.tokens = this.tokens.slice(count);
    this.base = this.settled;
  }

  entities(): ParagraphEntity[] {
    for (const token of this.tokens) this.decoder.push(token);
    return this.decoder.finish();
  }
}

/**
 * Runs a chunk's windows in length-sorted batches, each token offered to its paragraph's
 * labelling; `onParagraph` gets a paragraph's entities as soon as all of its windows are done.
 */
async function labelTokens(
  model: LoadedModel,
  items: readonly UnitWindow<TokenWindow>[],
  labelling: ReadonlyMap<number, ParagraphLabels>,
  context: TaskContext,
  limits: BatchLimits,
  progress: WindowProgress,
  onParagraph: (unit: number, entities: ParagraphEntity[]) => void,
): Promise<void> {
  for (const batch of lengthSortedBatches(items.map((w) => w.window.ids.length), limits)) {
    throwIfCancelled(context.signal);
    const padded = padBatch(batch.map((i) => items[i].window.ids));
    const outputs = await model.run(padded);
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    const [, sequence, labels] = logits.dims;
    const data = logits.data as Float32Array;
    batch.forEach((item, row) => {
      const { window, unit, index: windowIndex } = items[item];
      const paragraph = labelling.get(unit) as ParagraphLabels;
      const content = window.contentTokens;
      let position = 0;
      for (let t = 0; t < window.ids.length; t++) {
        if (window.wordIds[t] < 0) continue;
        const [label, score] = argmaxSoftmax(data, (row * sequence + t) * labels, labels);
        const before = window.cutBefore ? position : Infinity;
        const after = window.cutAfter ? content - 1 - position : Infinity;
        paragraph.offer(window.firstToken + position, {
          start: window.offsets[t][0],
          end: window.offsets[t][1],
          word: window.wordIds[t],
          label,
          score,
          context: Math.min(before, after),
          windowLength: window.ids.length,
          window: windowIndex,
        });
        position++;
      }
      if (paragraph.windowDone()) onParagraph(unit, paragraph.entities());
    });
    progress.done += batch.length;
    const { done, total } = progress;
    context.onProgress?.({ done, total, message: `${done} of ${total} passages` });
  }
}

function argmaxSoftmax(data: Float32Array, base: number, labels: number): [number, number] {
  let best = 0;
  for (let k = 1; k < labels; k++) if (data[base + k] > data[base + best]) best = k;
  let total = 0;
  for (let k = 0; k < labels; k++) total += Math.exp(data[base + k] - data[base + best]);
  return [best, 1 / total];
}

/** A label of the model's scheme, split into its position tag and entity type. */
interface Tag {
  position: 'B' | 'I' | 'E' | 'S' | 'O';
  type: string;
}

/** Reads the model's labels: `O`, and `B-PER`, `I-PER`, `E-PER`, `S-PER` (or `_` separators, or a bare `PER`). */
export function entityTags(model: { config: { id2label: string[] }; info: { id: string } }): Tag[] {
  const tags = model.config.id2label.map((label): Tag => {
    if (/^o$/i.test(label)) return { position: 'O', type: '' };
    const match = /^([BIES])[-_](.+)$/i.exec(label);
    return match ? { position: match[1].toUpperCase() as Tag['position'], type: match[2] } : { position: 'I', type: label };
  });
  if (!tags.some((tag) => tag.position === 'O')) {
    throw new EngineError('model-corrupt', `The entities model ${model.info.id} has no "O" label (labels: ${model.config.id2label.join(', ')}); it is not a token-classification model.`);
  }
  return tags;
}

/** Merges word pieces into words and words into entities, following the tags. */
export function decodeEntities(tokens: readonly DecodedToken[], tags: readonly Tag[]): ParagraphEntity[] {
  const decoder = new EntityDecoder(tags);
  for (const token of tokens) decoder.push(token);
  return decoder.finish();
}

/**
 * {@link decodeEntities} a token at a time, in order: a word is complete when a token of another
 * word comes, an entity when a word that does not continue it does.
 */
class EntityDecoder {
  private readonly found: ParagraphEntity[] = [];
  /** The word being read: its first piece's tag decides it; all its pieces' scores count. */
  private word?: { first: DecodedToken; scores: number[]; end: number };
  private current?: { start: number; end: number; type: string; scores: number[] };

  constructor(private readonly tags: readonly Tag[]) {}

  push(token: DecodedToken): void {
    // A token that shows no character (a lone `▁` or a space, words.ts) neither starts nor ends
    // an entity; the reference pipeline skips it too (it decodes to nothing).
    if (token.start === token.end) return;
    if (this.word && token.word === this.word.first.word) {
      this.word.scores.push(token.score);
      this.word.end = token.end;
      return;
    }
    this.endWord();
    this.word = { first: token, scores: [token.score], end: token.end };
  }

  finish(): ParagraphEntity[] {
    this.endWord();
    this.close();
    return this.found;
  }

  private endWord(): void {
    const word = this.word;
    if (!word) return;
    this.word = undefined;
    const tag = this.tags[word.first.label];
    if (tag.position === 'O') {
      this.close();
      return;
    }
    const continues = this.current && this.current.type === tag.type && (tag.position === 'I' || tag.position === 'E');
    if (!continues) {
      this.close();
      this.current = { start: word.first.start, end: word.end, type: tag.type, scores: word.scores };
    } else if (this.current) {
      this.current.end = word.end;
      this.current.scores.push(...word.scores);
    }
    if (tag.position === 'E' || tag.position === 'S') this.close();
  }

  private close(): void {
    const current = this.current;
    if (current) {
      const mean = current.scores.reduce((sum, s) => sum + s, 0) / current.scores.length;
      this.found.push({ start: current.start, end: current.end, type: current.type, score: mean });
    }
    this.current = undefined;
  }
}
