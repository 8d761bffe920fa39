/**
 * Runs the integration suite in a real VS Code with @vscode/test-electron:
 * `npx tsx test/integration/runTest.ts`.
 *
 * VS Code comes from VSCODE_EXECUTABLE_PATH when given, otherwise test-electron downloads it
 * (which needs the internet; where there is none, CI runs the same suite in code-server through
 * test/e2e/integration-suite.e2e.test.ts). Needs `npm run build` and `npm run fixtures` first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildIntegrationSuite, REPO_ROOT } from './build';

async function main(): Promise<void> {
  const extensionTestsPath = await buildIntegrationSuite();
  const profile = await mkdtemp(join(tmpdir(), 'lta-integration-'));
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      launchArgs: [
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        join(profile, 'user-data'),
        '--extensions-dir',
        join(profile, 'extensions'),
      ],
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
