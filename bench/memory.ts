/**
 * Peak memory over the worst shapes of text (test/support/memory.ts): for each shape and task,
 * the peak resident memory of the real worker (dist/worker.js through WorkerClient, as the
 * extension runs it), of the engine in a process of its own (as the CLI runs it) and of the real
 * CLI (dist/cli.js --json on a file of the text; `--where cli`), side by side, with the growth
 * over the idle process (model loaded) as a multiple of the text's size.
 *
 *   npm run bench:memory [-- --sizes 2000000,5000000] [--shapes "one-char lines,Hangul words"]
 *                        [--tasks sentiment,entities,ask,topics,topics-many] [--where worker,engine,cli]
 *                        [--guard-mib 6144] [--models DIR]
 *   npm run bench:memory -- --cancel [--delay-ms 200] [--worker dist/worker.js] [--sizes …] [--shapes …] [--tasks …]
 *
 * Every case runs in a fresh process, so that each peak (VmHWM, Linux) is that case's alone; a
 * process growing past --guard-mib is killed and shown as over it. The planted fixture models are
 * used (`npm run fixtures`): their weights are small, so the figures are what the text, its tokens
 * and its result cost, which is what grows with the input; a real model adds its own size.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ONNXRUNTIME_TELEMETRY_OFF, WORKER_OPTIONS_ENV, type WorkerMessage } from '../src/protocol';
import {
  inCli,
  inOwnProcess,
  inWorker,
  MEMORY_SHAPES,
  MEMORY_TASKS,
  memoryEngineOptions,
  memoryRequest,
  shapeNamed,
  shapeText,
  type Measured,
  type MemoryCase,
  type MemoryTask,
} from '../test/support/memory';

const REPO = join(__dirname, '..');
const WHERE = { worker: inWorker, engine: inOwnProcess, cli: inCli } as const;
type Where = keyof typeof WHERE;

function cell(m: Measured, textMib: number): string {
  if (m.peak === Infinity) return 'over the guard (killed)';
  if (!Number.isFinite(m.peak)) return `failed: ${m.error?.slice(0, 48)}`;
  const growth = m.peak - m.idle;
  const refused = m.error ? `  refused: ${m.error.slice(0, 40)}…` : '';
  // The CLI's idle memory is not measured: its process ends with its one request.
  const overIdle = Number.isNaN(growth) ? ' '.repeat(18) : `+${growth.toFixed(0).padStart(4)} = ${(growth / textMib).toFixed(0).padStart(3)}× text`;
  return `${m.peak.toFixed(0).padStart(5)} MiB  ${overIdle}  ${(m.ms / 1000).toFixed(1).padStart(5)} s${refused}`;
}

/**
 * How soon the worker at `workerPath` stops a request cancelled `delayMs` after it was sent: the
 * time from the cancel to its `cancelled` reply (the client answers its caller at once; this is
 * how long the worker goes on working), or the result's if it came first.
 */
async function cancelLatency(workerPath: string, c: MemoryCase, models: string, delayMs: number): Promise<string> {
  const child = fork(workerPath, [], {
    env: { ...process.env, ...ONNXRUNTIME_TELEMETRY_OFF, [WORKER_OPTIONS_ENV]: JSON.stringify(memoryEngineOptions(models)) },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const replies = new Map<number, (message: WorkerMessage) => void>();
  const ready = new Promise<void>((resolve) =>
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
      if ((message.type === 'result' || message.type === 'error') && replies.has(message.id)) replies.get(message.id)?.(message);
    }),
  );
  const request = (id: number, text: string) =>
    new Promise<WorkerMessage>((resolve) => {
      replies.set(id, resolve);
      const { method, params } = memoryRequest(c.task, shape, text);
      child.send({ type: 'request', id, method, params });
    });
  const shape = shapeNamed(c.shape);
  try {
    await ready;
    await request(1, shapeText(shape, 200));
    const reply = request(2, shapeText(shape, c.size));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const cancelled = performance.now();
    child.send({ type: 'cancel', id: 2 });
    const message = await reply;
    const ms = (performance.now() - cancelled).toFixed(0);
    return message.type === 'error' && message.error.code === 'cancelled' ? `${ms} ms` : `finished first (${ms} ms)`;
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '2000000,5000000' },
      shapes: { type: 'string', default: MEMORY_SHAPES.map((s) => s.name).join(',') },
      tasks: { type: 'string', default: MEMORY_TASKS.join(',') },
      where: { type: 'string', default: 'worker,engine' },
      'guard-mib': { type: 'string', default: '6144' },
      models: { type: 'string', default: join(REPO, 'test', 'fixtures', 'models') },
      // Instead of memory: how soon a cancel sent --delay-ms after the request stops the worker (--worker: another build of it).
      cancel: { type: 'boolean', default: false },
      'delay-ms': { type: 'string', default: '200' },
      worker: { type: 'string', default: join(REPO, 'dist', 'worker.js') },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const shapes = values.shapes.split(',').map((name) => shapeNamed(name.trim()));
  const tasks = values.tasks.split(',').map((t) => t.trim()) as MemoryTask[];
  const where = values.where.split(',') as Where[];
  const guardMib = Number(values['guard-mib']);
  if (values.cancel) {
    for (const size of sizes) {
      for (const shape of shapes) {
        for (const task of tasks) {
          const latency = await cancelLatency(values.worker, { shape: shape.name, task, size }, values.models, Number(values['delay-ms']));
          console.log(`${shape.name.padEnd(28)} ${task.padEnd(11)} ${size.toLocaleString('en').padStart(10)}  cancelled ${values['delay-ms']} ms in: stopped after ${latency}`);
        }
      }
    }
    return;
  }
  const column = (text: string) => text.padEnd(56);
  console.log(`${'shape'.padEnd(28)} ${'task'.padEnd(11)} ${'characters'.padStart(10)}  ${where.map((w) => column(`${w}: peak, growth over idle = × the text (UTF-8), time`)).join('  ')}`);
  for (const size of sizes) {
    for (const shape of shapes) {
      const textMib = Buffer.byteLength(shapeText(shape, size)) / (1024 * 1024);
      for (const task of tasks) {
        const c: MemoryCase = { shape: shape.name, task, size };
        const cells: string[] = [];
        for (const w of where) cells.push(column(cell(await WHERE[w](c, values.models, guardMib), textMib)));
        console.log(`${shape.name.padEnd(28)} ${task.padEnd(11)} ${size.toLocaleString('en').padStart(10)}  ${cells.join('  ')}`);
      }
    }
  }
  console.log('\nPeaks are VmHWM of a fresh process per case (fixture models, int8, CPU); "idle" is after a warm-up on 200 characters of the shape.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
