/**
 * Fetching one file from the Hugging Face Hub into the cache, and the lock that keeps two processes
 * from downloading the same model into the same place. Pure Node: undici's `fetch` through the
 * proxy that applies (./hubNetwork), following the Hub's redirects to its CDN itself so that the
 * user's token goes to the Hub only; `node:fs` and `node:crypto`.
 *
 * A file travels `<partial>` → verified → renamed to its destination, so a file under its real name
 * is always complete. The partial survives a cut connection or a cancellation, and the next attempt
 * asks for the rest with an HTTP Range request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fetch, type Response } from 'undici';
import { cancelledError, EngineError, throwIfCancelled } from './errors';
import { hubDispatcher, isUnreachable, proxyFor, tokenFor, type HubAccess } from './hubNetwork';
import type { Logger } from './log';

/** Overrides the Hub's address, e.g. for a mirror or a test server. */
export const HUB_URL_ENV = 'TEXT_ANALYTICS_HUB_URL';
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** The Hub's address now (read on every call, so a changed environment is seen). */
export function hubBaseUrl(): string {
  return (process.env[HUB_URL_ENV] || DEFAULT_HUB_URL).replace(/\/+$/, '');
}

/** `<base>/<repo>/resolve/<revision>/<path>`: the Hub's address of one file at one revision. */
export function hubFileUrl(repo: string, revision: string, file: string, base = hubBaseUrl()): string {
  const encodedPath = file.split('/').map(encodeURIComponent).join('/');
  return `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}

/** How hard to try; tests shorten the waits. */
export interface DownloadTuning {
  /**
   * Further attempts after a dropped connection or a 5xx reply, each resuming the partial. A host
   * that cannot be reached at all (offline, no DNS, refused) is not tried again: that fails at once.
   */
  retries: number;
  /**
   * A connection that brings no byte for this long (no answer, or a body that stopped coming) is
   * given up and the file resumed on a new one: a stalled server would otherwise hang the
   * download for ever.
   */
  stallTimeoutMs: number;
  retryDelayMs: number;
  /** A lock whose holder has not touched it for this long is taken over. */
  lockStaleMs: number;
  lockHeartbeatMs: number;
  /** How often a process waiting for another one's download looks again. */
  lockPollMs: number;
}

export const DEFAULT_TUNING: DownloadTuning = {
  retries: 3,
  stallTimeoutMs: 30_000,
  retryDelayMs: 1000,
  lockStaleMs: 120_000,
  lockHeartbeatMs: 10_000,
  lockPollMs: 500,
};

export interface FileDownload {
  url: string;
  /** Where the bytes accumulate; kept after a failure that a retry can resume. */
  partialPath: string;
  /** Where the verified file is renamed to. */
  destPath: string;
  /** Null when not pinned: then only what is known is checked. */
  size: number | null;
  sha256: string | null;
  /** How the file is named in messages, e.g. `Xenova/…/onnx/model.onnx`. */
  label: string;
  signal?: AbortSignal;
  log: Logger;
  /** `total` is 0 while the size is unknown. Called at most every 100 ms, and once at the end. */
  onProgress?(received: number, total: number): void;
  tuning?: Partial<DownloadTuning>;
  /** The proxy settings and the token; absent: the environment's proxy and `HF_TOKEN`. */
  access?: HubAccess;
}

/** The Hub answered 404: the file is not in the repo at that revision. */
export class HubFileNotFoundError extends EngineError {
  constructor(label: string, url: string) {
    super('download-failed', `${label} was not found on the Hub (404 from ${url}).`);
  }
}

/** A failure that another attempt may get past (dropped connection, 5xx, 429). */
class RetryableError extends Error {}

/**
 * Downloads `url` to `destPath`, resuming `partialPath` when it holds the start of the file, and
 * checking size and sha256 before the file gets its real name.
 *
 * @example
 * await downloadFile({ url: hubFileUrl(repo, 'main', 'config.json'), partialPath: tmp + '.partial',
 *   destPath: tmp, size: 735, sha256: 'b0e9…', label: 'config.json', log });
 */
export async function downloadFile(job: FileDownload): Promise<void> {
  const tuning = { ...DEFAULT_TUNING, ...job.tuning };
  await fs.mkdir(path.dirname(job.partialPath), { recursive: true });
  await fs.mkdir(path.dirname(job.destPath), { recursive: true });

  let restartedAfterMismatch = false;
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(job.signal);
    let resumedFrom = 0;
    try {
      resumedFrom = await transfer(job, tuning.stallTimeoutMs);
    } catch (error) {
      if (job.signal?.aborted) throw cancelledError();
      if (!(error instanceof RetryableError)) throw error;
      if (attempt >= tuning.retries) {
        // Only a partial that holds bytes is worth mentioning: "kept" about nothing misleads.
        const kept = (await fileSize(job.partialPath)) > 0 ? ' What arrived is kept; trying again resumes it.' : '';
        throw new EngineError('download-failed', `Could not download ${job.label}: ${error.message}.${kept}`, { cause: error });
      }
      job.log.warn(`Downloading ${job.label}: ${error.message}; retrying (${attempt + 1}/${tuning.retries}).`);
      await sleep(tuning.retryDelayMs * (attempt + 1), job.signal);
      continue;
    }

    const mismatch = await verify(job);
    if (mismatch === undefined) break;
    await fs.rm(job.partialPath, { force: true });
    // A resumed file may have begun as an older version of the file; one clean start settles that.
    if (resumedFrom > 0 && !restartedAfterMismatch) {
      restartedAfterMismatch = true;
      job.log.warn(`${job.label} did not verify after resuming (${mismatch}); downloading it again from the start.`);
      continue;
    }
    throw new EngineError('download-failed', `Downloaded ${job.label} does not match: ${mismatch}. The file was deleted.`);
  }
  await fs.rename(job.partialPath, job.destPath);
}

/**
 * One request: appends to the partial (or starts it over) until the body ends. Returns the byte
 * offset it resumed from. Throws RetryableError for what another attempt may fix, a stall of
 * `stallTimeoutMs` included.
 */
async function transfer(job: FileDownload, stallTimeoutMs: number): Promise<number> {
  const stall = new StallWatch(stallTimeoutMs);
  try {
    return await transferWatched(job, stall);
  } catch (error) {
    if (!job.signal?.aborted && stall.fired) throw new RetryableError(stall.describe());
    throw error;
  } finally {
    stall.stop();
  }
}

/**
 * Aborts its signal when `ms` pass without {@link alive} being called: the connection is stalled.
 */
class StallWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  fired = false;
  received = 0;

  constructor(private readonly ms: number) {
    this.timer = this.start();
  }

  /** The caller's signal and the stall together. */
  signal(outer: AbortSignal | undefined): AbortSignal {
    return outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
  }

  /** Bytes came: the wait starts again. */
  alive(received: number): void {
    this.received = received;
    clearTimeout(this.timer);
    this.timer = this.start();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  describe(): string {
    return `the server sent nothing for ${Math.round(this.ms / 1000)} s (after ${this.received} bytes)`;
  }

  private start(): NodeJS.Timeout {
    return setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
  }
}

async function transferWatched(job: FileDownload, stall: StallWatch): Promise<number> {
  let have = await fileSize(job.partialPath);
  if (job.size !== null && have === job.size) return have; // complete already; verify decides
  if (job.size !== null && have > job.size) {
    await fs.rm(job.partialPath, { force: true });
    have = 0;
  }

  // identity: a compressed reply would make byte ranges and sizes mean something else.
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'local-text-analytics' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const response = await fetchFollowing(job, headers, stall.signal(job.signal));
  stall.alive(have);

  if (response.status === 416 && have > 0) {
    await response.body?.cancel();
    // Nothing after `have`: complete if the server's size agrees, otherwise start over next time.
    if (contentRangeTotal(response.headers.get('content-range')) === have) return have;
    await fs.rm(job.partialPath, { force: true });
    throw new RetryableError('the server refused to resume the partial file');
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw statusError(job, response.status);
  }

  let append = false;
  let total: number | null;
  if (response.status === 206 && have > 0) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range?.start !== have) {
      await response.body?.cancel();
      await fs.rm(job.partialPath, { force: true });
      throw new RetryableError(`the server sent a different range (${response.headers.get('content-range')})`);
    }
    append = true;
    total = range.total;
  } else {
    if (have > 0) job.log.info(`The server did not resume ${job.label}; downloading it from the start.`);
    have = 0;
    const length = response.headers.get('content-length');
    total = length === null ? null : Number(length);
  }
  if (job.size !== null && total !== null && total !== job.size) {
    await response.body?.cancel();
    await fs.rm(job.partialPath, { force: true });
    throw new EngineError(
      'download-failed',
      `${job.label} on the server is ${total} bytes, but ${job.size} bytes are pinned; not downloading it.`,
    );
  }

  const resumedFrom = have;
  const expected = job.size ?? total ?? 0;
  let received = have;
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!job.onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    job.onProgress(received, expected);
  };
  report(true);

  // Written chunk by chunk and awaited, so the partial on disk is always a prefix of the file.
  const handle = await fs.open(job.partialPath, append ? 'a' : 'w');
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        await handle.write(chunk);
        received += chunk.byteLength;
        stall.alive(received);
        report(false);
      }
    }
  } catch (error) {
    if (job.signal?.aborted) throw cancelledError();
    throw new RetryableError(`the connection broke after ${received} bytes (${describeNetworkError(error)})`);
  } finally {
    await handle.close();
  }
  report(true);
  if (total !== null && received < total) {
    throw new RetryableError(`the connection ended after ${received} of ${total} bytes`);
  }
  return resumedFrom;
}

/** Redirects followed before giving up: the Hub sends weights one hop away, to its CDN. */
const MAX_REDIRECTS = 10;

/**
 * GET `job.url`, following redirects by hand: the token goes with requests to the Hub's own
 * origin and is dropped on the way to any other (the CDN that serves weights), as huggingface_hub
 * does; the Range header goes everywhere. A host that cannot be reached fails at once (an
 * EngineError, no retries); other network failures are a RetryableError.
 */
async function fetchFollowing(job: FileDownload, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  const hubOrigin = hubBaseUrl();
  const dispatcher = hubDispatcher(job.access?.proxy);
  let url = job.url;
  for (let hop = 0; ; hop++) {
    const token = tokenFor(url, hubOrigin, job.access);
    const hopHeaders = token ? { ...headers, authorization: `Bearer ${token}` } : headers;
    let response: Response;
    try {
      response = await fetch(url, { headers: hopHeaders, signal, redirect: 'manual', dispatcher });
    } catch (error) {
      if (job.signal?.aborted) throw cancelledError();
      if (isUnreachable(error)) throw unreachableError(job, url, error);
      throw new RetryableError(describeNetworkError(error));
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new EngineError('download-failed', `Could not download ${job.label}: more than ${MAX_REDIRECTS} redirects.`);
    url = new URL(location, url).toString();
  }
}

/** Offline, no DNS, nothing listening, no route, or a proxy that cannot get through: said once, at once. */
function unreachableError(job: FileDownload, url: string, error: unknown): EngineError {
  const host = new URL(url).host;
  const proxy = proxyFor(url, job.access?.proxy);
  const through = proxy ? ` through the proxy ${proxy}` : '';
  const check = proxy ? 'the network connection and the proxy settings' : 'the network connection (or the proxy settings, if a proxy is needed)';
  return new EngineError(
    'download-failed',
    `Could not reach ${host}${through} to download ${job.label} (${describeNetworkError(error)}). Check ${check}, then retry.`,
    { cause: error },
  );
}

/** Undefined when the partial is the pinned file; otherwise what differs. Logs what is not pinned. */
async function verify(job: FileDownload): Promise<string | undefined> {
  const size = await fileSize(job.partialPath);
  if (job.size !== null && size !== job.size) return `expected ${job.size} bytes, got ${size}`;
  const actual = await sha256File(job.partialPath);
  if (job.sha256 !== null) {
    if (actual !== job.sha256.toLowerCase()) return `expected sha256 ${job.sha256}, got ${actual}`;
    return undefined;
  }
  const checked = job.size === null ? 'neither its size nor its sha256 is pinned' : 'only its size is pinned';
  job.log.warn(`${job.label} is unpinned (${checked}); accepted ${size} bytes with sha256 ${actual}.`);
  return undefined;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function statusError(job: FileDownload, status: number): Error {
  if (status === 404) return new HubFileNotFoundError(job.label, job.url);
  if (status === 401 || status === 403) {
    const why = tokenFor(job.url, hubBaseUrl(), job.access)
      ? 'the Hugging Face token given has no access to it (accept the model\'s terms on its Hub page, or use a token that can read it)'
      : 'the repo may be private or gated: give a Hugging Face token with access to it (in VS Code "Text Analytics: Set Hugging Face Token…", for the CLI the HF_TOKEN variable)';
    return new EngineError('download-failed', `The Hub refused ${job.label} (HTTP ${status}): ${why}.`);
  }
  if (status === 429 || status >= 500) return new RetryableError(`the server answered HTTP ${status}`);
  return new EngineError('download-failed', `Could not download ${job.label}: HTTP ${status} from ${job.url}.`);
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function parseContentRange(header: string | null): { start: number; total: number | null } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}

function contentRangeTotal(header: string | null): number | null {
  const match = /\/(\d+)$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : null;
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 0;
    throw error;
  }
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** Waits `ms`; a fired signal ends the wait with a `cancelled` EngineError. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw cancelledError();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The download lock: one file created exclusively, holding who owns it. The owner touches it
// while it works; a lock whose process is gone (same host) or which nobody touched for
// `lockStaleMs` is taken over.

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

export interface DownloadLock {
  /** False when another process took the lock over (it thought this one dead). */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export async function acquireLock(
  lockPath: string,
  ctx: { what: string; signal?: AbortSignal; log: Logger; tuning?: Partial<DownloadTuning> },
): Promise<DownloadLock> {
  const tuning = { ...DEFAULT_TUNING, ...ctx.tuning };
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  let toldWaiting = false;
  for (;;) {
    throwIfCancelled(ctx.signal);
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), token: randomBytes(12).toString('hex') };
    try {
      await fs.writeFile(lockPath, JSON.stringify(owner), { flag: 'wx' });
      return heldLock(lockPath, owner.token, tuning.lockHeartbeatMs);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }

    const current = await readLock(lockPath);
    if (current === undefined) continue; // released meanwhile
    const staleReason = whyStale(current, tuning.lockStaleMs);
    if (staleReason) {
      ctx.log.warn(`Taking over the download lock of ${ctx.what}: ${staleReason}.`);
      await breakLock(lockPath, current.raw);
      continue;
    }
    if (!toldWaiting) {
      const who = current.owner ? `process ${current.owner.pid} on ${current.owner.host}` : 'another process';
      ctx.log.info(`Waiting for ${who}, which is downloading ${ctx.what}.`);
      toldWaiting = true;
    }
    await sleep(tuning.lockPollMs, ctx.signal);
  }
}

function heldLock(lockPath: string, token: string, heartbeatMs: number): DownloadLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  const isHeld = async () => (await readLock(lockPath))?.owner?.token === token;
  let released = false;
  return {
    isHeld,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      if (await isHeld()) await fs.rm(lockPath, { force: true });
    },
  };
}

async function readLock(lockPath: string): Promise<{ raw: string; owner?: LockOwner; ageMs: number } | undefined> {
  try {
    const [raw, stat] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(raw) as LockOwner;
    } catch {
      owner = undefined; // being written right now, or garbage; only age can tell
    }
    return { raw, owner, ageMs: Date.now() - stat.mtimeMs };
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function whyStale(lock: { owner?: LockOwner; ageMs: number }, staleMs: number): string | undefined {
  const { owner } = lock;
  if (owner && owner.host === os.hostname() && !processAlive(owner.pid)) {
    return `process ${owner.pid}, which held it, is gone`;
  }
  if (lock.ageMs > staleMs) return `nobody has touched it for ${Math.round(lock.ageMs / 1000)} s`;
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM'); // exists, but is not ours to signal
  }
}

/**
 * Removes a stale lock without removing a fresh one by mistake: the lock is moved aside (atomic,
 * so only one of several waiters gets it) and, if what was moved is not the stale lock that was
 * read, it is put back unless someone has locked again meanwhile.
 */
async function breakLock(lockPath: string, staleRaw: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  try {
    const moved = await fs.readFile(aside, 'utf8');
    if (moved !== staleRaw) await fs.link(aside, lockPath).catch(() => undefined);
  } finally {
    await fs.rm(aside, { force: true });
  }
}
