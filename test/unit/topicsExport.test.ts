import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TopicsResult } from '../../src/protocol';
import { CSV_COLUMNS, topicsToCsv, topicsToJson, type TopicsExportInput } from '../../src/ui/topicsExport';
import { parseCsv } from '../support/csv';

const result: TopicsResult = {
  document: [
    { label: 'sports', score: 0.61234567 },
    { label: 'Wirtschaft, Märkte', score: 0.38765433 },
  ],
  sections: [
    { start: 0, end: 40, text: '# Match report\nThe team won.', heading: 'Match report', labels: [{ label: 'sports', score: 0.9 }, { label: 'Wirtschaft, Märkte', score: 0.1 }] },
    { start: 41, end: 90, text: '# "Markets"\nStocks rose.', heading: '"Markets", today', labels: [{ label: 'Wirtschaft, Märkte', score: 0.8 }, { label: 'sports', score: 0.2 }] },
    { start: 91, end: 99, text: '=SUM(A1)', labels: [{ label: 'sports', score: 1 }] },
  ],
  model: { task: 'topics', id: 'fixture/topics', source: 'setting', precision: 'fp32' } as unknown as TopicsResult['model'],
  device: { requested: 'auto', used: 'cpu' } as TopicsResult['device'],
  pairs: 6,
  elapsedMs: 12,
};
const input: TopicsExportInput = { fileName: '/w/notes.md', labels: ['sports', 'Wirtschaft, Märkte'], multiLabel: false, result };


describe('topicsToCsv', () => {
  test('one row per document label, then per section label, with the header first', () => {
    const rows = parseCsv(topicsToCsv(input));
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    assert.deepEqual(rows.slice(1), [
      ['document', '', '', '', 'sports', '0.612346'],
      ['document', '', '', '', 'Wirtschaft, Märkte', '0.387654'],
      ['1', '0', '40', 'Match report', 'sports', '0.9'],
      ['1', '0', '40', 'Match report', 'Wirtschaft, Märkte', '0.1'],
      ['2', '41', '90', '"Markets", today', 'Wirtschaft, Märkte', '0.8'],
      ['2', '41', '90', '"Markets", today', 'sports', '0.2'],
      ['3', '91', '99', '', 'sports', '1'],
    ]);
  });

  test('quotes fields with commas and quotes, and ends lines with CRLF', () => {
    const csv = topicsToCsv(input);
    assert.ok(csv.includes(',"Wirtschaft, Märkte",'));
    assert.ok(csv.includes(',"""Markets"", today",'));
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csv.split('\r\n').length, 9);
  });

  test('defuses text that a spreadsheet would run as a formula', () => {
    const rows = parseCsv(topicsToCsv({ ...input, result: { ...result, document: [{ label: '=HYPERLINK("x")', score: 1 }], sections: [] } }));
    assert.equal(rows[1]?.[4], `'=HYPERLINK("x")`);
  });

  test('a line break inside a label stays inside its field', () => {
    const rows = parseCsv(topicsToCsv({ ...input, result: { ...result, document: [{ label: 'a\nb', score: 0.5 }], sections: [] } }));
    assert.equal(rows.length, 2);
    assert.equal(rows[1]?.[4], 'a\nb');
  });
});

describe('topicsToJson', () => {
  test('keeps labels, mode, document and section scores with offsets', () => {
    const parsed = JSON.parse(topicsToJson(input)) as Record<string, unknown>;
    assert.equal(parsed.file, '/w/notes.md');
    assert.deepEqual(parsed.labels, ['sports', 'Wirtschaft, Märkte']);
    assert.equal(parsed.multiLabel, false);
    assert.equal(parsed.model, 'fixture/topics');
    assert.deepEqual(parsed.document, [
      { label: 'sports', score: 0.612346 },
      { label: 'Wirtschaft, Märkte', score: 0.387654 },
    ]);
    const sections = parsed.sections as Array<Record<string, unknown>>;
    assert.equal(sections.length, 3);
    assert.deepEqual(sections[0], {
      section: 1,
      start: 0,
      end: 40,
      heading: 'Match report',
      labels: [
        { label: 'sports', score: 0.9 },
        { label: 'Wirtschaft, Märkte', score: 0.1 },
      ],
    });
    assert.equal('heading' in (sections[2] ?? {}), false, 'no heading key for a section without one');
  });
});
