/**
 * Each open document's findings, kept up to date while the user types: personal data (on by
 * default), and entities and sentence sentiment when their diagnostics are on. An edit moves the
 * findings at once (those it touches are dropped, src/ui/textEdits.ts, as the VS Code
 * highlighter does) and cancels the analysis under way; after a short pause the document goes to
 * the worker again. Every analysis runs in the worker process, so the server's event loop stays
 * free for hovers and edits. Each task's findings are published as soon as they come, and a
 * document just opened gets the recognizers' personal data (e-mail addresses, phone numbers…,
 * which need no model) before the model's names: a model's first load takes seconds. What is
 * published, and how, is the caller's ({@link AnalysesHost}).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkerRequestError } from '../client/workerClient';
import type { Entity, PiiFinding, PiiParams, SentenceSentiment } from '../protocol';
import { isBlank } from '../unicode';
import { moveSpans, type OffsetEdit } from '../ui/textEdits';
import type { ServerSettings } from './settings';
import type { ServerWorker } from './worker';

/** Pause in typing after which a document is analysed again. */
export const TYPING_DELAY_MS = 300;

/** A document's findings, in UTF-16 offsets of its current text. */
export interface DocumentFindings {
  pii: PiiFinding[];
  entities: Entity[];
  sentences: SentenceSentiment[];
}

export interface AnalysesHost {
  worker: ServerWorker;
  settings(): ServerSettings;
  document(uri: string): TextDocument | undefined;
  /** The findings of `uri` changed (an analysis ended, an edit moved them). */
  publish(uri: string, findings: DocumentFindings): void;
  /**
   * A request failed for a reason other than cancellation; true when the analysis should go on
   * without a model (personal data: the recognizers alone), which is then remembered.
   */
  failed(task: 'pii' | 'entities' | 'sentiment', error: unknown): boolean;
  /** The document is longer than `textAnalytics.maxDocumentSize`: told once per document. */
  tooLong(uri: string, length: number, limit: number): void;
}

class Tracked {
  findings: DocumentFindings = { pii: [], entities: [], sentences: [] };
  controller?: AbortController;
  timer?: NodeJS.Timeout;

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }
}

export class DocumentAnalyses {
  private readonly tracked = new Map<string, Tracked>();
  /** Set when the personal-data model is missing: the recognizers alone run until the settings change. */
  private piiWithoutModel = false;

  constructor(private readonly host: AnalysesHost) {}

  findings(uri: string): DocumentFindings | undefined {
    return this.tracked.get(uri)?.findings;
  }

  /** Starts following a document (opened): analysed at once, the recognizers' personal data first. */
  open(uri: string): void {
    if (!this.tracked.has(uri)) this.tracked.set(uri, new Tracked());
    this.schedule(uri, 0, true);
  }

  /** The document changed by `edits` (UTF-16 offsets, in order): findings move now, analysis after a pause. */
  edited(uri: string, edits: readonly OffsetEdit[]): void {
    const entry = this.tracked.get(uri);
    if (!entry) return;
    entry.controller?.abort();
    const { pii, entities, sentences } = entry.findings;
    for (const spans of [pii, entities, sentences]) moveSpans(spans, edits);
    this.host.publish(uri, entry.findings);
    this.schedule(uri, TYPING_DELAY_MS);
  }

  close(uri: string): void {
    this.tracked.get(uri)?.stop();
    this.tracked.delete(uri);
  }

  /** Analyses every document again (settings changed, a model was downloaded). */
  refreshAll(): void {
    this.piiWithoutModel = false;
    for (const uri of this.tracked.keys()) this.schedule(uri, 0);
  }

  dispose(): void {
    for (const entry of this.tracked.values()) entry.stop();
    this.tracked.clear();
  }

  private schedule(uri: string, delayMs: number, opened = false): void {
    const entry = this.tracked.get(uri);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.tracked.get(uri) === entry) void this.analyse(uri, entry, opened);
    }, delayMs);
  }

  private async analyse(uri: string, entry: Tracked, opened: boolean): Promise<void> {
    entry.controller?.abort();
    const controller = new AbortController();
    entry.controller = controller;
    const document = this.host.document(uri);
    if (!document) return;
    const { version } = document;
    const text = document.getText();
    const settings = this.host.settings();
    if (text.length > settings.maxDocumentSize) {
      this.host.tooLong(uri, text.length, settings.maxDocumentSize);
      return;
    }
    const blank = isBlank(text);
    const { signal } = controller;
    // Whether an answer still describes the document as it is (an edit cancels the request, but
    // its answer may already be on its way).
    const current = () => !signal.aborted && this.host.document(uri)?.version === version && this.tracked.get(uri) === entry;
    let published = false;
    const show = (found: Partial<DocumentFindings>) => {
      if (!current()) return;
      entry.findings = { ...entry.findings, ...found };
      this.host.publish(uri, entry.findings);
      published = true;
    };
    // What is off (or a blank document) has no findings: dropped now, shown with the first task's.
    const entitiesOn = settings.diagnostics.entities || settings.semanticTokens;
    const off: Partial<DocumentFindings> = {
      ...(!settings.diagnostics.pii || blank ? { pii: [] } : {}),
      ...(!entitiesOn || blank ? { entities: [] } : {}),
      ...(!settings.diagnostics.sentiment || blank ? { sentences: [] } : {}),
    };
    entry.findings = { ...entry.findings, ...off };
    let piiDone = false;
    const usesModel = settings.pii.useModel && !this.piiWithoutModel;
    const quick =
      opened && settings.diagnostics.pii && !blank && usesModel
        ? this.findPii(text, settings.pii, false, signal)
            .then((pii) => (piiDone ? undefined : show({ pii })))
            .catch(() => undefined) // the full request says what went wrong
        : undefined;
    await Promise.all([
      quick,
      settings.diagnostics.pii && !blank
        ? this.pii(text, settings.pii, signal).then((pii) => {
            piiDone = true;
            if (pii) show({ pii });
          })
        : undefined,
      entitiesOn && !blank
        ? this.run('entities', () => this.host.worker.request('entities', { text, minScore: settings.entityMinScore }, { signal })).then((r) => r && show({ entities: r.entities }))
        : undefined,
      settings.diagnostics.sentiment && !blank
        ? this.run('sentiment', () => this.host.worker.request('sentiment', { text, neutralBand: settings.neutralBand, format: markdownLike(document) ? 'markdown' : 'plaintext' }, { signal })).then(
            (r) => r && show({ sentences: r.sentences }),
          )
        : undefined,
    ]);
    if (entry.controller === controller) entry.controller = undefined;
    // Nothing came (a blank document, every task off or failed): what is off is still cleared.
    if (!published && Object.keys(off).length > 0) show({});
  }

  /** Personal data, with the model unless it is missing: then with the recognizers alone. */
  private async pii(text: string, params: ServerSettings['pii'], signal: AbortSignal): Promise<PiiFinding[] | undefined> {
    const request = (useModel: boolean) => this.findPii(text, params, useModel, signal);
    const useModel = params.useModel && !this.piiWithoutModel;
    try {
      return await request(useModel);
    } catch (error) {
      if (signal.aborted || isCancelled(error)) return undefined;
      if (!this.host.failed('pii', error) || !useModel) return undefined;
      this.piiWithoutModel = true;
      return this.run('pii', () => request(false));
    }
  }

  /** One personal-data request: with the model, or with the recognizers alone. */
  private findPii(text: string, params: ServerSettings['pii'], useModel: boolean, signal: AbortSignal): Promise<PiiFinding[]> {
    return this.host.worker.request('pii', { ...params, useModel, text } satisfies PiiParams, { signal }).then((r) => r.entities);
  }

  /** A request whose failure is told to the host; undefined (keep what was shown) when it fails or is cancelled. */
  private async run<T>(task: 'pii' | 'entities' | 'sentiment', request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await request();
    } catch (error) {
      if (!isCancelled(error)) this.host.failed(task, error);
      return undefined;
    }
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof WorkerRequestError && (error.code === 'cancelled' || (error.code === 'worker-unavailable' && /restarted|shut down/.test(error.message)));
}

/** Markdown documents are read as Markdown by sentiment (headings and code are not sentences). */
function markdownLike(document: TextDocument): boolean {
  return document.languageId === 'markdown' || /\.(md|markdown|mdx)$/i.test(document.uri);
}
