/**
 * The server's one inference worker (dist/worker.js, through src/client/workerClient.ts), started
 * on the first request and disposed on shutdown: the language server itself never loads
 * onnxruntime, and its event loop only reads messages. Changing the engine options (models,
 * device, downloads) restarts a running worker; requests under way then fail as cancelled.
 * Telemetry: WorkerClient forks the worker with ORT_DISABLE_TELEMETRY=1 in its environment
 * (src/engine/telemetry.ts says why), and main.ts sets it in this process too.
 */
import { isDeepStrictEqual } from 'node:util';
import { WorkerClient, type RequestOptions } from '../client/workerClient';
import type { EngineOptions, Method, Methods } from '../protocol';

export type LogLevel = 'info' | 'warn' | 'error';

export class ServerWorker {
  private client?: WorkerClient;
  private disposed = false;

  constructor(
    private readonly workerPath: string,
    private engineOptions: EngineOptions,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {}

  request<M extends Method>(method: M, params: Methods[M]['params'], options: RequestOptions = {}): Promise<Methods[M]['result']> {
    if (!this.client && !this.disposed) this.client = new WorkerClient({ workerPath: this.workerPath, engineOptions: this.engineOptions, log: this.log });
    if (!this.client) return Promise.reject(new Error('The language server is shutting down.'));
    return this.client.request(method, params, options);
  }

  /** New engine options: true when they differ (a running worker restarts with them). */
  configure(engineOptions: EngineOptions): boolean {
    if (isDeepStrictEqual(engineOptions, this.engineOptions)) return false;
    this.engineOptions = engineOptions;
    this.client?.reconfigure(engineOptions).catch((error: unknown) => this.log('error', `Restarting the inference worker failed: ${error instanceof Error ? error.message : String(error)}`));
    return true;
  }

  dispose(): void {
    this.disposed = true;
    this.client?.dispose();
    this.client = undefined;
  }
}
