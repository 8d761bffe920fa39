/**
 * The command line's numeric options are checked as VS Code checks the settings: a value out of
 * range is a usage error naming the range (exit code 2), before anything runs. The ranges are read
 * from package.json here, so that the CLI and the settings cannot drift apart.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { contributedSettings } from '../contributedSettings';
import { fixtureModels, tempDir } from '../helpers';
import { finished, oneInertLine, run } from './cliRun';

interface SettingSchema {
  type: 'integer' | 'number';
  minimum: number;
  maximum?: number;
}
const settings = contributedSettings() as Record<string, SettingSchema>;

interface Range {
  whole: boolean;
  min: number;
  max?: number;
}

/** Each numeric option, and the setting of the same meaning whose range it takes (none: the CLI's own). */
const OPTIONS: Array<[option: string, setting: string | undefined, own?: Range]> = [
  ['threads', 'textAnalytics.threads'],
  ['neutral-band', 'textAnalytics.sentiment.neutralBand'],
  ['min-score', 'textAnalytics.entities.minScore'],
  ['min-score', 'textAnalytics.qa.minScore'],
  ['top', 'textAnalytics.qa.topAnswers'],
  ['max-chars', 'textAnalytics.maxDocumentSize'],
  ['limit', undefined, { whole: true, min: 1 }],
];

function rangeOf(setting: string | undefined, own?: Range): Range {
  if (!setting) return own as Range;
  const schema = settings[setting];
  assert.ok(schema && typeof schema.minimum === 'number', `${setting} has a minimum in package.json`);
  return { whole: schema.type === 'integer', min: schema.minimum, max: schema.maximum };
}

const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 20 });

test('every numeric option out of its range (the setting’s) is a usage error naming the range, exit code 2', () => {
  for (const [option, setting, own] of OPTIONS) {
    const range = rangeOf(setting, own);
    const kind = range.whole ? 'a whole number' : 'a number';
    const named = range.max === undefined ? `${kind}, at least ${n(range.min)}` : `${kind} from ${n(range.min)} to ${n(range.max)}`;
    const bad = [
      String(range.min - 1),
      ...(range.max === undefined ? [] : [String(range.max + (range.whole ? 1 : 0.01))]),
      ...(range.whole ? [String(range.min + 0.5)] : []),
      // What Number() would take but is not a number written out: the same check for every option.
      ...(option === 'threads' ? ['', 'lots', '1e1', '0x10', 'Infinity', ' 1'] : []),
    ];
    for (const value of bad) {
      const args = option === 'limit' ? ['eval', 'sst2', 'dev.tsv'] : ['sentiment', 'doc.txt'];
      const result = run(...args, `--${option}=${value}`, '--models', fixtureModels());
      finished(result, 2);
      assert.equal(result.stdout, '');
      const [first, ...usage] = result.stderr.split('\n');
      assert.equal(oneInertLine(`${first}\n`, `--${option}=${value}`), `--${option} must be ${named}, not ${value}.`);
      assert.match(usage.join('\n'), /^\nUsage:/, 'the usage follows');
    }
  }
});

test('the ends of every range are accepted', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doc.txt');
  const text = 'Paris was good in 1958.';
  writeFileSync(file, text);
  const at = (option: string, end: 'min' | 'max') => {
    const [, setting, own] = OPTIONS.find(([name]) => name === option) as (typeof OPTIONS)[number];
    return String(rangeOf(setting, own)[end]);
  };
  for (const end of ['min', 'max'] as const) {
    const common = ['--threads', at('threads', end), '--models', fixtureModels(), '--json'];
    finished(run('sentiment', file, '--neutral-band', at('neutral-band', end), ...common), 0);
    finished(run('entities', file, '--min-score', at('min-score', end), ...common), 0);
    const answers = run('ask', file, '-q', 'When?', '--top', at('top', end), '--min-score', at('min-score', end), ...common);
    finished(answers, 0);
    // The least --max-chars (1,000) is more than the file: both ends analyse it.
    finished(run('topics', file, '--labels', 'sports', '--max-chars', at('max-chars', end), ...common), 0);
  }
  const over = join(dir, 'long.txt');
  writeFileSync(over, 'x'.repeat(Number(at('max-chars', 'min')) + 1));
  const refused = run('sentiment', over, '--max-chars', at('max-chars', 'min'), '--models', fixtureModels());
  finished(refused, 1);
  assert.match(refused.stderr, /has 1,001 characters, more than the limit of 1,000 \(--max-chars\)/);

  const dataset = join(dir, 'dev.tsv');
  writeFileSync(dataset, 'sentence\tlabel\na good film\t1\na bad film\t0\n');
  const report = JSON.parse(run('eval', 'sst2', dataset, '--limit', at('limit', 'min'), '--json', '--models', fixtureModels()).stdout) as { examples: number };
  assert.equal(report.examples, 1);
});

test('--lines takes line numbers a file can have: a huge one is a usage error, not a line to look for', (t) => {
  const file = join(tempDir(t), 'doc.txt');
  writeFileSync(file, 'Paris was good.\n');
  for (const bad of ['99999999999999999999', '1:99999999999999999999']) {
    const result = run('sentiment', file, '--lines', bad, '--models', fixtureModels());
    finished(result, 2);
    assert.match(result.stderr, /^text-analytics: --lines must be FROM:TO with 1 ≤ FROM ≤ TO/);
  }
});
