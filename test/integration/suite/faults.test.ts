/**
 * Faults survived inside a real extension host, through the extension's own commands and its
 * real worker: a worker killed (SIGKILL) in the middle of Analyze Sentiment, a worker that dies
 * while loading a model or before it is ready (restarts with backoff, then it stays down and says
 * so until Restart Inference Worker), and broken model folders (a clear error naming the file,
 * and the worker lives on).
 *
 * The worker is made to die from outside src/: `--require test/integration/worker-faults.js` in
 * this extension host's NODE_OPTIONS, which the worker inherits when it is forked.
 *
 * Needs the fixture models (`npm run fixtures`) and a built extension (`npm run build`).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { WorkerClient } from '../../../src/client/workerClient';
import type { EngineStatus } from '../../../src/client/status';
import type { Method, SentimentResult } from '../../../src/protocol';
import { presentStatus } from '../../../src/ui/statusBar';
import { SAMPLE_SENTENCES, SAMPLE_TEXT } from '../sample';

const EXTENSION_ID = 'local-text-analytics.local-text-analytics';
const FAULT_ENV = 'TEXT_ANALYTICS_TEST_WORKER_FAULT';
const RESTART_COMMAND = 'Text Analytics: Restart Inference Worker';

/** How one request the extension sent through the client ended, when it failed. */
interface Failure {
  method: Method;
  code: string;
  message: string;
}

/**
 * Watches the requests the extension's commands send through the real client — their progress
 * and how they fail — without changing them: the commands themselves only return undefined.
 */
class RequestSpy {
  readonly failures: Failure[] = [];
  /** Called at each progress message of any request, after the command's own handler. */
  onProgress?: () => void;

  constructor(private readonly client: WorkerClient) {
    const original = client.request.bind(client);
    client.request = ((method, params, options = {}) => {
      const request = original(method, params, {
        ...options,
        onProgress: (progress) => {
          options.onProgress?.(progress);
          this.onProgress?.();
        },
      });
      void request.catch((error: { code: string; message: string }) => this.failures.push({ method, code: error.code, message: error.message }));
      return request;
    }) as WorkerClient['request'];
  }

  dispose(): void {
    Reflect.deleteProperty(this.client, 'request');
  }
}

suite('Worker faults in the extension host', () => {
  let client: WorkerClient;
  let extensionPath: string;
  let spy: RequestSpy;
  let statuses: EngineStatus[] = [];
  let statusListener: { dispose(): void } | undefined;
  const folder = mkdtempSync(join(tmpdir(), 'lta-faults-'));
  const sampleFile = join(folder, 'sample.md');
  const longFile = join(folder, 'long.txt');
  const originalNodeOptions = process.env.NODE_OPTIONS;
  const settings = () => vscode.workspace.getConfiguration('textAnalytics');
  /** Read afresh each time: the client's status changes under the test's feet. */
  const engineStatus = (): EngineStatus => client.status;
  /** The worker crashed too often and waits for the user to restart it. */
  const staysDown = (): boolean => {
    const status = client.status;
    return status.state === 'error' && status.permanent;
  };

  async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (status: ${JSON.stringify(engineStatus())})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Workers forked from now on die as `fault` says (see test/integration/worker-faults.js); undefined: they do not. */
  function plantFault(fault: 'load' | 'startup' | undefined): void {
    if (fault === undefined) {
      delete process.env[FAULT_ENV];
      if (originalNodeOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = originalNodeOptions;
      return;
    }
    const preload = join(extensionPath, 'test', 'integration', 'worker-faults.js');
    process.env.NODE_OPTIONS = [originalNodeOptions, `--require ${JSON.stringify(preload)}`].filter(Boolean).join(' ');
    process.env[FAULT_ENV] = fault;
  }

  /**
   * Points `textAnalytics.models.sentiment` at `dir` and waits for the restart that the setting
   * causes, so that no request of the test races it.
   */
  async function useSentimentModel(dir: string | undefined): Promise<void> {
    if (settings().get<string>('models.sentiment', '') === (dir ?? '')) return;
    await client.request('info', {});
    const before = client.pid;
    await settings().update('models.sentiment', dir, vscode.ConfigurationTarget.Global);
    await until(() => client.pid !== undefined && client.pid !== before && engineStatus().state === 'ready', 'the worker to restart with the new model setting');
  }

  async function analyzeSentiment(file: string): Promise<SentimentResult | undefined> {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
    return vscode.commands.executeCommand<SentimentResult | undefined>('textAnalytics.analyzeSentiment');
  }

  /** The sample's planted labels come back: the worker works. */
  async function assertSentimentWorks(): Promise<void> {
    const result = await analyzeSentiment(sampleFile);
    assert.ok(result, 'Analyze Sentiment returned no result');
    assert.deepEqual(
      result.sentences.map((s) => [s.text.trim(), s.label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
  }

  /** The sentiment requests that failed since the last call. */
  function takeFailures(): Failure[] {
    return spy.failures.splice(0).filter((failure) => failure.method === 'sentiment');
  }

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    client = (await extension.activate()).client;
    extensionPath = extension.extensionPath;
    writeFileSync(sampleFile, SAMPLE_TEXT);
    // Thousands of sentences: the worker is still busy with them long after its first progress message.
    writeFileSync(longFile, Array.from({ length: 6000 }, (_, i) => `Sentence ${i} is ${'rather '.repeat(i % 20)}good.`).join(' '));
    // A worker left stopped by an earlier suite would not come back by itself.
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    await useSentimentModel(join(extensionPath, 'test', 'fixtures', 'models', 'sentiment'));
    spy = new RequestSpy(client);
    statusListener = client.onStatus((status) => statuses.push(status));
  });

  setup(() => {
    statuses = [];
    spy.failures.length = 0;
  });

  // A test that failed half-way must not leave its fault, or a stopped worker, to the next one.
  teardown(async () => {
    if (process.env[FAULT_ENV] === undefined && !staysDown()) return;
    plantFault(undefined);
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
  });

  suiteTeardown(async () => {
    spy?.dispose();
    statusListener?.dispose();
    plantFault(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // A worker without the planted fault, and no crashes counted, for the suites after this one.
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    await useSentimentModel(undefined);
    rmSync(folder, { recursive: true, force: true });
  });

  test('a worker killed (SIGKILL) in the middle of Analyze Sentiment: the command fails clearly, the worker restarts, the next command works', async () => {
    await assertSentimentWorks();
    const killedPid = client.pid;
    assert.ok(killedPid, 'a worker runs');
    let killed = false;
    spy.onProgress = () => {
      // Inside the first progress message: the worker has started on the document and is far from done.
      if (killed) return;
      killed = true;
      process.kill(killedPid, 'SIGKILL');
    };
    try {
      assert.equal(await analyzeSentiment(longFile), undefined, 'the interrupted command returns no result');
    } finally {
      spy.onProgress = undefined;
    }
    assert.ok(killed, 'the worker was killed mid-request');
    const [failure, ...others] = takeFailures();
    assert.deepEqual(others, []);
    assert.equal(failure?.code, 'worker-crashed');
    assert.match(failure.message, /The inference worker was killed \(SIGKILL\) while working; it is being restarted .*Run the command again\./);

    await until(() => engineStatus().state === 'ready' && client.pid !== undefined && client.pid !== killedPid, 'a new worker');
    assert.ok(
      statuses.some((status) => status.state === 'error' && !status.permanent),
      'the status said the worker crashed and is restarting',
    );
    await assertSentimentWorks();
  });

  test('a worker that crashes while loading a model restarts with growing backoff, then stays down and says so until restarted', async () => {
    plantFault('load');
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    assert.equal(engineStatus().state, 'ready', 'the planted fault lets the worker start');

    const crashedPids: number[] = [];
    for (let attempt = 1; !staysDown(); attempt++) {
      assert.ok(attempt <= 10, 'the worker is still being restarted after 10 crashes');
      const pid = client.pid;
      assert.ok(pid, 'a worker runs');
      assert.equal(await analyzeSentiment(sampleFile), undefined, `the command fails on crash ${attempt}`);
      crashedPids.push(pid);
      if (!staysDown()) await until(() => engineStatus().state === 'ready' && client.pid !== pid, `restart ${attempt}`);
    }
    assert.equal(new Set(crashedPids).size, crashedPids.length, 'each crash was a new worker');
    assert.equal(crashedPids.length, 4, 'three restarts, then it stays down');

    const failures = takeFailures();
    assert.equal(failures.length, crashedPids.length, 'each command failed');
    for (const failure of failures.slice(0, -1)) {
      assert.equal(failure.code, 'worker-crashed');
      assert.match(failure.message, /killed \(SIGKILL\) while loading the sentiment model; it is being restarted \(in [\d.]+ s\)/);
    }
    const delays = failures.slice(0, -1).map((failure) => Number(/in ([\d.]+) s/.exec(failure.message)?.[1]));
    assert.ok(
      delays.every((delay, i) => i === 0 || delay > delays[i - 1]),
      `each restart waits longer: ${delays.join(', ')} s`,
    );
    assert.match(failures.at(-1)?.message ?? '', new RegExp(`crashed 4 times.*stays down.*${RESTART_COMMAND}`));

    await assertStaysDown();

    plantFault(undefined);
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    assert.equal(engineStatus().state, 'ready');
    await assertSentimentWorks();
  });

  test('a worker that dies before it is ready is restarted with backoff, then stays down until restarted', async () => {
    plantFault('startup');
    // Restarting starts a worker at once (and says it could not); the restarts that follow come by themselves.
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    await until(staysDown, 'the worker to stay down');

    const starts = statuses.filter((status) => status.state === 'starting').length;
    const restarting = statuses.flatMap((status) => (status.state === 'error' && !status.permanent ? [status.message] : []));
    assert.equal(starts, 4, 'four tries to start it');
    assert.equal(restarting.length, 3);
    for (const message of restarting) assert.match(message, /exited with code \d+ before it was ready; it is being restarted \(in [\d.]+ s\)/);
    assert.ok(!statuses.some((status) => status.state === 'ready' || status.state === 'busy'), 'it never said it was ready');

    await assertStaysDown();

    plantFault(undefined);
    await vscode.commands.executeCommand('textAnalytics.restartWorker');
    assert.equal(engineStatus().state, 'ready');
    await assertSentimentWorks();
  });

  /**
   * After the last crash: the status says stopped (and how to restart), a command fails at once
   * naming the Restart command, and no worker is started for it.
   */
  async function assertStaysDown(): Promise<void> {
    const status = engineStatus();
    assert.ok(status.state === 'error' && status.permanent, `stays down: ${JSON.stringify(status)}`);
    assert.equal(client.pid, undefined, 'no worker runs');
    const shown = presentStatus(status);
    assert.match(shown.text, /stopped/, 'the status bar says it is stopped');
    assert.match(shown.summary, /restart/i);
    assert.ok(shown.details.some((line) => line.includes(RESTART_COMMAND)), 'the tooltip names the Restart command');

    takeFailures();
    statuses = [];
    assert.equal(await analyzeSentiment(sampleFile), undefined);
    const [failure] = takeFailures();
    assert.equal(failure?.code, 'worker-unavailable');
    assert.ok(failure.message.includes(RESTART_COMMAND), `the error names the Restart command: ${failure.message}`);
    assert.equal(client.pid, undefined, 'the command did not start a worker');
    assert.ok(!statuses.some((s) => s.state === 'starting'), 'nor did anything else');
  }

  suite('broken model folders: a clear error naming the file, and the worker lives on', () => {
    /** A copy of the fixture sentiment model, broken by `damage`, set as the model. */
    async function brokenModel(name: string, damage: (dir: string) => void): Promise<string> {
      const dir = join(folder, name);
      cpSync(join(extensionPath, 'test', 'fixtures', 'models', 'sentiment'), dir, { recursive: true });
      damage(dir);
      await useSentimentModel(dir);
      return dir;
    }

    /** The command fails with `code`, its message names each of `names`, and the same worker serves on. */
    async function assertFailsNaming(code: string, ...names: string[]): Promise<void> {
      const pid = client.pid;
      assert.equal(await analyzeSentiment(sampleFile), undefined, 'the command returns no result');
      const [failure, ...others] = takeFailures();
      assert.deepEqual(others, []);
      assert.equal(failure?.code, code, failure?.message);
      for (const name of names) assert.ok(failure.message.includes(name), `the error names ${name}: ${failure.message}`);
      // Once more: the same error, not a crash loop.
      assert.equal(await analyzeSentiment(sampleFile), undefined);
      assert.equal(takeFailures()[0]?.code, code);
      assert.equal(client.pid, pid, 'the same worker');
      assert.ok(engineStatus().state === 'ready', `the worker is fine: ${JSON.stringify(engineStatus())}`);
      assert.ok(!statuses.some((status) => status.state === 'error' || status.state === 'starting'), 'no crash, no restart');
      assert.equal((await client.request('info', {})).pid, pid, 'it still answers');
    }

    suiteTeardown(() => useSentimentModel(join(extensionPath, 'test', 'fixtures', 'models', 'sentiment')));

    test('a truncated ONNX file', async () => {
      const dir = await brokenModel('truncated', (dir) => {
        for (const file of readdirSync(join(dir, 'onnx'))) truncateSync(join(dir, 'onnx', file), 200);
      });
      statuses = [];
      await assertFailsNaming('model-corrupt', join(dir, 'onnx'));
    });

    test('a model folder without tokenizer.json', async () => {
      const dir = await brokenModel('no-tokenizer', (dir) => rmSync(join(dir, 'tokenizer.json')));
      statuses = [];
      await assertFailsNaming('model-missing', dir, 'tokenizer.json');
    });

    test('a config.json without labels', async () => {
      const dir = await brokenModel('no-labels', (dir) => {
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
        delete config.id2label;
        delete config.label2id;
        writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
      });
      statuses = [];
      await assertFailsNaming('model-corrupt', join(dir, 'config.json'));
    });
  });
});
