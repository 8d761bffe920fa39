/**
 * Entity highlighting inside a real extension host, with the planted fixture entities model:
 * the command's entities and their offsets, highlights that follow edits at once, a refresh after
 * a pause in typing, and clearing.
 *
 * Needs the fixture models (`npm run fixtures`) and a built extension (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { DocumentEntities, EntityHighlighter } from '../../../src/ui/entityHighlighter';

const EXTENSION_ID = 'local-text-analytics.local-text-analytics';

/** What the planted model finds in it (test/fixtures/planted.ts), in order. */
const TEXT = 'Angela Merkel met Barack Obama in Buenos Aires.\n\nGoogle and Mozilla opened offices in Paris.\n';
const EXPECTED = [
  ['Angela Merkel', 'PER'],
  ['Barack Obama', 'PER'],
  ['Buenos Aires', 'LOC'],
  ['Google', 'ORG'],
  ['Mozilla', 'ORG'],
  ['Paris', 'LOC'],
];

suite('Entity highlighting in the extension host', () => {
  let highlighter: EntityHighlighter;
  let extensionApi: ExtensionApi;
  const folder = mkdtempSync(join(tmpdir(), 'lta-entities-'));
  const file = join(folder, 'notes.txt');
  const settings = () => vscode.workspace.getConfiguration('textAnalytics');

  /** The document's entities, checked to be exactly the text at their offsets. */
  function current(document: vscode.TextDocument): DocumentEntities {
    const found = highlighter.entitiesFor(document.uri);
    assert.ok(found, 'the document is highlighted');
    for (const entity of found.entities) {
      const range = new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end));
      assert.equal(document.getText(range), entity.text, `offsets of "${entity.text}"`);
    }
    return found;
  }

  async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    extensionApi = await extension.activate();
    highlighter = extensionApi.entities;
    const fixture = join(extension.extensionPath, 'test', 'fixtures', 'models', 'entities');
    assert.ok(existsSync(join(fixture, 'config.json')), `no fixture model in ${fixture}: run \`npm run fixtures\``);
    await settings().update('models.entities', fixture, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', false, vscode.ConfigurationTarget.Global);
    writeFileSync(file, TEXT);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await settings().update('models.entities', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('allowDownloads', undefined, vscode.ConfigurationTarget.Global);
    rmSync(folder, { recursive: true, force: true });
  });

  test('Highlight Entities finds the planted entities at their offsets in the document', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    const result = await vscode.commands.executeCommand<DocumentEntities | undefined>('textAnalytics.highlightEntities');
    assert.ok(result, 'the command returned no entities');
    assert.equal(result.complete, true);
    assert.deepEqual(
      result.entities.map((entity) => [entity.text, entity.type]),
      EXPECTED,
    );
    assert.deepEqual(current(document).entities, result.entities);
  });

  test('edits move the entities at once; after a pause the changed paragraph is analysed again', async () => {
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'Yesterday, '));
    const moved = current(editor.document);
    assert.deepEqual(
      moved.entities.map((entity) => entity.text),
      EXPECTED.map(([text]) => text),
      'every entity moved with its text',
    );

    // A letter typed against "Paris" makes another word: dropped at once.
    const paris = editor.document.getText().indexOf('Paris') + 'Paris'.length;
    await editor.edit((edit) => edit.insert(editor.document.positionAt(paris), 'ian'));
    assert.ok(!current(editor.document).entities.some((entity) => entity.text.startsWith('Paris')), 'Paris is dropped');

    const end = editor.document.positionAt(editor.document.getText().length);
    await editor.edit((edit) => edit.insert(end, '\nMarie Curie lived in Tokyo.\n'));
    await until(() => highlighter.entitiesFor(editor.document.uri)?.complete === true, 'the refresh after the pause');
    const texts = current(editor.document).entities.map((entity) => entity.text);
    assert.ok(texts.includes('Marie Curie') && texts.includes('Tokyo'), `new entities found: ${texts.join(', ')}`);
  });

  test('after an edit in one paragraph of a long document, only that paragraph is analysed, and the result equals a full analysis', async () => {
    const paragraphs = Array.from({ length: 150 }, (_, i) => `Paragraph ${i}: Barack Obama met Google people in Berlin on day ${i}.`);
    const longFile = join(folder, 'long.txt');
    writeFileSync(longFile, paragraphs.join('\n\n'));
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(longFile));
    const editor = await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('textAnalytics.highlightEntities');
    await until(() => highlighter.entitiesFor(document.uri)?.complete === true, 'the first analysis');
    assert.equal(current(document).entities.length, 450);

    const target = document.getText().indexOf('Paragraph 120:');
    await editor.edit((edit) => edit.insert(document.positionAt(target), 'Marie Curie wrote: '));
    await until(() => {
      const found = highlighter.entitiesFor(document.uri);
      return found?.complete === true && found.entities.length === 451;
    }, 'the refresh after the edit');
    const after = current(document);
    assert.equal(after.lastRefresh?.paragraphsAnalysed, 1, 'only the edited paragraph reached the model');

    const minScore = settings().get<number>('entities.minScore', 0.5);
    const full = await extensionApi.client.request('entities', { text: document.getText(), minScore });
    assert.deepEqual(
      after.entities.map(({ start, end, text, type }) => ({ start, end, text, type })),
      full.entities.map(({ start, end, text, type }) => ({ start, end, text, type })),
      'the highlights equal a full re-analysis',
    );
    await vscode.commands.executeCommand('textAnalytics.clearEntityHighlights');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Clear Entity Highlights stops highlighting the document', async () => {
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    await vscode.commands.executeCommand('textAnalytics.clearEntityHighlights');
    assert.equal(highlighter.entitiesFor(editor.document.uri), undefined);
  });
});
