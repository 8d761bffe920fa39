/**
 * `text-analytics batch … --queue redis://HOST:PORT/NAME`, `worker` and `collect`: a batch run
 * spread over many machines through a BullMQ queue on Redis (an existing, well-kept distributed
 * engine, not a home-made one). This module is the Redis side; it knows documents, requests and
 * outcomes but not the engine (src/cliQueue.ts gives the worker its engine processes).
 *
 * What lives in Redis for a job NAME:
 * - the BullMQ queue NAME (`bull:NAME:*`): a job per group of consecutive documents with text (up
 *   to GROUP_DOCUMENTS of them and GROUP_CHARS of text; a longer document alone), each carrying
 *   the task, the request (its options and the text) and the engine settings (models, precision).
 *   A job's own cost in Redis and in the worker is then shared by the short documents of a group;
 * - `text-analytics:NAME:job`: what the job is (task, inputs, options, models) and whether every
 *   document is queued, with their number;
 * - `text-analytics:NAME:order`: a hash from each document's sequence number (the inputs' order)
 *   to its id, source, date, result key and job — or, for a document that has no text, its error;
 * - `text-analytics:NAME:results`: a hash from result key to the outcome (`{"result":…}` or
 *   `{"error":…}`), written by the worker before BullMQ marks the job done.
 *
 * Delivery is at least once (a worker killed after writing a result and before completing its job
 * has the job done again), so results are idempotent: a document's result key is a hash of its
 * id, its text's hash, the task, its options and the models, and a job's id is a hash of its
 * documents' keys. Writing the same outcome under the same key twice leaves one result; a job
 * taken again skips the documents whose result is stored; queueing the same documents twice adds
 * no second job (BullMQ ignores a job id it holds) and none for a document whose result is stored.
 * `collect` writes one line per sequence number, so every document exactly once, in the inputs'
 * order, in the local batch's format.
 *
 * @example
 * const target = parseQueueUrl('redis://10.0.0.5:6379/reviews');
 * const redis = await connect(target, 'client');
 * await enqueue(redis, target, { task: 'sentiment', documents, request: (d) => params, … });
 * await collect(redis, target, { out: 'results.jsonl', wait: true });
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Job, Queue, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BatchDocument } from './inputs';
import { listsAsArrays } from './run';

/** Where the queue is: one Redis server, one job name. */
export interface QueueTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The job's (BullMQ queue's) name. */
  name: string;
  /** The URL as it may be printed: the password left out. */
  shown: string;
}

/** A --queue URL that cannot be read: a usage error (exit 2). */
export class QueueUrlError extends Error {}

/** Redis cannot be reached, the job is not there, or differs: one line, exit 1. */
export class QueueError extends Error {}

/** What a queued document carries to the worker. */
export interface QueuedDocument {
  /** The result key (also the BullMQ job id). */
  key: string;
  task: string;
  /** The request the local batch makes for the document: its options and its text. */
  request: Record<string, unknown>;
  /** What the engine must load (models, precision): the same for every document of a job. */
  engine: Record<string, unknown>;
}

/** What a BullMQ job carries: consecutive documents of the inputs, done one after another. */
export interface QueuedGroup {
  documents: QueuedDocument[];
}

/** A document's result (what `TASK --json` prints) or why there is none. */
export type Outcome = { result: unknown } | { error: string };

const DEFAULT_PORT = 6379;

/** A BullMQ queue name is part of Redis keys (`bull:NAME:…`): no colons, nothing a shell or a key pattern reads. */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const KEYS_VERSION = 1;

/** How often the first connection is tried before saying Redis cannot be reached. */
const CONNECT_TRIES = 3;

/**
 * A worker renews its jobs' locks every lockDuration / 2; a killed worker renews nothing, and the
 * other workers' stalled-job check, every STALLED_INTERVAL_MS, gives its jobs back to the queue
 * once their locks have run out. BullMQ's defaults (30 s each) leave a killed worker's documents
 * waiting up to a minute; documents take a second or so, and the lock is renewed by a timer in
 * the worker's main process, which only waits on its engine processes, so a short lock is not lost
 * by a busy worker: recovery takes at most 8 + 4 = 12 seconds.
 */
const LOCK_DURATION_MS = 8_000;
const STALLED_INTERVAL_MS = 4_000;
/**
 * Times a document may be given back after its worker died before it is given up as failed (its
 * line then carries the reason): a document that kills every worker it meets must not take the
 * cluster down one machine after another.
 */
const MAX_STALLED_COUNT = 3;

/** Documents handled per round trip when queueing and collecting. */
const CHUNK = 500;

/**
 * A job holds up to this many documents and this much text (a longer document is a job alone): a
 * job costs BullMQ two scripts and the worker a result write, which on short reviews (a sentence
 * or two each) cost more than a third of a run when every document was a job of its own, and a
 * job of 16 reviews still takes well under a second, inside its lock.
 */
const GROUP_DOCUMENTS = 16;
const GROUP_CHARS = 4_000;

/** How often `collect` looks for new results. */
const POLL_MS = 500;

/** `redis://[user:password@]HOST[:PORT]/NAME`: the server and the job's name (not a database number). */
export function parseQueueUrl(url: string): QueueTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueUrlError(`--queue must be a URL such as redis://HOST:PORT/NAME, not ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol === 'rediss:') throw new QueueUrlError('--queue: rediss:// (Redis over TLS) is not supported: give redis://HOST:PORT/NAME on a private network or through a tunnel.');
  if (parsed.protocol !== 'redis:') throw new QueueUrlError(`--queue must be a redis:// URL (redis://HOST:PORT/NAME), not ${parsed.protocol}//…`);
  if (parsed.hostname === '') throw new QueueUrlError('--queue: give the Redis server in the URL: redis://HOST:PORT/NAME.');
  if (parsed.search !== '' || parsed.hash !== '') throw new QueueUrlError('--queue: the URL takes no ?query or #fragment: redis://HOST:PORT/NAME.');
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (name === '') throw new QueueUrlError('--queue: name the job after the address: redis://HOST:PORT/NAME (letters, digits, . _ -).');
  if (!JOB_NAME.test(name)) throw new QueueUrlError(`--queue: the job name ${JSON.stringify(name)} may have only letters, digits, . _ and - (at most 100, a letter or digit first).`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  const username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  const credentials = username !== undefined || password !== undefined ? `${parsed.username}${password !== undefined ? ':***' : ''}@` : '';
  return { host, port, username, password, name, shown: `redis://${credentials}${parsed.host}/${name}` };
}

/**
 * A connection to the target's server, and only to it (no sentinels, no cluster discovery), tried
 * a few times before giving up with one line. A worker's connection then rides out a Redis restart
 * (BullMQ's workers need commands to wait through reconnection); the command line's (`client`)
 * gives up after a few tries, so `batch --queue` and `collect` end instead of hanging.
 */
export async function connect(target: QueueTarget, mode: 'worker' | 'client'): Promise<Redis> {
  let ready = false;
  const redis = new Redis({
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    db: 0,
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => {
      if (!ready) return times < CONNECT_TRIES ? 300 : null;
      return mode === 'client' && times > 10 ? null : Math.min(times * 200, 2_000);
    },
  });
  let last: unknown;
  // Every failure is said once, by what follows; without a listener ioredis prints each one.
  redis.on('error', (error: unknown) => (last = error));
  try {
    await redis.connect();
    await redis.ping();
    ready = true;
    return redis;
  } catch (error) {
    redis.disconnect();
    const why = reason(last ?? error);
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(why)) {
      throw new QueueError(`Redis at ${target.host}:${target.port} refused the credentials (${why}): give them in the URL, redis://USER:PASSWORD@HOST:PORT/NAME.`);
    }
    throw new QueueError(`Cannot reach Redis at ${target.host}:${target.port} (${why}): start it, or give --queue the address of a running one.`);
  }
}

/** Wraps a failed Redis command in one line that names the server. */
export function redisTrouble(target: QueueTarget, error: unknown): Error {
  if (error instanceof QueueError || error instanceof QueueUrlError) return error;
  return new QueueError(`Redis at ${target.host}:${target.port} failed: ${reason(error)}.`);
}

const keys = (target: QueueTarget) => ({
  job: `text-analytics:${target.name}:job`,
  order: `text-analytics:${target.name}:order`,
  results: `text-analytics:${target.name}:results`,
});

interface JobRecord {
  version: number;
  task: string;
  /** What must be the same for a second `batch --queue` to add to this job (inputs, options, models…). */
  description: Record<string, unknown>;
  /** Every document is in the order hash. */
  queued: boolean;
  total?: number;
}

/** One sequence number's entry: the document and its result key, or why it has no text. */
interface OrderEntry {
  id: string;
  source: string;
  date?: string;
  key?: string;
  /** The BullMQ job the document is in. */
  job?: string;
  error?: string;
}

export interface EnqueueOptions {
  task: string;
  description: Record<string, unknown>;
  engine: Record<string, unknown>;
  documents: AsyncIterable<BatchDocument>;
  /** The request for a document, without its text. */
  request(document: BatchDocument): Record<string, unknown>;
  signal?: AbortSignal;
}

export interface EnqueueSummary {
  total: number;
  /** Documents put on the queue (or already waiting there from an earlier `batch --queue`). */
  queued: number;
  /** Documents whose result was stored by an earlier run: not queued again. */
  done: number;
  /** Documents with no text (binary, blank, no such field…): their error line is stored. */
  errors: number;
  stopped: boolean;
}

/** Puts every document on the queue, in order; returns once they are all there. */
export async function enqueue(redis: Redis, target: QueueTarget, options: EnqueueOptions): Promise<EnqueueSummary> {
  const k = keys(target);
  const record: JobRecord = { version: KEYS_VERSION, task: options.task, description: options.description, queued: false };
  const created = await redis.set(k.job, JSON.stringify(record), 'NX');
  if (created === null) {
    const earlier = readRecord(target, await redis.get(k.job));
    const differs = Object.keys({ ...earlier.description, ...options.description }).filter((key) => JSON.stringify(earlier.description[key]) !== JSON.stringify(options.description[key]));
    if (differs.length > 0) {
      throw new QueueError(`${target.shown} already holds a job with other ${differs.join(', ')}: give the job another NAME, or collect that one.`);
    }
  }
  const queue = new Queue(target.name, { connection: redis });
  queue.on('error', () => undefined); // its commands' failures reach us as rejections
  const summary: EnqueueSummary = { total: 0, queued: 0, done: 0, errors: 0, stopped: false };
  try {
    let chunk: Array<{ seq: number; document: BatchDocument }> = [];
    const flush = async () => {
      await enqueueChunk(redis, queue, k, options, chunk, summary);
      chunk = [];
    };
    for await (const document of options.documents) {
      if (options.signal?.aborted) {
        summary.stopped = true;
        break;
      }
      chunk.push({ seq: summary.total++, document });
      if (chunk.length === CHUNK) await flush();
    }
    await flush();
    if (!summary.stopped) await redis.set(k.job, JSON.stringify({ ...record, queued: true, total: summary.total }));
    return summary;
  } finally {
    await queue.close();
  }
}

async function enqueueChunk(redis: Redis, queue: Queue, k: ReturnType<typeof keys>, options: EnqueueOptions, chunk: Array<{ seq: number; document: BatchDocument }>, summary: EnqueueSummary): Promise<void> {
  if (chunk.length === 0) return;
  const entries = chunk.map(({ seq, document }) => {
    const entry: OrderEntry = { id: document.id, source: document.source, ...(document.date !== undefined ? { date: document.date } : {}) };
    if (document.text === undefined) return { seq, entry: { ...entry, error: document.error ?? 'no text' } };
    const request = options.request(document);
    const key = resultKey([document.id, sha256(document.text), options.task, request, options.engine]);
    const data: QueuedDocument = { key, task: options.task, request: { ...request, text: document.text }, engine: options.engine };
    return { seq, entry: { ...entry, key }, data };
  });
  const withText = entries.filter((e) => e.data !== undefined);
  const stored = withText.length > 0 ? await redis.hmget(k.results, ...withText.map((e) => e.entry.key as string)) : [];
  const fresh = withText.filter((_, i) => stored[i] === null);
  const groups = groupConsecutive(fresh, (e) => (e.data as QueuedDocument).request.text as string);
  for (const group of groups) {
    const job = resultKey(group.map((e) => e.entry.key));
    for (const e of group) e.entry.job = job;
  }
  if (groups.length > 0) {
    // A job id BullMQ already holds (waiting, active, failed) is not added again.
    await queue.addBulk(
      groups.map((group) => ({
        name: 'documents',
        data: { documents: group.map((e) => e.data as QueuedDocument) } satisfies QueuedGroup,
        opts: { jobId: group[0].entry.job, removeOnComplete: true, removeOnFail: false },
      })),
    );
  }
  // The order after the jobs: a document in the order always has its job or its result.
  await redis.hset(k.order, Object.fromEntries(entries.map((e) => [String(e.seq), JSON.stringify(e.entry)])));
  summary.queued += fresh.length;
  summary.done += withText.length - fresh.length;
  summary.errors += entries.length - withText.length;
}

/** Consecutive items in groups of at most GROUP_DOCUMENTS and GROUP_CHARS of text (an item longer than that alone). */
function groupConsecutive<T>(items: T[], text: (item: T) => string): T[][] {
  const groups: T[][] = [];
  let chars = 0;
  for (const item of items) {
    const length = text(item).length;
    const last = groups.at(-1);
    if (last === undefined || last.length === GROUP_DOCUMENTS || chars + length > GROUP_CHARS) {
      groups.push([item]);
      chars = length;
    } else {
      last.push(item);
      chars += length;
    }
  }
  return groups;
}

/** `d` and 40 hex digits: BullMQ refuses a custom job id that reads as a whole number. */
function resultKey(parts: unknown[]): string {
  return `d${sha256(JSON.stringify(parts)).slice(0, 40)}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface WorkOptions {
  /** Documents in hand at once. */
  concurrency: number;
  /** Stored on each job this worker takes (BullMQ's `processedBy`): which machine and process. */
  workerName: string;
  /**
   * A document through the engine: its outcome, or undefined when `signal` stopped it (the job
   * is given back). A throw is this machine's trouble (a model missing), not the document's: the
   * job is given back and the worker stops with that error.
   */
  analyse(document: QueuedDocument, signal: AbortSignal): Promise<Outcome | undefined>;
  /** Ctrl-C: give back the documents in hand and stop. */
  signal: AbortSignal;
  onDone?(count: number): void;
  /** A Redis trouble the worker rides out (it reconnects), in one line. */
  onWarning?(message: string): void;
}

export interface WorkSummary {
  done: number;
  /** Why the worker stopped by itself. */
  failure?: unknown;
}

/** Takes documents from the queue until `signal` or a failure stops it. */
export async function work(redis: Redis, target: QueueTarget, options: WorkOptions): Promise<WorkSummary> {
  const k = keys(target);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) stop.abort();
  const summary: WorkSummary = { done: 0 };
  const worker = new Worker<QueuedGroup>(
    target.name,
    async (job, token) => {
      const { documents } = job.data;
      // Taken again after a worker died on it: what that worker stored is not done twice.
      const stored = await redis.hmget(k.results, ...documents.map((document) => document.key));
      let left = documents.filter((_, i) => stored[i] === null);
      // A worker died on this job: its documents from the last, so that if one of them kills every
      // worker, the others of its group are done before BullMQ gives the job up (its line then
      // says why), not lost with it.
      if (job.stalledCounter % 2 === 1) left.reverse();
      // One after another, so that a worker's jobs in hand keep as many documents in its engines
      // as its concurrency, as the local batch does.
      while (left.length > 0 && !stop.signal.aborted) {
        let outcome: Outcome | undefined;
        try {
          outcome = await options.analyse(left[0], stop.signal);
        } catch (error) {
          summary.failure ??= error;
          stop.abort();
        }
        if (outcome === undefined) break;
        // Stored before BullMQ completes the job: killed in between, the job is taken again and
        // skips the documents stored.
        await redis.hset(k.results, left[0].key, JSON.stringify(outcome, listsAsArrays));
        left = left.slice(1);
        options.onDone?.(++summary.done);
      }
      if (left.length > 0) {
        // Given back at once, for another worker, rather than left for the stalled-job check.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    },
    {
      connection: redis,
      name: options.workerName,
      concurrency: options.concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    },
  );
  let lastWarning = '';
  worker.on('error', (error: unknown) => {
    const message = `Redis at ${target.host}:${target.port}: ${reason(error)}`;
    if (message !== lastWarning) options.onWarning?.(message);
    lastWarning = message;
  });
  try {
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    // Waits for the documents in hand, which the stop has given back.
    await worker.close();
  }
  return summary;
}

export interface CollectOptions {
  /** The output (JSON Lines), written whole or not at all. */
  out: string;
  /** Wait until every document has its line; else write what is done now. */
  wait: boolean;
  signal?: AbortSignal;
  /** How far the job is: the documents with their line, of all. */
  progress?(done: number, total: number): void;
}

export interface CollectSummary {
  total: number;
  written: number;
  results: number;
  errors: number;
  /** Documents with no line yet (--no-wait), or the job is still being queued. */
  missing: number;
  /** Every document is queued (false: `batch --queue` is still at work, or was stopped). */
  queued: boolean;
  stopped: boolean;
}

/**
 * Writes a line per document of the job, in the documents' order, once each has its outcome (or
 * at once with `wait: false`, leaving out those without one). A job BullMQ gave up on (its worker
 * died on it too often) gets an error line with BullMQ's reason.
 */
export async function collect(redis: Redis, target: QueueTarget, options: CollectOptions): Promise<CollectSummary> {
  const k = keys(target);
  const raw = await redis.get(k.job);
  if (raw === null) throw new QueueError(`There is no job ${target.name} at ${target.host}:${target.port}: queue one with text-analytics batch INPUT… --task TASK --queue ${target.shown}`);
  let record = readRecord(target, raw);
  const queue = new Queue(target.name, { connection: redis });
  queue.on('error', () => undefined);
  const failed = new Map<string, string>();
  const summary: CollectSummary = { total: 0, written: 0, results: 0, errors: 0, missing: 0, queued: record.queued, stopped: false };
  try {
    // The sequence numbers still without an outcome, with their result keys once read.
    let missing: number[] = [];
    let known = 0;
    const keyOf = new Map<number, Pick<OrderEntry, 'key' | 'job'>>();
    for (;;) {
      if (!record.queued) record = readRecord(target, await redis.get(k.job));
      const total = record.queued ? (record.total ?? 0) : await redis.hlen(k.order);
      for (; known < total; known++) missing.push(known);
      missing = await stillMissing(redis, queue, k, missing, keyOf, failed);
      options.progress?.(total - missing.length, total);
      summary.total = total;
      summary.missing = missing.length;
      summary.queued = record.queued;
      if (!options.wait || (record.queued && missing.length === 0)) break;
      if (options.signal?.aborted) {
        summary.stopped = true;
        return summary;
      }
      await sleep(POLL_MS, options.signal);
    }
    await writeLines(redis, k, record.task, summary, failed, options.out);
    return summary;
  } finally {
    await queue.close();
  }
}

/** Of `seqs`, those whose document has no outcome yet. */
async function stillMissing(redis: Redis, queue: Queue, k: ReturnType<typeof keys>, seqs: number[], keyOf: Map<number, Pick<OrderEntry, 'key' | 'job'>>, failed: Map<string, string>): Promise<number[]> {
  const left: number[] = [];
  let checkFailed: boolean | undefined;
  for (let i = 0; i < seqs.length; i += CHUNK) {
    const part = seqs.slice(i, i + CHUNK);
    const unread = part.filter((seq) => !keyOf.has(seq));
    if (unread.length > 0) {
      const entries = await redis.hmget(k.order, ...unread.map(String));
      unread.forEach((seq, j) => {
        const entry = entries[j] === null ? undefined : (JSON.parse(entries[j] as string) as OrderEntry);
        // Not yet in the order (still being queued): read again next time.
        if (entry !== undefined) keyOf.set(seq, { key: entry.key, job: entry.job });
      });
    }
    const withKeys = part.filter((seq) => keyOf.get(seq)?.key !== undefined);
    const outcomes = withKeys.length > 0 ? await redis.hmget(k.results, ...withKeys.map((seq) => keyOf.get(seq)?.key as string)) : [];
    const pending = new Set(withKeys.filter((_, j) => outcomes[j] === null));
    for (const seq of part) {
      const inOrder = keyOf.has(seq);
      const key = keyOf.get(seq)?.key;
      if (!inOrder || (key !== undefined && pending.has(seq) && !failed.has(key))) left.push(seq);
    }
    // Jobs BullMQ gave up on, looked up only when there are any: their documents still without a
    // result get BullMQ's reason.
    checkFailed ??= ((await queue.getJobCounts('failed')).failed ?? 0) > 0;
    if (checkFailed) {
      const given = new Map<string, string | undefined>();
      for (const seq of [...pending]) {
        const { key, job: id } = keyOf.get(seq) as { key: string; job?: string };
        if (failed.has(key) || id === undefined) continue;
        if (!given.has(id)) {
          const job = await Job.fromId(queue, id);
          given.set(id, job !== undefined && (await job.isFailed()) ? job.failedReason || 'failed' : undefined);
        }
        const why = given.get(id);
        if (why !== undefined) {
          failed.set(key, `the workers gave this document up: ${why}`);
          left.splice(left.indexOf(seq), 1);
        }
      }
    }
  }
  return left;
}

/** The lines of every document that has its outcome, in order, into `out` whole or not at all. */
async function writeLines(redis: Redis, k: ReturnType<typeof keys>, task: string, summary: CollectSummary, failed: Map<string, string>, out: string): Promise<void> {
  const temporary = `${out}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  let open = true;
  try {
    for (let seq = 0; seq < summary.total; seq += CHUNK) {
      const seqs = Array.from({ length: Math.min(CHUNK, summary.total - seq) }, (_, i) => String(seq + i));
      const entries = (await redis.hmget(k.order, ...seqs)).map((e) => (e === null ? undefined : (JSON.parse(e) as OrderEntry)));
      const withKeys = entries.filter((e): e is OrderEntry & { key: string } => e?.key !== undefined);
      const stored = withKeys.length > 0 ? await redis.hmget(k.results, ...withKeys.map((e) => e.key)) : [];
      const outcomes = new Map(withKeys.map((e, i) => [e.key, stored[i]]));
      let text = '';
      for (const entry of entries) {
        if (entry === undefined) continue;
        const line = { id: entry.id, source: entry.source, task, ...(entry.date !== undefined ? { date: entry.date } : {}) };
        let outcome: Outcome | undefined;
        if (entry.key === undefined) outcome = { error: entry.error ?? 'no text' };
        else if (failed.has(entry.key)) outcome = { error: failed.get(entry.key) as string };
        else {
          const value = outcomes.get(entry.key);
          outcome = value === null || value === undefined ? undefined : (JSON.parse(value) as Outcome);
        }
        if (outcome === undefined) continue;
        if ('error' in outcome) summary.errors++;
        else summary.results++;
        summary.written++;
        text += `${JSON.stringify({ ...line, ...outcome })}\n`;
      }
      writeSync(fd, text);
    }
    closeSync(fd);
    open = false;
    renameSync(temporary, out);
  } catch (error) {
    if (open) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

function readRecord(target: QueueTarget, raw: string | null): JobRecord {
  try {
    const record = JSON.parse(raw ?? 'null') as JobRecord;
    if (record?.version !== KEYS_VERSION || typeof record.description !== 'object') throw new Error('not a job this version writes');
    return record;
  } catch (error) {
    throw new QueueError(`The job ${target.name} at ${target.host}:${target.port} cannot be read (${reason(error)}): give the job another NAME.`);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim().replace(/\.$/, '');
}
