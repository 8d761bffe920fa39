/** Small text formatters the webview's views share. */

import type { DeviceInfo, ModelInfo } from '../protocol';

/** Rounded down, so 99.8% reads 99%: "100%" would claim a certainty the model never has. */
export function percent(score: number): string {
  return `${Math.floor(score * 100)}%`;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The last path segment: the host sends full paths, which rarely fit a header. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

const DEVICE_NAMES: Record<DeviceInfo['used'], string> = {
  cpu: 'CPU',
  cuda: 'GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'GPU (CoreML)',
};

export function describeDevice(device: DeviceInfo): string {
  const used = DEVICE_NAMES[device.used] ?? device.used;
  return device.requested === 'gpu' && device.used === 'cpu' ? `${used} (GPU requested)` : used;
}

const MODEL_SOURCES: Record<ModelInfo['source'], string> = {
  setting: 'from settings',
  bundled: 'bundled',
  cache: 'downloaded earlier',
  download: 'just downloaded',
};

export function describeModel(model: ModelInfo): string {
  return `${model.id} (${model.precision}, ${MODEL_SOURCES[model.source] ?? model.source})`;
}
