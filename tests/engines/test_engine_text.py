from dcode.engines import code_blocks, extract_code, split_reasoning


def test_split_reasoning_closed_think():
    assert split_reasoning("<think>\nplan it\n</think>\n\nHere:\n```python\nx=1\n```") == \
        ("plan it", "Here:\n```python\nx=1\n```")


def test_split_reasoning_without_opening_tag_as_r1_templates_produce():
    assert split_reasoning("plan it</think>answer") == ("plan it", "answer")


def test_split_reasoning_unclosed_think_is_all_reasoning():
    assert split_reasoning("  <think>still thinking ```python\nx=1\n```") == ("still thinking ```python\nx=1\n```", "")


def test_split_reasoning_plain_text_is_all_answer():
    assert split_reasoning("just code") == ("", "just code")


def test_extract_code_takes_last_block_of_the_answer():
    text = "```python\nfirst()\n```\nthen\n```python\nsecond()\n```\n"
    assert extract_code(text) == "second()\n"


def test_extract_code_ignores_code_in_reasoning():
    text = "<think>```python\ndraft()\n```</think>\nNo code, sorry."
    assert extract_code(text) is None
    text = "<think>```python\ndraft()\n```</think>\n```py\nfinal()\n```"
    assert extract_code(text) == "final()\n"


def test_extract_code_unclosed_think_has_no_code():
    assert extract_code("<think>```python\ndraft()\n```") is None


def test_extract_code_tolerates_tags_and_unterminated_fence():
    assert extract_code("```py\na = 1\n```") == "a = 1\n"
    assert extract_code("```\nb = 2\n```") == "b = 2\n"
    assert extract_code("```Python3\nc = 3\n```") == "c = 3\n"
    assert extract_code("text\n```python\nd = 4\nprint(d)") == "d = 4\nprint(d)\n"


def test_extract_code_skips_other_languages_and_empty_blocks():
    text = "```python\nsolve()\n```\nExample run:\n```bash\n$ python a.py\n```\n```python\n```"
    assert extract_code(text) == "solve()\n"
    assert extract_code("```cpp\nint main(){}\n```") is None
    assert extract_code("```cpp\nint main(){}\n```", language="c++") == "int main(){}\n"


def test_extract_code_longer_fences_hold_inner_fences():
    text = "````python\ns = '''\n```\n'''\n````"
    assert extract_code(text) == "s = '''\n```\n'''\n"


def test_extract_code_none_without_blocks():
    assert extract_code("def f(): pass") is None
    assert extract_code("") is None


def test_extract_code_keeps_indentation_and_inner_blank_lines():
    text = "```python\n\ndef f():\n    x = 1\n\n    return x\n\n```"
    assert extract_code(text) == "def f():\n    x = 1\n\n    return x\n"


def test_code_blocks_reports_tags_in_order():
    assert code_blocks("```js\na\n```\n~~~python\nb\n~~~") == [("js", "a"), ("python", "b")]


def test_reopen_thinking_for_prompts_that_open_it():
    from dcode.engines.text import opens_thinking, reopen_thinking

    assert opens_thinking("<｜Assistant｜><think>\n") and not opens_thinking("<think>x</think>\n")
    cut_off = reopen_thinking("so the loop ```python\ndraft()\n```")
    assert extract_code(cut_off) is None and split_reasoning(cut_off)[1] == ""
    finished = reopen_thinking("plan</think>\n```python\nfinal()\n```")
    assert extract_code(finished) == "final()\n"
    assert reopen_thinking("<think>a</think>b") == "<think>a</think>b"
