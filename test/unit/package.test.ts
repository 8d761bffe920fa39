import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO, fixtureModels, tempDir } from '../helpers';
import { zipEntries } from '../zipEntries';

// `npm run package` (scripts/package.mjs) builds one VSIX per platform. These tests build the
// linux-x64 one into a temporary folder, as a release would, and read what a user would download.
const SCRIPT = join(REPO, 'scripts', 'package.mjs');
const VSCE = join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
const BUNDLES = ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview/panel.js', 'dist/webview/questions.js'];
const noVsce = existsSync(VSCE) ? false : '@vscode/vsce is not installed (npm install): cannot build a VSIX';
const { name, version } = require(join(REPO, 'package.json')) as { name: string; version: string };
const INSTALLED_ORT = (require(join(REPO, 'node_modules', 'onnxruntime-node', 'package.json')) as { version: string }).version;

/** Runs the package script; `--no-build` when the bundles exist, so the test does not rewrite dist/ under other tests. */
function packageScript(...args: string[]) {
  const built = BUNDLES.every((bundle) => existsSync(join(REPO, bundle)));
  return spawnSync(process.execPath, [SCRIPT, ...args, ...(built ? ['--no-build'] : [])], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 300_000,
  });
}

/** Every file a linux-x64 VSIX may hold: the allow-list of .vscodeignore plus linux-x64 binaries. */
const ALLOWED = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt)$/,
  /^extension\/media\/[^/]+$/,
  /^extension\/media\/walkthrough\/[^/]+\.md$/,
  /^extension\/dist\/(extension|worker|cli)\.js$/,
  /^extension\/dist\/webview\/(panel|questions)\.js$/,
  /^extension\/models\/.+/,
  /^extension\/node_modules\/onnxruntime-node\/(package\.json|dist\/[^/]+)$/,
  /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/[^/]+$/,
  /^extension\/node_modules\/onnxruntime-common\/(package\.json|dist\/cjs\/.+)$/,
  /^extension\/node_modules\/tokenizers\/(package\.json|index\.js|tokenizers\.linux-x64-gnu\.node)$/,
  // The batch report's charts (Analyze Folder…'s report, and `report` from the VSIX's CLI).
  /^extension\/node_modules\/chart\.js\/dist\/chart\.umd\.min\.js$/,
  // glibc's malloc_trim, called through koffi (src/engine/nativeMemory.ts).
  /^extension\/node_modules\/koffi\/(package\.json|index\.js|build\/koffi\/linux_x64\/koffi\.node)$/,
];
const NATIVE = /\.(node|so(\.\d+)*|dylib|dll|exe)$/i;
const LINUX_X64_NATIVE = [
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'extension/node_modules/tokenizers/tokenizers.linux-x64-gnu.node',
  'extension/node_modules/koffi/build/koffi/linux_x64/koffi.node',
];
const OTHER_PLATFORM = /darwin|win32|arm64|aarch64|musl|android|ia32|gnueabihf|freebsd|universal/i;
const GPU_ONLY = /cuda|cudnn|cublas|tensorrt|nvinfer|providers_shared/i;

test('the linux-x64 VSIX holds only allow-listed files and linux-x64 binaries, no CUDA/TensorRT', { skip: noVsce, timeout: 360_000 }, (t) => {
  const out = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'linux-x64', '--out', out);
  assert.equal(run.signal, null, `the package script was killed (${run.signal}): it hung`);
  assert.equal(run.status, 0, run.stdout + run.stderr);

  const vsix = join(out, `${name}-linux-x64-${version}.vsix`);
  assert.ok(existsSync(vsix), `no ${vsix}; the script said:\n${run.stdout}`);
  const entries = zipEntries(vsix);
  const names = entries.map((entry) => entry.name);

  const unexpected = names.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
  assert.deepEqual(unexpected, [], 'files outside the allow-list');
  for (const file of [...LINUX_X64_NATIVE, 'extension/package.json', 'extension/node_modules/chart.js/dist/chart.umd.min.js', ...BUNDLES.map((bundle) => `extension/${bundle}`)]) {
    assert.ok(names.includes(file), `${file} is missing from the VSIX`);
  }
  const native = names.filter((file) => NATIVE.test(file));
  assert.deepEqual(native.filter((file) => !file.includes('/linux/x64/') && !file.includes('/linux_x64/') && !file.endsWith('linux-x64-gnu.node')), [], 'native files for another platform');
  assert.deepEqual(native.filter((file) => OTHER_PLATFORM.test(file)), [], 'binaries for another platform or libc');
  assert.deepEqual(names.filter((file) => GPU_ONLY.test(file)), [], 'CUDA/TensorRT libraries');
  assert.ok(entries.find((e) => e.name === LINUX_X64_NATIVE[1])!.size > 1_000_000, 'libonnxruntime.so.1 is not the real library');

  // The VSIX's koffi, on its own, calls glibc's malloc_trim as the worker does to give memory back.
  const unpacked = tempDir(t, 'text-analytics-koffi-');
  for (const entry of entries.filter((e) => e.name.startsWith('extension/node_modules/koffi/'))) {
    const file = join(unpacked, entry.name.slice('extension/'.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, entry.read());
  }
  const trim = spawnSync(
    process.execPath,
    ['-e', `process.stdout.write(String(require(${JSON.stringify(join(unpacked, 'node_modules', 'koffi'))}).load('libc.so.6').func('int malloc_trim(size_t pad)')(0)))`],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(trim.status, 0, trim.stderr);
  assert.match(trim.stdout, /^[01]$/, 'malloc_trim answered');

  const manifest = entries.find((entry) => entry.name === 'extension.vsixmanifest');
  assert.ok(manifest, 'no extension.vsixmanifest');
  assert.match(manifest.read().toString('utf8'), /<Identity [^>]*TargetPlatform="linux-x64"/);

  // The script's table tells the truth about what it built.
  const row = run.stdout.split('\n').find((line) => line.startsWith('linux-x64 '));
  assert.ok(row, `no linux-x64 row in:\n${run.stdout}`);
  assert.match(row, new RegExp(`^linux-x64\\s+${entries.length}\\s+${(statSync(vsix).size / 1024 / 1024).toFixed(1)} MB\\s`));
});

test('the win32-x64 VSIX carries koffi for its platform only, which the worker needs to turn telemetry events off', { skip: noVsce, timeout: 360_000 }, (t) => {
  const out = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'win32-x64', '--out', out);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const names = zipEntries(join(out, `${name}-win32-x64-${version}.vsix`)).map((entry) => entry.name);
  // What src/engine/telemetryEvents.ts loads, and what koffi's index.js requires on win32 x64.
  assert.deepEqual(names.filter((file) => file.startsWith('extension/node_modules/koffi/')).sort(), [
    'extension/node_modules/koffi/build/koffi/win32_x64/koffi.node',
    'extension/node_modules/koffi/index.js',
    'extension/node_modules/koffi/package.json',
  ]);
  assert.ok(names.includes('extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll'));
  const native = names.filter((file) => NATIVE.test(file));
  assert.deepEqual(native.filter((file) => !/\/win32[/_]x64\/|tokenizers\.win32-x64-msvc\.node$/.test(file)), [], 'native files for another platform');
});

test("--base-url makes the README's screenshots and links absolute, so that an extension page can show them", { skip: noVsce, timeout: 360_000 }, (t) => {
  const base = 'https://example.org/local-text-analytics/main/';
  const readmeOf = (out: string) =>
    zipEntries(join(out, `${name}-linux-x64-${version}.vsix`))
      .find((entry) => entry.name === 'extension/readme.md')!
      .read()
      .toString('utf8');
  const images = (readme: string) => [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]!);

  const published = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'linux-x64', '--base-url', base, '--out', published);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const shown = images(readmeOf(published));
  assert.ok(shown.length >= 4, `the README shows screenshots: ${shown.join(', ')}`);
  for (const image of shown) {
    assert.match(image, new RegExp(`^${base.replace(/[.]/g, '\\.')}media/screenshots/\\w+\\.png$`));
    assert.ok(existsSync(join(REPO, image.slice(base.length))), `${image} names no file of the repository`);
  }

  // Without it the links stay as they are (and the script says so); vsce would otherwise refuse.
  const local = tempDir(t, 'text-analytics-vsix-');
  const plain = packageScript('--target', 'linux-x64', '--out', local);
  assert.equal(plain.status, 0, plain.stdout + plain.stderr);
  assert.deepEqual(images(readmeOf(local)), shown.map((image) => image.slice(base.length)));
  assert.match(plain.stdout, /stay relative: give --base-url/);
  assert.equal(packageScript('--target', 'linux-x64', '--base-url', 'http://example.org/', '--out', local).status, 1, 'an http base is refused');
});

test('a target whose onnxruntime binary is missing is refused by name, not packaged', { skip: noVsce, timeout: 120_000 }, (t) => {
  // The installed onnxruntime-node ships no darwin/x64 binary (1.24 dropped it): asked to package
  // darwin-x64 with it, the script must refuse rather than write a VSIX that throws on first use.
  if (existsSync(join(REPO, 'node_modules/onnxruntime-node/bin/napi-v6/darwin/x64/onnxruntime_binding.node'))) {
    t.skip('this onnxruntime-node ships a darwin/x64 binary');
    return;
  }
  const out = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'darwin-x64', '--onnxruntime', INSTALLED_ORT, '--out', out);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /^darwin-x64\s.*NOT BUILT: onnxruntime-node \S+ ships no .*darwin\/x64\/onnxruntime_binding\.node/m);
  assert.match(run.stderr, /darwin-x64 not packaged/);
  assert.equal(existsSync(join(out, `${name}-darwin-x64-${version}.vsix`)), false, 'a darwin-x64 VSIX that cannot load onnxruntime was written');
});

// darwin-x64 is packaged with onnxruntime-node 1.23.2, the last release with a macOS x64 build
// (npm install from the registry into a staging folder). These machines cannot run a Mac binary,
// so the second test builds a linux-x64 VSIX the same way and runs the engine from it.
const DARWIN_X64_ORT = '1.23.2';

test('the darwin-x64 VSIX carries onnxruntime-node 1.23.2 with its macOS x64 binaries and nothing else native', { skip: noVsce, timeout: 360_000 }, (t) => {
  const out = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'darwin-x64', '--out', out);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`^darwin-x64\\s+\\d+\\s+[\\d.]+ MB\\s+${DARWIN_X64_ORT.replace(/\./g, '\\.')}\\s`, 'm'));

  const entries = zipEntries(join(out, `${name}-darwin-x64-${version}.vsix`));
  const names = entries.map((entry) => entry.name);
  const read = (file: string) => JSON.parse(entries.find((entry) => entry.name === file)!.read().toString('utf8'));
  assert.equal(read('extension/node_modules/onnxruntime-node/package.json').version, DARWIN_X64_ORT);
  assert.equal(read('extension/node_modules/onnxruntime-common/package.json').version, DARWIN_X64_ORT);
  assert.equal(read('extension/package.json').dependencies['onnxruntime-node'], DARWIN_X64_ORT, 'the manifest says which onnxruntime it holds');
  for (const file of [
    'extension/node_modules/onnxruntime-node/bin/napi-v6/darwin/x64/onnxruntime_binding.node',
    `extension/node_modules/onnxruntime-node/bin/napi-v6/darwin/x64/libonnxruntime.${DARWIN_X64_ORT}.dylib`,
    'extension/node_modules/tokenizers/tokenizers.darwin-x64.node',
  ]) {
    assert.ok(names.includes(file), `${file} is missing`);
  }
  const native = names.filter((file) => NATIVE.test(file));
  assert.deepEqual(native.filter((file) => !file.includes('/darwin/x64/') && !file.endsWith('tokenizers.darwin-x64.node')), [], 'native files for another platform');
  // Only the allow-list: the staged install's other packages (adm-zip, global-agent, …) stay out.
  const outside = names.filter((file) => file.startsWith('extension/node_modules/') && !/^extension\/node_modules\/(onnxruntime-node|onnxruntime-common|tokenizers)\//.test(file) && file !== 'extension/node_modules/chart.js/dist/chart.umd.min.js');
  assert.deepEqual(outside, [], 'packages outside the allow-list');
  assert.match(entries.find((entry) => entry.name === 'extension.vsixmanifest')!.read().toString('utf8'), /<Identity [^>]*TargetPlatform="darwin-x64"/);
});

test('a VSIX built with onnxruntime-node 1.23.2 runs all four tasks from its own files, with the same results', { skip: noVsce, timeout: 360_000 }, (t) => {
  const out = tempDir(t, 'text-analytics-vsix-');
  const run = packageScript('--target', 'linux-x64', '--onnxruntime', DARWIN_X64_ORT, '--out', out);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const installed = tempDir(t, 'text-analytics-unzipped-');
  for (const entry of zipEntries(join(out, `${name}-linux-x64-${version}.vsix`))) {
    const target = join(installed, entry.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.read());
  }
  const cli = (script: string, ...args: string[]) => {
    const result = spawnSync(process.execPath, [script, ...args, '--models', fixtureModels(), '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, `${args[0]}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const fromVsix = join(installed, 'extension', 'dist', 'cli.js');
  assert.equal(cli(fromVsix, 'info').onnxruntime, DARWIN_X64_ORT, 'the CLI did not load the onnxruntime the VSIX carries');

  const document = join(installed, 'document.txt');
  writeFileSync(document, 'Angela Merkel visited Paris in 1958. It was a wonderful day. The food was awful.\n');
  const tasks = [
    ['sentiment', document],
    ['entities', document],
    ['ask', document, '--question', 'When?'],
    ['topics', document, '--labels', 'sports,food,politics'],
  ];
  for (const args of tasks) {
    const expected = cli(join(REPO, 'dist', 'cli.js'), ...args);
    const actual = cli(fromVsix, ...args);
    assert.deepEqual(actual, expected, `${args[0]} differs under onnxruntime-node ${DARWIN_X64_ORT}`);
  }
});
