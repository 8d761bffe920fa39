/**
 * `npm run models:bundle`: downloads the default model of every task into `models/<task>/`, so that
 * `npm run package` makes a VSIX that works offline from the first use (the extension looks in its
 * `models/` folder before its download cache). It uses the engine's own downloader: pinned
 * revisions, sha256-verified, resumable (run it again after an interruption).
 *
 *   npm run models:bundle                          # int8 weights (the CPU default) into models/
 *   npm run models:bundle -- --precision fp32      # full-precision weights (for GPUs)
 *   npm run models:bundle -- --tasks sentiment,qa --out /tmp/models
 *
 * `TEXT_ANALYTICS_HUB_URL` points it at another Hub (the tests use a loopback one); `--manifest`
 * reads another manifest than src/engine/manifest.json (tests).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { stderrLogger } from '../src/engine/log';
import { loadManifest, type Manifest, type ModelPrecision } from '../src/engine/manifest';
import { bundleModel } from '../src/engine/models';
import { formatSize } from '../src/formatSize';
import type { ModelInfo } from '../src/protocol';
import { DEFAULT_MODEL_TASKS as TASKS, type DefaultModelTask as Task } from '../src/tasks/registry';

export interface BundleOptions {
  precision: ModelPrecision;
  /** The folder that gets one subfolder per task. */
  out: string;
  tasks: readonly Task[];
  manifest?: Manifest;
  /** Told each file's progress (the command line prints it). */
  onProgress?(task: Task, file: string, received: number, total: number): void;
}

/** Downloads each task's default model into `<out>/<task>/`, one after the other. */
export async function bundleModels(options: BundleOptions): Promise<ModelInfo[]> {
  const manifest = options.manifest ?? loadManifest();
  const bundled: ModelInfo[] = [];
  for (const task of options.tasks) {
    const info = await bundleModel(task, options.precision, options.out, {
      log: stderrLogger,
      onDownload: (p) => options.onProgress?.(task, p.file, p.received, p.total),
    }, manifest);
    bundled.push(info);
  }
  return bundled;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      precision: { type: 'string', default: 'int8' },
      out: { type: 'string', default: path.join(__dirname, '..', 'models') },
      tasks: { type: 'string', default: TASKS.join(',') },
      manifest: { type: 'string' },
    },
  });
  const precision = values.precision;
  if (precision !== 'int8' && precision !== 'fp32') throw new Error(`--precision must be int8 or fp32, not ${precision}.`);
  const tasks = values.tasks.split(',').map((t) => t.trim());
  const unknown = tasks.filter((t) => !TASKS.includes(t as Task));
  if (unknown.length > 0) throw new Error(`Unknown task(s) ${unknown.join(', ')}; the tasks are ${TASKS.join(', ')}.`);
  const manifest = values.manifest ? loadManifest(JSON.parse(readFileSync(values.manifest, 'utf8'))) : undefined;
  let lastLine = 0;
  bundleModels({
    precision,
    out: path.resolve(values.out),
    tasks: tasks as Task[],
    manifest,
    onProgress: (task, file, received, total) => {
      if (Date.now() - lastLine < 2000 && received !== total) return;
      lastLine = Date.now();
      process.stderr.write(`${task}: ${file} ${formatSize(received)}${total > 0 ? ` of ${formatSize(total)}` : ''}\n`);
    },
  }).then(
    (bundled) => {
      for (const info of bundled) process.stdout.write(`${info.task}: ${info.id} (${info.file}) in ${info.dir}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`models:bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
