/**
 * A stand-in for the Hugging Face Hub on loopback, for tests (and scripts) that download models:
 * point `TEXT_ANALYTICS_HUB_URL` at `hub.url` and the engine's downloader talks to it as it would
 * to huggingface.co. Nothing leaves the machine.
 *
 * It answers the way the Hub does, as far as our client depends on it:
 * - `GET /<owner>/<name>/resolve/<revision>/<path>`, where `revision` is `main` or the repo's
 *   commit ({@link LoopbackHub.commitOf}); other revisions and unknown files are 404 with the
 *   Hub's `X-Error-Code`. Replies carry `X-Repo-Commit` and an `ETag`.
 * - Weights (`.onnx`, LFS files on the Hub) answer 302 to a second origin, the "CDN", as the Hub
 *   sends LFS files to its CDN host, so the client must follow a cross-origin redirect and keep
 *   its Range header across it.
 * - `Range: bytes=N-` gets 206 with `Content-Range`; a start past the end gets 416.
 *
 * Faults are switched on per file with {@link LoopbackHub.inject} and act on the request that
 * serves the bytes (for weights: the CDN's). Each TCP connection is really cut, stalled or
 * delayed, so the client sees what it would see from a bad network.
 *
 * @example
 * const hub = await startLoopbackHub({ 'owner/model': { 'config.json': Buffer.from('{}'), 'onnx/model.onnx': weights } });
 * process.env.TEXT_ANALYTICS_HUB_URL = hub.url;
 * hub.inject('onnx/model.onnx', { cutAfter: 1000 });        // the first request breaks after 1000 bytes
 * hub.inject('config.json', { status: 503 }, { times: 2 });  // the next two answer 503
 * // … download …
 * hub.requestsFor('onnx/model.onnx').map((r) => r.range);   // [undefined, 'bytes=1000-']
 * await hub.close();
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HUB_URL_ENV } from '../../src/engine/download';

/** How long after the last byte of a `cutAfter` fault the connection is cut. */
export const CUT_AFTER_MS = 100;

/** Files of one repo: path relative to the repo root (with `/`) → contents. */
export type HubRepoFiles = Record<string, Buffer>;

/** Every file of a model folder (a fixture model, say), as the Hub would serve it as a repo. */
export function folderFiles(dir: string): HubRepoFiles {
  const files: HubRepoFiles = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files[full.slice(dir.length + 1).split('\\').join('/')] = readFileSync(full);
  }
  return files;
}

/** What goes wrong with one request. Several fields combine: delay first, then the rest. */
export interface HubFault {
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer nothing until this settles (e.g. until another process is seen waiting). */
  holdUntil?: Promise<unknown>;
  /** Answer with this status (500, 503, 429, 403 …) and no file. */
  status?: number;
  /**
   * Send this many bytes of the body, then cut the TCP connection ({@link CUT_AFTER_MS} later, as
   * a network that drops does: a client reading a body stream loses what it had not read yet
   * when the stream errors, so an instant cut would test the client's reading speed instead).
   */
  cutAfter?: number;
  /** Send this many bytes of the body, then go quiet until the hub is closed. */
  stallAfter?: number;
  /** Send bytes of the right length but the wrong contents (one byte flipped in the middle). */
  wrongBytes?: boolean;
  /** Answer a Range request with the whole file (200), as some servers and proxies do. */
  ignoreRange?: boolean;
}

/** Which requests a fault applies to: a file path, a pattern of paths, or a test of the request. */
export type HubFileMatch = string | RegExp | ((request: HubRequest) => boolean);

export interface HubRequest {
  repo: string;
  revision: string;
  /** The file, relative to the repo root. */
  file: string;
  /** The Range header, if any. */
  range?: string;
  /** Served by the CDN origin, after the Hub's redirect. */
  cdn: boolean;
  /** The Authorization header, if any (a token must reach the Hub and nothing else). */
  authorization?: string;
  /** The fault this request met, if any. */
  fault?: HubFault;
}

export interface LoopbackHub {
  /** The Hub's base address, for `TEXT_ANALYTICS_HUB_URL`. */
  readonly url: string;
  /** The CDN origin that weights are redirected to. */
  readonly cdnUrl: string;
  /** Every request that was answered with a file or a fault (redirects are not counted), in order. */
  readonly requests: HubRequest[];
  /** TCP connections accepted by either origin: 0 proves nobody tried to reach the Hub. */
  readonly connections: number;
  /** Body bytes sent, over all requests. */
  readonly bytesSent: number;
  /**
   * Makes the next `times` (default 1; `Infinity` for all) requests matching `match` meet
   * `fault`. Faults are used in the order they were injected.
   */
  inject(match: HubFileMatch, fault: HubFault, options?: { times?: number }): void;
  /** The requests for one file, in order. */
  requestsFor(file: string, repo?: string): HubRequest[];
  /** The commit hash the repo is at: a revision served besides `main`. */
  commitOf(repo: string): string;
  /** Stops both origins, cutting open connections; idempotent. */
  close(): Promise<void>;
}

interface Injected {
  match: HubFileMatch;
  fault: HubFault;
  left: number;
}

/** Starts the Hub and its CDN on 127.0.0.1, on free ports. */
export async function startLoopbackHub(repos: Record<string, HubRepoFiles>): Promise<LoopbackHub> {
  const injected: Injected[] = [];
  const requests: HubRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let bytesSent = 0;
  const commitOf = (repo: string) => createHash('sha1').update(`loopback-hub:${repo}`).digest('hex');

  const takeFault = (request: HubRequest): HubFault | undefined => {
    const found = injected.find((i) => i.left > 0 && matches(i.match, request));
    if (!found) return undefined;
    found.left -= 1;
    return found.fault;
  };

  const origins = { hub: '', cdn: '' };
  const handle = (cdn: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const match = cdn
      ? /^\/repos\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname)
      : /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return notFound(res, 'EntryNotFound');
    const [repo, revision, file] = [match[1], decodeURIComponent(match[2]), match[3].split('/').map(decodeURIComponent).join('/')];
    const files = repos[repo];
    if (!files) return notFound(res, 'RepoNotFound');
    if (revision !== 'main' && revision !== commitOf(repo)) return notFound(res, 'RevisionNotFound');
    const data = files[file];
    if (!data) return notFound(res, 'EntryNotFound');
    const commit = commitOf(repo);
    const etag = `"${createHash('sha256').update(data).digest('hex')}"`;

    if (!cdn && /\.onnx(_data)?$/.test(file)) {
      const location = `${origins.cdn}/repos/${repo}/${commit}/${match[3]}?expires=${Date.now() + 3_600_000}`;
      res.writeHead(302, { location, 'x-repo-commit': commit, 'x-linked-etag': etag, 'x-linked-size': data.length });
      return void res.end();
    }

    const request: HubRequest = {
      repo,
      revision,
      file,
      cdn,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    const fault = takeFault(request);
    if (fault) request.fault = fault;
    requests.push(request);
    void answer(req, res, data, fault ?? {}, { 'x-repo-commit': commit, etag, 'accept-ranges': 'bytes' }, (n) => (bytesSent += n));
  };

  const listen = async (cdn: boolean) => {
    const server = http.createServer(handle(cdn));
    server.on('connection', (socket: Socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const hub = await listen(false);
  const cdn = await listen(true);
  origins.hub = hub.url;
  origins.cdn = cdn.url;

  let closing: Promise<void> | undefined;
  return {
    url: hub.url,
    cdnUrl: cdn.url,
    requests,
    get connections() {
      return connections;
    },
    get bytesSent() {
      return bytesSent;
    },
    inject(match, fault, options = {}) {
      injected.push({ match, fault, left: options.times ?? 1 });
    },
    requestsFor: (file, repo) => requests.filter((r) => r.file === file && (repo === undefined || r.repo === repo)),
    commitOf,
    close() {
      closing ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await Promise.all([hub.server, cdn.server].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      })();
      return closing;
    },
  };
}

/** Sends `data` (or the requested range of it) as `fault` says. */
async function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  data: Buffer,
  fault: HubFault,
  headers: http.OutgoingHttpHeaders,
  counted: (bytes: number) => void,
): Promise<void> {
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.holdUntil) await fault.holdUntil.catch(() => undefined);
  if (res.destroyed) return;
  if (fault.status) return void res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`HTTP ${fault.status} from the loopback hub`);

  let body = data;
  if (fault.wrongBytes && data.length > 0) {
    body = Buffer.from(data);
    body[body.length >> 1] ^= 0xff;
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && !fault.ignoreRange) {
    const start = Number(range[1]);
    if (start >= body.length) return void res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` }).end();
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
    body = body.subarray(start);
  } else {
    res.writeHead(200, { ...headers, 'content-length': body.length });
  }

  const partial = fault.cutAfter ?? fault.stallAfter;
  if (partial === undefined) {
    counted(body.length);
    return void res.end(body);
  }
  const sent = body.subarray(0, partial);
  counted(sent.length);
  // Once the bytes are on their way, a cut destroys the socket: the client sees the body end early.
  res.write(sent, () => {
    if (fault.cutAfter !== undefined) setTimeout(() => res.socket?.destroy(), CUT_AFTER_MS);
  });
}

function notFound(res: http.ServerResponse, code: 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound'): void {
  res.writeHead(404, { 'x-error-code': code, 'content-type': 'text/plain' }).end(`${code} (loopback hub)`);
}

function matches(match: HubFileMatch, request: HubRequest): boolean {
  if (typeof match === 'string') return request.file === match;
  if (match instanceof RegExp) return match.test(request.file);
  return match(request);
}

/**
 * {@link startLoopbackHub} for one test: the downloader is pointed at it (`TEXT_ANALYTICS_HUB_URL`)
 * until the test ends, when the old address comes back and the server stops.
 */
export async function startTestHub(t: { after(fn: () => Promise<void>): void }, repos: Record<string, HubRepoFiles>): Promise<LoopbackHub> {
  const hub = await startLoopbackHub(repos);
  const previous = process.env[HUB_URL_ENV];
  process.env[HUB_URL_ENV] = hub.url;
  t.after(async () => {
    if (previous === undefined) delete process.env[HUB_URL_ENV];
    else process.env[HUB_URL_ENV] = previous;
    await hub.close();
  });
  return hub;
}
