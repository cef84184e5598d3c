// Bundles the extension (dist/extension.js, with vscode-languageclient inside, so the vsix needs no
// node_modules) or, with --tests, each unit test (out/test/*.test.js) for `node --test`. The tests are bundled
// without `vscode` available: a pure module that imported it would fail the build here.
import { readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const tests = process.argv.includes('--tests');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

if (tests) {
  await esbuild.build({
    ...common,
    entryPoints: readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`),
    outdir: 'out/test',
  });
} else {
  await esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    sourcemap: false,
    minify: false, // readable stack traces in the log are worth more than the few hundred KB
  });
}
