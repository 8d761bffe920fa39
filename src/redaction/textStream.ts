/**
 * A byte stream's text for redaction, and the text written back in the same encoding: `redact`
 * must leave every byte that is not personal data as it was, so a UTF-8 byte-order mark is written
 * back, and a UTF-16 file (as Windows Notepad saves it) stays UTF-16 in the same byte order.
 * Read asynchronously from any readable stream (a file, a pipe, standard input on every platform)
 * a piece at a time, never whole.
 */
import { ChunkDecoder, type ReadProblem } from '../readBytes';

/** How the input was encoded, byte-order mark included: how the output is encoded. */
export type StreamEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

/** The encoding its first bytes (a byte-order mark, or none: UTF-8) say. */
export function encodingOf(head: Uint8Array): StreamEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * The decoded text of `bytes`, piece by piece, without the byte-order mark; `onEncoding` hears the
 * encoding before the first piece. A problem (NUL bytes: binary; not valid text) is thrown as
 * `fail` makes it, when the reading comes to it.
 */
export async function* decodedText(
  bytes: AsyncIterable<Uint8Array | string>,
  onEncoding: (encoding: StreamEncoding) => void,
  fail: (problem: ReadProblem) => Error,
): AsyncGenerator<string, void, undefined> {
  // The decoder drops the byte-order mark; the writer puts it back (see `encoded`).
  const decoder = new ChunkDecoder(fail, { onStart: (head) => onEncoding(encodingOf(head)) });
  for await (const piece of bytes) {
    const text = decoder.push(typeof piece === 'string' ? Buffer.from(piece) : piece);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** What writing `encoding` needs: the byte-order mark to write first, how a stream encodes strings, and each piece as it is to be written. */
export interface TextEncoding {
  /** Written before the first piece: the byte-order mark the input had, or nothing. */
  bom: string;
  /** The stream's string encoding (`Writable.setDefaultEncoding`). */
  streamEncoding: 'utf8' | 'utf16le';
  /** A piece as the stream must be given it. */
  piece(text: string): string;
}

/**
 * How to write text in `encoding` through a stream that encodes strings: UTF-8, or UTF-16LE whose
 * code units Node writes as they are (even a lone surrogate); UTF-16BE as UTF-16LE of the
 * byte-swapped code units, which puts the same bytes in big-endian order.
 */
export function encoded(encoding: StreamEncoding): TextEncoding {
  switch (encoding) {
    case 'utf-8':
      return { bom: '', streamEncoding: 'utf8', piece: (text) => text };
    case 'utf-8-bom':
      return { bom: '\uFEFF', streamEncoding: 'utf8', piece: (text) => text };
    case 'utf-16le':
      return { bom: '\uFEFF', streamEncoding: 'utf16le', piece: (text) => text };
    case 'utf-16be':
      return { bom: swapped('\uFEFF'), streamEncoding: 'utf16le', piece: swapped };
  }
}

function swapped(text: string): string {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    units[i] = ((unit & 0xff) << 8) | (unit >> 8);
  }
  // In slices: String.fromCharCode takes its arguments on the stack.
  const parts: string[] = [];
  for (let i = 0; i < units.length; i += 8192) parts.push(String.fromCharCode(...units.subarray(i, i + 8192)));
  return parts.join('');
}
