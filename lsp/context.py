"""What goes into an inline-completion prompt: the text around the cursor, a header of what that window cannot
show, and chunks the user worked on lately. Plain functions on strings and LSP positions, so that the server
stays thin and each rule is tested without an editor; lines split as LSP splits them, joined with ``\\n``."""
from __future__ import annotations

import functools
import re
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import tree_sitter_python
from tree_sitter import Language, Node, Parser

CHUNK = 32  # the prefix window starts on a multiple of this many lines
_PYTHON = Language(tree_sitter_python.language())


@dataclass(frozen=True)
class Window:
    """A prompt's text: `prefix` ends at the cursor, `suffix` starts there, `header` comes before both."""
    prefix: str
    suffix: str
    header: str


def lsp_lines(text: str) -> list[str]:
    """The document's lines as LSP counts them, without their line endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def utf16_to_index(line_text: str, character: int) -> int:
    """The str index of an LSP `character` (UTF-16 code units) in one line, clamped to the line's end. LSP
    counts a character outside the BMP (an emoji) as two units, Python as one; a position between the two
    halves rounds down to the start of that character."""
    if line_text.isascii():
        return max(0, min(character, len(line_text)))
    units = 0
    for index, char in enumerate(line_text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > character:
            return index
    return len(line_text)


def index_to_utf16(line_text: str, index: int) -> int:
    """The LSP `character` (UTF-16 code units) of a str index in one line: the inverse of `utf16_to_index`."""
    return len(head := line_text[:max(0, index)]) + sum(1 for char in head if ord(char) > 0xFFFF)


def prefix_start_line(line: int, max_prefix_lines: int = 120) -> int:
    """The first line of the prefix window, snapped up to a multiple of a chunk: llama.cpp reuses its KV cache
    only for an unchanged start of the prompt (why llama.vscode scrolls its window in chunks), so the start
    moves once a chunk of lines, never while the user types nearby. Snapping up, not down, keeps the window
    within `max_prefix_lines` lines (the current line included) and above that less one chunk."""
    keep = max(1, max_prefix_lines)
    chunk = min(CHUNK, max(1, keep // 2))
    lowest = line - keep + 1
    return 0 if lowest <= 0 else -(-lowest // chunk) * chunk


def build_window(text: str, line: int, character: int, *, max_prefix_lines: int = 120,
                 max_suffix_lines: int = 40, header: str = "") -> Window:
    """The document's text before the cursor (at most `max_prefix_lines` lines, the current line last) and
    after it (at most `max_suffix_lines` lines, the current line's rest first); past the end clamps to it."""
    lines = lsp_lines(text)
    if line >= len(lines):
        line, character = len(lines) - 1, len(lines[-1]) * 2
    line = max(0, line)
    current = lines[line]
    column = utf16_to_index(current, character)
    start = prefix_start_line(line, max_prefix_lines)
    prefix = "\n".join(lines[start:line] + [current[:column]])
    end = min(len(lines), line + max(1, max_suffix_lines))
    suffix = "\n".join([current[column:]] + lines[line + 1:end]) + ("\n" if end < len(lines) else "")
    return Window(prefix=prefix, suffix=suffix, header=header)


_IMPORTS = {"import_statement", "import_from_statement", "future_import_statement"}
_DEFS = {"function_definition", "class_definition"}
# Statements whose blocks may hold imports or definitions that belong to the module or class around them.
_INTO = {"if_statement", "elif_clause", "else_clause", "try_statement", "except_clause", "finally_clause",
         "with_statement", "block", "ERROR", "decorated_definition"}
_NESTS = _INTO | _DEFS | {"for_statement", "while_statement", "match_statement", "case_clause"}
_MAX_LINE = 160


# A function's name, first row, and lines to show: its signature on one line, then its docstring's first line.
_Definition = NamedTuple("_Definition", [("name", str), ("row", int), ("lines", tuple[str, ...])])


def _parse(text: str) -> tuple[Node, bytes] | None:
    source = text.encode("utf-8", "surrogatepass")
    try:  # a parser that gives up is no reason to fail a completion: the header stays empty
        return Parser(_PYTHON).parse(source).root_node, source
    except Exception:
        return None


def _indent(line_text: str) -> int:
    return len(line_text) - len(line_text.lstrip(" \t"))


def _one_line(source: bytes, start: int, end: int) -> str:
    text = " ".join(source[start:end].decode("utf-8", "replace").split())
    text = re.sub(r"([(\[{]) ", r"\1", re.sub(r" ([)\]}])", r"\1", text))
    return text if len(text) <= _MAX_LINE else text[:_MAX_LINE - 3] + "..."


def _signature(node: Node, source: bytes, lines: list[str]) -> str:
    end = body.start_byte if (body := node.child_by_field_name("body")) is not None else node.end_byte
    first = lines[node.start_point.row]
    return first[:_indent(first)] + _one_line(source, node.start_byte, end)


def _docstring_line(node: Node) -> str | None:
    body = node.child_by_field_name("body")
    first = body.named_children[0] if body is not None and body.named_children else None
    if first is None or first.type != "expression_statement" or first.named_children[0].type != "string":
        return None
    text = b"".join(c.text or b"" for c in first.named_children[0].children if c.type == "string_content")
    words = text.decode("utf-8", "replace").strip().splitlines()
    return f'    """{words[0].strip()[:_MAX_LINE - 10]}"""' if words else None


def _walk(node: Node, wanted: set[str], into: set[str]) -> list[Node]:
    found: list[Node] = []
    for child in node.named_children:
        found += [child] if child.type in wanted else []
        found += _walk(child, wanted, into) if child.type in into else []
    return found


def _definitions(root: Node, source: bytes, lines: list[str],
                 names: list[str] | None = None) -> list[_Definition]:
    """Functions at module level and methods of module-level classes (those in `names`), in document order."""
    nodes = _walk(root, {"function_definition"}, _INTO)
    for cls in _walk(root, {"class_definition"}, _INTO):
        body = cls.child_by_field_name("body")
        nodes += _walk(body, {"function_definition"}, _INTO) if body is not None else []
    defs = []
    for node in sorted(nodes, key=lambda n: n.start_byte):
        name = node.child_by_field_name("name")
        if name is not None and name.text and (names is None or name.text.decode() in names):
            doc = _docstring_line(node)
            sig = _signature(node, source, lines).strip()
            defs.append(_Definition(name.text.decode(), node.start_point.row, (sig, doc) if doc else (sig,)))
    return defs


@functools.lru_cache(maxsize=32)
def _document_definitions(text: str) -> tuple[_Definition, ...]:
    """Another open document's definitions; cached, as those documents rarely change while the user types."""
    parsed = _parse(text)
    return tuple(_definitions(parsed[0], parsed[1], lsp_lines(text))) if parsed else ()


def _covers(node: Node, lines: list[str], line: int) -> bool:
    """Whether `line` belongs to `node`: tree-sitter ends a block at its last statement, but the blank or
    deeper-indented lines after it (where the user is about to type) still belong to it."""
    if node.end_point.row >= line:
        return True
    column = _indent(lines[node.start_point.row])
    rows = range(node.end_point.row + 1, line + 1)
    return all(not lines[row].strip() or _indent(lines[row]) > column for row in rows)


def _enclosing(root: Node, lines: list[str], line: int) -> list[Node]:
    """The classes and functions around `line`, outermost first."""
    chain, node = [], root
    while True:
        before = [c for c in node.named_children if c.start_point.row < line and c.type != "comment"]
        if not before or before[-1].type not in _NESTS or not _covers(before[-1], lines, line):
            return chain
        node = before[-1]
        if node.type in _DEFS:
            chain.append(node)


def _called_names(function: Node, limit: int = 5000) -> list[str]:
    """The names `function` calls, in order; in an ERROR node (a call still being typed) `name(` counts."""
    names, stack, seen = [], [function], 0
    while stack and seen < limit:
        node, seen = stack.pop(), seen + 1
        kids = node.children
        callees = ([node.child_by_field_name("function")] if node.type == "call" else
                   [a for a, b in zip(kids, kids[1:]) if b.type == "("] if node.type == "ERROR" else [])
        for callee in filter(None, callees):
            name = callee.child_by_field_name("attribute") if callee.type == "attribute" else callee
            if name is not None and name.type == "identifier" and name.text.decode() not in names:
                names.append(name.text.decode())
        stack.extend(reversed(node.named_children))
    return names


def python_context(text: str, line: int, *, window_start_line: int | None = None,
                   window_end_line: int | None = None, max_lines: int = 40,
                   open_documents: Mapping[str, str] = MappingProxyType({})) -> str:
    """A header of Python comment lines, ending in a blank line, with what the window around `line` cannot
    show: the file's imports, the headers of the enclosing class and function, and the signatures of the
    functions the enclosing function calls that are defined outside the window or in `open_documents`
    (uri -> text). The window defaults to `build_window`'s. Stable (same input, same output) and at most
    `max_lines` lines; "" when there is nothing to add or the text cannot be parsed."""
    if (parsed := _parse(text)) is None:
        return ""
    (root, source), lines = parsed, lsp_lines(text)
    line = min(max(0, line), len(lines) - 1)
    start = prefix_start_line(line) if window_start_line is None else window_start_line
    end = line + 39 if window_end_line is None else window_end_line
    chain = _enclosing(root, lines, line)
    skip, places, found = {n.start_point.row for n in chain}, {}, {}  # the enclosing ones are shown already
    outside = lambda row: (row < start or row > end) and row not in skip  # noqa: E731
    imports = [[_one_line(source, n.start_byte, n.end_byte)] for n in _walk(root, _IMPORTS, _INTO)
               if outside(n.start_point.row) or outside(n.end_point.row)]
    sections = {"Inside:": [[_signature(n, source, lines)] for n in chain if n.start_point.row < start]}
    functions = [n for n in chain if n.type == "function_definition"]
    wanted = _called_names(functions[-1]) if functions else []
    for d in _definitions(root, source, lines, wanted):  # a name defined here is not looked up elsewhere
        if d.name in wanted and d.name not in places:
            places[d.name], found[d.name] = "this file", list(d.lines) if outside(d.row) else []
    for uri in sorted(open_documents):
        other = open_documents[uri]
        for d in _document_definitions(other) if other != text and len(other) < 2_000_000 else ():
            if d.name in wanted and d.name not in places:
                places[d.name], found[d.name] = uri.rstrip("/").rsplit("/", 1)[-1], list(d.lines)
    for where in dict.fromkeys(places.values()):
        here = [found[n] for n in wanted if places.get(n) == where and found[n]]
        sections[f"Called here, defined in {where}:"] = here
    sections["Imports:"] = imports
    return _render(sections, ["Imports:", "Inside:"], max_lines)


def _render(sections: dict[str, list[list[str]]], first: list[str], max_lines: int) -> str:
    """Whole items of each section, in order of priority (the dict's), while they fit in `max_lines` with
    their titles and the closing blank line; shown with the `first` sections first, then the rest."""
    budget, kept = max_lines - 1, {}
    for title, items in sections.items():
        sizes = [1 + sum(len(item) for item in items[:count + 1]) for count in range(len(items))]
        count = sum(1 for size in sizes if size <= budget)
        if count:
            kept[title], budget = items[:count], budget - sizes[count - 1]
    order = [t for t in first if t in kept] + [t for t in kept if t not in first]
    rows = [row for title in order for row in [title] + [r for item in kept[title] for r in item]]
    return "".join(f"# {row}\n" for row in rows) + "\n" if rows else ""


def chunk_around(text: str, line: int, *, size: int = 32) -> str:
    """The `size` lines around `line`, starting on a multiple of half a chunk so that nearby positions give
    the same chunk (and `RecentChunks` keeps one copy)."""
    lines, half = lsp_lines(text), max(1, size // 2)
    start = max(0, (line - half) // half * half)
    return "\n".join(lines[start:start + size]) + "\n"


def _similarity(a: list[str], b: list[str]) -> float:
    """The share of lines that two chunks have in common (as a multiset), from 0 to 1."""
    return 2 * sum((Counter(a) & Counter(b)).values()) / (len(a) + len(b)) if a or b else 1.0


class RecentChunks:
    """llama.vscode's ring buffer of recent chunks: text the user edited or looked at lately, given to the
    model as extra context. A chunk nearly the same as one held (more than `similarity` of its lines) replaces
    it, so one spot the user keeps returning to takes one slot; the oldest chunk goes when full."""

    def __init__(self, capacity: int = 8, *, similarity: float = 0.9) -> None:
        self.capacity, self.similarity = max(1, capacity), similarity
        self._chunks: deque[tuple[str, list[str]]] = deque()

    def add(self, text: str) -> None:
        lines = [t.rstrip() for t in lsp_lines(text.rstrip())]
        if not any(lines):
            return
        for held in list(self._chunks):
            if _similarity(held[1], lines) > self.similarity:
                self._chunks.remove(held)
        self._chunks.append(("\n".join(lines) + "\n", lines))
        while len(self._chunks) > self.capacity:
            self._chunks.popleft()

    @property
    def chunks(self) -> tuple[str, ...]:
        """The chunks held, oldest first."""
        return tuple(text for text, _ in self._chunks)

    def render(self, max_chars: int, *, exclude: str = "") -> str:
        """The newest chunks that fit in `max_chars`, oldest first, leaving out any that `exclude` (say, the
        prompt's window) already contains."""
        taken, used = [], 0
        for text in reversed(self.chunks):
            if exclude and text.rstrip("\n") in exclude:
                continue
            if used + len(text) > max_chars:
                break
            taken.append(text)
            used += len(text)
        return "".join(reversed(taken))
