/**
 * The command-line tool's input: a file read for analysis, whole or some of its lines, in bounded
 * memory whatever it is. A regular file too large for the limit is refused before it is read; a
 * pipe, a FIFO or a device (which may never end) is read only until its text is over the limit;
 * `--lines` reads only up to the last line asked for, so even a huge file or an endless stream
 * gives its first lines.
 */
import { isBlank } from './unicode';
import { MAX_TEXT_LENGTH } from './protocol';
import { withTextFile, type ReadProblem } from './readBytes';

/** The input could not be used (missing, binary, not valid text, blank, too long): the message is printed, exit code 1. */
export class InputError extends Error {}

export interface ReadOptions {
  /** The most UTF-16 units (what JavaScript, VS Code and --max-chars count) the part analysed may have. */
  maxChars: number;
  /** --lines: 1-based, inclusive; `to` is Infinity for "to the end". */
  lines?: [from: number, to: number];
}

/** A file as read for analysis. */
export interface TextDocument {
  /** What is analysed: the whole text, or the lines asked for. */
  part: string;
  /** Where `part` starts in the decoded file, in UTF-16 units: reported offsets count from the file's start. */
  offset: number;
  /** The line (from 1) `part` starts on: reported line numbers are the file's. */
  firstLine: number;
}

/**
 * The most bytes `units` UTF-16 units of text can take: three a unit (UTF-8 writes a BMP character
 * in up to three bytes and a surrogate pair in four; UTF-16 in two a unit), and a byte-order mark.
 */
function mostBytes(units: number): number {
  return 3 * units + 3;
}

/**
 * Reads `file` for analysis, or says why it cannot be analysed: missing, binary, not valid text,
 * blank, or over the size limit (then how to analyse part of it).
 */
export function readDocument(file: string, { maxChars, lines }: ReadOptions): TextDocument {
  const fail = (problem: ReadProblem) => inputProblem(file, problem, maxChars);
  return withTextFile(file, { fail, maxBytes: lines ? undefined : mostBytes(maxChars) }, (text) => {
    // A regular file is counted on to say how long it is (its size bounds that); anything else
    // only up to the limit: it may never end.
    const reader = { pieces: text.pieces(), countTo: text.size === undefined ? maxChars : MAX_TEXT_LENGTH };
    return lines ? selectLines(file, reader, lines, maxChars) : wholeText(file, reader, maxChars);
  });
}

interface TextReader {
  pieces: Iterator<string, void>;
  /** How far to count the characters of a part over the limit, to say how long it is. */
  countTo: number;
}

function wholeText(file: string, { pieces, countTo }: TextReader, maxChars: number): TextDocument {
  const kept: string[] = [];
  let length = 0;
  for (let piece = pieces.next(); !piece.done; piece = pieces.next()) {
    length += piece.value.length;
    if (length <= maxChars) kept.push(piece.value);
    else if (length > countTo) break;
  }
  if (length > maxChars) throw tooLong(file, 'has', length > countTo ? { moreThan: countTo } : { exactly: length }, maxChars, 'Analyse part of it with --lines FROM:TO');
  const part = kept.join('');
  if (isBlank(part)) throw new InputError(`${file} has no text to analyse: it is empty or only whitespace.`);
  return { part, offset: 0, firstLine: 1 };
}

/**
 * The lines [from, to] (a line ends at LF, CRLF or CR, as in VS Code; the last one keeps its line
 * break), where they start, and on which line: read up to the end of line `to` and no further.
 */
function selectLines(file: string, { pieces, countTo }: TextReader, [from, to]: [number, number], maxChars: number): TextDocument {
  const kept: string[] = [];
  let line = 1; // the line being read
  let units = 0; // UTF-16 units before the text being looked at
  let offset = 0; // where line `from` starts
  let length = 0; // of the part
  let carriedCr = false; // a piece ended with CR: an LF starting the next one ends the same line
  const keep = (text: string) => {
    length += text.length;
    if (length <= maxChars) kept.push(text);
  };
  /** Takes `text`, which holds no line break or ends with one; false once nothing more is wanted. */
  const take = (text: string, endsLine: boolean): boolean => {
    if (line >= from) keep(text);
    units += text.length;
    if (endsLine && ++line === from) offset = units;
    return line <= to && length <= countTo;
  };
  let wanted = true;
  // Not a for loop over the pieces: once nothing more is wanted, not one more chunk is read (a
  // FIFO's writer may wait before the next one).
  while (wanted) {
    const piece = pieces.next();
    if (piece.done) break;
    let text: string = carriedCr ? `\r${piece.value}` : piece.value;
    carriedCr = text.endsWith('\r');
    if (carriedCr) text = text.slice(0, -1);
    let at = 0;
    for (const lineBreak of text.matchAll(/\r\n|\r|\n/g)) {
      const end = lineBreak.index + lineBreak[0].length;
      wanted = take(text.slice(at, end), true);
      at = end;
      if (!wanted) break;
    }
    if (wanted) wanted = take(text.slice(at), false);
  }
  if (wanted && carriedCr) take('\r', true);
  // Read to the end without reaching line `from`: `line` is the number of lines the file has.
  if (line < from) throw new InputError(`${file} has ${line} line${line === 1 ? '' : 's'}, so --lines ${from}:… selects nothing.`);
  const name = `Lines ${from}:${Math.min(to, line)} of ${file}`;
  if (length > maxChars) throw tooLong(name, 'have', length > countTo ? { moreThan: countTo } : { exactly: length }, maxChars, 'Choose fewer lines');
  const part = kept.join('');
  if (isBlank(part)) throw new InputError(`${name} have no text to analyse: they are empty or only whitespace.`);
  return { part, offset, firstLine: from };
}

/** How long a part over the limit is: counted exactly, or only that it has more than this. */
type Count = { exactly: number } | { moreThan: number };

function tooLong(what: string, has: 'has' | 'have', count: Count, maxChars: number, part: string): InputError {
  const limit = maxChars.toLocaleString('en');
  if ('exactly' in count) {
    const raise = count.exactly <= MAX_TEXT_LENGTH ? `, or raise the limit with --max-chars ${count.exactly}` : '';
    return new InputError(`${what} ${has} ${count.exactly.toLocaleString('en')} characters, more than the limit of ${limit} (--max-chars). ${part}${raise}.`);
  }
  if (count.moreThan > maxChars) {
    return new InputError(`${what} ${has} more than ${count.moreThan.toLocaleString('en')} characters, more than the limit of ${limit} (--max-chars). ${part}.`);
  }
  // A pipe or a device: read no further than the limit, as it may never end.
  const raise = maxChars < MAX_TEXT_LENGTH ? `, or raise the limit with --max-chars (at most ${MAX_TEXT_LENGTH.toLocaleString('en')})` : '';
  return new InputError(`${what} ${has} more than the limit of ${limit} characters (--max-chars): it was read no further. ${part}${raise}.`);
}

function inputProblem(file: string, problem: ReadProblem, maxChars: number): InputError {
  switch (problem.kind) {
    case 'unreadable':
      return new InputError(`Cannot read ${file}: ${problem.why}.`);
    case 'binary':
      return new InputError(`${file} looks like a binary file (it contains NUL ${problem.found}); give a text file.`);
    case 'invalid':
      return new InputError(`${file} is not valid ${problem.encoding.toUpperCase()} text. Save it as UTF-8 (or convert it, for example with iconv) and try again.`);
    case 'too-large': {
      // Only a regular file's size refuses it unread: a stream is refused by its count before.
      const size = problem.size ?? mostBytes(maxChars) + 1;
      const raise = size <= mostBytes(MAX_TEXT_LENGTH) ? `, or raise the limit with --max-chars (at most ${MAX_TEXT_LENGTH.toLocaleString('en')})` : '';
      return new InputError(
        `${file} has ${size.toLocaleString('en')} bytes, more than the limit of ${maxChars.toLocaleString('en')} characters (--max-chars) can hold. ` +
          `Analyse part of it with --lines FROM:TO${raise}.`,
      );
    }
  }
}
