import { createHash } from 'node:crypto';

/** How much a {@link ResultCache} may hold; whichever limit is reached first evicts. */
export interface ResultCacheLimits<T> {
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, keys included, as {@link sizeOf} estimates them. */
  maxBytes: number;
  /**
   * About how many bytes a value takes in the heap. An estimate is enough: the limit is there so
   * that a worker that runs for days over large documents keeps a bounded memory, not to count.
   */
  sizeOf(value: T): number;
}

/**
 * What one entry costs besides its value: the key (a 44-character base64 string and its header)
 * and its slot in the map.
 */
export const KEY_BYTES = 120;

const DEFAULT_LIMITS: ResultCacheLimits<unknown> = {
  maxEntries: 50_000,
  maxBytes: 16 * 1024 * 1024,
  sizeOf: () => 64,
};

interface Entry<T> {
  value: T;
  bytes: number;
}

/**
 * Results keyed by a hash of (model, text), least recently used evicted first. Re-running a task
 * on an unchanged sentence or paragraph costs a hash and a lookup instead of a forward pass.
 * Bounded both in entries and in (estimated) bytes, so that neither many small results nor a few
 * huge ones (a paragraph with thousands of entities) make it grow without end.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly limits: ResultCacheLimits<T>;
  private totalBytes = 0;

  constructor(limits: Partial<ResultCacheLimits<T>> = {}) {
    this.limits = { ...(DEFAULT_LIMITS as ResultCacheLimits<T>), ...limits };
  }

  static key(model: string, text: string): string {
    return createHash('sha256').update(model).update('\0').update(text).digest('base64');
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry?.value;
  }

  set(key: string, value: T): void {
    this.remove(key);
    const bytes = KEY_BYTES + this.limits.sizeOf(value);
    // A value larger than the whole cache would only evict everything else, and then itself.
    if (bytes > this.limits.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    while (this.entries.size > this.limits.maxEntries || this.totalBytes > this.limits.maxBytes) {
      this.remove(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held, keys included. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The keys, least recently used first (for tests and diagnostics). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}
