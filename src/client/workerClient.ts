import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import {
  readWorkerMessage,
  resultProblem,
  ONNXRUNTIME_TELEMETRY_OFF,
  WORKER_OPTIONS_ENV,
  type DeviceInfo,
  type DownloadParams,
  type EngineOptions,
  type ErrorCode,
  type HostMessage,
  type Method,
  type Methods,
  type ModelTrouble,
  type Progress,
  type Task,
  type WorkerActivity,
  type WorkerError,
  type WorkerInfo,
  type WorkerMessage,
} from '../protocol';
import type { EngineStatus } from './status';

/** A request that failed; `code` tells cancellations and crashes apart from real errors. */
export class WorkerRequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
    /** `download-needed`: the task whose model must be downloaded first. */
    readonly task?: Task,
    /** `download-needed` of a model the request named (a classifier's): that model. */
    readonly model?: string,
    /** A model error's parts, for a front end that words its own advice (the command line). */
    readonly trouble?: ModelTrouble,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }

  /** What the worker's error reply says (a request's, or one document's of a `documents` request). */
  static from(error: WorkerError): WorkerRequestError {
    return new WorkerRequestError(error.code, error.message, error.detail, error.task, error.model, error.trouble);
  }
}

export interface WorkerClientOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  engineOptions: EngineOptions;
  /** How long a new worker has to say it is ready. */
  handshakeTimeoutMs?: number;
  /** Crashes tolerated within `crashWindowMs` before the worker stays down. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** Delay before restart number `attempt` (1-based). */
  backoffMs?: (attempt: number) => number;
  /** Node options for the worker process (tests use it to load TypeScript). */
  execArgv?: string[];
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?(progress: Progress): void;
}

interface Pending {
  method: Method;
  /** The `result-part`s received so far, joined with the `result` that follows them. */
  parts?: Array<Record<string, unknown[]>>;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?(progress: Progress): void;
}

/**
 * Two glibc heaps serve all of the worker's threads (onnxruntime's pool, the tokenizer's), so
 * memory freed by one thread is reused by the others instead of each keeping its own. glibc's
 * mmap threshold is left to adapt: forcing blocks of 64 KiB and more onto mmap (as the worker once
 * did, to give an unloaded model's memory back) made every forward pass map, fault in and unmap
 * its activations afresh — sentiment and entities on a 600-word report 5–8× slower in the worker
 * than in one process, once onnxruntime's own arena was off. An unloaded model's memory is given
 * back by `malloc_trim` instead (src/engine/nativeMemory.ts). Other C libraries ignore the variable.
 */
const TWO_HEAPS = { MALLOC_ARENA_MAX: '2' };

/**
 * Spawns and supervises the inference worker: ready handshake with a timeout, requests with ids,
 * cancellation, and restart with backoff after a crash — until crashes come too often, when it
 * stays down and says so until {@link restart} is called. Pure Node, so it is tested without VS Code.
 */
export class WorkerClient {
  private child?: ChildProcess;
  private starting?: Promise<ChildProcess>;
  /** The process behind `starting`, until it says it is ready. */
  private startingChild?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  /** Requests the caller gave up on (cancelled) whose late reply is still to come and is not news. */
  private readonly abandoned = new Set<number>();
  /** Processes stopped on purpose, whose exit is not a crash. */
  private readonly stopping = new Set<ChildProcess>();
  private nextId = 1;
  private crashTimes: number[] = [];
  private restartTimer?: NodeJS.Timeout;
  private stoppedReason?: string;
  private disposed = false;
  private device?: DeviceInfo;
  private activity: WorkerActivity = { kind: 'idle' };
  private currentStatus: EngineStatus = { state: 'stopped' };
  private readonly events = new EventEmitter();
  private lastInfo?: WorkerInfo;
  /** The last download that failed, until one of that model succeeds or a new worker starts (settings changed). */
  private downloadFailure?: { task: Task; message: string };

  constructor(private options: WorkerClientOptions) {}

  get status(): EngineStatus {
    return this.currentStatus;
  }

  /** The worker's self-description from its last handshake. */
  get info(): WorkerInfo | undefined {
    return this.lastInfo;
  }

  /** The worker process id, while one runs (tests kill it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onStatus(listener: (status: EngineStatus) => void): { dispose(): void } {
    this.events.on('status', listener);
    return { dispose: () => this.events.off('status', listener) };
  }

  /** Sends a request, starting the worker first if needed. */
  async request<M extends Method>(method: M, params: Methods[M]['params'], options: RequestOptions = {}): Promise<Methods[M]['result']> {
    if (this.disposed) throw new WorkerRequestError('worker-unavailable', 'The inference worker has been shut down.');
    if (options.signal?.aborted) throw cancelled();
    const child = await this.ensureStarted();
    if (options.signal?.aborted) throw cancelled();
    const id = this.nextId++;
    const reply = new Promise<Methods[M]['result']>((resolve, reject) => {
      const onAbort = () => {
        // Answer the caller at once; the worker stops at its next check and its late reply is dropped.
        if (this.pending.delete(id)) {
          this.abandoned.add(id);
          this.post(child, { type: 'cancel', id });
          this.refreshStatus();
          reject(cancelled());
        }
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        method,
        onProgress: options.onProgress,
        resolve: (result) => {
          settle();
          resolve(result as Methods[M]['result']);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.refreshStatus();
      this.post(child, { type: 'request', id, method, params } as HostMessage);
    });
    if (method === 'download' && !(params as DownloadParams).plan) this.watchDownload((params as DownloadParams).task, reply);
    return reply;
  }

  /** Keeps a failed download in the status (the status bar shows it) until that model downloads. */
  private watchDownload(task: Task, reply: Promise<unknown>): void {
    reply.then(
      () => {
        if (this.downloadFailure?.task !== task) return;
        this.downloadFailure = undefined;
        this.refreshStatus();
      },
      (error: unknown) => {
        if (!(error instanceof WorkerRequestError) || error.code !== 'download-failed') return;
        this.downloadFailure = { task, message: error.message };
        this.refreshStatus();
      },
    );
  }

  /** Stops the worker (if any) and starts a fresh one, forgetting earlier crashes. */
  async restart(engineOptions?: EngineOptions): Promise<void> {
    if (engineOptions) this.options = { ...this.options, engineOptions };
    this.crashTimes = [];
    this.stoppedReason = undefined;
    clearTimeout(this.restartTimer);
    this.stop('The inference worker was restarted; run the command again.');
    await this.ensureStarted();
  }

  /** Changes the engine options; a running worker is restarted to apply them. */
  async reconfigure(engineOptions: EngineOptions): Promise<void> {
    // Options already applied (a command that set a model folder applies it itself, then the
    // settings event arrives) need no restart, which would fail the request that command resumed.
    if (isDeepStrictEqual(engineOptions, this.options.engineOptions)) return;
    this.options = { ...this.options, engineOptions };
    if (this.child || this.starting) await this.restart();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.stop('The inference worker was shut down.');
    this.events.removeAllListeners();
  }

  private ensureStarted(): Promise<ChildProcess> {
    if (this.stoppedReason) return Promise.reject(new WorkerRequestError('worker-unavailable', this.stoppedReason));
    if (this.child) return Promise.resolve(this.child);
    if (!this.starting) {
      // A restart replaces `starting` while the old start is still settling: only clear our own.
      const starting: Promise<ChildProcess> = this.spawn().finally(() => {
        if (this.starting === starting) this.starting = undefined;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  private spawn(): Promise<ChildProcess> {
    clearTimeout(this.restartTimer);
    this.setStatus({ state: 'starting' });
    const child = fork(this.options.workerPath, [], {
      env: { ...process.env, ...TWO_HEAPS, ...ONNXRUNTIME_TELEMETRY_OFF, [WORKER_OPTIONS_ENV]: JSON.stringify(this.options.engineOptions) },
      execArgv: ['--expose-gc', ...(this.options.execArgv ?? [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const logLines = (level: 'info' | 'error') => (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((line) => line.trim())
        .forEach((line) => this.log(level, `[worker] ${line}`));
    child.stdout?.on('data', logLines('info'));
    child.stderr?.on('data', logLines('error'));

    this.startingChild = child;

    return new Promise<ChildProcess>((resolve, reject) => {
      const timeoutMs = this.options.handshakeTimeoutMs ?? 30_000;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.log('error', `The inference worker did not become ready within ${timeoutMs / 1000} s; stopping it.`);
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('message', (value: unknown) => {
        const read = readWorkerMessage(value);
        if (!read.ok) {
          this.onMalformed(child, read.problem, read.id);
          return;
        }
        const message = read.message;
        if (message.type === 'ready') {
          if (this.startingChild !== child) {
            // A worker stopped while starting may still say ready: not news. Any other is a worker bug.
            if (!this.stopping.has(child)) this.log('warn', `Dropped a second "ready" message from inference worker ${child.pid}.`);
            return;
          }
          clearTimeout(timer);
          this.startingChild = undefined;
          this.child = child;
          this.lastInfo = message.info;
          // A new worker has new settings (a local folder, a proxy): an earlier download failure may not stand.
          this.downloadFailure = undefined;
          // What an earlier worker was doing when it died is not what this one is doing.
          this.activity = { kind: 'idle' };
          this.device = message.info.device;
          this.log('info', `Inference worker ${message.info.pid} ready (Node ${message.info.node}, onnxruntime ${message.info.onnxruntime}).`);
          this.refreshStatus();
          resolve(child);
          return;
        }
        // Its log lines are worth keeping from any worker; replies and activity only from the ready
        // one (requests go only to it): what a stopped or starting one says about them is stale.
        if (message.type === 'log' || this.child === child) this.onMessage(message);
      });
      child.on('error', (error) => this.log('error', `Inference worker error: ${error.message}`));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const wasReady = this.child === child;
        if (wasReady) this.child = undefined;
        if (this.startingChild === child) this.startingChild = undefined;
        if (this.disposed || this.stopping.has(child)) {
          this.stopping.delete(child);
          if (!wasReady) reject(new WorkerRequestError('worker-unavailable', 'The inference worker was stopped before it was ready; run the command again.'));
          return;
        }
        const doing = !wasReady ? 'before it was ready' : this.activity.kind === 'loading-model' ? `while loading the ${this.activity.task} model` : 'while working';
        const how = timedOut
          ? `hung before it was ready (no answer within ${timeoutMs / 1000} s)`
          : `${signal ? `was killed (${signal})` : `exited with code ${code}`} ${doing}`;
        const error = this.onCrash(`The inference worker ${how}`);
        if (!wasReady) reject(error);
      });
    });
  }

  /** Stops the running worker and one still starting; their exits are not crashes. */
  private stop(reason: string): void {
    for (const child of [this.child, this.startingChild]) {
      if (!child) continue;
      this.stopping.add(child);
      child.kill();
    }
    this.child = undefined;
    this.startingChild = undefined;
    this.starting = undefined;
    this.abandoned.clear();
    this.rejectAll(new WorkerRequestError('worker-unavailable', reason));
    if (!this.disposed) this.setStatus({ state: 'stopped' });
  }

  /**
   * Counts a crash, fails every pending request with the error it returns, and schedules a
   * restart with backoff — or, after too many crashes in the window, stays down until
   * {@link restart}. `what` says what happened, without a full stop.
   */
  private onCrash(what: string): WorkerRequestError {
    this.abandoned.clear();
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 5 * 60_000;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < window), now];
    const maxCrashes = this.options.maxCrashes ?? 3;
    let error: WorkerRequestError;
    if (this.crashTimes.length > maxCrashes) {
      const crashes = this.crashTimes.length;
      this.stoppedReason = `${what}. It crashed ${crashes} ${crashes === 1 ? 'time' : 'times'} in ${describeDuration(window)} and stays down until restarted: check the logs, then run "Text Analytics: Restart Inference Worker".`;
      error = new WorkerRequestError('worker-crashed', this.stoppedReason);
      this.setStatus({ state: 'error', message: this.stoppedReason, permanent: true });
    } else {
      const attempt = this.crashTimes.length;
      const delay = this.options.backoffMs?.(attempt) ?? Math.min(500 * 2 ** (attempt - 1), 10_000);
      error = new WorkerRequestError('worker-crashed', `${what}; it is being restarted (in ${(delay / 1000).toFixed(1)} s). Run the command again.`);
      this.setStatus({ state: 'error', message: error.message, permanent: false });
      this.restartTimer = setTimeout(() => {
        if (!this.disposed && !this.child) void this.ensureStarted().catch(() => undefined);
      }, delay);
    }
    this.log('error', error.message);
    this.rejectAll(error);
    return error;
  }

  /**
   * A message that failed validation is never acted on. One that would have settled a pending
   * request fails that request (the worker will not answer it again, so dropping it would leave
   * the caller waiting forever); anything else is logged and dropped.
   */
  private onMalformed(child: ChildProcess, problem: string, id: number | undefined): void {
    this.log('warn', `Dropped a malformed message from inference worker ${child.pid}: ${problem}.`);
    if (child === this.child && id !== undefined) this.failMalformed(id, problem);
  }

  private failMalformed(id: number, problem: string): void {
    this.take(id)?.reject(
      new WorkerRequestError(
        'internal',
        'The inference worker sent a reply the extension cannot read, so the request failed. Run the command again; if this repeats, restart the worker ("Text Analytics: Restart Inference Worker") and report it with the logs.',
        problem,
      ),
    );
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'result-part': {
        const pending = this.pending.get(message.id);
        // The parts of a reply to a cancelled request are dropped, and so is the reply after them.
        if (!pending) return this.abandoned.has(message.id) ? undefined : this.unexpectedReply(message.id);
        (pending.parts ??= []).push(message.part);
        break;
      }
      case 'result': {
        const pending = this.pending.get(message.id);
        if (!pending) return this.unexpectedReply(message.id);
        const result = pending.parts ? joinParts(pending.parts, message.result) : message.result;
        const problem = resultProblem(pending.method, result);
        if (problem) {
          this.log('warn', `Dropped a malformed result from the inference worker: ${problem}.`);
          this.failMalformed(message.id, problem);
        } else {
          this.take(message.id)?.resolve(result);
        }
        break;
      }
      case 'error':
        if (!this.pending.has(message.id)) return this.unexpectedReply(message.id);
        this.take(message.id)?.reject(WorkerRequestError.from(message.error));
        break;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.progress);
        break;
      case 'activity':
        this.activity = message.activity;
        if (message.device) this.device = message.device;
        this.refreshStatus();
        break;
      case 'log':
        this.log(message.level, message.message);
        break;
    }
  }

  /** A reply to no pending request: expected after a cancellation, otherwise a worker bug worth a log line. */
  private unexpectedReply(id: number): void {
    if (this.abandoned.delete(id)) return;
    this.log('warn', `Dropped a reply from the inference worker for request ${id}, which is not pending.`);
  }

  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    this.refreshStatus();
    return pending;
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  private refreshStatus(): void {
    if (!this.child) return;
    const activity = this.activity;
    if (activity.kind === 'loading-model') this.setStatus({ state: 'loading-model', task: activity.task, message: activity.message });
    else if (activity.kind === 'downloading') this.setStatus({ state: 'downloading', task: activity.task, received: activity.received, total: activity.total });
    else if (this.pending.size > 0) this.setStatus({ state: 'busy', method: [...this.pending.values()][0].method, device: this.device });
    else if (this.downloadFailure) this.setStatus({ state: 'download-failed', ...this.downloadFailure, device: this.device });
    else this.setStatus({ state: 'ready', device: this.device });
  }

  private setStatus(status: EngineStatus): void {
    this.currentStatus = status;
    this.events.emit('status', status);
  }

  private post(child: ChildProcess, message: HostMessage): void {
    if (child.connected) child.send(message);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }
}

/** A result whose arrays came partly in `result-part` messages: each array with the parts' items first. */
function joinParts(parts: ReadonlyArray<Record<string, unknown[]>>, result: object): object {
  const joined: Record<string, unknown> = { ...result };
  for (const key of new Set(parts.flatMap((part) => Object.keys(part)))) {
    const rest = joined[key];
    joined[key] = [...parts.flatMap((part) => part[key] ?? []), ...(Array.isArray(rest) ? rest : [])];
  }
  return joined;
}

/** "5 minutes", "30 seconds": the crash window as a person reads it. */
function describeDuration(ms: number): string {
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} minutes`;
  const seconds = Math.round(ms / 1000);
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

function cancelled(): WorkerRequestError {
  return new WorkerRequestError('cancelled', 'The request was cancelled.');
}
