import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
    API_KEY_ENV,
    interpreterSetting,
    serverEnv,
    serverSettings,
    withoutUnsetProjectKeys,
} from '../src/common/settings';

test('serverSettings drops extension-only keys and any API key', () => {
    const out = serverSettings({
        interpreter: '/usr/bin/python3',
        diagnostics: { enable: true, debounceMs: 300, disabledChecks: ['unused-import'] },
        endpoint: { url: 'http://h:8000/v1', model: 'debugllm', apiKey: 'secret' },
        logLevel: 'info',
    });
    assert.deepEqual(out, {
        diagnostics: { enable: true, debounceMs: 300, disabledChecks: ['unused-import'] },
        endpoint: { url: 'http://h:8000/v1', model: 'debugllm' },
        logLevel: 'info',
    });
});

test('serverSettings skips functions (WorkspaceConfiguration members) and bad input', () => {
    const section = { has: () => true, get: () => 1, repair: { budgetMs: 1000 } };
    assert.deepEqual(serverSettings(section), { repair: { budgetMs: 1000 } });
    assert.deepEqual(serverSettings(undefined), {});
    assert.deepEqual(serverSettings([1, 2]), {});
});

test('serverEnv passes the key only when set and never mutates the base', () => {
    const base = { PATH: '/bin', HOME: undefined };
    const withKey = serverEnv(base, 'k-123');
    assert.equal(withKey[API_KEY_ENV], 'k-123');
    assert.equal(withKey.PATH, '/bin');
    assert.ok(!('HOME' in withKey));
    assert.ok(!(API_KEY_ENV in serverEnv(base, undefined)));
    assert.ok(!(API_KEY_ENV in serverEnv(base, '')));
    assert.ok(!(API_KEY_ENV in base));
});

test('interpreterSetting accepts a path or a command list', () => {
    assert.deepEqual(interpreterSetting(' /usr/bin/python3 '), ['/usr/bin/python3']);
    assert.deepEqual(interpreterSetting(''), []);
    assert.deepEqual(interpreterSetting(['conda', 'run', '', 3]), ['conda', 'run']);
    assert.deepEqual(interpreterSetting(undefined), []);
});

test('empty endpoint url and model are left out so the server uses its environment', () => {
    const out = serverSettings({ endpoint: { url: '', model: '', explainModel: '', retries: 2 }, prefetch: 'off' });
    assert.deepEqual(out, { endpoint: { explainModel: '', retries: 2 }, prefetch: 'off' });
});

test('project keys are sent only when the user set them, so pyproject.toml applies', () => {
    const settings = serverSettings({
        unsafeFixes: false,
        targetVersion: '',
        diagnostics: { enable: true, disabledChecks: [], debounceMs: 300 },
        repair: { budgetMs: 1000, maxFixesPerDiagnostic: 3 },
        logLevel: 'info',
    });
    const out = withoutUnsetProjectKeys(settings, (key) => key === 'diagnostics.disabledChecks');
    assert.deepEqual(out, { diagnostics: { disabledChecks: [], debounceMs: 300 }, repair: {}, logLevel: 'info' });
});
