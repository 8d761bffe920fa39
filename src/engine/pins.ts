/**
 * Hashes recorded at first download for the files of a model the manifest does not pin (a Hub id
 * in a setting or a classifier): the first copy is trusted, as SSH trusts a host's first key, and
 * any later change to it — a file replaced in the cache, or a download that brings other bytes —
 * is refused with a message saying which file and what to do.
 *
 * Pins live beside the cache's models, in `<cacheDir>/.pins/<owner>/<name>/<revision>.json`:
 * `{ "files": { "<path>": { "size": …, "sha256": "…" } } }`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelInfo } from '../protocol';
import { isErrno, sha256File } from './download';
import { EngineError } from './errors';
import type { Logger } from './log';
import type { ModelSpec } from './manifest';
import { expandHome } from './modelFiles';

interface Pin {
  size: number;
  sha256: string;
}

interface PinsFile {
  files: Record<string, Pin>;
}

/** Where the pins of `repo` at `revision` are kept. */
function pinsPath(cacheDir: string, repo: string, revision: string): string {
  return path.join(expandHome(cacheDir), '.pins', ...repo.split('/'), `${revision}.json`);
}

/**
 * Checks the files of `model` (a folder of the cache) that `spec` does not pin against the hashes
 * recorded when they were first seen, recording those seen for the first time. Throws
 * `model-corrupt` naming a file whose bytes changed.
 */
export async function checkPins(cacheDir: string, spec: ModelSpec, model: ModelInfo, log: Logger): Promise<void> {
  const unpinned = spec.files.filter((file) => file.sha256 === null).map((file) => file.path);
  if (unpinned.length === 0) return;
  const where = pinsPath(cacheDir, spec.repo, spec.revision);
  const pins = await readPins(where);
  let added = false;
  for (const file of unpinned) {
    const full = path.join(model.dir, file);
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const sha256 = await sha256File(full);
    const known = pins.files[file];
    if (!known) {
      pins.files[file] = { size: stat.size, sha256 };
      added = true;
      log.info(`${spec.repo}/${file} is not pinned by the manifest: recorded its sha256 ${sha256} (${stat.size} bytes); a later change will be refused.`);
      continue;
    }
    if (known.sha256 !== sha256) {
      throw new EngineError(
        'model-corrupt',
        `${full} changed since it was first downloaded: its sha256 is ${sha256}, not the ${known.sha256} recorded then (${where}). ` +
          `If the model was updated on purpose, delete ${model.dir} and ${where} to download it afresh; otherwise the file was altered.`,
      );
    }
  }
  if (added) {
    await fs.mkdir(path.dirname(where), { recursive: true });
    const temporary = `${where}.${process.pid}.tmp`;
    await fs.writeFile(temporary, `${JSON.stringify(pins, null, 2)}\n`);
    await fs.rename(temporary, where);
  }
}

async function readPins(file: string): Promise<PinsFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { files: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as PinsFile;
    if (typeof parsed?.files === 'object' && parsed.files !== null) return parsed;
  } catch {
    // Read as absent below: the message names the file.
  }
  throw new EngineError('model-corrupt', `The recorded hashes in ${file} cannot be read. Delete it, and the model folder beside it in the cache, to download the model afresh.`);
}
