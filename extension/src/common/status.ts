// The status bar text for the server's `debugllm/status` notification. No `vscode` import.

export const STATUS_NOTIFICATION = 'debugllm/status';

export type EngineState = 'starting' | 'offline' | 'connected' | 'unreachable' | 'stopped' | 'error';

export interface StatusView {
    state: EngineState;
    text: string;
    tooltip: string;
    /** true: show with the warning background. */
    warning: boolean;
}

function str(value: unknown): string | undefined {
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * Maps a `debugllm/status` payload to what the status bar shows. The payload is read liberally:
 * `state` (or `status`) is one of offline / connected / unreachable (synonyms accepted), with
 * optional `reason` (or `message`/`detail`), `model` and `url` (or `endpoint`).
 */
export function describeStatus(params: unknown): StatusView {
    const p = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
    const raw = (str(p['state']) ?? str(p['status']) ?? '').toLowerCase();
    const reason = (str(p['reason']) ?? str(p['message']) ?? str(p['detail']))?.replace(/^DebugLLM:\s*/, '');
    const model = str(p['model']);
    const url = str(p['url']) ?? str(p['endpoint']);
    const where = [model, url].filter(Boolean).join(' at ');
    // The server's states: offline (no endpoint), closed (breaker closed: the model is used),
    // open (breaker open after failures), half-open (probing again), refused (bad endpoint setting).
    if (['closed', 'connected', 'ok', 'online', 'ready', 'model'].includes(raw)) {
        return {
            state: 'connected',
            text: '$(check) DebugLLM: model',
            tooltip: `DebugLLM: model connected${where ? ` (${where})` : reason ? ` (${reason})` : ''}`,
            warning: false,
        };
    }
    if (['half-open', 'half_open', 'probing'].includes(raw)) {
        return {
            state: 'unreachable',
            text: '$(sync~spin) DebugLLM: model retrying',
            tooltip: `DebugLLM: model unreachable, probing again${reason ? `: ${reason}` : ''}. Embedded fixes still work.`,
            warning: true,
        };
    }
    if (['unreachable', 'down', 'open', 'refused', 'circuit-open', 'failing', 'unavailable', 'degraded'].includes(raw)) {
        return {
            state: 'unreachable',
            text: '$(warning) DebugLLM: model unreachable',
            tooltip:
                `DebugLLM: model unreachable${where ? ` (${where})` : ''}` +
                `${reason ? `: ${reason}` : ''}. Embedded fixes still work.`,
            warning: true,
        };
    }
    if (['offline', 'embedded', 'disabled', 'none', ''].includes(raw)) {
        return offlineView(reason);
    }
    return {
        state: 'offline',
        text: `$(info) DebugLLM: ${raw}`,
        tooltip: `DebugLLM: ${raw}${reason ? `: ${reason}` : ''}`,
        warning: false,
    };
}

export function offlineView(reason?: string): StatusView {
    return {
        state: 'offline',
        text: '$(check) DebugLLM: offline',
        tooltip: `DebugLLM: offline engine only${reason ? ` (${reason})` : ' (no model endpoint set)'}`,
        warning: false,
    };
}

export function lifecycleView(state: 'starting' | 'stopped' | 'error', reason?: string): StatusView {
    const text = {
        starting: '$(sync~spin) DebugLLM',
        stopped: '$(circle-slash) DebugLLM: stopped',
        error: '$(error) DebugLLM: not running',
    }[state];
    return {
        state,
        text,
        tooltip: `DebugLLM: ${state}${reason ? `: ${reason}` : ''}`,
        warning: state === 'error',
    };
}
