// `npm run demo`: analyses the bundled sample document with the real models when they are present
// (models/sentiment, or the download cache), and otherwise with the planted fixture models, loudly.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sample = join(root, 'samples', 'sample.md');
const realModels = join(root, 'models');
const args = [join(root, 'dist', 'cli.js'), 'sentiment', sample];

if (existsSync(join(realModels, 'sentiment', 'config.json'))) {
  console.log(`Using the real models in ${realModels}.\n`);
} else {
  const fixtures = join(root, 'test', 'fixtures', 'models');
  console.log(
    [
      '############################################################################',
      '#  NO REAL MODELS FOUND in models/ — this demo uses the PLANTED FIXTURE      #',
      '#  MODELS from `npm run fixtures`. Their "sentiment" only counts words like #',
      '#  good/great/bad/awful. For real results, see "Real models" in README.md. #',
      '############################################################################',
      '',
    ].join('\n'),
  );
  args.push('--models', fixtures);
}
console.log(`$ text-analytics sentiment samples/sample.md${args.includes('--models') ? ' --models test/fixtures/models' : ''}\n`);
execFileSync(process.execPath, args, { stdio: 'inherit' });
