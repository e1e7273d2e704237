// Bundles the extension (and, with --tests, the unit tests) with esbuild.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tests = process.argv.includes('--tests');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' };

if (tests) {
    const dir = join(root, 'test');
    const entryPoints = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f));
    await build({ ...common, entryPoints, outdir: join(root, 'out', 'test'), sourcemap: 'inline' });
} else {
    await build({
        ...common,
        entryPoints: [join(root, 'src', 'extension.ts')],
        outfile: join(root, 'dist', 'extension.js'),
        minify: true,
        sourcemap: false,
    });
}
