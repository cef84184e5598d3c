import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRestart, MAX_RESTARTS, RestartPolicy, WINDOW_MS } from '../src/restartPolicy';

test('three restarts in three minutes, not a fourth', () => {
  assert.equal(MAX_RESTARTS, 3);
  assert.equal(WINDOW_MS, 180_000);
  let now = 0;
  const policy = new RestartPolicy(undefined, undefined, () => now);
  const answers = [0, 10_000, 20_000, 30_000].map((t) => { now = t; return policy.crashed(); });
  assert.deepEqual(answers, [true, true, true, false]);
});

test('crashes older than the window are forgotten', () => {
  const d = decideRestart([0, 1000, 2000], 200_000);
  assert.equal(d.restart, true);
  assert.deepEqual(d.crashes, [200_000]);
  assert.equal(decideRestart([30_000, 100_000, 170_000], 200_000).restart, false); // all three still inside
});

test('a crash exactly one window after another does not count it', () => {
  assert.equal(decideRestart([0, 100_000, 150_000], 180_000).restart, true);
});

test('reset starts a fresh count', () => {
  let now = 0;
  const policy = new RestartPolicy(1, 1000, () => now);
  assert.equal(policy.crashed(), true);
  now = 10;
  assert.equal(policy.crashed(), false);
  policy.reset();
  assert.equal(policy.crashed(), true);
});
