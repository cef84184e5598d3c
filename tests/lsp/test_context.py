"""The prompt's window, its tree-sitter header and the ring of recent chunks, on plain strings."""
from __future__ import annotations

from lsp.context import (CHUNK, RecentChunks, Window, build_window, chunk_around, index_to_utf16,
                         prefix_start_line, python_context, utf16_to_index)


def numbered(count: int) -> str:
    return "".join(f"line {i}\n" for i in range(count))


# ---- positions and the window --------------------------------------------------------------------

def test_utf16_positions_count_an_emoji_as_two_units():
    row = "s = '😀😀' + name"
    assert utf16_to_index(row, 5) == 5  # before the first emoji
    assert utf16_to_index(row, 7) == 6  # after it: two units, one character
    assert utf16_to_index(row, 9) == 7
    assert utf16_to_index(row, 6) == 5  # between the halves of a pair: the start of that character
    assert utf16_to_index(row, 1000) == len(row)
    assert index_to_utf16(row, 7) == 9
    assert all(utf16_to_index(row, index_to_utf16(row, i)) == i for i in range(len(row) + 1))


def test_the_window_splits_at_the_utf16_position():
    text = "x = 1\nlabel = '🎉 party' + suffix\ny = 2\n"
    # "label = '" is 9 units, the emoji 2, the space 1: character 12 is before "party"
    window = build_window(text, 1, 12)
    assert window == Window(prefix="x = 1\nlabel = '🎉 ", suffix="party' + suffix\ny = 2\n", header="")


def test_the_window_is_the_documents_text_around_the_cursor():
    text = numbered(100)
    window = build_window(text, 50, 3, max_prefix_lines=10, max_suffix_lines=5, header="# h\n")
    assert window.header == "# h\n"
    assert window.prefix.endswith("line 49\nlin")
    assert window.suffix == "e 50\nline 51\nline 52\nline 53\nline 54\n"
    assert len(window.prefix.split("\n")) <= 10
    assert text.index(window.prefix) + len(window.prefix) == text.index(window.suffix)


def test_crlf_documents_give_newline_windows_and_positions_past_the_end_clamp():
    window = build_window("a = 1\r\nb = 2\r\n", 1, 2)
    assert (window.prefix, window.suffix) == ("a = 1\nb ", "= 2\n")
    end = build_window("a = 1\nb = 2", 9, 0)
    assert (end.prefix, end.suffix) == ("a = 1\nb = 2", "")


def test_the_window_start_stays_put_while_the_user_types():
    lines = numbered(400).split("\n")
    starts = set()
    typed = ""
    for char in "result = compute(value)":
        typed += char
        text = "\n".join(lines[:300] + [typed] + lines[301:])
        window = build_window(text, 300, len(typed))
        assert window.prefix.endswith("\n" + typed)  # the current line comes last
        starts.add(window.prefix.split("\n", 1)[0])
    assert len(starts) == 1
    # and on the nearby lines: the start moves once a chunk of lines, not once a line
    firsts = {build_window("\n".join(lines), row, 0).prefix.split("\n", 1)[0] for row in range(290, 310)}
    assert len(firsts) <= 2
    for row in range(0, 390, 7):
        start = prefix_start_line(row)
        assert start % CHUNK == 0 and row - start + 1 <= 120 and (start == 0 or row - start + 1 > 120 - CHUNK)


# ---- the header ----------------------------------------------------------------------------------

HELPER = '''import os
from typing import (
    Any,
    Mapping,
)


def helper(a, b=1):
    """Add things.

    More words.
    """
    return a + b


class Thing(Base):
    """A thing."""

    def method(self, x: int,
               y: str = "s") -> int:
'''


def long_method(body_lines: int = 200, calls: str = "helper(x) + util(x)") -> tuple[str, int]:
    text = HELPER + "        z = 1\n" * body_lines + f"        w = {calls}\n" + "        \n"
    return text, len(text.split("\n")) - 2  # the blank line inside the method


def test_imports_outside_the_window_go_into_the_header_and_inside_it_do_not():
    text, line = long_method()
    header = python_context(text, line)
    assert "# import os\n" in header
    assert "# from typing import (Any, Mapping,)\n" in header
    near = HELPER + "        return 1\n"
    assert "import" not in python_context(near, 20)  # the window starts at line 0 and shows them
    assert "import os" in python_context(near, 20, window_start_line=5)


def test_the_enclosing_class_and_function_headers_when_the_window_starts_below_them():
    text, line = long_method()
    header = python_context(text, line)
    assert ('# Inside:\n# class Thing(Base):\n#     def method(self, x: int, y: str = "s") -> int:\n'
            in header)
    assert "Inside:" not in python_context(text, line, window_start_line=0)


def test_called_functions_from_this_file_and_from_another_open_document():
    text, line = long_method()
    other = ("import re\n\n\ndef util(q):\n    '''Make it useful.'''\n    return q\n\n\n"
             "def helper(a):\n    pass\n")
    header = python_context(text, line, open_documents={"file:///project/utils.py": other,
                                                        "file:///project/main.py": text})
    assert header.endswith("# Called here, defined in this file:\n# def helper(a, b=1):\n"
                           '#     """Add things."""\n'
                           "# Called here, defined in utils.py:\n# def util(q):\n"
                           '#     """Make it useful."""\n\n')
    assert "helper(a):" not in header  # this file defines helper: the other document's is not looked up
    assert "import re" not in header  # another document's imports are not this file's
    assert header == python_context(text, line, open_documents={"file:///project/utils.py": other})


def test_called_functions_inside_the_window_are_left_out():
    text = HELPER + "        return helper(x)\n"
    assert "Called" not in python_context(text, text.count("\n") - 1)


def test_the_header_is_stable_and_bounded():
    many = "".join(f"import module{i}\n" for i in range(100))
    text = many + "\n" * 300 + "def f():\n    return g()\n"
    header = python_context(text, text.count("\n") - 1)
    assert header == python_context(text, text.count("\n") - 1)
    assert header.count("\n") <= 40
    assert header.startswith("# Imports:\n# import module0\n# import module1\n") and header.endswith("\n\n")
    assert len(python_context(text, text.count("\n") - 1, max_lines=10).split("\n")) <= 11


def test_text_that_does_not_parse_gives_no_header_and_still_a_window():
    for text in ["<<<>>> ::: ??? {{{\n", "# Title\n\nSome *markdown* text.\n", "", "\x00\xff\ud800"]:
        assert python_context(text, 0) == ""
        window = build_window(text, 0, 3)
        assert window.prefix + window.suffix == text.replace("\r\n", "\n")


def test_a_broken_line_in_the_function_still_finds_what_encloses_it():
    text = HELPER + "        z = 1\n" * 200 + "        w = helper(x\n"
    header = python_context(text, text.count("\n") - 1)
    assert "def method(self" in header and "def helper(a, b=1):" in header


# ---- recent chunks -------------------------------------------------------------------------------

def test_recent_chunks_keep_one_copy_of_a_near_identical_chunk():
    text = numbered(200)
    ring = RecentChunks()
    ring.add(chunk_around(text, 40))
    edited = text.replace("line 41\n", "line 41 changed\n")
    ring.add(chunk_around(edited, 42))  # 31 of 32 lines the same: replaces the older one
    assert ring.chunks == (chunk_around(edited, 42),)
    ring.add(chunk_around(text, 120))
    assert len(ring.chunks) == 2
    ring.add("   \n\n")
    assert len(ring.chunks) == 2


def test_recent_chunks_hold_at_most_capacity_and_render_oldest_first():
    ring = RecentChunks(capacity=3)
    for i in range(5):
        ring.add(f"chunk {i}\n" + "".join(f"body {i} {j}\n" for j in range(20)))
    assert [c.split("\n", 1)[0] for c in ring.chunks] == ["chunk 2", "chunk 3", "chunk 4"]
    everything = ring.render(100_000)
    assert everything.index("chunk 2") < everything.index("chunk 3") < everything.index("chunk 4")
    size = len(ring.chunks[-1])
    assert ring.render(size * 2) == ring.chunks[1] + ring.chunks[2]  # the newest that fit
    assert ring.render(10) == ""
    assert "chunk 4" not in ring.render(100_000, exclude="prompt\n" + ring.chunks[-1])


def test_nearby_positions_give_the_same_chunk():
    text = numbered(300)
    assert chunk_around(text, 100) == chunk_around(text, 102)
    assert chunk_around(text, 100).count("\n") == 32
