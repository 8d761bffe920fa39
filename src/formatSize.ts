/**
 * Download sizes as people read them. Pure and dependency-free, so that both the engine (its
 * download question) and the extension host (its progress, confirmation messages and the Models
 * view) can import it without pulling the other side's code into their bundle.
 */

/**
 * "67.6 MB" or "712 KB" (decimal units, as download sizes are usually given), or "size unknown".
 * Digits follow `locale` (the extension host passes VS Code's display language; absent, the
 * runtime's own), so a German user reads "67,6 MB".
 */
export function formatSize(bytes: number | null, locale?: string): string {
  if (bytes === null) return 'size unknown';
  if (bytes < 999_500) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.round(bytes / 1e3))} KB`;
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(bytes / 1e6)} MB`;
}

/** What a download's size is known to be: all of it, or the files whose sizes are pinned. */
export interface DownloadSize {
  /** The whole download; null when some file's size is not known. */
  bytes: number | null;
  /** With `bytes` null: the bytes of the files whose sizes are known (the weights, usually). */
  knownBytes?: number;
  /** With `bytes` null: the files whose sizes are not known. */
  unknownFiles?: readonly string[];
}

/**
 * A download's size as far as it is known: "67.6 MB"; "about 67.6 MB (tokenizer.json's size is not
 * known)" when only a small text file is unpinned — the weights are nearly all of a model, so their
 * size is what the user needs to decide; "size unknown" when nothing is known (an unpinned Hub id).
 */
export function formatDownloadSize(size: DownloadSize, locale?: string): string {
  if (size.bytes !== null) return formatSize(size.bytes, locale);
  if (!size.knownBytes) return formatSize(null);
  const files = size.unknownFiles ?? [];
  const unknown =
    files.length === 0 ? '' : files.length === 1 ? ` (${files[0]}'s size is not known)` : ` (the sizes of ${files.join(', ')} are not known)`;
  return `about ${formatSize(size.knownBytes, locale)}${unknown}`;
}

/**
 * The total of several downloads, as far as known: "136 MB"; "about 204 MB" when only small files'
 * sizes are missing; "at least 68 MB" when a whole model's size is unknown; or "size unknown".
 */
export function totalDownloadSize(sizes: readonly DownloadSize[], locale?: string): string {
  if (sizes.length > 0 && sizes.every((size) => size.bytes !== null)) {
    return formatSize(sizes.reduce((sum, size) => sum + (size.bytes ?? 0), 0), locale);
  }
  const known = sizes.reduce((sum, size) => sum + (size.bytes ?? size.knownBytes ?? 0), 0);
  if (known === 0) return formatSize(null);
  const wholeUnknown = sizes.some((size) => size.bytes === null && !size.knownBytes);
  return `${wholeUnknown ? 'at least' : 'about'} ${formatSize(known, locale)}`;
}
