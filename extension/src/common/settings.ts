// Settings of section `debugllm`: which ones the server reads, which ones only the extension reads.
// No `vscode` import here, so the logic is unit-tested with node's test runner.

export const SECTION = 'debugllm';

/** Keys of `debugllm.*` that only the extension reads. The server rejects unknown keys. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['interpreter'];

/** Settings whose change needs a new server process (not just didChangeConfiguration). */
export const RESTART_KEYS: readonly string[] = ['debugllm.interpreter'];

/** endpoint.* strings whose server default comes from the environment when left empty. */
export const ENV_BACKED_KEYS: readonly string[] = ['url', 'model'];

export const API_KEY_SECRET = 'debugllm.endpoint.apiKey';
export const API_KEY_ENV = 'DEBUGLLM_API_KEY';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep plain copy of the section without functions or proxy members of WorkspaceConfiguration. */
function plain(value: unknown): Json | undefined {
    if (value === null || ['boolean', 'number', 'string'].includes(typeof value)) {
        return value as Json;
    }
    if (Array.isArray(value)) {
        return value.map((v) => plain(v)).filter((v): v is Json => v !== undefined);
    }
    if (isObject(value)) {
        const out: { [key: string]: Json } = {};
        for (const [k, v] of Object.entries(value)) {
            const p = plain(v);
            if (p !== undefined) {
                out[k] = p;
            }
        }
        return out;
    }
    return undefined;
}

/**
 * The `debugllm` section as the server expects it: client-only keys removed, and never an API key
 * (a key only travels through the server's environment).
 */
export function serverSettings(section: unknown): { [key: string]: Json } {
    const copy = plain(section);
    if (!isObject(copy)) {
        return {};
    }
    for (const key of CLIENT_ONLY_KEYS) {
        delete copy[key];
    }
    const endpoint = copy['endpoint'];
    if (isObject(endpoint)) {
        delete endpoint['apiKey'];
        // Empty means "not set": the server then falls back to $DEBUGLLM_ENDPOINT_URL / $DEBUGLLM_MODEL.
        for (const key of ENV_BACKED_KEYS) {
            if (endpoint[key] === '') {
                delete endpoint[key];
            }
        }
    }
    return copy as { [key: string]: Json };
}

/**
 * Settings a project's `pyproject.toml` (`[tool.debugllm]`) may also set. VS Code reports every
 * setting with its default filled in; these are sent only when the user set them, so that the
 * project file applies unless the editor's settings say otherwise.
 */
export const PROJECT_KEYS: readonly string[] = [
    'unsafeFixes',
    'targetVersion',
    'diagnostics.enable',
    'diagnostics.disabledChecks',
    'repair.budgetMs',
    'repair.maxFixesPerDiagnostic',
    'repair.testBudgetMs',
];

/** `settings` without the project keys that `isSet` says the user left at their defaults. */
export function withoutUnsetProjectKeys(
    settings: { [key: string]: Json },
    isSet: (key: string) => boolean,
): { [key: string]: Json } {
    for (const key of PROJECT_KEYS) {
        if (isSet(key)) {
            continue;
        }
        const parts = key.split('.');
        let node: Json | undefined = settings;
        for (const part of parts.slice(0, -1)) {
            node = isObject(node) ? node[part] : undefined;
        }
        if (isObject(node)) {
            delete node[parts[parts.length - 1]];
        }
    }
    return settings;
}

/** The server's environment: the extension host's, plus the key from SecretStorage when set. */
export function serverEnv(
    base: Readonly<Record<string, string | undefined>>,
    apiKey: string | undefined,
): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) {
        if (v !== undefined) {
            env[k] = v;
        }
    }
    if (apiKey) {
        env[API_KEY_ENV] = apiKey;
    }
    // Unbuffered stderr so server logs reach the output channel as they happen.
    env['PYTHONUNBUFFERED'] = '1';
    return env;
}

/** The interpreter setting as a command line: accepts a string or a list of strings. */
export function interpreterSetting(value: unknown): string[] {
    if (typeof value === 'string') {
        return value.trim() ? [value.trim()] : [];
    }
    if (Array.isArray(value)) {
        return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    }
    return [];
}
