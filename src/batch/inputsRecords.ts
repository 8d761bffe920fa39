/**
 * Cutting a stream of bytes into records — the lines of a JSON Lines file, the rows of a CSV or TSV
 * file — in bounded memory, whatever the input: a record is held only up to a limit of bytes, and
 * one longer than that is reported as too long and its bytes dropped as they are read until it
 * ends, so a huge line or an endless one from a FIFO costs a chunk of memory, not all of it.
 *
 * Only the boundaries are found here, and the line each record starts on; what a record holds is
 * read by the caller (JSON.parse, csv-parse). csv-parse's stream cannot do this part itself: its
 * `max_record_size` with `skip_records_with_error` stops parsing the rest of the input after the
 * first record over the limit, and the lines it reports are where a record ends, not where it
 * starts. So the rows are cut here, by the same quoting rules csv-parse follows with
 * `relax_quotes` (see {@link CsvRecordEnds}), and each row is parsed on its own.
 */

/** A record as cut from the input: its bytes, or only that it was too long. */
export type RawRecord =
  /** `bytes` hold the record without its line break. */
  | { line: number; bytes: Buffer }
  /** Longer than the limit: reported as soon as it is, its bytes skipped to its end. */
  | { line: number; tooLong: true };

/** Finds where records end, chunk by chunk; it keeps what it needs to know across chunks. */
export interface RecordEnds {
  /**
   * Reads `chunk` from `from` on: where the current record's bytes end and the next record starts
   * (after the line break), or undefined when the record goes on past this chunk.
   */
  find(chunk: Buffer, from: number): { end: number; next: number } | undefined;
  /** Where the next record really starts in `chunk`, from `from` on: past what is left of the last one's line break. */
  start?(chunk: Buffer, from: number): number;
  /** The line the scan is on (from 1): line breaks passed so far, plus one. */
  readonly line: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** JSON Lines: a record ends at LF (a CR before it is white space to JSON, and left to it). */
export class LineEnds implements RecordEnds {
  line = 1;

  find(chunk: Buffer, from: number): { end: number; next: number } | undefined {
    const at = chunk.indexOf(LF, from);
    if (at < 0) return undefined;
    this.line++;
    return { end: at, next: at + 1 };
  }
}

const enum CsvState {
  /** At the start of a field: a quote here opens a quoted field. */
  FieldStart,
  /** In a field that is not quoted: a delimiter or a line break ends it. */
  Unquoted,
  /** In a quoted field: line breaks and delimiters are its text. */
  Quoted,
  /** A quote in a quoted field: another quote makes an escaped quote, anything else closes the field. */
  QuoteInQuoted,
}

/**
 * CSV or TSV: a record ends at a line break (LF, CRLF or CR) outside quotes. A quote opens a quoted
 * field only at the start of a field (elsewhere it is text, as csv-parse reads it with
 * `relax_quotes`); in a quoted field two quotes are one quote and a quote before anything else
 * closes it. Lines are counted inside quoted fields too, so a record's line is where it starts
 * in the file.
 */
export class CsvRecordEnds implements RecordEnds {
  line = 1;
  private state = CsvState.FieldStart;
  /** The last byte scanned was a CR: an LF right after it is the same line break. */
  private afterCr = false;
  /** A record ended at the CR that ended the last chunk: an LF starting the next is its line break's. */
  private lfPending = false;

  constructor(private readonly delimiter: number) {}

  start(chunk: Buffer, from: number): number {
    if (!this.lfPending || from >= chunk.length) return from;
    this.lfPending = false;
    if (chunk[from] !== LF) return from;
    this.afterCr = false;
    return from + 1;
  }

  find(chunk: Buffer, from: number): { end: number; next: number } | undefined {
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === CR || (byte === LF && !this.afterCr)) this.line++;
      this.afterCr = byte === CR;
      if (this.state === CsvState.QuoteInQuoted) {
        if (byte === QUOTE) {
          this.state = CsvState.Quoted;
          continue;
        }
        this.state = CsvState.Unquoted;
      }
      if (this.state === CsvState.Quoted) {
        if (byte === QUOTE) this.state = CsvState.QuoteInQuoted;
        continue;
      }
      if (byte === CR || byte === LF) {
        this.state = CsvState.FieldStart;
        if (byte === LF) return { end: i, next: i + 1 };
        if (i + 1 === chunk.length) {
          this.lfPending = true;
          return { end: i, next: i + 1 };
        }
        if (chunk[i + 1] !== LF) return { end: i, next: i + 1 };
        this.afterCr = false;
        return { end: i, next: i + 2 };
      }
      if (byte === this.delimiter) this.state = CsvState.FieldStart;
      else if (byte === QUOTE && this.state === CsvState.FieldStart) this.state = CsvState.Quoted;
      else this.state = CsvState.Unquoted;
    }
    return undefined;
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * The records of `chunks`, one at a time as the consumer pulls them; a UTF-8 byte-order mark at
 * the start is dropped. An empty record (a blank line) is not yielded. A record over `maxBytes` is
 * yielded as too long once, when it passes the limit, and its bytes are not kept.
 */
export async function* splitRecords(chunks: AsyncIterable<Buffer | string>, ends: RecordEnds, maxBytes: number): AsyncGenerator<RawRecord> {
  /** Pieces of the record being read (views of the chunks: nothing is copied until it is whole). */
  let pieces: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = ends.line;
  /** Bytes of the start, until they say whether a byte-order mark is there. */
  let head: Buffer | undefined = Buffer.alloc(0);

  /** Takes `bytes` into the record; the record once it has just become too long. */
  const take = (bytes: Buffer): RawRecord | undefined => {
    if (tooLong || bytes.length === 0) return undefined;
    size += bytes.length;
    if (size <= maxBytes) {
      pieces.push(bytes);
      return undefined;
    }
    tooLong = true;
    pieces = [];
    return { line, tooLong: true };
  };
  /** The record that ended, if it is to be yielded, and a fresh start for the next one. */
  const finish = (): RawRecord | undefined => {
    const record: RawRecord | undefined = tooLong || size === 0 ? undefined : { line, bytes: pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size) };
    pieces = [];
    size = 0;
    tooLong = false;
    line = ends.line;
    return record;
  };

  for await (const piece of chunks) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    if (head) {
      // A pipe may deliver the first bytes one at a time: wait for those that tell.
      const start = Buffer.concat([head, chunk]);
      const bom = UTF8_BOM.every((byte, i) => i >= start.length || start[i] === byte);
      if (bom && start.length < UTF8_BOM.length) {
        head = start;
        continue;
      }
      chunk = bom ? start.subarray(UTF8_BOM.length) : start;
      head = undefined;
    }
    let at = 0;
    while (at < chunk.length) {
      at = ends.start?.(chunk, at) ?? at;
      const found = ends.find(chunk, at);
      const over = take(chunk.subarray(at, found ? found.end : chunk.length));
      if (over) yield over;
      if (!found) break;
      const record = finish();
      if (record) yield record;
      at = found.next;
    }
  }
  if (head && head.length > 0) {
    // The whole input was shorter than a byte-order mark.
    const over = take(head);
    if (over) yield over;
  }
  const last = finish();
  if (last) yield last;
}
