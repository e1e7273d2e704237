// Runs the end-to-end test with node's test runner (one process, so its timings print once).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', join(here, 'vscode.e2e.mjs')], {
    stdio: 'inherit',
});
process.exit(result.status ?? 1);
