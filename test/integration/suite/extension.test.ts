/**
 * Behaviours checked inside a real extension host: every contributed command has a handler, and
 * Analyze Sentiment returns the planted fixture model's labels for an open document.
 *
 * Needs the fixture models (`npm run fixtures`) and a built extension (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ClassifyResult, SentimentResult } from '../../../src/protocol';
import { SAMPLE_DOCUMENT_LABEL, SAMPLE_PARAGRAPHS, SAMPLE_SENTENCES, SAMPLE_TEXT } from '../sample';

const EXTENSION_ID = 'local-text-analytics.local-text-analytics';

suite('Local Text Analytics in the extension host', () => {
  let extension: vscode.Extension<unknown>;
  // A saved file rather than an untitled document, so that closing it never asks to save.
  const folder = mkdtempSync(join(tmpdir(), 'lta-integration-'));
  const sampleFile = join(folder, 'sample.md');
  const settings = () => vscode.workspace.getConfiguration('textAnalytics');

  suiteSetup(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded`);
    extension = found;
    await extension.activate();
    writeFileSync(sampleFile, SAMPLE_TEXT);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await settings().update('models.sentiment', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', undefined, vscode.ConfigurationTarget.Global);
    rmSync(folder, { recursive: true, force: true });
  });

  test('every contributed command has a handler', async () => {
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map(
      (c) => c.command,
    );
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((command) => !registered.has(command)),
      [],
      'contributed commands without a handler',
    );
  });

  test('Analyze Sentiment returns the planted labels for the open document', async () => {
    const fixture = join(extension.extensionPath, 'test', 'fixtures', 'models', 'sentiment');
    assert.ok(existsSync(join(fixture, 'config.json')), `no fixture model in ${fixture}: run \`npm run fixtures\``);
    await settings().update('models.sentiment', fixture, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', false, vscode.ConfigurationTarget.Global);

    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(sampleFile));
    await vscode.window.showTextDocument(document);
    const result = await vscode.commands.executeCommand<SentimentResult | undefined>('textAnalytics.analyzeSentiment');
    assert.ok(result, 'the command returned no result');

    assert.deepEqual(
      result.sentences.map((s) => [s.text.trim(), s.label]),
      SAMPLE_SENTENCES.map(([text, label]) => [text, label]),
    );
    for (const sentence of result.sentences) {
      const range = new vscode.Range(document.positionAt(sentence.start), document.positionAt(sentence.end));
      assert.equal(document.getText(range), sentence.text, 'offsets point at the sentence in the document');
    }
    assert.deepEqual(
      result.sentences.map((s) => s.paragraph),
      SAMPLE_PARAGRAPHS.flatMap((sentences, paragraph) => sentences.map(() => paragraph)),
    );
    assert.equal(result.paragraphs.length, SAMPLE_PARAGRAPHS.length);
    assert.equal(result.document.label, SAMPLE_DOCUMENT_LABEL);
    assert.equal(result.device.used, 'cpu');
    assert.equal(result.model.source, 'setting');
  });

  test('Classify With takes a classifier id as its argument (a keybinding\'s "args") and runs it', async () => {
    const emotion = join(extension.extensionPath, 'test', 'fixtures', 'models', 'emotion');
    assert.ok(existsSync(join(emotion, 'config.json')), `no fixture model in ${emotion}: run \`npm run fixtures\``);
    await settings().update('classifiers', [{ id: 'emotion', title: 'Emotion', model: emotion, level: 'paragraph' }], vscode.ConfigurationTarget.Global);
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(sampleFile));
      await vscode.window.showTextDocument(document);
      const result = await vscode.commands.executeCommand<ClassifyResult | undefined>('textAnalytics.classifyWith', 'emotion');
      assert.ok(result, 'the command returned no result');
      assert.deepEqual(result.classifier, { id: 'emotion', title: 'Emotion' });
      assert.equal(result.items.length, SAMPLE_PARAGRAPHS.length, 'one item per paragraph');
      for (const item of result.items) {
        const range = new vscode.Range(document.positionAt(item.start), document.positionAt(item.end));
        assert.equal(document.getText(range), item.text, 'offsets point at the paragraph in the document');
      }
      const api = extension.exports as { panelState(): { content: { view: string } } | undefined };
      assert.equal(api.panelState()?.content.view, 'classify', 'the results panel shows the classifier view');
      // An id no classifier has: nothing runs (the user is told what to add to the setting).
      assert.equal(await vscode.commands.executeCommand('textAnalytics.classifyWith', 'no-such-classifier'), undefined);
    } finally {
      await settings().update('classifiers', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
