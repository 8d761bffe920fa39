// Type-aware linting: floating promises are bugs here (a lost rejection is a silent failure in
// the extension host), so `no-floating-promises` is an error and `void` marks deliberate ones.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// The layers, enforced with `no-restricted-imports` per folder:
//   src/engine/   pure Node: never vscode, nor the host (ui, commands, client, extension, config) or the webviews;
//   src/webview/  the DOM: never vscode, Node, onnxruntime, the engine or the host;
//   host          src/ui, src/commands, src/client, src/extension.ts, src/config.ts: never onnxruntime, the
//                 engine (but src/engine/modelFiles.ts, a plain fs check of a model folder) or src/webview;
//                 and src/ui never imports src/commands (the commands use the UI, not the other way round);
//   shared        src/protocol.ts, src/tasks/, src/views/ and the small top-level modules every side
//                 imports: no vscode, DOM, Node, onnxruntime, engine or host.
// In flat config a later block's options for a rule replace the earlier ones for the files it
// matches, so every block goes through `restrictedImports`, which always adds the onnxruntime rule.
const ONNXRUNTIME = {
  name: 'onnxruntime-node',
  message: "Import * as ort from src/engine/onnxruntime.ts, which turns onnxruntime's telemetry off before loading it.",
};
/** A relative import of src/'s folders or modules `names` (`a|b`), from src/ or one of its folders. */
const srcModule = (names) => `^(\\.{1,2}/)+(${names})(/|$)`;
const VSCODE = { name: 'vscode', message: 'Only the extension host (src/extension.ts, src/ui, src/commands, src/client, src/config.ts) imports vscode.' };
const NOT_IN_WEBVIEW = 'No Node built-ins here: this code runs in a webview too.';
const NODE = builtinModules.filter((name) => !name.startsWith('_')).map((name) => ({ name, message: NOT_IN_WEBVIEW }));
const NODE_PREFIX = { regex: '^node:', message: NOT_IN_WEBVIEW };
const NO_HOST = { regex: srcModule('ui|commands|client|extension|config'), message: 'The extension host (ui, commands, client, extension, config) is above this layer.' };
const NO_WEBVIEW = { regex: srcModule('webview'), message: 'src/webview is DOM code for the webview bundles; shared contracts live in src/views.' };
const NO_ENGINE = { regex: srcModule('engine'), message: 'The engine runs in the worker (and the CLI); talk to it through src/protocol.ts.' };
const restrictedImports = ({ paths = [], patterns = [], onnxruntime = true }) => [
  'error',
  { paths: [...(onnxruntime ? [ONNXRUNTIME] : []), ...paths], patterns },
];

const ENGINE = { paths: [VSCODE], patterns: [NO_HOST, NO_WEBVIEW] };
const HOST = {
  patterns: [
    {
      regex: '^(\\.{1,2}/)+engine(/(?!modelFiles$)|$)',
      message: 'The engine runs in the worker: ask it through the WorkerClient. Only src/engine/modelFiles.ts (a plain fs check) may be imported here.',
    },
    NO_WEBVIEW,
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/models/**', '.test-runs/**', '.cache/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers tests synchronously; the promises they return need no handling.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      // onnxruntime's telemetry must be off before the library loads: src/engine/onnxruntime.ts
      // does that, so it is the only way in.
      'no-restricted-imports': restrictedImports({}),
    },
  },
  { files: ['src/engine/**/*.ts'], rules: { 'no-restricted-imports': restrictedImports(ENGINE) } },
  { files: ['src/engine/onnxruntime.ts'], rules: { 'no-restricted-imports': restrictedImports({ ...ENGINE, onnxruntime: false }) } },
  {
    files: ['src/webview/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ paths: [VSCODE, ...NODE], patterns: [NODE_PREFIX, NO_ENGINE, NO_HOST] }) },
  },
  {
    files: ['src/ui/**/*.ts', 'src/commands/**/*.ts', 'src/client/**/*.ts', 'src/extension.ts', 'src/config.ts'],
    rules: { 'no-restricted-imports': restrictedImports(HOST) },
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImports({
        patterns: [...HOST.patterns, { regex: srcModule('commands'), message: 'The commands use the UI, not the other way round: move what both need into src/ui.' }],
      }),
    },
  },
  {
    files: ['src/protocol.ts', 'src/tasks/**/*.ts', 'src/views/**/*.ts', 'src/validate.ts', 'src/unicode.ts', 'src/formatSize.ts', 'src/entityTypes.ts', 'src/printable.ts'],
    rules: { 'no-restricted-imports': restrictedImports({ paths: [VSCODE, ...NODE], patterns: [NODE_PREFIX, NO_ENGINE, NO_HOST, NO_WEBVIEW] }) },
  },
);
