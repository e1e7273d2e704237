// Creating the language client that runs the bundled server with the chosen interpreter.
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
} from 'vscode-languageclient/node';
import { launcherPath } from './python';
import { SECTION, serverEnv, serverSettings, withoutUnsetProjectKeys } from './settings';

export const SERVER_ID = 'debugllm';
export const SERVER_NAME = 'DebugLLM';

function currentServerSettings(): ReturnType<typeof serverSettings> {
    const config = vscode.workspace.getConfiguration(SECTION);
    return withoutUnsetProjectKeys(serverSettings(config), (key) => {
        const set = config.inspect(key);
        return [set?.globalValue, set?.workspaceValue, set?.workspaceFolderValue].some((v) => v !== undefined);
    });
}

export function createClient(options: {
    extensionPath: string;
    python: string[];
    apiKey: string | undefined;
    outputChannel: vscode.LogOutputChannel;
}): LanguageClient {
    const [command, ...args] = options.python;
    const serverOptions: ServerOptions = {
        command,
        args: [...args, launcherPath(options.extensionPath)],
        options: {
            cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? options.extensionPath,
            env: serverEnv(process.env, options.apiKey),
        },
    };
    let client: LanguageClient | undefined = undefined;
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
            // Python cells of notebooks (.ipynb): synced with LSP 3.17 notebook document sync.
            { notebook: '*', language: 'python' },
        ],
        outputChannel: options.outputChannel,
        traceOutputChannel: options.outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: { [SECTION]: currentServerSettings() },
        synchronize: { configurationSection: SECTION },
        middleware: {
            workspace: {
                // The server asks for section `debugllm`: answer without the extension-only keys
                // and without the project keys the user left unset (pyproject.toml applies).
                configuration: async (params, token, next) => {
                    const result = await next(params, token);
                    if (!Array.isArray(result)) {
                        return result;
                    }
                    return result.map((value, i) =>
                        params.items[i]?.section === SECTION ? currentServerSettings() : value,
                    );
                },
                // Changes go to the server as they are, less the extension-only keys.
                didChangeConfiguration: async (sections, next) => {
                    if (!client || !sections || !sections.includes(SECTION)) {
                        return next(sections);
                    }
                    await client.sendNotification(DidChangeConfigurationNotification.type, {
                        settings: { [SECTION]: currentServerSettings() },
                    });
                },
            },
        },
    };
    client = new LanguageClient(SERVER_ID, SERVER_NAME, serverOptions, clientOptions);
    return client;
}
