// A real VS Code for the end-to-end tests: code-server with the packaged .vsix installed, a
// workspace folder of given files, and Debian's Chromium driving it through playwright-core.
//
// Environment: VSIX, CODE_SERVER_NODE (Node 24), CODE_SERVER_ENTRY (code-server's
// out/node/entry.js), CHROMIUM.
import { strict as assert } from 'node:assert';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

export const env = (name) => {
    const value = process.env[name];
    assert.ok(value, `${name} must be set`);
    return value;
};

export const since = (start) => Math.round((Date.now() - start) / 100) / 10;

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

/**
 * Starts code-server on a fresh profile with the VSIX installed and `files` (name -> text) in
 * its workspace, and opens it in Chromium. `settings` go over the defaults; `pathPrefix` is put
 * first on the server's PATH (to stand in for the machine's `python3`).
 */
export async function launch({ out, files, settings = {}, pathPrefix, timings }) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const root = mkdtempSync(join(tmpdir(), 'debugllm-e2e-'));
    const userData = join(root, 'user-data');
    const extensions = join(root, 'extensions');
    const workspace = join(root, 'project');
    mkdirSync(join(userData, 'User'), { recursive: true });
    for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(workspace, name)), { recursive: true });
        writeFileSync(join(workspace, name), text);
    }
    // Extensions stay off in Restricted Mode: trust must be off before the first start.
    writeFileSync(
        join(userData, 'User', 'settings.json'),
        JSON.stringify(
            {
                'security.workspace.trust.enabled': false,
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
                ...settings,
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
    const port = await freePort();
    const log = createWriteStream(join(out, 'code-server.log'));
    const serverEnv = { ...process.env };
    if (pathPrefix) {
        serverEnv.PATH = `${pathPrefix}:${process.env.PATH}`;
    }
    const codeServer = spawn(
        node,
        [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', extensions,
            '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
            // E2E_LOG=trace: VS Code's log level, so the DebugLLM channel also shows the LSP messages.
            ...(process.env.E2E_LOG ? ['--log', process.env.E2E_LOG] : []), workspace],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: serverEnv },
    );
    codeServer.stdout.pipe(log);
    codeServer.stderr.pipe(log);
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
    timings.codeServerStartSeconds = since(start);

    start = Date.now();
    const browser = await chromium.launch({
        executablePath: env('CHROMIUM'),
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    timings.workbenchLoadSeconds = since(start);

    const shot = async (name) => {
        await page.screenshot({ path: join(out, name) }).catch(() => undefined);
    };
    const stop = async () => {
        await browser.close().catch(() => undefined);
        try {
            process.kill(-codeServer.pid, 'SIGTERM'); // its own process group: the server and the extension host
        } catch {
            // already gone
        }
        // Keep VS Code's logs (extension host, the DebugLLM output channel) next to the screenshots.
        try {
            cpSync(join(userData, 'logs'), join(out, 'vscode-logs'), { recursive: true });
        } catch {
            // no logs
        }
        rmSync(root, { recursive: true, force: true });
    };
    return { root, workspace, page, shot, stop };
}

/** Quick Open (Ctrl+P) a workspace file by name, like a person. */
export async function quickOpen(page, name) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input');
    await page.keyboard.type(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
}
