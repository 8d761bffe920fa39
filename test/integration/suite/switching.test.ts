/**
 * Switching documents quickly inside a real extension host, with the planted fixture models:
 * the active editor changes many times a second while entity highlighting runs, documents are
 * edited while their analysis is under way, and some fifty commands are fired without waiting for
 * each. When things settle, every document's highlights describe its current text — never an older
 * version — and equal a fresh analysis of it; every command ends.
 *
 * Needs the fixture models (`npm run fixtures`) and a built extension (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { WorkerClient } from '../../../src/client/workerClient';
import type { SentimentResult } from '../../../src/protocol';
import type { DocumentEntities, EntityHighlighter } from '../../../src/ui/entityHighlighter';
import { seededRandom as random } from '../../seededRandom';

const EXTENSION_ID = 'local-text-analytics.local-text-analytics';

interface HeldAnswers {
  /** Answers held now. */
  count(): number;
  /** Resolves when an answer is held (at once if one is). */
  next(): Promise<void>;
  /** Lets every held answer through. */
  release(): void;
  /** Stops holding answers, and lets those held through. */
  restore(): void;
}

const PEOPLE = ['Angela Merkel', 'Barack Obama', 'Marie Curie'];
const PLACES = ['Paris', 'Berlin', 'Tokyo', 'Buenos Aires'];
const ORGS = ['Google', 'UNESCO', 'Siemens', 'Mozilla'];

/** A document of `paragraphs` paragraphs, each with planted entities and sentiment words. */
function documentText(seed: number, paragraphs: number): string {
  const next = random(seed);
  const pick = (items: readonly string[]) => items[Math.floor(next() * items.length)];
  return (
    Array.from(
      { length: paragraphs },
      (_, i) => `Note ${seed}.${i}: ${pick(PEOPLE)} met ${pick(ORGS)} people in ${pick(PLACES)}. It was ${pick(['a good', 'an awful', 'a plain', 'a great'])} day.`,
    ).join('\n\n') + '\n'
  );
}

suite('Switching documents quickly in the extension host', () => {
  let api: ExtensionApi;
  let highlighter: EntityHighlighter;
  const folder = mkdtempSync(join(tmpdir(), 'lta-switching-'));
  // Sizes from a few lines to several requests' worth (the highlighter asks 16,000 characters at a time).
  const SIZES = [3, 40, 120, 400, 2000];
  let run = 0;
  const settings = () => vscode.workspace.getConfiguration('textAnalytics');
  const minScore = () => settings().get<number>('entities.minScore', 0.5);

  async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (condition()) return;
    // Checked on every change of the entities, and now and then for what no event announces.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        finish();
        resolve();
      };
      const subscription = highlighter.onDidChangeEntities(check);
      const poll = setInterval(check, 100);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const finish = () => {
        subscription.dispose();
        clearInterval(poll);
        clearTimeout(timer);
      };
    });
  }

  /**
   * The highlights of `document` describe its current version: each entity is exactly the text at
   * its offsets, and together they equal a fresh analysis of the whole text now.
   */
  async function assertCurrent(document: vscode.TextDocument): Promise<DocumentEntities> {
    const found = highlighter.entitiesFor(document.uri);
    assert.ok(found, `${document.fileName} is highlighted`);
    assert.equal(found.version, document.version, `${document.fileName}: the entities belong to the current version`);
    for (const entity of found.entities) {
      const range = new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end));
      assert.equal(document.getText(range), entity.text, `${document.fileName}: offsets of "${entity.text}" at ${entity.start}`);
    }
    const fresh = await api.client.request('entities', { text: document.getText(), minScore: minScore() });
    assert.deepEqual(
      found.entities.map(({ start, end, text, type }) => ({ start, end, text, type })),
      fresh.entities.map(({ start, end, text, type }) => ({ start, end, text, type })),
      `${document.fileName}: the highlights equal a fresh analysis of the current text`,
    );
    return found;
  }

  /**
   * Fresh files for a test, one per size (saved files, so that closing them never asks to save),
   * opened; `doc4` is the longest.
   */
  async function openDocuments(): Promise<vscode.TextDocument[]> {
    run++;
    return Promise.all(
      SIZES.map((paragraphs, i) => {
        const file = join(folder, `run${run}-doc${i}.txt`);
        writeFileSync(file, documentText(run * 10 + i, paragraphs));
        return vscode.workspace.openTextDocument(vscode.Uri.file(file));
      }),
    );
  }

  /**
   * Holds the worker's answers to `method` back until {@link HeldAnswers.release}, as a busy
   * worker would: whatever the test does meanwhile (switch, edit) comes before the answers it
   * races with — every time, not only when the timing happens to fall that way. The answers
   * themselves are the worker's own.
   */
  function holdAnswers(method: 'entities' | 'sentiment'): HeldAnswers {
    const client = api.client;
    const original = client.request;
    let held: Array<() => void> = [];
    let onHeld: (() => void) | undefined;
    const wrapped = async (...args: Parameters<WorkerClient['request']>) => {
      const result: unknown = await original.apply(client, args);
      if (args[0] === method) {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          onHeld?.();
        });
      }
      return result;
    };
    Object.defineProperty(client, 'request', { value: wrapped, configurable: true, writable: true });
    const release = () => {
      const now = held;
      held = [];
      now.forEach((resolve) => resolve());
    };
    return {
      count: () => held.length,
      next: () =>
        held.length > 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              onHeld = () => {
                onHeld = undefined;
                resolve();
              };
            }),
      release,
      restore: () => {
        Reflect.deleteProperty(client, 'request');
        release();
      },
    };
  }

  const settled = (document: vscode.TextDocument) => {
    const found = highlighter.entitiesFor(document.uri);
    return found !== undefined && found.complete && found.version === document.version;
  };

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    api = await extension.activate();
    highlighter = api.entities;
    for (const task of ['entities', 'sentiment']) {
      const fixture = join(extension.extensionPath, 'test', 'fixtures', 'models', task);
      assert.ok(existsSync(join(fixture, 'config.json')), `no fixture model in ${fixture}: run \`npm run fixtures\``);
      await settings().update(`models.${task}`, fixture, vscode.ConfigurationTarget.Global);
    }
    await settings().update('allowDownloads', false, vscode.ConfigurationTarget.Global);
  });

  teardown(async () => {
    await settings().update('entities.autoHighlight', undefined, vscode.ConfigurationTarget.Global);
    for (const document of vscode.workspace.textDocuments.filter((d) => d.uri.fsPath.startsWith(folder))) highlighter.clear(document);
    // Saved, so that closing asks nothing; each test writes files of its own.
    await vscode.workspace.saveAll(false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(async () => {
    for (const task of ['entities', 'sentiment']) await settings().update(`models.${task}`, undefined, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', undefined, vscode.ConfigurationTarget.Global);
    rmSync(folder, { recursive: true, force: true });
  });

  test('switching the active editor rapidly while auto-highlighting runs, with edits while answers are on their way: every document ends up with the entities of its current text', async () => {
    const documents = await openDocuments();
    const next = random(42);
    let edits = 0;
    let editsRacingAnswers = 0;
    // Each answer arrives only after the next switch (and edit) is done, as from a busy worker.
    const answers = holdAnswers('entities');
    try {
      await settings().update('entities.autoHighlight', ['plaintext'], vscode.ConfigurationTarget.Global);
      for (let step = 0; step < 60; step++) {
        // Every document is shown at least once (auto-highlighting starts when it is visible).
        const document = step < documents.length ? documents[step] : documents[Math.floor(next() * documents.length)];
        const editor = await vscode.window.showTextDocument(document, { preview: false });
        if (step >= documents.length && next() < 0.3) {
          // Text inserted near the top moves every entity below it: an answer about the text
          // before the edit would put them all in the wrong place.
          if (answers.count() > 0) editsRacingAnswers++;
          const line = Math.floor(next() * Math.min(20, document.lineCount));
          await editor.edit((edit) => edit.insert(new vscode.Position(line, 0), `Marie Curie ${step} wrote: `));
          edits++;
        }
        answers.release();
      }
    } finally {
      answers.restore();
    }
    assert.ok(edits > 5, `edits made while switching: ${edits}`);
    assert.ok(editsRacingAnswers > 0, `edits made while answers were held: ${editsRacingAnswers}`);
    for (const document of documents) {
      await until(() => settled(document), `the highlights of ${document.fileName}`);
      const found = await assertCurrent(document);
      assert.ok(found.entities.length >= document.lineCount / 2, `${document.fileName}: ${found.entities.length} entities`);
    }
  });

  test('edits above the entities while their analysis is on its way: the highlights follow the new text, never an old version', async () => {
    const document = (await openDocuments())[4];
    const editor = await vscode.window.showTextDocument(document);
    const answers = holdAnswers('entities');
    let run: Thenable<DocumentEntities | undefined>;
    try {
      run = vscode.commands.executeCommand<DocumentEntities | undefined>('textAnalytics.highlightEntities');
      const next = random(3);
      for (let k = 0; k < 6; k++) {
        // An answer about the text as it is now waits; text goes in above what it describes.
        await answers.next();
        const line = Math.floor(next() * 20);
        await editor.edit((edit) => edit.insert(new vscode.Position(line, 0), `Barack Obama ${k} and Angela Merkel write from Berlin: `));
        answers.release();
      }
      await editor.edit((edit) => edit.insert(document.positionAt(document.getText().length), '\nGoogle opened an office in Tokyo.\n'));
    } finally {
      answers.restore();
    }
    assert.ok(await run, 'the command ended with the document’s entities');
    await until(() => settled(document), 'the refresh after the edits');
    const found = await assertCurrent(document);
    assert.ok(found.entities.filter((e) => e.text === 'Barack Obama').length >= 6, 'the inserted entities are found');
    assert.deepEqual(
      found.entities.slice(-2).map((e) => e.text),
      ['Google', 'Tokyo'],
      'and those at the end',
    );
  });

  test('analysing sentiment while the document is edited: the result describes the old text, and the panel says its view is stale', async function () {
    const document = (await openDocuments())[4];
    const editor = await vscode.window.showTextDocument(document);
    const before = document.getText();
    const answers = holdAnswers('sentiment');
    let run: Thenable<SentimentResult | undefined>;
    try {
      run = vscode.commands.executeCommand<SentimentResult | undefined>('textAnalytics.analyzeSentiment');
      // The worker has answered about the text as it was; the user types before the answer is shown.
      await answers.next();
      await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'A wonderful start. '));
    } finally {
      answers.restore();
    }
    const result = await run;
    assert.ok(result, 'the analysis ended with a result');
    for (const sentence of result.sentences) assert.equal(before.slice(sentence.start, sentence.end), sentence.text, 'offsets into the text analysed');
    assert.notEqual(document.getText().slice(result.sentences[0].start, result.sentences[0].end), result.sentences[0].text, 'the document has moved on');
    const state = api.panelState();
    assert.ok(state?.content.view === 'sentiment', `the panel shows the sentiment: ${JSON.stringify(state?.content.view)}`);
    assert.equal(state.stale, true, 'the panel marks the view stale');
  });

  test('fifty highlight and sentiment commands across five documents, fired without waiting: all of them end, and the highlights match the text', async () => {
    const documents = await openDocuments();
    const next = random(7);
    const commands: Array<{ command: string; document: vscode.TextDocument; done: Promise<unknown> }> = [];
    for (let i = 0; i < 50; i++) {
      const document = documents[Math.floor(next() * documents.length)];
      await vscode.window.showTextDocument(document, { preview: false });
      const command = next() < 0.5 ? 'textAnalytics.highlightEntities' : 'textAnalytics.analyzeSentiment';
      // Not awaited: the next switch and command go ahead while this one runs.
      commands.push({ command, document, done: Promise.resolve(vscode.commands.executeCommand(command)) });
    }
    const outcomes = await Promise.allSettled(commands.map((c) => c.done));
    const rejected = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [`${commands[i].command}: ${String(outcome.reason)}`] : []));
    assert.deepEqual(rejected, [], 'no command failed');

    // A newer sentiment run cancels the one before (only the newest reaches the panel); the last
    // one therefore ends with a result, exact for its document.
    const lastSentiment = commands.map((c, i) => ({ ...c, outcome: outcomes[i] })).filter((c) => c.command === 'textAnalytics.analyzeSentiment').at(-1);
    assert.ok(lastSentiment && lastSentiment.outcome.status === 'fulfilled');
    const sentiment = lastSentiment.outcome.value as SentimentResult | undefined;
    assert.ok(sentiment, 'the newest sentiment run has a result');
    const text = lastSentiment.document.getText();
    for (const sentence of sentiment.sentences) assert.equal(text.slice(sentence.start, sentence.end), sentence.text);

    for (const document of documents.filter((d) => highlighter.isHighlighted(d))) {
      await until(() => settled(document), `the highlights of ${document.fileName}`);
      await assertCurrent(document);
    }
    assert.equal(api.client.status.state, 'ready', `the worker has nothing left to do: ${JSON.stringify(api.client.status)}`);
  });
});
