/**
 * Messages between the host and the worker are read before they are used: the client drops
 * (and logs) whatever a worker sends that is not a protocol message, fails a request whose reply
 * it cannot read instead of leaving it waiting, and the real worker answers a malformed request
 * with an error — or logs and drops a message it cannot answer — and serves on.
 *
 * The client side runs a tiny fake worker (a plain script written here) that sends garbage; the
 * worker side runs the bundled worker (dist/worker.js, built by `npm run build`).
 * Killing and restarting the worker is covered by worker.test.ts and the integration suite.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import { WORKER_OPTIONS_ENV, type HostMessage, type TopicsParams, type WorkerMessage } from '../../src/protocol';
import { fixtureOptions, REPO, tempDir } from '../helpers';

const WORKER = join(REPO, 'dist', 'worker.js');

/** What a worker could send that is not a protocol message, with what is wrong with it. */
const GARBAGE: readonly (readonly [unknown, RegExp])[] = [
  [null, /not an object/],
  ['ready', /not an object/],
  [42, /not an object/],
  [[{ type: 'result' }], /not an object/],
  [{}, /unknown message type/],
  [{ type: 'shutdown' }, /unknown message type "shutdown"/],
  [{ type: 'result', id: 'one', result: {} }, /result message: id is not a request id/],
  [{ type: 'error', id: -1, error: { code: 'internal', message: 'x' } }, /error message: id is not a request id/],
  [{ type: 'progress', id: 1, progress: { done: 'half', total: 2 } }, /progress message: progress\.done is not a finite number/],
  [{ type: 'activity', activity: { kind: 'dancing' } }, /activity message: activity has an unknown kind "dancing"/],
  [{ type: 'activity', activity: { kind: 'loading-model', task: 'poetry', message: '' } }, /activity\.task is not one of/],
  [{ type: 'log', level: 'shout', message: 'hello' }, /log message: level is not one of/],
  [{ type: 'log', level: 'info' }, /log message: message is not a string/],
  [{ type: 'ready', info: { pid: 'me' } }, /ready message: info\.version is not a string/],
];

/** A worker's self-description that the client accepts. */
const FAKE_INFO = `{ version: '0.0.0', pid: process.pid, node: process.versions.node, onnxruntime: 'none', platform: 'fake', loaded: [] }`;

/**
 * Writes a fake worker that says ready (after a malformed ready) and answers each request with
 * `answer`: JavaScript run with `request` (the host's message), `send` and `INFO` in scope.
 */
function fakeWorker(t: { after(fn: () => void): void }, answer: string): string {
  const file = join(tempDir(t), 'fake-worker.js');
  writeFileSync(
    file,
    `const INFO = ${FAKE_INFO};
     const send = (message) => process.send(message);
     send({ type: 'ready', info: 'not an object' });
     send({ type: 'ready', info: INFO });
     process.on('message', (request) => { ${answer} });
     process.on('disconnect', () => process.exit(0));`,
  );
  return file;
}

function fakeClient(t: { after(fn: () => void): void }, answer: string) {
  const logs: { level: string; message: string }[] = [];
  const client = new WorkerClient({
    workerPath: fakeWorker(t, answer),
    engineOptions: fixtureOptions(),
    maxCrashes: 0,
    log: (level, message) => logs.push({ level, message }),
  });
  t.after(() => client.dispose());
  const dropped = () => logs.filter((l) => l.level === 'warn' && /^Dropped/.test(l.message)).map((l) => l.message);
  return { client, logs, dropped };
}

describe('messages from the worker', () => {
  test('garbage is logged and dropped, and the request still gets its reply', async (t) => {
    const { client, dropped } = fakeClient(
      t,
      `if (request.type !== 'request') return;
       for (const garbage of ${JSON.stringify(GARBAGE.map(([message]) => message))}) send(garbage);
       send({ type: 'result', id: request.id + 1000, result: {} });
       send({ type: 'result', id: request.id, result: INFO });`,
    );
    const seen: unknown[] = [];
    client.onStatus((status) => seen.push(status));
    let progressed = false;
    const info = await client.request('info', {}, { onProgress: () => (progressed = true) });

    assert.equal(info.platform, 'fake');
    assert.equal(progressed, false, 'the malformed progress did not reach the caller');
    assert.deepEqual(seen.filter((status) => (status as { state: string }).state === 'loading-model'), [], 'nor the malformed activity the status');
    assert.equal(client.status.state, 'ready');
    const lines = dropped();
    // The malformed ready before the real one, the garbage, and the reply to a request never made.
    assert.equal(lines.length, 1 + GARBAGE.length + 1, lines.join('\n'));
    assert.match(lines[0], /ready message: info is not an object/);
    GARBAGE.forEach(([, problem], i) => assert.match(lines[i + 1], problem));
    assert.match(lines.at(-1) ?? '', /reply .* for request \d+, which is not pending/);
  });

  test('a reply the client cannot read fails its request clearly instead of leaving it waiting', async (t) => {
    const { client, dropped } = fakeClient(
      t,
      `if (request.type !== 'request') return;
       if (request.method === 'sentiment') send({ type: 'result', id: request.id, result: { document: { label: 'HAPPY', score: 1, positive: 1 } } });
       else if (request.method === 'entities') send({ type: 'error', id: request.id, error: { code: 'on-fire', message: 'x' } });
       else if (request.method === 'topics') send({ type: 'result', id: request.id });
       else send({ type: 'result', id: request.id, result: INFO });`,
    );
    const unreadable = (problem: RegExp) => (error: WorkerRequestError) => {
      assert.equal(error.code, 'internal');
      assert.match(error.message, /sent a reply the extension cannot read.*Run the command again/);
      assert.match(error.detail ?? '', problem);
      return true;
    };
    await assert.rejects(client.request('sentiment', { text: 'Fine.', neutralBand: 0.1 }), unreadable(/sentiment result\.document\.label is not one of POSITIVE/));
    await assert.rejects(client.request('entities', { text: 'Fine.', minScore: 0.5 }), unreadable(/error\.code is not one of/));
    const topics: TopicsParams = { text: 'Fine.', labels: ['a'], multiLabel: false, hypothesisTemplate: '{}', format: 'plaintext' };
    await assert.rejects(client.request('topics', topics), unreadable(/result message: result is not an object/));
    assert.equal(dropped().length, 1 + 3, 'each is logged');
    const pid = client.pid;
    assert.equal((await client.request('info', {})).pid, pid, 'the same worker serves the next request');
  });

  test('the late reply to a cancelled request is dropped without a warning', async (t) => {
    const { client, dropped } = fakeClient(
      t,
      // Sentiment only reports progress and waits; a cancel is answered the way the real worker does.
      `if (request.type === 'cancel') send({ type: 'error', id: request.id, error: { code: 'cancelled', message: 'The request was cancelled.' } });
       else if (request.method === 'sentiment') send({ type: 'progress', id: request.id, progress: { done: 0, total: 1 } });
       else send({ type: 'result', id: request.id, result: INFO });`,
    );
    const controller = new AbortController();
    const waiting = client.request('sentiment', { text: 'Slow.', neutralBand: 0.1 }, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(waiting, { code: 'cancelled' });
    // IPC keeps order: when info's reply is in, the late cancelled reply came before it.
    await client.request('info', {});
    assert.deepEqual(dropped().slice(1), []);
  });
});

describe('messages to the worker', () => {
  test('the worker answers a malformed request with an error, drops what it cannot answer, and serves on', async (t) => {
    assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
    const child = fork(WORKER, [], { env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify(fixtureOptions()) }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    t.after(() => child.kill());
    const messages: WorkerMessage[] = [];
    const waitFor = (predicate: (message: WorkerMessage) => boolean) =>
      new Promise<WorkerMessage>((resolve, reject) => {
        const found = messages.find(predicate);
        if (found) return resolve(found);
        const onMessage = (message: WorkerMessage) => {
          if (!predicate(message)) return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code}): ${stderr}`)));
      });
    child.on('message', (message: WorkerMessage) => messages.push(message));
    await waitFor((m) => m.type === 'ready');

    // Answerable: their ids can be read.
    const answerable: [HostMessage | Record<string, unknown>, RegExp][] = [
      [{ type: 'request', id: 1, method: 'explode', params: {} }, /unknown request method "explode"/],
      [{ type: 'request', id: 2, method: 'sentiment', params: { text: 42, neutralBand: 0.1 } }, /params\.text is not a string/],
      [{ type: 'request', id: 3, method: 'entities', params: { text: 'x', minScore: 0.5, ranges: [[5, 'z']] } }, /params\.ranges\[0\] is not a \[start, end\] pair/],
      [{ type: 'request', id: 4, method: 'ask', params: null }, /params is not an object/],
      [{ type: 'request', id: 5, method: 'sentiment', params: { text: 'x', neutralBand: 0.1, offset: -3 } }, /params\.offset is not a non-negative integer/],
    ];
    // Unanswerable: no usable id.
    const unanswerable: unknown[] = [null, 'hello', 7, { type: 'request', id: '6', method: 'info', params: {} }, { type: 'cancel' }, { type: 'shutdown', id: 8 }];
    for (const [message] of answerable) child.send(message);
    for (const message of unanswerable) child.send(message as object);
    child.send({ type: 'request', id: 9, method: 'sentiment', params: { text: 'A wonderful day.', neutralBand: 0.1 } } satisfies HostMessage);

    const result = await waitFor((m) => m.type === 'result' && m.id === 9);
    assert.ok(result.type === 'result' && 'sentences' in result.result);
    assert.equal(result.result.sentences[0].label, 'POSITIVE');
    for (const [message, problem] of answerable) {
      const id = (message as { id: number }).id;
      const reply = messages.find((m) => (m.type === 'error' || m.type === 'result') && m.id === id);
      assert.ok(reply?.type === 'error', `request ${id} was answered with an error`);
      assert.equal(reply.error.code, 'bad-input');
      assert.match(reply.error.message, problem);
    }
    const drops = messages.filter((m) => m.type === 'log' && m.level === 'warn' && /dropped a malformed message/.test(m.message));
    assert.equal(drops.length, unanswerable.length, 'each unanswerable message is logged');
    assert.equal(child.exitCode, null, 'the worker lives on');
  });
});
