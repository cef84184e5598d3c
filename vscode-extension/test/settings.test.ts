import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverSettings } from '../src/settings';

const defaults: Record<string, unknown> = {
  path: '/x/dcode', engine: '', model: 'gemma-3-270m', serverUrl: '', 'inlineSuggestions.enabled': true, maxTokens: 48,
  suggestions: 1, debounceMs: 60, tested: 'rank', checkTimeoutS: 2, diagnostics: false, maxPrefixLines: 120,
  maxSuffixLines: 40, 'trace.server': 'off',
};

test('every known setting is sent flat, in camelCase, under the server\'s names', () => {
  const { settings, problems } = serverSettings((k) => defaults[k]);
  assert.deepEqual(settings, {
    engine: '', model: 'gemma-3-270m', serverUrl: '', enabled: true, maxTokens: 48, suggestions: 1, debounceMs: 60,
    tested: 'rank', checkTimeoutS: 2, diagnostics: false, maxPrefixLines: 120, maxSuffixLines: 40,
  });
  assert.deepEqual(problems, []);
});

test('client-only and unknown keys are never sent', () => {
  const { settings } = serverSettings((k) => ({ ...defaults, surprise: 1 })[k]);
  assert.ok(!('path' in settings));
  assert.ok(!('trace.server' in settings) && !('trace' in settings));
  assert.ok(!('surprise' in settings));
  assert.ok(!('inlineSuggestions.enabled' in settings));
});

test('an unset string goes as "" (dcode\'s own), so a cleared model reaches the server', () => {
  const { settings } = serverSettings((k) => (k === 'model' ? undefined : defaults[k]));
  assert.equal(settings.model, '');
  assert.equal(serverSettings((k) => (k === 'model' ? '  llama  ' : defaults[k])).settings.model, 'llama');
});

test('values of the wrong type are left out and reported', () => {
  const bad: Record<string, unknown> = { ...defaults, maxTokens: 4.5, diagnostics: 'yes', tested: 'always', checkTimeoutS: '2',
    suggestions: Number.NaN };
  const { settings, problems } = serverSettings((k) => bad[k]);
  for (const key of ['maxTokens', 'diagnostics', 'tested', 'checkTimeoutS', 'suggestions']) assert.ok(!(key in settings), key);
  assert.equal(problems.length, 5);
  assert.match(problems.join('\n'), /dcode\.maxTokens: 4\.5 is not an integer/);
  assert.match(problems.join('\n'), /dcode\.tested: "always" is not one of off, rank, require/);
});

test('a number setting takes integers and fractions', () => {
  assert.equal(serverSettings((k) => (k === 'checkTimeoutS' ? 0.5 : defaults[k])).settings.checkTimeoutS, 0.5);
});
