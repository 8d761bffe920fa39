import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paragraphSpans } from '../../src/engine/segment';
import {
  clipRanges,
  intersectRanges,
  lineIndexOf,
  mergeRanges,
  paragraphRegions,
  requestSlices,
  subtractRanges,
  type OffsetRange,
} from '../../src/ui/offsetRanges';

test('merging sorts, joins overlapping and touching ranges, and swallows points at their edges', () => {
  assert.deepEqual(
    mergeRanges([
      [10, 12],
      [0, 3],
      [3, 5],
      [12, 12],
      [20, 20],
    ]),
    [
      [0, 5],
      [10, 12],
      [20, 20],
    ],
  );
});

test('intersecting keeps shared text, and points that lie inside (edges included), but not mere touching', () => {
  assert.deepEqual(intersectRanges([[0, 10]], [[5, 15]]), [[5, 10]]);
  assert.deepEqual(intersectRanges([[0, 5]], [[5, 9]]), [], 'ranges that touch share nothing');
  assert.deepEqual(intersectRanges([[5, 5]], [[0, 5]]), [[5, 5]], 'a point at the edge is inside');
  assert.deepEqual(
    intersectRanges(
      [
        [0, 4],
        [6, 20],
      ],
      [
        [2, 8],
        [10, 12],
        [30, 40],
      ],
    ),
    [
      [2, 4],
      [6, 8],
      [10, 12],
    ],
  );
});

test('subtracting removes covered parts, and points that a range covers (edges included)', () => {
  assert.deepEqual(subtractRanges([[0, 10]], [[3, 5]]), [
    [0, 3],
    [5, 10],
  ]);
  assert.deepEqual(subtractRanges([[4, 4]], [[0, 4]]), [], 'a point at the end of an analysed range is analysed');
  assert.deepEqual(subtractRanges([[4, 4]], [[5, 9]]), [[4, 4]]);
  assert.deepEqual(subtractRanges([[0, 10]], [[5, 5]]), [[0, 10]], 'a point takes nothing away');
});

test('paragraph regions widen ranges to the blank-line paragraphs the engine uses', () => {
  const text = 'Angela Merkel met\nBarack Obama.\n\n  Paris is big.\n   \nGoogle and\nMozilla.\n';
  const lines = lineIndexOf(text);
  const engine = paragraphSpans(text);
  const regionText = (ranges: OffsetRange[]) => ranges.map(([start, end]) => text.slice(start, end).trim());

  // A change inside "Barack" re-analyses the first paragraph, whole.
  const barack = text.indexOf('Barack');
  assert.deepEqual(regionText(paragraphRegions(lines, [[barack + 2, barack + 2]])), [engine[0].text]);
  // A range across two paragraphs covers both, and the blank line between them.
  const paris = text.indexOf('Paris');
  const google = text.indexOf('Google');
  assert.deepEqual(
    regionText(paragraphRegions(lines, [[paris, google + 1]])),
    [text.slice(engine[1].start, engine[2].end).trim()],
  );
  // A point on a blank line stays a blank line: nothing to analyse there.
  const blank = text.indexOf('   \n');
  assert.deepEqual(regionText(paragraphRegions(lines, [[blank + 1, blank + 1]])), ['']);
});

test('a region ends where the next line starts, so what is left after it never reaches back into it', () => {
  const text = 'Angela Merkel.\n\nParis.\n\nGoogle.';
  const lines = lineIndexOf(text);
  const paris = text.indexOf('Paris');
  const [region] = paragraphRegions(lines, [[paris, paris]]);
  assert.deepEqual(region, [paris, text.indexOf('\nGoogle')]);
  const left = subtractRanges([[0, text.length]], [region]);
  assert.deepEqual(
    paragraphRegions(lines, left).map(([start, end]) => text.slice(start, end).trim()),
    ['Angela Merkel.', 'Google.'],
  );
});

test('padded regions reach across a blank line that an edit may have made', () => {
  // Enter typed at the end of "Angela Merkel." split "Angela Merkel.\nParis." in two.
  const text = 'Angela Merkel.\n\nParis.\n\nGoogle.';
  const lines = lineIndexOf(text);
  const typed: [number, number] = [text.indexOf('\n'), text.indexOf('\n') + 1];
  const trimmed = (ranges: [number, number][]) => ranges.map(([start, end]) => text.slice(start, end).trim());
  assert.deepEqual(trimmed(paragraphRegions(lines, [typed])), ['Angela Merkel.']);
  assert.deepEqual(trimmed(paragraphRegions(lines, [typed], { padded: true })), ['Angela Merkel.\n\nParis.']);
});

test('paragraph regions match the engine paragraphs for every offset', () => {
  const text = ['One two.', 'three', '', 'Four.', ' ', '', 'Five six', 'seven.'].join('\n');
  const lines = lineIndexOf(text);
  const engine = paragraphSpans(text);
  for (let offset = 0; offset <= text.length; offset++) {
    const [region] = paragraphRegions(lines, [[offset, offset]]);
    const inside = engine.filter((p) => p.start < region[1] && p.end > region[0]).map((p) => p.text);
    const trimmed = text.slice(region[0], region[1]).trim();
    assert.deepEqual(trimmed ? [trimmed] : [], inside, `offset ${offset}`);
  }
});

test('with CRLF line ends, regions still hold whole engine paragraphs, so its cache keys agree', () => {
  const text = ['One two.', 'three', '', 'Four.', ' ', '', 'Five six', 'seven.'].join('\r\n');
  const lines = lineIndexOf(text);
  const engine = paragraphSpans(text);
  for (let offset = 0; offset <= text.length; offset++) {
    const [region] = paragraphRegions(lines, [[offset, offset]]);
    for (const paragraph of engine) {
      const overlaps = paragraph.start < region[1] && paragraph.end > region[0];
      const contained = paragraph.start >= region[0] && paragraph.end <= region[1];
      assert.ok(!overlaps || contained, `offset ${offset}: "${paragraph.text}" is cut by the region`);
    }
  }
});

test('a paragraph longer than the line cap is cut, so one keystroke never asks for a whole huge file', () => {
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
  const lines = lineIndexOf(text);
  const middle = text.indexOf('line 2500');
  const [region] = paragraphRegions(lines, [[middle, middle]], { maxLines: 100 });
  const regionLines = text.slice(region[0], region[1]).trimEnd().split('\n');
  assert.equal(regionLines.length, 201);
  assert.equal(regionLines[100], 'line 2500');
});

test('request slices group small regions and cut large ones between paragraphs', () => {
  const paragraph = (i: number) => `Paragraph ${i} about Paris and Berlin.`;
  const text = Array.from({ length: 100 }, (_, i) => paragraph(i)).join('\n\n');
  const slices = requestSlices([[0, text.length]], (start, end) => text.slice(start, end), 500);
  assert.ok(slices.length > 5, `${slices.length} slices`);
  assert.equal(slices[0].start, 0);
  assert.equal(slices.at(-1)?.end, text.length);
  const engine = paragraphSpans(text).map((p) => p.text);
  const fromSlices = slices.flatMap((slice) => slice.ranges.flatMap(([start, end]) => paragraphSpans(text, start, end).map((p) => p.text)));
  assert.deepEqual(fromSlices, engine, 'cutting never splits a paragraph');
  for (const slice of slices) assert.ok(slice.end - slice.start <= 500 + paragraph(99).length + 2, `slice of ${slice.end - slice.start}`);

  const apart = requestSlices(
    [
      [0, 10],
      [20, 30],
      [5000, 5010],
    ],
    () => '',
    500,
  );
  assert.deepEqual(apart, [
    {
      start: 0,
      end: 30,
      ranges: [
        [0, 10],
        [20, 30],
      ],
    },
    { start: 5000, end: 5010, ranges: [[5000, 5010]] },
  ]);
});

test('clipping keeps the parts of sorted ranges inside a window', () => {
  const ranges: OffsetRange[] = [
    [0, 5],
    [8, 12],
    [20, 30],
  ];
  assert.deepEqual(clipRanges(ranges, 3, 22), [
    [3, 5],
    [8, 12],
    [20, 22],
  ]);
  assert.deepEqual(clipRanges(ranges, 12, 20), []);
});
