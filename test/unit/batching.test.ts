import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lengthSortedBatches, padBatch } from '../../src/engine/batching';

test('batches group similar lengths and respect both limits', () => {
  const lengths = [5, 100, 6, 7, 98, 99, 5, 50];
  const batches = lengthSortedBatches(lengths, { maxBatch: 3, maxTokens: 250 });
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  for (const batch of batches) {
    assert.ok(batch.length <= 3);
    assert.ok(batch.length * Math.max(...batch.map((i) => lengths[i])) <= 250 || batch.length === 1);
  }
  // Shortest first: the short sentences share a batch instead of padding to 100.
  assert.deepEqual(batches[0].map((i) => lengths[i]), [5, 5, 6]);
});

test('padding fills ids with the pad id and masks it out', () => {
  const batch = padBatch([[101, 7, 102], [101, 102]]);
  assert.equal(batch.sequenceLength, 3);
  assert.deepEqual([...batch.inputIds], [101n, 7n, 102n, 101n, 102n, 0n]);
  assert.deepEqual([...batch.attentionMask], [1n, 1n, 1n, 1n, 1n, 0n]);
});
