// One command line for the integrated terminal's shell, quoted so that paths with spaces or quotes reach the
// program as one argument each. The terminal runs the user's shell (its output stays after dcode exits, which a
// terminal running dcode itself would not guarantee), so the quoting is the shell's: POSIX sh on Linux and
// macOS, PowerShell (VS Code's default there) on Windows. Pure.

export function shellCommand(program: string, args: readonly string[], platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    // PowerShell: single quotes are literal, '' is a quote; `&` runs a quoted program path.
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    return ['&', q(program), ...args.map(q)].join(' ');
  }
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [program, ...args].map(q).join(' ');
}
