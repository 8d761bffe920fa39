/**
 * A large result crosses from the worker in parts (`result-part` messages, then the `result`), so
 * that neither process holds it as one string of hundreds of MB: through the real worker
 * (dist/worker.js), the client must hand its caller the whole result, in order, exactly as the
 * engine made it; and the parts of a reply to a cancelled request are dropped quietly.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WorkerClient } from '../../src/client/workerClient';
import { disposedAfterwards, fixtureOptions, REPO } from '../helpers';

const WORKER = join(REPO, 'dist', 'worker.js');
/** More sentences and entities than three parts of 10,000 carry, a few different. */
const COUNT = 25_001;
const SENTENCES = Array.from({ length: COUNT }, (_, i) => (i % 3 === 0 ? 'A good day.' : i % 3 === 1 ? 'A bad night.' : `Line ${i}.`)).join('\n');
const ENTITIES = Array.from({ length: COUNT }, (_, i) => (i % 2 ? 'Paris' : 'Angela Merkel')).join(' and ');

function client(t: { after(fn: () => void): void }, logs: string[] = []): WorkerClient {
  const worker = new WorkerClient({ workerPath: WORKER, engineOptions: fixtureOptions(), maxCrashes: 0, log: (level, message) => level !== 'info' && logs.push(message) });
  t.after(() => worker.dispose());
  return worker;
}

/** A result as IPC carries it (JSON), without what differs from run to run (time, the cache's count). */
function substance({ elapsedMs: _elapsed, cachedSentences: _cached, ...rest }: { elapsedMs: number; cachedSentences?: number }): unknown {
  return JSON.parse(JSON.stringify(rest));
}

describe('a result larger than one message', () => {
  const engine = disposedAfterwards();

  test('sentiment of 25,001 sentences arrives whole and in order, as the engine made it', async (t) => {
    const params = { text: SENTENCES, neutralBand: 0.1 };
    const [viaWorker, inProcess] = await Promise.all([client(t).request('sentiment', params), engine(fixtureOptions()).sentiment(params)]);
    assert.equal(viaWorker.sentences.length, COUNT);
    assert.deepEqual(substance(viaWorker), substance(inProcess));
  });

  test('entities, 25,001 of them in one paragraph, arrive whole and in order', async (t) => {
    const params = { text: ENTITIES, minScore: 0.5 };
    const [viaWorker, inProcess] = await Promise.all([client(t).request('entities', params), engine(fixtureOptions()).entities(params)]);
    assert.equal(viaWorker.entities.length, COUNT);
    assert.deepEqual(substance(viaWorker), substance(inProcess));
  });

  test('the parts of the reply to a request cancelled as it ends are dropped without a warning, and the worker serves the next', async (t) => {
    const logs: string[] = [];
    const worker = client(t, logs);
    const controller = new AbortController();
    const cancelled = worker.request('sentiment', { text: SENTENCES, neutralBand: 0.1 }, { signal: controller.signal, onProgress: ({ done, total }) => done === total && controller.abort() });
    await assert.rejects(cancelled, { code: 'cancelled' });
    const next = await worker.request('sentiment', { text: SENTENCES, neutralBand: 0.1 });
    assert.equal(next.sentences.length, COUNT);
    assert.deepEqual(logs, []);
  });
});
