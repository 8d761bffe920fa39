import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAgNews, readConll } from '../../src/eval/datasets';
import { countEntities, entitySpans, exactMatch, normalizeAnswer, precisionRecallF1, squadScores, tokenF1, tokensCovered } from '../../src/eval/metrics';
import { fixtureModels, tempDir } from '../helpers';
import { run as runCli } from './cliRun';

// ---------------------------------------------------------------------------------------------
// The metrics, against values worked out by hand from SQuAD's evaluate-v1.1.py and conlleval.

test('SQuAD normalisation drops case, punctuation and whole-word articles only', () => {
  assert.equal(normalizeAnswer('The  Eiffel-Tower!'), 'eiffeltower');
  assert.equal(normalizeAnswer('an apple, a day'), 'apple day');
  assert.equal(normalizeAnswer('Theatre of Anatolia'), 'theatre of anatolia');
  assert.equal(normalizeAnswer('“Denver” Broncos'), '“denver” broncos', 'only ASCII punctuation goes, as in Python’s string.punctuation');
});

test('SQuAD exact match and F1: partial overlap, the best of several gold answers, no answer', () => {
  assert.equal(exactMatch('Denver Broncos', 'the Denver Broncos.'), true);
  assert.equal(exactMatch('Denver', 'Denver Broncos'), false);
  assert.equal(tokenF1('Denver', 'Denver Broncos').toFixed(4), (2 / 3).toFixed(4));
  assert.equal(tokenF1('in 1990 by Smith', 'Smith in 1990').toFixed(4), (6 / 7).toFixed(4)); // 3 shared of 4 and 3
  assert.equal(tokenF1('', 'Denver'), 0);
  const scores = squadScores([
    { prediction: 'Broncos', answers: ['Denver Broncos', 'the Broncos', 'Carolina'] }, // EM 1, F1 1
    { prediction: 'Denver', answers: ['Denver Broncos', 'Broncos of Denver'] }, // EM 0, F1 max(2/3, 1/2)
    { prediction: '', answers: ['Carolina'] }, // EM 0, F1 0
  ]);
  assert.equal(scores.exactMatch.toFixed(1), '33.3');
  assert.equal(scores.f1.toFixed(1), '55.6'); // (1 + 2/3 + 0) / 3
});

test('conlleval spans: IOB1 and IOB2 give the same entities; a type change splits one', () => {
  const iob1 = ['I-PER', 'I-PER', 'O', 'I-LOC', 'B-LOC', 'I-LOC', 'I-ORG', 'I-MISC'];
  const iob2 = ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-LOC', 'B-ORG', 'B-MISC'];
  const expected = [
    { type: 'PER', first: 0, last: 1 },
    { type: 'LOC', first: 3, last: 3 },
    { type: 'LOC', first: 4, last: 5 },
    { type: 'ORG', first: 6, last: 6 },
    { type: 'MISC', first: 7, last: 7 },
  ];
  assert.deepEqual(entitySpans(iob1), expected);
  assert.deepEqual(entitySpans(iob2), expected);
  assert.deepEqual(entitySpans(['O', 'I-PER', 'I-PER']), [{ type: 'PER', first: 1, last: 2 }], 'a stray I- after O starts an entity');
});

test('conlleval counting: a partial span or a wrong type is a miss; P/R/F1 as percentages', () => {
  const { overall, byType } = countEntities([
    {
      gold: [{ type: 'PER', first: 0, last: 1 }, { type: 'LOC', first: 3, last: 3 }, { type: 'MISC', first: 5, last: 5 }],
      predicted: [
        { type: 'PER', first: 0, last: 0 }, // partial span
        { type: 'LOC', first: 3, last: 3 }, // right
        { type: 'ORG', first: 5, last: 5 }, // wrong type
        { type: 'ORG', first: 7, last: 8 }, // not an entity
      ],
    },
    { gold: [{ type: 'PER', first: 2, last: 2 }], predicted: [{ type: 'PER', first: 2, last: 2 }] },
  ]);
  assert.deepEqual(overall, { gold: 4, predicted: 5, correct: 2 });
  const { precision, recall, f1 } = precisionRecallF1(overall);
  assert.deepEqual([precision, recall, f1].map((v) => v.toFixed(1)), ['40.0', '50.0', '44.4']);
  assert.deepEqual(byType.get('PER'), { gold: 2, predicted: 2, correct: 1 });
  assert.deepEqual(byType.get('ORG'), { gold: 0, predicted: 2, correct: 0 });
  assert.deepEqual(precisionRecallF1({ gold: 0, predicted: 0, correct: 0 }), { precision: 0, recall: 0, f1: 0 });
});

test('an entity’s characters map to the tokens they touch in the space-joined sentence', () => {
  const tokens = ['Angela', 'Merkel', 'visited', 'Buenos', 'Aires'];
  // "Angela Merkel visited Buenos Aires": Merkel is [7, 13), Buenos Aires [22, 34)
  assert.deepEqual(tokensCovered(tokens, 7, 13), { first: 1, last: 1 });
  assert.deepEqual(tokensCovered(tokens, 0, 13), { first: 0, last: 1 });
  assert.deepEqual(tokensCovered(tokens, 24, 30), { first: 3, last: 4 });
  assert.equal(tokensCovered(tokens, 13, 14), undefined, 'the space between two tokens covers none');
});

test('AG News CSV: quoted commas, "" escapes, backslash line breaks and #36; references', () => {
  const csv = '"3","Oil, gas ""surge""","Prices rose\\a lot to #36;50.\\\\"\n"1","Hello","x"\n';
  assert.deepEqual(readAgNews(csv, 'test.csv'), [
    { label: 3, title: 'Oil, gas "surge"', description: 'Prices rose a lot to $50.' },
    { label: 1, title: 'Hello', description: 'x' },
  ]);
  assert.throws(() => readAgNews('"1","a","b"\n"5","c","d"\n', 'test.csv'), /test\.csv:2: the class must be 1, 2, 3 or 4/);
  assert.throws(() => readAgNews('"1","a\n', 'test.csv'), /test\.csv:1: a quoted field is never closed/);
});

test('CoNLL reader skips -DOCSTART- and splits sentences at blank lines', () => {
  const sentences = readConll('-DOCSTART- -X- -X- O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\n\nPeter NNP I-NP I-PER\n', 'x');
  assert.deepEqual(sentences, [
    { tokens: ['EU', 'rejects'], tags: ['I-ORG', 'O'] },
    { tokens: ['Peter'], tags: ['I-PER'] },
  ]);
});

// ---------------------------------------------------------------------------------------------
// The command, on small files in each format, with the planted fixture models (see
// test/fixtures/planted.ts): the expected scores follow from what those models say.

function run(...args: string[]) {
  const result = runCli('eval', ...args, '--models', fixtureModels());
  assert.equal(result.signal, null, `the CLI was killed (${result.signal}): it hung`);
  return result;
}

interface Report {
  task: string;
  examples: number;
  metrics: Record<string, number>;
  byType?: Record<string, { precision: number; recall: number; f1: number; gold: number; predicted: number }>;
  published?: Record<string, string>;
  model: { task: string };
  device: { used: string };
}

function json(...args: string[]): Report {
  const { status, stdout, stderr } = run(...args, '--json');
  assert.equal(status, 0, stderr);
  assert.equal(stderr, '', 'no progress lines when stderr is not a terminal');
  return JSON.parse(stdout) as Report;
}

const round = (value: number) => value.toFixed(1);

test('eval sst2: accuracy of the document label, with the published number beside it', (t) => {
  const file = join(tempDir(t), 'dev.tsv');
  // The planted model counts good/great… against bad/awful…: the third row's gold label is wrong for it.
  writeFileSync(file, 'sentence\tlabel\na good and great film \t1\nawful , just bad \t0\ngreat fun \t0\nthe worst \t0\n');
  const report = json('sst2', file);
  assert.equal(report.examples, 4);
  assert.equal(round(report.metrics.accuracy), '75.0');
  assert.equal(report.model.task, 'sentiment');
  assert.equal(json('sst2', file, '--limit', '2').metrics.accuracy, 100);

  const table = run('sst2', file);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /4 examples evaluated/);
  assert.match(table.stdout, /accuracy\s+75\.0\s+\(published: 91\.3\)/);
  assert.match(table.stdout, /Model: sentiment .* on CPU/);
});

test('eval squad: exact match and F1 of the best answer, max over the gold answers', (t) => {
  const file = join(tempDir(t), 'dev-v1.1.json');
  const qa = (id: string, question: string, answers: string[]) => ({ id, question, answers: answers.map((text) => ({ text, answer_start: 0 })) });
  const data = {
    version: '1.1',
    data: [
      {
        title: 'Paris',
        paragraphs: [
          {
            context: 'The tower was finished in 1889 for the fair.',
            qas: [qa('a', 'When was the tower finished?', ['1889', 'in 1889']), qa('b', 'When?', ['in 1889', 'the year 1889'])],
          },
        ],
      },
      { title: 'Physics', paragraphs: [{ context: 'He won the prize in 1921.', qas: [qa('c', 'When did he publish?', ['1905'])] }] },
    ],
  };
  writeFileSync(file, JSON.stringify(data));
  // The planted model answers the context's year: a exact; b half of "in 1889" (F1 2/3); c wrong.
  const report = json('squad', file);
  assert.equal(report.examples, 3);
  assert.equal(round(report.metrics.exactMatch), '33.3');
  assert.equal(round(report.metrics.f1), '55.6');
  assert.deepEqual(report.published, { exactMatch: '79.6', f1: '87.0' });
});

// Gold tags in IOB1; the planted model finds Angela Merkel, Paris, Google, Berlin, Barack Obama,
// Buenos Aires (right), Tokyo as LOC (gold ORG: wrong type), Marie Curie as PER (gold: the ORG
// "Marie Curie Institute", so a partial span), and not Smith.
const CONLL_IOB1 = `-DOCSTART- -X- -X- O

Angela NNP I-NP I-PER
Merkel NNP I-NP I-PER
visited VBD I-VP O
Paris NNP I-NP I-LOC
. . O O

Google NNP I-NP I-ORG
opened VBD I-VP O
Berlin NNP I-NP I-LOC
office NN I-NP O

Smith NNP I-NP I-PER
met VBD I-VP O
Barack NNP I-NP I-PER
Obama NNP I-NP I-PER
in IN I-PP O
Buenos NNP I-NP I-LOC
Aires NNP I-NP I-LOC

Tokyo NNP I-NP I-ORG
and CC O O
Marie NNP I-NP I-ORG
Curie NNP I-NP I-ORG
Institute NNP I-NP I-ORG
`;

/** The same file with IOB2 tags: every entity's first tag is B-. */
function toIob2(text: string): string {
  let previous = 'O';
  return text
    .split('\n')
    .map((line) => {
      const columns = line.split(' ');
      const tag = columns.at(-1) ?? '';
      const type = tag.slice(2);
      if (tag.startsWith('I-') && previous.slice(2) !== type) columns[columns.length - 1] = `B-${type}`;
      previous = line.trim() === '' ? 'O' : tag;
      return columns.join(' ');
    })
    .join('\n');
}

test('eval conll: entity-level P/R/F1 overall and per type, the same from IOB1 and IOB2 tags', (t) => {
  const dir = tempDir(t);
  const iob1 = join(dir, 'eng.testb');
  const iob2 = join(dir, 'test.txt');
  writeFileSync(iob1, CONLL_IOB1);
  writeFileSync(iob2, toIob2(CONLL_IOB1));
  // gold 9, predicted 8, correct 6
  const report = json('conll', iob1);
  assert.equal(report.examples, 4);
  assert.deepEqual([report.metrics.precision, report.metrics.recall, report.metrics.f1].map(round), ['75.0', '66.7', '70.6']);
  assert.deepEqual(
    Object.entries(report.byType ?? {}).map(([type, m]) => [type, m.gold, m.predicted, round(m.precision), round(m.recall)]),
    [
      ['LOC', 3, 4, '75.0', '100.0'],
      ['ORG', 3, 1, '100.0', '33.3'],
      ['PER', 3, 3, '66.7', '66.7'],
    ],
  );
  assert.deepEqual(json('conll', iob2).metrics, report.metrics);

  const table = run('conll', iob1);
  assert.match(table.stdout, /F1\s+70\.6\s+\(published: 91–92\)/);
  assert.match(table.stdout, /^\s+LOC\s+75\.0\s+100\.0\s+85\.7\s+3\s+4$/m);
});

test('eval agnews: zero-shot accuracy with --labels naming classes 1 to 4', (t) => {
  const file = join(tempDir(t), 'test.csv');
  writeFileSync(
    file,
    [
      '"2","Football final","The team scored a late goal."',
      '"3","Stocks, ""up""","The market rose as\\company profit grew."',
      '"4","New physics","A laboratory experiment."',
      '"1","Tennis news","A tennis match ended."', // the planted model says sports: wrong
    ].join('\n'),
  );
  const report = json('agnews', file, '--labels', 'politics,sports,business,science');
  assert.equal(report.examples, 4);
  assert.equal(round(report.metrics.accuracy), '75.0');
  assert.equal(report.model.task, 'topics');

  const three = run('agnews', file, '--labels', 'politics,sports,business');
  assert.equal(three.status, 1);
  assert.match(three.stderr, /give 4 labels/);
});

test('eval refuses malformed files with the line at fault, a zip, and an unknown task', (t) => {
  const dir = tempDir(t);
  const tsv = join(dir, 'dev.tsv');
  writeFileSync(tsv, 'sentence\tlabel\ngood\t1\nbad\tnegative\n');
  const badLabel = run('sst2', tsv);
  assert.equal(badLabel.status, 1);
  assert.match(badLabel.stderr, /dev\.tsv:3: the label must be 0 or 1, not "negative"/);
  assert.equal(badLabel.stdout, '');

  const conll = join(dir, 'eng.testa');
  writeFileSync(conll, 'EU NNP I-NP I-ORG\nrejects\n');
  assert.match(run('conll', conll).stderr, /eng\.testa:2: expected a token and its NER tag/);

  const notJson = join(dir, 'dev.json');
  writeFileSync(notJson, '{"data": [');
  assert.match(run('squad', notJson).stderr, /dev\.json is not valid JSON/);

  const zip = join(dir, 'dev-v1.1.json.zip');
  writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]));
  const zipped = run('squad', zip);
  assert.equal(zipped.status, 1);
  assert.match(zipped.stderr, /is a zip archive: unzip it first/);

  const empty = join(dir, 'empty.tsv');
  writeFileSync(empty, 'sentence\tlabel\n');
  assert.match(run('sst2', empty).stderr, /has no sst2 examples/);

  const unknown = run('mnli', tsv);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown eval task: mnli/);
});
