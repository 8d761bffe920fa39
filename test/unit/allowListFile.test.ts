/**
 * The allow-list file that "Never Report This Value" in the language server grows and the CLI's
 * `--allow FILE` reads: one value a line, kept whole when added to, never half written.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addToAllowListFile, defaultAllowListFile, parseAllowList, readAllowListFile } from '../../src/redaction/allowListFile';
import { fixtureModels, tempDir } from '../helpers';
import { finished, run } from './cliRun';

test('one value a line: a BOM, CRLF or CR line breaks and blank lines are not part of the values; spaces inside are', () => {
  assert.deepEqual(parseAllowList('\uFEFFa@example.com\r\n\r\n  Anna Smith \rb\n'), ['a@example.com', '  Anna Smith ', 'b']);
});

test('a value is added once, after a last line without a line break, and the folder is made', (t) => {
  const file = join(tempDir(t), 'deeper', 'allow-list.txt');
  assert.deepEqual(readAllowListFile(file), [], 'no file yet: no values');
  assert.equal(addToAllowListFile(file, 'support@example.com'), 'added');
  assert.equal(addToAllowListFile(file, 'support@example.com'), 'present');
  writeFileSync(file, readFileSync(file, 'utf8') + 'written by hand');
  assert.equal(addToAllowListFile(file, 'Angela Merkel'), 'added');
  assert.equal(readFileSync(file, 'utf8'), 'support@example.com\nwritten by hand\nAngela Merkel\n');
  assert.deepEqual(readdirSync(join(file, '..')), ['allow-list.txt'], 'no temporary file left beside it');
});

test('a value that spans lines is refused, and the file is left as it was', (t) => {
  const file = join(tempDir(t), 'allow-list.txt');
  writeFileSync(file, 'kept\n');
  assert.throws(() => addToAllowListFile(file, '1 Main St\nSpringfield'), /spans lines/);
  assert.equal(readFileSync(file, 'utf8'), 'kept\n');
});

test('the default file is in the user\'s configuration folder', { skip: process.platform === 'win32' && 'APPDATA there' }, () => {
  const saved = process.env.XDG_CONFIG_HOME;
  try {
    process.env.XDG_CONFIG_HOME = '/somewhere/config';
    assert.equal(defaultAllowListFile(), '/somewhere/config/local-text-analytics/allow-list.txt');
  } finally {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved;
  }
});

test('the CLI\'s --allow reads the file the server writes', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'allow-list.txt');
  addToAllowListFile(file, 'anna.smith@example.com');
  const doc = join(dir, 'doc.txt');
  writeFileSync(doc, 'Write to anna.smith@example.com or to bob@example.org.');
  const result = run('pii', doc, '--json', '--models', fixtureModels(), '--allow', file);
  finished(result, 0);
  const found = (JSON.parse(result.stdout) as { entities: Array<{ text: string }> }).entities.map((e) => e.text);
  assert.deepEqual(found, ['bob@example.org']);
});
