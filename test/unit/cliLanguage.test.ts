import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers';
import { finished, run } from './cliRun';

// The command line's `language` subcommand and `--language`/`--model-languages` (dist/cli.js: `npm run build` first).

const TEXT = 'Das ist nicht gut und das ist alles.\n\nThe cat sat with the dog.\n\n東京は晴れです。大阪は雨です。\n';

test('language prints each paragraph with its language and how it was told, and the document language', (t) => {
  const file = join(tempDir(t), 'mixed.txt');
  writeFileSync(file, TEXT);
  const table = run('language', file, '--models', fixtureModels(), '--model', join(fixtureModels(), 'language'));
  finished(table, 0);
  const lines = table.stdout.split('\n');
  assert.match(lines[0], /^Document: de \(German, \d+% of its letters\) — 3 paragraphs, /);
  assert.ok(lines.some((line) => /^de\s+\d+\.\d%\s+line 1\s+Das ist nicht gut/.test(line)), table.stdout);
  assert.ok(lines.some((line) => /^en\s+\d+\.\d%\s+line 3\s+The cat/.test(line)), table.stdout);
  assert.ok(lines.some((line) => /^ja\s+script\s+line 5\s+東京は晴れです。/.test(line)), table.stdout);

  const json = run('language', file, '--models', fixtureModels(), '--model', join(fixtureModels(), 'language'), '--json');
  finished(json, 0);
  const result = JSON.parse(json.stdout) as { schemaVersion: number; paragraphs: Array<{ start: number; end: number; text: string; language: string; source: string }> };
  assert.equal(result.schemaVersion, 2);
  for (const p of result.paragraphs) assert.equal(TEXT.slice(p.start, p.end), p.text);
  assert.deepEqual(result.paragraphs.map((p) => p.source), ['model', 'model', 'script']);
});

test('language without --model says how to give one', (t) => {
  const file = join(tempDir(t), 'a.txt');
  writeFileSync(file, TEXT);
  const result = run('language', file, '--models', fixtureModels());
  finished(result, 2);
  assert.match(result.stderr, /Give the language-identification model with --model DIR/);
});

test('--language: the English sentiment model refuses a German file; --model-languages says it reads German', (t) => {
  const file = join(tempDir(t), 'de.txt');
  writeFileSync(file, 'Das ist ein wunderbarer Tag.\n');
  const refused = run('sentiment', file, '--models', fixtureModels(), '--language', 'de');
  finished(refused, 1);
  assert.match(refused.stderr, /The sentiment model \(sentiment\) reads English, not German, the document's language \(--language\)/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  finished(run('sentiment', file, '--models', fixtureModels(), '--language', 'de', '--model-languages', 'de,fr'), 0);
  finished(run('sentiment', file, '--models', fixtureModels(), '--language', 'de', '--model-languages', '*'), 0);
  finished(run('sentiment', file, '--models', fixtureModels(), '--language', 'en-GB'), 0);
  const bad = run('sentiment', file, '--models', fixtureModels(), '--language', 'not a tag');
  finished(bad, 2);
  assert.match(bad.stderr, /--language "not a tag" is not a language tag: give one such as de, ja or pt-BR/);
  finished(run('sentiment', file, '--models', fixtureModels(), '--model-languages', 'de,??'), 2);
});
