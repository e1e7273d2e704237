// Finding a Python >= 3.11 to run the bundled server. No `vscode` import (unit-tested).
import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** The launcher inside the installed extension (package.json is at the repository root). */
export function launcherPath(extensionPath: string): string {
    return path.join(extensionPath, 'extension', 'bundled', 'tool', 'lsp_server.py');
}

export const MIN_PYTHON: readonly [number, number] = [3, 11];

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
 * The candidates in order: an explicit `debugllm.interpreter` setting overrides, then the Python
 * extension's selected interpreter, then `python3` on PATH. Duplicates are dropped.
 */
export function candidates(setting: string[], fromPythonExtension: string | undefined): Candidate[] {
    const list: Candidate[] = [];
    if (setting.length > 0) {
        list.push({ command: setting, origin: 'debugllm.interpreter' });
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
            [...command.slice(1), '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
            { timeout: timeoutMs, windowsHide: true },
            (error, stdout) => (error ? reject(error) : resolve(String(stdout))),
        );
    });

export async function check(candidate: Candidate, run: Runner = runPython): Promise<Checked> {
    try {
        const version = parseVersion(await run(candidate.command, 10_000));
        if (!version) {
            return { ...candidate, ok: false, reason: 'could not read its version' };
        }
        if (!isSupported(version)) {
            return { ...candidate, version, ok: false, reason: `Python ${version.join('.')} is older than 3.11` };
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
): Promise<{ chosen?: Checked; tried: Checked[] }> {
    const tried: Checked[] = [];
    for (const candidate of list) {
        const result = await check(candidate, run);
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
