// Runs an end-to-end test file with node's test runner (one process, so its timings print once):
// `node run.mjs` the main suite, `node run.mjs old-python` the "Python older than 3.11" path.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suite = process.argv[2] === 'old-python' ? 'old-python.e2e.mjs' : 'vscode.e2e.mjs';
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', join(here, suite)], {
    stdio: 'inherit',
});
process.exit(result.status ?? 1);
