import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkerClient } from '../../src/client/workerClient';
import { CLI_TASKS } from '../../src/cliTasks';
import { RUNNERS } from '../../src/engine/runners';
import { readHostMessage, type Methods } from '../../src/protocol';
import { readPersistedState, DEFAULT_CONTROLS } from '../../src/views/messages';
import { readClassifierSettings } from '../../src/tasks/classify';
import { REGISTRY, TASK_SETTINGS, TASKS, type Task, type TaskMethods } from '../../src/tasks/registry';
import { contributedSettings } from '../contributedSettings';
import { fixtureModels, fixtureOptions, REPO, tempDir } from '../helpers';
import { finished, run } from './cliRun';

// Every task of the registry (src/tasks/registry.ts) is wired end to end: a protocol method the
// worker serves on a real model, a CLI subcommand that prints it, a palette command, a view, and
// settings whose defaults package.json contributes as the contract gives them. A task added to the
// registry and forgotten somewhere fails here (or does not compile: the tables are typed by task).

const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  contributes: {
    commands: Array<{ command: string }>;
    views: Record<string, Array<{ id: string }>>;
  };
};
/** The extension host's sources, where commands are registered (src/extension.ts and src/commands/). */
const hostSources = [join(REPO, 'src', 'extension.ts'), ...readdirSync(join(REPO, 'src', 'commands')).map((f) => join(REPO, 'src', 'commands', f))]
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');
const text = 'Angela Merkel was delighted in 1958. The team scored a goal in the match. What a wonderful day.';

/** A request of each task on the fixture models, and what its result must show. Typed by task: a new task needs one. */
const SAMPLES: { [T in Task]: { params: TaskMethods[(typeof REGISTRY)[T]['method']]['params']; args: string[]; shows: (result: never) => void } } = {
  sentiment: { params: { text, neutralBand: 0.1 }, args: [], shows: (r: Methods['sentiment']['result']) => assert.equal(r.sentences.at(-1)?.label, 'POSITIVE') },
  topics: {
    params: { text, labels: ['sports', 'business'], multiLabel: false, hypothesisTemplate: 'This text is about {}.', format: 'plaintext' },
    args: ['--labels', 'sports,business'],
    shows: (r: Methods['topics']['result']) => assert.equal(r.document[0].label, 'sports'),
  },
  entities: { params: { text, minScore: 0.5 }, args: [], shows: (r: Methods['entities']['result']) => assert.equal(r.entities[0].text, 'Angela Merkel') },
  qa: { params: { text, question: 'When?', top: 1, minScore: 0.1 }, args: ['--question', 'When?'], shows: (r: Methods['ask']['result']) => assert.equal(r.answers[0].text, '1958') },
  pii: {
    params: { text: `${text} Write to angela@example.com.`, useModel: true, entitiesModel: true, minScore: 0.5, phoneRegion: 'US', patterns: [], denyList: {}, allowList: [] },
    args: [],
    shows: (r: Methods['pii']['result']) => assert.deepEqual(r.entities.map((e) => [e.text, e.type, e.source]), [
        ['Angela Merkel', 'PERSON', 'model'],
        ['angela@example.com', 'EMAIL_ADDRESS', 'pattern'],
      ]),
  },
  classify: {
    params: { text, classifier: { id: 'emotion', title: 'Emotion', model: join(fixtureModels(), 'emotion'), level: 'sentence' } },
    args: ['--model', join(fixtureModels(), 'emotion')],
    shows: (r: Methods['classify']['result']) => assert.equal(r.items[0].labels[0].label, 'joy'),
  },
  language: {
    params: { text, model: join(fixtureModels(), 'language'), minScore: 0.6 },
    args: ['--model', join(fixtureModels(), 'language')],
    shows: (r: Methods['language']['result']) => assert.equal(r.document.language, 'en'),
  },
};

test('every task has a protocol method the real worker serves, and a view that reads its result', { timeout: 120_000 }, async (t) => {
  const worker = new WorkerClient({ workerPath: join(REPO, 'dist', 'worker.js'), engineOptions: fixtureOptions() });
  t.after(() => worker.dispose());
  for (const task of TASKS) {
    const { method, view } = REGISTRY[task];
    const sample = SAMPLES[task];
    assert.ok(readHostMessage({ type: 'request', id: 1, method, params: sample.params }).ok, `${method}: the protocol reads its request`);
    assert.ok(RUNNERS[task], `${task}: the engine has its runner`);
    const result = await worker.request(method, sample.params as never);
    (sample.shows as (result: unknown) => void)(result);
    if (view === 'panel') {
      const persisted = { schema: 1, state: { content: { view: task, [task]: { uri: 'file:///a.md', version: 1, fileName: 'a.md', result, labels: [], multiLabel: false, sectionLines: [] } }, stale: false }, controls: DEFAULT_CONTROLS };
      assert.equal(readPersistedState(persisted)?.state.content.view, task, `${task}: the results panel has its view`);
    } else {
      assert.ok(Object.values(packageJson.contributes.views).flat().some((v) => v.id === `textAnalytics.${view}`), `${task}: the ${view} view is contributed`);
    }
  }
});

test('every task has a CLI subcommand that prints its result as JSON with the schema version', { timeout: 120_000 }, (t) => {
  const file = join(tempDir(t), 'sample.txt');
  writeFileSync(file, text);
  const usage = run('--help').stdout;
  for (const task of TASKS) {
    const { cli } = REGISTRY[task];
    assert.ok(CLI_TASKS[task], `${task}: the CLI prints it`);
    assert.ok(usage.includes(`text-analytics ${cli.synopsis}`), `${task}: --help lists ${cli.synopsis}`);
    const result = run(cli.command, file, '--models', fixtureModels(), '--json', ...SAMPLES[task].args);
    finished(result, 0);
    const json = JSON.parse(result.stdout) as { schemaVersion: number; model: { task: string } };
    assert.equal(json.schemaVersion, 2);
    // A task that borrows models reports the one it ran on (personal data: the named-entity model).
    assert.equal(json.model.task, REGISTRY[task].models === 'borrowed' ? 'entities' : task);
  }
});

test('every task has a contributed palette command, registered by the extension', () => {
  const contributed = packageJson.contributes.commands.map((c) => c.command);
  for (const task of TASKS) {
    const { command } = REGISTRY[task];
    assert.ok(contributed.includes(command), `${command} is contributed`);
    // That it has a handler at run time, the integration suite checks in VS Code (every contributed command).
    assert.ok(hostSources.includes(`'${command}'`), `${command} is registered by the extension`);
  }
});

test("package.json contributes every task's settings with the contract's defaults and ranges", () => {
  const properties = contributedSettings(packageJson);
  for (const [key, setting] of Object.entries(TASK_SETTINGS)) {
    const contributed = properties[`textAnalytics.${key}`];
    assert.ok(contributed, `textAnalytics.${key} is contributed`);
    assert.deepEqual(contributed.default, setting.default, `textAnalytics.${key}'s default`);
    assert.equal(contributed.minimum, setting.minimum, `textAnalytics.${key}'s minimum`);
    assert.equal(contributed.maximum, setting.maximum, `textAnalytics.${key}'s maximum`);
    if (setting.integer) assert.equal(contributed.type, 'integer', `textAnalytics.${key} is whole`);
    if (setting.enum) assert.deepEqual(contributed.enum, setting.enum, `textAnalytics.${key}'s values`);
  }
  // Each default model task has its model setting.
  for (const task of TASKS.filter((t) => REGISTRY[t].models === 'default')) assert.ok(properties[`textAnalytics.models.${task}`], `textAnalytics.models.${task}`);
});

test('textAnalytics.classifiers: good entries are read, bad ones each get a message naming the setting and what to write', () => {
  const { classifiers, problems } = readClassifierSettings([
    { id: 'emotion', title: 'Emotion', model: ' owner/emotion ', level: 'paragraph' },
    { id: 'toxic', model: '/models/toxic', multiLabel: true, minScore: 0.2 },
    { id: 'emotion', model: 'x/y' },
    { id: 'nomodel', title: 'No model' },
    { id: 'bad level', model: 'x/y' },
    { id: 'words', model: 'x/y', level: 'word' },
    { id: 'score', model: 'x/y', minScore: 2 },
    'not an object',
  ]);
  assert.deepEqual(classifiers, [
    { id: 'emotion', title: 'Emotion', model: 'owner/emotion', level: 'paragraph' },
    { id: 'toxic', title: 'toxic', model: '/models/toxic', level: 'sentence', multiLabel: true, minScore: 0.2 },
  ]);
  assert.equal(problems.length, 6);
  for (const problem of problems) assert.match(problem, /^textAnalytics\.classifiers\[\d\]/);
  assert.match(problems[0], /another classifier already has the id "emotion"/);
  assert.match(problems[1], /names no model: set its "model"/);
  assert.match(problems[2], /needs an "id" of letters/);
  assert.match(problems[3], /level "word": write "sentence", "paragraph" or "document"/);
  assert.match(problems[4], /"minScore" 2: write a number from 0 to 1/);
  assert.deepEqual(readClassifierSettings({ id: 'x' }).problems, ['textAnalytics.classifiers must be a list of { "id", "title", "model", "level" } entries.']);
});
