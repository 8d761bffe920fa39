import type { Progress } from '../protocol';

/** What a running task is given: a way to be stopped, and a way to report how far it is. */
export interface TaskContext {
  signal?: AbortSignal;
  onProgress?(progress: Progress): void;
}
