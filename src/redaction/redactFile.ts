/**
 * `redact`'s input and output: a file or standard input read as a stream, redacted window by
 * window (./stream.ts), and written to standard output or to a file that appears only when it is
 * complete: the text goes to a temporary file beside it, which is synced and renamed over the
 * target at the end, and removed on any failure or on Ctrl-C, so a reader never sees half a
 * redaction (which could look whole) and a failed run never leaves the original half-overwritten.
 * The output keeps the input's encoding and byte-order mark (./textStream.ts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fstatSync, fsyncSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../cliInput';
import { Output, OutputFailed } from '../cliOutput';
import type { ReadProblem } from '../readBytes';
import { redactStream, type RedactStreamOptions } from './stream';
import { decodedText, encoded, type TextEncoding } from './textStream';

export interface RedactFileOptions extends RedactStreamOptions {
  /** A file, or `-`: standard input. */
  input: string;
  /** Where the redacted text goes: a file, or undefined for `stdout`. */
  output?: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { setDefaultEncoding?(encoding: BufferEncoding): unknown };
}

/** Redacts the input into the output; throws InputError, OutputFailed or OutputClosed (from stdout) with a one-line message. */
export async function redactFile(options: RedactFileOptions): Promise<void> {
  const name = options.input === '-' ? 'standard input' : options.input;
  const bytes = options.input === '-' ? options.stdin : openInput(options.input);
  if (options.output === undefined) {
    await redactInto(options.stdout, readable(bytes, name), name, options);
    return;
  }
  const target = resolve(options.output);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (error) {
    if (bytes !== options.stdin) (bytes as NodeJS.ReadableStream & { destroy(): void }).destroy();
    throw new OutputFailed(`Cannot write ${options.output}: ${reason(error, 'no such folder')}.`);
  }
  let done = false;
  const removeTemp = () => {
    if (done) return;
    done = true;
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(temp);
    } catch {
      // gone already
    }
  };
  // Ctrl-C or a kill while writing: no temporary file is left behind.
  const interrupted = (signal: NodeJS.Signals) => {
    removeTemp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const stream = createWriteStream('', { fd, autoClose: false });
    await redactInto(stream, readable(bytes, name), name, options);
    try {
      await new Promise<void>((resolveEnd, reject) => {
        stream.once('error', reject);
        stream.end(() => resolveEnd());
      });
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, target);
    } catch (error) {
      throw new OutputFailed(`Cannot write ${options.output}: ${reason(error, 'no such folder')}.`);
    }
    done = true;
  } finally {
    removeTemp();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** Decodes, redacts and writes, in the input's encoding. */
async function redactInto(stream: RedactFileOptions['stdout'], bytes: AsyncIterable<Uint8Array | string>, name: string, options: RedactStreamOptions): Promise<void> {
  const out = new Output(stream);
  let encoding: TextEncoding = encoded('utf-8');
  let bom = '';
  const text = decodedText(
    bytes,
    (found) => {
      encoding = encoded(found);
      bom = encoding.bom;
      stream.setDefaultEncoding?.(encoding.streamEncoding);
    },
    (problem) => inputProblem(name, problem),
  );
  for await (const piece of redactStream(text, options)) {
    await out.write([encoding.piece(bom + piece)]);
    bom = '';
  }
  // An input of nothing but a byte-order mark keeps it.
  if (bom) await out.write([encoding.piece(bom)]);
  await out.end();
}

/** A file opened at once, so that a missing file or a folder is said before anything runs. */
function openInput(file: string): NodeJS.ReadableStream {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new InputError(`Cannot read ${file}: ${reason(error, 'no such file')}.`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new InputError(`Cannot read ${file}: it is a folder.`);
  }
  return createReadStream('', { fd, highWaterMark: 256 * 1024 });
}

/** The stream's chunks, a read error made an InputError. */
async function* readable(stream: NodeJS.ReadableStream, name: string): AsyncGenerator<Uint8Array | string, void, undefined> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw new InputError(`Cannot read ${name}: ${reason(error, 'no such file')}.`);
  }
}

function inputProblem(name: string, problem: ReadProblem): InputError {
  switch (problem.kind) {
    case 'binary':
      return new InputError(`${name} looks like a binary file (it contains NUL ${problem.found}); give a text file.`);
    case 'invalid':
      return new InputError(`${name} is not valid ${problem.encoding.toUpperCase()} text. Save it as UTF-8 (or convert it, for example with iconv) and try again.`);
    case 'unreadable':
      return new InputError(`Cannot read ${name}: ${problem.why}.`);
    case 'too-large':
      return new InputError(`${name} is too large.`);
  }
}

/** The system's reason in words. */
function reason(error: unknown, enoent: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return enoent;
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (error as Error).message;
}
