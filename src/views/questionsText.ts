/**
 * The words the Questions view shows, built from its state by pure functions so that they can be
 * tested without a webview: what a question will be asked about, and what became of a question.
 * Numbers (scores, line numbers, counts) are written for the user's locale — `vscode.env.language`,
 * which the host sends with the state. Uses neither the DOM nor `vscode`.
 */

import type { QuestionRun, QuestionScope } from './questionsMessages';

/** Number formats for one locale. An unknown or malformed locale falls back to the runtime's own. */
export interface NumberText {
  /** A whole number: "1,234" in English, "1.234" in German. */
  count(value: number): string;
  /**
   * A model score as a percentage, rounded down, so 99.8% reads 99%: "100%" would claim a
   * certainty the model never has.
   */
  percent(score: number): string;
  /** A duration: "34 ms", "1.5 s". */
  duration(ms: number): string;
}

export function numberText(locale: string | undefined): NumberText {
  const format = (options: Intl.NumberFormatOptions) => {
    try {
      return new Intl.NumberFormat(locale, options);
    } catch {
      // The locale comes from the editor (or a persisted state): never let a bad one blank the view.
      return new Intl.NumberFormat(undefined, options);
    }
  };
  const whole = format({ maximumFractionDigits: 0 });
  const percent = format({ style: 'percent', maximumFractionDigits: 0 });
  const tenths = format({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return {
    count: (value) => whole.format(value),
    // The epsilon keeps 0.29 at 29%: 0.29 * 100 is 28.999… in binary floating point.
    percent: (score) => percent.format(Math.floor(score * 100 + 1e-9) / 100),
    duration: (ms) => (ms < 1000 ? `${whole.format(Math.round(ms))} ms` : `${tenths.format(ms / 1000)} s`),
  };
}

/** "1 answer", "3 answers", the count written for the locale. */
export function counted(numbers: NumberText, count: number, noun: string, nouns = `${noun}s`): string {
  return `${numbers.count(count)} ${count === 1 ? noun : nouns}`;
}

/** "line 3" or "lines 3–5" for a selection's lines. */
export function linesText(numbers: NumberText, selection: NonNullable<QuestionScope['selection']>): string {
  const { startLine, endLine } = selection;
  return startLine === endLine ? `line ${numbers.count(startLine)}` : `lines ${numbers.count(startLine)}–${numbers.count(endLine)}`;
}

/** What the next question will read, as the view says it before asking: "the selection (lines 3–5)". */
export function scopeText(numbers: NumberText, scope: QuestionScope): string {
  return scope.selection ? `the selection (${linesText(numbers, scope.selection)})` : 'the whole document';
}

/**
 * What became of a question, said once: `sentence` is the one line a screen reader announces and
 * the eye reads; `hint` (when there is one) says what to try next without repeating it; `tone`
 * picks how it is drawn. Running questions say so here; their progress is drawn apart.
 */
export interface RunStatusText {
  tone: 'info' | 'no-answer' | 'error';
  sentence: string;
  hint?: string;
}

export function runStatusText(numbers: NumberText, run: QuestionRun, fileName: string): RunStatusText {
  const best = run.answers[0];
  const bestText = best ? `Best: “${best.text}”, ${numbers.percent(best.score)}, line ${numbers.count(best.line)}.` : '';
  switch (run.status) {
    case 'running':
      return { tone: 'info', sentence: `Looking for answers in ${fileName}…` };
    case 'waiting':
      return {
        tone: 'info',
        sentence: 'Waiting for the question-answering model.',
        hint: 'Download it or choose a folder in the notification: the question is asked as soon as the model is there.',
      };
    case 'done':
      if (run.answers.length > 0) return { tone: 'info', sentence: `${counted(numbers, run.answers.length, 'answer')}. ${bestText}` };
      return {
        tone: 'no-answer',
        sentence: `No confident answer in ${fileName}.`,
        hint: `Nothing the model found scored ${numbers.percent(run.minScore)} or more (textAnalytics.qa.minScore). Try asking in other words${
          run.scope.selection ? ', or about the whole document' : ', or about a selection'
        }.`,
      };
    case 'cancelled':
      return { tone: 'info', sentence: run.answers.length === 0 ? 'Cancelled before an answer was found.' : `Cancelled. ${bestText}` };
    case 'failed':
      return { tone: 'error', sentence: `The question could not be answered: ${run.error ?? 'unknown error'}` };
  }
}

/** "3 passages read in 34 ms", for a finished question. */
export function runFactsText(numbers: NumberText, run: QuestionRun): string | undefined {
  if (run.status !== 'done' || run.elapsedMs === undefined) return undefined;
  const read = run.windows !== undefined ? `${counted(numbers, run.windows, 'passage')} read in ` : '';
  return `${read}${numbers.duration(run.elapsedMs)}`;
}
