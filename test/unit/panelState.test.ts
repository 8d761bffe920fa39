import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ENTITY_CONTROLS, readPersistedState, type EntitiesView } from '../../src/views/messages';

const ENTITIES_VIEW: EntitiesView = {
  uri: 'file:///notes.md',
  version: 3,
  fileName: 'notes.md',
  result: {
    entities: [{ start: 0, end: 6, text: 'Merkel', type: 'PER', score: 0.9 }],
    model: { task: 'entities', id: 'ner', source: 'bundled', dir: '/m', file: 'onnx/model.onnx', precision: 'int8' },
    device: { requested: 'auto', used: 'cpu' },
    paragraphsAnalysed: 1,
    paragraphsCached: 0,
    elapsedMs: 5,
  },
};

test('a persisted entities view comes back with its filters', () => {
  const entities = { hiddenTypes: ['MISC'], minScore: 0.6, collapsedTypes: ['ORG'] };
  const restored = readPersistedState({
    schema: 1,
    state: { content: { view: 'entities', entities: ENTITIES_VIEW }, stale: true, notice: { kind: 'running', fileName: 'x' } },
    controls: { groupBy: 'label', sortBy: 'document', filter: '', entities },
  });
  assert.deepEqual(restored?.state, { content: { view: 'entities', entities: ENTITIES_VIEW }, stale: true });
  assert.deepEqual(restored?.controls.entities, entities);
  assert.equal(restored?.controls.groupBy, 'label');
});

test('state saved before the entities view existed gets default entity filters', () => {
  const restored = readPersistedState({
    schema: 1,
    state: { content: { view: 'empty' }, stale: false },
    controls: { groupBy: 'paragraph', sortBy: 'confidence', filter: 'x' },
  });
  assert.deepEqual(restored?.controls.entities, DEFAULT_ENTITY_CONTROLS);
  assert.equal(restored?.controls.sortBy, 'confidence');
});

test('malformed entity state is dropped or repaired, never trusted', () => {
  const broken = { ...ENTITIES_VIEW, result: { ...ENTITIES_VIEW.result, entities: 'nope' } };
  assert.equal(
    readPersistedState({ schema: 1, state: { content: { view: 'entities', entities: broken }, stale: false }, controls: {} }),
    undefined,
  );
  const restored = readPersistedState({
    schema: 1,
    state: { content: { view: 'empty' }, stale: false },
    controls: { entities: { hiddenTypes: ['PER', 3], minScore: 7, collapsedTypes: 'ORG' } },
  });
  assert.deepEqual(restored?.controls.entities, { hiddenTypes: ['PER'], minScore: 0, collapsedTypes: [] });
});
