// `npm run screenshots`: the README's pictures, taken by the end-to-end tests themselves (a real
// VS Code, code-server in Chromium, on the fixture models) at the moments they mark with
// `screenshot(name, { readme })`, and copied into media/screenshots/. Needs what `npm run test:e2e`
// needs (`npm run build`, `npm run fixtures`, code-server and Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TESTS = ['sentiment', 'entities', 'topics', 'questions', 'models'].map((name) => `test/e2e/${name}.e2e.test.ts`);
const shots = join(root, 'media', 'screenshots');

const started = Date.now();
const run = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--test', '--test-concurrency=1', ...TESTS], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEXT_ANALYTICS_README_SCREENSHOTS: '1' },
});
const fresh = existsSync(shots) ? readdirSync(shots).filter((file) => statSync(join(shots, file)).mtimeMs >= started) : [];
for (const file of fresh) console.log(`media/screenshots/${file}  ${Math.round(statSync(join(shots, file)).size / 1024)} KB`);
if (run.status !== 0) {
  console.error('screenshots: an end-to-end test failed (see above); the README pictures it should have taken are unchanged.');
  process.exit(1);
}
