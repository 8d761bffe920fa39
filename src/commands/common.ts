import * as vscode from 'vscode';
import type { Config } from '../config';
import { isBlank } from '../unicode';
import { inertMessageText } from '../ui/inertText';
import type { AnalysedPart } from '../views/messages';

/** What a command analyses after the checks: `range` unset means the whole document. */
export interface CheckedText {
  range?: vscode.Range;
  text: string;
  /** The document's version when `text` was read (the user may type while a question is up). */
  version: number;
  /** `range` is the part in view, chosen because the document was over the size limit. */
  inView?: boolean;
}

/**
 * Checks the text a command is about to analyse (the document, or `range` of it) and tells the
 * user what is wrong: empty, binary (NUL characters), over `textAnalytics.maxDocumentSize` or of a
 * language not enabled. Over the limit it offers the part in view and the selection instead, and
 * returns the one chosen (checked in turn). Undefined: the analysis must not go ahead. Nothing in
 * the document is changed.
 */
export async function checkText(document: vscode.TextDocument, range: vscode.Range | undefined, config: Config): Promise<CheckedText | undefined> {
  const version = document.version;
  const text = document.getText(range);
  const what = range ? 'The selection' : 'The document';
  if (isBlank(text)) {
    void vscode.window.showInformationMessage(`${what} has no text to analyse.`);
    return undefined;
  }
  if (text.includes('\u0000')) {
    void vscode.window.showWarningMessage(`${what} looks like binary data (it contains NUL characters), so it was not analysed.`);
    return undefined;
  }
  if (text.length > config.maxDocumentSize) {
    const part = await offerSmallerPart(document, range, text.length, config);
    const checked = part && (await checkText(document, part.range, config));
    return checked && { ...checked, inView: part.inView };
  }
  if (!(await languageAccepted(document, config))) return undefined;
  return { range, text, version };
}

/**
 * Over the size limit: says so, and offers what can be analysed instead — the part in view and,
 * when the whole document was asked for, a selection that fits. Returns the part chosen.
 */
async function offerSmallerPart(
  document: vscode.TextDocument,
  range: vscode.Range | undefined,
  length: number,
  config: Config,
): Promise<{ range: vscode.Range; inView: boolean } | undefined> {
  const VISIBLE = 'Analyze Visible Part';
  const SELECTION = 'Analyze Selection';
  const SETTINGS = 'Open Settings';
  const limit = config.maxDocumentSize;
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const selection = editor?.selection;
  const selectionFits =
    !range && selection && !selection.isEmpty && document.offsetAt(selection.end) - document.offsetAt(selection.start) <= limit;
  const choices = [...(editor ? [VISIBLE] : []), ...(selectionFits ? [SELECTION] : []), SETTINGS];
  const name = range ? 'The selection' : document.isUntitled ? 'This document' : inertMessageText(vscode.workspace.asRelativePath(document.uri));
  const choice = await vscode.window.showWarningMessage(
    `${name} has ${length.toLocaleString()} characters, more than the limit of ${limit.toLocaleString()} (textAnalytics.maxDocumentSize). ` +
      `${editor ? `Analyze the part in view${selectionFits ? ' or the selection' : ''}, or raise the limit.` : 'Show it in an editor to analyse the part in view, or raise the limit.'}`,
    ...choices,
  );
  if (choice === VISIBLE && editor) return { range: visiblePart(editor, limit), inView: true };
  if (choice === SELECTION && selection) return { range: selection, inView: false };
  if (choice === SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'textAnalytics.maxDocumentSize');
  return undefined;
}

/**
 * The lines in view, from the first visible line's start to the last one's end, cut to `limit`
 * characters (a single line can be longer than the limit) without splitting a surrogate pair.
 */
export function visiblePart(editor: vscode.TextEditor, limit: number): vscode.Range {
  const { document, visibleRanges } = editor;
  const first = visibleRanges[0]?.start.line ?? 0;
  const last = visibleRanges[visibleRanges.length - 1]?.end.line ?? 0;
  const start = document.offsetAt(new vscode.Position(first, 0));
  let end = Math.min(document.offsetAt(document.lineAt(last).range.end), start + limit);
  const before = document.getText(new vscode.Range(document.positionAt(end - 1), document.positionAt(end)));
  if (end > start + 1 && /[\uD800-\uDBFF]/.test(before)) end -= 1;
  return new vscode.Range(document.positionAt(start), document.positionAt(end));
}

/** Languages outside `textAnalytics.languages` are analysed only when the user says so. */
async function languageAccepted(document: vscode.TextDocument, config: Config): Promise<boolean> {
  if (config.languages.includes(document.languageId)) return true;
  const choice = await vscode.window.showWarningMessage(
    `Text Analytics is set to analyse ${config.languages.join(', ')} documents; this one is ${document.languageId}.`,
    'Analyze Anyway',
    'Add Language',
  );
  if (choice === 'Add Language') {
    await vscode.workspace
      .getConfiguration('textAnalytics')
      .update('languages', [...config.languages, document.languageId], vscode.ConfigurationTarget.Global);
  }
  return choice === 'Analyze Anyway' || choice === 'Add Language';
}

/** What a command analyses: a part (when `range` is set) or the whole document, as it is now. */
export interface AnalysisTarget extends CheckedText {
  /** Where `text` starts in the document. */
  offset: number;
}

/** The part of the document a panel view says was analysed, or undefined for the whole document. */
export function analysedPart(document: vscode.TextDocument, { range, offset, inView }: AnalysisTarget): AnalysedPart | undefined {
  if (!range) return undefined;
  return { start: offset, end: document.offsetAt(range.end), ...(inView ? { inView } : {}) };
}

/**
 * The text to analyse — the selection, unless it is empty or `wholeDocument` — checked with
 * {@link checkText}; undefined (the user has been told why) when it must not be analysed.
 */
export async function analysisTarget(editor: vscode.TextEditor, config: Config, wholeDocument = false): Promise<AnalysisTarget | undefined> {
  const { document, selection } = editor;
  const checked = await checkText(document, wholeDocument || selection.isEmpty ? undefined : selection, config);
  return checked && { ...checked, offset: checked.range ? document.offsetAt(checked.range.start) : 0 };
}

/** The editor of `uri` (opened if needed), or the active editor when no document is named. */
export async function targetEditor(uri: vscode.Uri | undefined): Promise<vscode.TextEditor | undefined> {
  if (!uri) return vscode.window.activeTextEditor;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  if (visible) return visible;
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preserveFocus: true, preview: false });
}
