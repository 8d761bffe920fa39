import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entity } from '../../src/protocol';
import {
  compareEntityTypes,
  countByType,
  entityTypeColour,
  entityTypeName,
  groupEntities,
  nextOccurrenceIndex,
  normaliseEntityText,
} from '../../src/webview/entityGroups';

/** Entities at their real offsets in `text`, found by searching for each mention in turn. */
function mentions(text: string, found: [mention: string, type: string, score: number][]): Entity[] {
  let from = 0;
  return found.map(([mention, type, score]) => {
    const start = text.indexOf(mention, from);
    assert.ok(start >= 0, `${mention} not in the text after ${from}`);
    from = start + mention.length;
    return { start, end: from, text: mention, type, score };
  });
}

const TEXT =
  'Angela Merkel met MERKEL’s staff in Berlin. Siemens and SIEMENS AG differ. merkel left Berlin for Paris. ' +
  'Ｍｅｒｋｅｌ spoke. Müller and Muller too. Merkel again.';
const ENTITIES = mentions(TEXT, [
  ['Angela Merkel', 'PER', 0.99],
  ['MERKEL', 'PER', 0.8],
  ['Berlin', 'LOC', 0.97],
  ['Siemens', 'ORG', 0.9],
  ['SIEMENS AG', 'ORG', 0.6],
  ['merkel', 'PER', 0.7],
  ['Berlin', 'LOC', 0.95],
  ['Paris', 'LOC', 0.99],
  ['Ｍｅｒｋｅｌ', 'PER', 0.5],
  ['Müller', 'PER', 0.9],
  ['Muller', 'PER', 0.85],
  ['Merkel', 'PER', 0.9],
]);

test('normalising folds case and compatibility forms, keeps accents', () => {
  assert.equal(normaliseEntityText('Merkel'), 'merkel');
  assert.equal(normaliseEntityText('MERKEL'), 'merkel');
  assert.equal(normaliseEntityText('Ｍｅｒｋｅｌ'), 'merkel'); // full-width
  assert.equal(normaliseEntityText('STRAẞE'), normaliseEntityText('Straße'));
  assert.equal(normaliseEntityText('O’Brien'), "o'brien");
  assert.equal(normaliseEntityText(' New\n  York '), 'new york');
  // Composed and decomposed ü are one entity; ü and u are two.
  assert.equal(normaliseEntityText('Mu\u0308ller'), normaliseEntityText('M\u00fcller'));
  assert.notEqual(normaliseEntityText('Müller'), normaliseEntityText('Muller'));
  assert.notEqual(normaliseEntityText('José'), normaliseEntityText('Jose'));
});

test('groups by type in the usual order, then by normalised text, most mentioned first', () => {
  const groups = groupEntities(ENTITIES);
  assert.deepEqual(
    groups.map((g) => g.type),
    ['PER', 'ORG', 'LOC'],
  );
  const people = groups[0];
  assert.deepEqual(
    people.entities.map((row) => [row.text, row.occurrences.length]),
    [
      ['merkel', 4],
      ['angela merkel', 1],
      ['müller', 1],
      ['muller', 1],
    ],
  );
  assert.equal(people.mentions, 7);
  const merkel = people.entities[0];
  assert.deepEqual(
    merkel.occurrences.map((o) => o.text),
    ['MERKEL', 'merkel', 'Ｍｅｒｋｅｌ', 'Merkel'],
    'in document order',
  );
  // Four spellings, one each: the ordinary mixed-case one labels the row, the rest by rank.
  assert.equal(merkel.label, 'Merkel');
  assert.deepEqual(merkel.variants, ['MERKEL', 'merkel', 'Ｍｅｒｋｅｌ']);
  assert.equal(merkel.maxScore, 0.9);
  assert.ok(Math.abs(merkel.meanScore - (0.8 + 0.7 + 0.5 + 0.9) / 4) < 1e-12);

  const places = groups[2].entities;
  assert.deepEqual(
    places.map((row) => [row.label, row.occurrences.length]),
    [
      ['Berlin', 2],
      ['Paris', 1],
    ],
  );
  // “SIEMENS AG” is not “Siemens”: normalising never drops words.
  assert.equal(groups[1].entities.length, 2);
  for (const entity of ENTITIES) assert.equal(TEXT.slice(entity.start, entity.end), entity.text);
});

test('the most frequent spelling labels a row', () => {
  const text = 'NASA said. Nasa said. NASA again.';
  const [group] = groupEntities(mentions(text, [['NASA', 'ORG', 0.9], ['Nasa', 'ORG', 0.9], ['NASA', 'ORG', 0.9]]));
  assert.equal(group.entities[0].label, 'NASA', 'frequency beats the spelling rank');
  assert.deepEqual(group.entities[0].variants, ['Nasa']);
  // Equally frequent: mixed case before capitals, then the earliest.
  const tied = mentions('MCDONALD met McDonald and Mcdonald.', [
    ['MCDONALD', 'PER', 0.9],
    ['McDonald', 'PER', 0.9],
    ['Mcdonald', 'PER', 0.9],
  ]);
  assert.deepEqual(
    groupEntities(tied)[0].entities.map((row) => [row.label, ...row.variants]),
    [['McDonald', 'Mcdonald', 'MCDONALD']],
  );
});

test('the same text under two types makes two rows', () => {
  const text = 'Washington met people in Washington.';
  const groups = groupEntities(mentions(text, [['Washington', 'PER', 0.8], ['Washington', 'LOC', 0.9]]));
  assert.deepEqual(
    groups.map((g) => [g.type, g.entities[0].text]),
    [
      ['PER', 'washington'],
      ['LOC', 'washington'],
    ],
  );
  assert.notEqual(groups[0].entities[0].key, groups[1].entities[0].key);
});

test('the filter drops mentions below the minimum and hidden types; rows left empty go', () => {
  const groups = groupEntities(ENTITIES, { minScore: 0.75, hiddenTypes: ['LOC'] });
  assert.deepEqual(
    groups.map((g) => g.type),
    ['PER', 'ORG'],
  );
  const merkel = groups[0].entities.find((row) => row.text === 'merkel');
  assert.deepEqual(
    merkel?.occurrences.map((o) => o.score),
    [0.8, 0.9],
    'only the mentions that pass count',
  );
  assert.deepEqual(
    groups[1].entities.map((row) => row.text),
    ['siemens'],
  );
  assert.deepEqual(groupEntities(ENTITIES, { minScore: 1 }), []);
  assert.deepEqual(groupEntities([]), []);
});

test('counts per type cover every mention, in type order', () => {
  assert.deepEqual(countByType(ENTITIES), [
    ['PER', 7],
    ['ORG', 2],
    ['LOC', 3],
  ]);
});

test('types: friendly names and colours for the usual four, the model’s name otherwise', () => {
  assert.equal(entityTypeName('PER'), 'Person');
  assert.equal(entityTypeName('ORG'), 'Organisation');
  assert.equal(entityTypeName('LOC'), 'Location');
  assert.equal(entityTypeName('MISC'), 'Miscellaneous');
  assert.equal(entityTypeName('DATE'), 'DATE');
  assert.equal(entityTypeName('toString'), 'toString', 'no prototype lookups');
  assert.equal(entityTypeName('Person'), 'Person');
  assert.equal(entityTypeName('GPE'), 'GPE', 'a relative keeps its own name');
  // Colours follow the editor's highlighting: relatives share a family, the rest are misc.
  assert.equal(entityTypeColour('ORG'), 'organization');
  assert.equal(entityTypeColour('GPE'), 'location');
  assert.equal(entityTypeColour('DATE'), 'misc');
  assert.deepEqual(['DATE', 'MISC', 'LOC', 'GPE', 'ORG', 'PER', 'CARDINAL'].sort(compareEntityTypes), [
    'PER',
    'ORG',
    'GPE',
    'LOC',
    'MISC',
    'CARDINAL',
    'DATE',
  ]);
});

test('cycling goes through the mentions in order and wraps round, both ways', () => {
  const visits: number[] = [];
  let last: number | undefined;
  for (let i = 0; i < 7; i += 1) {
    last = nextOccurrenceIndex(3, last);
    visits.push(last);
  }
  assert.deepEqual(visits, [0, 1, 2, 0, 1, 2, 0]);
  assert.equal(nextOccurrenceIndex(3, undefined, -1), 2);
  assert.equal(nextOccurrenceIndex(3, 0, -1), 2);
  assert.equal(nextOccurrenceIndex(3, 2, -1), 1);
  // The row lost mentions since the last click: start again.
  assert.equal(nextOccurrenceIndex(2, 4), 0);
  assert.equal(nextOccurrenceIndex(0, undefined), -1);
});
