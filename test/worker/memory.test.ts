/**
 * Any input within the size limit runs in bounded memory: worst shapes of text (test/support/
 * memory.ts) through the real worker (dist/worker.js, through WorkerClient as the extension runs
 * it), through the engine in a process of its own (as the CLI runs it) and through the real CLI
 * (dist/cli.js, --json), each in a fresh process whose peak resident memory (VmHWM) must stay under
 * 1 GiB, with its whole result. Before the engine tokenized requests a chunk at a time, 2,000,000
 * characters of one-character lines took 1.2 GB in the worker for sentiment (4 GiB in the CLI),
 * and a line of full stops 2.5 GB for entities; a result of millions of sentences was one IPC
 * message of hundreds of MB, and its copies.
 *
 * A process past twice the bound is killed at once, so that a failing case does not take the
 * machine's memory. Linux only (/proc): elsewhere the test says so and skips.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureModels, REPO } from '../helpers';
import { inCli, inOwnProcess, inWorker, type MemoryCase } from '../support/memory';

/** The bound: the worker's and the CLI's peak resident memory, whatever the shape of a text within the limit. */
const BOUND_MIB = 1024;

interface Case extends MemoryCase {
  where: keyof typeof RUNS;
  /** What the result must hold: that many sentences, entities, sections or answers. */
  items: number;
}

const RUNS = { worker: inWorker, engine: inOwnProcess, cli: inCli } as const;

const CASES: readonly Case[] = [
  // The case: a million short lines, a sentence each; the result crosses IPC in parts.
  { where: 'worker', shape: 'one-char lines', task: 'sentiment', size: 2_000_000, items: 1_000_000 },
  // One sentence of 2,000,000 tokens, read as one paragraph of as many.
  { where: 'worker', shape: 'punctuation without spaces', task: 'entities', size: 2_000_000, items: 0 },
  // A section of 2,000,000 characters: 4 labels × the stretches of 500,000 tokens.
  { where: 'engine', shape: 'short sentences on one line', task: 'topics', size: 2_000_000, items: 1 },
  // The question against one context of 2,000,000 tokens.
  { where: 'engine', shape: 'punctuation without spaces', task: 'ask', size: 2_000_000, items: 0 },
  // The size limit's maximum: one word of 5,000,000 Hangul syllables, which the normaliser makes 15,000,000 jamo.
  { where: 'worker', shape: 'Hangul without spaces', task: 'entities', size: 5_000_000, items: 0 },
  // The real CLI at the size limit's maximum on the shape with the largest result (npm run bench:memory):
  // 1,666,667 paragraphs of a sentence each, the sentences as JSON.
  { where: 'cli', shape: 'one-word paragraphs', task: 'sentiment', size: 5_000_000, items: 1_666_667 },
  // A classifier's largest result: one-character lines up to MAX_LABEL_SCORES, six labels each (more is refused).
  { where: 'cli', shape: 'one-char lines', task: 'classify', size: 666_666, items: 333_333 },
];

const hasProc = existsSync('/proc/self/status');

for (const c of CASES) {
  test(`${c.task} of ${c.size.toLocaleString('en')} characters of ${c.shape}, in the ${c.where}: peak memory under ${BOUND_MIB} MiB`, async (t) => {
    if (!hasProc) {
      t.skip('no /proc here: peak memory is not measured');
      return;
    }
    assert.ok(existsSync(join(REPO, 'dist', 'worker.js')) && existsSync(join(REPO, 'dist', 'cli.js')), 'dist/ is built (npm run build)');
    const measured = await RUNS[c.where](c, fixtureModels(), 2 * BOUND_MIB);
    t.diagnostic(`peak ${measured.peak.toFixed(0)} MiB, idle ${measured.idle.toFixed(0)} MiB, ${(measured.ms / 1000).toFixed(1)} s`);
    assert.notEqual(measured.peak, Infinity, `passed ${2 * BOUND_MIB} MiB and was killed`);
    assert.equal(measured.error, undefined, 'the request succeeded');
    assert.equal(measured.items, c.items, 'the result is whole');
    assert.ok(measured.peak < BOUND_MIB, `peak resident memory ${measured.peak.toFixed(0)} MiB`);
  });
}
