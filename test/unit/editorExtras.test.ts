/**
 * The pure parts of the editor extras: entities as document symbols and *Next/Previous Entity*,
 * *Export Sentiment…* (CSV and the CLI's JSON), and the document status item's text.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseCsv } from '../support/csv';
import type { Entity, SentimentResult } from '../../src/protocol';
import { documentSummary, entitiesText, sentimentText } from '../../src/ui/documentSummary';
import { hiddenEntityKinds as hiddenKinds } from '../../src/entityTypes';
import { groupEntities, stepEntity } from '../../src/ui/entityOutline';
import { SENTIMENT_CSV_COLUMNS, sentimentToCsv, sentimentToJson } from '../../src/ui/sentimentExport';
import { disposedAfterwards, fixtureModels, fixtureOptions } from '../helpers';
import { finished, run } from './cliRun';

function entity(text: string, type: string, start: number, score = 0.9): Entity {
  return { text, type, start, end: start + text.length, score };
}

// "Angela Merkel met Siemens in Berlin. Merkel praised the Bundesliga and Siemens."
const ENTITIES: Entity[] = [
  entity('Siemens', 'ORG', 18),
  entity('Angela Merkel', 'PER', 0),
  entity('Berlin', 'LOC', 29),
  entity('Merkel', 'PER', 37),
  entity('Bundesliga', 'MISC', 56),
  entity('Siemens', 'B-ORG'.slice(2), 71),
];

describe('entities as document symbols', () => {
  test('groups by kind in the usual order, each group in document order', () => {
    const groups = groupEntities(ENTITIES);
    assert.deepEqual(
      groups.map((group) => [group.name, group.entities.map((e) => `${e.text}@${e.start}`)]),
      [
        ['People', ['Angela Merkel@0', 'Merkel@37']],
        ['Organisations', ['Siemens@18', 'Siemens@71']],
        ['Locations', ['Berlin@29']],
        ['Miscellaneous Entities', ['Bundesliga@56']],
      ],
    );
  });

  test('models’ own type names land in their kind, unknown ones in miscellaneous; empty kinds are left out', () => {
    const groups = groupEntities([entity('Acme', 'ORGANIZATION', 0), entity('Gaul', 'GPE', 10), entity('1999', 'DATE', 20)]);
    assert.deepEqual(
      groups.map((group) => [group.kind, group.entities.map((e) => e.text)]),
      [
        ['ORG', ['Acme']],
        ['LOC', ['Gaul']],
        ['MISC', ['1999']],
      ],
    );
  });

  test('hidden kinds (textAnalytics.entities.hiddenTypes) are not listed, as they are not highlighted', () => {
    const hidden = hiddenKinds(['PER', 'MISC', 'nonsense']);
    assert.deepEqual(
      groupEntities(ENTITIES, hidden).map((group) => group.kind),
      ['ORG', 'LOC'],
    );
  });

  test('a document with no entities has no symbols', () => {
    assert.deepEqual(groupEntities([]), []);
  });
});

describe('Next Entity / Previous Entity', () => {
  const sorted = [...ENTITIES].sort((a, b) => a.start - b.start);
  const texts = (offset: number, direction: 'next' | 'previous') => {
    const step = stepEntity(sorted, offset, direction);
    return step && [`${step.entity.text}@${step.entity.start}`, step.index, step.wrapped];
  };

  test('next goes to the first entity starting after the cursor, also from the start of one', () => {
    assert.deepEqual(texts(0, 'next'), ['Siemens@18', 1, false]);
    assert.deepEqual(texts(5, 'next'), ['Siemens@18', 1, false]);
    assert.deepEqual(texts(18, 'next'), ['Berlin@29', 2, false]);
  });

  test('previous from inside an entity goes to its start, from its start to the one before', () => {
    assert.deepEqual(texts(40, 'previous'), ['Merkel@37', 3, false]);
    assert.deepEqual(texts(37, 'previous'), ['Berlin@29', 2, false]);
  });

  test('both wrap round at the ends and say so', () => {
    assert.deepEqual(texts(71, 'next'), ['Angela Merkel@0', 0, true]);
    assert.deepEqual(texts(200, 'next'), ['Angela Merkel@0', 0, true]);
    assert.deepEqual(texts(0, 'previous'), ['Siemens@71', 5, true]);
  });

  test('stepping next through all of them visits each once, in order, then wraps', () => {
    const visited: number[] = [];
    let offset = 0;
    for (let i = 0; i < sorted.length; i++) {
      const step = stepEntity(sorted, offset, 'next')!;
      visited.push(step.entity.start);
      offset = step.entity.start;
    }
    // The first step from offset 0 skips the entity at 0 (the cursor is already there); the wrap brings it back.
    assert.deepEqual(visited, [18, 29, 37, 56, 71, 0]);
    assert.equal(stepEntity(sorted, offset, 'next')!.wrapped, false);
  });

  test('nothing to step to without entities', () => {
    assert.equal(stepEntity([], 10, 'next'), undefined);
    assert.equal(stepEntity([], 10, 'previous'), undefined);
  });
});

const SENTENCES = ['Great, really "great" work.', '=HYPERLINK("x") is\nbad.', 'It is fine.'];
const TEXT = SENTENCES.join(' ');
function at(index: number): { start: number; end: number; text: string } {
  const start = TEXT.indexOf(SENTENCES[index]);
  return { start, end: start + SENTENCES[index].length, text: SENTENCES[index] };
}
const RESULT: SentimentResult = {
  document: { label: 'POSITIVE', score: 0.6123456789, positive: 0.6123456789 },
  paragraphs: [{ ...at(0), end: TEXT.length, text: TEXT, label: 'POSITIVE', score: 0.61, positive: 0.61 }],
  sentences: [
    { ...at(0), paragraph: 0, label: 'POSITIVE', score: 0.97, positive: 0.97 },
    { ...at(1), paragraph: 0, label: 'NEGATIVE', score: 0.88, positive: 0.12 },
    { ...at(2), paragraph: 0, label: 'NEUTRAL', score: 0.52, positive: 0.48, modelLabel: 'neutral, mostly', labels: [{ label: 'neutral, mostly', score: 0.52 }] },
  ],
  model: { task: 'sentiment', id: 'fixture/sentiment', source: 'setting', precision: 'fp32' } as unknown as SentimentResult['model'],
  device: { requested: 'auto', used: 'cpu' } as SentimentResult['device'],
  cachedSentences: 0,
  elapsedMs: 5,
};

describe('Export Sentiment…', () => {
  test('CSV: a header, the document, then one row per sentence, whose text survives commas, quotes and line breaks', () => {
    const rows = parseCsv(sentimentToCsv(RESULT));
    assert.deepEqual(rows[0], [...SENTIMENT_CSV_COLUMNS]);
    assert.equal(rows.length, 2 + RESULT.sentences.length);
    const column = (name: (typeof SENTIMENT_CSV_COLUMNS)[number]) => SENTIMENT_CSV_COLUMNS.indexOf(name);
    assert.deepEqual([rows[1][column('sentence')], rows[1][column('label')], rows[1][column('score')]], ['document', 'POSITIVE', '0.612346']);
    assert.equal(rows[2][column('text')], SENTENCES[0]);
    assert.equal(rows[3][column('label')], 'NEGATIVE');
    assert.equal(rows[4][column('model_label')], 'neutral, mostly');
    for (const [index, row] of rows.slice(2).entries()) {
      assert.equal(row.length, SENTIMENT_CSV_COLUMNS.length, `row ${index + 1} has every column`);
      assert.equal(TEXT.slice(Number(row[column('start')]), Number(row[column('end')])), SENTENCES[index], `offsets of sentence ${index + 1}`);
    }
  });

  test('CSV: a sentence starting like a formula is defused for spreadsheets', () => {
    const rows = parseCsv(sentimentToCsv(RESULT));
    assert.equal(rows[3][SENTIMENT_CSV_COLUMNS.indexOf('text')], `'${SENTENCES[1]}`);
  });

  test('JSON: the shape of `text-analytics sentiment --json`, not the worker’s result', () => {
    const json = JSON.parse(sentimentToJson(RESULT));
    assert.deepEqual(Object.keys(json).sort(), ['device', 'document', 'model', 'schemaVersion', 'sentences']);
    assert.deepEqual(json.sentences[2], { start: at(2).start, end: at(2).end, text: SENTENCES[2], label: 'NEUTRAL', score: 0.52, labels: [{ label: 'neutral, mostly', score: 0.52 }] });
  });

  test('JSON: what the CLI prints for the same text, field for field', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentiment-export-'));
    const file = join(dir, 'review.txt');
    const text = 'The coffee was excellent. The parking was terrible, sadly.\n\nGood food, bad service.\n';
    writeFileSync(file, text);
    const cli = run('sentiment', file, '--models', fixtureModels(), '--json');
    finished(cli, 0);
    const engine = disposedAfterwards()(fixtureOptions());
    const exported = JSON.parse(sentimentToJson(await engine.sentiment({ text, neutralBand: 0.1 })));
    const printed = JSON.parse(cli.stdout);
    // The model and device are the same fields; their values differ (the CLI's defaults pick int8 and
    // try the GPU, the test engine runs fp32 on the CPU), which leaves the sentences as they are.
    for (const part of ['model', 'device'] as const) {
      assert.deepEqual(Object.keys(exported[part]).filter((key) => key !== 'fallbackReason').sort(), Object.keys(printed[part]).filter((key) => key !== 'fallbackReason').sort(), part);
      delete exported[part];
      delete printed[part];
    }
    assert.deepEqual(exported, printed);
  });
});

describe('the document status item', () => {
  const score = RESULT.document;

  test('says the label and the confidence, in the user’s locale', () => {
    assert.equal(sentimentText({ ...score, score: 0.61 }, 'en'), 'Positive 61%');
    assert.equal(sentimentText({ ...score, score: 0.61 }, 'de'), 'Positive 61\u00a0%');
    assert.equal(sentimentText({ ...score, label: 'NEGATIVE', score: 0.996 }, 'en'), 'Negative 100%');
    assert.equal(entitiesText(1234, 'en'), '1,234 entities');
    assert.equal(entitiesText(1234, 'de'), '1.234 entities');
    assert.equal(entitiesText(1, 'en'), '1 entity');
  });

  test('an unknown locale falls back to English rather than failing', () => {
    assert.equal(sentimentText({ ...score, score: 0.61 }, 'not a locale!'), 'Positive 61%');
  });

  test('joins sentiment and entity count; a selection and an edited document say so', () => {
    assert.equal(documentSummary({ sentiment: { score: { ...score, score: 0.61 }, part: false, edited: false }, entities: 12 }, 'en')?.text, 'Positive 61% · 12 entities');
    assert.equal(documentSummary({ entities: 0 }, 'en')?.text, '0 entities');
    const partial = documentSummary({ sentiment: { score: { ...score, score: 0.61 }, part: true, edited: true } }, 'en');
    assert.equal(partial?.text, 'Selection Positive 61%');
    assert.ok(partial?.details.some((line) => /changed since/.test(line)), JSON.stringify(partial?.details));
  });

  test('hidden when there is nothing to say', () => {
    assert.equal(documentSummary({}, 'en'), undefined);
  });
});
