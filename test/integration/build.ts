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

/** Builds the suite and returns the path of its entry, for `extensionTestsPath`. */
export async function buildIntegrationSuite(): Promise<string> {
  const entries = readdirSync(SUITE_SOURCE)
    .filter((name) => name === 'index.ts' || name.endsWith('.test.ts'))
    .map((name) => join(SUITE_SOURCE, name));
  await build({
    entryPoints: entries,
    outdir: SUITE_OUT,
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
  return join(SUITE_OUT, 'index.js');
}
