// End-to-end: the packaged .vsix in a real VS Code (code-server), driven like a person with
// Debian's Chromium through playwright-core. Run by extension/e2e/run.mjs (node's test runner).
//
// Environment: see codeserver.mjs, plus E2E_PYTHON (a CPython 3.11-3.13 to run the bundled
// server) and OUT_DIR (screenshots, logs, timings.json).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { env, launch, quickOpen, since } from './codeserver.mjs';

const OUT = env('OUT_DIR');
const timings = {};
const t0 = Date.now();

const BUGGY = ['def total(numbers):', '    result = 0', '    for n in numbers', '        result += n', '    return result', ''].join('\n');
const FIXED_LINE = '    for n in numbers:';

// A notebook whose second cell lacks a colon and uses a name from the first.
const notebookCell = (source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
const NOTEBOOK = {
    cells: [
        notebookCell(['radius = 2\n', 'print(radius)']),
        notebookCell(['for i in range(3)\n', '    print(i * radius)']),
    ],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
};

let root, workspace, file, page, shot, stop;

before(async () => {
    ({ root, workspace, page, shot, stop } = await launch({
        out: OUT,
        files: { 'buggy.py': BUGGY, 'analysis.ipynb': JSON.stringify(NOTEBOOK, null, 1) + '\n' },
        settings: { 'debugllm.interpreter': env('E2E_PYTHON') },
        timings,
    }));
    file = join(workspace, 'buggy.py');
});

after(async () => {
    await stop?.();
    timings.totalSeconds = since(t0);
    writeFileSync(join(OUT, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
    console.log('e2e timings:', JSON.stringify(timings));
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
        await quickOpen(page, 'buggy.py');
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

test('notebook: the second cell lacks a colon; squiggle in that cell, quick fix, saved .ipynb', async () => {
    const notebookFile = join(workspace, 'analysis.ipynb');
    try {
        let start = Date.now();
        await page.keyboard.press('Escape');
        await quickOpen(page, 'analysis.ipynb');
        await page.waitForSelector('.notebook-editor .cell-editor-container .view-lines', { timeout: 60_000 });
        const cells = page.locator('.notebook-editor .code-cell-row');
        await cells.nth(1).waitFor();
        // The error is in the second cell, and only there (`radius` from the first cell is known).
        const squiggle = cells.nth(1).locator('.squiggly-error').first();
        await squiggle.waitFor({ timeout: 120_000 });
        assert.equal(await cells.nth(0).locator('.squiggly-error, .squiggly-warning').count(), 0);
        timings.notebookDiagnosticSeconds = since(start);
        await shot('notebook.png');

        start = Date.now();
        const box = await squiggle.boundingBox();
        assert.ok(box, 'the squiggle has a box');
        await page.mouse.click(box.x + Math.max(1, box.width / 2), box.y + box.height / 2);
        await page.keyboard.press('Control+Period');
        const action = page.locator('.action-widget .monaco-list-row', { hasText: "Insert missing ':'" }).first();
        await action.waitFor({ state: 'visible', timeout: 30_000 });
        await shot('notebook-quick-fix.png');
        await action.click();
        await page.waitForFunction(
            () => [...document.querySelectorAll('.notebook-editor .code-cell-row .view-lines')].some((e) =>
                e.textContent?.replace(/\u00a0/g, ' ').includes('for i in range(3):')),
        );
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+S');
        const end = Date.now() + 20_000;
        const secondCell = () => JSON.parse(readFileSync(notebookFile, 'utf8')).cells[1].source.join('');
        while (secondCell() !== 'for i in range(3):\n    print(i * radius)' && Date.now() < end) {
            await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(secondCell(), 'for i in range(3):\n    print(i * radius)');
        assert.equal(JSON.parse(readFileSync(notebookFile, 'utf8')).cells[0].source.join(''), 'radius = 2\nprint(radius)');
        await page.waitForSelector('.notebook-editor .squiggly-error', { state: 'detached', timeout: 30_000 });
        timings.notebookFixSeconds = since(start);
        await shot('notebook-fixed.png');
    } catch (error) {
        await shot('failure-notebook.png');
        throw error;
    }
});
