import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine';
import { KEY_BYTES, ResultCache } from '../../src/engine/resultCache';
import type { TaskContext } from '../../src/engine/task';
import { disposedAfterwards, fixtureOptions } from '../helpers';

// The engine's caches live as long as the worker: days, over documents of any size. These check
// that they stay within their limits however much goes through them, forgetting the least
// recently used first.

test('inserting far more entries than the capacity keeps the cache at capacity, newest kept', () => {
  const cache = new ResultCache<number>({ maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) cache.set(ResultCache.key('model', `sentence ${i}`), i);
  assert.equal(cache.size, 100);
  assert.equal(cache.get(ResultCache.key('model', 'sentence 9999')), 9999);
  assert.equal(cache.get(ResultCache.key('model', 'sentence 9900')), 9900);
  assert.equal(cache.get(ResultCache.key('model', 'sentence 9899')), undefined, 'the oldest went first');
});

test('a lookup makes an entry the most recently used, so it outlives entries added before it', () => {
  const cache = new ResultCache<string>({ maxEntries: 3 });
  cache.set('a', 'A');
  cache.set('b', 'B');
  cache.set('c', 'C');
  assert.equal(cache.get('a'), 'A');
  cache.set('d', 'D');
  assert.deepEqual(cache.keys(), ['c', 'a', 'd'], 'b, the least recently used, was evicted');
  assert.equal(cache.get('b'), undefined);
  cache.set('c', 'C2');
  cache.set('e', 'E');
  assert.deepEqual(cache.keys(), ['d', 'c', 'e'], 'setting an existing key refreshes it too');
  assert.equal(cache.get('c'), 'C2');
});

test('the byte limit bounds the cache when its values are large, whatever the entry count allows', () => {
  const sizeOf = (entities: readonly number[]) => 8 * entities.length;
  const cache = new ResultCache<number[]>({ maxEntries: 1_000_000, maxBytes: 100_000, sizeOf });
  let inserted = 0;
  for (let i = 0; i < 5_000; i++) {
    const value = Array.from({ length: 1 + (i % 200) }, (_, k) => k);
    cache.set(`paragraph ${i}`, value);
    inserted += KEY_BYTES + sizeOf(value);
    assert.ok(cache.bytes <= 100_000, `after ${i + 1} insertions the cache holds ${cache.bytes} bytes`);
  }
  assert.ok(inserted > 40 * 100_000, 'far more went through it than it may hold');
  assert.ok(cache.size > 50, `it still holds many entries (${cache.size})`);
  // Accounting stays exact through replacements and evictions.
  const expected = cache.keys().reduce((sum, key) => sum + KEY_BYTES + sizeOf(cache.get(key) as number[]), 0);
  assert.equal(cache.bytes, expected);
  assert.ok(cache.get('paragraph 4999'), 'the newest is kept');
  assert.equal(cache.get('paragraph 0'), undefined, 'the oldest is gone');
});

test('a value larger than the whole cache is not kept, and evicts nothing', () => {
  const cache = new ResultCache<string>({ maxBytes: 1_000, sizeOf: (value) => value.length });
  cache.set('small', 'x'.repeat(100));
  cache.set('huge', 'x'.repeat(5_000));
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.get('small'), 'x'.repeat(100));
  assert.equal(cache.bytes, KEY_BYTES + 100);
});

test('clear empties the cache and its byte count', () => {
  const cache = new ResultCache<number>();
  for (let i = 0; i < 50; i++) cache.set(`k${i}`, i);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
  assert.equal(cache.get('k1'), undefined);
});

// ---------------------------------------------------------------------------------------------
// Cancelled requests and the engine's caches: a request cancelled in the middle of its batches
// stops within one batch, and what it leaves in the cache never changes a later answer.

/** Small batches, so that every request below takes many. */
const SMALL_BATCHES = { batchLimits: { maxBatch: 2, maxTokens: 1024 } };

/** What a result says about the text, without how it was computed (time, cache hits). */
function substance(result: object): unknown {
  const { elapsedMs, cachedSentences, paragraphsAnalysed, paragraphsCached, ...rest } = result as Record<string, unknown>;
  void [elapsedMs, cachedSentences, paragraphsAnalysed, paragraphsCached];
  return rest;
}

const SENTIMENT_TEXT = Array.from({ length: 12 }, (_, p) =>
  Array.from({ length: 5 }, (_, i) =>
    i % 3 === 0 ? `Line ${p}.${i} was a wonderful and great moment.` : i % 3 === 1 ? `Line ${p}.${i} felt awful.` : `Line ${p}.${i} is good but sad and bad.`,
  ).join(' '),
).join('\n\n');
const ENTITY_TEXT = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: Angela Merkel flew from Berlin to Buenos Aires with Google people.`).join('\n\n');
const TOPIC_TEXT = Array.from({ length: 12 }, (_, i) =>
  i % 2 === 0 ? `# Match ${i}\nThe team scored a goal in the football match.` : `# Money ${i}\nThe company made a profit on the market.`,
).join('\n\n');
const QA_TEXT = Array.from({ length: 500 }, (_, i) => `Chapter ${i} tells of the tower that opened in ${1000 + i * 7} near the river.`).join(' ');

const REQUESTS = {
  sentiment: (engine: Engine, context: TaskContext) => engine.sentiment({ text: SENTIMENT_TEXT, neutralBand: 0.1 }, context),
  entities: (engine: Engine, context: TaskContext) => engine.entities({ text: ENTITY_TEXT, minScore: 0.5 }, context),
  topics: (engine: Engine, context: TaskContext) =>
    engine.topics({ text: TOPIC_TEXT, labels: ['sports', 'business', 'science'], multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'markdown' }, context),
  ask: (engine: Engine, context: TaskContext) => engine.ask({ text: QA_TEXT, question: 'When did the tower open?', top: 3, minScore: 0.01 }, context),
};

describe('a request cancelled in the middle of its batches', () => {
  const engine = disposedAfterwards();

  for (const [method, request] of Object.entries(REQUESTS)) {
    test(`${method}: stops within one batch, and a later identical request answers as a fresh engine does`, async () => {
      const shared = engine(fixtureOptions(), SMALL_BATCHES);
      const controller = new AbortController();
      let batches = 0;
      let total = 0;
      await assert.rejects(
        request(shared, {
          signal: controller.signal,
          onProgress: (progress) => {
            batches++;
            total = progress.total;
            if (batches === 3) controller.abort();
          },
        }),
        { code: 'cancelled' },
      );
      assert.equal(batches, 3, 'no batch ran after the cancellation');
      assert.ok(total > 6 * 2, `the request had many batches to go (${total} items in batches of 2)`);

      const again = await request(shared, {});
      const fresh = await request(engine(fixtureOptions(), SMALL_BATCHES), {});
      assert.deepEqual(substance(again), substance(fresh));
    });
  }

  test('an identical request running beside a cancelled one is not disturbed, and the cache it leaves is sound', async () => {
    const shared = engine(fixtureOptions(), SMALL_BATCHES);
    const controller = new AbortController();
    // Whichever of the two reaches its second batch first cancels both, so neither can have
    // finished first, however the machine schedules them.
    const batches = { entities: 0, sentiment: 0 };
    const cancelAt = (task: keyof typeof batches) => () => ++batches[task] === 2 && controller.abort();
    const cancelled = REQUESTS.entities(shared, { signal: controller.signal, onProgress: cancelAt('entities') });
    const sentimentCancelled = REQUESTS.sentiment(shared, { signal: controller.signal, onProgress: cancelAt('sentiment') });
    const beside = REQUESTS.entities(shared, {});
    const sentimentBeside = REQUESTS.sentiment(shared, {});
    // Both awaited at once: either may be rejected first.
    await Promise.all([assert.rejects(cancelled, { code: 'cancelled' }), assert.rejects(sentimentCancelled, { code: 'cancelled' })]);
    const fresh = engine(fixtureOptions(), SMALL_BATCHES);
    assert.deepEqual(substance(await beside), substance(await REQUESTS.entities(fresh, {})));
    assert.deepEqual(substance(await sentimentBeside), substance(await REQUESTS.sentiment(fresh, {})));
    const cachedEntities = await REQUESTS.entities(shared, {});
    assert.equal(cachedEntities.paragraphsAnalysed, 0, 'every paragraph is cached now');
    assert.deepEqual(substance(cachedEntities), substance(await REQUESTS.entities(fresh, {})));
    const cachedSentiment = await REQUESTS.sentiment(shared, {});
    assert.equal(cachedSentiment.cachedSentences, cachedSentiment.sentences.length);
    assert.deepEqual(substance(cachedSentiment), substance(await REQUESTS.sentiment(fresh, {})));
  });
});
