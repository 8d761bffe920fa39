import type { ErrorCode, ModelTrouble, WorkerError } from '../protocol';

/**
 * What a model error is about, in parts, for each front end to say what to do in its own terms:
 * the editor names its settings, the command line its options. The engine's `message` is the
 * editor's wording; `trouble` goes with it, across the worker too, for a front end (the CLI, its
 * batch runs through the worker) that words it itself.
 */
export type { ModelTrouble };

/** An error the user should read: `message` says what went wrong and what to do about it. */
export class EngineError extends Error {
  /** A model error's parts, for a front end that words its own advice (see {@link ModelTrouble}). */
  readonly trouble?: ModelTrouble;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; trouble?: ModelTrouble },
  ) {
    super(message, options);
    this.name = 'EngineError';
    if (options?.trouble) this.trouble = options.trouble;
  }
}

export function cancelledError(): EngineError {
  return new EngineError('cancelled', 'The request was cancelled.');
}

/** Throws a `cancelled` EngineError if the signal has fired. Call it between units of work. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

/** Turns anything thrown into a message that can cross the process boundary. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof EngineError) {
    return { code: error.code, message: error.message, detail: describeCause(error.cause), ...(error.trouble ? { trouble: error.trouble } : {}) };
  }
  if (error instanceof Error) return { code: 'internal', message: error.message, detail: error.stack };
  return { code: 'internal', message: String(error) };
}

function describeCause(cause: unknown): string | undefined {
  if (cause instanceof Error) return cause.stack ?? cause.message;
  return cause === undefined ? undefined : String(cause);
}
