import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { describeStatus, lifecycleView } from '../src/common/status';

test('offline engine only', () => {
    for (const p of [{ state: 'offline' }, {}, null, 'junk']) {
        const v = describeStatus(p);
        assert.equal(v.state, 'offline');
        assert.match(v.tooltip, /offline engine only/);
        assert.equal(v.warning, false);
    }
});

test('model connected names the model and endpoint', () => {
    const v = describeStatus({ state: 'connected', model: 'debugllm', url: 'http://gpu:8000/v1' });
    assert.equal(v.state, 'connected');
    assert.match(v.text, /model/);
    assert.match(v.tooltip, /debugllm at http:\/\/gpu:8000\/v1/);
});

test('model unreachable carries the reason and warns', () => {
    const v = describeStatus({ status: 'unreachable', message: 'connection refused' });
    assert.equal(v.state, 'unreachable');
    assert.equal(v.warning, true);
    assert.match(v.tooltip, /connection refused/);
    assert.match(v.tooltip, /Embedded fixes still work/);
});

test('unknown states are shown, not dropped', () => {
    const v = describeStatus({ state: 'Warming', reason: 'loading' });
    assert.match(v.text, /warming/);
    assert.match(v.tooltip, /loading/);
});

test('lifecycle views', () => {
    assert.equal(lifecycleView('error', 'no Python').warning, true);
    assert.match(lifecycleView('error', 'no Python').tooltip, /no Python/);
    assert.equal(lifecycleView('starting').state, 'starting');
});

test("the server's own states: offline, closed, open, half-open, refused", () => {
    assert.equal(describeStatus({ state: 'offline', message: 'no model endpoint configured' }).state, 'offline');
    const closed = describeStatus({ state: 'closed', message: 'model fixes from http://gpu:8000/v1 (debugllm)' });
    assert.equal(closed.state, 'connected');
    assert.match(closed.tooltip, /model fixes from http:\/\/gpu:8000\/v1/);
    const open = describeStatus({ state: 'open', message: 'DebugLLM: model fixes paused after repeated failures: timeout' });
    assert.equal(open.state, 'unreachable');
    assert.match(open.tooltip, /: model fixes paused after repeated failures: timeout/);
    assert.doesNotMatch(open.tooltip, /DebugLLM: .*DebugLLM:/);
    assert.equal(describeStatus({ state: 'half-open', message: 'probing' }).state, 'unreachable');
    const refused = describeStatus({ state: 'refused', message: 'plain http to a remote host' });
    assert.equal(refused.state, 'unreachable');
    assert.match(refused.tooltip, /plain http/);
});
