import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { tempDir } from '../helpers';
import { InputError } from '../../src/cliInput';
import { checkInputs, readInputs, type BatchDocument, type InputOptions } from '../../src/batch/inputs';
import { CsvRecordEnds, splitRecords } from '../../src/batch/inputsRecords';

// The documents of a batch run: which files a folder gives and in what order, how JSON Lines and
// CSV/TSV records become documents (or error documents, the reading going on), and that no input,
// however long its lines, makes the reading hold more than a record's limit.

function options(overrides: Partial<InputOptions> = {}): InputOptions {
  return { include: [], exclude: [], textField: 'text', column: 'text', maxChars: 1000, skip: [], stdin: Readable.from([]), ...overrides };
}

async function documents(inputs: string[], overrides: Partial<InputOptions> = {}): Promise<BatchDocument[]> {
  const all: BatchDocument[] = [];
  for await (const document of readInputs(inputs, options(overrides))) all.push(document);
  return all;
}

/** Writes `files` (path inside `dir` → content) and returns `dir`. */
function tree(dir: string, files: Record<string, string | Buffer>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const sources = (docs: BatchDocument[]) => docs.map((d) => d.source);
/** The documents' paths inside `dir`, with `/`. */
const inside = (dir: string, docs: BatchDocument[]) => docs.map((d) => relative(dir, d.source).split(sep).join('/'));

test('a folder is walked depth first in name order; .git, links to folders and the inputs keep their order', async (t) => {
  const dir = tree(tempDir(t), {
    'b.txt': 'Bee.',
    'a.md': '# A',
    'Z.txt': 'Capital letters sort first.',
    'sub/c.txt': 'See.',
    'sub/a.txt': 'Sub a.',
    'sub.txt': 'After the folder sub: "sub" < "sub.txt".',
    '.git/config': 'not a document',
    'other/one.txt': 'One.',
  });
  symlinkSync(dir, join(dir, 'sub', 'loop')); // a cycle, if it were followed
  symlinkSync(join(dir, 'b.txt'), join(dir, 'sub', 'link.txt'));

  const docs = await documents([join(dir, 'other', 'one.txt'), dir]);
  assert.deepEqual(sources(docs), [
    join(dir, 'other', 'one.txt'),
    join(dir, 'Z.txt'),
    join(dir, 'a.md'),
    join(dir, 'b.txt'),
    join(dir, 'other', 'one.txt'),
    join(dir, 'sub', 'a.txt'),
    join(dir, 'sub', 'c.txt'),
    join(dir, 'sub', 'link.txt'),
    join(dir, 'sub.txt'),
  ]);
  assert.deepEqual(docs[1], { id: join(dir, 'Z.txt'), source: join(dir, 'Z.txt'), text: 'Capital letters sort first.' });
  assert.equal(docs[7].text, 'Bee.', 'a link to a file is read as the file');

  // The source is the input as given joined with the path inside it.
  const relative = await documents([`${dir}/sub/../other/`]);
  assert.deepEqual(sources(relative), [join(dir, 'other', 'one.txt')]);
});

test('.gitignore files are respected as git does: the root one, nested ones for their own folder, negations', async (t) => {
  const dir = tree(tempDir(t), {
    '.gitignore': '*.log\nbuild/\n!keep.log\n',
    'a.log': 'ignored',
    'keep.log': 'kept by a negation',
    'build/out.txt': 'in an ignored folder',
    'notes.txt': 'kept',
    'secret.txt': 'only sub/.gitignore names secret.txt, and only for sub',
    'sub/.gitignore': 'secret.txt\n!debug.log\n/top-only.txt\n',
    'sub/debug.log': 're-included by the nested file',
    'sub/other.log': 'still ignored by the root file',
    'sub/secret.txt': 'ignored by the nested file',
    'sub/top-only.txt': 'ignored: anchored to sub',
    'sub/deeper/top-only.txt': 'kept: the anchored pattern is for sub only',
  });
  const docs = await documents([dir]);
  assert.deepEqual(
    inside(dir, docs),
    ['.gitignore', 'keep.log', 'notes.txt', 'secret.txt', 'sub/.gitignore', 'sub/debug.log', 'sub/deeper/top-only.txt'],
  );
});

test('--include and --exclude match paths inside the folder given; an excluded folder is not entered', async (t) => {
  const dir = tree(tempDir(t), {
    '.hidden.md': 'dot files match',
    'docs/a.md': 'A.',
    'docs/b.txt': 'not included',
    'drafts/c.md': 'excluded with its folder',
    'x.md': 'X.',
    'x.skip.md': 'excluded by name',
  });
  const docs = await documents([dir], { include: ['**/*.md'], exclude: ['drafts', '**/*.skip.md'] });
  assert.deepEqual(
    inside(dir, docs),
    ['.hidden.md', 'docs/a.md', 'x.md'],
  );
  const all = await documents([dir], { exclude: ['docs/**'] });
  assert.deepEqual(
    inside(dir, all),
    ['.hidden.md', 'drafts/c.md', 'x.md', 'x.skip.md'],
  );
});

test('JSON Lines: a document a record, with its id and date; bad and blank lines', async (t) => {
  const file = join(tempDir(t), 'records.JSONL');
  const long = 'x'.repeat(51);
  writeFileSync(
    file,
    [
      '\uFEFF{"id": "a1", "day": "2026-01-02", "body": "Good."}',
      '',
      '{"id": 7, "body": "A number id.", "day": 20260103}',
      'not json',
      '[1, 2]',
      '{"id": "x", "body": 5}',
      '{"body": "   "}',
      '{"id": "m"}',
      `{"body": "${long}"}`,
      '   \t',
      '{"body": "CRLF line.", "id": ""}\r',
      '{"body": "Last, no line break."}',
    ].join('\n'),
  );
  const docs = await documents([file], { textField: 'body', idField: 'id', dateField: 'day', maxChars: 50 });
  const at = (line: number) => `${file}:${line}`;
  assert.deepEqual(sources(docs), [1, 3, 4, 5, 6, 7, 8, 9, 11, 12].map(at));
  assert.deepEqual(docs[0], { id: 'a1', source: at(1), date: '2026-01-02', text: 'Good.' });
  assert.deepEqual(docs[1], { id: '7', source: at(3), date: '20260103', text: 'A number id.' });
  assert.match(docs[2].error ?? '', /:4 is not valid JSON \(.+\): write one JSON object a line\.$/);
  assert.match(docs[3].error ?? '', /:5 is an array, not a JSON object/);
  assert.equal(docs[4].id, 'x');
  assert.match(docs[4].error ?? '', /:6 has a number in "body", not text/);
  assert.match(docs[5].error ?? '', /:7 has no text to analyse: its "body" is empty or only whitespace\./);
  assert.equal(docs[6].id, 'm');
  assert.match(docs[6].error ?? '', /:8 has no "body" field: name the field that holds the text with --text-field\./);
  assert.match(docs[7].error ?? '', /:9 has 51 characters in its "body", more than the limit of 50 \(--max-chars\)/);
  assert.deepEqual(docs[8], { id: at(11), source: at(11), text: 'CRLF line.' }, 'an empty id is none');
  assert.deepEqual(docs[9], { id: at(12), source: at(12), text: 'Last, no line break.' });
  for (const doc of docs) assert.equal('text' in doc, !('error' in doc), 'a document has a text or an error');
  for (const doc of docs) assert.doesNotMatch(doc.error ?? '', /\n/);
});

test('CSV: header row, BOM, CRLF, quoted commas, quotes and line breaks, id and date columns', async (t) => {
  const file = join(tempDir(t), 'reviews.Csv');
  writeFileSync(
    file,
    '\uFEFFid,text,date\r\n' +
      '1,"Hello, world",2026-01-01\r\n' +
      '2,"Two\r\nlines",\r\n' +
      '\r\n' +
      '3,"She said ""hi""",2026-03-03\r\n' +
      '4,A 12" pizza,2026-04-04',
  );
  const docs = await documents([file], { idColumn: 'id', dateColumn: 'date' });
  assert.deepEqual(docs, [
    { id: '1', source: `${file}:2`, date: '2026-01-01', text: 'Hello, world' },
    { id: '2', source: `${file}:3`, text: 'Two\r\nlines' },
    { id: '3', source: `${file}:6`, date: '2026-03-03', text: 'She said "hi"' },
    { id: '4', source: `${file}:7`, date: '2026-04-04', text: 'A 12" pizza' },
  ]);
});

test('CSV: a malformed row is an error document and the reading goes on', async (t) => {
  const file = join(tempDir(t), 'rows.csv');
  writeFileSync(file, 'text,id\nok,1\n"a",b,c\n"quoted\nover two lines",2\n,3\nfine,4\n"never closed,5\nnot a row of its own,6\n');
  const docs = await documents([file], { idColumn: 'id' });
  assert.deepEqual(sources(docs), [2, 3, 4, 6, 7, 8].map((line) => `${file}:${line}`));
  assert.deepEqual(docs[0], { id: '1', source: `${file}:2`, text: 'ok' });
  assert.match(docs[1].error ?? '', /:3 has 3 fields where the header has 2: quote a field that holds a comma, a quote or a line break\./);
  assert.equal(docs[2].text, 'quoted\nover two lines');
  assert.equal(docs[3].id, '3');
  assert.match(docs[3].error ?? '', /:6 has no text to analyse: its "text" is empty/);
  assert.deepEqual(docs[4], { id: '4', source: `${file}:7`, text: 'fine' });
  // An unclosed quote makes the rest of the file its field, as for any CSV reader.
  assert.match(docs[5].error ?? '', /:8 is not a valid CSV row: it opens a quote that is never closed/);
});

test('CSV: a header without the column is one error document naming the columns it has', async (t) => {
  const dir = tree(tempDir(t), {
    'a.csv': 'title,body\nHello,World\n',
    'b.csv': 'text,key\nHello,1\n',
    'empty.csv': '',
  });
  const [a, b, empty] = await Promise.all([
    documents([join(dir, 'a.csv')]),
    documents([join(dir, 'b.csv')], { idColumn: 'id' }),
    documents([join(dir, 'empty.csv')]),
  ]);
  assert.deepEqual(a, [
    {
      id: join(dir, 'a.csv'),
      source: join(dir, 'a.csv'),
      error: `${join(dir, 'a.csv')} has no column "text", which --column names; its columns are "title", "body": give --column one of them.`,
    },
  ]);
  assert.match(b[0].error ?? '', /has no column "id", which --id-column names; its columns are "text", "key"/);
  assert.equal(b.length, 1);
  assert.equal(empty.length, 1);
  assert.match(empty[0].error ?? '', /is empty: a CSV file needs a header row/);
});

test('TSV: tab-separated, with quoting', async (t) => {
  const file = join(tempDir(t), 'notes.tsv');
  writeFileSync(file, 'id\ttext\na\tHello there, friend\nb\t"a\ttab"\n');
  assert.deepEqual(await documents([file], { idColumn: 'id' }), [
    { id: 'a', source: `${file}:2`, text: 'Hello there, friend' },
    { id: 'b', source: `${file}:3`, text: 'a\ttab' },
  ]);
});

test('standard input (-) is JSON Lines, however its bytes arrive', async () => {
  const bytes = Buffer.from('\uFEFF{"text":"from stdin"}\n\n{"text": "two", "id": "t"}');
  const byByte = Readable.from(Array.from(bytes, (byte) => Buffer.from([byte])));
  const docs = await documents(['-'], { stdin: byByte, idField: 'id' });
  assert.deepEqual(docs, [
    { id: '-:1', source: '-:1', text: 'from stdin' },
    { id: 't', source: '-:3', text: 'two' },
  ]);
});

test('binary, invalid and blank files are error documents', async (t) => {
  const dir = tree(tempDir(t), {
    'bin.dat': Buffer.from([0x89, 0x50, 0x00, 0x01, 0x02]),
    'blank.txt': '  \n\n',
    'bin.jsonl': Buffer.concat([Buffer.from([0x00, 0x01, 0x0a]), Buffer.from('{"text":"x"}\n'.repeat(3))]),
    'latin1.csv': Buffer.from('text\ncaf\xe9\n', 'latin1'),
    'good.txt': 'Fine.',
  });
  const docs = await documents([dir]);
  const byName = Object.fromEntries(inside(dir, docs).map((name, i) => [name, docs[i].error ?? docs[i].text]));
  // A CSV file is read record by record: the bad one is named by its line, as its result would be.
  assert.deepEqual(Object.keys(byName), ['bin.dat', 'bin.jsonl', 'blank.txt', 'good.txt', 'latin1.csv:2']);
  assert.match(byName['bin.dat'] ?? '', /looks like a binary file/);
  assert.match(byName['bin.jsonl'] ?? '', /bin\.jsonl looks like a binary file \(it contains NUL bytes\); give a JSON Lines file\./);
  assert.match(byName['blank.txt'] ?? '', /has no text to analyse/);
  assert.match(byName['latin1.csv:2'] ?? '', /latin1\.csv:2 is not valid UTF-8 text: save the file as UTF-8\./);
  assert.equal(byName['good.txt'], 'Fine.');
});

test('the skip list is never read, even inside a folder given', async (t) => {
  const dir = tree(tempDir(t), { 'a.txt': 'A.', 'out.jsonl': '{"text":"an earlier result"}\n', 'out.jsonl.batch.json': '{}' });
  const docs = await documents([dir], { skip: [join(dir, 'out.jsonl'), join(dir, 'out.jsonl.batch.json')] });
  assert.deepEqual(sources(docs), [join(dir, 'a.txt')]);
  const given = await documents([join(dir, 'out.jsonl')], { skip: [join(dir, 'out.jsonl')] });
  assert.deepEqual(given, []);
});

test('checkInputs refuses a missing input, naming it, and standard input twice', async (t) => {
  const dir = tree(tempDir(t), { 'a.txt': 'A.' });
  await checkInputs([dir, join(dir, 'a.txt'), '-']);
  const missing = join(dir, 'nope.csv');
  await assert.rejects(checkInputs([join(dir, 'a.txt'), missing]), (error: Error) => error instanceof InputError && error.message.startsWith(`${missing} does not exist`));
  await assert.rejects(checkInputs(['-', '-']), InputError);
});

test('a record over the limit is skipped without being held, and the reading goes on', async (t) => {
  // CSV: a quoted field far over the limit, across many chunks of the file.
  const file = join(tempDir(t), 'big.csv');
  const maxChars = 100;
  writeFileSync(file, `text\nbefore\n"${'y'.repeat(200_000)}"\nafter\n`);
  const docs = await documents([file], { maxChars });
  assert.deepEqual(sources(docs), [2, 3, 4].map((line) => `${file}:${line}`));
  assert.match(docs[1].error ?? '', /:3 is longer than 1,324 bytes, more than the limit of 100 characters \(--max-chars\) can hold, and was skipped/);
  assert.equal(docs[2].text, 'after');
});

test('bounded memory: a 256 MB JSON Lines line from a stream costs about a chunk, not the line', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const chunks = 4096; // 256 MiB, the same buffer again and again: the stream itself holds nothing
  const used = () => {
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  const before = used();
  let peak = before;
  async function* endlessLine() {
    yield Buffer.from('{"text": "');
    for (let i = 0; i < chunks; i++) {
      if (i % 64 === 0) peak = Math.max(peak, used());
      yield chunk;
    }
    yield Buffer.from('"}\n{"text": "after the long line"}\n');
  }
  const docs = await documents(['-'], { stdin: Readable.from(endlessLine(), { objectMode: false }), maxChars: 1000 });
  assert.deepEqual(sources(docs), ['-:1', '-:2']);
  assert.match(docs[0].error ?? '', /^-:1 is longer than 4,024 bytes/);
  assert.equal(docs[1].text, 'after the long line');
  const grown = (peak - before) / 2 ** 20;
  assert.ok(grown < 32, `reading a 256 MiB line grew memory by ${grown.toFixed(1)} MiB`);
});

test('CSV records are cut the same wherever the chunks of the input end', async () => {
  const csv = Buffer.from('\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n"q""",2\r3,"""",\n4,"e"x\n');
  const cut = async (chunks: Buffer[]) => {
    const records: { line: number; text: string }[] = [];
    for await (const record of splitRecords(Readable.from(chunks), new CsvRecordEnds(0x2c), 1000)) {
      if ('bytes' in record) records.push({ line: record.line, text: record.bytes.toString() });
    }
    return records;
  };
  const whole = await cut([csv]);
  assert.deepEqual(whole, [
    { line: 1, text: 'a,b' },
    { line: 2, text: '1,"x\r\ny"' },
    { line: 5, text: '"q""",2' },
    { line: 6, text: '3,"""",' },
    { line: 7, text: '4,"e"x' },
  ]);
  for (let size = 1; size <= 4; size++) {
    const chunks = Array.from({ length: Math.ceil(csv.length / size) }, (_, i) => csv.subarray(i * size, (i + 1) * size));
    assert.deepEqual(await cut(chunks), whole, `chunks of ${size} bytes`);
  }
});
