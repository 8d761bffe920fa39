import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, REPO, tempDir } from '../helpers';

// The bundled command-line tool (dist/cli.js, built by `npm run build`), run as a user runs it.
const CLI = join(REPO, 'dist', 'cli.js');

function run(...args: string[]) {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first.`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(REPO, '.cache', 'cli-test') } });
}

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
  assert.match(stdout, /Model: sentiment \(onnx\/model_quantized\.onnx, bundled\) on CPU/);
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
