// Installs the DebugLLM server and its dependencies into extension/bundled/libs, which the
// launcher puts first on sys.path. Binary wheels (pydantic_core, PyYAML, websockets ...) are for
// the platform and Python that run this script: the .vsix works on that platform only.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ext, '..');
const libs = join(ext, 'bundled', 'libs');
const python =
    process.env.DEBUGLLM_BUNDLE_PYTHON ??
    (existsSync(join(repo, '.venv', 'bin', 'python')) ? join(repo, '.venv', 'bin', 'python') : 'python3');

rmSync(libs, { recursive: true, force: true });
const run = (args) => {
    console.log(`$ ${python} ${args.join(' ')}`);
    execFileSync(python, args, { stdio: 'inherit', cwd: repo });
};
run(['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-compile', '--target', libs, repo]);
// Console scripts, caches and the GPU-host tooling are of no use inside the extension.
for (const name of ['bin', '__pycache__', 'debugllm_inference']) {
    rmSync(join(libs, name), { recursive: true, force: true });
}
run(['-c', `import sys; sys.path.insert(0, ${JSON.stringify(libs)}); import debugllm.lsp.server, pydantic_core; print('bundled server imports OK')`]);
