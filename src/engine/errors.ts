import type { ErrorCode, WorkerError } from '../protocol';

/** An error the user should read: `message` says what went wrong and what to do about it. */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
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
    return { code: error.code, message: error.message, detail: describeCause(error.cause) };
  }
  if (error instanceof Error) return { code: 'internal', message: error.message, detail: error.stack };
  return { code: 'internal', message: String(error) };
}

function describeCause(cause: unknown): string | undefined {
  if (cause instanceof Error) return cause.stack ?? cause.message;
  return cause === undefined ? undefined : String(cause);
}
