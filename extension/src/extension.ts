// DebugLLM for VS Code: starts the bundled `debugllm-lsp` and wires commands, status and secrets.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, State, Trace } from 'vscode-languageclient/node';
import { candidates, describeFailures, pick, readBundle, supportedPythons } from './common/python';
import { createClient } from './common/server';
import { API_KEY_SECRET, RESTART_KEYS, SECTION, interpreterSetting } from './common/settings';
import { STATUS_NOTIFICATION, StatusView, describeStatus, lifecycleView, offlineView } from './common/status';

const FIX_ALL_KIND = 'source.fixAll.debugllm';
const SERVER_STATS_COMMAND = 'debugllm.stats';
const SERVER_FIX_TEST_COMMAND = 'debugllm.tests.fix';
const SERVER_EXPLAIN_COMMAND = 'debugllm.tests.explain';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let statusItem: vscode.StatusBarItem;
let context: vscode.ExtensionContext;
let restarting: Promise<void> = Promise.resolve();

function showStatus(view: StatusView): void {
    statusItem.text = view.text;
    statusItem.tooltip = `${view.tooltip}\nClick for stats and the output.`;
    statusItem.backgroundColor = view.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    statusItem.show();
}

function traceFor(level: vscode.LogLevel): Trace {
    if (level === vscode.LogLevel.Trace) {
        return Trace.Verbose;
    }
    return level === vscode.LogLevel.Debug ? Trace.Messages : Trace.Off;
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    if (!vscode.extensions.getExtension('ms-python.python')) {
        return undefined;
    }
    try {
        const { PythonExtension } = await import('@vscode/python-extension');
        const api = await PythonExtension.api();
        const envPath = api.environments.getActiveEnvironmentPath(resource);
        const env = await api.environments.resolveEnvironment(envPath);
        return env?.executable.uri?.fsPath;
    } catch (error) {
        output.warn(`Python extension API unavailable: ${String(error)}`);
        return undefined;
    }
}

async function findPython(): Promise<string[] | undefined> {
    const resource = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const setting = interpreterSetting(vscode.workspace.getConfiguration(SECTION, resource).get('interpreter'));
    const list = candidates(setting, await pythonExtensionInterpreter(resource));
    const bundle = readBundle(context.extensionPath);
    const { chosen, tried } = await pick(list, undefined, bundle);
    if (chosen) {
        output.info(`Using ${chosen.command.join(' ')} (Python ${chosen.version?.join('.')}, from ${chosen.origin})`);
        return chosen.command;
    }
    const detail = describeFailures(tried);
    const wanted = supportedPythons(bundle);
    output.error(`No ${wanted} found: ${detail}`);
    showStatus(lifecycleView('error', `no ${wanted}`));
    const open = 'Open Setting';
    void vscode.window
        .showErrorMessage(
            `DebugLLM needs ${wanted} to run its server. Tried: ${detail}. ` +
                'Select one in the Python extension or set "debugllm.interpreter".',
            open,
        )
        .then((choice) => {
            if (choice === open) {
                void vscode.commands.executeCommand('workbench.action.openSettings', 'debugllm.interpreter');
            }
        });
    return undefined;
}

async function stopServer(): Promise<void> {
    const old = client;
    client = undefined;
    if (old) {
        try {
            await old.dispose(5000);
        } catch (error) {
            output.warn(`Stopping the server: ${String(error)}`);
        }
    }
}

async function startServer(): Promise<void> {
    await stopServer();
    showStatus(lifecycleView('starting'));
    const python = await findPython();
    if (!python) {
        return;
    }
    const apiKey = await context.secrets.get(API_KEY_SECRET);
    const next = createClient({ extensionPath: context.extensionPath, python, apiKey, outputChannel: output });
    next.onNotification(STATUS_NOTIFICATION, (params: unknown) => showStatus(describeStatus(params)));
    next.onDidChangeState((e) => {
        if (e.newState === State.Stopped && client === next) {
            showStatus(lifecycleView('stopped'));
        }
    });
    client = next;
    try {
        await next.start();
        await next.setTrace(traceFor(output.logLevel));
        // Until the server says otherwise: offline unless an endpoint is configured.
        const url = vscode.workspace.getConfiguration(SECTION).get<string>('endpoint.url');
        if (statusItem.text === lifecycleView('starting').text) {
            showStatus(url ? { ...offlineView(), text: '$(sync~spin) DebugLLM', tooltip: `DebugLLM: connecting to ${url}` } : offlineView());
        }
        output.info('DebugLLM server started');
    } catch (error) {
        output.error(`The DebugLLM server failed to start: ${String(error)}`);
        showStatus(lifecycleView('error', String(error)));
        void vscode.window.showErrorMessage(`DebugLLM: the server failed to start (${String(error)}). See the output.`, 'Show Output')
            .then((c) => c && output.show());
    }
}

/** Serialised: overlapping restarts (settings + key change) must not start two servers. */
function restart(): Promise<void> {
    restarting = restarting.then(startServer, startServer);
    return restarting;
}

async function fixAll(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
        void vscode.window.showInformationMessage('DebugLLM: open a Python file to fix.');
        return;
    }
    await vscode.commands.executeCommand('editor.action.codeAction', { kind: FIX_ALL_KIND, apply: 'first' });
}

/** The running server if it offers `command`; otherwise a message and undefined. */
async function serverWith(command: string): Promise<LanguageClient | undefined> {
    await restarting;
    if (!client || !client.isRunning()) {
        void vscode.window.showWarningMessage('DebugLLM: the server is not running.');
        return undefined;
    }
    const offered = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!offered.includes(command)) {
        void vscode.window.showInformationMessage(`DebugLLM: this server does not offer "${command}".`);
        return undefined;
    }
    return client;
}

/** Runs the test command the user confirms (never on its own), then the server offers the fix. */
async function fixFailingTest(): Promise<void> {
    const running = await serverWith(SERVER_FIX_TEST_COMMAND);
    if (!running) {
        return;
    }
    const editor = vscode.window.activeTextEditor;
    const folder =
        (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
        void vscode.window.showInformationMessage('DebugLLM: open a folder to run its tests.');
        return;
    }
    const python = (await pythonExtensionInterpreter(folder.uri)) ?? 'python';
    const file = editor ? vscode.workspace.asRelativePath(editor.document.uri, false) : '';
    const target = /(^|\/)test_[^/]*\.py$|_test\.py$/.test(file) ? ` ${file}` : '';
    const command = await vscode.window.showInputBox({
        title: 'DebugLLM: Fix failing test',
        prompt: 'The test command to run once (on a temporary copy of the folder)',
        value: `${python} -m pytest -x${target}`,
    });
    if (!command) {
        return;
    }
    const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'DebugLLM: running the tests and searching a fix' },
        () =>
            running.sendRequest(ExecuteCommandRequest.type, {
                command: SERVER_FIX_TEST_COMMAND,
                arguments: [{ command, cwd: folder.uri.fsPath }],
            }),
    );
    output.info(`Fix failing test: ${JSON.stringify(result)}`);
}

/** The selection, else the clipboard, else what the user pastes: read, never run. */
async function explainTraceback(): Promise<void> {
    const running = await serverWith(SERVER_EXPLAIN_COMMAND);
    if (!running) {
        return;
    }
    const editor = vscode.window.activeTextEditor;
    let text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    if (!text.includes('Traceback') && !text.includes('.py:')) {
        text = await vscode.env.clipboard.readText();
    }
    if (!text.includes('Traceback') && !text.includes('.py:')) {
        text = (await vscode.window.showInputBox({ title: 'DebugLLM: Explain traceback', prompt: 'Paste the traceback' })) ?? '';
    }
    if (!text) {
        return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const result: unknown = await running.sendRequest(ExecuteCommandRequest.type, {
        command: SERVER_EXPLAIN_COMMAND,
        arguments: [{ traceback: text, cwd: folder?.uri.fsPath }],
    });
    const path = (result as { path?: string } | null)?.path;
    if (path) {
        await vscode.window.showTextDocument(vscode.Uri.file(path));
    }
}

async function showStats(): Promise<void> {
    await restarting; // a (re)start in progress: wait for it rather than report "not running"
    if (!client || !client.isRunning()) {
        void vscode.window.showWarningMessage('DebugLLM: the server is not running.');
        return;
    }
    const offered = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!offered.includes(SERVER_STATS_COMMAND)) {
        void vscode.window.showInformationMessage(
            'DebugLLM: this server has no stats yet (it does not offer the "debugllm.stats" command).',
        );
        return;
    }
    const stats: unknown = await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_STATS_COMMAND, arguments: [] });
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(stats, null, 2) });
    await vscode.window.showTextDocument(doc, { preview: true });
}

async function setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
        title: 'DebugLLM: API key of the model endpoint',
        prompt: 'Stored in VS Code\'s secret storage and given to the server in its environment; never in settings.',
        password: true,
        ignoreFocusOut: true,
    });
    if (key === undefined) {
        return;
    }
    if (!key.trim()) {
        void vscode.window.showWarningMessage('DebugLLM: empty key ignored; use "Clear API Key" to remove it.');
        return;
    }
    await context.secrets.store(API_KEY_SECRET, key.trim());
    void vscode.window.showInformationMessage('DebugLLM: API key stored; restarting the server.');
}

async function clearApiKey(): Promise<void> {
    await context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage('DebugLLM: API key removed; restarting the server.');
}

async function statusMenu(): Promise<void> {
    const stats = 'Show Stats';
    const out = 'Show Output';
    const pickStr = await vscode.window.showQuickPick([stats, out, 'Restart Server'], { title: 'DebugLLM' });
    if (pickStr === stats) {
        await showStats();
    } else if (pickStr === out) {
        output.show();
    } else if (pickStr) {
        await restart();
    }
}

export async function activate(ctx: vscode.ExtensionContext): Promise<void> {
    context = ctx;
    output = vscode.window.createOutputChannel('DebugLLM', { log: true });
    statusItem = vscode.window.createStatusBarItem('debugllm.status', vscode.StatusBarAlignment.Right, 100);
    statusItem.name = 'DebugLLM';
    statusItem.command = 'debugllm.statusMenu';
    ctx.subscriptions.push(
        output,
        statusItem,
        output.onDidChangeLogLevel((level) => void client?.setTrace(traceFor(level))),
        vscode.commands.registerCommand('debugllm.fixAll', fixAll),
        vscode.commands.registerCommand('debugllm.showStats', showStats),
        vscode.commands.registerCommand('debugllm.fixFailingTest', fixFailingTest),
        vscode.commands.registerCommand('debugllm.explainTraceback', explainTraceback),
        vscode.commands.registerCommand('debugllm.restart', restart),
        vscode.commands.registerCommand('debugllm.showOutput', () => output.show()),
        vscode.commands.registerCommand('debugllm.setApiKey', setApiKey),
        vscode.commands.registerCommand('debugllm.clearApiKey', clearApiKey),
        vscode.commands.registerCommand('debugllm.statusMenu', statusMenu),
        // The key lives in the server's environment: a change needs a new server process.
        ctx.secrets.onDidChange((e) => {
            if (e.key === API_KEY_SECRET) {
                void restart();
            }
        }),
        // Other `debugllm.*` settings reach the running server through didChangeConfiguration.
        vscode.workspace.onDidChangeConfiguration((e) => {
            if (RESTART_KEYS.some((key) => e.affectsConfiguration(key))) {
                void restart();
            }
        }),
    );
    const python = vscode.extensions.getExtension('ms-python.python');
    if (python) {
        try {
            const { PythonExtension } = await import('@vscode/python-extension');
            const api = await PythonExtension.api();
            ctx.subscriptions.push(api.environments.onDidChangeActiveEnvironmentPath(() => void restart()));
        } catch (error) {
            output.warn(`Python extension API unavailable: ${String(error)}`);
        }
    }
    await restart();
}

export async function deactivate(): Promise<void> {
    await stopServer();
}
