// End-to-end: the `debugllm.interpreter` workspace setting points at a Python 3.10. DebugLLM must
// say so with an error message whose button opens the interpreter setting, and start no server
// (never fall back to another Python the user did not choose). `python3` on the server's PATH is
// 3.10 too, for VS Code builds that keep the PATH they were started with (code-server resolves
// the login shell's environment, where pyenv may come first).
//
// Environment: see codeserver.mjs, plus E2E_OLD_PYTHON (a CPython 3.10) and OUT_DIR.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { env, launch, quickOpen, since } from './codeserver.mjs';

const OUT = env('OUT_DIR');
const timings = {};
const t0 = Date.now();
const bin = mkdtempSync(join(tmpdir(), 'debugllm-old-python-'));
let root, page, shot, stop;

before(async () => {
    symlinkSync(env('E2E_OLD_PYTHON'), join(bin, 'python3'));
    mkdirSync(join(OUT), { recursive: true });
    ({ root, page, shot, stop } = await launch({
        out: OUT,
        files: {
            'main.py': 'print("hello")\n',
            '.vscode/settings.json': JSON.stringify({ 'debugllm.interpreter': env('E2E_OLD_PYTHON') }, null, 2),
        },
        pathPrefix: bin,
        timings,
    }));
});

after(async () => {
    await stop?.();
    rmSync(bin, { recursive: true, force: true });
    timings.totalSeconds = since(t0);
    writeFileSync(join(OUT, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
    console.log('e2e timings:', JSON.stringify(timings));
});

test('Python 3.10: an error names the versions needed, and its button opens the setting', async () => {
    try {
        const start = Date.now();
        await quickOpen(page, 'main.py');
        const toast = page.locator('.notification-toast', { hasText: 'DebugLLM needs CPython 3.11, 3.12 or 3.13' }).first();
        await toast.waitFor({ timeout: 90_000 });
        const text = await toast.innerText();
        assert.match(text, /older than 3\.11/);
        assert.match(text, /debugllm\.interpreter/);
        timings.messageSeconds = since(start);
        await shot('old-python.png');
        await toast.locator('.monaco-button', { hasText: 'Open Setting' }).click();
        // The Settings editor opens, searched for the interpreter setting.
        const setting = page.locator('.settings-editor .setting-item-contents', { hasText: 'Interpreter' }).first();
        await setting.waitFor({ timeout: 30_000 });
        assert.match(await setting.innerText(), /Path of the CPython/);
        await shot('old-python-setting.png');
        // No server process was started with the old Python.
        const servers = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
            try {
                const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
                return cmd.includes('lsp_server.py') && cmd.includes(root);
            } catch {
                return false;
            }
        });
        assert.deepEqual(servers, []);
    } catch (error) {
        await shot('failure-old-python.png');
        throw error;
    }
});
