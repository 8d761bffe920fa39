/**
 * The command-line tool's output: written in chunks as it is made (a table row by row, JSON item
 * by item), each chunk taken by the stream before the next is made, so that a result of a million
 * sentences never becomes one giant string. A reader that goes away (`| head -1`: EPIPE) ends the
 * run quietly, as it ends other Unix tools; a write that fails (a full disk: ENOSPC) is one line
 * on stderr and exit code 1, never a stack trace.
 */
import type { Logger } from './engine/log';
import { inertJson, printable } from './printable';

/** stdout's reader has gone (a closed pipe): nothing more is written, and nothing is said. */
export class OutputClosed extends Error {}
/** stdout could not be written (a full disk, an I/O error): the message is printed, exit code 1. */
export class OutputFailed extends Error {}

/** The exit code of a run whose output pipe was closed: the shell's for a tool ended by SIGPIPE (128 + 13). */
export const CLOSED_PIPE_EXIT_CODE = 141;

/** The exit code of a command stopped by Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * A signal that Ctrl-C or SIGTERM aborts until `dispose` is called: a long command (batch, worker,
 * collect) stops cleanly, keeps what it did and says how to go on, instead of dying mid-write.
 */
export function interruption(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}

/** How much is made before it is written: a few pipe buffers. */
const CHUNK_LENGTH = 64 * 1024;

/** stdout, or any stream: text queued and written a chunk at a time, respecting backpressure. */
export class Output {
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {
    // A failed write is reported to its callback (see `flush`); a stream also emits it as an
    // 'error' event, which with no listener ends the process with a stack trace.
    stream.on('error', () => undefined);
  }

  /** Writes every piece, waiting for the stream to take each chunk before making the next. */
  async write(pieces: Iterable<string>): Promise<void> {
    for (const piece of pieces) {
      this.pending.push(piece);
      this.pendingLength += piece.length;
      if (this.pendingLength >= CHUNK_LENGTH) await this.flush();
    }
  }

  /** Writes each line with a line break after it. */
  async lines(lines: Iterable<string>): Promise<void> {
    await this.write(withLineBreaks(lines));
  }

  /**
   * Writes `value` as `JSON.stringify(value, null, 2)` would, then a line break, with the
   * characters a terminal would obey escaped ({@link inertJson}): arrays and other iterables
   * (a generator maps a long list lazily) item by item.
   */
  async json(value: unknown): Promise<void> {
    await this.write(inertPieces(jsonPieces(value)));
    await this.write(['\n']);
  }

  /** Writes what is still queued. */
  async end(): Promise<void> {
    await this.flush();
  }

  private flush(): Promise<void> {
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (chunk === '') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.stream.write(chunk, (error) => (error ? reject(outputError(error)) : resolve()));
    });
  }
}

function* withLineBreaks(lines: Iterable<string>): Generator<string> {
  for (const line of lines) yield `${line}\n`;
}

function* inertPieces(pieces: Iterable<string>): Generator<string> {
  for (const piece of pieces) yield inertJson(piece);
}

const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is too large',
  EIO: 'an input/output error',
};

function outputError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  // After EPIPE the stream is destroyed: a write still queued fails with ERR_STREAM_DESTROYED.
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return new OutputClosed('The output pipe was closed.');
  return new OutputFailed(`Cannot write the output: ${WRITE_FAILURES[code] ?? error.message}${code && WRITE_FAILURES[code] ? ` (${code})` : ''}.`);
}

/**
 * `value` as `JSON.stringify(value, null, 2)` writes it, in pieces. A list (an array, or any other
 * iterable object, written as an array) is written item by item, and so is an object holding one;
 * anything else is one piece.
 */
export function* jsonPieces(value: unknown, indent = ''): Generator<string> {
  const inner = `${indent}  `;
  if (isList(value)) {
    let empty = true;
    for (const item of value) {
      yield `${empty ? '[' : ','}\n${inner}`;
      empty = false;
      // As in JSON.stringify, what JSON cannot hold is null in a list.
      if (isJsonValue(item)) yield* jsonPieces(item, inner);
      else yield 'null';
    }
    yield empty ? '[]' : `\n${indent}]`;
  } else if (typeof value === 'object' && value !== null && Object.values(value).some(isList)) {
    let empty = true;
    for (const [key, item] of Object.entries(value)) {
      if (!isJsonValue(item)) continue; // as in JSON.stringify, such keys are left out
      yield `${empty ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
      empty = false;
      yield* jsonPieces(item, inner);
    }
    yield empty ? '{}' : `\n${indent}}`;
  } else {
    const json = JSON.stringify(value, null, 2);
    yield indent ? json.replaceAll('\n', `\n${indent}`) : json;
  }
}

function isList(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

function isJsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/**
 * stderr, where messages go: one line each, made {@link printable}. Its errors are ignored: a
 * closed or full stderr leaves nowhere to say anything, and the exit code still tells.
 */
export class Messages {
  constructor(private readonly stream: NodeJS.WritableStream = process.stderr) {
    stream.on('error', () => undefined);
  }

  /** Writes `text-analytics: <message>` on one line. */
  say(message: string): void {
    this.stream.write(`text-analytics: ${printable(message)}\n`);
  }

  /** Writes text of the tool's own (the usage), as it is. */
  raw(text: string): void {
    this.stream.write(text);
  }

  /** A logger for the engine (--verbose): one printable line per message. */
  logger(): Logger {
    const line = (level: string) => (message: string) => void this.stream.write(`[${level}] ${printable(message)}\n`);
    return { info: line('info'), warn: line('warn'), error: line('error') };
  }
}
