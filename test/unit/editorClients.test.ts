/**
 * text-analytics-ls in two real editors: Neovim's built-in LSP client (Debian's `neovim` 0.7,
 * headless) and Emacs's eglot (Debian's `emacs-nox` 28 and `elpa-eglot` 1.9, batch mode), driven
 * by test/editors/neovim.lua and test/editors/eglot.el over the built server (dist/server.js) and
 * the fixture models. On a document with emoji and CJK before an e-mail address, a phone number
 * and a name, each editor must show the diagnostics exactly where the CLI's spans are (in the
 * editor's own units: Neovim's UTF-8 byte columns, Emacs's character columns), a hover naming the
 * type, the CLI's JSON from `textAnalytics.sentiment`, a redaction that replaces the value, and an
 * undo that gives back the text byte for byte — and leave no server or worker running after it.
 * A machine without the editors fails with how to install them (.ci/run installs them).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixtureModels, REPO, tempDir } from '../helpers';
import { finished, run } from './cliRun';

const NVIM = process.env.TEXT_ANALYTICS_NVIM ?? '/usr/bin/nvim';
const EMACS = process.env.TEXT_ANALYTICS_EMACS ?? '/usr/bin/emacs';
const SERVER = join(REPO, 'dist', 'server.js');

/** Emoji (two UTF-16 units, four UTF-8 bytes) and CJK (one unit, three bytes) before every finding. */
const TEXT = '# Notes 😀 世界\n\n東京 🎉 write to jane.doe@example.com or call +1 415 555 0132.\nAngela Merkel met 😀 Olaf Scholz in Berlin. I love this product, it is wonderful.\n';

/** Each wait inside the editor scripts; the scripts end themselves after six of these. */
const STEP_MS = 15_000;
/** The test's own bound on an editor run, past the scripts' own. */
const RUN_MS = STEP_MS * 6 + 10_000;

interface Finding {
  start: number;
  end: number;
  text: string;
  type: string;
}

/** A diagnostic as the script writes it: 0-based lines, columns in the editor's unit. */
interface SeenDiagnostic {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  code: string;
  source?: string;
}

/** What a script writes (test/editors/*). */
interface Seen {
  editor: string;
  error?: string;
  original?: string;
  diagnostics?: SeenDiagnostic[];
  hover?: string | null;
  sentiment?: unknown;
  codeActions?: string[];
  redactAction?: string;
  redacted?: string;
  undone?: string;
  modifiedAfterUndo?: boolean;
}

type ColumnUnit = 'utf-8 bytes' | 'code points';

interface Editor {
  name: string;
  binary: string;
  install: string;
  unit: ColumnUnit;
  args(document: string, output: string): string[];
}

const EDITORS: Editor[] = [
  {
    name: 'Neovim',
    binary: NVIM,
    install: 'apt-get install neovim',
    // vim.diagnostic.get gives byte columns (Neovim converts the server's UTF-16 positions).
    unit: 'utf-8 bytes',
    args: (document, output) => ['--headless', '--clean', '-n', '-c', `luafile ${join(REPO, 'test', 'editors', 'neovim.lua')}`, document, output],
  },
  {
    name: 'Emacs (eglot)',
    binary: EMACS,
    install: 'apt-get install emacs-nox elpa-eglot',
    // Flymake's diagnostics are buffer positions, which count characters.
    unit: 'code points',
    args: (document, output) => ['--batch', '-Q', '-l', join(REPO, 'test', 'editors', 'eglot.el'), document, output],
  },
];

/** A UTF-16 offset of `text` (the CLI's unit) as a 0-based line and a column in `unit`. */
function positionIn(text: string, offset: number, unit: ColumnUnit): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineText = before.slice(lineStart);
  return {
    line: before.split('\n').length - 1,
    col: unit === 'utf-8 bytes' ? Buffer.byteLength(lineText, 'utf8') : [...lineText].length,
  };
}

function cliJson(task: string, file: string): Record<string, unknown> {
  const result = run(task, file, '--json', '--models', fixtureModels());
  finished(result, 0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/**
 * `value` without null members: Neovim 0.7 decodes a JSON null member as a missing one
 * (`luanil.object`), and eglot reads an empty object as null.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, withoutNulls(item)]));
  }
  return value;
}

interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  started: string;
  command: string;
}

/** Every process now running as pid → its parent and identity, from /proc. */
function processTable(): Map<number, { ppid: number; id: ProcessId }> {
  const table = new Map<number, { ppid: number; id: ProcessId }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name, in parentheses, may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      table.set(Number(entry), { ppid: Number(fields[1]), id: { pid: Number(entry), started: fields[19], command } });
    } catch {
      // exited while being read
    }
  }
  return table;
}

function descendants(root: number, table = processTable()): ProcessId[] {
  const found: ProcessId[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, { ppid, id }] of table) {
      if (ppid === parent) {
        found.push(id);
        queue.push(pid);
      }
    }
  }
  return found;
}

function stillRunning(id: ProcessId): boolean {
  try {
    const stat = readFileSync(`/proc/${id.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it only waits for its parent to read its status.
    return fields[19] === id.started && fields[0] !== 'Z';
  } catch {
    return false;
  }
}

interface EditorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Why the test killed the editor, if it did. */
  killed?: string;
  /** Every process the editor started (the server, its worker), seen while it ran. */
  started: ProcessId[];
}

/**
 * Runs an editor script and resolves when the editor has exited. Every process it starts, however
 * deep and in whatever process group (Emacs starts the server in a session of its own), is watched
 * while it runs and killed when the test ends.
 */
function runEditor(t: { after(fn: () => void): void }, editor: Editor, document: string, output: string, home: string): Promise<EditorRun> {
  const env = {
    ...process.env,
    // The editors' own files (Neovim's LSP log, Emacs's state) in a folder of the test's.
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_STATE_HOME: join(home, 'state'),
    TEXT_ANALYTICS_LS_COMMAND: JSON.stringify([process.execPath, SERVER, '--stdio']),
    TEXT_ANALYTICS_LS_MODELS: fixtureModels(),
    TEXT_ANALYTICS_EDITOR_TIMEOUT_MS: String(STEP_MS),
  };
  const child = spawn(editor.binary, editor.args(document, output), { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const result: EditorRun = { code: null, signal: null, stderr: '', started: [] };
  const seen = new Map<string, ProcessId>();
  const watch = () => {
    if (child.pid === undefined) return;
    for (const id of descendants(child.pid)) {
      // A process's command line reads empty once it is exiting: keep the last one it had.
      const key = `${id.pid}/${id.started}`;
      if (id.command !== '' || !seen.has(key)) seen.set(key, id);
    }
    result.started = [...seen.values()];
  };
  const poll = setInterval(watch, 100);
  t.after(() => {
    clearInterval(poll);
    child.kill('SIGKILL');
    for (const id of seen.values()) if (stillRunning(id)) process.kill(id.pid, 'SIGKILL');
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (data: string) => (result.stderr += data));
  const timer = setTimeout(() => {
    result.killed = `${editor.name} ran for more than ${RUN_MS / 1000} s`;
    watch();
    child.kill('SIGKILL');
  }, RUN_MS);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      Object.assign(result, { code, signal });
      resolve(result);
    });
  });
}

/** Waits (bounded) for the processes to end; returns those still running after it. */
async function leftRunning(processes: ProcessId[], withinMs: number): Promise<ProcessId[]> {
  const deadline = Date.now() + withinMs;
  let running = processes.filter(stillRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await sleep(100);
    running = running.filter(stillRunning);
  }
  return running;
}

for (const editor of EDITORS) {
  test(`${editor.name}: diagnostics at the CLI's spans past emoji and CJK, a hover, sentiment, a redaction and its undo`, { timeout: RUN_MS + 30_000 }, async (t) => {
    assert.ok(
      existsSync(editor.binary),
      `${editor.binary} is missing: install ${editor.name} (${editor.install}; .ci/run installs it) to run the editor client tests.`,
    );
    assert.ok(existsSync(SERVER), `${SERVER} is missing: run \`npm run build\` first.`);
    const dir = tempDir(t, 'text-analytics-editor-');
    const home = join(dir, 'home');
    mkdirSync(home);
    const document = join(dir, 'notes.md');
    const output = join(dir, 'seen.json');
    writeFileSync(document, TEXT);

    const pii = cliJson('pii', document).entities as Finding[];
    // The CLI's offsets are UTF-16 code units (JavaScript string indices): what it quotes is there.
    for (const finding of pii) assert.equal(TEXT.slice(finding.start, finding.end), finding.text, `the CLI's span of ${finding.type}`);
    for (const type of ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON']) assert.ok(pii.some((finding) => finding.type === type), `the CLI finds a ${type} in the document`);
    const sentiment = cliJson('sentiment', document);

    const ran = await runEditor(t, editor, document, output, home);
    assert.equal(ran.killed, undefined, `${ran.killed}; stderr: ${ran.stderr.slice(-2000)}`);
    assert.ok(existsSync(output), `${editor.name} wrote nothing (exit ${ran.code}, signal ${ran.signal}); stderr: ${ran.stderr.slice(-2000)}`);
    const seen = JSON.parse(readFileSync(output, 'utf8')) as Seen;
    assert.equal(seen.error, undefined, `${editor.name}: ${seen.error}; stderr: ${ran.stderr.slice(-2000)}`);
    assert.equal(ran.code, 0, ran.stderr.slice(-2000));
    assert.equal(seen.original, TEXT, `${editor.name} read the document as it is on disk`);

    const at = (diagnostic: SeenDiagnostic) => ({ code: diagnostic.code, start: [diagnostic.line, diagnostic.col], end: [diagnostic.endLine, diagnostic.endCol] });
    const order = (a: { start: number[] }, b: { start: number[] }) => a.start[0] - b.start[0] || a.start[1] - b.start[1];
    const expected = pii
      .map((finding) => {
        const start = positionIn(TEXT, finding.start, editor.unit);
        const end = positionIn(TEXT, finding.end, editor.unit);
        return { code: finding.type, start: [start.line, start.col], end: [end.line, end.col] };
      })
      .sort(order);
    assert.deepEqual((seen.diagnostics ?? []).map(at).sort(order), expected, `${editor.name}'s diagnostics, in ${editor.unit}, are the CLI's spans`);
    for (const diagnostic of seen.diagnostics ?? []) {
      if (diagnostic.source !== undefined) assert.equal(diagnostic.source, 'text-analytics');
    }

    // Neovim asks for Markdown (and shows its source, escapes and all); eglot without markdown-mode
    // asks for plain text, which it gets: no escapes, no asterisks.
    if (editor.name.startsWith('Emacs')) assert.doesNotMatch(seen.hover ?? '', /\\[_.-]|\*\*/, `eglot's hover is plain text: ${seen.hover}`);
    const hover = (seen.hover ?? '').replace(/\\(.)/g, '$1');
    assert.match(hover, /PERSON/, `the hover on the name names its type: ${seen.hover}`);
    assert.match(hover, /Angela Merkel/, `the hover quotes the name: ${seen.hover}`);

    assert.deepEqual(withoutNulls(seen.sentiment), withoutNulls(sentiment), 'textAnalytics.sentiment returns the CLI\'s JSON');

    const email = pii.find((finding) => finding.type === 'EMAIL_ADDRESS')!;
    assert.match(seen.redactAction ?? '', /^Redact/, `a "Redact …" code action is offered: ${JSON.stringify(seen.codeActions)}`);
    const redacted = seen.redacted ?? '';
    assert.ok(
      redacted.startsWith(TEXT.slice(0, email.start)) && redacted.endsWith(TEXT.slice(email.end)),
      `only the e-mail address is replaced: ${JSON.stringify(redacted)}`,
    );
    const replacement = redacted.slice(email.start, redacted.length - (TEXT.length - email.end));
    assert.ok(replacement.length > 0 && !replacement.includes('@example.com'), `the address is replaced, by ${JSON.stringify(replacement)}`);

    assert.ok(Buffer.from(seen.undone ?? '', 'utf8').equals(Buffer.from(TEXT, 'utf8')), `undo gives back the text byte for byte: ${JSON.stringify(seen.undone)}`);
    assert.equal(seen.modifiedAfterUndo, false, 'after the undo the buffer is unmodified');
    assert.ok(readFileSync(document).equals(Buffer.from(TEXT, 'utf8')), 'the file on disk is untouched');

    const servers = ran.started.filter((id) => id.command.includes(SERVER));
    assert.equal(servers.length, 1, `${editor.name} started the server once: ${ran.started.map((id) => id.command).join('; ')}`);
    const left = await leftRunning(ran.started, 5_000);
    assert.deepEqual(left.map((id) => id.command), [], `after ${editor.name} shut the server down, nothing it started is still running`);
  });
}
