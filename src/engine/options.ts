import { homedir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '../protocol';

/** Where downloaded models go when nothing else is said: the user's cache folder. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined);
  return join(base || join(homedir(), '.cache'), 'local-text-analytics', 'models');
}

export function defaultEngineOptions(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    device: 'auto',
    threads: 0,
    precision: 'auto',
    modelSources: {},
    cacheDir: defaultCacheDir(),
    allowDownloads: false,
    idleUnloadSeconds: 0,
    ...overrides,
  };
}
