// `npm run package`: one production build, then one VSIX per VS Code target platform
// (`vsce package --target`), each holding only that platform's native binaries, so that a user
// downloads ~1/5 of the binaries and never a CUDA/TensorRT library. Prints target, files and size.
//
//   node scripts/package.mjs [--target linux-x64[,win32-x64]]... [--out dir] [--no-build] [--onnxruntime VERSION]
//                            [--base-url URL]
//
// `.vscodeignore` is the shared allow-list; per target this script writes a copy of it with that
// platform's binaries put back and hands it to vsce as `--ignoreFile`. vsce includes a file when any
// `!` line matches it, whatever the order, so binaries are put back file by file, never by a glob.
//
// A target that needs another onnxruntime-node release than the one installed (darwin-x64, or any
// target given `--onnxruntime VERSION`) is packaged from a staging folder: the allow-listed files
// copied there and a production `npm install` of that release (from the npm registry, scripts off).
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

/**
 * What each target loads: onnxruntime-node requires `bin/napi-v6/${process.platform}/${process.arch}/
 * onnxruntime_binding.node` (dist/binding.js) and tokenizers requires `tokenizers.<suffix>.node`
 * (its index.js; on macOS it tries darwin-universal first and falls back to the per-arch file).
 * Linux targets are glibc: the onnxruntime binaries are glibc builds, so there is no alpine target.
 * `onnxruntime` pins another onnxruntime-node release for a target: 1.23.2 is the last one with a
 * macOS x64 build (1.24 dropped it); our engine runs on it unchanged (test/unit/package.test.ts).
 * `koffi`: the Windows and Linux packages carry koffi (its index.js and that platform's koffi.node).
 * Through it the worker turns onnxruntime's telemetry events off on Windows
 * (src/engine/telemetryEvents.ts; the other platforms' builds are switched off by an environment
 * variable), and gives freed memory back with glibc's `malloc_trim` on Linux
 * (src/engine/nativeMemory.ts: without it the worker stayed at 427 MiB after unloading a model).
 */
const TARGETS = {
  'linux-x64': { ort: 'linux/x64', tokenizers: 'linux-x64-gnu', koffi: 'linux_x64' },
  'linux-arm64': { ort: 'linux/arm64', tokenizers: 'linux-arm64-gnu', koffi: 'linux_arm64' },
  'win32-x64': { ort: 'win32/x64', tokenizers: 'win32-x64-msvc', koffi: 'win32_x64' },
  'win32-arm64': { ort: 'win32/arm64', tokenizers: 'win32-arm64-msvc', koffi: 'win32_arm64' },
  'darwin-arm64': { ort: 'darwin/arm64', tokenizers: 'darwin-arm64' },
  'darwin-x64': { ort: 'darwin/x64', tokenizers: 'darwin-x64', onnxruntime: '1.23.2' },
};

/** GPU libraries that only the CUDA/TensorRT execution providers load: never shipped (users install them). */
const GPU_ONLY = /cuda|cudnn|cublas|tensorrt|nvinfer|providers_shared/i;

const BUNDLES = ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview/panel.js', 'dist/webview/questions.js'];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      out: { type: 'string', default: 'dist' },
      'no-build': { type: 'boolean', default: false },
      onnxruntime: { type: 'string' },
      'base-url': { type: 'string' },
    },
  });
  if (values['base-url'] !== undefined && !/^https:\/\/\S+\/$/.test(values['base-url'])) {
    fail(`--base-url wants the https address the repository's files are served from, ending in '/', not '${values['base-url']}'.`);
  }
  if (values.onnxruntime !== undefined && !/^\d+\.\d+\.\d+(-[\w.-]+)?$/.test(values.onnxruntime)) {
    fail(`--onnxruntime wants an exact onnxruntime-node version such as 1.23.2, not '${values.onnxruntime}'.`);
  }
  const requested = (values.target ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const target of requested) {
    if (!(target in TARGETS)) {
      fail(`Unknown target '${target}'. Known targets: ${Object.keys(TARGETS).join(', ')}.`);
    }
  }
  return {
    targets: requested.length ? [...new Set(requested)] : Object.keys(TARGETS),
    explicit: requested.length > 0,
    out: resolve(root, values.out),
    build: !values['no-build'],
    onnxruntime: values.onnxruntime,
    baseUrl: values['base-url'],
  };
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/**
 * The files (relative to `base`, the repository or a staging folder) that `target` needs on top of
 * the shared allow-list, or the reason it cannot be built from the packages installed there (a
 * VSIX without them could not run).
 */
function nativeFiles(target, base) {
  const { ort, tokenizers, koffi } = TARGETS[target];
  const ortDir = `${ORT_BIN}/${ort}`;
  const tokenizersFile = `node_modules/tokenizers/tokenizers.${tokenizers}.node`;
  const version = installedOnnxruntime(base);
  if (!existsSync(join(base, ortDir, 'onnxruntime_binding.node'))) {
    return { missing: `onnxruntime-node ${version} ships no ${ortDir}/onnxruntime_binding.node, which it requires on ${ort.replace('/', ' ')}` };
  }
  if (!existsSync(join(base, tokenizersFile))) {
    return { missing: `the tokenizers package has no ${tokenizersFile}` };
  }
  const koffiFiles = koffi ? ['node_modules/koffi/package.json', 'node_modules/koffi/index.js', `node_modules/koffi/build/koffi/${koffi}/koffi.node`] : [];
  const absent = koffiFiles.find((file) => !existsSync(join(base, file)));
  if (absent) return { missing: `the koffi package has no ${absent}` };
  const ortFiles = readdirSync(join(base, ortDir), { withFileTypes: true })
    .filter((entry) => entry.isFile() && !GPU_ONLY.test(entry.name))
    .map((entry) => `${ortDir}/${entry.name}`);
  return { files: [...ortFiles, tokenizersFile, ...koffiFiles] };
}

function installedOnnxruntime(base) {
  return JSON.parse(readFileSync(join(base, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
}

/**
 * A folder to package from with onnxruntime-node `version` instead of the installed one: what the
 * allow-list puts back outside node_modules is copied (package.json with the dependency changed, so
 * the VSIX says what it holds), then `npm install --omit=dev` installs the production dependencies
 * without their install scripts (onnxruntime-node's would fetch CUDA libraries). One per version.
 */
function stage(version, scratch, staged) {
  if (staged.has(version)) return staged.get(version);
  const dir = join(scratch, `onnxruntime-${version}`);
  mkdirSync(dir);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  manifest.dependencies = { ...manifest.dependencies, 'onnxruntime-node': version };
  delete manifest.devDependencies;
  delete manifest.scripts;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const pattern of allowListed()) {
    if (pattern === 'package.json' || pattern.startsWith('node_modules/')) continue;
    for (const path of stagedPaths(pattern)) {
      cpSync(join(root, path), join(dir, path), { recursive: true, filter: (source) => !source.endsWith('.vsix') });
    }
  }
  console.log(`installing onnxruntime-node ${version} for packaging…`);
  const install = spawnSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  const result =
    install.status === 0 && existsSync(join(dir, 'node_modules/onnxruntime-node/package.json'))
      ? { base: dir }
      : { missing: `npm could not install onnxruntime-node ${version}: ${(install.stderr || install.error?.message || `exit ${install.status}`).trim().split('\n').slice(-3).join(' ')}` };
  staged.set(version, result);
  return result;
}

/** What an allow-list line puts back, relative to the repository: a file, `folder/**` or `folder/*` (its files). */
function stagedPaths(pattern) {
  const folder = pattern.replace(/\/\*\*?$/, '');
  if (folder.includes('*')) fail(`.vscodeignore: cannot stage '!${pattern}' (only files, folder/** and folder/* are supported)`);
  if (!existsSync(join(root, folder))) return [];
  if (!pattern.endsWith('/*')) return [folder];
  return readdirSync(join(root, folder), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${folder}/${entry.name}`);
}

/** The `!` lines of .vscodeignore: what a VSIX may hold. */
function allowListed() {
  return readFileSync(join(root, '.vscodeignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1));
}

/** Entries in a zip, from its end-of-central-directory record (a VSIX is a zip without zip64). */
function zipEntryCount(file) {
  const size = statSync(file).size;
  const tail = Buffer.alloc(Math.min(size, 22 + 0xffff));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  return end < 0 ? NaN : tail.readUInt16LE(end + 10);
}

function packageTarget(target, base, files, outFile, scratch, baseUrl) {
  const allowList = readFileSync(join(root, '.vscodeignore'), 'utf8');
  const ignoreFile = join(scratch, `${target}.vscodeignore`);
  writeFileSync(ignoreFile, `${allowList.trimEnd()}\n# ${target} binaries (scripts/package.mjs)\n${files.map((f) => `!${f}`).join('\n')}\n`);
  const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
  const args = [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--allow-missing-repository', '--out', outFile];
  // The extension page (VS Code's and the Marketplace's) shows the README's pictures and follows its
  // links only from absolute https addresses: from --base-url, or where vsce infers them from the
  // manifest's repository. Without either they stay relative (vsce would refuse).
  if (baseUrl) args.push('--baseContentUrl', baseUrl, '--baseImagesUrl', baseUrl);
  else if (!JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')).repository) args.push('--no-rewrite-relative-links');
  const result = spawnSync(process.execPath, args, { cwd: base, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    return { error: `vsce failed (${result.error?.message ?? `exit ${result.status}`})` };
  }
  return { files: zipEntryCount(outFile), bytes: statSync(outFile).size };
}

function main() {
  const options = parseOptions();
  if (!existsSync(join(root, 'node_modules/@vscode/vsce/vsce'))) {
    fail('@vscode/vsce is not installed: run `npm install` first.');
  }
  if (options.build) {
    const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) fail('the production build failed (see above).');
  }
  const absent = BUNDLES.filter((bundle) => !existsSync(join(root, bundle)));
  if (absent.length) fail(`missing ${absent.join(', ')}: run without --no-build, or \`npm run build\` first.`);

  const { name, version, repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(options.out, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'lta-package-'));
  const rows = [];
  const staged = new Map();
  try {
    for (const target of options.targets) {
      const onnxruntime = options.onnxruntime ?? TARGETS[target].onnxruntime ?? installedOnnxruntime(root);
      const source = onnxruntime === installedOnnxruntime(root) ? { base: root } : stage(onnxruntime, scratch, staged);
      const native = source.missing ? source : nativeFiles(target, source.base);
      if (native.missing) {
        rows.push({ target, error: `NOT BUILT: ${native.missing}` });
        continue;
      }
      const outFile = join(options.out, `${name}-${target}-${version}.vsix`);
      console.log(`packaging ${target} (onnxruntime-node ${onnxruntime})…`);
      rows.push({ target, outFile, onnxruntime, ...packageTarget(target, source.base, native.files, outFile, scratch, options.baseUrl) });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  console.log('\ntarget        files      size  onnxruntime  package');
  for (const row of rows) {
    const cells = row.error
      ? `${'-'.padStart(5)}  ${'-'.padStart(8)}  ${'-'.padEnd(11)}  ${row.error}`
      : `${String(row.files).padStart(5)}  ${`${(row.bytes / 1024 / 1024).toFixed(1)} MB`.padStart(8)}  ${row.onnxruntime.padEnd(11)}  ${relative(process.cwd(), row.outFile)}`;
    console.log(`${row.target.padEnd(12)}  ${cells}`);
  }
  if (!options.baseUrl && !repository && rows.some((row) => !row.error)) {
    console.log("\nThe README's pictures and links stay relative: give --base-url (or a repository in package.json) when publishing.");
  }
  // A target that cannot be built is a failure when asked for by name; in the default set it is
  // reported above (the Marketplace then offers the extension on no such machine, which is honest).
  const failed = rows.filter((row) => row.error && (options.explicit || !row.error.startsWith('NOT BUILT')));
  if (failed.length) fail(`${failed.map((row) => row.target).join(', ')} not packaged.`);
}

main();
