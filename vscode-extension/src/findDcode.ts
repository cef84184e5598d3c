// Locates the `dcode` executable. Pure: the file system and environment come in as arguments,
// so the order (setting, then the workspace's virtualenv, then PATH) is unit-tested without VS Code.
import * as nodePath from 'node:path';
import * as fs from 'node:fs';

export interface FindInput {
  /** The `dcode.path` setting; empty or undefined when unset. */
  setting?: string;
  /** Workspace folders' file-system paths, first one first. */
  workspaceFolders: readonly string[];
  /** The PATH environment variable. */
  pathEnv?: string;
  /** PATHEXT on Windows (".EXE;.CMD;..."). */
  pathExt?: string;
  home?: string;
  platform: NodeJS.Platform;
  /** True for an existing, executable regular file. */
  isExecutable(path: string): boolean;
}

export type Found =
  | { path: string; source: 'setting' | 'venv' | 'path' }
  | { path: undefined; message: string };

export const NOT_FOUND =
  'dcode not found: set dcode.path to the dcode executable, or run `make demo` (or `make install`) in the dcode ' +
  'checkout to create .venv/bin/dcode in this workspace, or put dcode on PATH.';

export function findDcode(input: FindInput): Found {
  const path = input.platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const setting = input.setting?.trim();
  if (setting) {
    // An explicit setting wins and does not fall back: silently running another dcode would hide the typo.
    const resolved = resolveSetting(setting, input, path);
    if (input.isExecutable(resolved)) return { path: resolved, source: 'setting' };
    return { path: undefined, message: `dcode.path is "${setting}", but ${resolved} is not an executable file.` };
  }
  for (const folder of input.workspaceFolders) {
    for (const candidate of [path.join(folder, '.venv', 'bin', 'dcode'), path.join(folder, '.venv', 'Scripts', 'dcode.exe')]) {
      if (input.isExecutable(candidate)) return { path: candidate, source: 'venv' };
    }
  }
  const delimiter = input.platform === 'win32' ? ';' : ':';
  // Windows finds `dcode` as dcode.exe or dcode.cmd; elsewhere only the bare name counts.
  const suffixes = input.platform === 'win32'
    ? ['', ...(input.pathExt ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean).map((e) => e.toLowerCase())]
    : [''];
  for (const dir of (input.pathEnv ?? '').split(delimiter)) {
    if (!dir) continue; // an empty PATH entry would mean the current directory: never run a dcode found that way
    for (const suffix of suffixes) {
      const candidate = path.join(dir, 'dcode' + suffix);
      if (input.isExecutable(candidate)) return { path: candidate, source: 'path' };
    }
  }
  return { path: undefined, message: NOT_FOUND };
}

function resolveSetting(setting: string, input: FindInput, path: nodePath.PlatformPath): string {
  let value = setting;
  const folder = input.workspaceFolders[0];
  if (folder !== undefined) value = value.split('${workspaceFolder}').join(folder);
  if (input.home && (value === '~' || value.startsWith('~/') || value.startsWith('~\\'))) {
    value = input.home + value.slice(1);
  }
  if (!path.isAbsolute(value) && folder !== undefined) value = path.join(folder, value);
  return path.normalize(value);
}

/** The real file system's answer for `isExecutable`. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
