import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingDef } from '../src/enclosingDef';

const source = [
  'import math',                 // 0
  '',                            // 1
  '@cache',                      // 2
  'def area(r):',                // 3
  '    """Area of a circle.',    // 4
  '',                            // 5
  '    >>> area(1)',             // 6
  '    3.14159',                 // 7
  '    """',                     // 8
  '    if r < 0:',               // 9
  '        return 0',            // 10
  '    return math.pi * r * r',  // 11
  '',                            // 12
  'class Shape:',                // 13
  '    name = "shape"',          // 14
  '    async def draw(self,',    // 15
  '                   canvas',   // 16
  '    ):',                      // 17
  '        def inner():',        // 18
  '            pass',            // 19
  '        return inner',        // 20
  '',                            // 21
  'x = 1',                       // 22
  'def stub(n):',                // 23
  '    """Twice n."""',          // 24
  '    ',                        // 25
  '',                            // 26
].join('\n');

test('on the def line: that def', () => {
  assert.equal(enclosingDef(source, 3), 3);
  assert.equal(enclosingDef(source, 15), 15);
});

test('in the body, nested blocks and docstring included: the def above at smaller indentation', () => {
  for (const line of [4, 6, 7, 8, 9, 10, 11]) assert.equal(enclosingDef(source, line), 3, `line ${line}`);
});

test('a blank line inside the docstring or body belongs to the function', () => {
  assert.equal(enclosingDef(source, 5), 3);
  assert.equal(enclosingDef(source, 25), 23); // auto-indented blank line
});

test('the nearest enclosing def wins', () => {
  assert.equal(enclosingDef(source, 19), 18);
  assert.equal(enclosingDef(source, 20), 15);
});

test('a multi-line signature, its closing bracket included', () => {
  assert.equal(enclosingDef(source, 16), 15);
  assert.equal(enclosingDef(source, 17), 15);
});

test('on a decorator: the def it decorates', () => {
  assert.equal(enclosingDef(source, 2), 3);
});

test('outside any function: undefined', () => {
  assert.equal(enclosingDef(source, 0), undefined);
  assert.equal(enclosingDef(source, 12), undefined); // blank, and the next line is at the top level
  assert.equal(enclosingDef(source, 13), undefined);
  assert.equal(enclosingDef(source, 14), undefined); // in a class, not in a method
  assert.equal(enclosingDef(source, 22), undefined);
  assert.equal(enclosingDef(source, 99), undefined);
});

test('blank lines at the end of the file stay with the last function', () => {
  assert.equal(enclosingDef(source, 26), 23);
});

test('tabs and CRLF', () => {
  assert.equal(enclosingDef('def f():\r\n\tif x:\r\n\t\treturn 1\r\n', 2), 0);
});
