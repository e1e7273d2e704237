// End-to-end: the packaged .vsix in a real VS Code (code-server), driven like a person with
// Debian's Chromium through playwright-core. Run by extension/e2e/run.mjs (node's test runner).
//
// Environment: VSIX, CODE_SERVER_NODE (Node 24), CODE_SERVER_ENTRY (code-server's out/node/entry.js),
// CHROMIUM, E2E_PYTHON (a Python >= 3.11 able to run the bundled server), OUT_DIR (screenshots,
// logs, timings.json).
import { strict as assert } from 'node:assert';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const env = (name) => {
    const value = process.env[name];
    assert.ok(value, `${name} must be set`);
    return value;
};
const OUT = env('OUT_DIR');
const timings = {};
const t0 = Date.now();
const since = (start) => Math.round((Date.now() - start) / 100) / 10;

const BUGGY = ['def total(numbers):', '    result = 0', '    for n in numbers', '        result += n', '    return result', ''].join('\n');
const FIXED_LINE = '    for n in numbers:';

let root, workspace, file, codeServer, browser, page, port;

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port: p } = srv.address();
            srv.close(() => resolve(p));
        });
    });
}

async function waitHttp(url, timeoutMs) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        try {
            const res = await fetch(url);
            if (res.ok) {
                return;
            }
        } catch {
            // not up yet
        }
        if (Date.now() > end) {
            throw new Error(`${url} did not answer in ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}

async function shot(name) {
    if (page) {
        await page.screenshot({ path: join(OUT, name) }).catch(() => undefined);
    }
}

before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'debugllm-e2e-'));
    const userData = join(root, 'user-data');
    const extensions = join(root, 'extensions');
    workspace = join(root, 'project');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    file = join(workspace, 'buggy.py');
    writeFileSync(file, BUGGY);
    // Extensions stay off in Restricted Mode: trust must be off before the first start.
    writeFileSync(
        join(userData, 'User', 'settings.json'),
        JSON.stringify(
            {
                'security.workspace.trust.enabled': false,
                'debugllm.interpreter': env('E2E_PYTHON'),
                'workbench.startupEditor': 'none',
                'workbench.tips.enabled': false,
                'workbench.enableExperiments': false,
                'extensions.autoUpdate': false,
                'extensions.autoCheckUpdates': false,
                'extensions.ignoreRecommendations': true,
                'telemetry.telemetryLevel': 'off',
                'chat.disableAIFeatures': true,
                'editor.hover.delay': 200,
                'files.autoSave': 'off',
                'editor.minimap.enabled': false,
            },
            null,
            2,
        ),
    );
    const node = env('CODE_SERVER_NODE');
    const entry = env('CODE_SERVER_ENTRY');

    let start = Date.now();
    execFileSync(node, [entry, '--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', env('VSIX')], {
        stdio: 'inherit',
        timeout: 120_000,
    });
    timings.installVsixSeconds = since(start);

    start = Date.now();
    port = await freePort();
    const log = createWriteStream(join(OUT, 'code-server.log'));
    codeServer = spawn(
        node,
        [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', extensions,
            '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    codeServer.stdout.pipe(log);
    codeServer.stderr.pipe(log);
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
    timings.codeServerStartSeconds = since(start);

    start = Date.now();
    browser = await chromium.launch({
        executablePath: env('CHROMIUM'),
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    timings.workbenchLoadSeconds = since(start);
});

after(async () => {
    await browser?.close().catch(() => undefined);
    if (codeServer?.pid) {
        try {
            process.kill(-codeServer.pid, 'SIGTERM'); // its own process group: the server and the extension host
        } catch {
            // already gone
        }
    }
    timings.totalSeconds = since(t0);
    writeFileSync(join(OUT, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
    console.log('e2e timings:', JSON.stringify(timings));
    // Keep VS Code's logs (extension host, the DebugLLM output channel) next to the screenshots.
    try {
        cpSync(join(root, 'user-data', 'logs'), join(OUT, 'vscode-logs'), { recursive: true });
    } catch {
        // no logs
    }
    rmSync(root, { recursive: true, force: true });
});

/** The bundled server's processes started by this test (their command line names our folder). */
function serverPids() {
    const pids = [];
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
            const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            if (cmd.includes('lsp_server.py') && cmd.includes(root)) {
                pids.push(pid);
            }
        } catch {
            // gone
        }
    }
    return pids;
}

function serverEnv(pid) {
    return Object.fromEntries(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
}

async function waitForNewServer(old, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const fresh = serverPids().filter((p) => !old.includes(p));
        if (fresh.length === 1 && serverPids().length === 1) {
            return fresh[0];
        }
        if (Date.now() > end) {
            throw new Error(`no single new server process (old ${old}, now ${serverPids()})`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
}

async function runCommand(title) {
    await page.keyboard.press('Control+Shift+P');
    await page.waitForSelector('.quick-input-widget input');
    await page.keyboard.type(title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title.replace(/^DebugLLM: /, '') }).first().waitFor();
    await page.keyboard.press('Enter');
}

async function editorText() {
    return (await page.locator('.editor-instance .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

test('missing colon: diagnostic, hover explanation and quick fix in code-server', async (t) => {
    try {
        let start = Date.now();
        // Open the file like a person: Quick Open.
        await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
        await page.keyboard.press('Control+P');
        await page.waitForSelector('.quick-input-widget input');
        await page.keyboard.type('buggy.py');
        await page.waitForSelector('.quick-input-list .monaco-list-row');
        await page.keyboard.press('Enter');
        await page.waitForFunction(
            () => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('for n in numbers'),
        );
        timings.fileOpenSeconds = since(start);

        // Each step needs the one before: after a failure the rest are skipped, not timed out.
        let broken = false;
        const step = (name, fn) =>
            t.test(name, { skip: broken && 'an earlier step failed' }, async () => {
                try {
                    await fn();
                } catch (error) {
                    broken = true;
                    await shot(`failure-${name.split(' ')[1]}.png`);
                    throw error;
                }
            });
        await step('the diagnostic appears (squiggle and Problems panel)', async () => {
            start = Date.now();
            await page.waitForSelector('.editor-instance .squiggly-error', { timeout: 120_000 });
            timings.diagnosticSeconds = since(start);
            await page.keyboard.press('Control+Shift+M'); // Problems panel
            const problem = page.locator('.markers-panel .monaco-list-row', { hasText: "expected ':'" }).first();
            await problem.waitFor({ timeout: 30_000 });
            assert.match(await problem.innerText(), /debugllm/i);
            await page.keyboard.press('Control+Shift+M');
            // The status bar item: offline engine only (no endpoint configured).
            await page.locator('.statusbar-item', { hasText: 'DebugLLM: offline' }).first().waitFor({ timeout: 30_000 });
            // The settings VS Code sends were all accepted (the server warns about unknown or bad ones).
            assert.equal(await page.locator('.notification-toast', { hasText: 'invalid settings' }).count(), 0);
        });

        await step('hovering the error shows the explanation', async () => {
            start = Date.now();
            const squiggle = page.locator('.editor-instance .squiggly-error').first();
            const box = await squiggle.boundingBox();
            assert.ok(box, 'the squiggle has a box');
            await page.mouse.move(box.x + Math.max(1, box.width / 2), box.y + box.height / 2);
            const hover = page.locator('.monaco-hover', { hasText: 'missing the required colon' }).first();
            try {
                await hover.waitFor({ state: 'visible', timeout: 15_000 });
            } catch {
                // Fall back to the keyboard: cursor on the error, then "Show Hover" (Ctrl+K Ctrl+I).
                await page.mouse.click(box.x + Math.max(1, box.width / 2), box.y + box.height / 2);
                await page.keyboard.press('Control+K');
                await page.keyboard.press('Control+I');
                await hover.waitFor({ state: 'visible', timeout: 30_000 });
            }
            const text = await hover.innerText();
            assert.match(text, /for.*loop statement on line 3 was missing the required colon/s);
            timings.hoverSeconds = since(start);
            await shot('hover.png');
            await page.keyboard.press('Escape');
            await page.mouse.move(5, 5);
        });

        await step('the quick fix (Ctrl+. then Enter) inserts the colon', async () => {
            start = Date.now();
            const box = await page.locator('.editor-instance .squiggly-error').first().boundingBox();
            assert.ok(box);
            await page.mouse.click(box.x + Math.max(1, box.width / 2), box.y + box.height / 2);
            await page.keyboard.press('Control+Period');
            const action = page.locator('.action-widget .monaco-list-row', { hasText: "Insert missing ':'" }).first();
            await action.waitFor({ state: 'visible', timeout: 30_000 });
            await shot('quick-fix-menu.png');
            // The preferred fix is listed first and focused: Enter applies it.
            await page.keyboard.press('Enter');
            await page.waitForFunction(
                (line) => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes(line),
                FIXED_LINE,
            );
            await page.keyboard.press('Control+S');
            const end = Date.now() + 20_000;
            while (readFileSync(file, 'utf8') === BUGGY && Date.now() < end) {
                await new Promise((r) => setTimeout(r, 200));
            }
            assert.equal(readFileSync(file, 'utf8'), BUGGY.replace('    for n in numbers\n', FIXED_LINE + '\n'));
            assert.match(await editorText(), /for n in numbers:/);
            await page.waitForSelector('.editor-instance .squiggly-error', { state: 'detached', timeout: 30_000 });
            timings.quickFixSeconds = since(start);
            await shot('fixed.png');
        });

        await step('"DebugLLM: Fix All in File" from the command palette', async () => {
            start = Date.now();
            // Break it again: delete the colon at the end of line 3.
            await page.keyboard.press('Control+G');
            await page.keyboard.type('3');
            await page.keyboard.press('Enter');
            await page.keyboard.press('End');
            await page.keyboard.press('Backspace');
            await page.waitForSelector('.editor-instance .squiggly-error', { timeout: 60_000 });
            await page.keyboard.press('Control+Shift+P');
            await page.waitForSelector('.quick-input-widget input');
            await page.keyboard.type('DebugLLM: Fix All in File');
            await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Fix All in File' }).first().waitFor();
            await page.keyboard.press('Enter');
            await page.waitForFunction(
                (line) => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes(line),
                FIXED_LINE,
            );
            await page.keyboard.press('Control+S');
            const fixed = BUGGY.replace('    for n in numbers\n', FIXED_LINE + '\n');
            const end = Date.now() + 20_000;
            while (readFileSync(file, 'utf8') !== fixed && Date.now() < end) {
                await new Promise((r) => setTimeout(r, 200));
            }
            assert.equal(readFileSync(file, 'utf8'), fixed);
            timings.fixAllSeconds = since(start);
        });

        await step('"Set API Key" restarts the server with DEBUGLLM_API_KEY; "Clear API Key" removes it', async () => {
            start = Date.now();
            const before = serverPids();
            assert.equal(before.length, 1, `one server process: ${before}`);
            await runCommand('DebugLLM: Set API Key');
            await page.waitForSelector('.quick-input-widget input[type="password"]');
            await page.keyboard.type('e2e-secret-key');
            await page.keyboard.press('Enter');
            const withKey = await waitForNewServer(before);
            assert.equal(serverEnv(withKey).DEBUGLLM_API_KEY, 'e2e-secret-key');
            await runCommand('DebugLLM: Clear API Key');
            const cleared = await waitForNewServer([withKey]);
            assert.ok(!('DEBUGLLM_API_KEY' in serverEnv(cleared)));
            timings.apiKeySeconds = since(start);
        });

        await step('"DebugLLM: Show Stats" shows the server\'s stats', async () => {
            await runCommand('DebugLLM: Show Stats');
            // A JSON document with the stats, or (a server without `debugllm.stats`) a clear message.
            await page.waitForFunction(
                () =>
                    /"model"/.test(document.querySelector('.editor-instance .view-lines')?.textContent ?? '') ||
                    /has no stats yet|not running/.test(document.querySelector('.notifications-toasts')?.textContent ?? ''),
                undefined,
                { timeout: 30_000 },
            );
            await shot('stats.png');
            const toasts = (await page.locator('.notifications-toasts').textContent()) ?? '';
            assert.doesNotMatch(toasts, /not running/, 'the server runs again after the key changes');
        });
    } catch (error) {
        await shot('failure.png');
        throw error;
    }
});
