import { readFileSync } from 'node:fs';

/**
 * The bytes of `file`, or the error `fail` makes of a sentence that says why not in words (no such
 * file, it is a folder, or the system's reason): what the command-line tool prints for a bad path.
 */
export function readBytes(file: string, fail: (message: string) => Error): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw fail(`Cannot read ${file}: ${why}.`);
  }
}
