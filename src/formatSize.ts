/**
 * Download sizes as people read them. Pure and dependency-free, so that both the engine (its
 * download question) and the extension host (its progress and confirmation messages) can import
 * it without pulling the other side's code into their bundle.
 */

/** "67.6 MB" or "712 KB" (decimal units, as download sizes are usually given), or "size unknown". */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  return bytes < 999_500 ? `${Math.round(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
