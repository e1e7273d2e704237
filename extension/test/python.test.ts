import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
    Runner,
    launcherPath,
    candidates,
    check,
    describeFailures,
    isSupported,
    parseVersion,
    pick,
    supportedPythons,
} from '../src/common/python';

test('parseVersion and isSupported', () => {
    assert.deepEqual(parseVersion('3.11.7\n'), [3, 11, 7]);
    assert.deepEqual(parseVersion('3.13'), [3, 13, 0]);
    assert.equal(parseVersion('Python'), undefined);
    assert.ok(isSupported([3, 11, 0]));
    assert.ok(isSupported([3, 14, 1]));
    assert.ok(isSupported([4, 0, 0]));
    assert.ok(!isSupported([3, 10, 12]));
    assert.ok(!isSupported([2, 7, 18]));
    assert.ok(!isSupported(undefined));
});

test('candidates: the setting alone when set; else the Python extension, then python3; no duplicates', () => {
    assert.deepEqual(
        candidates(['/opt/py'], '/venv/bin/python').map((c) => c.origin),
        ['debugllm.interpreter'],
    );
    assert.deepEqual(
        candidates([], '/venv/bin/python').map((c) => c.origin),
        ['Python extension', 'PATH'],
    );
    assert.deepEqual(candidates([], undefined), [{ command: ['python3'], origin: 'PATH' }]);
    assert.equal(candidates([], 'python3').length, 1);
});

const fake =
    (versions: Record<string, string | Error>): Runner =>
    async (command) => {
        const v = versions[command[0]];
        if (v instanceof Error || v === undefined) {
            throw v ?? new Error(`spawn ${command[0]} ENOENT`);
        }
        return v;
    };

test('pick skips old and missing interpreters and explains each', async () => {
    const run = fake({ '/old/python': '3.10.4\n', python3: '3.11.2\n' });
    const list = [{ command: ['/old/python'], origin: 'Python extension' }, ...candidates([], '/missing/python')];
    const { chosen, tried } = await pick(list, run);
    assert.deepEqual(chosen?.command, ['python3']);
    assert.equal(tried.length, 3);
    assert.match(tried[0].reason ?? '', /3\.10\.4 is older than 3\.11/);
    assert.match(tried[1].reason ?? '', /cannot run it .*ENOENT/);
    // A setting that points at an old Python is an error, never a silent fallback to python3.
    const set = await pick(candidates(['/old/python'], undefined), run);
    assert.equal(set.chosen, undefined);
    assert.equal(set.tried.length, 1);
});

test('pick reports failure when nothing is supported', async () => {
    const { chosen, tried } = await pick(candidates([], undefined), fake({ python3: 'garbage' }));
    assert.equal(chosen, undefined);
    assert.match(describeFailures(tried), /python3 \(PATH\): could not read its version/);
});

test('with a bundle, only the CPython minor versions it holds are accepted, and why not is said', async () => {
    const bundle = { target: 'linux-x64', pythons: { '3.11': 'cp311', '3.12': 'cp312', '3.13': 'cp313' } };
    assert.equal(supportedPythons(bundle), 'CPython 3.11, 3.12 or 3.13');
    assert.equal(supportedPythons(undefined), 'Python 3.11 or newer');
    const run = fake({ '/py314': '3.14.0 cpython\n', '/pypy': '3.11.9 pypy\n', '/py310': '3.10.13 cpython', '/py312': '3.12.1 cpython\n' });
    const list = [{ command: ['/py314'], origin: 'debugllm.interpreter' }, { command: ['/pypy'], origin: 'Python extension' }];
    const { chosen, tried } = await pick(list, run, bundle);
    assert.equal(chosen, undefined);
    assert.match(tried[0].reason ?? '', /Python 3\.14\.0 has no bundled libraries in this linux-x64 build \(CPython 3\.11, 3\.12 or 3\.13\)/);
    assert.match(tried[1].reason ?? '', /pypy 3\.11\.9 has no bundled libraries/);
    assert.match((await check({ command: ['/py310'], origin: 'PATH' }, run, bundle)).reason ?? '', /older than 3\.11/);
    assert.ok((await check({ command: ['/py312'], origin: 'PATH' }, run, bundle)).ok);
});

test('check really runs python3 when it exists', async (t) => {
    const result = await check({ command: ['python3'], origin: 'PATH' });
    if (!result.version) {
        t.skip('no python3 here');
        return;
    }
    assert.equal(result.ok, isSupported(result.version));
});

test('launcherPath points at the bundled launcher shipped in the package', () => {
    const root = join(__dirname, '..', '..', '..');
    assert.ok(existsSync(launcherPath(root)), launcherPath(root));
});
