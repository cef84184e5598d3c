import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readStatus, statusText } from '../src/statusText';
import { parseTitle } from '../src/verdict';

test('reads a newer server\'s answer', () => {
  assert.deepEqual(readStatus({ loaded: true, model: 'gemma-3-270m', tokens_per_s: 41.7, requests: 5, accepted: 2, last_ms: 80.5,
    settings: { model: null } }), { loaded: true, loadError: undefined, model: 'gemma-3-270m', tokensPerS: 41.7, requests: 5, accepted: 2, lastMs: 80.5 });
});

test('an older server: no model or tokens_per_s; the model setting stands in for the name', () => {
  const info = readStatus({ loaded: false, requests: 0, settings: { model: 'qwen' } });
  assert.equal(info.model, 'qwen');
  assert.equal(info.tokensPerS, undefined);
  assert.equal(readStatus({ tokens_per_s: null }).tokensPerS, undefined);
  assert.deepEqual(readStatus(null), {});
  assert.deepEqual(readStatus('nonsense'), {});
});

test('ready, with the model, the rate and the verdict', () => {
  const { text, tooltip } = statusText({ state: 'ready', enabled: true,
    info: { model: 'gemma-3-270m', tokensPerS: 41.7 }, verdict: parseTitle('passes 3/3 examples of area') });
  assert.equal(text, '$(sparkle) dcode gemma-3-270m ready · 42 tok/s · $(pass) 3/3 area');
  assert.match(tooltip, /passes 3\/3 examples of area/);
  assert.match(tooltip, /Click to show the log/);
});

test('slow rates keep a decimal; no rate while loading', () => {
  assert.match(statusText({ state: 'ready', enabled: true, info: { tokensPerS: 3.25 } }).text, /3\.3 tok\/s/);
  assert.equal(statusText({ state: 'loading', enabled: true, info: { tokensPerS: 3 } }).text, '$(loading~spin) dcode loading');
});

test('stopped and error say so; suggestions off is shown', () => {
  assert.equal(statusText({ state: 'stopped', enabled: true, info: {} }).text, '$(circle-slash) dcode stopped');
  const error = statusText({ state: 'error', enabled: true, info: {}, detail: 'dcode not found' });
  assert.equal(error.text, '$(error) dcode error');
  assert.match(error.tooltip, /dcode not found/);
  assert.match(statusText({ state: 'ready', enabled: false, info: {}, verdict: parseTitle('dcode suggestion') }).text,
    /suggestions off$/);
});

test('a model that failed to load is read as its one-line reason', () => {
  assert.equal(readStatus({ loaded: false, load_error: 'unknown model "gemma-9"' }).loadError, 'unknown model "gemma-9"');
  assert.equal(readStatus({ loaded: false, load_error: null }).loadError, undefined);
});
