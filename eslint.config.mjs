// Type-aware linting: floating promises are bugs here (a lost rejection is a silent failure in
// the extension host), so `no-floating-promises` is an error and `void` marks deliberate ones.
import tseslint from 'typescript-eslint';

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
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'onnxruntime-node', message: "Import * as ort from src/engine/onnxruntime.ts, which turns onnxruntime's telemetry off before loading it." }] },
      ],
    },
  },
  { files: ['src/engine/onnxruntime.ts'], rules: { 'no-restricted-imports': 'off' } },
);
