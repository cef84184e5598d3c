// Reads what the server found when it ran a suggestion. The server puts it in the inline item's accept
// command (VS Code shows neither the command nor its title): the argument's `status`, and the title
// "passes 3/3 examples of area" / "fails 1 of 3 examples of area" / "dcode suggestion". Pure.

export type VerdictStatus = 'passed' | 'failed' | 'untested';

export interface Verdict {
  status: VerdictStatus;
  passed?: number;
  total?: number;
  /** The function whose examples ran. */
  fn?: string;
  /** The title as the server wrote it. */
  title: string;
}

export interface CommandLike {
  title?: string;
  command?: string;
  arguments?: unknown[];
}

const PASSES = /^passes (\d+)\/(\d+) examples? of (.+)$/;
const FAILS = /^fails (\d+) of (\d+) examples? of (.+)$/;

export function parseTitle(title: string): Verdict {
  const text = title.trim();
  let m = PASSES.exec(text);
  if (m) return { status: 'passed', passed: Number(m[1]), total: Number(m[2]), fn: m[3], title: text };
  m = FAILS.exec(text);
  if (m) {
    const failing = Number(m[1]), total = Number(m[2]);
    return { status: 'failed', passed: Math.max(0, total - failing), total, fn: m[3], title: text };
  }
  return { status: 'untested', title: text };
}

/** The verdict of an item's command, or undefined for an item that is not dcode's. */
export function verdictOf(command: CommandLike | undefined): Verdict | undefined {
  if (!command || command.command !== 'dcode.suggestionAccepted') return undefined;
  const verdict = parseTitle(command.title ?? '');
  // The argument's status is the server's own word; the title only adds the counts.
  const arg = command.arguments?.[0];
  const status = typeof arg === 'object' && arg !== null ? (arg as { status?: unknown }).status : undefined;
  if (status === 'passed' || status === 'failed' || status === 'untested') verdict.status = status;
  return verdict;
}

/** A few words for the status bar: "✓ 3/3 area", "✗ 2/3 area", "untested". */
export function shortVerdict(v: Verdict): string {
  const counts = v.passed !== undefined && v.total !== undefined ? ` ${v.passed}/${v.total}` : '';
  const fn = v.fn ? ` ${v.fn}` : '';
  if (v.status === 'passed') return `$(pass)${counts}${fn}`;
  if (v.status === 'failed') return `$(error)${counts}${fn}`;
  return 'untested';
}
