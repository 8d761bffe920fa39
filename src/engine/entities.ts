import type { EntitiesParams, EntitiesResult, Entity, Span } from '../protocol';
import { lengthSortedBatches, padBatch, type BatchLimits } from './batching';
import { EngineError, throwIfCancelled } from './errors';
import type { LoadedModel } from './modelStore';
import { ResultCache } from './resultCache';
import { paragraphSpans } from './segment';
import type { TaskContext } from './task';
import type { TokenWindow } from './tokenizer';

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
 * Each paragraph is tokenized whole and covered by overlapping windows; every token takes its
 * label from the window where it is most central, so the windows merge into one labelling and an
 * entity crossing a window boundary is found once, whole. Word pieces are merged into words (a
 * word takes its first piece's label), and words into entities by their tags: B-/I- (IOB2),
 * I- alone (IOB1, where an entity may start with I-), and B-/I-/E-/S- (BIOES). An entity's score
 * is the mean of its tokens' probabilities; its offsets come from the tokenizer, so its text is the
 * document's own, in its own casing and accents, even with an uncased model.
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
  const keys = units.map((unit) => ResultCache.key(model.cacheKey, unit.text));
  const found: (ParagraphEntity[] | undefined)[] = keys.map((key) => cache.get(key));
  const todo = units.flatMap((_, i) => (found[i] ? [] : [i]));

  const windows = await model.tokenizer.windows(
    todo.map((i) => units[i].text),
    WINDOW_STRIDE,
  );
  // Each paragraph is cached as soon as its last window is through the model, so a request
  // cancelled by the next keystroke keeps what it finished.
  await labelTokens(model, windows, context, limits, (j, tokens) => {
    const unit = todo[j];
    found[unit] = decodeEntities(tokens, tags);
    cache.set(keys[unit], found[unit] as ParagraphEntity[]);
  });

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
  return { entities, paragraphsAnalysed: todo.length, paragraphsCached: units.length - todo.length };
}

/** The paragraphs to analyse: of the whole text, or of the given ranges (merged, clamped). */
function analysisUnits(text: string, ranges: EntitiesParams['ranges']): Span[] {
  if (!ranges) return paragraphSpans(text);
  const sorted = ranges
    .map(([start, end]): [number, number] => [Math.max(0, start), Math.min(text.length, end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged.flatMap(([start, end]) => paragraphSpans(text, start, end));
}

/** One token of a paragraph, labelled by the window that saw it best. */
interface LabelledToken {
  start: number;
  end: number;
  word: number;
  label: number;
  score: number;
  /** How much context the deciding window gave it (the smaller side); higher wins. */
  context: number;
}

/**
 * Runs all windows in length-sorted batches and merges each text's windows into one labelling,
 * handed to `onText` as soon as all of that text's windows are done.
 */
async function labelTokens(
  model: LoadedModel,
  windowsPerText: TokenWindow[][],
  context: TaskContext,
  limits: BatchLimits,
  onText: (text: number, tokens: LabelledToken[]) => void,
): Promise<void> {
  const flat = windowsPerText.flatMap((windows, text) => windows.map((window) => ({ window, text })));
  const tokens: LabelledToken[][] = windowsPerText.map(() => []);
  const windowsLeft = windowsPerText.map((windows) => windows.length);
  const batches = lengthSortedBatches(flat.map((w) => w.window.ids.length), limits);
  let done = 0;
  for (const batch of batches) {
    throwIfCancelled(context.signal);
    const padded = padBatch(batch.map((i) => flat[i].window.ids));
    const outputs = await model.run(padded);
    const logits = outputs.logits ?? outputs[model.outputNames()[0]];
    const [, sequence, labels] = logits.dims;
    const data = logits.data as Float32Array;
    batch.forEach((item, row) => {
      const { window, text } = flat[item];
      const content = window.contentTokens;
      let position = 0;
      for (let t = 0; t < window.ids.length; t++) {
        if (window.wordIds[t] < 0) continue;
        const [label, score] = argmaxSoftmax(data, (row * sequence + t) * labels, labels);
        const before = window.cutBefore ? position : Infinity;
        const after = window.cutAfter ? content - 1 - position : Infinity;
        const index = window.firstToken + position;
        const candidate: LabelledToken = {
          start: window.offsets[t][0],
          end: window.offsets[t][1],
          word: window.wordIds[t],
          label,
          score,
          context: Math.min(before, after),
        };
        const current = tokens[text][index];
        if (!current || candidate.context > current.context) tokens[text][index] = candidate;
        position++;
      }
      if (--windowsLeft[text] === 0) onText(text, tokens[text]);
    });
    done += batch.length;
    context.onProgress?.({ done, total: flat.length, message: `${done} of ${flat.length} passages` });
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
export function decodeEntities(tokens: readonly LabelledToken[], tags: readonly Tag[]): ParagraphEntity[] {
  const entities: ParagraphEntity[] = [];
  let current: { start: number; end: number; type: string; scores: number[] } | undefined;
  const close = () => {
    if (current) {
      const mean = current.scores.reduce((sum, s) => sum + s, 0) / current.scores.length;
      entities.push({ start: current.start, end: current.end, type: current.type, score: mean });
    }
    current = undefined;
  };
  for (let t = 0; t < tokens.length; ) {
    // A word: its first piece's tag, all its pieces' scores and its full extent.
    const first = tokens[t];
    const tag = tags[first.label];
    const scores = [first.score];
    let end = first.end;
    let next = t + 1;
    for (; next < tokens.length && tokens[next].word === first.word; next++) {
      scores.push(tokens[next].score);
      end = tokens[next].end;
    }
    t = next;

    if (tag.position === 'O') {
      close();
      continue;
    }
    const continues = current && current.type === tag.type && (tag.position === 'I' || tag.position === 'E');
    if (!continues) {
      close();
      current = { start: first.start, end, type: tag.type, scores };
    } else if (current) {
      current.end = end;
      current.scores.push(...scores);
    }
    if (tag.position === 'E' || tag.position === 'S') close();
  }
  close();
  return entities;
}
