/**
 * Redacting a text of any size in bounded memory: the text comes in pieces, is analysed a window
 * at a time, and is written out up to a safe point that no finding crosses; what follows that
 * point is analysed again with the next window. Engine-agnostic (it takes an async `find`), so the
 * CLI's `redact -` runs it on the engine and the tests on a plain function.
 *
 * Why no finding is lost at a seam: a window is cut no later than `marginChars` before its end,
 * at a line break where one is near, and moved back to the start of any finding that crosses the
 * cut. A finding that the window's end truncated (and so was not found) starts after the cut as
 * long as it is shorter than the margin (64 Ki characters by default, ten times the longest PEM
 * private key block), so the next window sees it whole. The next window also starts with a little
 * of the text already written (`contextChars`), so that context words just before the seam still
 * raise the score of a finding just after it; findings inside that look-behind were written
 * already and are not reported again.
 */
import type { PiiFinding } from '../protocol';
import { Pseudonyms, redact, type RedactOptions } from './operators';

export interface RedactStreamOptions {
  /** The findings in `text`: sorted by start, not overlapping, offsets into `text`. */
  find(text: string): Promise<readonly PiiFinding[]>;
  redact: RedactOptions;
  /** Kept across windows, so `[PERSON_1]` stays the same person from the first window to the last. */
  pseudonyms?: Pseudonyms;
  /** How much text a window holds before it is analysed (more may come with the last piece read). */
  chunkChars?: number;
  /** How far before a window's end it is cut at the latest: longer than any finding. */
  marginChars?: number;
  /** How much already written text leads each window, for context words. */
  contextChars?: number;
}

export const DEFAULT_CHUNK_CHARS = 1024 * 1024;
export const DEFAULT_MARGIN_CHARS = 64 * 1024;
export const DEFAULT_CONTEXT_CHARS = 256;

/**
 * The redacted text of `pieces`, in pieces: every finding replaced, every other character as it
 * came (line breaks included). Memory is bounded by a window (chunk + margin + one piece), whatever
 * the total.
 */
export async function* redactStream(pieces: AsyncIterable<string> | Iterable<string>, options: RedactStreamOptions): AsyncGenerator<string, void, undefined> {
  const chunk = Math.max(1, options.chunkChars ?? DEFAULT_CHUNK_CHARS);
  const margin = Math.max(1, options.marginChars ?? DEFAULT_MARGIN_CHARS);
  const contextChars = Math.max(0, options.contextChars ?? DEFAULT_CONTEXT_CHARS);
  const pseudonyms = options.pseudonyms ?? new Pseudonyms();
  let buffer = '';
  /** The end of the text already written (as it was, not redacted): the next window's look-behind. */
  let before = '';

  /** Analyses `before + buffer`, and takes from `buffer` the redacted text up to a safe point (all of it when `last`). */
  const step = async (last: boolean): Promise<string> => {
    const base = before.length;
    const found = await options.find(before + buffer);
    const findings: PiiFinding[] = [];
    let end = 0;
    for (const finding of isSorted(found) ? found : [...found].sort((a, b) => a.start - b.start)) {
      if (finding.end <= base) continue; // in the look-behind: written already
      // One that starts in the look-behind was not found crossing the seam last time; what lies after it is still redacted.
      const start = Math.max(finding.start, base) - base;
      if (start < end) continue;
      end = finding.end - base;
      findings.push({ start, end, text: buffer.slice(start, end), type: finding.type, score: finding.score, source: finding.source });
    }
    const cut = last ? buffer.length : safeCut(buffer, findings, margin);
    while (findings.length > 0 && findings[findings.length - 1].end > cut) findings.pop();
    const written = buffer.slice(0, cut);
    const redacted = redact(written, findings, options.redact, pseudonyms);
    before = written.length >= contextChars ? lookBehind(written, contextChars) : lookBehind(before + written, contextChars);
    buffer = buffer.slice(cut);
    return redacted;
  };

  for await (const piece of pieces) {
    buffer += piece;
    while (buffer.length >= chunk + margin) yield await step(false);
  }
  if (buffer.length > 0) yield await step(true);
}

/**
 * Where `buffer` may be cut: at most `margin` before its end, at a line break when one is in the
 * second half of that span (so a long line does not make windows tiny), never inside a CRLF or a
 * surrogate pair, and before any finding that would cross it. Always more than 0: a finding that
 * starts at 0 and crosses the cut (one longer than a window) is taken whole as far as it was seen.
 */
export function safeCut(buffer: string, findings: readonly PiiFinding[], margin: number): number {
  const limit = buffer.length - margin;
  let cut = limit;
  const lineBreak = Math.max(buffer.lastIndexOf('\n', limit - 1), buffer.lastIndexOf('\r', limit - 1));
  if (lineBreak >= limit / 2) {
    cut = lineBreak + 1;
    if (buffer[lineBreak] === '\r' && buffer[cut] === '\n') cut++;
  } else {
    if (/[\uD800-\uDBFF]/.test(buffer[cut - 1] ?? '')) cut--;
    if (buffer[cut - 1] === '\r' && buffer[cut] === '\n') cut--;
  }
  for (const finding of findings) {
    if (finding.start < cut && finding.end > cut) {
      cut = finding.start > 0 ? finding.start : finding.end;
      break;
    }
  }
  return Math.max(1, cut);
}

function isSorted(findings: readonly PiiFinding[]): boolean {
  for (let i = 1; i < findings.length; i++) if (findings[i].start < findings[i - 1].start) return false;
  return true;
}

/** The last `chars` characters of `text`, not starting inside a surrogate pair. */
function lookBehind(text: string, chars: number): string {
  if (chars === 0) return '';
  let tail = text.slice(-chars);
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return tail;
}
