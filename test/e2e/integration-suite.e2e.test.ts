/**
 * Runs the extension-host integration suite (test/integration/suite) inside code-server's
 * extension host, through the workbench's `extensionTestsPath` payload, and reports each of its
 * mocha tests here. This is how CI runs the integration tier where @vscode/test-electron cannot
 * download VS Code (test/integration/runTest.ts runs the same suite in VS Code desktop).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildIntegrationSuite } from '../integration/build';
import type { SuiteReport } from '../integration/suite/index';
import { e2eSkipReason, launchVSCode } from './vscode';

test('the integration suite passes in code-server’s extension host', { skip: e2eSkipReason(), timeout: 300_000 }, async (t) => {
  // A folder of its own, so that runs side by side do not overwrite each other's suite.
  const reportDir = await mkdtemp(join(tmpdir(), 'lta-integration-report-'));
  const extensionTestsPath = await buildIntegrationSuite(join(reportDir, 'suite'));
  const reportFile = join(reportDir, 'report.json');
  let exitCode: number;
  let report: SuiteReport | undefined;
  try {
    // The extension host inherits code-server's environment, so the suite finds the report path.
    const vscode = await launchVSCode({
      name: 'integration-suite',
      extensionTestsPath,
      env: { TEXT_ANALYTICS_TEST_REPORT: reportFile },
    });
    try {
      exitCode = await vscode.waitForTestsExit(240_000);
    } catch (error) {
      await vscode.screenshot('integration-timeout').catch(() => undefined);
      throw new Error(`${error instanceof Error ? error.message : String(error)}; logs in ${vscode.artifacts}`);
    } finally {
      await vscode.close();
    }
    if (existsSync(reportFile)) report = JSON.parse(readFileSync(reportFile, 'utf8')) as SuiteReport;
  } finally {
    await rm(reportDir, { recursive: true, force: true });
  }
  assert.ok(report, `the suite wrote no report (extension host exit code ${exitCode}); see .test-runs/integration-suite-*`);
  for (const title of report.passed) await t.test(title, () => {});
  for (const title of report.pending) await t.test(title, { skip: 'pending in mocha' }, () => {});
  for (const failure of report.failed) {
    await t.test(failure.title, () => {
      assert.fail(failure.error);
    });
  }
  assert.ok(report.passed.length > 0, 'the suite ran no tests');
  assert.equal(exitCode, report.failed.length ? 1 : 0, 'the extension host exit code agrees with the report');
});
