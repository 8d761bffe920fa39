/**
 * What the Questions view hands over when it asks a question: the document and the part of it
 * asked about ({@link AskTarget}, {@link selectionScope}), and what it needs of the asker
 * ({@link QuestionAsking}, which `QuestionAsker` in src/commands/askQuestion.ts implements). They
 * live in ui/ so that the view depends on this contract, not on the commands.
 */
import type * as vscode from 'vscode';
import type { AskResult } from '../protocol';
import type { QuestionRun, QuestionScope } from '../views/questionsMessages';

/** What a question is asked about: the document, and the selection when there is one. */
export interface AskTarget {
  document: vscode.TextDocument;
  range?: vscode.Range;
  scope: QuestionScope;
}

/** A question's scope over `range`: document offsets and the 1-based lines it covers. */
export function selectionScope(document: vscode.TextDocument, range: vscode.Range): QuestionScope['selection'] {
  // A range ending at the start of a line does not cover that line.
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1;
  return { start: document.offsetAt(range.start), end: document.offsetAt(range.end), startLine: range.start.line + 1, endLine };
}

/** Asks the worker one question at a time, a new question cancelling the one still running. */
export interface QuestionAsking {
  /**
   * Resolves with the final run (and the worker's result when it finished), or undefined when the
   * document's checks stopped it; never rejects. Each change of the run goes to `onUpdate`.
   */
  ask(target: AskTarget, question: string, onUpdate: (run: QuestionRun) => void): Promise<{ run: QuestionRun; result?: AskResult } | undefined>;
  /** Stops the running question; its answers so far stay. */
  cancel(): void;
}
