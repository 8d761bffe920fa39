/**
 * The downloader's network side, on loopback only: proxies (VS Code's settings and the
 * environment's variables, NO_PROXY), the Hugging Face token (to the Hub, never to its CDN, never
 * in logs), and failures (offline fails at once without retries; a cut transfer keeps what
 * arrived and resumes it).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { downloadFile, HUB_URL_ENV, hubFileUrl, type DownloadTuning } from '../../src/engine/download';
import { EngineError } from '../../src/engine/errors';
import { effectiveProxy, HF_TOKEN_ENV, type HubAccess } from '../../src/engine/hubNetwork';
import type { Logger } from '../../src/engine/log';
import { closedPort, startForwardProxy, type ForwardProxy } from '../support/forwardProxy';
import { startTestHub } from '../support/hubServer';

const REPO = 'test-owner/net-model';
const TIMEOUT = { timeout: 30_000 };
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', HF_TOKEN_ENV];
const FILES = { 'config.json': Buffer.from('{"model_type":"bert"}'), 'onnx/model.onnx': randomBytes(300_000) };

/** Clears the proxy variables and HF_TOKEN for one test, then sets `values`; all come back afterwards. */
function useEnv(t: TestContext, values: Record<string, string> = {}): void {
  const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lta-net-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function proxy(t: TestContext): Promise<ForwardProxy> {
  const started = await startForwardProxy();
  t.after(() => started.close());
  return started;
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`) };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const hostOf = (url: string) => new URL(url).host;

interface Fetch {
  file: keyof typeof FILES;
  dir: string;
  log: Logger;
  access?: HubAccess;
  tuning?: Partial<DownloadTuning>;
}

/** Downloads one file of REPO from the hub the environment points at, pinned to its real size and hash. */
async function fetchFile({ file, dir, log, access, tuning }: Fetch): Promise<Buffer> {
  const destPath = path.join(dir, file);
  await downloadFile({
    url: hubFileUrl(REPO, 'main', file),
    partialPath: `${destPath}.partial`,
    destPath,
    size: FILES[file].length,
    sha256: sha256(FILES[file]),
    label: `${REPO}/${file}`,
    log,
    access,
    tuning: { retryDelayMs: 10, ...tuning },
  });
  return fs.readFile(destPath);
}

async function fetchBoth(dir: string, log: Logger, access?: HubAccess): Promise<void> {
  for (const file of ['config.json', 'onnx/model.onnx'] as const) {
    assert.ok((await fetchFile({ file, dir, log, access })).equals(FILES[file]), `${file} arrived whole`);
  }
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => assert.fail('the download should have failed'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EngineError, String(error));
  assert.equal(error.code, 'download-failed');
  return error;
}

// ---------------------------------------------------------------------------------------------
// Proxies

test('HTTP_PROXY from the environment carries the Hub and its CDN through the proxy', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  const through = await proxy(t);
  useEnv(t, { HTTP_PROXY: through.url });
  await fetchBoth(await tempDir(t), recordingLog());
  assert.ok(through.targets.includes(hostOf(hub.url)), `the Hub through the proxy: ${through.targets.join(', ')}`);
  assert.ok(through.targets.includes(hostOf(hub.cdnUrl)), `the CDN through the proxy: ${through.targets.join(', ')}`);
});

test('lower-case http_proxy routes an http Hub, and https_proxy is only for https addresses', TIMEOUT, async (t) => {
  // The loopback Hub is http://: https_proxy must not route it.
  const hub = await startTestHub(t, { [REPO]: FILES });
  const wrong = await proxy(t);
  const right = await proxy(t);
  useEnv(t, { https_proxy: wrong.url, http_proxy: right.url });
  await fetchBoth(await tempDir(t), recordingLog());
  assert.deepEqual(wrong.targets, [], 'https_proxy is for https addresses');
  assert.ok(right.targets.includes(hostOf(hub.url)), `lower-case http_proxy is honoured: ${right.targets.join(', ')}`);
});

test("VS Code's http.proxy is used when the environment names no proxy", TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  const through = await proxy(t);
  useEnv(t);
  await fetchBoth(await tempDir(t), recordingLog(), { proxy: { url: through.url, noProxy: [], strictSSL: true } });
  assert.ok(through.targets.includes(hostOf(hub.url)) && through.targets.includes(hostOf(hub.cdnUrl)), through.targets.join(', '));
});

test("VS Code's http.proxy wins over HTTP_PROXY", TIMEOUT, async (t) => {
  await startTestHub(t, { [REPO]: FILES });
  const fromEnv = await proxy(t);
  const fromSettings = await proxy(t);
  useEnv(t, { HTTP_PROXY: fromEnv.url });
  await fetchBoth(await tempDir(t), recordingLog(), { proxy: { url: fromSettings.url } });
  assert.deepEqual(fromEnv.targets, []);
  assert.ok(fromSettings.targets.length >= 2, fromSettings.targets.join(', '));
});

test('NO_PROXY and http.noProxy send matching hosts directly', TIMEOUT, async (t) => {
  await startTestHub(t, { [REPO]: FILES });
  const through = await proxy(t);
  useEnv(t, { HTTP_PROXY: through.url, NO_PROXY: 'example.org,127.0.0.1' });
  await fetchBoth(await tempDir(t), recordingLog());
  assert.deepEqual(through.targets, [], 'NO_PROXY lists 127.0.0.1');

  await fetchBoth(await tempDir(t), recordingLog(), { proxy: { url: through.url, noProxy: ['127.0.0.1'] } });
  assert.deepEqual(through.targets, [], 'http.noProxy lists 127.0.0.1');
});

test('no proxy anywhere: requests go straight to the Hub', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  await fetchBoth(await tempDir(t), recordingLog());
  assert.ok(hub.requestsFor('onnx/model.onnx').every((r) => r.cdn));
  assert.deepEqual(effectiveProxy(undefined), { httpProxy: undefined, httpsProxy: undefined, noProxy: undefined, strictSSL: true });
});

test('a proxy that is not there fails at once, naming the proxy but not its password', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  const dead = new URL(await closedPort());
  dead.username = 'me';
  dead.password = 'proxy-secret';
  useEnv(t);
  const log = recordingLog();
  const started = Date.now();
  const error = await rejection(fetchFile({ file: 'config.json', dir: await tempDir(t), log, access: { proxy: { url: dead.toString() } }, tuning: { retryDelayMs: 1000 } }));
  assert.ok(Date.now() - started < 900, `failed after ${Date.now() - started} ms`);
  assert.match(error.message, new RegExp(`through the proxy ${dead.host.replace('.', '\\.')}`));
  assert.doesNotMatch(error.message + log.lines.join('\n'), /proxy-secret/);
  assert.equal(hub.requests.length, 0);
});

// ---------------------------------------------------------------------------------------------
// The token

test('the token reaches the Hub, not the CDN it redirects to, and never the log', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  const log = recordingLog();
  const token = 'hf_loopbackSecret123';
  await fetchBoth(await tempDir(t), log, { token });
  assert.deepEqual(
    hub.requestsFor('config.json').map((r) => r.authorization),
    [`Bearer ${token}`],
  );
  const weights = hub.requestsFor('onnx/model.onnx');
  assert.ok(weights.length === 1 && weights[0].cdn, 'the weights came from the CDN origin');
  assert.equal(weights[0].authorization, undefined, 'no token for the CDN host');
  assert.doesNotMatch(log.lines.join('\n'), /loopbackSecret/);
});

test('HF_TOKEN is the token when none is given (the CLI), and a given one wins over it', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t, { [HF_TOKEN_ENV]: 'hf_fromEnvironment' });
  await fetchFile({ file: 'config.json', dir: await tempDir(t), log: recordingLog() });
  await fetchFile({ file: 'config.json', dir: await tempDir(t), log: recordingLog(), access: { token: 'hf_fromSecrets' } });
  assert.deepEqual(
    hub.requestsFor('config.json').map((r) => r.authorization),
    ['Bearer hf_fromEnvironment', 'Bearer hf_fromSecrets'],
  );
});

test('without a token nothing is sent, and a refusal says how to give one', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  hub.inject('config.json', { status: 401 });
  const error = await rejection(fetchFile({ file: 'config.json', dir: await tempDir(t), log: recordingLog() }));
  assert.match(error.message, /HTTP 401.*Set Hugging Face Token.*HF_TOKEN/);
  assert.equal(hub.requestsFor('config.json')[0].authorization, undefined);

  hub.inject('config.json', { status: 403 });
  const refused = await rejection(fetchFile({ file: 'config.json', dir: await tempDir(t), log: recordingLog(), access: { token: 'hf_noAccess' } }));
  assert.match(refused.message, /HTTP 403.*token given has no access/);
  assert.doesNotMatch(refused.message, /hf_noAccess/);
});

// ---------------------------------------------------------------------------------------------
// Failures

test('offline (nothing listening) fails in well under a second, without retries or "What arrived is kept"', TIMEOUT, async (t) => {
  const previous = process.env[HUB_URL_ENV];
  t.after(() => void (previous === undefined ? delete process.env[HUB_URL_ENV] : (process.env[HUB_URL_ENV] = previous)));
  useEnv(t, { [HUB_URL_ENV]: await closedPort() });
  const log = recordingLog();
  const started = Date.now();
  // Real retry waits: a retry would take at least a second.
  const error = await rejection(fetchFile({ file: 'config.json', dir: await tempDir(t), log, tuning: { retries: 3, retryDelayMs: 1000 } }));
  const took = Date.now() - started;
  assert.ok(took < 900, `failed after ${took} ms`);
  assert.match(error.message, /^Could not reach 127\.0\.0\.1:\d+ to download test-owner\/net-model\/config\.json \(.*ECONNREFUSED.*\)\. Check the network connection/);
  assert.doesNotMatch(error.message, /What arrived/);
  assert.deepEqual(log.lines.filter((l) => l.includes('retrying')), []);
});

test('a transfer cut mid-way says what arrived is kept, and the next download resumes it', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  hub.inject('onnx/model.onnx', { cutAfter: 100_000 });
  const dir = await tempDir(t);
  const error = await rejection(fetchFile({ file: 'onnx/model.onnx', dir, log: recordingLog(), tuning: { retries: 0 } }));
  assert.match(error.message, /What arrived is kept; trying again resumes it\./);
  const kept = (await fs.stat(path.join(dir, 'onnx/model.onnx.partial'))).size;
  assert.ok(kept > 0 && kept <= 100_000, `${kept} bytes kept`);

  const whole = await fetchFile({ file: 'onnx/model.onnx', dir, log: recordingLog() });
  assert.ok(whole.equals(FILES['onnx/model.onnx']));
  assert.equal(hub.requestsFor('onnx/model.onnx').at(-1)?.range, `bytes=${kept}-`);
});

test('a cut transfer is retried within the same download, resuming where it broke', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  hub.inject('onnx/model.onnx', { cutAfter: 100_000 });
  const log = recordingLog();
  const whole = await fetchFile({ file: 'onnx/model.onnx', dir: await tempDir(t), log, tuning: { retries: 2 } });
  assert.ok(whole.equals(FILES['onnx/model.onnx']));
  assert.equal(log.lines.filter((l) => l.includes('retrying')).length, 1, log.lines.join('\n'));
  assert.match(hub.requestsFor('onnx/model.onnx')[1].range ?? '', /^bytes=[1-9]\d*-$/);
});

test('server errors with nothing received do not claim anything was kept', TIMEOUT, async (t) => {
  const hub = await startTestHub(t, { [REPO]: FILES });
  useEnv(t);
  hub.inject('config.json', { status: 503 }, { times: Infinity });
  const error = await rejection(fetchFile({ file: 'config.json', dir: await tempDir(t), log: recordingLog(), tuning: { retries: 1 } }));
  assert.match(error.message, /HTTP 503/);
  assert.doesNotMatch(error.message, /What arrived/);
  assert.equal(hub.requestsFor('config.json').length, 2, 'a 5xx is worth one more try');
});
