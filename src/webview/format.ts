/** Small text formatters the webview's views share. */

import type { DeviceInfo, ModelInfo } from '../protocol';

/**
 * The user's display language (`vscode.env.language`, which the host sends): every number the
 * views show goes through it, so 1234.5 reads "1,234.5" in English and "1.234,5" in German.
 * Until the host says, the browser's language.
 */
let locale: string | undefined;
const formatters = new Map<string, Intl.NumberFormat>();

/** Sets the language numbers are formatted in; a tag `Intl` refuses leaves the previous one. */
export function setNumberLocale(tag: string): void {
  try {
    new Intl.NumberFormat(tag);
  } catch {
    return;
  }
  if (tag !== locale) formatters.clear();
  locale = tag;
}

function formatter(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let cached = formatters.get(key);
  if (!cached) formatters.set(key, (cached = new Intl.NumberFormat(locale, options)));
  return cached;
}

/** A count, grouped as the user's language groups digits: "1,234". */
export function count(n: number): string {
  return formatter('count', { maximumFractionDigits: 0 }).format(n);
}

/** A number with exactly `digits` decimals: decimal(3.25, 1) → "3.3" ("3,3" in German). */
export function decimal(n: number, digits: number): string {
  return formatter(`decimal${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** Rounded down, so 99.8% reads 99%: "100%" would claim a certainty the model never has. */
export function percent(score: number): string {
  // Floored here, so that Intl's own rounding has nothing left to round up.
  return formatter('percent', { style: 'percent', maximumFractionDigits: 0 }).format(Math.floor(score * 100) / 100);
}

export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${count(n)} ${n === 1 ? noun : nouns}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${count(Math.round(ms))} ms` : `${decimal(ms / 1000, 1)} s`;
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
