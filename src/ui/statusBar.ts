import * as vscode from 'vscode';
import { TASK_MODEL_NAMES, type DeviceInfo, type WorkerInfo } from '../protocol';
import type { EngineStatus } from '../client/status';

/** What clicking the item runs; register it with {@link showEngineActions}. */
export const ENGINE_ACTIONS_COMMAND = 'textAnalytics.showEngineActions';

/** How one engine status reads, in plain strings: shared by the status bar and the QuickPick. */
export interface StatusPresentation {
  /** The status bar text, with its codicon. */
  text: string;
  /** One sentence for the tooltip's headline and the QuickPick's title. */
  summary: string;
  /** Further facts, one per line (device, fallback reason, what is loading). */
  details: string[];
  severity: 'normal' | 'warning' | 'error';
}

const NAME = 'Text Analytics';

const DEVICE_NAMES: Record<DeviceInfo['used'], string> = {
  cpu: 'CPU',
  cuda: 'GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'GPU (CoreML)',
};


/** Pure: how `status` reads. */
export function presentStatus(status: EngineStatus): StatusPresentation {
  switch (status.state) {
    case 'stopped':
      return {
        text: `$(circle-outline) ${NAME}`,
        summary: 'Not running; it starts with the first analysis.',
        details: [],
        severity: 'normal',
      };
    case 'starting':
      return { text: `$(loading~spin) ${NAME}: starting`, summary: 'Starting the inference worker…', details: [], severity: 'normal' };
    case 'loading-model':
      return {
        text: `$(loading~spin) ${NAME}: loading model`,
        summary: `Loading the ${TASK_MODEL_NAMES[status.task]} model…`,
        details: status.message ? [status.message] : [],
        severity: 'normal',
      };
    case 'downloading': {
      const progress = downloadProgress(status.received, status.total);
      return {
        text: `$(loading~spin) ${NAME}: downloading ${progress}`,
        summary: `Downloading the ${TASK_MODEL_NAMES[status.task]} model (${progress})…`,
        details: [],
        severity: 'normal',
      };
    }
    case 'ready':
    case 'busy': {
      const busy = status.state === 'busy';
      const device = status.device;
      const deviceName = device ? DEVICE_NAMES[device.used] : undefined;
      // A fallback the user explicitly asked to avoid deserves a glance; under `auto` it is expected.
      const unwantedFallback = device?.requested === 'gpu' && device.used === 'cpu';
      const icon = busy ? '$(loading~spin)' : unwantedFallback ? '$(warning)' : '$(check)';
      return {
        text: deviceName ? `${icon} ${NAME}: ${deviceName}` : `${icon} ${NAME}`,
        summary: busy
          ? `Analysing (${status.method})${deviceName ? ` on the ${deviceName}` : ''}…`
          : deviceName
            ? `Ready on the ${deviceName}.`
            : 'Ready; no model loaded yet.',
        details: device ? deviceDetails(device) : [],
        severity: unwantedFallback ? 'warning' : 'normal',
      };
    }
    case 'error':
      // The text alone must tell a worker coming back by itself from one that waits for the user.
      return {
        text: status.permanent ? `$(error) ${NAME}: stopped` : `$(error) ${NAME}: restarting`,
        summary: status.permanent
          ? 'The inference worker crashed repeatedly and was stopped. Click to restart it.'
          : 'The inference worker crashed; it is being restarted.',
        details: [status.message],
        severity: 'error',
      };
  }
}

function deviceDetails(device: DeviceInfo): string[] {
  const lines = [`Device: ${DEVICE_NAMES[device.used]} (setting: ${device.requested})`];
  if (device.fallbackReason) lines.push(`GPU not used: ${device.fallbackReason}`);
  return lines;
}

function downloadProgress(received: number, total: number): string {
  if (total > 0) return `${Math.floor((received / total) * 100)}%`;
  return `${(received / 1_000_000).toFixed(1)} MB`;
}

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

/** One choice in the engine QuickPick. */
export interface EngineAction {
  /** May start with a `$(codicon)`. */
  label: string;
  command: string;
  detail?: string;
}

export const ENGINE_ACTIONS: readonly EngineAction[] = [
  {
    label: '$(debug-restart) Restart Inference Worker',
    command: 'textAnalytics.restartWorker',
    detail: 'Stops the worker and starts a fresh one; models load again on first use.',
  },
  { label: '$(output) Show Logs', command: 'textAnalytics.showLogs' },
  { label: '$(gear) Open Settings', command: 'textAnalytics.openSettings' },
];

/**
 * The `textAnalytics.showEngineActions` command: the status as the title, the actions to pick
 * from, then the details (device, fallback reason, worker versions, loaded models) below them.
 *
 * @example
 * vscode.commands.registerCommand(ENGINE_ACTIONS_COMMAND, () => showEngineActions(client.status, client.info));
 */
export async function showEngineActions(
  status: EngineStatus,
  info?: WorkerInfo,
  actions: readonly EngineAction[] = ENGINE_ACTIONS,
): Promise<void> {
  const presentation = presentStatus(status);
  const inError = presentation.severity === 'error';
  const items: (vscode.QuickPickItem & { action?: EngineAction })[] = actions.map((action) => ({
    label: action.label,
    detail: action.detail,
    // In error, restarting is what the user came for: say so where their eye lands.
    description: inError && action.command === 'textAnalytics.restartWorker' ? 'recommended' : undefined,
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
  if (picked?.action) await vscode.commands.executeCommand(picked.action.command);
}

function workerDetails(info: WorkerInfo): string[] {
  const loaded = info.loaded.map((model) => `${TASK_MODEL_NAMES[model.task]}: ${model.id} (${model.precision})`);
  return [
    `Worker ${info.pid}: Node ${info.node}, onnxruntime ${info.onnxruntime}, ${info.platform}`,
    loaded.length > 0 ? `Loaded: ${loaded.join('; ')}` : 'No model loaded',
  ];
}
