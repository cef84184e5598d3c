import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FindInput, findDcode, NOT_FOUND } from '../src/findDcode';

function input(executables: string[], extra: Partial<FindInput> = {}): FindInput {
  const present = new Set(executables);
  return {
    workspaceFolders: ['/ws'], pathEnv: '/usr/local/bin:/usr/bin', home: '/home/me', platform: 'linux',
    isExecutable: (p) => present.has(p), ...extra,
  };
}

test('the setting wins over the virtualenv and PATH', () => {
  const found = findDcode(input(['/opt/dcode/bin/dcode', '/ws/.venv/bin/dcode', '/usr/bin/dcode'],
    { setting: '/opt/dcode/bin/dcode' }));
  assert.deepEqual(found, { path: '/opt/dcode/bin/dcode', source: 'setting' });
});

test('a setting that names no executable is an error, not a fallback', () => {
  const found = findDcode(input(['/ws/.venv/bin/dcode'], { setting: '/nowhere/dcode' }));
  assert.equal(found.path, undefined);
  assert.match((found as { message: string }).message, /dcode\.path is "\/nowhere\/dcode"/);
});

test('the setting expands ~ and ${workspaceFolder}, and a relative one is taken from the workspace', () => {
  assert.equal(findDcode(input(['/home/me/dcode/.venv/bin/dcode'], { setting: '~/dcode/.venv/bin/dcode' })).path,
    '/home/me/dcode/.venv/bin/dcode');
  assert.equal(findDcode(input(['/ws/env/bin/dcode'], { setting: '${workspaceFolder}/env/bin/dcode' })).path,
    '/ws/env/bin/dcode');
  assert.equal(findDcode(input(['/ws/env/bin/dcode'], { setting: 'env/bin/dcode' })).path, '/ws/env/bin/dcode');
});

test('a blank setting counts as unset', () => {
  assert.deepEqual(findDcode(input(['/ws/.venv/bin/dcode'], { setting: '  ' })),
    { path: '/ws/.venv/bin/dcode', source: 'venv' });
});

test('the virtualenv comes before PATH, in any workspace folder, Scripts/dcode.exe too', () => {
  assert.deepEqual(findDcode(input(['/ws/.venv/bin/dcode', '/usr/bin/dcode'])), { path: '/ws/.venv/bin/dcode', source: 'venv' });
  assert.deepEqual(findDcode(input(['/other/.venv/bin/dcode'], { workspaceFolders: ['/ws', '/other'] })),
    { path: '/other/.venv/bin/dcode', source: 'venv' });
  assert.deepEqual(findDcode(input(['C:\\ws\\.venv\\Scripts\\dcode.exe'], { workspaceFolders: ['C:\\ws'], platform: 'win32', pathEnv: '' })),
    { path: 'C:\\ws\\.venv\\Scripts\\dcode.exe', source: 'venv' });
});

test('then PATH, in order, skipping empty entries', () => {
  assert.deepEqual(findDcode(input(['/usr/bin/dcode', '/usr/local/bin/dcode'])), { path: '/usr/local/bin/dcode', source: 'path' });
  assert.deepEqual(findDcode(input(['dcode'], { pathEnv: ':/usr/bin' })), { path: undefined, message: NOT_FOUND });
});

test('on Windows PATH is ;-separated and PATHEXT applies', () => {
  const found = findDcode(input(['C:\\tools\\dcode.cmd'], {
    workspaceFolders: [], platform: 'win32', pathEnv: 'C:\\bin;C:\\tools', pathExt: '.EXE;.CMD',
  }));
  assert.deepEqual(found, { path: 'C:\\tools\\dcode.cmd', source: 'path' });
});

test('nothing found: a message that says what to do', () => {
  const found = findDcode(input([]));
  assert.equal(found.path, undefined);
  const message = (found as { message: string }).message;
  assert.match(message, /^dcode not found/);
  assert.match(message, /dcode\.path/);
  assert.match(message, /make demo/);
});
