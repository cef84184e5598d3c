import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shellCommand } from '../src/shellCommand';

test('POSIX: plain words as they are, others single-quoted', () => {
  assert.equal(shellCommand('/ws/.venv/bin/dcode', ['solve', '/ws/a.py'], 'linux'), '/ws/.venv/bin/dcode solve /ws/a.py');
  assert.equal(shellCommand('/my ws/dcode', ['solve', "/it's here.py"], 'darwin'), `'/my ws/dcode' solve '/it'\\''s here.py'`);
});

test('PowerShell on Windows', () => {
  assert.equal(shellCommand('C:\\a b\\dcode.exe', ['solve', "C:\\x's.py"], 'win32'), `& 'C:\\a b\\dcode.exe' 'solve' 'C:\\x''s.py'`);
});
