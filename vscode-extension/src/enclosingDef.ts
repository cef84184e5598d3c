// Finds the function the cursor is in, for "Solve problem file": the server's dcode.solve wants the line
// of a def (any line of a top-level function works there). Pure text scanning, not a parse, because the
// file is usually mid-edit and may not parse.

const DEF = /^(async\s+)?def\s+\w/;

function indentOf(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n += 1;
    else if (c === '\t') n += 8 - (n % 8); // Python's tab stops
    else break;
  }
  return n;
}

/** Lines that say nothing about nesting: blank, comments, and closing brackets of a multi-line signature. */
function ignorable(stripped: string): boolean {
  return stripped === '' || stripped.startsWith('#') || /^[)\]}]/.test(stripped);
}

/**
 * The 0-based line of the nearest `def` enclosing `line` (the line itself when it is a def, or the def
 * below a decorator the cursor is on), or undefined when the cursor is not in a function.
 */
export function enclosingDef(text: string, line: number): number | undefined {
  const lines = text.split(/\r?\n/);
  if (line < 0 || line >= lines.length) return undefined;
  const here = lines[line].trim();
  if (DEF.test(here)) return line;
  if (here.startsWith('@')) {
    // Decorators stand above their def at the same indentation.
    const at = indentOf(lines[line]);
    for (let i = line + 1; i < lines.length; i++) {
      const s = lines[i].trim();
      if (ignorable(s) || s.startsWith('@')) continue;
      return DEF.test(s) && indentOf(lines[i]) === at ? i : undefined;
    }
    return undefined;
  }
  // Walk up; each line less indented than every line seen so far encloses the cursor.
  let limit = cursorIndent(lines, line);
  for (let i = line - 1; i >= 0 && limit > 0; i--) {
    const s = lines[i].trim();
    if (ignorable(s)) continue;
    const indent = indentOf(lines[i]);
    if (indent >= limit) continue;
    if (DEF.test(s)) return i;
    limit = indent;
  }
  return undefined;
}

/** The indentation the cursor's line stands at; a blank line takes the auto-indent it holds, else the next line's. */
function cursorIndent(lines: readonly string[], line: number): number {
  const raw = lines[line];
  const s = raw.trim();
  if (/^[)\]}]/.test(s)) return Infinity; // the end of a bracket opened above: nested deeper than what opened it
  if (s !== '' || raw.length > 0) return indentOf(raw);
  for (let i = line + 1; i < lines.length; i++) {
    if (!ignorable(lines[i].trim())) return indentOf(lines[i]);
  }
  return Infinity; // blank lines at the end of the file: still in whatever was written last
}
