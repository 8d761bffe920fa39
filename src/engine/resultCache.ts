import { createHash } from 'node:crypto';

/**
 * Results keyed by a hash of (model, text), least recently used evicted first. Re-running a task
 * on an unchanged sentence or paragraph costs a hash and a lookup instead of a forward pass.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 50_000) {}

  static key(model: string, text: string): string {
    return createHash('sha256').update(model).update('\0').update(text).digest('base64');
  }

  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
