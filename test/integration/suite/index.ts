/**
 * The mocha loader the extension host calls (`extensionTestsPath`): runs every `*.test.js` beside
 * it. When TEXT_ANALYTICS_TEST_REPORT names a file, it also writes a JSON summary there, so a
 * runner outside the extension host (the code-server end-to-end test) can report each test.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** The summary written to TEXT_ANALYTICS_TEST_REPORT. */
export interface SuiteReport {
  passed: string[];
  failed: { title: string; error: string }[];
  pending: string[];
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000 });
  for (const name of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) {
    mocha.addFile(join(__dirname, name));
  }
  const report: SuiteReport = { passed: [], failed: [], pending: [] };
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => report.passed.push(test.fullTitle()));
    runner.on('pending', (test) => report.pending.push(test.fullTitle()));
    runner.on('fail', (test, error: Error) => report.failed.push({ title: test.fullTitle(), error: error.stack ?? String(error) }));
  });
  const reportFile = process.env.TEXT_ANALYTICS_TEST_REPORT;
  if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed.`);
}
