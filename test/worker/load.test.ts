/**
 * Load through the bundled worker (dist/worker.js), as the extension runs it: bursts of 200
 * requests of all four analyses over eight documents, sent at once, a seeded third of them
 * cancelled at random moments — before they are sent, after a random delay, or from their own
 * progress while their batches run. Every request must end (a result equal to the same request
 * run alone, a `cancelled` error, or a clear error for a document with nothing to analyse), the
 * client must be idle afterwards, the worker must still answer correctly, and its resident memory
 * must not grow from one burst to the next.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkerClient, WorkerRequestError } from '../../src/client/workerClient';
import type { Method, Methods, Progress } from '../../src/protocol';
import { fixtureOptions, REPO } from '../helpers';
import { seededRandom as random } from '../seededRandom';

const WORKER = join(REPO, 'dist', 'worker.js');
const BURST = 200;
const SEEDS = [20240611, 7, 99, 31337];
/**
 * Resident memory the worker may gain between the end of the second burst and the end of the
 * last. Measured with the fixture models over ten bursts: 150 MiB after warm-up, about 250 MiB
 * after the first burst and 275–335 MiB after the second (the heaps grow to their working size
 * for 200 requests at once), then between 290 and 370 MiB with no trend: which batches happen to
 * run together moves it by tens of MiB. Generous, then; a leak of what each burst brings (texts,
 * tokens, results, tensors) would still add up past it.
 */
const RSS_GROWTH_BOUND = 128 * 1024 * 1024;

type Analysis = Exclude<Method, 'info' | 'download' | 'documents' | 'classify' | 'pii' | 'language'>;
const ANALYSES: readonly Analysis[] = ['sentiment', 'entities', 'ask', 'topics'];

interface Document {
  name: string;
  text: string;
  markdown?: boolean;
}

/**
 * Eight documents of varied size and script, with the fixture models' planted words
 * (test/fixtures/planted.ts) so that their results can be checked. Each burst gets its own
 * wording (`n`), so that its sentences and paragraphs are new to the worker's caches and go
 * through the models, many requests at once on the same text.
 */
function documents(n: number): readonly Document[] {
  return [
    { name: 'two sentences', text: `A wonderful day ${n}. An awful night ${n}.` },
    { name: 'entities', text: `Angela Merkel 😀 visited Tōkyō on day ${n}.\n\nBarack Obama met Google and Mozilla people in Paris (${n}).` },
    {
      name: 'markdown sections',
      markdown: true,
      text: `# Match ${n}\nThe team scored a goal.\n\n# Money ${n}\nThe company made a profit.\n\n# Lab ${n}\nThe physics experiment in the laboratory was a success.`,
    },
    {
      name: 'dates',
      text: `Tōkyō 😀 opened the tower in 1958. It was a great day, number ${n}.\n\nBerlin built its wall in 1961, a sad and terrible year.\n\nParis held the Olympics in 1924 (${n}).`,
    },
    {
      name: 'mixed, 40 paragraphs',
      text: Array.from({ length: 40 }, (_, i) =>
        [
          `Paragraph ${n}.${i}: Marie Curie went from Paris to Berlin in ${1900 + i}.`,
          i % 2 ? 'The football team was happy with the goal.' : 'The company had an awful market and bad stocks.',
          `Siemens and UNESCO met in Buenos Aires on day ${i}.`,
        ].join(' '),
      ).join('\n\n'),
    },
    {
      name: 'long, 60 paragraphs of 10 sentences',
      text: Array.from({ length: 60 }, (_, p) =>
        Array.from(
          { length: 10 },
          (_, s) => `Sentence ${n}.${p}.${s} about Google in Tokyo was ${['good', 'bad', 'rather plain', 'great and wonderful'][(p + s) % 4]} in ${1000 + ((p * 10 + s) % 2000)}.`,
        ).join(' '),
      ).join('\n\n'),
    },
    {
      name: 'scripts and emoji',
      text: `Marie Curie 👩‍🔬 worked in Paris (${n}). 東京は素晴らしい！ Ça va très bien, c’est excellent.\n\nمرحبا Berlin — the parliament vote was in 1990. 👍🏽 Angela Merkel was happy.\n\nZ̤͔ͧ̑̓ä͖̭̈̇lgo̮͖ Obama hates bad code.`,
    },
    { name: 'blank', text: ' \n\n\t  \n' },
  ];
}

/** The documents whose analyses run in many batches. */
const MANY_BATCHES = [4, 5];

interface Planned {
  index: number;
  documents: readonly Document[];
  method: Analysis;
  document: number;
  params: Methods[Analysis]['params'];
  /** Where the text starts in the document (a selection), or 0. */
  offset: number;
  cancel?: { when: 'before' } | { when: 'after'; ms: number } | { when: 'progress'; count: number };
}

type Outcome =
  | { kind: 'result'; result: Methods[Analysis]['result']; progress: number }
  /** `midway`: cancelled from its progress while batches were left to run. */
  | { kind: 'cancelled'; progress: number; midway: boolean }
  | { kind: 'error'; error: unknown };

function paramsFor(method: Analysis, text: string, offset: number, markdown: boolean, next: () => number): Methods[Analysis]['params'] {
  const at = offset > 0 ? { offset } : {};
  switch (method) {
    case 'sentiment':
      return { text, neutralBand: 0.1, ...at };
    case 'entities':
      return { text, minScore: 0.5, ...at };
    case 'ask':
      return { text, question: ['When did it open?', 'Which year?', 'When was the wall built?'][Math.floor(next() * 3)], top: 3, minScore: 0.1, ...at };
    case 'topics':
      return {
        text,
        labels: ['sports', 'business', 'science'],
        multiLabel: next() < 0.5,
        hypothesisTemplate: 'This text is about {}.',
        format: markdown ? 'markdown' : 'plaintext',
        ...at,
      };
  }
}

/** A burst: a seeded mix of analyses and documents, a third of them to be cancelled. */
function plan(seed: number, docs: readonly Document[]): Planned[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  return Array.from({ length: BURST }, (_, index) => {
    const method = pick(ANALYSES);
    const roll = next();
    // Those to be cancelled (a third) mostly go to the long documents, whose batches are many.
    const document = roll < 4 / 12 && next() < 0.6 ? pick(MANY_BATCHES) : Math.floor(next() * docs.length);
    const { text, markdown = false } = docs[document];
    // A quarter are selections: from a paragraph's start to the end, offsets into the document.
    const paragraphStarts = [...text.matchAll(/\n\n(?=\S)/g)].map((m) => (m.index as number) + 2);
    const offset = next() < 0.25 && paragraphStarts.length > 0 ? pick(paragraphStarts) : 0;
    const params = paramsFor(method, text.slice(offset), offset, markdown, next);
    const cancel: Planned['cancel'] =
      roll < 1 / 12
        ? { when: 'before' }
        : roll < 2 / 12
          ? { when: 'after', ms: Math.floor(next() * 40) }
          : roll < 4 / 12
            ? { when: 'progress', count: 1 + Math.floor(next() * 3) }
            : undefined;
    return { index, documents: docs, method, document, params, offset, cancel };
  });
}

/** Sends one planned request, cancelling it as planned; never rejects. */
async function send(worker: WorkerClient, request: Planned): Promise<Outcome> {
  const controller = new AbortController();
  const { cancel } = request;
  let progress = 0;
  let midway = false;
  let timer: NodeJS.Timeout | undefined;
  if (cancel?.when === 'before') controller.abort();
  if (cancel?.when === 'after') timer = setTimeout(() => controller.abort(), cancel.ms);
  const onProgress = ({ done, total }: Progress) => {
    progress++;
    if (cancel?.when === 'progress' && progress === cancel.count) {
      midway = done < total;
      controller.abort();
    }
  };
  try {
    const result = await worker.request(request.method, request.params as never, { signal: controller.signal, onProgress });
    return { kind: 'result', result, progress };
  } catch (error) {
    if (error instanceof WorkerRequestError && error.code === 'cancelled') return { kind: 'cancelled', progress, midway };
    return { kind: 'error', error };
  } finally {
    clearTimeout(timer);
  }
}

/** What a result says about the text, without how it was computed (time, cache hits). */
function substance(result: object): Record<string, unknown> {
  const { elapsedMs, cachedSentences, paragraphsAnalysed, paragraphsCached, ...rest } = result as Record<string, unknown>;
  void [elapsedMs, cachedSentences, paragraphsAnalysed, paragraphsCached];
  return rest;
}

/** Deep equality, numbers within 1e-6: a sentence's score may come from the cache, computed in another request's batch. */
function assertSame(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6, `${path}: ${actual} ≠ ${expected}`);
  } else if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${path}: ${JSON.stringify(actual)} is not an object`);
    const keys = Object.keys(expected as object);
    assert.deepEqual(Object.keys(actual as object).sort(), [...keys].sort(), `${path}: keys`);
    for (const key of keys) assertSame((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

/** Every span of a result is exactly the document's text at its offsets. */
function assertExactSpans(document: string, result: Methods[Analysis]['result'], what: string): number {
  const spans = [
    ...('sentences' in result ? [...result.sentences, ...result.paragraphs] : []),
    ...('entities' in result ? result.entities : []),
    ...('answers' in result ? result.answers.flatMap((answer) => [answer, answer.sentence]) : []),
    ...('sections' in result ? result.sections : []),
  ];
  for (const span of spans) assert.equal(document.slice(span.start, span.end), span.text, `${what}: span [${span.start}, ${span.end})`);
  return spans.length;
}

/** What the planted models say of the small documents, analysed whole. */
function assertPlanted(request: Planned, result: Methods[Analysis]['result']): void {
  if (request.offset > 0) return;
  const { name } = request.documents[request.document];
  if (name === 'two sentences' && 'sentences' in result) {
    assert.deepEqual(result.sentences.map((s) => s.label), ['POSITIVE', 'NEGATIVE']);
  }
  if (name === 'entities' && 'entities' in result) {
    assert.deepEqual(
      result.entities.map((e) => [e.text, e.type]),
      [['Angela Merkel', 'PER'], ['Tōkyō', 'LOC'], ['Barack Obama', 'PER'], ['Google', 'ORG'], ['Mozilla', 'ORG'], ['Paris', 'LOC']],
    );
  }
  if (name === 'markdown sections' && 'sections' in result) {
    assert.deepEqual(result.sections.map((s) => s.labels[0].label), ['sports', 'business', 'science']);
  }
  if (name === 'dates' && 'answers' in result) {
    assert.ok(result.answers.length > 0);
    for (const answer of result.answers) assert.match(answer.text, /^(1958|1961|1924)$/);
  }
}

/** The worker's resident memory now and at its peak, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const status = readFileSync(file, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

test('bursts of 200 requests with a third cancelled at random moments: every request ends, correctly, and memory stays bounded', { timeout: 300_000 }, async (t) => {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first.`);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));

  const worker = new WorkerClient({ workerPath: WORKER, engineOptions: fixtureOptions() });
  const alone = new WorkerClient({ workerPath: WORKER, engineOptions: fixtureOptions() });
  t.after(() => {
    worker.dispose();
    alone.dispose();
  });

  // Each distinct request, run alone (one at a time, in a worker of its own): the reference.
  const references = new Map<string, Promise<Outcome>>();
  let chain: Promise<unknown> = Promise.resolve();
  const reference = (request: Planned): Promise<Outcome> => {
    const key = JSON.stringify([request.method, request.params]);
    let found = references.get(key);
    if (!found) {
      found = chain.then(() => send(alone, { ...request, cancel: undefined }));
      chain = found;
      references.set(key, found);
    }
    return found;
  };

  // Warm-up: every analysis of every document once, so that all four models are loaded.
  const warmUp = documents(0);
  await Promise.all(
    warmUp.flatMap((document, d) =>
      ANALYSES.map((method) => send(worker, { index: -1, documents: warmUp, method, document: d, offset: 0, params: paramsFor(method, document.text, 0, document.markdown ?? false, () => 0) })),
    ),
  );
  const pid = worker.pid as number;
  const memory = [memoryOf(pid)];

  const counts = { sent: 0, plannedCancels: 0, cancelled: 0, cancelledMidBatch: 0, results: 0, errors: 0, spansChecked: 0 };
  for (const [burst, seed] of SEEDS.entries()) {
    const requests = plan(seed, documents(burst + 1));
    // All at once: nothing is awaited between them.
    const outcomes = await Promise.all(requests.map((request) => send(worker, request)));
    counts.sent += requests.length;
    for (const [i, outcome] of outcomes.entries()) {
      const request = requests[i];
      const document = request.documents[request.document];
      const what = `seed ${seed}, request ${i} (${request.method} of "${document.name}"${request.offset ? ` from ${request.offset}` : ''}, cancel ${JSON.stringify(request.cancel)})`;
      if (request.cancel) counts.plannedCancels++;
      if (request.cancel?.when === 'before') assert.equal(outcome.kind, 'cancelled', `${what}: cancelled before it was sent`);
      const expected = await reference(request);
      switch (outcome.kind) {
        case 'result': {
          counts.results++;
          assert.equal(expected.kind, 'result', `${what}: alone, it ended as ${expected.kind}`);
          counts.spansChecked += assertExactSpans(document.text, outcome.result, what);
          assertPlanted(request, outcome.result);
          if (expected.kind === 'result') assertSame(substance(outcome.result), substance(expected.result), what);
          break;
        }
        case 'cancelled':
          counts.cancelled++;
          assert.ok(request.cancel, `${what}: cancelled, yet nobody cancelled it`);
          if (outcome.midway) counts.cancelledMidBatch++;
          break;
        case 'error': {
          counts.errors++;
          assert.ok(outcome.error instanceof WorkerRequestError, `${what}: ${String(outcome.error)}`);
          assert.equal(outcome.error.code, 'bad-input', `${what}: ${outcome.error.message}`);
          assert.equal(document.name, 'blank', `${what}: only the blank document has nothing to analyse`);
          assert.match(outcome.error.message, /empty or only whitespace/);
          assert.equal(expected.kind, 'error', `${what}: alone, it ended as ${expected.kind}`);
          break;
        }
      }
    }
    // Every promise settled above; nothing is left pending in the client.
    assert.equal(worker.status.state, 'ready', `after burst ${seed}: ${JSON.stringify(worker.status)}`);
    memory.push(memoryOf(pid));
  }

  assert.equal(counts.results + counts.cancelled + counts.errors, counts.sent, 'every request ended');
  assert.ok(counts.cancelledMidBatch > 10, `requests cancelled from their own progress: ${counts.cancelledMidBatch}`);
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  assert.equal(worker.pid, pid, 'the worker never crashed');

  // The worker still answers a fresh request correctly.
  const text = 'Barack Obama 🎉 loves Buenos Aires.';
  const fresh = await worker.request('entities', { text, minScore: 0.5 });
  assert.deepEqual(fresh.entities.map((e) => [text.slice(e.start, e.end), e.type]), [['Barack Obama', 'PER'], ['Buenos Aires', 'LOC']]);
  assert.equal(worker.status.state, 'ready');

  t.diagnostic(`requests: ${JSON.stringify(counts)}; distinct requests run alone: ${references.size}`);
  if (memory.every((m) => m !== undefined)) {
    const [warm, ...bursts] = memory as { rss: number; hwm: number }[];
    t.diagnostic(`worker memory (VmRSS / VmHWM): after warm-up ${mib(warm.rss)} / ${mib(warm.hwm)}; after each burst ${bursts.map((m) => `${mib(m.rss)} / ${mib(m.hwm)}`).join(', ')}`);
    // The first two bursts grow the heaps to their working size; after that, a burst like the ones
    // before must not keep adding to it.
    const settledAt = bursts[1];
    const last = bursts[bursts.length - 1];
    assert.ok(last.rss - settledAt.rss < RSS_GROWTH_BOUND, `resident memory grew by ${mib(last.rss - settledAt.rss)} between the second and the last burst`);
  } else {
    t.diagnostic('no /proc: memory not measured');
  }
});
