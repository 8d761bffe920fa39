/**
 * The settings as the Settings UI shows them: grouped in titled sections, under the keys users'
 * settings files already use; and the editor's conventions package.json declares for them —
 * Workspace Trust's restricted settings and where the extension runs in remote development.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { REGISTRY, TASKS } from '../../src/tasks/registry';
import { configurationSections, contributedSettings, readManifest, type SettingSchema } from '../contributedSettings';
import { REPO } from '../helpers';

const manifest = readManifest() as {
  extensionKind?: string[];
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] } };
};
const sections = configurationSections(manifest);
const settings = contributedSettings(manifest);

/**
 * Every key of the first release (0.1.0). Users' settings.json files, workspace settings and other
 * editors' configuration name these: a key may gain a section, never a new name.
 */
const RELEASED_KEYS = [
  'device', 'threads', 'precision', 'models.sentiment', 'models.topics', 'models.entities', 'models.qa', 'modelCacheDir',
  'allowDownloads', 'languages', 'maxDocumentSize', 'sentiment.neutralBand', 'entities.autoHighlight', 'entities.minScore',
  'entities.style', 'entities.hiddenTypes', 'entities.codeScope', 'topics.labels', 'topics.multiLabel', 'topics.hypothesisTemplate',
  'classifiers', 'qa.topAnswers', 'qa.minScore', 'qa.maxAnswerTokens', 'idleUnloadSeconds',
].map((key) => `textAnalytics.${key}`);

/** package.json as the last commit has it, or undefined outside a git checkout (a source tarball). */
function committedManifest(): unknown {
  try {
    return JSON.parse(execFileSync('git', ['show', 'HEAD:package.json'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

test('the settings are grouped in titled, ordered sections, one per task and the general ones', () => {
  assert.ok(sections.length > 1, 'contributes.configuration is a list of sections');
  for (const section of sections) {
    assert.ok(section.title?.trim(), `a section without a title holds ${Object.keys(section.properties ?? {}).join(', ')}`);
    assert.equal(typeof section.order, 'number', `the section ${section.title} has an order`);
    assert.ok(Object.keys(section.properties ?? {}).length > 0, `the section ${section.title} has settings`);
  }
  const titles = sections.map((section) => section.title);
  assert.equal(new Set(titles).size, titles.length, `each title once: ${titles.join(', ')}`);
  assert.equal(new Set(sections.map((section) => section.order)).size, sections.length, 'each order once');
  for (const title of ['Models', 'Sentiment', 'Entities', 'Questions', 'Topics']) assert.ok(titles.includes(title), `a ${title} section`);
  // A task's settings are together in a section of their own, apart from every other task's.
  const sectionOf = (key: string) => sections.find((section) => key in (section.properties ?? {}))?.title;
  const taskSections = TASKS.map((task) => {
    const titles = new Set(Object.keys(REGISTRY[task].settings).map((key) => sectionOf(`textAnalytics.${key}`)));
    assert.equal(titles.size, 1, `${task}'s settings are in one section, not ${[...titles].join(' and ')}`);
    return [...titles][0];
  });
  assert.equal(new Set(taskSections).size, TASKS.length, `each task has its section: ${taskSections.join(', ')}`);
  for (const task of TASKS.filter((t) => REGISTRY[t].models === 'default')) assert.equal(sectionOf(`textAnalytics.models.${task}`), 'Models');
});

test('no setting is in two sections', () => {
  const keys = sections.flatMap((section) => Object.keys(section.properties ?? {}));
  assert.equal(keys.length, new Set(keys).size, `repeated: ${keys.filter((key, i) => keys.indexOf(key) !== i).join(', ')}`);
});

test('every released setting keeps its key, type and default', () => {
  for (const key of RELEASED_KEYS) assert.ok(settings[key], `${key} is still contributed`);
  const committed = committedManifest();
  if (committed === undefined) return;
  // Also against the last commit: a key added since the release is users' too once committed.
  for (const [key, before] of Object.entries(contributedSettings(committed))) {
    const now: SettingSchema | undefined = settings[key];
    assert.ok(now, `${key} (in the last commit) is still contributed`);
    assert.deepEqual(now.type, before.type, `${key}'s type`);
    assert.deepEqual(now.default, before.default, `${key}'s default`);
    assert.equal(now.scope, before.scope, `${key}'s scope`);
  }
});

test('in an untrusted workspace the settings that pick models, folders and downloads come from the user only', () => {
  const trust = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(trust?.supported, 'limited', 'the extension works in Restricted Mode, with restricted settings');
  assert.ok(trust?.description?.trim(), 'Restricted Mode says why');
  const restricted = trust?.restrictedConfigurations ?? [];
  for (const key of restricted) assert.ok(settings[key], `restrictedConfigurations names ${key}, which is not a setting`);
  // Whatever names a model or a folder to load, or lets the worker reach the network.
  const picksModelsOrFolders = Object.keys(settings).filter((key) => /^textAnalytics\.(models\.|modelCacheDir$|classifiers$|allowDownloads$)/.test(key));
  assert.ok(picksModelsOrFolders.length >= 7);
  for (const key of picksModelsOrFolders) assert.ok(restricted.includes(key), `${key} is restricted in untrusted workspaces`);
});

test('the extension runs where the files are (remote development)', () => {
  assert.deepEqual(manifest.extensionKind, ['workspace']);
});

test('analysis on open or save and the on/off switch are settings of the right scope', () => {
  const enabled = settings['textAnalytics.enabled'];
  assert.equal(enabled?.default, true, 'automatic analysis is on unless turned off');
  assert.equal(enabled?.scope, 'resource', 'a workspace or folder can turn it off');
  const automaticTasks = TASKS.filter((task) => `${task}.analyzeOn` in REGISTRY[task].settings);
  assert.deepEqual(automaticTasks.sort(), ['sentiment', 'topics']);
  for (const task of automaticTasks) {
    const analyzeOn = settings[`textAnalytics.${task}.analyzeOn`];
    assert.deepEqual(analyzeOn?.enum, ['off', 'open', 'save']);
    assert.equal(analyzeOn?.default, 'off', `textAnalytics.${task}.analyzeOn is opt-in`);
  }
});
