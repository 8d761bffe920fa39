import * as vscode from 'vscode';
import type { Config } from '../config';
import { WorkerRequestError, type WorkerClient } from '../client/workerClient';
import type { Answer, AskResult } from '../protocol';
import { lineIndexOf } from '../ui/offsetRanges';
import { selectionScope, type AskTarget, type QuestionAsking } from '../ui/askTarget';
import type { AnswerView, QuestionRun } from '../views/questionsMessages';
import { needsDownload, reportFailure } from '../ui/failures';
import { checkText } from './common';
import type { LanguageOf } from '../ui/documentLanguages';

/** Where the view's own progress bar is drawn while a question runs. */
const QUESTIONS_VIEW_ID = 'textAnalytics.questions';

/**
 * Asks the worker one question at a time: a new question cancels the one still running. Each
 * change of a run (started, best answers so far, finished, cancelled, failed) goes to `onUpdate`,
 * so the Questions view can show answers as they arrive on long documents.
 */
export class QuestionAsker implements QuestionAsking, vscode.Disposable {
  private current?: AbortController;
  private nextId = 1;

  constructor(
    private readonly client: WorkerClient,
    private readonly config: () => Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly languageOf: LanguageOf,
  ) {}

  /** Whether a question is running now. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /**
   * Checks the document (empty, binary, too large, unexpected language: the user is told), then
   * asks. Resolves with the final run (and the worker's result when it finished), or undefined when
   * the checks stopped it. Never rejects: failures are shown to the user and end the run `failed`.
   */
  async ask(
    target: AskTarget,
    question: string,
    onUpdate: (run: QuestionRun) => void,
  ): Promise<{ run: QuestionRun; result?: AskResult } | undefined> {
    const { document } = target;
    const config = this.config();
    const checked = await checkText(document, target.range, config);
    if (!checked) return undefined;
    const { range, text, version } = checked;
    // Over the size limit the user may have chosen the part in view: the run names what was read.
    const scope = range === target.range ? target.scope : { ...target.scope, selection: range && selectionScope(document, range) };

    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const offset = range ? document.offsetAt(range.start) : 0;
    // Lines of the text as asked: the user may type while the worker reads.
    const lines = lineIndexOf(document.getText());
    const toViews = (answers: readonly Answer[]): AnswerView[] => answers.map((a) => ({ ...a, line: lines.lineAt(a.start) + 1 }));
    let run: QuestionRun = {
      id: this.nextId++,
      question,
      scope,
      status: 'running',
      answers: [],
      minScore: config.qaMinScore,
      stale: false,
    };
    const update = (patch: Partial<QuestionRun>) => {
      run = { ...run, ...patch, stale: run.stale || document.version !== version };
      onUpdate(run);
    };
    update({});
    try {
      const result = await vscode.window.withProgress({ location: { viewId: QUESTIONS_VIEW_ID } }, () =>
        this.client.request(
          'ask',
          {
            text,
            question,
            top: config.qaTopAnswers,
            minScore: config.qaMinScore,
            maxAnswerTokens: config.qaMaxAnswerTokens,
            offset,
            ...this.languageOf(document),
          },
          {
            signal: controller.signal,
            onProgress: ({ done, total, answers }) => {
              if (controller.signal.aborted) return;
              update({ progress: { done, total }, ...(answers ? { answers: toViews(answers) } : {}) });
            },
          },
        ),
      );
      update({ status: 'done', answers: toViews(result.answers), progress: undefined, elapsedMs: result.elapsedMs, windows: result.windows });
      this.log.info(
        `Question about ${scope.fileName}: ${result.answers.length} answers from ${result.windows} windows in ${result.elapsedMs} ms on ${result.device.used}.`,
      );
      return { run, result };
    } catch (error) {
      if (error instanceof WorkerRequestError && error.code === 'cancelled') {
        update({ status: 'cancelled', progress: undefined });
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        // A model not on the machine yet is not an error while its download question is open: the
        // run waits, and once the model is set up (downloaded, or a folder chosen) the question is
        // asked again, its new run replacing this one. Declined, the run says why it failed.
        update(needsDownload(error) ? { status: 'waiting', progress: undefined } : { status: 'failed', progress: undefined, error: reason });
        reportFailure(
          error,
          this.log,
          () => this.ask(target, question, onUpdate),
          () => update({ status: 'failed', error: reason }),
        );
      }
      return { run };
    } finally {
      if (this.current === controller) this.current = undefined;
    }
  }

  /** Stops the running question; its answers so far stay. */
  cancel(): void {
    this.current?.abort();
  }

  dispose(): void {
    this.current?.abort();
  }
}
