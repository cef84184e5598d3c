"""Turning a model's raw completion into the suggestion the editor shows.

A fill-in-the-middle model does not know where a suggestion should end: it writes on past the block the
cursor is in, into the next function, and often rewrites the code that already follows the cursor. These
rules cut it where a person would expect it to end. Plain functions on strings, no editor types.
"""
from __future__ import annotations

import re

_FUNCTION = re.compile(r"\s*(async\s+)?def\s")
_TOP_LEVEL = re.compile(r"(async\s+def|def|class)\s|@")  # a new top-level definition (or its decorator)
_COMMENT = re.compile(r"\s+#.*$|^#.*$")


def _width(row: str) -> int:
    """The indentation of a line, tabs counted as 8 columns."""
    row = row.expandtabs(8)
    return len(row) - len(row.lstrip(" "))


def _opens_block(row: str) -> bool:
    return _COMMENT.sub("", row).rstrip().endswith(":")


def _block_indent(before: list[str], current: str, line_before: str) -> int:
    """The least indentation a generated line may have and still be in the cursor's block: the current
    line's, or one more than a line ending with ':' (the line the cursor is on, or above a blank one)."""
    if current.strip():
        reference = current
    elif line_before:  # the cursor stands after indentation the editor (or the user) put there
        return _width(line_before)
    else:
        reference = next((row for row in reversed(before) if row.strip()), "")
    return _width(reference) + (1 if _opens_block(reference) else 0)


def _inside_function(before: list[str], line_before: str) -> bool:
    """Whether the cursor lies in a function's body, judged by the indentation of the text before it (not
    the model's: a first line written too far left must not take the cursor out of its function)."""
    lowest = _width(line_before) if line_before else None
    for row in reversed(before[-2000:]):
        if not row.strip():
            continue
        width = _width(row)
        if lowest is None:  # the cursor is at the start of a line: the line above decides its block
            lowest = width + 1 if _opens_block(row) else width
        if width < lowest:
            if _FUNCTION.match(row):
                return True
            lowest = width
        if lowest == 0:
            return False
    return False


def _cut_block(rows: list[str], before: list[str], line_before: str) -> list[str]:
    """The rows up to where the cursor's block ends: a dedent below it, or a new top-level definition when
    the cursor is in a function."""
    current = line_before + rows[0]
    least = _block_indent(before, current, line_before)
    in_function = _inside_function(before, line_before)
    for index, row in enumerate(rows[1:], 1):
        if row.strip() and (_width(row) < least or (in_function and _TOP_LEVEL.match(row))):
            return rows[:index]
    return rows


def _cut_repeat(rows: list[str], line_before: str, suffix: str) -> list[str]:
    """The rows before the first one that repeats the suffix's first non-blank line (Continue's trimming of
    completions that run into the code already after the cursor)."""
    target = next((row.strip() for row in suffix.split("\n") if row.strip()), None)
    if target is None:
        return rows
    for index, row in enumerate(rows):
        if row.strip() == target or (index == 0 and (line_before + row).strip() == target):
            return rows[:index]
    return rows


def _cut_overlap(text: str, line_after: str) -> str:
    """`text` without the end that the rest of the current line already has: closing brackets, a colon,
    or the whole rest of the line. A shared end made of word characters counts only as the whole rest of
    the line, so that `foo` before `o bar` keeps its `o`."""
    tail = line_after.rstrip()
    for size in range(min(len(tail), len(text)), 0, -1):
        head = tail[:size]
        if text.endswith(head) and (size == len(tail) or not any(c.isalnum() or c == "_" for c in head)):
            return text[:-size]
    return text


def trim_suggestion(completion: str, *, prefix: str, suffix: str, multiline: bool | None = None) -> str:
    """The part of `completion` worth showing at the cursor between `prefix` and `suffix`.

    One line when the cursor is in the middle of a line (text after it on the same line), else several,
    up to the end of the cursor's block; never text that repeats the suffix; "" rather than whitespace.
    `multiline` forces either way. Each line loses its trailing whitespace; the first line keeps its leading
    whitespace (the model's indentation at the start of a line, the space in `return` + ` x` after a word)
    except after a space already typed, where it would double it."""
    rows = completion.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    before = prefix.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    line_before = before.pop()
    suffix = suffix.replace("\r\n", "\n").replace("\r", "\n")
    line_after = suffix.split("\n", 1)[0]
    if multiline is None:
        multiline = not line_after.strip()
    if line_before.strip() and line_before[-1:] in (" ", "\t"):
        rows[0] = rows[0].lstrip(" \t")
    rows = _cut_block(rows, before, line_before) if multiline else rows[:1]
    rows = [row.rstrip() for row in _cut_repeat(rows, line_before, suffix)]
    while rows and not rows[-1].strip():
        rows.pop()
    if not rows or not "".join(rows).strip():
        return ""
    if len(rows) == 1 and line_after.strip():
        rows[0] = _cut_overlap(rows[0], line_after)
    text = "\n".join(rows)
    return text if text.strip() else ""


def is_useful(suggestion: str) -> bool:
    """Whether a suggestion is worth showing: some letter, digit or underscore, not only punctuation or space
    (a lone `)` that the editor would close anyway, say)."""
    return any(char.isalnum() or char == "_" for char in suggestion)
