/**
 * `text-analytics pii` and `text-analytics redact`, run as a user runs them (the built
 * dist/cli.js): the findings' JSON, and the redacted text — on stdout, into --output (whole or not
 * at all), from standard input in windows whose seams lose nothing, in the input's own encoding
 * and line breaks, and quietly ended by a closed pipe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, tempDir } from '../helpers';
import { CLI, endedWith, finished, oneInertLine, run, watched } from './cliRun';

const TEXT = 'Hello Angela Merkel,\r\nwrite to ann@example.com or bob@test.org 😀.\r\nAnn@Example.com again, 東京.\r\n';

function written(t: { after(fn: () => void): void }, text: string | Buffer, name = 'letter.txt'): { dir: string; file: string } {
  const dir = tempDir(t);
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

/** Runs the CLI with `input` on its standard input. */
function withStdin(args: string[], input: Buffer | string, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => stdout.push(data));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout: Buffer.concat(stdout), stderr })));
}

interface Finding {
  start: number;
  end: number;
  text: string;
  type: string;
  score: number;
  source: string;
}

test('pii --json: every finding with exact offsets, type, score and source, by start, none overlapping', (t) => {
  const { file } = written(t, TEXT);
  const result = run('pii', file, '--models', fixtureModels(), '--json');
  finished(result, 0);
  const json = JSON.parse(result.stdout) as { schemaVersion: number; entities: Finding[]; model: { id: string } | null; models: unknown[]; device: unknown };
  assert.equal(json.schemaVersion, 2);
  assert.deepEqual(Object.keys(json), ['schemaVersion', 'entities', 'model', 'models', 'device']);
  const text = TEXT;
  for (const e of json.entities) {
    assert.deepEqual(Object.keys(e), ['start', 'end', 'text', 'type', 'score', 'source']);
    assert.equal(text.slice(e.start, e.end), e.text, 'offsets are UTF-16 units into the file');
  }
  for (let i = 1; i < json.entities.length; i++) assert.ok(json.entities[i].start >= json.entities[i - 1].end, 'sorted, none overlapping');
  const found = json.entities.map((e) => `${e.type}:${e.text}:${e.source}`);
  assert.ok(found.includes('PERSON:Angela Merkel:model'), found.join(', '));
  assert.ok(found.includes('EMAIL_ADDRESS:ann@example.com:pattern'));
  assert.ok(found.includes('EMAIL_ADDRESS:Ann@Example.com:pattern'));
  assert.equal(json.models.length, 1);
});

test('pii --no-model loads no model (the models folder is not even looked at); --types keeps only those types', (t) => {
  const { file } = written(t, TEXT);
  const result = run('pii', file, '--no-model', '--models', join(tempDir(t), 'nothing-here'), '--json', '--types', 'email_address');
  finished(result, 0);
  const json = JSON.parse(result.stdout) as { entities: Finding[]; model: unknown; models: unknown[]; device: unknown };
  assert.equal(json.model, null);
  assert.deepEqual(json.models, []);
  assert.deepEqual(json.entities.map((e) => e.text), ['ann@example.com', 'bob@test.org', 'Ann@Example.com']);
  const table = run('pii', file, '--no-model');
  finished(table, 0);
  assert.match(table.stdout, /^\d+ findings? — recognizers only \(no model\)\n/);
  assert.match(table.stdout, /EMAIL_ADDRESS +\d+\.\d% +pattern +line 2 +ann@example\.com/);
});

test('pii and redact without the named-entity model say how to run without one', (t) => {
  const { file } = written(t, TEXT);
  for (const command of ['pii', 'redact']) {
    const result = run(command, file, '--models', join(tempDir(t), 'nothing-here'));
    finished(result, 1);
    assert.match(result.stderr, /^text-analytics: No named-entity model is available: .* Or give --no-model to find personal data with the recognizers alone\.\n$/);
  }
});

test('pii: a wrong option is one line and exit code 2', (t) => {
  const { file } = written(t, TEXT);
  for (const [args, message] of [
    [['--types', 'EMAIL,PHONE'], /--types: EMAIL is not a type; the types are PERSON, /],
    [['--phone-region', 'USA'], /--phone-region must be a two-letter country code/],
    [['--no-model', '--model', 'owner/name'], /--model and --no-model contradict each other/],
  ] as const) {
    const result = run('pii', file, ...args);
    finished(result, 2);
    assert.match(result.stderr.split('\n')[0], message);
  }
});

test('pii --allow and --deny files: values never and always reported', (t) => {
  const { dir, file } = written(t, 'Write to ann@example.com or bob@test.org; ask for Project Nightingale.\n');
  writeFileSync(join(dir, 'allow.txt'), 'bob@test.org\r\n\r\n');
  writeFileSync(join(dir, 'deny.json'), JSON.stringify({ PROJECT: ['Project Nightingale'] }));
  const result = run('pii', file, '--no-model', '--json', '--allow', join(dir, 'allow.txt'), '--deny', join(dir, 'deny.json'));
  finished(result, 0);
  const json = JSON.parse(result.stdout) as { entities: Finding[] };
  assert.deepEqual(json.entities.map((e) => `${e.type}:${e.text}`), ['EMAIL_ADDRESS:ann@example.com', 'PROJECT:Project Nightingale']);
  const missing = run('pii', file, '--no-model', '--allow', join(dir, 'none.txt'));
  finished(missing, 1);
  assert.match(oneInertLine(missing.stderr, '--allow missing'), /Cannot read --allow .*none\.txt: no such file\./);
});

test('redact: every finding replaced by its tag, every other byte identical (CRLF, emoji, CJK, a UTF-8 BOM)', (t) => {
  const { file } = written(t, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]));
  const result = run('redact', file, '--models', fixtureModels());
  finished(result, 0);
  assert.equal(result.stdout, '\uFEFFHello [PERSON],\r\nwrite to [EMAIL_ADDRESS] or [EMAIL_ADDRESS] 😀.\r\n[EMAIL_ADDRESS] again, 東京.\r\n');
  assert.equal(result.stderr, '');
});

test('redact --operator pseudonym: the same person and address the same name everywhere', (t) => {
  const { file } = written(t, `${TEXT}Angela Merkel met bob@test.org.\n`);
  const result = run('redact', file, '--models', fixtureModels(), '--operator', 'pseudonym');
  finished(result, 0);
  assert.equal(
    result.stdout,
    'Hello [PERSON_1],\r\nwrite to [EMAIL_ADDRESS_1] or [EMAIL_ADDRESS_2] 😀.\r\n[EMAIL_ADDRESS_1] again, 東京.\r\n[PERSON_1] met [EMAIL_ADDRESS_2].\n',
  );
});

test('redact --operator hash: stable under TEXT_ANALYTICS_HASH_SALT; a random salt for the run is said on stderr', async (t) => {
  const { file } = written(t, 'to ann@example.com\n');
  const salted = async (salt?: string) => withStdin(['redact', file, '--no-model', '--operator', 'hash'], '', salt === undefined ? {} : { TEXT_ANALYTICS_HASH_SALT: salt });
  const one = await salted('pepper');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout.toString(), /^to \[EMAIL_ADDRESS:[0-9a-f]{16}\]\n$/);
  assert.equal((await salted('pepper')).stdout.toString(), one.stdout.toString());
  assert.notEqual((await salted('salt')).stdout.toString(), one.stdout.toString());
  const random = await salted(undefined);
  assert.match(random.stderr, /^text-analytics: hash: a random salt for this run; set TEXT_ANALYTICS_HASH_SALT/);
  const mask = run('redact', file, '--no-model', '--operator', 'tag', '--keep-last', '4');
  finished(mask, 2);
  assert.match(mask.stderr, /^text-analytics: --keep-last goes with --operator mask\./);
});

test('redact --output: the file appears complete, no temporary file is left, the original is untouched', (t) => {
  const { dir, file } = written(t, TEXT);
  const output = join(dir, 'redacted.txt');
  const result = run('redact', file, '--no-model', '--output', output);
  finished(result, 0);
  assert.equal(result.stdout, '');
  assert.equal(readFileSync(output, 'utf8'), TEXT.replace(/[\w.]+@[\w.]+\.(com|org)/gi, '[EMAIL_ADDRESS]'));
  assert.equal(readFileSync(file, 'utf8'), TEXT);
  assert.deepEqual(readdirSync(dir).sort(), ['letter.txt', 'redacted.txt']);
  // A failure (here: the input is binary, found after the output was opened) leaves no file at all.
  const binary = join(dir, 'binary.bin');
  writeFileSync(binary, Buffer.concat([Buffer.from('ann@example.com '.repeat(100_000)), Buffer.from([0, 1, 2])]));
  const failed = run('redact', binary, '--no-model', '--output', join(dir, 'never.txt'));
  finished(failed, 1);
  assert.match(oneInertLine(failed.stderr, 'binary'), /binary\.bin looks like a binary file/);
  assert.deepEqual(readdirSync(dir).sort(), ['binary.bin', 'letter.txt', 'redacted.txt']);
  const nowhere = run('redact', file, '--no-model', '--output', join(dir, 'no', 'such', 'folder.txt'));
  finished(nowhere, 1);
  assert.match(oneInertLine(nowhere.stderr, 'no folder'), /Cannot write .*folder\.txt: no such folder\./);
});

test('redact - reads standard input in windows: findings across every seam are redacted, UTF-16 stays UTF-16', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`${'x'.repeat(i % 17)} ${i}: user${i % 11}@example.com 😀${i % 2 ? '\r\n' : '\n'}`);
  const text = lines.join('');
  const expected = text.replace(/user\d+@example\.com/g, '[EMAIL_ADDRESS]');
  // Windows of 5,000 characters (and a 64 Ki margin): the 100 KB input is cut many times.
  const small = await withStdin(['redact', '-', '--no-model'], text, { TEXT_ANALYTICS_REDACT_CHUNK: '5000' });
  assert.equal(small.status, 0, small.stderr);
  assert.equal(small.stdout.toString(), expected);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const back = await withStdin(['redact', '-', '--no-model', '--operator', 'pseudonym'], utf16, { TEXT_ANALYTICS_REDACT_CHUNK: '5000' });
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout.subarray(0, 2).toString('hex'), 'fffe');
  const decoded = back.stdout.subarray(2).toString('utf16le');
  assert.equal(decoded.replace(/\[EMAIL_ADDRESS_\d+\]/g, '[EMAIL_ADDRESS]'), expected);
  // Pseudonyms are the same across windows: user3 is one name from the first window to the last.
  const names = new Set([...decoded.matchAll(/\[EMAIL_ADDRESS_(\d+)\]/g)].map((m) => m[1]));
  assert.equal(names.size, 11);
});

test('redact - of 50 MB through a pipe in bounded memory, ignoring --max-chars', async (t) => {
  const { file } = written(t, 'GET /a?user=ann@example.com 200 ok 😀\n'.repeat(1_400_000), 'big.log');
  const fd = openSync(file, 'r');
  t.after(() => closeSync(fd));
  const piped = await watched(['redact', '-', '--no-model'], { stdio: [fd, 'pipe', 'pipe'], maxRssMiB: 400, timeoutMs: 300_000 });
  endedWith(piped, 0);
  assert.equal(piped.stdout.length, 'GET /a?user=[EMAIL_ADDRESS] 200 ok 😀\n'.length * 1_400_000);
  assert.ok(piped.peakRssMiB < 400, `peak ${piped.peakRssMiB} MiB`);
});

test('redact: a closed output pipe (| head -1) ends it quietly, exit code 141', async (t) => {
  const { file } = written(t, 'ann@example.com\n'.repeat(400_000), 'big.txt');
  const result = await watched(['redact', file, '--no-model'], { closeStdout: 'after-first-line' });
  endedWith(result, 141);
  assert.equal(result.stdout, '[EMAIL_ADDRESS]\n');
  assert.equal(result.stderr, '');
});

test('redact: no input, a missing file, a folder: one line, exit codes 2 and 1', (t) => {
  const dir = tempDir(t);
  const none = run('redact');
  finished(none, 2);
  assert.match(none.stderr, /^text-analytics: Give the file to redact, or - to read standard input\./);
  const missing = run('redact', join(dir, 'missing.txt'), '--no-model');
  finished(missing, 1);
  assert.match(oneInertLine(missing.stderr, 'missing'), /Cannot read .*missing\.txt: no such file\./);
  const folder = run('redact', dir, '--no-model');
  finished(folder, 1);
  assert.match(oneInertLine(folder.stderr, 'folder'), /: it is a folder\./);
  const help = run('--help');
  finished(help, 0);
  assert.match(help.stdout, /text-analytics redact FILE\|- \[options\]/);
  assert.match(help.stdout, /text-analytics pii FILE \[options\]/);
});

test('redact --output interrupted with Ctrl-C: no file and no temporary file are left', async (t) => {
  const dir = tempDir(t);
  const output = join(dir, 'out.txt');
  const child = spawn(process.execPath, [CLI, 'redact', '-', '--no-model', '--output', output], { stdio: ['pipe', 'ignore', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  // Standard input stays open: the run is still writing when the signal comes.
  child.stdin.write('ann@example.com\n'.repeat(10_000));
  for (let i = 0; i < 200 && readdirSync(dir).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(readdirSync(dir).join(), /^\.out\.txt\.\d+\.[0-9a-f]+\.tmp$/, 'the text goes to a temporary file first');
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.kill('SIGINT');
  assert.equal(await closed, 130);
  assert.deepEqual(readdirSync(dir), []);
});
