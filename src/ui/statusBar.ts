import * as vscode from 'vscode';
import type { WorkerInfo } from '../protocol';
import type { EngineStatus } from '../client/status';
import {
  deviceDetails,
  ENGINE_ACTIONS,
  engineActionsFor,
  NAME,
  presentStatus,
  workerDetails,
  type EngineAction,
  type StatusPresentation,
} from './statusPresentation';

export { currentWorkerInfo, ENGINE_ACTIONS, engineActionsFor, presentStatus, type EngineAction, type StatusPresentation } from './statusPresentation';

/** What clicking the item runs; register it with {@link showEngineActions}. */
export const ENGINE_ACTIONS_COMMAND = 'textAnalytics.showEngineActions';

/** Anything that calls back with each new status, such as `WorkerClient.onStatus`. */
export type StatusSource = (listener: (status: EngineStatus) => void) => { dispose(): void };

/**
 * The engine's status bar item. Feed it statuses with {@link StatusBar.update}, or hand it
 * the client's change event.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(initial: EngineStatus, onDidChangeStatus?: StatusSource) {
    this.item = vscode.window.createStatusBarItem('textAnalytics.engine', vscode.StatusBarAlignment.Right, 100);
    this.item.name = `${NAME} Engine`;
    this.item.command = ENGINE_ACTIONS_COMMAND;
    this.disposables.push(this.item);
    if (onDidChangeStatus) this.disposables.push(onDidChangeStatus((status) => this.update(status)));
    this.update(initial);
    this.item.show();
  }

  update(status: EngineStatus): void {
    if (this.disposed) return;
    const presentation = presentStatus(status);
    this.item.text = presentation.text;
    this.item.tooltip = buildTooltip(presentation);
    this.item.accessibilityInformation = { label: `${NAME}: ${presentation.summary}` };
    this.item.backgroundColor =
      presentation.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : presentation.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function buildTooltip(presentation: StatusPresentation): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${NAME}**\n\n`);
  // Worker-provided text (messages, fallback reasons) goes in escaped, never as markdown.
  for (const line of [presentation.summary, ...presentation.details]) {
    tooltip.appendText(line);
    tooltip.appendMarkdown('\n\n');
  }
  tooltip.appendMarkdown('_Click for engine actions._');
  return tooltip;
}

/**
 * The `textAnalytics.showEngineActions` command: the status as the title, the actions to pick
 * from, then the details (device, fallback reason, worker versions, loaded models) below them.
 *
 * @example
 * vscode.commands.registerCommand(ENGINE_ACTIONS_COMMAND, async () =>
 *   showEngineActions(client.status, await currentWorkerInfo(client.status, () => client.request('info', {}), client.info)));
 */
export async function showEngineActions(
  status: EngineStatus,
  info?: WorkerInfo,
  actions: readonly EngineAction[] = ENGINE_ACTIONS,
): Promise<void> {
  const presentation = presentStatus(status);
  const items: (vscode.QuickPickItem & { action?: EngineAction })[] = engineActionsFor(status, actions).map((action) => ({
    label: action.label,
    detail: action.detail,
    // Say where the user's eye lands what this state calls for.
    description: action.recommended ? 'recommended' : undefined,
    action,
  }));
  // Details the status alone lacks: `info` knows the device even while a second model loads.
  const details = [...presentation.details];
  if (info?.device && !details.some((line) => line.startsWith('Device:'))) details.push(...deviceDetails(info.device));
  if (info) details.push(...workerDetails(info));
  if (details.length > 0) {
    items.push({ label: 'Details', kind: vscode.QuickPickItemKind.Separator });
    // Picking one of these just closes the list; they are there to be read.
    items.push(...details.map((line) => ({ label: `$(info) ${line}` })));
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `${NAME}: ${presentation.summary}`,
    placeHolder: 'Choose an action',
  });
  if (picked?.action) await vscode.commands.executeCommand(picked.action.command, ...(picked.action.args ?? []));
}

