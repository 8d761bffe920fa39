/**
 * Bad input inside a real extension host: empty, whitespace-only and binary documents are refused
 * without a request reaching the worker and without touching the document, and a document of odd
 * Unicode (lone surrogates — which VS Code stores as U+FFFD —, emoji sequences, combining marks, right-to-left text, CJK, zero-width
 * characters, CRLF and CR line ends, a 200,000-character line without spaces) is analysed by all four commands with
 * every reported span equal to the document's text at its offsets.
 *
 * Needs the fixture models (`npm run fixtures`) and a built extension (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { AskResult, SentimentResult, Span, Task, TopicsResult } from '../../../src/protocol';
import type { DocumentEntities } from '../../../src/ui/entityHighlighter';

const EXTENSION_ID = 'local-text-analytics.local-text-analytics';
const TASKS: readonly Task[] = ['sentiment', 'topics', 'entities', 'qa'];

/** Each command once on the active editor; what each returned (undefined: it did not analyse). */
async function runAllCommands(): Promise<{
  sentiment?: SentimentResult;
  topics?: TopicsResult;
  entities?: DocumentEntities;
  answers?: AskResult;
}> {
  return {
    sentiment: await vscode.commands.executeCommand<SentimentResult | undefined>('textAnalytics.analyzeSentiment'),
    topics: await vscode.commands.executeCommand<TopicsResult | undefined>('textAnalytics.classifyTopics'),
    entities: await vscode.commands.executeCommand<DocumentEntities | undefined>('textAnalytics.highlightEntities'),
    answers: await vscode.commands.executeCommand<AskResult | undefined>('textAnalytics.askQuestion', 'When did it open?'),
  };
}

/** Opens an untitled plain-text document with `content` (kept exactly, lone surrogates included). */
async function showUntitled(content: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content });
  await vscode.window.showTextDocument(document);
  return document;
}

function assertExact(document: vscode.TextDocument, spans: readonly Span[], what: string): void {
  const length = document.getText().length;
  for (const span of spans) {
    assert.ok(0 <= span.start && span.start <= span.end && span.end <= length, `${what} [${span.start}, ${span.end}) within the document`);
    const range = new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
    assert.equal(document.getText(range), span.text, `${what} at [${span.start}, ${span.end})`);
  }
}

/** Resolves once the worker is stopped or ready and its status has not changed for a second (at most 20 s). */
async function quietWorker(api: ExtensionApi): Promise<void> {
  const deadline = Date.now() + 20_000;
  let changed = Date.now();
  const listener = api.client.onStatus(() => (changed = Date.now()));
  const settled = () => ['stopped', 'ready'].includes(api.client.status.state) && Date.now() - changed >= 1000;
  try {
    while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    listener.dispose();
  }
}

suite('Bad input in the extension host', () => {
  let api: ExtensionApi;
  const settings = () => vscode.workspace.getConfiguration('textAnalytics');

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    api = await extension.activate();
    for (const task of TASKS) {
      const fixture = join(extension.extensionPath, 'test', 'fixtures', 'models', task);
      assert.ok(existsSync(join(fixture, 'config.json')), `no fixture model in ${fixture}: run \`npm run fixtures\``);
      await settings().update(`models.${task}`, fixture, vscode.ConfigurationTarget.Global);
    }
    await settings().update('allowDownloads', false, vscode.ConfigurationTarget.Global);
    // Changed settings restart a running worker, and the Models view (when shown) asks the worker
    // for its facts again: let that settle, so that only the commands under test are watched.
    await quietWorker(api);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('textAnalytics.clearEntityHighlights');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const task of TASKS) await settings().update(`models.${task}`, undefined, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', undefined, vscode.ConfigurationTarget.Global);
  });

  // Highlighting is a mode that follows typing, so an empty document may be highlighted (with
  // nothing found yet); a binary one never is.
  const refused: Array<[string, string, { highlighted: boolean }]> = [
    ['an empty document', '', { highlighted: true }],
    ['a whitespace-only document', ' \n\t \r\n\u00a0\u3000 \n', { highlighted: true }],
    ['a binary document (NUL characters)', 'PK\u0003\u0004\u0000\u0000\u0014\u0000 Angela Merkel \u0000\u00ff\u00fe', { highlighted: false }],
  ];
  for (const [name, content, { highlighted }] of refused) {
    test(`${name} is refused by every command; no request reaches the worker and the text is untouched`, async () => {
      const document = await showUntitled(content);
      const opened = document.getText(); // line ends made uniform by VS Code
      // A request would show in the engine's status (the status bar): starting, loading, busy.
      const states: string[] = [];
      const listener = api.client.onStatus((status) => states.push(status.state));
      const results = await runAllCommands().finally(() => listener.dispose());
      const { entities, ...analyses } = results;
      assert.deepEqual(analyses, { sentiment: undefined, topics: undefined, answers: undefined });
      assert.deepEqual(states, [], 'no request was sent to the worker');
      if (highlighted) assert.deepEqual(entities?.entities, [], 'highlighted, with nothing found');
      else assert.equal(entities ?? api.entities.entitiesFor(document.uri), undefined, 'not highlighted');
      assert.equal(document.getText(), opened, 'the document is unchanged');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });
  }

  test('odd Unicode: every command answers, and every span is the document’s text at its offsets', async () => {
    const content = [
      'Angela\u0301 Merkel visited Berlin 😀 and 👩‍👩‍👧‍👦 🇩🇪 👍🏽 on a wonderful day.\r',
      'שלום Angela Merkel מ־Berlin, مرحبا Paris \u200f\u202etxt.exe\u202c is great.\r',
      '東京でMarie Curieは excellent な研究をした。The lab opened in 1932.\r',
      'Zero\u200bwidth\u200cjoiners\u200d and a BOM \ufeff around Google, Mozilla and UNESCO.\r',
      'A lone high \ud800 and a lone low \udc00 surrogate near Tokyo, sadly awful.\r',
      'e\u0301\u0302\u0303\u0304 Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o terrible.\r',
      'x'.repeat(200_000) + ' then Paris.\r',
      'A line ending in a lone CR about Mozilla.\rAnd another one in Berlin.\r',
      '',
    ].join('\n');
    const document = await showUntitled(content);
    // VS Code itself turns the lone surrogates into U+FFFD when it makes the document.
    const opened = document.getText();
    assert.ok(opened.includes('\ufffd'));
    const { sentiment, topics, entities, answers } = await runAllCommands();

    assert.ok(sentiment && sentiment.sentences.length > 0, 'sentiment answered');
    assertExact(document, sentiment.sentences, 'sentence');
    assertExact(document, sentiment.paragraphs, 'paragraph');

    assert.ok(topics && topics.sections.length > 0, 'topics answered');
    assertExact(document, topics.sections, 'topic section');

    assert.ok(entities && entities.entities.length > 0, 'entities answered');
    assertExact(document, entities.entities, 'entity');
    for (const name of ['Berlin', 'Paris', 'Google', 'Mozilla', 'Tokyo']) {
      assert.ok(entities.entities.some((e) => e.text === name), `${name} is found among ${entities.entities.map((e) => e.text).join(', ')}`);
    }

    assert.ok(answers, 'the question was answered');
    assertExact(document, answers.answers, 'answer');
    assertExact(
      document,
      answers.answers.map((a) => a.sentence),
      'answer sentence',
    );
    assert.ok(answers.answers.some((a) => a.text === '1932'), 'the planted answer is found');
    assert.equal(document.getText(), opened, 'the document is unchanged');
  });
});
