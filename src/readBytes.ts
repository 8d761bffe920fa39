import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';

/**
 * Reading a file's text in bounded chunks, whatever the file is: a regular file, a pipe, a FIFO,
 * a device such as /dev/zero or /dev/urandom, which never ends. Nothing is read whole: the caller
 * takes the text piece by piece and stops when it has what it needs, or when the text is over
 * its limit, so an endless or huge input costs one chunk of memory, not all of it.
 */

/** The text encodings a file can have: UTF-16 with a byte-order mark (as Windows Notepad saves it) or, as everything else, UTF-8. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Why a file's text cannot be read, for each caller to say in its own words. */
export type ReadProblem =
  /** No such file, a folder, no permission…: `why` says it in words. */
  | { kind: 'unreadable'; why: string }
  /** NUL bytes (UTF-8) or NUL characters (UTF-16): not text. */
  | { kind: 'binary'; found: 'bytes' | 'characters' }
  /** Not valid text in `encoding`. */
  | { kind: 'invalid'; encoding: TextEncoding }
  /** More than `maxBytes`: `size` when a regular file's size said so before reading, else only that it holds more. */
  | { kind: 'too-large'; size?: number };

export interface ReadTextOptions {
  /** Makes the error thrown for a problem. */
  fail: (problem: ReadProblem) => Error;
  /** Read at most this many bytes (and one more, to know there are more); a larger regular file is refused unread. */
  maxBytes?: number;
  /** Sees the file's first bytes (four, or all of a shorter file) before anything is decoded, and may throw. */
  sniff?: (head: Buffer) => void;
}

/** A file open for reading its text. */
export interface TextFile {
  /** The size of a regular file; undefined for a pipe, a FIFO, a device or a socket, whose size is unknown until read. */
  readonly size: number | undefined;
  /** The decoded text, piece by piece, without a byte-order mark. Stop iterating to stop reading. */
  pieces(): Generator<string, void, undefined>;
}

/** Bytes read at once: a few pipe buffers, little memory. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Opens `file`, hands it to `use`, and closes it when `use` returns or throws. A problem (the
 * file cannot be opened, is not text, is over `maxBytes`) is thrown as `fail` makes it: at once
 * for what opening and the size tell, while `pieces()` is iterated for what reading finds.
 */
export function withTextFile<T>(file: string, options: ReadTextOptions, use: (text: TextFile) => T): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw options.fail({ kind: 'unreadable', why: reason(error) });
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw options.fail({ kind: 'unreadable', why: 'it is a folder' });
    const size = stats.isFile() ? stats.size : undefined;
    if (size !== undefined && options.maxBytes !== undefined && size > options.maxBytes) throw options.fail({ kind: 'too-large', size });
    return use({ size, pieces: () => decodedPieces(fd, options) });
  } finally {
    closeSync(fd);
  }
}

function* decodedPieces(fd: number, { fail, maxBytes = Infinity, sniff }: ReadTextOptions): Generator<string, void, undefined> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let total = 0;
  // Waits for what `sniff` looks at too, no more, so that a first line sent alone is read before the next.
  const decoder = new ChunkDecoder(fail, { headBytes: sniff ? 4 : 1, onStart: (head) => sniff?.(head.subarray(0, 4)) });
  for (;;) {
    const n = readSome(fd, buffer, Math.min(CHUNK_BYTES, maxBytes + 1 - total), fail);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw fail({ kind: 'too-large' });
    const text = decoder.push(buffer.subarray(0, n));
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * Text decoded a chunk of bytes at a time, synchronous or not, whatever the source: the first
 * bytes are held until they tell the encoding (a byte-order mark: UTF-16LE/BE or UTF-8; none:
 * UTF-8), and what is not text — NUL bytes, NUL characters, invalid sequences — is thrown as
 * `fail` makes it. The byte-order mark is not part of the text, as in VS Code, where offsets count
 * from the character after it.
 */
export class ChunkDecoder {
  /** The first bytes, until the encoding is known. */
  private head: Buffer | undefined = Buffer.alloc(0);
  private decoder: TextDecoder | undefined;
  /** What the first bytes said (UTF-8 until they have). */
  private encoding: TextEncoding = 'utf-8';

  constructor(
    private readonly fail: (problem: ReadProblem) => Error,
    private readonly options: {
      /** Hold at least this many first bytes (or all of a shorter input) before decoding: those `onStart` looks at. */
      headBytes?: number;
      /** Sees the first bytes once the encoding is known, before anything is decoded; may throw. */
      onStart?: (head: Buffer) => void;
    } = {},
  ) {}

  /** The text of `bytes` that can be decoded now (a character split across chunks waits for the next). */
  push(bytes: Uint8Array): string {
    let chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.head) {
      // A pipe may deliver a byte at a time: wait for those that tell the encoding.
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < Math.max(bomLength(this.head), this.options.headBytes ?? 1)) return '';
      chunk = this.start();
    }
    return this.decode(chunk, true);
  }

  /** The rest of the text, once the bytes are over; throws when they end inside a character. */
  end(): string {
    return this.decode(this.head ? this.start() : Buffer.alloc(0), false);
  }

  private start(): Buffer {
    const head = this.head as Buffer;
    this.head = undefined;
    this.options.onStart?.(head);
    this.encoding = bomEncoding(head);
    // The decoder drops a byte-order mark.
    this.decoder = new TextDecoder(this.encoding, { fatal: true });
    return head;
  }

  private decode(bytes: Buffer, stream: boolean): string {
    if (this.encoding === 'utf-8' && bytes.includes(0)) throw this.fail({ kind: 'binary', found: 'bytes' });
    let text: string;
    try {
      text = (this.decoder as TextDecoder).decode(bytes, { stream });
    } catch {
      throw this.fail({ kind: 'invalid', encoding: this.encoding });
    }
    if (text.includes('\0')) throw this.fail({ kind: 'binary', found: 'characters' });
    return text;
  }
}

/** Reads up to `length` bytes; waits and retries when a non-blocking descriptor has none yet. */
function readSome(fd: number, buffer: Buffer, length: number, fail: ReadTextOptions['fail']): number {
  for (;;) {
    try {
      return readSync(fd, buffer, 0, length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw fail({ kind: 'unreadable', why: reason(error) });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** How many first bytes tell the encoding: a byte-order mark's (two or three), or one that starts none. */
function bomLength(head: Buffer): number {
  return head[0] === 0xef ? 3 : head[0] === 0xff || head[0] === 0xfe ? 2 : 1;
}

function bomEncoding(bytes: Buffer): TextEncoding {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The system's reason in words: no such file, a folder, or its own message. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
