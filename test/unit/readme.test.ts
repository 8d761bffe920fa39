/**
 * The README is the extension's page, written for its users; what developers need is in
 * CONTRIBUTING.md. Both open with the two commands that set up and run the demo and run the tests
 * on a fresh clone, every file they link to exists, and the F5 they promise is configured.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers';

const read = (file: string) => readFileSync(join(REPO, file), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const headings = (markdown: string) => [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((match) => match[1]);

/** The commands of the first fenced block, which must come before any other text but the title. */
function openingCommands(markdown: string): string[] {
  const match = /^# [^\n]+\n\n```sh\n([\s\S]*?)\n```/.exec(markdown);
  assert.ok(match, 'the file opens with its title and then a sh block of commands');
  return match[1].split('\n').map((line) => line.replace(/#.*$/, '').trim());
}

for (const file of ['README.md', 'CONTRIBUTING.md']) {
  test(`${file} opens with the two commands: set up and run the demo, and run the tests`, () => {
    const commands = openingCommands(read(file));
    assert.deepEqual(commands, ['npm ci && npm run demo', 'npm test']);
    for (const script of commands.join(' ').matchAll(/npm run (\S+)/g)) assert.ok(scripts[script[1]], `package.json has the script ${script[1]}`);
    assert.ok(scripts.test, 'package.json has a test script');
  });

  test(`every file ${file} links to or shows exists`, () => {
    const markdown = read(file);
    const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^(https?:|mailto:|#)/.test(target));
    assert.ok(targets.length > 0, 'relative links were found');
    for (const target of targets) assert.ok(existsSync(join(REPO, target.replace(/#.*$/, ''))), `${file} links to ${target}, which does not exist`);
  });
}

test('the README is for users: what it does, how to get the models, privacy; the developer sections are in CONTRIBUTING.md', () => {
  const readme = headings(read('README.md'));
  const contributing = headings(read('CONTRIBUTING.md'));
  for (const section of [/^Install$/, /^Getting the models$/, /^Privacy/, /^Using it in VS Code$/, /^Command line$/]) {
    assert.ok(readme.some((heading) => section.test(heading)), `README.md has a section ${section}`);
  }
  for (const section of ['Build and run', 'Architecture', 'Adding a task', 'Tests', 'Reliability and security', 'Performance', 'Privacy: how it is checked']) {
    assert.ok(contributing.includes(section), `CONTRIBUTING.md has the section ${section}`);
    assert.ok(!readme.includes(section), `README.md leaves "${section}" to CONTRIBUTING.md`);
  }
  const images = [...read('README.md').matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)];
  assert.ok(images.length >= 4, 'the README shows screenshots');
  for (const [, alt, src] of images) assert.ok(alt.trim().length > 10, `${src} has a description for screen readers`);
});

test('F5 (Run Extension) builds first and loads this folder as the extension under development', () => {
  // JSON with comments, as VS Code reads them: whole-line comments only here.
  const jsonc = (file: string) => JSON.parse(read(file).replace(/^\s*\/\/.*$/gm, '')) as Record<string, unknown>;
  const launch = jsonc('.vscode/launch.json') as { configurations: { name: string; type: string; args: string[]; preLaunchTask?: string }[] };
  const tasks = jsonc('.vscode/tasks.json') as { tasks: { label: string; type: string; script?: string }[] };
  const run = launch.configurations.find((configuration) => configuration.name === 'Run Extension');
  assert.ok(run, 'a "Run Extension" configuration, as the README names it');
  assert.equal(run.type, 'extensionHost');
  assert.ok(run.args.includes('--extensionDevelopmentPath=${workspaceFolder}'));
  const build = tasks.tasks.find((task) => task.label === run.preLaunchTask);
  assert.ok(build, `the preLaunchTask "${run.preLaunchTask}" is a task of tasks.json`);
  assert.equal(build.type, 'npm');
  assert.ok(build.script && scripts[build.script], `the task runs the npm script ${build.script}`);
});
