/**
 * A forward HTTP proxy on loopback, for tests of downloads behind a proxy: it records what it is
 * asked to reach and passes the bytes on. It speaks both ways a client uses a proxy: `CONNECT
 * host:port` (a tunnel, what undici's ProxyAgent uses by default) and a plain request with an
 * absolute URL. Nothing leaves the machine as long as the targets are on loopback.
 *
 * @example
 * const proxy = await startForwardProxy();
 * process.env.HTTP_PROXY = proxy.url;
 * // … download from the loopback Hub …
 * proxy.targets; // ['127.0.0.1:41234', '127.0.0.1:41235']: the Hub, then its CDN
 * await proxy.close();
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`, for `HTTP_PROXY` or `http.proxy`. */
  readonly url: string;
  /** `host:port` of each connection or request it was asked to make, in order. */
  readonly targets: string[];
  /** The Proxy-Authorization headers it saw (one per CONNECT or request; absent ones are skipped). */
  readonly proxyAuthorizations: string[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const targets: string[] = [];
  const proxyAuthorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const noteAuth = (req: http.IncomingMessage) => {
    if (req.headers['proxy-authorization']) proxyAuthorizations.push(req.headers['proxy-authorization']);
  };

  const server = http.createServer((req, res) => {
    // A plain request through the proxy names the whole URL.
    noteAuth(req);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400).end('absolute URL expected');
    }
    targets.push(target.host);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(target, { method: req.method, headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', track);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    noteAuth(req);
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    // What a real proxy says when the target is down: the client sees a failed tunnel.
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    proxyAuthorizations,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** An address on loopback where nothing listens: connecting to it is refused at once, as offline hosts and dead proxies are. */
export async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
