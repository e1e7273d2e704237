// Builds one .vsix per VS Code target platform (`vsce package --target`), each bundling the server
// and its dependencies for CPython 3.11, 3.12 and 3.13 on that platform (bundle_python.py), into
// dist/debugllm-<target>.vsix. DEBUGLLM_TARGETS=linux-x64,win32-x64 builds only those.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TARGETS = ['win32-x64', 'win32-arm64', 'darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64', 'alpine-x64'];

const ext = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ext, '..');
const dist = join(repo, 'dist');
const python =
    process.env.DEBUGLLM_BUNDLE_PYTHON ??
    (existsSync(join(repo, '.venv', 'bin', 'python')) ? join(repo, '.venv', 'bin', 'python') : 'python3');
const targets = process.env.DEBUGLLM_TARGETS ? process.env.DEBUGLLM_TARGETS.split(',') : TARGETS;
for (const target of targets) {
    if (!TARGETS.includes(target)) {
        throw new Error(`unknown target ${target} (known: ${TARGETS.join(', ')})`);
    }
}
const run = (command, args) => {
    console.log(`$ ${command} ${args.join(' ')}`);
    execFileSync(command, args, { stdio: 'inherit', cwd: repo });
};

mkdirSync(dist, { recursive: true });
// DebugLLM's own wheel is the same for every target: build it once.
const wheels = mkdtempSync(join(tmpdir(), 'debugllm-wheel-'));
run(python, ['-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '--wheel-dir', wheels, repo]);
const wheel = join(wheels, readdirSync(wheels).find((f) => f.startsWith('debugllm-') && f.endsWith('.whl')));
const sizes = {};
try {
    for (const target of targets) {
        const started = Date.now();
        run(python, [join(ext, 'scripts', 'bundle_python.py'), target, '--wheel', wheel]);
        const out = join(dist, `debugllm-${target}.vsix`);
        rmSync(out, { force: true });
        run(join(repo, 'node_modules', '.bin', 'vsce'), [
            'package', '--no-dependencies', '--readme-path', 'extension/README.md', '--changelog-path', 'extension/CHANGELOG.md',
            '--target', target, '-o', out,
        ]);
        sizes[target] = { bytes: statSync(out).size, seconds: Math.round((Date.now() - started) / 100) / 10 };
    }
} finally {
    rmSync(wheels, { recursive: true, force: true });
}
writeFileSync(join(dist, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
for (const [target, { bytes, seconds }] of Object.entries(sizes)) {
    console.log(`${target.padEnd(13)} ${(bytes / 1e6).toFixed(1).padStart(5)} MB  (${seconds} s)  dist/debugllm-${target}.vsix`);
}
