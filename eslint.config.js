// ESLint flat config: recommended JS rules plus typescript-eslint's strict set, for every package.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const INTERNAL = ['@preview-lambda/local', '@preview-lambda/fixtures'];

/** What each deployable may not import, by package name (see README, "Repository layout"). */
const FORBIDDEN = {
  contract: ['@preview-lambda/handler', '@preview-lambda/invoker', '@preview-lambda/proxy', ...INTERNAL],
  handler: ['@preview-lambda/invoker', '@preview-lambda/proxy', ...INTERNAL],
  invoker: ['@preview-lambda/handler', '@preview-lambda/proxy', ...INTERNAL],
  proxy: ['@preview-lambda/handler', ...INTERNAL],
  // The operators' tool: the invoker and the contract only (it never runs the handler in-process).
  cli: ['@preview-lambda/handler', '@preview-lambda/proxy', ...INTERNAL],
};

/** A relative import that leaves `folder` (`depth` directories below the repository root). */
function leaving(depth) {
  return {
    regex: `^(\\.\\./){${depth},}`,
    message: 'import another workspace by its package name (and a declared dependency), not by path',
  };
}

/** Package names a folder may not import. */
function packages(names) {
  return names.map((name) => ({ regex: `^${name}(/|$)`, message: 'crosses a package boundary (README, "Repository layout")' }));
}

function restrict(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

function boundaries() {
  return [
    ...Object.entries(FORBIDDEN).flatMap(([folder, names]) => [
      restrict([`${folder}/*.ts`, `${folder}/*/*.ts`], [leaving(2), ...packages(names)]),
      restrict([`${folder}/*/*/*.ts`], [leaving(3), ...packages(names)]),
    ]),
    // The contract is pure: zod and its own modules only.
    restrict(['contract/src/**/*.ts'], [{ regex: '^(?!zod$|\\./)', message: 'contract/ imports zod only' }]),
    ...['local', 'fixtures', 'test', 'bench'].flatMap((folder) => [
      restrict([`${folder}/*.ts`], [leaving(1)]),
      restrict([`${folder}/*/*.ts`], [leaving(2)]),
    ]),
    restrict(['fixtures/**/*.ts'], [leaving(1), { regex: '^@preview-lambda/', message: 'fixtures/ stands alone' }]),
  ];
}

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.tsbuild/**', 'handler/.package/**', '.local/**', '.cache/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  // Boundaries: imports flow proxy → invoker → contract, proxy → contract, handler → contract; nothing
  // deployed imports local/, fixtures/ or tests; workspaces reach each other by package name, never by path.
  ...boundaries(),
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
