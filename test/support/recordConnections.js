/**
 * A preload (`node --require test/support/recordConnections.js`) that records every attempt of
 * the process to reach the network, so a test can prove there was none. Each attempt appends one
 * JSON line `{ pid, via, target }` to the file named by TEXT_ANALYTICS_NET_LOG, then goes on as
 * usual (a test that expects a download still gets it).
 *
 * Watched, from the lowest level up: `net.Socket.prototype.connect` (every TCP or IPC-path
 * connection, TLS and HTTP included), `net.connect`/`createConnection`, `tls.connect`,
 * `dns.lookup`/`resolve*` (callback and promise forms), `http(s).request`/`get` and `fetch`.
 * Plain JavaScript, so the worker bundle and tsx-run code can load it alike.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const dns = require('node:dns');
const http = require('node:http');
const https = require('node:https');

const logFile = process.env.TEXT_ANALYTICS_NET_LOG;

if (logFile) {
  const record = (via, target) => {
    let text;
    try {
      text = typeof target === 'string' ? target : JSON.stringify(target, (_, v) => (typeof v === 'function' ? undefined : v));
    } catch {
      text = String(target);
    }
    fs.appendFileSync(logFile, `${JSON.stringify({ pid: process.pid, via, target: text })}\n`);
  };

  /** Replaces `owner[name]` by a function that records `describe(args)` first. */
  const watch = (owner, name, via, describe = (args) => args[0]) => {
    const original = owner[name];
    if (typeof original !== 'function') return;
    owner[name] = function (...args) {
      record(via, describe(args));
      return original.apply(this, args);
    };
  };

  const where = (args) => {
    const [first, second] = args;
    if (first && typeof first === 'object') {
      const options = Array.isArray(first) ? first[0] : first;
      return options && (options.path ?? `${options.host ?? options.hostname ?? 'localhost'}:${options.port}`);
    }
    return typeof first === 'number' ? `${typeof second === 'string' ? second : 'localhost'}:${first}` : first;
  };

  watch(net.Socket.prototype, 'connect', 'net.Socket.connect', where);
  watch(net, 'connect', 'net.connect', where);
  watch(net, 'createConnection', 'net.createConnection', where);
  watch(tls, 'connect', 'tls.connect', where);
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
    watch(dns, name, `dns.${name}`);
    watch(dns.promises, name, `dns.promises.${name}`);
  }
  for (const [label, module] of [['http', http], ['https', https]]) {
    const target = (args) => (args[0] instanceof URL ? args[0].href : typeof args[0] === 'string' ? args[0] : where(args));
    watch(module, 'request', `${label}.request`, target);
    watch(module, 'get', `${label}.get`, target);
  }
  if (typeof globalThis.fetch === 'function') {
    watch(globalThis, 'fetch', 'fetch', (args) => (args[0] instanceof URL ? args[0].href : typeof args[0] === 'string' ? args[0] : args[0]?.url));
  }
}
