/**
 * How the engine's status reads and which actions its menu offers: pure, without `vscode`, so
 * that the status bar (./statusBar.ts) and the unit tests share one source of these words.
 */
import { TASK_MODEL_NAMES, type DeviceInfo, type WorkerInfo } from '../protocol';
import type { EngineStatus } from '../client/status';

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

export const NAME = 'Text Analytics';

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
    case 'download-failed':
      // Not a check mark: the model the user asked for is not there, and the notification may be gone.
      return {
        text: `$(error) ${NAME}: download failed`,
        summary: `The ${TASK_MODEL_NAMES[status.task]} model could not be downloaded. Click to retry or use a local folder.`,
        details: [status.message, ...(status.device ? deviceDetails(status.device) : [])],
        severity: 'error',
      };
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

export function deviceDetails(device: DeviceInfo): string[] {
  const lines = [`Device: ${DEVICE_NAMES[device.used]} (setting: ${device.requested})`];
  if (device.fallbackReason) lines.push(`GPU not used: ${device.fallbackReason}`);
  return lines;
}

function downloadProgress(received: number, total: number): string {
  if (total > 0) return `${Math.floor((received / total) * 100)}%`;
  return `${(received / 1_000_000).toFixed(1)} MB`;
}

/** One choice in the engine QuickPick. */
export interface EngineAction {
  /** May start with a `$(codicon)`. */
  label: string;
  command: string;
  /** Arguments of the command (a task, for the download actions). */
  args?: unknown[];
  detail?: string;
  /** Shown as "recommended": what the user most likely came for in this state. */
  recommended?: boolean;
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
 * Pure: the actions for `status`, in order. A failed download puts retrying it and using a local
 * folder first (a classifier's model is named per request, so it has neither: its command retries
 * it); a crashed worker recommends restarting it.
 */
export function engineActionsFor(status: EngineStatus, actions: readonly EngineAction[] = ENGINE_ACTIONS): EngineAction[] {
  if (status.state === 'download-failed') {
    if (status.task === 'classify') return [...actions];
    const model = TASK_MODEL_NAMES[status.task];
    return [
      { label: `$(cloud-download) Retry Downloading the ${model} Model`, command: 'textAnalytics.downloadModels', args: [status.task], recommended: true },
      { label: '$(folder-opened) Use a Local Model Folder…', command: 'textAnalytics.useLocalModelFolder', args: [status.task] },
      ...actions,
    ];
  }
  if (status.state === 'error') return actions.map((action) => (action.command === 'textAnalytics.restartWorker' ? { ...action, recommended: true } : action));
  return [...actions];
}

/**
 * What the worker says of itself now: the models it has loaded change after its handshake, so
 * `client.info` (the handshake's) would say "No model loaded" after a model ran. Falls back to
 * `known` when the worker does not answer within `waitMs` (busy with a long request), and asks
 * nothing of a worker that is not running (the menu must not start one).
 *
 * @example
 * showEngineActions(client.status, await currentWorkerInfo(client.status, () => client.request('info', {}), client.info));
 */
export async function currentWorkerInfo(
  status: EngineStatus,
  ask: () => Promise<WorkerInfo>,
  known: WorkerInfo | undefined,
  waitMs = 1000,
): Promise<WorkerInfo | undefined> {
  if (status.state === 'stopped' || status.state === 'starting' || status.state === 'error') return known;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
  try {
    return (await Promise.race([ask(), late])) ?? known;
  } catch {
    return known;
  } finally {
    clearTimeout(timer);
  }
}

export function workerDetails(info: WorkerInfo): string[] {
  const loaded = info.loaded.map((model) => `${TASK_MODEL_NAMES[model.task]}: ${model.id} (${model.precision})`);
  return [
    `Worker ${info.pid}: Node ${info.node}, onnxruntime ${info.onnxruntime}, ${info.platform}`,
    loaded.length > 0 ? `Loaded: ${loaded.join('; ')}` : 'No model loaded',
  ];
}
