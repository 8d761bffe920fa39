import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, REPO, tempDir } from '../helpers';
import { finished, run } from './cliRun';

test('sentiment --json gives UTF-16 offsets whose slices are the sentences', (t) => {
  const file = join(tempDir(t), 'doc.md');
  const text = '\uFEFF😀 Tōkyō was wonderful!\r\n\r\n東京 was terrible. 👩‍👩‍👧 Plain words here.\r\n';
  writeFileSync(file, text);
  const { status, stdout, stderr } = run('sentiment', file, '--models', fixtureModels(), '--json');
  assert.equal(status, 0, stderr);
  const output = JSON.parse(stdout) as {
    document: { label: string; score: number };
    sentences: { start: number; end: number; text: string; label: string; score: number }[];
    model: { task: string };
    device: { used: string };
  };
  const decoded = text.slice(1); // VS Code, like the CLI, drops the byte-order mark
  assert.deepEqual(
    output.sentences.map((s) => [s.text, s.label]),
    [
      ['😀 Tōkyō was wonderful!', 'POSITIVE'],
      ['東京 was terrible.', 'NEGATIVE'],
      ['👩‍👩‍👧 Plain words here.', 'NEUTRAL'],
    ],
  );
  for (const s of output.sentences) assert.equal(decoded.slice(s.start, s.end), s.text);
  assert.deepEqual(Object.keys(output.sentences[0]).sort(), ['end', 'label', 'score', 'start', 'text']);
  assert.equal(output.model.task, 'sentiment');
  assert.equal(output.device.used, 'cpu');
  assert.ok(['POSITIVE', 'NEGATIVE', 'NEUTRAL'].includes(output.document.label));
});

test('the table names each sentence’s label and line', () => {
  const { status, stdout } = run('sentiment', join(REPO, 'samples', 'sample.md'), '--models', fixtureModels());
  assert.equal(status, 0);
  assert.match(stdout, /^POSITIVE\s+\d+\.\d%\s+line 3\s+The new release is excellent\./m);
  // Where the model came from is the --models folder, named as given, not the engine's word "bundled".
  assert.match(stdout, /Model: sentiment \(onnx\/model_quantized\.onnx from \S*fixtures[\\/]models[\\/]sentiment\) on CPU/);
});

test('errors go to stderr with a non-zero exit code', (t) => {
  const dir = tempDir(t);
  const missing = run('sentiment', join(dir, 'nope.md'), '--models', fixtureModels());
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /Cannot read .*nope\.md: no such file/);
  assert.equal(missing.stdout, '');

  const binary = join(dir, 'image.bin');
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
  assert.match(run('sentiment', binary, '--models', fixtureModels()).stderr, /binary file/);

  const noModels = run('sentiment', join(REPO, 'samples', 'sample.md'), '--models', dir);
  assert.equal(noModels.status, 1);
  assert.match(noModels.stderr, /No sentiment model is available.*--models DIR/s);

  const usage = run('frobnicate');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /Unknown command: frobnicate[\s\S]*Usage:/);
});

test('--version and info say which device is used', () => {
  const version = run('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^text-analytics \d+\.\d+\.\d+ \(onnxruntime-node [\d.]+, device: (cpu|cuda|dml|coreml)/);
  const info = run('info', '--models', fixtureModels(), '--json');
  const details = JSON.parse(info.stdout) as Record<string, string>;
  assert.match(details.device, /^(cpu|cuda|dml|coreml)/);
  assert.match(details.sentiment, /bundled: .*sentiment/);
});

test('entities --json lists exact, sorted, non-overlapping entities', (t) => {
  const file = join(tempDir(t), 'names.txt');
  const text = 'Tōkyō 😀 hosted Angela Merkel.\r\nGoogle met UNESCO in Buenos Aires.\n';
  writeFileSync(file, text);
  const { status, stdout, stderr } = run('entities', file, '--models', fixtureModels(), '--json');
  assert.equal(status, 0, stderr);
  const output = JSON.parse(stdout) as { entities: { start: number; end: number; text: string; type: string; score: number }[]; model: { task: string } };
  assert.deepEqual(
    output.entities.map((e) => [e.text, e.type]),
    [['Tōkyō', 'LOC'], ['Angela Merkel', 'PER'], ['Google', 'ORG'], ['UNESCO', 'ORG'], ['Buenos Aires', 'LOC']],
  );
  for (const e of output.entities) assert.equal(text.slice(e.start, e.end), e.text);
  assert.deepEqual(Object.keys(output.entities[0]).sort(), ['end', 'score', 'start', 'text', 'type']);
  assert.equal(output.model.task, 'entities');
});

test('ask --json answers from the file, and an empty list when there is no confident answer', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'history.md');
  const text = '# Tōkyō 😀\r\n\r\nThe tower was finished in 1958 by 東京 engineers.\r\n';
  writeFileSync(file, text);
  const found = run('ask', file, '--question', 'When was it finished in 1999?', '--models', fixtureModels(), '--json');
  assert.equal(found.status, 0, found.stderr);
  const output = JSON.parse(found.stdout) as { answers: { start: number; end: number; text: string; score: number }[]; model: { task: string } };
  assert.deepEqual(output.answers.map((a) => a.text), ['1958']);
  assert.equal(text.slice(output.answers[0].start, output.answers[0].end), '1958');
  assert.deepEqual(Object.keys(output.answers[0]).sort(), ['end', 'score', 'start', 'text']);
  assert.equal(output.model.task, 'qa');

  const none = join(dir, 'none.md');
  writeFileSync(none, 'No years here at all.');
  const empty = run('ask', none, '-q', 'When?', '--models', fixtureModels(), '--json');
  assert.equal(empty.status, 0, empty.stderr);
  assert.deepEqual((JSON.parse(empty.stdout) as { answers: unknown[] }).answers, []);

  assert.equal(run('ask', file, '--models', fixtureModels()).status, 2, 'a question is required');
});

test('topics --json scores the document and each section, with quoted labels holding commas', (t) => {
  const file = join(tempDir(t), 'report.md');
  const text = '# Match report\nThe football team scored a late goal.\n\n# Markets\nThe company made a profit.\n';
  writeFileSync(file, text);
  const { status, stdout, stderr } = run('topics', file, '--labels', 'sports,"business, finance",política', '--models', fixtureModels(), '--json');
  assert.equal(status, 0, stderr);
  const output = JSON.parse(stdout) as {
    document: { label: string; score: number }[];
    sections: { start: number; end: number; heading: string; labels: { label: string; score: number }[] }[];
  };
  assert.deepEqual(new Set(output.document.map((d) => d.label)), new Set(['sports', 'business, finance', 'política']));
  assert.deepEqual(output.sections.map((s) => [s.heading, s.labels[0].label]), [['Match report', 'sports'], ['Markets', 'business, finance']]);
  for (const s of output.sections) assert.ok(text.slice(s.start, s.end).startsWith(`# ${s.heading}`));
  const scores = output.document.map((d) => d.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted by score');
  assert.equal(run('topics', file, '--models', fixtureModels()).status, 2, 'labels are required');
});

// ---------------------------------------------------------------------------------------------
// Bad input: every command refuses what it cannot analyse with a message and exit code 1, and
// what it analyses, however odd, comes back with exact offsets.

const COMMANDS: ReadonlyArray<readonly string[]> = [['sentiment'], ['entities'], ['ask', '--question', 'When?'], ['topics', '--labels', 'sports,politics']];

function runEach(file: string, ...options: string[]) {
  return COMMANDS.map(([command, ...args]) => ({ command, result: run(command, file, ...args, '--models', fixtureModels(), ...options) }));
}

/** Every command refuses `file`: exit code 1, nothing on stdout, and `message` on stderr. */
function refusedByEveryCommand(file: string, message: RegExp): void {
  for (const { command, result } of runEach(file)) {
    finished(result, 1);
    assert.equal(result.stdout, '', `${command} ${basename(file)}`);
    assert.match(result.stderr, message, `${command} ${basename(file)}`);
  }
}

test('a 20 MB file is refused at once, with its size, the limit, and how to analyse part of it', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big.txt');
  const line = 'Angela Merkel was good in Berlin.\n';
  const text = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
  writeFileSync(file, text);
  // Its size alone says it is over the limit (three bytes a character at most): it is not read.
  refusedByEveryCommand(
    file,
    new RegExp(`big\\.txt has ${text.length.toLocaleString('en')} bytes, more than the limit of 2,000,000 characters \\(--max-chars\\) can hold\\. Analyse part of it with --lines FROM:TO\\.`),
  );

  // The part asked for is analysed, with offsets and line numbers of the whole file.
  const part = run('entities', file, '--lines', '1000:1001', '--json', '--models', fixtureModels());
  finished(part, 0);
  const entities = (JSON.parse(part.stdout) as { entities: { start: number; end: number; text: string }[] }).entities;
  assert.deepEqual(entities.map((e) => e.text), ['Angela Merkel', 'Berlin', 'Angela Merkel', 'Berlin']);
  assert.equal(entities[0].start, 999 * line.length);
  for (const e of entities) assert.equal(text.slice(e.start, e.end), e.text);
  const table = run('entities', file, '--lines', '1000:1001', '--models', fixtureModels());
  assert.match(table.stdout, /^PER\s+\d+\.\d%\s+line 1001\s+Angela Merkel$/m);
});

test('a file over the limit that its size does not give away is counted: its length, and how to raise the limit', (t) => {
  const file = join(tempDir(t), 'cjk.txt');
  // 1,200 characters in 3,600 bytes (three bytes each): the size allows 1,197 to 3,600 characters.
  writeFileSync(file, '東京'.repeat(600));
  const over = run('sentiment', file, '--max-chars', '1199', '--models', fixtureModels());
  finished(over, 1);
  assert.match(over.stderr, /cjk\.txt has 1,200 characters, more than the limit of 1,199 \(--max-chars\)\. Analyse part of it with --lines FROM:TO, or raise the limit with --max-chars 1200\./);
});

test('--max-chars sets the limit: a file just over it is refused, one at it is analysed', (t) => {
  const file = join(tempDir(t), 'doc.txt');
  // 1,001 UTF-16 units, as VS Code counts them: the emoji is two.
  writeFileSync(file, `Berlin 😀 was good.${' and good'.repeat(109)}.`);
  const over = run('sentiment', file, '--max-chars', '1000', '--models', fixtureModels());
  finished(over, 1);
  assert.match(over.stderr, /has 1,001 characters, more than the limit of 1,000 \(--max-chars\)/);
  finished(run('sentiment', file, '--max-chars', '1001', '--models', fixtureModels()), 0);
});

test('empty and whitespace-only files are refused by every command, with a message and exit code 1', (t) => {
  const dir = tempDir(t);
  const files: Array<[string, string | Buffer]> = [
    ['empty.txt', ''],
    ['spaces.txt', ' \t\r\n\r\n\u3000\u2003\n'],
    ['bom-only.txt', '\uFEFF'],
    ['utf16-blank.txt', Buffer.from([0xff, 0xfe, 0x20, 0x00, 0x0a, 0x00])],
  ];
  for (const [name, content] of files) {
    const file = join(dir, name);
    writeFileSync(file, content);
    refusedByEveryCommand(file, new RegExp(`${name.replace('.', '\\.')} has no text to analyse: it is empty or only whitespace\\.`));
  }
});

test('binary files and files with NUL bytes are refused by every command, with a message and exit code 1', (t) => {
  const dir = tempDir(t);
  const files: Array<[string, Buffer]> = [
    ['image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])],
    ['one-nul.txt', Buffer.from('Angela Merkel visited Berlin.\0 It was good.')],
    ['utf16-nul.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Berlin\0Paris', 'utf16le')])],
  ];
  for (const [name, content] of files) {
    const file = join(dir, name);
    writeFileSync(file, content);
    refusedByEveryCommand(file, /looks like a binary file \(it contains NUL (bytes|characters)\); give a text file\./);
  }
});

test('invalid UTF-8 is refused with how to fix it; UTF-16 with a byte-order mark is read, offsets into its text', (t) => {
  const dir = tempDir(t);
  const invalid: Array<[string, Buffer]> = [
    ['latin1.txt', Buffer.from('Café in Berlin', 'latin1')],
    ['truncated.txt', Buffer.concat([Buffer.from('Berlin '), Buffer.from('😀').subarray(0, 3)])],
    ['lone-surrogate.txt', Buffer.from([0x42, 0x65, 0x72, 0x6c, 0x69, 0x6e, 0x20, 0xed, 0xa0, 0x80])], // CESU-8 for U+D800
    ['overlong.txt', Buffer.from([0x42, 0xc0, 0xaf, 0x20, 0x31, 0x39, 0x35, 0x38])],
    ['odd-utf16.txt', Buffer.from([0xff, 0xfe, 0x42, 0x00, 0x65])], // UTF-16 cut in the middle of a character
  ];
  for (const [name, content] of invalid) {
    const file = join(dir, name);
    writeFileSync(file, content);
    refusedByEveryCommand(file, /is not valid UTF-(8|16LE) text\. Save it as UTF-8 \(or convert it, for example with iconv\) and try again\./);
  }

  const text = 'Angela Merkel 😀 visited Berlin\r\nin 1958.';
  for (const [name, bytes] of [
    ['utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const result = run('entities', file, '--json', '--models', fixtureModels());
    finished(result, 0);
    const entities = (JSON.parse(result.stdout) as { entities: { start: number; end: number; text: string }[] }).entities;
    assert.deepEqual(entities.map((e) => [e.text, text.slice(e.start, e.end)]), [['Angela Merkel', 'Angela Merkel'], ['Berlin', 'Berlin']], name);
  }
});

test('odd Unicode comes back with exact offsets in every command’s --json output', (t) => {
  const file = join(tempDir(t), 'odd.md');
  const text = [
    '\uFEFF# Be\u0301rlin\u0301 notes \u202Bשָׁלוֹם\u202C\r',
    '\u200FAngela Merkel\u200F 👩‍👩‍👧 met Google 東京Paris in 1958\u0301.\r\n',
    'The football match was wonderful \u200b😀\u200b.\n\n',
    '# Tokyo\r\r',
    `${'x'.repeat(200_000)}\n`,
    'Zalgo B\u0336e\u0301r\u0300lin and A\u0300ngela\u200c Merkel were terrible.\r',
  ].join('');
  writeFileSync(file, text);
  const decoded = text.slice(1); // without the byte-order mark, as VS Code and the CLI read it
  type Json = Record<string, Array<{ start: number; end: number; text?: string; heading?: string }>>;
  const json = (command: string, ...args: string[]) => {
    const result = run(command, file, ...args, '--json', '--models', fixtureModels());
    finished(result, 0);
    return JSON.parse(result.stdout) as Json;
  };
  const exact = (spans: Json[string], what: string) => {
    assert.ok(spans.length > 0, `some ${what}`);
    for (const span of spans) assert.equal(decoded.slice(span.start, span.end), span.text, `${what} at [${span.start}, ${span.end})`);
  };

  const sentences = json('sentiment').sentences;
  exact(sentences, 'sentences');
  for (const expected of ['The football match was wonderful \u200b😀\u200b.', 'x'.repeat(200_000)]) assert.ok(sentences.some((s) => s.text === expected), expected.slice(0, 40));
  const entities = json('entities').entities;
  exact(entities, 'entities');
  assert.deepEqual(
    entities.map((e) => e.text),
    ['Be\u0301rlin\u0301', 'Angela Merkel', 'Google', 'Paris', 'Tokyo', 'B\u0336e\u0301r\u0300lin', 'A\u0300ngela\u200c Merkel'],
  );
  const answers = json('ask', '--question', 'When?').answers;
  exact(answers, 'answers');
  assert.equal(answers[0].text, '1958\u0301');
  const sections = json('topics', '--labels', 'sports,politics').sections;
  assert.deepEqual(sections.map((s) => s.heading), ['Be\u0301rlin\u0301 notes \u202Bשָׁלוֹם\u202C', 'Tokyo']);
  for (const s of sections) {
    const slice = decoded.slice(s.start, s.end);
    assert.ok(slice.startsWith(`# ${s.heading}`) && slice.trim() === slice, JSON.stringify(slice.slice(0, 40)));
  }
});

test('control characters and bidi overrides in a document never reach the terminal through a table', (t) => {
  const file = join(tempDir(t), 'hostile.txt');
  // An escape sequence that would retitle the terminal, one that recolours it, a CSI (U+009B)
  // and a right-to-left override that would reorder the line.
  writeFileSync(file, 'Berlin \u001b]0;pwned\u0007 was \u001b[31mgood\u001b[0m in 1958 \u009b2J and \u202Eevil\u202C Paris.\n');
  for (const { command, result } of runEach(file)) {
    finished(result, 0);
    assert.doesNotMatch(result.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, command);
  }
  const table = run('entities', file, '--models', fixtureModels()).stdout;
  assert.match(table, /^LOC\s+\d+\.\d%\s+line 1\s+Berlin$/m);
  const sentences = run('sentiment', file, '--models', fixtureModels()).stdout;
  assert.ok(sentences.includes('Berlin \\u{1b}]0;pwned\\u{7} was \\u{1b}[31mgood\\u{1b}[0m in 1958 \\u{9b}2J and \\u{202e}evil\\u{202c} Paris.'), sentences);
});

test('--lines analyses those lines, with offsets and line numbers of the whole file; a bad range says why', (t) => {
  const file = join(tempDir(t), 'lines.txt');
  const text = 'Paris was good.\r\nNothing here.\rGoogle hired Angela Merkel\nin 1958.\r\n\r\nTokyo.';
  writeFileSync(file, text);
  const result = run('entities', file, '--lines', '3:4', '--json', '--models', fixtureModels());
  finished(result, 0);
  const entities = (JSON.parse(result.stdout) as { entities: { start: number; end: number; text: string }[] }).entities;
  assert.deepEqual(entities.map((e) => [e.text, text.slice(e.start, e.end)]), [['Google', 'Google'], ['Angela Merkel', 'Angela Merkel']]);
  const answers = run('ask', file, '--lines', '4:', '-q', 'When?', '--models', fixtureModels());
  assert.match(answers.stdout, /^\s*\d+\.\d%\s+line 4\s+1958 /m);
  const single = run('sentiment', file, '--lines', '1', '--json', '--models', fixtureModels());
  assert.deepEqual((JSON.parse(single.stdout) as { sentences: { text: string }[] }).sentences.map((s) => s.text), ['Paris was good.']);

  const past = run('entities', file, '--lines', '9:12', '--models', fixtureModels());
  finished(past, 1);
  assert.match(past.stderr, /lines\.txt has 6 lines, so --lines 9:… selects nothing\./);
  const blank = run('entities', file, '--lines', '5', '--models', fixtureModels());
  finished(blank, 1);
  assert.match(blank.stderr, /Lines 5:5 of .*lines\.txt have no text to analyse/);
  for (const bad of ['0:2', '3:2', 'a:b', ':', '']) {
    const usage = run('entities', file, '--lines', bad, '--models', fixtureModels());
    finished(usage, 2);
    assert.match(usage.stderr, /--lines must be FROM:TO/, JSON.stringify(bad));
  }
});

test('--model runs a subcommand on another model than its default: a folder, or a refusal naming what it is not', (t) => {
  const file = join(tempDir(t), 'review.txt');
  writeFileSync(file, 'What a wonderful day. The service was terrible.');
  const noDefaults = join(tempDir(t), 'no-models');
  // The three-label fixture instead of the (absent) default.
  const three = run('sentiment', file, '--models', noDefaults, '--model', join(fixtureModels(), 'sentiment-3class'), '--json');
  finished(three, 0);
  const json = JSON.parse(three.stdout) as { sentences: Array<{ label: string }>; model: { id: string; source: string } };
  assert.deepEqual(
    json.sentences.map((s) => s.label),
    ['POSITIVE', 'NEGATIVE'],
  );
  assert.deepEqual([json.model.id, json.model.source], ['sentiment-3class', 'setting']);
  const entities = run('entities', file, '--models', noDefaults, '--model', join(fixtureModels(), 'entities'), '--json');
  finished(entities, 0);
  assert.equal((JSON.parse(entities.stdout) as { model: { id: string } }).model.id, 'entities');
  // Neither a folder nor owner/name: a usage error before anything loads.
  const wrong = run('sentiment', file, '--model', 'no-such-folder');
  finished(wrong, 2);
  assert.match(wrong.stderr, /^text-analytics: --model must be a model folder or a Hub id \(owner\/name\), not no-such-folder: no such folder\.\n/);
});
