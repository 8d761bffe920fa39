/**
 * The workspace entity index behind Find Mentions in Workspace (src/ui/entityIndex.ts): entries
 * keyed by the file's text and the model, never used once either changed, kept across a reopen,
 * bounded in bytes with the least recently used dropped, and robust to damaged files. The files
 * are analysed by the real engine with the planted fixture entities model.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { contentHash, EntityIndex, EntityIndexStore, entityModelKey, lineStarts, mentionsIn, positionIn, type IndexedEntity, type IndexedFile } from '../../src/ui/entityIndex';
import { disposedAfterwards, fixtureOptions, tempDir } from '../helpers';

const engine = disposedAfterwards()(fixtureOptions());
const MODEL = entityModelKey({ model: 'fixtures/entities', minScore: 0.5 });
const LARGE = 1 << 20;

/** The real engine as the index's worker, counting the texts it is asked about. */
function countingEngine(): { analyse: (file: IndexedFile) => ReturnType<typeof engine.entities>; analysed: string[] } {
  const analysed: string[] = [];
  return {
    analysed,
    analyse: (file) => {
      analysed.push(file.uri);
      return engine.entities({ text: file.text, minScore: 0.5 });
    },
  };
}

function entryFiles(dir: string): string[] {
  return readdirSync(join(dir, 'entries'));
}

test('files are analysed once; the index answers for the same text and the same model only', async (t) => {
  const dir = tempDir(t);
  const store = await EntityIndexStore.open(dir, { maxBytes: LARGE });
  const worker = countingEngine();
  const index = new EntityIndex(store, MODEL, worker.analyse);
  const notes: IndexedFile = { uri: 'file:///w/notes.md', text: 'Angela Merkel met Barack Obama in Paris.\n' };
  const other: IndexedFile = { uri: 'file:///w/other.md', text: 'Nothing here but Google.\n' };

  const first = await index.entitiesOf(notes);
  assert.deepEqual(
    first.map((entity) => [notes.text.slice(entity.start, entity.end), entity.type]),
    [
      ['Angela Merkel', 'PER'],
      ['Barack Obama', 'PER'],
      ['Paris', 'LOC'],
    ],
  );
  await index.entitiesOf(other);
  assert.deepEqual(await index.entitiesOf(notes), first, 'the same text: from the index');
  assert.deepEqual(worker.analysed, [notes.uri, other.uri], 'each text analysed once');

  // The text changed: its old entry is never used for it.
  const edited = { uri: notes.uri, text: 'Barack Obama left.\n' };
  assert.equal(await index.lookup(edited), undefined);
  const now = await index.entitiesOf(edited);
  assert.deepEqual(now.map((entity) => edited.text.slice(entity.start, entity.end)), ['Barack Obama']);
  assert.equal(worker.analysed.length, 3);

  // Another model (or minimum score): nothing indexed for it yet.
  const otherModel = new EntityIndex(store, entityModelKey({ model: 'fixtures/entities', minScore: 0.9 }), worker.analyse);
  assert.equal(await otherModel.lookup(notes), undefined);
  assert.equal(await otherModel.lookup(other), undefined);
});

test('the model key: the same parts in any order give the same key; any part changed gives another', () => {
  const key = entityModelKey({ version: '1.0.0', model: { id: 'a/b', dir: '/m', precision: 'int8' }, minScore: 0.5 });
  assert.equal(entityModelKey({ minScore: 0.5, model: { precision: 'int8', dir: '/m', id: 'a/b' }, version: '1.0.0' }), key);
  assert.notEqual(entityModelKey({ version: '1.0.1', model: { id: 'a/b', dir: '/m', precision: 'int8' }, minScore: 0.5 }), key);
  assert.notEqual(entityModelKey({ version: '1.0.0', model: { id: 'a/b', dir: '/m', precision: 'fp32' }, minScore: 0.5 }), key);
  assert.notEqual(entityModelKey({ version: '1.0.0', model: { id: 'a/b', dir: '/m', precision: 'int8' }, minScore: 0.6 }), key);
});

test('the index survives a reopen, and knows which files it holds (so that saving one updates it)', async (t) => {
  const dir = tempDir(t);
  const worker = countingEngine();
  const notes: IndexedFile = { uri: 'file:///w/notes.md', text: 'Marie Curie lived in Paris.\n' };
  {
    const store = await EntityIndexStore.open(dir, { maxBytes: LARGE });
    await new EntityIndex(store, MODEL, worker.analyse).entitiesOf(notes);
    await store.flush();
  }
  const reopened = await EntityIndexStore.open(dir, { maxBytes: LARGE });
  assert.ok(reopened.hasFile(notes.uri));
  assert.equal(reopened.hasFile('file:///w/never.md'), false);
  const entities = await new EntityIndex(reopened, MODEL, worker.analyse).entitiesOf(notes);
  assert.deepEqual(entities.map((entity) => notes.text.slice(entity.start, entity.end)), ['Marie Curie', 'Paris']);
  assert.equal(worker.analysed.length, 1, 'not analysed again after the reopen');
});

test('the store is bounded in bytes: the least recently used entries go first, from the disk too', async (t) => {
  const dir = tempDir(t);
  let clock = 0;
  const entities: IndexedEntity[] = Array.from({ length: 20 }, (_, i) => ({ start: i * 10, end: i * 10 + 5, type: 'PER' }));
  const probe = await EntityIndexStore.open(tempDir(t), { maxBytes: LARGE });
  await probe.put(contentHash('probe'), MODEL, entities);
  const entryBytes = probe.bytes;
  // Room for three entries, not four.
  const store = await EntityIndexStore.open(dir, { maxBytes: entryBytes * 3 + entryBytes / 2, now: () => ++clock });
  const texts = ['one', 'two', 'three', 'four'];
  for (const text of texts.slice(0, 3)) {
    await store.put(contentHash(text), MODEL, entities);
    store.setFile(`file:///w/${text}.md`, contentHash(text), MODEL);
  }
  assert.equal(store.size, 3);
  // "one" is used again, so "two" is now the least recently used.
  assert.ok(await store.get(contentHash('one'), MODEL));
  await store.put(contentHash('four'), MODEL, entities);
  assert.equal(store.size, 3);
  assert.ok(store.bytes <= entryBytes * 3 + entryBytes / 2, `${store.bytes} bytes kept`);
  assert.equal(await store.get(contentHash('two'), MODEL), undefined, 'the least recently used is dropped');
  for (const text of ['one', 'three', 'four']) assert.ok(await store.get(contentHash(text), MODEL), `${text} is kept`);
  assert.equal(entryFiles(dir).length, 3, 'the dropped entry is removed from the disk');
  assert.equal(store.hasFile('file:///w/two.md'), false, 'its file is no longer in the index: saving it does not analyse it');
  assert.ok(store.hasFile('file:///w/one.md'));

  // A smaller bound at the next start applies at once; an entry larger than the bound is not kept.
  const smaller = await EntityIndexStore.open(dir, { maxBytes: entryBytes + 1 });
  assert.equal(smaller.size, 1);
  assert.equal(entryFiles(dir).length, 1);
  assert.equal(await smaller.put(contentHash('five'), MODEL, [...entities, ...entities]), false);
  assert.equal(await smaller.get(contentHash('five'), MODEL), undefined);
});

test('damaged files: an unreadable manifest starts afresh, a changed or broken entry is never used, stray files go', async (t) => {
  const dir = tempDir(t);
  const store = await EntityIndexStore.open(dir, { maxBytes: LARGE });
  const entities: IndexedEntity[] = [{ start: 0, end: 6, type: 'LOC' }];
  await store.put(contentHash('a'), MODEL, entities);
  await store.put(contentHash('b'), MODEL, entities);
  await store.flush();

  // An entry rewritten to claim another model: not used, and forgotten.
  const [first] = entryFiles(dir);
  const path = join(dir, 'entries', first);
  const body = JSON.parse(readFileSync(path, 'utf8')) as { contentHash: string };
  writeFileSync(path, JSON.stringify({ ...body, modelKey: 'another' }));
  const reopened = await EntityIndexStore.open(dir, { maxBytes: LARGE });
  assert.equal(await reopened.get(body.contentHash, MODEL), undefined);
  assert.equal(reopened.size, 1);
  // Broken JSON in the other one.
  writeFileSync(join(dir, 'entries', entryFiles(dir).find((name) => name !== first) ?? ''), '{');
  assert.equal(await reopened.get(contentHash(body.contentHash === contentHash('a') ? 'b' : 'a'), MODEL), undefined);
  assert.equal(reopened.size, 0);

  // A stray file (a crash between an entry and the manifest) and a manifest that is not JSON.
  writeFileSync(join(dir, 'entries', `${'0'.repeat(64)}.json`), '{}');
  writeFileSync(join(dir, 'manifest.json'), 'not json');
  const fresh = await EntityIndexStore.open(dir, { maxBytes: LARGE });
  assert.equal(fresh.size, 0);
  assert.deepEqual(entryFiles(dir), []);
});

test('mentions: the same kind and the same text up to case and spacing, with their lines and columns', () => {
  const file: IndexedFile = { uri: 'file:///w/a.md', text: 'Paris Hilton\r\nwent to Paris.\rANGELA  merkel\nAngela Merkel\n' };
  const at = (needle: string, from = 0) => file.text.indexOf(needle, from);
  const entities: IndexedEntity[] = [
    { start: at('Paris Hilton'), end: at('Paris Hilton') + 12, type: 'PER' },
    { start: at('Paris', 5), end: at('Paris', 5) + 5, type: 'LOC' },
    { start: at('ANGELA'), end: at('ANGELA') + 14, type: 'PER' },
    { start: at('Angela Merkel'), end: at('Angela Merkel') + 13, type: 'PERSON' },
  ];
  const paris = mentionsIn(file, entities, { text: 'Paris', type: 'GPE' });
  assert.deepEqual(
    paris.map((mention) => [mention.text, mention.line, mention.character, mention.endLine, mention.endCharacter]),
    [['Paris', 1, 8, 1, 13]],
    'the city, not the person (GPE is a location)',
  );
  const merkel = mentionsIn(file, entities, { text: 'angela merkel', type: 'PER' });
  assert.deepEqual(
    merkel.map((mention) => [mention.text, mention.line, mention.character]),
    [
      ['ANGELA  merkel', 2, 0],
      ['Angela Merkel', 3, 0],
    ],
  );
  assert.deepEqual(mentionsIn(file, entities, { text: 'Angela', type: 'PER' }), []);
  // Lines end at \n, \r\n or a lone \r, as in VS Code.
  assert.deepEqual(lineStarts('a\r\nb\rc\nd'), [0, 3, 5, 7]);
  assert.deepEqual(positionIn(lineStarts('a\r\nb\rc\nd'), 6), { line: 2, character: 1 });
});
