/**
 * Compiles the integration suite for an extension host: one CommonJS file per entry (the mocha
 * loader and each `*.test.ts`) under out/test/integration/suite/, with `vscode` left to the host
 * and everything else (mocha included) bundled, so the suite loads the same way in VS Code's
 * Electron and in code-server's Node.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const SUITE_SOURCE = join(__dirname, 'suite');
export const SUITE_OUT = join(REPO_ROOT, 'out', 'test', 'integration', 'suite');

/**
 * Names a subset of the suite's files, comma-separated without `.test.ts` (e.g. `faults,extension`),
 * to build and run only those while working on them.
 */
export const SUITE_FILES_ENV = 'TEXT_ANALYTICS_SUITE_FILES';

/**
 * Builds the suite into `outdir` and returns the path of its entry, for `extensionTestsPath`.
 * Only the files named in {@link SUITE_FILES_ENV} when it is set.
 */
export async function buildIntegrationSuite(outdir = SUITE_OUT): Promise<string> {
  const only = process.env[SUITE_FILES_ENV]?.split(',').map((name) => `${name.trim()}.test.ts`);
  const entries = readdirSync(SUITE_SOURCE)
    .filter((name) => name === 'index.ts' || (name.endsWith('.test.ts') && (!only || only.includes(name))))
    .map((name) => join(SUITE_SOURCE, name));
  await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // mocha's parallel mode, which the suite does not use, resolves its worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return join(outdir, 'index.js');
}
