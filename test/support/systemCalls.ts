/**
 * Reading `strace -f -yy` output for what a process tree did to the outside world: every attempt
 * to reach a network address, and every file it wrote or changed. The tests run the worker and
 * the CLI under it (test/worker/systemCalls.test.ts) with {@link STRACE_ARGS}.
 *
 * `-yy` prints each descriptor's path or socket (`3<UNIX-STREAM:[13105->13104]>`,
 * `24<UDP:[127.0.0.1:40000->10.0.0.53:53]>`), so a send on a connected socket shows where it goes
 * and a relative path opened against a directory descriptor can be resolved.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';

/** What is traced: the calls that reach an address, and those that write or change files. */
export const TRACED_CALLS = [
  'connect', 'sendto', 'sendmsg', 'sendmmsg', 'bind',
  'open', 'openat', 'openat2', 'creat', 'truncate',
  'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat',
  'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat',
];

/** strace's options: follow every thread and child, decode descriptors, trace only {@link TRACED_CALLS}. */
export function straceArgs(output: string): string[] {
  return ['-f', '-qq', '-yy', '-s', '256', '-o', output, '-e', `trace=${TRACED_CALLS.join(',')}`];
}

/** One traced call, its unfinished and resumed halves joined. */
export interface SystemCall {
  pid: number;
  name: string;
  /** The text between the parentheses, as strace printed it. */
  args: string;
  /** What it returned, with its error name (`-1 ENETUNREACH (Network is unreachable)`). */
  result: string;
  line: string;
}

/** Where a call tried to reach: a socket address, or the peer of the connected socket it used. */
export interface Destination {
  family: 'inet' | 'inet6' | 'unix' | 'netlink' | 'other';
  address: string;
  port?: number;
}

export interface NetworkAttempt {
  call: SystemCall;
  destination: Destination;
}

export interface FileWrite {
  call: SystemCall;
  /** Absolute paths the call creates, writes, renames, links or removes. */
  paths: string[];
}

const CALL = /^(\d+)\s+(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$/;

/** Reads an strace output file into calls. */
export function readTrace(file: string): SystemCall[] {
  return parseTrace(readFileSync(file, 'utf8'));
}

export function parseTrace(text: string): SystemCall[] {
  const calls: SystemCall[] = [];
  const unfinished = new Map<number, { name: string; head: string }>();
  for (const line of text.split('\n')) {
    const match = CALL.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    let name: string;
    let body: string;
    if (match[2]) {
      const started = unfinished.get(pid);
      unfinished.delete(pid);
      if (!started) continue;
      name = started.name;
      body = started.head + match[3];
    } else {
      name = match[4];
      body = match[5];
      if (body.endsWith('<unfinished ...>')) {
        unfinished.set(pid, { name, head: body.slice(0, -'<unfinished ...>'.length).trimEnd() });
        continue;
      }
    }
    const end = body.lastIndexOf(') = ');
    if (end < 0) continue; // killed before it returned: `+++ killed` lines and the like
    calls.push({ pid, name, args: body.slice(0, end), result: body.slice(end + 4), line });
  }
  return calls;
}

/** Every call that reached for a socket address: connects, and sends to an address or over a connected socket. */
export function networkAttempts(calls: readonly SystemCall[]): NetworkAttempt[] {
  const attempts: NetworkAttempt[] = [];
  for (const call of calls) {
    if (!['connect', 'sendto', 'sendmsg', 'sendmmsg'].includes(call.name)) continue;
    const destination = socketAddress(call.args) ?? connectedPeer(call.args);
    if (destination) attempts.push({ call, destination });
  }
  return attempts;
}

/** Unix socket paths the traced processes bound themselves: their own sockets. */
export function boundUnixSockets(calls: readonly SystemCall[]): Set<string> {
  return new Set(
    calls.filter((c) => c.name === 'bind').flatMap((c) => {
      const address = socketAddress(c.args);
      return address?.family === 'unix' ? [address.address] : [];
    }),
  );
}

/** Whether a destination stays on this machine: loopback, or a Unix socket of the process's own. */
export function isLocal(destination: Destination, ownSockets: ReadonlySet<string>): boolean {
  switch (destination.family) {
    case 'inet':
      return destination.address.startsWith('127.');
    case 'inet6':
      return destination.address === '::1' || /^::ffff:127\./i.test(destination.address);
    case 'unix':
      // A socketpair (the IPC channel with the parent) has no path: it is the process's own.
      return destination.address === '' || ownSockets.has(destination.address);
    default:
      return false;
  }
}

/** The attempts to reach anything but loopback and the process tree's own Unix sockets. */
export function outsideAttempts(calls: readonly SystemCall[]): NetworkAttempt[] {
  const own = boundUnixSockets(calls);
  return networkAttempts(calls).filter((attempt) => !isLocal(attempt.destination, own));
}

/** A DNS query: a connect or send to port 53 of an Internet address (a name lookup reaching the network). */
export function isDnsQuery(attempt: NetworkAttempt): boolean {
  return (attempt.destination.family === 'inet' || attempt.destination.family === 'inet6') && attempt.destination.port === 53;
}

function socketAddress(args: string): Destination | undefined {
  const family = /sa_family=(AF_\w+)/.exec(args)?.[1];
  if (!family) return undefined;
  if (family === 'AF_INET') {
    return { family: 'inet', address: /inet_addr\("([^"]*)"\)/.exec(args)?.[1] ?? '', port: port(args) };
  }
  if (family === 'AF_INET6') {
    return { family: 'inet6', address: /inet_pton\(AF_INET6, "([^"]*)"/.exec(args)?.[1] ?? '', port: port(args) };
  }
  if (family === 'AF_UNIX') {
    // `sun_path=@"name"` is an abstract socket; keep the @ so it never matches a file path.
    const path = /sun_path=(@?)"((?:[^"\\]|\\.)*)"/.exec(args);
    return { family: 'unix', address: path ? `${path[1]}${path[2]}` : '' };
  }
  if (family === 'AF_NETLINK') return { family: 'netlink', address: family };
  return { family: 'other', address: family };
}

function port(args: string): number | undefined {
  const value = /sin6?_port=htons\((\d+)\)/.exec(args)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** The peer of the socket descriptor a send used, from `-yy`'s `fd<TCP:[local->peer]>`. */
function connectedPeer(args: string): Destination | undefined {
  const socket = /^\d+<(\w+(?:-\w+)?):\[(.*?)\]>/.exec(args);
  if (!socket) return undefined;
  const [, kind, ends] = socket;
  if (kind.startsWith('UNIX')) return { family: 'unix', address: '' };
  if (kind.startsWith('NETLINK')) return { family: 'netlink', address: kind };
  const peer = ends.split('->')[1];
  if (!peer) return { family: 'other', address: `${kind}:[${ends}] (no peer)` };
  const v6 = /^\[(.*)\]:(\d+)$/.exec(peer);
  if (v6) return { family: 'inet6', address: v6[1], port: Number(v6[2]) };
  const [address, portText] = peer.split(':');
  return { family: 'inet', address, port: Number(portText) };
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;

/**
 * Every call that creates, writes, renames, links or removes a file or folder (whether it
 * succeeded or not: an attempt is what is looked for), with the absolute paths it names.
 */
export function fileWrites(calls: readonly SystemCall[]): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const call of calls) {
    const args = splitArgs(call.args);
    let paths: string[] = [];
    switch (call.name) {
      case 'open':
      case 'creat':
        if (call.name === 'creat' || WRITE_FLAGS.test(args[1] ?? '')) paths = [resolveArg(undefined, args[0])];
        break;
      case 'openat':
      case 'openat2':
        if (WRITE_FLAGS.test(args[2] ?? '')) paths = [resolveArg(args[0], args[1])];
        break;
      case 'truncate':
      case 'mkdir':
      case 'rmdir':
      case 'unlink':
        paths = [resolveArg(undefined, args[0])];
        break;
      case 'mkdirat':
      case 'unlinkat':
        paths = [resolveArg(args[0], args[1])];
        break;
      case 'rename':
      case 'link':
        paths = [resolveArg(undefined, args[0]), resolveArg(undefined, args[1])];
        break;
      case 'symlink':
        paths = [resolveArg(undefined, args[1])];
        break;
      case 'renameat':
      case 'renameat2':
      case 'linkat':
        paths = [resolveArg(args[0], args[1]), resolveArg(args[2], args[3])];
        break;
      case 'symlinkat':
        paths = [resolveArg(args[1], args[2])];
        break;
    }
    if (paths.length > 0) writes.push({ call, paths });
  }
  return writes;
}

/** The writes that touch anything outside `allowed` (folders, or single files such as the output). */
export function writesOutside(calls: readonly SystemCall[], allowed: readonly string[]): FileWrite[] {
  const inside = (path: string) => path === '/dev/null' || allowed.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
  return fileWrites(calls).filter((write) => !write.paths.every(inside));
}

/** Splits strace's argument list at top-level commas (not inside quotes, braces or brackets). */
function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (quoted) {
      current += c;
      if (c === '\\') current += args[++i] ?? '';
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if ('{[(<'.includes(c)) depth++;
    else if ('}])'.includes(c) || (c === '>' && args[i - 1] !== '-')) depth--;
    if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** A path argument (`"name"`), made absolute against its directory argument (`AT_FDCWD</cwd>`, `5</dir>`). */
function resolveArg(directory: string | undefined, pathArg: string | undefined): string {
  const path = unquote(pathArg ?? '');
  if (isAbsolute(path)) return normalize(path);
  const base = directory ? (/<(.*)>$/.exec(directory)?.[1] ?? '') : '';
  return normalize(join(base || '/?', path));
}

function unquote(arg: string): string {
  const match = /^"((?:[^"\\]|\\.)*)"/.exec(arg);
  if (!match) return arg;
  return match[1].replace(/\\(x[0-9a-f]{2}|[0-7]{1,3}|.)/gi, (_, e: string) =>
    e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e === 'n' ? '\n' : e === 't' ? '\t' : e,
  );
}

/**
 * A control run's watch, looked at between its rounds (its trace so far): when it first tried to
 * reach outside (ms since `started`, kept from `firstAttemptMs` once set), and whether the watch
 * can stop — once the lookup reaches DNS: the resolver may first try nscd's socket and the
 * name-service modules that nsswitch.conf lists (mdns4_minimal, where Avahi is installed).
 */
export function controlWatch(trace: string, started: number, firstAttemptMs: number | undefined): { firstAttemptMs: number | undefined; reachedDns: boolean } {
  const outside = outsideAttempts(readTrace(trace));
  return { firstAttemptMs: firstAttemptMs ?? (outside.length > 0 ? Date.now() - started : undefined), reachedDns: outside.some(isDnsQuery) };
}
