import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { cpSync, existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import { WORKER_OPTIONS_ENV, type EngineOptions, type WorkerMessage } from '../../src/protocol';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';

// These run the bundled worker (dist/worker.js, built by `npm run build`), as the extension does.
const WORKER = join(REPO, 'dist', 'worker.js');

function client(t: { after(fn: () => void): void }, engineOptions: EngineOptions = fixtureOptions(), extra: Partial<ConstructorParameters<typeof WorkerClient>[0]> = {}) {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const created = new WorkerClient({ workerPath: WORKER, engineOptions, backoffMs: () => 50, ...extra });
  t.after(() => created.dispose());
  return created;
}

// Long enough that its batches take far longer than a message between the processes.
const LONG_TEXT = Array.from({ length: 8000 }, (_, i) => `Sentence ${i} is ${'rather '.repeat(i % 50)}good.`).join(' ');

describe('inference worker', () => {
  test('answers a sentiment request and says which device it used', async (t) => {
    const worker = client(t);
    const result = await worker.request('sentiment', { text: 'A wonderful day. An awful night.', neutralBand: 0.1 });
    assert.deepEqual(result.sentences.map((s) => s.label), ['POSITIVE', 'NEGATIVE']);
    assert.equal(result.device.used, 'cpu');
    assert.equal(worker.status.state, 'ready');
    const info = await worker.request('info', {});
    assert.equal(info.loaded[0]?.task, 'sentiment');
  });

  test('answers an entities request with exact spans', async (t) => {
    const worker = client(t);
    const text = 'Angela Merkel 😀 visited Tōkyō.';
    const result = await worker.request('entities', { text, minScore: 0.5 });
    assert.deepEqual(result.entities.map((e) => [text.slice(e.start, e.end), e.type]), [['Angela Merkel', 'PER'], ['Tōkyō', 'LOC']]);
    assert.equal(result.paragraphsAnalysed, 1);
  });

  test('answers a question with progress and exact spans', async (t) => {
    const worker = client(t);
    const text = 'Tōkyō 😀 opened the tower in 1958.';
    const result = await worker.request('ask', { text, question: 'When?', top: 3, minScore: 0.1 });
    assert.deepEqual(result.answers.map((a) => text.slice(a.start, a.end)), ['1958']);
  });

  test('classifies topics per section', async (t) => {
    const worker = client(t);
    const text = '# Match\nThe team scored a goal.\n\n# Money\nThe company made a profit.';
    const result = await worker.request('topics', { text, labels: ['sports', 'business'], multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'markdown' });
    assert.deepEqual(result.sections.map((s) => s.labels[0].label), ['sports', 'business']);
  });

  test('a request to a killed worker fails clearly, and the next request works after the restart', async (t) => {
    const worker = client(t);
    await worker.request('sentiment', { text: 'Warm up is good.', neutralBand: 0.1 });
    const firstPid = worker.pid;
    const running = worker.request('sentiment', { text: LONG_TEXT, neutralBand: 0.1 }, {
      onProgress: () => {
        if (worker.pid === firstPid) process.kill(firstPid as number, 'SIGKILL');
      },
    });
    await assert.rejects(running, (error: WorkerRequestError) => {
      assert.equal(error.code, 'worker-crashed');
      assert.match(error.message, /killed \(SIGKILL\).*restarted/);
      return true;
    });
    const after = await worker.request('sentiment', { text: 'Back to great.', neutralBand: 0.1 });
    assert.equal(after.sentences[0].label, 'POSITIVE');
    assert.notEqual(worker.pid, firstPid);
  });

  test('after repeated crashes the worker stays down and says so, until restarted', async (t) => {
    const worker = client(t, fixtureOptions(), { maxCrashes: 1 });
    for (let crash = 0; crash < 2; crash++) {
      await worker.request('info', {});
      process.kill(worker.pid as number, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(worker.status.state, 'error');
    assert.ok(worker.status.state === 'error' && worker.status.permanent);
    await assert.rejects(worker.request('info', {}), { code: 'worker-unavailable', message: /crashed 2 times.*Restart Inference Worker/ });
    await worker.restart();
    assert.equal((await worker.request('info', {})).pid, worker.pid);
  });

  test('cancellation stops the work in the worker', async () => {
    assert.ok(existsSync(WORKER));
    const child = fork(WORKER, [], { env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify(fixtureOptions()) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      const reply = await new Promise<{ done: number; total: number; last: WorkerMessage }>((resolve) => {
        let done = 0;
        let total = 0;
        child.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') child.send({ type: 'request', id: 1, method: 'sentiment', params: { text: LONG_TEXT, neutralBand: 0.1 } });
          if (message.type === 'progress') {
            if (done === 0) child.send({ type: 'cancel', id: 1 });
            ({ done, total } = message.progress);
          }
          if (message.type === 'result' || message.type === 'error') resolve({ done, total, last: message });
        });
      });
      assert.equal(reply.last.type, 'error');
      assert.ok(reply.last.type === 'error' && reply.last.error.code === 'cancelled');
      // The cancel crosses the process boundary while batches run, so some more finish: about 1% on
      // an idle machine, up to 10% on a loaded one (CI with other work beside it). Without it, all.
      assert.ok(reply.done < reply.total / 2, `the worker did ${reply.done} of ${reply.total} sentences after the cancel`);
    } finally {
      child.kill();
    }
  });

  test('a cancelled request rejects at once through the client, and the worker serves the next', async (t) => {
    const worker = client(t);
    const controller = new AbortController();
    const running = worker.request('sentiment', { text: LONG_TEXT, neutralBand: 0.1 }, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(running, { code: 'cancelled' });
    const next = await worker.request('sentiment', { text: 'Happy ending.', neutralBand: 0.1 });
    assert.equal(next.sentences[0].label, 'POSITIVE');
  });

  test('a missing model gives a clear error naming the folder to fill', async (t) => {
    const empty = tempDir(t);
    const worker = client(t, fixtureOptions({ bundledModelsDir: empty, cacheDir: join(empty, 'cache') }));
    await assert.rejects(worker.request('sentiment', { text: 'Anything.', neutralBand: 0.1 }), (error: WorkerRequestError) => {
      assert.equal(error.code, 'model-missing');
      assert.ok(error.message.includes(join(empty, 'cache')), `names the folder to put the files in: ${error.message}`);
      assert.match(error.message, /textAnalytics\.models\.sentiment/);
      // Its parts cross too, for the command line to say it with its options.
      assert.equal(error.trouble?.kind, 'unavailable');
      assert.equal(error.trouble?.task, 'sentiment');
      return true;
    });
  });

  test('a corrupt model file gives a clear error naming the file, and the worker lives on', async (t) => {
    const models = tempDir(t);
    cpSync(join(fixtureModels(), 'sentiment'), join(models, 'sentiment'), { recursive: true });
    const file = join(models, 'sentiment', 'onnx', 'model.onnx');
    truncateSync(file, 200);
    const worker = client(t, fixtureOptions({ bundledModelsDir: models }));
    await assert.rejects(worker.request('sentiment', { text: 'Anything.', neutralBand: 0.1 }), (error: WorkerRequestError) => {
      assert.equal(error.code, 'model-corrupt');
      assert.ok(error.message.includes(file), error.message);
      return true;
    });
    writeFileSync(join(models, 'sentiment', 'config.json'), '{ not json');
    await assert.rejects(worker.request('sentiment', { text: 'Anything.', neutralBand: 0.1 }), { code: 'model-corrupt', message: /config\.json/ });
    assert.equal((await worker.request('info', {})).loaded.length, 0);
  });

  test('a worker that never says ready is stopped after the handshake timeout', async (t) => {
    const silent = join(tempDir(t), 'silent-worker.js');
    writeFileSync(silent, 'setInterval(() => {}, 1000);');
    const worker = client(t, fixtureOptions(), { workerPath: silent, handshakeTimeoutMs: 500, maxCrashes: 0 });
    await assert.rejects(worker.request('info', {}), { code: 'worker-crashed', message: /before it was ready/ });
  });

  test('the worker exits when its parent dies', async (t) => {
    const dir = tempDir(t);
    const pidFile = join(dir, 'worker.pid');
    const parentScript = join(dir, 'parent.js');
    writeFileSync(
      parentScript,
      `const { fork } = require('node:child_process');
       const child = fork(${JSON.stringify(WORKER)}, [], { stdio: 'ignore', env: { ...process.env } });
       child.on('message', (m) => { if (m.type === 'ready') { require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid)); } });`,
    );
    const parent = fork(parentScript, [], { env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify(fixtureOptions()) }, stdio: 'ignore' });
    const workerPid = await waitFor(() => (existsSync(pidFile) ? Number(require('node:fs').readFileSync(pidFile, 'utf8')) : undefined));
    parent.kill('SIGKILL');
    await waitFor(() => (isAlive(workerPid) ? undefined : true));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
