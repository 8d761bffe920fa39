/**
 * Reads an ONNX file (a protobuf message) field by field at given positions, a block at a time,
 * without reading what it skips: the weights (`raw_data`) of a graph of hundreds of MB are passed
 * over by their length. Used to find the external data files a graph names (externalData.ts) and
 * the embedding tables a session can map from the file instead of copying (mappedTables.ts).
 */
import type { FileHandle } from 'node:fs/promises';

/** How the reader's errors start: the file is not a well-formed protobuf message. */
export const MALFORMED = 'malformed ONNX: ';
/** Wire types (https://protobuf.dev/programming-guides/encoding/). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH = 2;
export const FIXED32 = 5;

/** Reads protobuf fields from a file at given positions, a block at a time: length-delimited fields are skipped unread. */
export class ProtoReader {
  private block = Buffer.alloc(0);
  private blockStart = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /**
   * Calls `onField` for each field of the message in [from, to): its number, wire type, and for a
   * length-delimited field its content's [start, end); for a varint, its value; and where the
   * field begins (its tag).
   */
  async message(
    from: number,
    to: number,
    onField: (field: number, wire: number, start: number, end: number, value: number, tagAt: number) => Promise<void> | void,
  ): Promise<void> {
    let at = from;
    while (at < to) {
      const [tag, afterTag] = await this.varint(at);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new Error(`${MALFORMED}a field number 0 at byte ${at}`);
      if (wire === VARINT) {
        const [value, next] = await this.varint(afterTag);
        await onField(field, wire, afterTag, next, value, at);
        at = next;
      } else if (wire === LENGTH) {
        const [length, start] = await this.varint(afterTag);
        const end = start + length;
        if (end > to) throw new Error(`${MALFORMED}a field of ${length} bytes at byte ${at} runs past its message`);
        await onField(field, wire, start, end, length, at);
        at = end;
      } else if (wire === FIXED64) at = afterTag + 8;
      else if (wire === FIXED32) at = afterTag + 4;
      else throw new Error(`${MALFORMED}wire type ${wire} at byte ${at}`);
    }
    if (at !== to) throw new Error(`${MALFORMED}a field runs past its message at byte ${to}`);
  }

  async text(start: number, end: number): Promise<string> {
    if (end - start > 4096) throw new Error(`${MALFORMED}a name of ${end - start} bytes`);
    return (await this.bytes(start, end)).toString('utf8');
  }

  /** A varint at `at`: its value (exact up to 2^53) and the position after it. */
  private async varint(at: number): Promise<[number, number]> {
    const bytes = await this.bytes(at, Math.min(this.size, at + 10));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i++) {
      value += (bytes[i] & 0x7f) * scale;
      if ((bytes[i] & 0x80) === 0) return [value, at + i + 1];
      scale *= 128;
    }
    throw new Error(`${MALFORMED}a truncated number at byte ${at}`);
  }

  /** Copies the file's bytes [start, end) into `target` at `at`, past the block (for long ranges). */
  async copy(start: number, end: number, target: Buffer, at: number): Promise<void> {
    if (end > this.size) throw new Error(`${MALFORMED}the file ends at byte ${this.size}`);
    for (let done = 0; done < end - start; ) {
      const { bytesRead } = await this.handle.read(target, at + done, end - start - done, start + done);
      if (bytesRead === 0) throw new Error(`${MALFORMED}the file ends at byte ${start + done}`);
      done += bytesRead;
    }
  }

  private async bytes(start: number, end: number): Promise<Buffer> {
    if (end > this.size) throw new Error(`${MALFORMED}the file ends at byte ${this.size}`);
    if (start < this.blockStart || end > this.blockStart + this.block.length) {
      const length = Math.min(this.size - start, Math.max(65_536, end - start));
      const block = Buffer.alloc(length);
      const { bytesRead } = await this.handle.read(block, 0, length, start);
      this.block = block.subarray(0, bytesRead);
      this.blockStart = start;
      if (end > start + bytesRead) throw new Error(`${MALFORMED}the file ends at byte ${start + bytesRead}`);
    }
    return this.block.subarray(start - this.blockStart, end - this.blockStart);
  }
}
