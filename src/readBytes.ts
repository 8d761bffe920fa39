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
  let head: Buffer<ArrayBufferLike> | undefined = Buffer.alloc(0); // the first bytes, until the encoding is known
  let encoding: TextEncoding = 'utf-8';
  let decoder: TextDecoder | undefined;
  const decode = (bytes: Buffer, stream: boolean): string => {
    if (encoding === 'utf-8' && bytes.includes(0)) throw fail({ kind: 'binary', found: 'bytes' });
    let text: string;
    try {
      text = (decoder as TextDecoder).decode(bytes, { stream });
    } catch {
      throw fail({ kind: 'invalid', encoding });
    }
    if (text.includes('\0')) throw fail({ kind: 'binary', found: 'characters' });
    return text;
  };
  const start = (bytes: Buffer): void => {
    sniff?.(bytes.subarray(0, 4));
    encoding = bomEncoding(bytes);
    // The decoder drops a byte-order mark, as VS Code does: offsets count from the character after it.
    decoder = new TextDecoder(encoding, { fatal: true });
  };
  for (;;) {
    const n = readSome(fd, buffer, Math.min(CHUNK_BYTES, maxBytes + 1 - total), fail);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw fail({ kind: 'too-large' });
    let bytes: Buffer<ArrayBufferLike> = buffer.subarray(0, n);
    if (head) {
      // A pipe may deliver a byte at a time: wait for those that tell the encoding (and what
      // `sniff` looks at), no more, so that a first line sent alone is read before the next.
      head = Buffer.concat([head, bytes]);
      if (head.length < headLength(head, sniff !== undefined)) continue;
      start(head);
      bytes = head;
      head = undefined;
    }
    const text = decode(bytes, true);
    if (text) yield text;
  }
  if (head) start(head);
  const rest = decode(head ?? Buffer.alloc(0), false);
  if (rest) yield rest;
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
function headLength(head: Buffer, sniffed: boolean): number {
  const bom = head[0] === 0xef ? 3 : head[0] === 0xff || head[0] === 0xfe ? 2 : 1;
  return sniffed ? Math.max(bom, 4) : bom;
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
