/**
 * The standard metrics, computed as the reference scripts compute them so that published numbers
 * can be reproduced: SQuAD v1.1's evaluate-v1.1.py (exact match and token F1 after its answer
 * normalisation) and CoNLL's conlleval (entity-level precision, recall and F1). Pure functions.
 */

/** Percentage of `right` in `total`; 0 when there is nothing to count. */
export function percent(right: number, total: number): number {
  return total === 0 ? 0 : (100 * right) / total;
}

// ---------------------------------------------------------------------------------------------
// SQuAD v1.1

const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
/** Python's `\b(a|an|the)\b` on str: word characters are Unicode letters, digits and `_`. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/**
 * The official SQuAD answer normalisation: lower case, drop (ASCII) punctuation, drop the
 * articles a/an/the, collapse whitespace — in that order, as evaluate-v1.1.py does it.
 */
export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase();
  const noPunctuation = lower.replace(ASCII_PUNCTUATION, '');
  const noArticles = noPunctuation.replace(ARTICLES, ' ');
  return noArticles.split(/\s+/).filter(Boolean).join(' ');
}

export function exactMatch(prediction: string, gold: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(gold);
}

/** Token-level F1 between normalised answers (0 when they share no token, as the script says). */
export function tokenF1(prediction: string, gold: string): number {
  const predicted = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const expected = normalizeAnswer(gold).split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      same++;
      counts.set(token, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/** EM and F1 (×100) over questions, each scored against the best of its gold answers. */
export function squadScores(items: Array<{ prediction: string; answers: string[] }>): { exactMatch: number; f1: number } {
  let em = 0;
  let f1 = 0;
  for (const { prediction, answers } of items) {
    em += Math.max(0, ...answers.map((gold) => (exactMatch(prediction, gold) ? 1 : 0)));
    f1 += Math.max(0, ...answers.map((gold) => tokenF1(prediction, gold)));
  }
  return { exactMatch: percent(em, items.length), f1: percent(f1, items.length) };
}

// ---------------------------------------------------------------------------------------------
// CoNLL entity spans

/** An entity as conlleval counts it: its type and its first and last token (inclusive). */
export interface TokenSpan {
  type: string;
  first: number;
  last: number;
}

function splitTag(tag: string): { prefix: string; type: string } {
  const dash = tag.indexOf('-');
  return dash < 0 ? { prefix: tag, type: '' } : { prefix: tag.slice(0, dash), type: tag.slice(dash + 1) };
}

/**
 * The entities a tag sequence marks, by conlleval's rules, which read IOB1 and IOB2 alike: an
 * entity starts at a B-, or at an I- after O or after another type; it ends before an O, a B-,
 * or a tag of another type.
 */
export function entitySpans(tags: readonly string[]): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let open: TokenSpan | undefined;
  let previous = { prefix: 'O', type: '' };
  tags.forEach((tag, index) => {
    const current = splitTag(tag);
    const starts =
      current.prefix === 'B' || (current.prefix === 'I' && (previous.prefix === 'O' || previous.type !== current.type));
    if (open && (current.prefix === 'O' || starts)) {
      spans.push(open);
      open = undefined;
    }
    if (starts) open = { type: current.type, first: index, last: index };
    else if (open) open.last = index;
    previous = current;
  });
  if (open) spans.push(open);
  return spans;
}

/** Counts for one entity type, or for all: gold entities, predicted ones, and predicted ones that are right. */
export interface EntityCounts {
  gold: number;
  predicted: number;
  correct: number;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/** A prediction is correct when a gold entity has the same type, first token and last token. */
export function countEntities(sentences: Array<{ gold: TokenSpan[]; predicted: TokenSpan[] }>): { overall: EntityCounts; byType: Map<string, EntityCounts> } {
  const overall: EntityCounts = { gold: 0, predicted: 0, correct: 0 };
  const byType = new Map<string, EntityCounts>();
  const countsOf = (type: string) => {
    let counts = byType.get(type);
    if (!counts) byType.set(type, (counts = { gold: 0, predicted: 0, correct: 0 }));
    return counts;
  };
  const key = ({ type, first, last }: TokenSpan) => `${type}\u0000${first}\u0000${last}`;
  for (const { gold, predicted } of sentences) {
    const goldKeys = new Set(gold.map(key));
    for (const span of gold) {
      overall.gold++;
      countsOf(span.type).gold++;
    }
    for (const span of predicted) {
      const right = goldKeys.has(key(span));
      overall.predicted++;
      countsOf(span.type).predicted++;
      if (right) {
        overall.correct++;
        countsOf(span.type).correct++;
      }
    }
  }
  return { overall, byType };
}

/** conlleval's percentages: precision over predictions, recall over gold, F1 their harmonic mean. */
export function precisionRecallF1({ gold, predicted, correct }: EntityCounts): PrecisionRecallF1 {
  const precision = percent(correct, predicted);
  const recall = percent(correct, gold);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * The tokens an entity found in the tokens joined by single spaces covers: every token its
 * character span [start, end) overlaps. Undefined when it covers none.
 */
export function tokensCovered(tokens: readonly string[], start: number, end: number): { first: number; last: number } | undefined {
  let first: number | undefined;
  let last: number | undefined;
  let offset = 0;
  tokens.forEach((token, index) => {
    const tokenEnd = offset + token.length;
    if (offset < end && start < tokenEnd) {
      first ??= index;
      last = index;
    }
    offset = tokenEnd + 1;
  });
  return first === undefined || last === undefined ? undefined : { first, last };
}
