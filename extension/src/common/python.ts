// Finding a Python >= 3.11 to run the bundled server. No `vscode` import (unit-tested).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The launcher inside the installed extension (package.json is at the repository root). */
export function launcherPath(extensionPath: string): string {
    return path.join(extensionPath, 'extension', 'bundled', 'tool', 'lsp_server.py');
}

export const MIN_PYTHON: readonly [number, number] = [3, 11];

/**
 * What `npm run package` bundled for this platform (`extension/bundled/libs/bundle.json`): the
 * VS Code target and, per CPython minor version, the folder of its binary wheels.
 */
export interface Bundle {
    target: string;
    pythons: Record<string, string>;
}

/** The package's bundle manifest; undefined when running from a checkout without one. */
export function readBundle(extensionPath: string): Bundle | undefined {
    try {
        const file = path.join(extensionPath, 'extension', 'bundled', 'libs', 'bundle.json');
        const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<Bundle>;
        if (typeof data.target === 'string' && data.pythons && typeof data.pythons === 'object') {
            return { target: data.target, pythons: data.pythons };
        }
    } catch {
        // no bundle: a development checkout
    }
    return undefined;
}

/** "CPython 3.11, 3.12 or 3.13" for messages; "Python 3.11 or newer" without a bundle. */
export function supportedPythons(bundle: Bundle | undefined): string {
    const versions = Object.keys(bundle?.pythons ?? {});
    if (versions.length === 0) {
        return `Python ${MIN_PYTHON.join('.')} or newer`;
    }
    return `CPython ${versions.length > 1 ? `${versions.slice(0, -1).join(', ')} or ${versions[versions.length - 1]}` : versions[0]}`;
}

export interface Candidate {
    /** The command line that starts Python, e.g. ["/usr/bin/python3"]. */
    command: string[];
    /** Where it came from, for messages: "debugllm.interpreter", "Python extension", "PATH". */
    origin: string;
}

export interface Checked extends Candidate {
    version?: [number, number, number];
    ok: boolean;
    reason?: string;
}

/** "3.11.7" -> [3, 11, 7]; anything else -> undefined. */
export function parseVersion(text: string): [number, number, number] | undefined {
    const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
    if (!m) {
        return undefined;
    }
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function isSupported(version: readonly number[] | undefined): boolean {
    if (!version) {
        return false;
    }
    const [major, minor] = version;
    return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

/**
 * The candidates in order: an explicit `debugllm.interpreter` setting overrides (it alone is
 * tried), else the Python extension's selected interpreter, then `python3` on PATH. Duplicates
 * are dropped.
 */
export function candidates(setting: string[], fromPythonExtension: string | undefined): Candidate[] {
    const list: Candidate[] = [];
    if (setting.length > 0) {
        // The user chose it: if it cannot run the server, say so rather than run another Python.
        return [{ command: setting, origin: 'debugllm.interpreter' }];
    }
    if (fromPythonExtension) {
        list.push({ command: [fromPythonExtension], origin: 'Python extension' });
    }
    list.push({ command: ['python3'], origin: 'PATH' });
    const seen = new Set<string>();
    return list.filter((c) => {
        const key = JSON.stringify(c.command);
        if (seen.has(key)) {
            return false;
        }
        seen.add(key);
        return true;
    });
}

export type Runner = (command: string[], timeoutMs: number) => Promise<string>;

/** Runs `python -c ...` and returns its stdout. */
export const runPython: Runner = (command, timeoutMs) =>
    new Promise((resolve, reject) => {
        execFile(
            command[0],
            [...command.slice(1), '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3], sys.implementation.name)'],
            { timeout: timeoutMs, windowsHide: true },
            (error, stdout) => (error ? reject(error) : resolve(String(stdout))),
        );
    });

export async function check(candidate: Candidate, run: Runner = runPython, bundle?: Bundle): Promise<Checked> {
    try {
        const answer = await run(candidate.command, 10_000);
        const version = parseVersion(answer);
        if (!version) {
            return { ...candidate, ok: false, reason: 'could not read its version' };
        }
        if (!isSupported(version)) {
            return { ...candidate, version, ok: false, reason: `Python ${version.join('.')} is older than 3.11` };
        }
        // The bundled binary wheels exist for some CPython minor versions only.
        const implementation = answer.trim().split(/\s+/)[1] ?? 'cpython';
        const minor = `${version[0]}.${version[1]}`;
        if (bundle && (implementation !== 'cpython' || !(minor in bundle.pythons))) {
            const name = implementation === 'cpython' ? 'Python' : implementation;
            return {
                ...candidate,
                version,
                ok: false,
                reason: `${name} ${version.join('.')} has no bundled libraries in this ${bundle.target} build (${supportedPythons(bundle)})`,
            };
        }
        return { ...candidate, version, ok: true };
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ...candidate, ok: false, reason: `cannot run it (${message.split('\n')[0]})` };
    }
}

/** The first supported candidate, and what was wrong with each one tried before it. */
export async function pick(
    list: Candidate[],
    run: Runner = runPython,
    bundle?: Bundle,
): Promise<{ chosen?: Checked; tried: Checked[] }> {
    const tried: Checked[] = [];
    for (const candidate of list) {
        const result = await check(candidate, run, bundle);
        tried.push(result);
        if (result.ok) {
            return { chosen: result, tried };
        }
    }
    return { tried };
}

export function describeFailures(tried: Checked[]): string {
    return tried.map((t) => `${t.command.join(' ')} (${t.origin}): ${t.reason ?? 'unsupported'}`).join('; ');
}
