// `npm run demo`: analyses the sample document with the real models when they are present in
// models/ (`npm run models:bundle`), and otherwise with the planted fixture models, loudly; then
// says what to run next.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sample = join(root, 'samples', 'sample.md');
const realModels = join(root, 'models');
const real = existsSync(join(realModels, 'sentiment', 'config.json'));
// The CLI reads models/ by itself; the fixtures are named with --models, as a user would.
const modelsOption = real ? [] : ['--models', 'test/fixtures/models'];

if (real) {
  console.log(`Using the real models in ${realModels}.\n`);
} else {
  console.log(
    [
      '############################################################################',
      '#  NO REAL MODELS FOUND in models/ — this demo uses the PLANTED FIXTURE      #',
      '#  MODELS from `npm run fixtures`. Their "sentiment" only counts words like #',
      '#  good/great/bad/awful. For real results: "Getting the models", README.md. #',
      '############################################################################',
      '',
    ].join('\n'),
  );
}
const command = ['dist/cli.js', 'sentiment', 'samples/sample.md', ...modelsOption];
console.log(`$ node ${command.join(' ')}\n`);
execFileSync(process.execPath, command, { stdio: 'inherit', cwd: root });

const models = modelsOption.length ? ` ${modelsOption.join(' ')}` : '';
const next = [
  ['Run the tests (unit, worker and end-to-end):', 'npm test'],
  ['Find the names in the same file:', `node dist/cli.js entities samples/sample.md${models}`],
  ['Every command and option of the command line:', 'node dist/cli.js --help'],
  ...(real ? [] : [['Fetch the real models into models/ (needs the network), then run this again:', 'npm run models:bundle && npm run demo']]),
  ['The extension itself: open this folder in VS Code and press F5 (README.md, "Install").'],
];
console.log(`\nNext:\n${next.map(([what, run]) => `  ${what}${run ? `\n      ${run}` : ''}`).join('\n')}`);
