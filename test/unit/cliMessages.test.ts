/**
 * Everything the command-line tool says is one line of inert text, however malformed the input:
 * data set lines, file names, labels, templates and model paths reach the terminal with their
 * control characters, escape sequences, bidi overrides and line breaks made visible escapes. And
 * a model error says what to do with the CLI's options, not with the editor's settings.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers';
import { finished, oneInertLine, run, UNSAFE_ON_A_TERMINAL } from './cliRun';

/** ESC sequences that would retitle and clear the terminal, a BEL, a line break and a right-to-left override. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\n\u202e';
const HOSTILE_SHOWN = '\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{a}\\u{202e}';

const squad = (data: unknown) => JSON.stringify({ version: '1.1', data });
const paragraph = (context: unknown, qas: unknown) => squad([{ title: 't', paragraphs: [{ context, qas }] }]);

/** For each task, malformed files of every kind, and what the one line says. */
const MALFORMED: Record<string, Array<[name: string, content: string | Buffer, message: RegExp]>> = {
  sst2: [
    ['null', 'null', /:1: expected the SST-2 header "sentence<TAB>label", found "null"\.$/],
    ['hostile header', `${HOSTILE}\tlabel\n`, /found "\\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[2J"\.$/],
    ['three columns', 'sentence\tlabel\na\tb\t1\n', /:2: expected 2 tab-separated columns \(sentence, label\), found 3\.$/],
    ['hostile label', `sentence\tlabel\ngood\t1${HOSTILE}\n`, /:2: the label must be 0 or 1, not "1\\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[2J"\.$/],
    ['a huge line', `sentence\tlabel\n${'x'.repeat(1_000_000)}\n`, /:2: expected 2 tab-separated columns/],
    ['a sentence too long for one request', `sentence\tlabel\n${'good '.repeat(1_000_001)}\t1\n`, /dev\.tsv: sentence 1: The text has 5,000,00\d characters, more than the 5,000,000 one request can take/],
    ['binary', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), /looks like a binary file \(it contains NUL bytes\); give the data set file as published\.$/],
    ['Latin-1', Buffer.from('sentence\tlabel\ncafé\t1\n', 'latin1'), /is not valid UTF-8 text; give the data set file as published\.$/],
    ['header only', 'sentence\tlabel\n', /has no sst2 examples to evaluate\.$/],
  ],
  squad: [
    ['null', 'null', /has no "data" list of articles/],
    ['a number', '42', /has no "data" list of articles/],
    ['a list', '[1, 2]', /has no "data" list of articles/],
    ['a string', '"data"', /has no "data" list of articles/],
    ['deeply nested', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /has no "data" list of articles/],
    ['data null', squad(null), /has no "data" list of articles/],
    ['an article null', squad([null]), /: data\[0\] has no "paragraphs" list\.$/],
    ['a paragraph null', squad([{ paragraphs: [null] }]), /: data\[0\]\.paragraphs\[0\] needs a "context" string and a "qas" list\.$/],
    ['a number for the context', paragraph(5, []), /needs a "context" string and a "qas" list\.$/],
    ['a qa null', paragraph('In 1958.', [null]), /\.qas\[0\] needs a "question" string and "answers" with a "text" each\.$/],
    ['an answer without text', paragraph('In 1958.', [{ id: 'a', question: 'When?', answers: [{ answer_start: 0 }] }]), /\.qas\[0\] needs a "question" string/],
    ['an empty question', paragraph('In 1958.', [{ id: 'q1', question: '', answers: [{ text: '1958' }] }]), /dev\.json: question q1: The question is empty\.$/],
    ['not JSON, hostile', `${HOSTILE}{`, /is not valid JSON \(.*\); give SQuAD v1\.1's dev-v1\.1\.json\.$/],
    ['cut short', '{"data": [', /is not valid JSON/],
    ['binary', Buffer.from([0x7b, 0, 0x7d]), /looks like a binary file/],
  ],
  conll: [
    ['null', 'null', /:1: expected a token and its NER tag \(O, B-TYPE or I-TYPE\) as the last column, found "null"\.$/],
    ['hostile line', `EU NNP B-ORG\n${HOSTILE}x\n`, /:2: expected a token and its NER tag.*found "\\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[2J"\.$/],
    ['a huge line', `${'x'.repeat(1_000_000)} NNP\n`, /:1: expected a token and its NER tag.*found "x{59}…"\.$/],
    ['binary', Buffer.from('EU NNP B-ORG\n\0\n'), /looks like a binary file/],
    ['empty', '\n\n-DOCSTART- -X- O\n', /has no conll examples to evaluate\.$/],
  ],
  agnews: [
    ['null', 'null', /:1: expected 3 fields \("class","title","description"\), found 1\.$/],
    ['never closed', '"1","a', /:1: a quoted field is never closed\.$/],
    ['text after a quote', '"1","a"x,"b"', /:1: unexpected text after a closing quote\.$/],
    ['hostile class', `"${HOSTILE}","a","b"`, /:1: the class must be 1, 2, 3 or 4, not "\\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[2J\\u\{a\}\\u\{202e\}"\.$/],
    ['four fields', '"1","a","b","c"', /:1: expected 3 fields .*found 4\.$/],
    ['binary', Buffer.from('"1","a\0","b"'), /looks like a binary file/],
  ],
};
const FILE_NAMES: Record<string, string> = { sst2: 'dev.tsv', squad: 'dev.json', conll: 'eng.testb', agnews: 'test.csv' };

for (const [task, cases] of Object.entries(MALFORMED)) {
  test(`eval ${task}: every malformed file ends with one clear line and exit code 1, never a stack trace`, (t) => {
    const dir = tempDir(t);
    for (const [name, content, message] of cases) {
      const file = join(dir, FILE_NAMES[task]);
      writeFileSync(file, content);
      const result = run('eval', task, file, '--models', fixtureModels());
      finished(result, 1);
      assert.equal(result.stdout, '', name);
      const line = oneInertLine(result.stderr, `${task}: ${name}`);
      assert.ok(line.length < 500, `${task}: ${name}: a line of readable length, not ${line.length} characters`);
      assert.match(line, message, `${task}: ${name}`);
    }
  });
}

test('a file name with escape sequences, line breaks and bidi overrides is shown as visible escapes', (t) => {
  const dir = tempDir(t);
  const name = `evil${HOSTILE}.txt`;
  const missing = join(dir, name);
  for (const args of [['sentiment', missing], ['eval', 'squad', missing]]) {
    const result = run(...args, '--models', fixtureModels());
    finished(result, 1);
    assert.ok(oneInertLine(result.stderr, args[0]).endsWith(`evil${HOSTILE_SHOWN}.txt: no such file.`), result.stderr);
  }
  writeFileSync(missing, ' \n');
  const blank = run('entities', missing, '--models', fixtureModels());
  finished(blank, 1);
  assert.ok(oneInertLine(blank.stderr, 'blank').includes(`evil${HOSTILE_SHOWN}.txt has no text to analyse`));
});

test('topic labels reach the table as visible escapes, and the JSON as the same labels, inert', (t) => {
  const file = join(tempDir(t), 'match.txt');
  writeFileSync(file, 'The football team scored a late goal in the match.');
  const labels = [`sports${HOSTILE}`, 'poli\u009b2Jtics'];
  const list = labels.map((label) => `"${label}"`).join(',');
  const table = run('topics', file, '--labels', list, '--models', fixtureModels());
  finished(table, 0);
  assert.doesNotMatch(table.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL);
  assert.match(table.stdout, new RegExp(`\\d%  sports${HOSTILE_SHOWN.replace(/[\\[\]{}]/g, '\\$&')}$`, 'm'));
  assert.match(table.stdout, /\d%  poli\\u\{9b\}2Jtics$/m);

  const json = run('topics', file, '--labels', list, '--json', '--models', fixtureModels());
  finished(json, 0);
  assert.doesNotMatch(json.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL);
  assert.deepEqual(new Set((JSON.parse(json.stdout) as { document: Array<{ label: string }> }).document.map((d) => d.label)), new Set(labels));
});

test('entity types of a CoNLL file reach the eval table as visible escapes, and its JSON inert', (t) => {
  const file = join(tempDir(t), 'eng.testb');
  writeFileSync(file, 'Angela NNP B-PER\u001b[2J\u202e\u0085x\nvisited VBD O\nParis NNP B-LOC\n');
  const table = run('eval', 'conll', file, '--models', fixtureModels());
  finished(table, 0);
  assert.doesNotMatch(table.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL);
  assert.match(table.stdout, /^ {2}PER\\u\{1b\}\[2J\\u\{202e\}\\u\{85\}x\s+0\.0\s+0\.0\s+0\.0\s+1\s+0$/m);
  const json = run('eval', 'conll', file, '--json', '--models', fixtureModels());
  finished(json, 0);
  assert.doesNotMatch(json.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL);
  assert.ok('PER\u001b[2J\u202e\u0085x' in ((JSON.parse(json.stdout) as { byType: object }).byType));
});

test('a document’s C1 controls and bidi overrides are escaped in the JSON too, which still holds the same text', (t) => {
  const file = join(tempDir(t), 'doc.txt');
  const text = 'Angela Merkel \u202eevil\u202c met \u009b2J Paris\u2028in 1958.';
  writeFileSync(file, text);
  for (const [command, ...args] of [['sentiment'], ['entities'], ['ask', '-q', 'When?'], ['topics', '--labels', 'politics']]) {
    const result = run(command, file, ...args, '--json', '--models', fixtureModels());
    finished(result, 0);
    assert.doesNotMatch(result.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL, command);
    const spans = Object.values(JSON.parse(result.stdout) as Record<string, unknown>).find(Array.isArray) as Array<{ start?: number; end?: number; text?: string }>;
    for (const span of spans) if (span.text !== undefined) assert.equal(span.text, text.slice(span.start, span.end), command);
  }
});

test('a template, a question and a models folder from the command line are quoted as visible escapes', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doc.txt');
  writeFileSync(file, 'The football match was good.');
  const template = run('topics', file, '--labels', 'sports', '--template', `About ${HOSTILE}`, '--models', fixtureModels());
  finished(template, 1);
  assert.ok(oneInertLine(template.stderr, 'template').includes(`About ${HOSTILE_SHOWN}`));

  const models = join(dir, `models${HOSTILE}`);
  mkdirSync(models);
  const missing = run('sentiment', file, '--models', models, '--verbose');
  finished(missing, 1);
  const lines = missing.stderr.trimEnd().split('\n');
  for (const line of lines) assert.doesNotMatch(line, UNSAFE_ON_A_TERMINAL, line);
  assert.ok(lines.at(-1)?.includes(`models${HOSTILE_SHOWN}`), lines.at(-1));
  const info = run('info', '--models', models);
  finished(info, 0);
  assert.doesNotMatch(info.stdout.replaceAll('\n', ''), UNSAFE_ON_A_TERMINAL);
});

test('model errors give the command line’s advice (--models DIR, --download), not the editor’s settings', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doc.txt');
  writeFileSync(file, 'Paris was good.');
  const noSettings = (text: string, what: string) => assert.doesNotMatch(text, /textAnalytics\.|the extension/, what);

  // No model at all: an empty --models folder, downloads off.
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const none = run('sentiment', file, '--models', empty, '--cache-dir', join(dir, 'cache'));
  finished(none, 1);
  const noneLine = oneInertLine(none.stderr, 'no model');
  noSettings(noneLine, 'no model');
  assert.match(noneLine, /^No sentiment model is available: the --models folder .*empty has no "sentiment" subfolder.*Give --models DIR \(a folder whose "sentiment" subfolder holds config\.json, tokenizer\.json, onnx\/model_quantized\.onnx\), or allow --download to fetch \S+ from the Hugging Face Hub/);
  const info = run('info', '--models', empty, '--cache-dir', join(dir, 'cache'));
  finished(info, 0);
  noSettings(info.stdout, 'info');
  assert.match(info.stdout, /^sentiment\s+not available — No sentiment model is available: .*--download/m);

  // A model folder that lacks files.
  const incomplete = join(dir, 'incomplete');
  mkdirSync(join(incomplete, 'entities'), { recursive: true });
  cpSync(join(fixtureModels(), 'entities', 'config.json'), join(incomplete, 'entities', 'config.json'));
  const lacking = run('entities', file, '--models', incomplete);
  finished(lacking, 1);
  const lackingLine = oneInertLine(lacking.stderr, 'incomplete');
  noSettings(lackingLine, 'incomplete');
  assert.match(lackingLine, /^The named-entity model folder .*incomplete\/entities lacks tokenizer\.json, onnx\/model_quantized\.onnx \(or onnx\/model\.onnx\)\. Put them there, or give --models DIR/);
});

test('a broken model’s advice is the command line’s too', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'doc.txt');
  writeFileSync(file, 'Paris was good.');
  const broken = join(dir, 'broken');
  cpSync(join(fixtureModels(), 'sentiment'), join(broken, 'sentiment'), { recursive: true });
  writeFileSync(join(broken, 'sentiment', 'config.json'), '{ not json');
  const corrupt = run('sentiment', file, '--models', broken);
  finished(corrupt, 1);
  const corruptLine = oneInertLine(corrupt.stderr, 'broken');
  assert.doesNotMatch(corruptLine, /textAnalytics\.|the extension/);
  assert.match(corruptLine, /broken\/sentiment\/config\.json is not valid JSON \(.*\)\. Fix or replace the file, or give --models a folder with a working sentiment model\.$/);
});
