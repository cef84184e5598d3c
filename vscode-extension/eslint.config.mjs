import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'out/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The pure modules are unit-tested under plain node, where `vscode` does not exist.
    files: ['src/findDcode.ts', 'src/settings.ts', 'src/restartPolicy.ts', 'src/verdict.ts', 'src/enclosingDef.ts',
      'src/statusText.ts', 'src/shellCommand.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode', 'vscode-languageclient', 'vscode-languageclient/node'] }] },
  },
  {
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
);
