/** Small text formatters the webview's views share. */

/** Rounded down, so 99.8% reads 99%: "100%" would claim a certainty the model never has. */
export function percent(score: number): string {
  return `${Math.floor(score * 100)}%`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The last path segment: the host sends full paths, which rarely fit a header. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
