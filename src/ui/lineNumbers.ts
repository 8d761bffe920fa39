/**
 * Line numbers of offsets in a snapshot of a document's text. The Questions view numbers answers
 * by the text that was asked about: the document may change while the worker reads it. Pure.
 */

/** The offset where each line starts. VS Code ends lines with \n or \r\n, so \n marks them all. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line holding `offset`, as the editor's status bar counts lines. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
