import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(join(root, 'extension', 'src', 'extension.ts'), 'utf8');
const properties: Record<string, { default?: unknown; markdownDescription?: string; description?: string }> =
    manifest.contributes.configuration.properties;

test('every setting has a default and a description; the API key is never a setting', () => {
    for (const [key, schema] of Object.entries(properties)) {
        assert.ok(key.startsWith('debugllm.'), key);
        assert.ok('default' in schema, `${key} has a default`);
        assert.ok((schema.markdownDescription ?? schema.description ?? '').length > 20, `${key} is described`);
    }
    assert.ok(!Object.keys(properties).some((k) => /apikey|secret|token/i.test(k)));
});

test("defaults mirror the server's (README settings reference)", () => {
    const expected: Record<string, unknown> = {
        'debugllm.unsafeFixes': false,
        'debugllm.targetVersion': '',
        'debugllm.diagnostics.enable': true,
        'debugllm.diagnostics.debounceMs': 300,
        'debugllm.diagnostics.disabledChecks': [],
        'debugllm.repair.budgetMs': 1000,
        'debugllm.repair.maxFixesPerDiagnostic': 3,
        'debugllm.repair.testBudgetMs': 5000,
        'debugllm.endpoint.url': '',
        'debugllm.endpoint.model': '',
        'debugllm.endpoint.explainModel': '',
        'debugllm.endpoint.timeoutMs': 30000,
        'debugllm.endpoint.gpuHourPrice': 0,
        'debugllm.prefetch': 'off',
        'debugllm.logLevel': 'info',
    };
    for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(properties[key]?.default, value, key);
    }
});

test('every contributed command is registered, and activation is on Python files', () => {
    for (const { command } of manifest.contributes.commands as { command: string }[]) {
        assert.ok(source.includes(`registerCommand('${command}'`), `${command} is registered`);
    }
    assert.ok(manifest.activationEvents.includes('onLanguage:python'));
    assert.equal(manifest.main, './extension/dist/extension.js');
});

test('notebooks: activation on Jupyter notebooks, and their Python cells are in the document selector', () => {
    assert.ok(manifest.activationEvents.includes('onNotebook:jupyter-notebook'));
    const server = readFileSync(join(root, 'extension', 'src', 'common', 'server.ts'), 'utf8');
    assert.match(server, /\{ notebook: '\*', language: 'python' \}/);
});

test('Marketplace-ready: icon, changelog and licence exist; categories and keywords are set', () => {
    for (const file of [manifest.icon, 'extension/CHANGELOG.md', 'LICENSE']) {
        assert.ok(existsSync(join(root, file)), file);
    }
    assert.ok(manifest.categories.includes('Notebooks'));
    assert.ok(manifest.keywords.length >= 5 && manifest.keywords.length <= 30);
});
