/**
 * A personal-data allow-list kept in a plain text file, one value a line: what the CLI's
 * `--allow FILE` reads, and where the language server keeps the values of *Never Report This
 * Value* so that they stay unreported after a restart (the server cannot write an editor's
 * settings: the protocol has no request for it). One format for both, so the list the editor
 * grew is the list a script passes to `text-analytics pii --allow`.
 *
 * @example
 * await addToAllowListFile(defaultAllowListFile(), 'support@example.com'); // 'added'
 * readAllowListFile(defaultAllowListFile()); // ['support@example.com']
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** One value a line; blank lines are left out, and the line break (LF, CRLF or CR) is not part of a value. */
export function parseAllowList(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n|\r/)
    .filter((line) => line.trim() !== '');
}

/**
 * The allow-list file of a user who sets none: in the user's configuration folder
 * (`$XDG_CONFIG_HOME` or `~/.config`; `%APPDATA%` on Windows, `~/Library/Application Support` on macOS).
 */
export function defaultAllowListFile(): string {
  const base =
    process.env.XDG_CONFIG_HOME ||
    (process.platform === 'win32' ? process.env.APPDATA : process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support') : undefined) ||
    join(homedir(), '.config');
  return join(base, 'local-text-analytics', 'allow-list.txt');
}

/** The values in `file`: none when it does not exist yet. Other failures (a folder, no permission) throw. */
export function readAllowListFile(file: string): string[] {
  return parseAllowList(readText(file));
}

/** The file's text, empty when it does not exist yet. */
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * Adds `value` at the end of `file` (its folder made when missing), unless it is there already.
 * The file is written whole beside itself and renamed over, so a crash leaves the old list or
 * the new one, never half of it. A value with a line break cannot be one line: refused.
 */
export function addToAllowListFile(file: string, value: string): 'added' | 'present' {
  if (/[\r\n]/.test(value)) throw new Error('the value spans lines, and the file holds one value a line');
  let text = readText(file);
  if (parseAllowList(text).includes(value)) return 'present';
  mkdirSync(dirname(file), { recursive: true });
  if (text !== '' && !/[\r\n]$/.test(text)) text += '\n';
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${text}${value}\n`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return 'added';
}
