"""Assert blocks that are only literal calls against literals: run as calls, judged here, in one process.

Most checks people write (and 141 of HumanEval's 164) are lines like `assert f(3) == 5`,
`assert abs(f(2.0) - 1.4) < 1e-6` or `assert not f([])`. For those no test code needs to run
next to the candidate: the sandbox calls the functions in order, in one process, and sends
back what each returned, by value (the tagged encoding of channel.py). The asserts are
then evaluated here, in the parent, on those values and the literals, which never reach
the candidate. An object that claims to equal everything arrives as an opaque handle and
equals nothing; a forged "done" without the values is a program that stopped early. Any
other check (loops, helpers, names) runs in a test process of its own (split.py).
"""
from __future__ import annotations

import ast
import functools
import operator
from dataclasses import dataclass
from typing import Any

from dcode.sandbox.channel import Channel
from dcode.pyast import parse_python

WRAPPERS = {"abs": abs, "round": round, "len": len, "sorted": sorted, "set": set, "tuple": tuple, "list": list,
            "int": int, "float": float, "str": str, "bool": bool}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
           ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
ARITH = {ast.Sub: operator.sub, ast.Add: operator.add, ast.Mult: operator.mul, ast.Div: operator.truediv}


@dataclass(frozen=True)
class Check:
    """One assert: `call` (index into the calls) seen through `shape`, and the message it fails with."""

    call: int
    shape: ast.expr  # the assert's expression, with the call replaced by the name `_value`
    line: int
    message: str | _ShownValue | None
    text: str


@dataclass(frozen=True)
class Plan:
    calls: tuple[tuple[str, tuple[Any, ...]], ...]  # (function name, literal arguments), in order
    checks: tuple[Check, ...]


_NO = object()


@dataclass(frozen=True)
class _ShownValue:
    """A message that shows the value the assert got: `"First test error: " + str(candidate(1))`."""

    prefix: str

    def text(self, value: object) -> str:
        return self.prefix + str(value)


class _Opaque:
    """What an object that is not a value becomes here: equal to nothing but itself."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name} object>"


class _Decoder(Channel):
    def __init__(self) -> None:
        super().__init__(-1, frozenset())

    def _remote(self, data: dict):  # type: ignore[override]
        return _Opaque(str(data.get("n", "object")))

    def decode(self, data: object) -> object:
        if isinstance(data, dict) and data.get("#") in ("m", "p"):
            return _Opaque("module" if data.get("#") == "m" else "object")
        return super().decode(data)


def decode_value(data: object) -> object:
    return _Decoder().decode(data)


FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def constant(node: ast.expr) -> Any:
    """A literal, or arithmetic on literals (`2.0/3.0`, `3 + 5 + 7`, `0 ** 0`), folded; ValueError otherwise."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.BinOp) and type(node.op) in FOLD:
        left, right = constant(node.left), constant(node.right)
        if type(node.op) is ast.Pow and not (isinstance(right, int) and abs(right) <= 64 and abs(left) <= 2 ** 64):
            raise ValueError("a power too large to fold")
        if isinstance(left, (str, bytes, list, tuple)) or isinstance(right, (str, bytes, list, tuple)):
            if type(node.op) is ast.Mult and max(len(left) if not isinstance(left, int) else left,
                                                 len(right) if not isinstance(right, int) else right) > 10_000:
                raise ValueError("a repetition too large to fold")
        try:
            return FOLD[type(node.op)](left, right)
        except (ArithmeticError, TypeError) as e:
            raise ValueError(str(e)) from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = constant(node.operand)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [constant(e) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items if isinstance(node, ast.List) else set(items)
    raise ValueError("not a constant")


def _literal(node: ast.expr) -> bool:
    try:
        constant(node)
    except (ValueError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _as_constant(node: ast.expr) -> ast.expr:
    """The folded constant as a node, so that judging never computes anything but comparisons."""
    return ast.Constant(constant(node)) if not isinstance(node, ast.Constant) else node


class _Planner:
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases  # `candidate` -> the entry point, in HumanEval's check(candidate)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def call(self, node: ast.expr) -> int | None:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords
                and all(not isinstance(a, ast.Starred) and _literal(a) for a in node.args)):
            return None
        name = self.aliases.get(node.func.id, node.func.id)
        if name in WRAPPERS or (not self.aliases and not name.isidentifier()):
            return None
        self.calls.append((name, tuple(constant(a) for a in node.args)))
        return len(self.calls) - 1

    def value(self, node: ast.expr) -> tuple[int, ast.expr] | None:
        """The expression over one call: the call itself, a wrapper of it, or the call minus a literal."""
        index = self.call(node)
        if index is not None:
            return index, ast.Name("_value", ast.Load())
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WRAPPERS \
                and len(node.args) == 1 and not node.keywords and node.func.id not in self.aliases:
            inner = self.value(node.args[0])
            if inner is not None:
                return inner[0], ast.Call(node.func, [inner[1]], [])
        if isinstance(node, ast.BinOp) and type(node.op) in ARITH and _literal(node.right):
            inner = self.value(node.left)
            if inner is not None:
                return inner[0], ast.BinOp(inner[1], node.op, _as_constant(node.right))
        return None

    def check(self, stmt: ast.stmt, source: str) -> Check | None:
        if not isinstance(stmt, ast.Assert):
            return None
        test = stmt.test
        negate = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        body = test.operand if negate else test
        if isinstance(body, ast.Compare) and len(body.ops) == 1 and type(body.ops[0]) in COMPARE:
            left, right = body.left, body.comparators[0]
            if _literal(right):
                got = self.value(left)
                shape = None if got is None else ast.Compare(got[1], body.ops, [_as_constant(right)])
            elif _literal(left):
                got = self.value(right)
                shape = None if got is None else ast.Compare(_as_constant(left), body.ops, [got[1]])
            else:
                return None
        else:
            got = self.value(body)
            shape = None if got is None else got[1]
        if got is None or shape is None:
            return None
        if negate:
            shape = ast.UnaryOp(ast.Not(), shape)
        message = self.message(stmt.msg, got[0])
        if message is _NO:
            return None
        return Check(got[0], shape, stmt.lineno, message, ast.get_source_segment(source, stmt) or "")

    def message(self, node: ast.expr | None, call: int):
        """A literal message, or `"text" + str(f(x))` with the assert's own call (its value, shown)."""
        if node is None:
            return None
        if _literal(node):
            return str(constant(node))
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _literal(node.left)
                and isinstance(constant(node.left), str) and isinstance(node.right, ast.Call)
                and isinstance(node.right.func, ast.Name) and node.right.func.id == "str"
                and len(node.right.args) == 1 and not node.right.keywords):
            index = self.call(node.right.args[0])
            if index is not None:
                same = self.calls.pop(index) == self.calls[call]
                if same:
                    return _ShownValue(constant(node.left))
        return _NO


def _ignorable(stmt: ast.stmt) -> bool:
    """Docstrings, `assert True`, `pass`, and literal assignments a check never reads (METADATA)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) or isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True:
        return True
    return False


@functools.lru_cache(maxsize=512)
def plan(source: str) -> Plan | None:
    """The calls and checks of an assert block, or None when it is more than literal calls."""
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    body, aliases = _humaneval_shape(tree)
    if body is None:
        return None
    planner = _Planner(aliases)
    checks = []
    for stmt in body:
        if _ignorable(stmt):
            continue
        check = planner.check(stmt, source)
        if check is None:
            return None
        checks.append(check)
    if not checks or len(planner.calls) > 2000:
        return None
    return Plan(tuple(planner.calls), tuple(checks))


def _humaneval_shape(tree: ast.Module) -> tuple[list[ast.stmt] | None, dict[str, str]]:
    """Top-level asserts as they are; or `def check(candidate): ...` then `check(name)`, with the alias."""
    stmts = [s for s in tree.body if not (isinstance(s, ast.Assign) and _literal(s.value))]
    defs = [s for s in stmts if isinstance(s, ast.FunctionDef)]
    if not defs:
        return stmts, {}
    rest = [s for s in stmts if not isinstance(s, ast.FunctionDef) and not _ignorable(s)]
    if len(defs) != 1 or len(rest) != 1:
        return None, {}
    fn, call = defs[0], rest[0]
    args = fn.args
    if (len(args.args) != 1 or args.vararg or args.kwarg or args.kwonlyargs or fn.decorator_list
            or not (isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
                    and isinstance(call.value.func, ast.Name) and call.value.func.id == fn.name
                    and len(call.value.args) == 1 and isinstance(call.value.args[0], ast.Name)
                    and not call.value.keywords)):
        return None, {}
    return fn.body, {args.args[0].arg: call.value.args[0].id}


@dataclass(frozen=True)
class Failure:
    """Why an assert block failed: `kind` is "missing" (the program ended before this call), "raised" (the
    call raised), "error" (the assert's own expression raised on the value) or "assert" (it was false)."""

    check: Check
    kind: str
    why: str
    value: object = None


def judge(plan_: Plan, values: list[tuple[bool, object]]) -> Failure | None:
    """The first failing check, from each call's (raised, value); None when all hold. In the asserts' order."""
    for check in plan_.checks:
        if check.call >= len(values):
            return Failure(check, "missing", "the program exited before its tests finished")
        raised, value = values[check.call]
        if raised:
            return Failure(check, "raised", str(value))
        try:
            ok = _evaluate(check.shape, value)
        except Exception as e:  # a comparison that raises fails, as the assert would, with that exception
            return Failure(check, "error", f"{type(e).__name__}: {e}", value)
        if not ok:
            message = check.message.text(value) if isinstance(check.message, _ShownValue) else check.message
            return Failure(check, "assert", message if message is not None else "", value)
    return None


def _evaluate(node: ast.expr, value: object) -> object:
    if isinstance(node, ast.Name):
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _evaluate(node.operand, value)
    if isinstance(node, ast.Compare):
        return COMPARE[type(node.ops[0])](_evaluate(node.left, value), _evaluate(node.comparators[0], value))
    if isinstance(node, ast.Call):
        return WRAPPERS[node.func.id](_evaluate(node.args[0], value))  # type: ignore[union-attr]
    if isinstance(node, ast.BinOp):
        return ARITH[type(node.op)](_evaluate(node.left, value), _evaluate(node.right, value))
    return constant(node)
