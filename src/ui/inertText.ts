/**
 * Outside text — a document's words, a file's name, a model's labels — shown where VS Code reads
 * markup of its own: notifications make links of `[label](target)`, the status bar draws `$(icon)`.
 */

/**
 * Text for a notification (`showInformationMessage` and the like) that quotes a document's text or
 * a file's name. Notifications turn `[label](command:…)`, `(https://…)` and `(file:…)` into links,
 * and no Markdown escape stops that; a zero-width space between `]` and `(` does, and shows
 * nothing. `$(` gets one too, in case a theme icon is drawn.
 */
export function inertMessageText(text: string): string {
  return text.replace(/([\]$])(?=\()/g, '$1\u200b');
}

/** Text for the status bar, which draws `$(name)` as an icon: a zero-width space keeps it text. */
export function inertStatusText(text: string): string {
  return text.replace(/\$(?=\()/g, '$\u200b');
}
