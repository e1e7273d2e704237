// ESLint (flat config) for the VS Code extension's TypeScript and scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['extension/dist/**', 'extension/out/**', 'extension/bundled/**', 'node_modules/**', '.venv/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['extension/**/*.ts'],
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            eqeqeq: 'error',
            curly: 'error',
        },
    },
    {
        files: ['extension/**/*.mjs'],
        languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', fetch: 'readonly', document: 'readonly' } },
    },
);
