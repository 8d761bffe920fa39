/**
 * Writing CSV (RFC 4180) for the exports: CRLF line ends, a field quoted when it holds a comma, a
 * quote or a line break, quotes doubled. Pure: no `vscode`.
 */

/** Rows of fields as one CSV text, ending with a line break. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Text from the document or the user, defused for spreadsheets: a cell starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return would be read as a formula, so it gets a leading `'`.
 */
export function textCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
