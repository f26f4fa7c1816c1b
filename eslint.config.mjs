// Lint rules for the whole repository: type-aware typescript-eslint on every package's TypeScript,
// ESLint's recommended rules on the plain .mjs/.js scripts. Formatting is Prettier's job
// (eslint-config-prettier turns off every rule that would disagree with it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/coverage/**',
      'packages/element/custom-elements.json',
    ],
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Benchmarks that drive Chromium: the functions passed to page.evaluate() run in the page.
    files: ['packages/element/bench/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // k6 scripts run inside k6, not Node: its init-context and VU globals (https://grafana.com/docs/k6/latest/using-k6/execution-context-variables/).
    files: ['load-tests/scripts/**/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', open: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: [
          'packages/*/tsconfig.json',
          'packages/element/tsconfig.test.json',
          'load-tests/tsconfig.json',
          'load-tests/scripts/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `const { $patch: _omit, ...rest } = obj` is how an object is copied without one key.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // An interface that only extends another is how declaration merging adds to a global map (events.ts).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // node:test's test()/describe()/it() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  prettier,
);
