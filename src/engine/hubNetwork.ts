/**
 * How the downloader reaches the Hub: through the proxy the user configured (VS Code's
 * `http.proxy`, `http.noProxy`, `http.proxyStrictSSL`, passed in the engine options) or the usual
 * environment variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, lower-case too), and with the
 * user's Hugging Face token on the Hub's own requests only. Pure Node: undici's
 * `EnvHttpProxyAgent` does the proxying (CONNECT tunnels, `NO_PROXY` matching); this module only
 * decides which settings it gets and which requests carry the token.
 */
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { ProxySettings } from '../protocol';

/** The environment variable the CLI (and a worker whose user set no token) reads the token from, as huggingface_hub does. */
export const HF_TOKEN_ENV = 'HF_TOKEN';

/** What a download needs to reach the Hub besides the address. */
export interface HubAccess {
  /** VS Code's proxy settings; absent or empty: the environment's. */
  proxy?: ProxySettings;
  /** A Hugging Face access token, for gated or private repos. Never logged. */
  token?: string;
}

/** The proxies that apply, after the settings and the environment are combined. */
export interface EffectiveProxy {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma-separated, as `NO_PROXY` is written. */
  noProxy?: string;
  /** False only when the user turned certificate checks off (`http.proxyStrictSSL: false`). */
  strictSSL: boolean;
}

/**
 * VS Code's `http.proxy` wins over the environment for both schemes, as in VS Code itself; its
 * `http.noProxy` wins over `NO_PROXY` when it lists anything. Without settings the environment
 * decides, lower-case names first (curl's and undici's order).
 */
export function effectiveProxy(settings: ProxySettings | undefined, env: NodeJS.ProcessEnv = process.env): EffectiveProxy {
  const fromEnv = (name: string) => (env[name.toLowerCase()] || env[name.toUpperCase()] || '').trim() || undefined;
  const configured = settings?.url?.trim() || undefined;
  const listed = (settings?.noProxy ?? []).map((entry) => entry.trim()).filter(Boolean);
  const httpProxy = configured ?? fromEnv('http_proxy');
  return {
    httpProxy,
    httpsProxy: configured ?? fromEnv('https_proxy') ?? httpProxy,
    noProxy: listed.length > 0 ? listed.join(',') : fromEnv('no_proxy'),
    strictSSL: settings?.strictSSL !== false,
  };
}

const dispatchers = new Map<string, Dispatcher>();

/**
 * The dispatcher for the proxies that apply now: one per distinct configuration, so that
 * connections are reused across files and a changed environment (tests, the CLI) is seen.
 */
export function hubDispatcher(settings: ProxySettings | undefined, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const proxy = effectiveProxy(settings, env);
  const key = JSON.stringify(proxy);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    // Empty strings, not undefined: undici would otherwise read the environment again itself.
    const tls = proxy.strictSSL ? {} : { rejectUnauthorized: false };
    dispatcher = new EnvHttpProxyAgent({
      httpProxy: proxy.httpProxy ?? '',
      httpsProxy: proxy.httpsProxy ?? '',
      noProxy: proxy.noProxy ?? '',
      connect: tls,
      requestTls: tls,
      proxyTls: tls,
    });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/**
 * The token for a request to `url`: only when it goes to the Hub itself (`hubOrigin`), never to
 * the CDN or any other host the Hub redirects to, as huggingface_hub does. A token the caller
 * passes wins over `HF_TOKEN`.
 */
export function tokenFor(url: string, hubOrigin: string, access: HubAccess | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (new URL(url).origin !== new URL(hubOrigin).origin) return undefined;
  return access?.token?.trim() || env[HF_TOKEN_ENV]?.trim() || undefined;
}

/** The proxy a request goes through, for messages: its host only, never the credentials in its URL. */
export function proxyFor(url: string, settings: ProxySettings | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = effectiveProxy(settings, env);
  const target = new URL(url);
  const chosen = target.protocol === 'https:' ? proxy.httpsProxy : proxy.httpProxy;
  if (!chosen || bypassed(target, proxy.noProxy)) return undefined;
  try {
    return new URL(chosen).host;
  } catch {
    return undefined;
  }
}

/** `NO_PROXY` matching for messages (undici does the real routing): `*`, host names and their suffixes, host:port. */
function bypassed(target: URL, noProxy: string | undefined): boolean {
  const host = target.hostname.toLowerCase();
  for (const raw of (noProxy ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (raw === '*') return true;
    const [name, port] = raw.toLowerCase().replace(/^\*?\./, '.').split(':');
    if (port && port !== (target.port || (target.protocol === 'https:' ? '443' : '80'))) continue;
    if (host === name.replace(/^\./, '') || (name.startsWith('.') && host.endsWith(name)) || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Network error codes that mean the host cannot be reached at all: another attempt a second later will not fare better. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error code of a failed `fetch` (undici wraps the socket's error as `cause`, sometimes twice). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET' && code !== 'ABORT_ERR') return code;
    if (Array.isArray((current as AggregateError).errors)) {
      const inner = (current as AggregateError).errors.map(networkErrorCode).find(Boolean);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** True when `error` says the host (or the proxy) cannot be reached: no network, no DNS, nothing listening, no route. */
export function isUnreachable(error: unknown): boolean {
  const code = networkErrorCode(error);
  if (code && UNREACHABLE.has(code)) return true;
  // A proxy that cannot reach the Hub answers the CONNECT with an error status.
  return /Proxy response \((?:502|503|504)\)/.test(String(error instanceof Error ? (error.cause ?? error) : error));
}
