import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTitle, shortVerdict, verdictOf } from '../src/verdict';

const accepted = (title: string, status?: string) => ({
  title, command: 'dcode.suggestionAccepted', arguments: [{ uri: 'file:///a.py', status, label: title }],
});

test('"passes 3/3 examples of area"', () => {
  assert.deepEqual(parseTitle('passes 3/3 examples of area'),
    { status: 'passed', passed: 3, total: 3, fn: 'area', title: 'passes 3/3 examples of area' });
});

test('"fails 1 of 3 examples of area" counts the failing ones', () => {
  assert.deepEqual(parseTitle('fails 1 of 3 examples of area'),
    { status: 'failed', passed: 2, total: 3, fn: 'area', title: 'fails 1 of 3 examples of area' });
});

test('one example, singular or plural', () => {
  assert.equal(parseTitle('passes 1/1 example of f').passed, 1);
  assert.equal(parseTitle('passes 1/1 examples of f').total, 1);
});

test('"dcode suggestion" and anything else: untested', () => {
  assert.deepEqual(parseTitle('dcode suggestion'), { status: 'untested', title: 'dcode suggestion' });
  assert.equal(parseTitle('passes some examples').status, 'untested');
});

test('the argument\'s status is the server\'s word', () => {
  assert.equal(verdictOf(accepted('passes 3/3 examples of area', 'passed'))?.status, 'passed');
  assert.equal(verdictOf(accepted('dcode suggestion', 'failed'))?.status, 'failed');
  assert.equal(verdictOf(accepted('passes 2/2 examples of g', 'nonsense'))?.status, 'passed');
  assert.equal(verdictOf({ title: 'fails 2 of 2 examples of g', command: 'dcode.suggestionAccepted' })?.passed, 0);
});

test('items that are not dcode\'s have no verdict', () => {
  assert.equal(verdictOf(undefined), undefined);
  assert.equal(verdictOf({ title: 'passes 3/3 examples of area', command: 'other.command' }), undefined);
});

test('short form for the status bar', () => {
  assert.equal(shortVerdict(parseTitle('passes 3/3 examples of area')), '$(pass) 3/3 area');
  assert.equal(shortVerdict(parseTitle('fails 1 of 3 examples of area')), '$(error) 2/3 area');
  assert.equal(shortVerdict(parseTitle('dcode suggestion')), 'untested');
});
