/**
 * Peak memory of a request on the worst shapes of text, shared by test/worker/memory.test.ts and
 * `npm run bench:memory`: the shapes (the most sentences, paragraphs, sections or entities per
 * character, the most tokens per character, the longest stretches with no break), the request each
 * task makes of them, and two ways to run one in a fresh process and read its peak resident memory
 * (VmHWM, Linux): through the real worker (dist/worker.js, through WorkerClient as the extension
 * runs it), on an Engine in a process of its own, as the CLI runs it, and through the real CLI
 * (dist/cli.js) on a file of the text, its JSON output included. A process that grows past
 * a guard is killed, so that a case over its bound fails without taking the machine's memory.
 *
 * Run as a script (`--child`), it is that process of its own.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerClient } from '../../src/client/workerClient';
import { Engine } from '../../src/engine/engine';
import { defaultEngineOptions } from '../../src/engine/options';
import type { EngineOptions, Method, Methods } from '../../src/protocol';
import { fixtureModels, REPO } from '../helpers';

export interface MemoryShape {
  name: string;
  /** Why this shape is a worst case. */
  why: string;
  /** Repeated, then cut to the length asked for (never inside a surrogate pair). */
  unit?: string;
  /** Or the text of a length, for a shape that does not repeat. */
  make?: (length: number) => string;
  /** Markdown (topics sections at headings), or plain text. */
  markdown?: boolean;
}

/** 33 Hangul syllables of three jamo each: 99 word pieces (WordPiece's limit of 100 characters a word is not reached), then a space. */
const HANGUL_WORD = `${'한국'.repeat(16)}한 `;

/** Lines of four letters counting in base 26 (`aaaa`, `aaab`…): a sentence every 5 characters, each new to the caches. */
function distinctLines(length: number): string {
  const lines: string[] = [];
  for (let i = 0, chars = 0; chars < length; i++, chars += 5) {
    let word = '';
    for (let n = i, k = 0; k < 4; k++, n = Math.floor(n / 26)) word = String.fromCharCode(97 + (n % 26)) + word;
    lines.push(word);
  }
  return `${lines.join('\n')}\n`;
}

export const MEMORY_SHAPES: readonly MemoryShape[] = [
  { name: 'one-char lines', unit: 'a\n', why: 'a sentence every 2 characters (a line break ends a sentence)' },
  { name: 'distinct short lines', make: distinctLines, why: 'a sentence every 5 characters, none the same: nothing comes from the caches' },
  { name: 'short sentences on one line', unit: 'Ok. ', why: 'a sentence every 4 characters, in one paragraph and one line' },
  { name: 'one-word paragraphs', unit: 'a\n\n', why: 'a paragraph (and its sentence) every 3 characters' },
  { name: 'heading every line', unit: '# a\n', markdown: true, why: 'a Markdown section every 4 characters' },
  { name: 'entity every word', unit: 'Paris ', why: 'a planted entity every 6 characters, in one paragraph' },
  { name: 'one paragraph of prose', unit: 'The team scored a good goal in Paris in 1998. ', why: 'one paragraph on one line: the longest text the entities and topics read as one' },
  { name: 'one word', unit: 'a', why: 'no space and no break: one word of the whole size' },
  { name: 'punctuation without spaces', unit: '.', why: 'one sentence of one token per character' },
  { name: 'Hangul words', unit: HANGUL_WORD, why: 'the most tokens per character (2.9: each syllable is three jamo pieces), in one sentence' },
  { name: 'Hangul without spaces', unit: '한', why: 'one word that the normaliser triples (jamo): the costliest to tokenize whole' },
  { name: 'CJK sentences', unit: '東京は素晴らしい。', why: 'a token per character, a sentence every 9' },
  { name: 'emoji only', unit: '😀', why: 'two UTF-16 units per character, no break' },
];

export function shapeNamed(name: string): MemoryShape {
  const shape = MEMORY_SHAPES.find((s) => s.name === name);
  if (!shape) throw new Error(`No shape "${name}"; the shapes are: ${MEMORY_SHAPES.map((s) => s.name).join(', ')}`);
  return shape;
}

/** The shape's text, `length` UTF-16 units long (one less where that would cut an emoji in two). */
export function shapeText(shape: MemoryShape, length: number): string {
  const unit = shape.unit ?? '';
  let text = (shape.make ? shape.make(length) : unit.repeat(Math.ceil(length / unit.length))).slice(0, length);
  if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
  return text;
}

/** What each shape is run through: the analyses, topics with many labels, and a six-label classifier (the fixture emotion model). */
export type MemoryTask = 'sentiment' | 'entities' | 'ask' | 'topics' | 'topics-many' | 'classify';
export const MEMORY_TASKS: readonly MemoryTask[] = ['sentiment', 'entities', 'ask', 'topics', 'topics-many', 'classify'];

/** The labels of topics-many: every section is scored against each. */
export const MANY_LABELS = Array.from({ length: 32 }, (_, i) => ['sports', 'business', 'science', 'politics'][i % 4] + (i < 4 ? '' : ` ${i}`));

type Analysis = 'sentiment' | 'entities' | 'ask' | 'topics' | 'classify';

/** The request a task makes of a text of the shape, as the extension would send it. */
export function memoryRequest(task: MemoryTask, shape: MemoryShape, text: string): { method: Analysis; params: Methods[Analysis]['params'] } {
  switch (task) {
    case 'sentiment':
      return { method: 'sentiment', params: { text, neutralBand: 0.1 } };
    case 'entities':
      return { method: 'entities', params: { text, minScore: 0.5 } };
    case 'ask':
      return { method: 'ask', params: { text, question: 'When was the goal scored?', top: 3, minScore: 0.1 } };
    case 'topics':
    case 'topics-many': {
      const labels = task === 'topics' ? MANY_LABELS.slice(0, 4) : MANY_LABELS;
      return { method: 'topics', params: { text, labels, multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: shape.markdown ? 'markdown' : 'plaintext' } };
    }
    case 'classify':
      return { method: 'classify', params: { text, classifier: { id: 'emotion', title: 'Emotion', model: join(fixtureModels(), 'emotion'), level: 'sentence' } } };
  }
}

/** One request to measure: a task on a shape of text of a size. */
export interface MemoryCase {
  shape: string;
  task: MemoryTask;
  size: number;
}

/** What a case measured (MiB, ms), and what its result held. */
export interface Measured {
  /** Resident memory after a warm-up request on a short text of the shape (the model loaded). */
  idle: number;
  /** The process's peak resident memory, warm-up included; Infinity when the guard killed it. */
  peak: number;
  ms: number;
  /** Sentences, entities, sections or answers in the result. */
  items: number;
  /** Why the request failed (a refusal is one), if it did. */
  error?: string;
}

/** Resident memory now and at its peak, in MiB (Linux: /proc/<pid>/status). */
export function memoryOf(pid: number | 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** The CLI's engine options (automatic precision: int8 on the CPU) over a folder of models. */
export function memoryEngineOptions(models: string): EngineOptions {
  return defaultEngineOptions({ device: 'cpu', bundledModelsDir: models, cacheDir: join(REPO, '.cache', 'memory-unused'), allowDownloads: false });
}

const WORKER = join(REPO, 'dist', 'worker.js');

/** How many things the result lists: what its size grows with. */
function itemsOf(result: Methods[Method]['result']): number {
  const r = result as Partial<{ sentences: unknown[]; entities: unknown[]; sections: unknown[]; answers: unknown[] }>;
  return (r.sentences ?? r.entities ?? r.sections ?? r.answers ?? []).length;
}

type Run = (method: Analysis, params: Methods[Analysis]['params']) => Promise<Methods[Method]['result']>;

/** A warm-up on a short text of the shape (which loads the model), then the case; the memory of `pid`. */
async function measure(run: Run, pid: number | 'self', c: MemoryCase): Promise<Measured> {
  const shape = shapeNamed(c.shape);
  const warm = memoryRequest(c.task, shape, shapeText(shape, 200));
  await run(warm.method, warm.params).catch(() => undefined);
  const idle = memoryOf(pid).rss;
  const { method, params } = memoryRequest(c.task, shape, shapeText(shape, c.size));
  const started = performance.now();
  try {
    const items = itemsOf(await run(method, params));
    return { idle, peak: memoryOf(pid).peak, ms: performance.now() - started, items };
  } catch (error) {
    return { idle, peak: memoryOf(pid).peak, ms: performance.now() - started, items: 0, error: (error as Error).message };
  }
}

/** Kills `pid` (with `kill`) if its resident memory passes `guardMib`; the function returned stops watching and says whether it did. */
function guard(pid: number, guardMib: number, kill: () => void): () => boolean {
  let killed = false;
  const timer = setInterval(() => {
    try {
      if (memoryOf(pid).rss > guardMib) {
        killed = true;
        kill();
      }
    } catch {
      // Gone already.
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return killed;
  };
}

const failed = (error: unknown): Measured => ({ idle: NaN, peak: NaN, ms: NaN, items: 0, error: error instanceof Error ? error.message : String(error) });

/** Runs a case through a fresh real worker (dist/worker.js, as the extension runs it). */
export async function inWorker(c: MemoryCase, models: string, guardMib: number): Promise<Measured> {
  const client = new WorkerClient({ workerPath: WORKER, engineOptions: memoryEngineOptions(models), handshakeTimeoutMs: 60_000, maxCrashes: 0 });
  try {
    await client.request('info', {});
    const pid = client.pid as number;
    const stop = guard(pid, guardMib, () => process.kill(pid, 'SIGKILL'));
    const measured = await measure((method, params) => client.request(method, params), pid, c).catch(failed);
    return stop() ? { ...measured, peak: Infinity } : measured;
  } finally {
    client.dispose();
  }
}

/** Runs a case on an Engine in a fresh process of its own (this file as a script, with this process's Node options: tsx). */
export async function inOwnProcess(c: MemoryCase, models: string, guardMib: number): Promise<Measured> {
  const child = fork(__filename, ['--child', JSON.stringify({ case: c, models })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = guard(child.pid as number, guardMib, () => child.kill('SIGKILL'));
  const measured = await new Promise<Measured>((resolve) => {
    child.once('message', (message) => resolve(message as Measured));
    child.once('exit', (code, signal) => resolve(failed(`the process exited (${signal ?? code})`)));
  });
  child.kill();
  return stop() ? { ...measured, peak: Infinity } : measured;
}

/** The command-line arguments of a task's request, as a user would type them. */
function cliArguments(task: MemoryTask, shape: MemoryShape): string[] {
  const { method, params } = memoryRequest(task, shape, '');
  switch (method) {
    case 'ask':
      return ['ask', '--question', (params as Methods['ask']['params']).question];
    case 'topics':
      return ['topics', '--labels', (params as Methods['topics']['params']).labels.join(','), '--format', shape.markdown ? 'markdown' : 'plaintext'];
    case 'classify':
      return ['classify', '--model', (params as Methods['classify']['params']).classifier.model];
    default:
      return [method];
  }
}

/**
 * Runs a case through the real command-line tool (dist/cli.js) on a file of the text, with --json
 * (the largest output), in a fresh process; its peak is read as it exits (test/support/peakOnExit.js),
 * and `items` counts the objects with a `start` in its output. `idle` is not measured (NaN).
 */
export async function inCli(c: MemoryCase, models: string, guardMib: number): Promise<Measured> {
  const shape = shapeNamed(c.shape);
  const dir = mkdtempSync(join(tmpdir(), 'text-analytics-memory-'));
  try {
    const file = join(dir, shape.markdown ? 'text.md' : 'text.txt');
    writeFileSync(file, shapeText(shape, c.size));
    const peakFile = join(dir, 'peak');
    const args = [...cliArguments(c.task, shape), file, '--json', '--models', models, '--max-chars', String(Math.max(c.size, 1000))];
    const child = spawn(process.execPath, ['--require', join(REPO, 'test', 'support', 'peakOnExit.js'), join(REPO, 'dist', 'cli.js'), ...args], {
      env: { ...process.env, MEMORY_PEAK_FILE: peakFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stop = guard(child.pid as number, guardMib, () => child.kill('SIGKILL'));
    let items = 0;
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const text = tail + chunk;
      items += text.match(/"start":/g)?.length ?? 0;
      // A match cut between two chunks is counted with the next; its 8 characters never fit in the 7 kept.
      tail = text.slice(-7);
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const ms = performance.now() - started;
    if (stop()) return { idle: NaN, peak: Infinity, ms, items };
    const peak = Number(readFileSync(peakFile, 'utf8')) / 1024;
    return { idle: NaN, peak, ms, items, ...(code === 0 ? {} : { error: stderr.trim() || `exit code ${code}` }) };
  } catch (error) {
    return failed(error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The process of its own: one case on an Engine here, its measure sent to the parent. */
async function child(spec: { case: MemoryCase; models: string }): Promise<void> {
  const engine = new Engine(memoryEngineOptions(spec.models));
  const run: Run = (method, params) => (engine[method] as (p: typeof params) => Promise<Methods[Method]['result']>).call(engine, params);
  process.send?.(await measure(run, 'self', spec.case));
  await engine.dispose();
}

if (require.main === module && process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3]) as { case: MemoryCase; models: string }).catch((error: unknown) => {
    process.send?.(failed(error));
  });
}
