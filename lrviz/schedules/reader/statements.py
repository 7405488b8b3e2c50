"""Reading statements: which lines of a pasted block bind names and which build the schedule.

Assignments of scheduler constructions, of lambdas (and one-line `def`s) and of numbers are read; the training
loop, imports and `scheduler.step()` are skipped, never run. The last scheduler built is the schedule.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from typing import Any

from lrviz.schedules.formula import USER_TEXT
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.reader.dialects import Dialects
from lrviz.schedules.reader.values import Built, Lambda, Unknown

_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.ClassDef,
             ast.AsyncFunctionDef)


class Reader(Dialects):
    """Reads a block statement by statement, keeping the names each assignment binds."""

    def statement(self, node: ast.stmt) -> Built | None:
        """Bind what an assignment builds; return the scheduler a statement builds, if any."""
        self.line = node.lineno
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None:
                return None
            value = self.value(node.value, None, None)
            for target in targets:
                self.bind_target(target, value)
            return value if isinstance(value, Built) else None
        if isinstance(node, ast.FunctionDef):
            self.names[node.name] = self.function(node)
            return None
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Name | ast.Attribute):
            value = self.value(node.value, None, None, alone=self.single_line)
            return value if isinstance(value, Built) else None
        return None  # imports, the training loop, `scheduler.step()`: not read, never run

    def bind_target(self, target: ast.expr, value: object) -> None:
        """`name = value`, `self.name = value`, and `a, b = 1, 5` item by item."""
        if isinstance(target, ast.Tuple | ast.List):
            items = value if isinstance(value, list) and len(value) == len(target.elts) else None
            for index, element in enumerate(target.elts):
                self.bind_target(element, Unknown(ast.unparse(element)) if items is None else items[index])
        else:
            self.names[ast.unparse(target)] = value

    def function(self, node: ast.FunctionDef) -> Lambda | Unknown:
        """`def warmup(epoch): return ...` reads as the lambda it could have been."""
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            return self.as_lambda(ast.Lambda(node.args, body[0].value), f"{node.name}")
        return Unknown(f"{node.name}()")


def _without_prompts(text: str) -> str:
    """Code copied from documentation with its `>>> ` and `... ` prompts, without them."""
    lines = text.strip("\n").splitlines()
    if lines and all(line.lstrip().startswith((">>>", "...")) or not line.strip() for line in lines):
        lines = [line.lstrip()[4:] if len(line.lstrip()) > 3 else "" for line in lines]
    return textwrap.dedent("\n".join(lines))


def read_code(text: str, define: Mapping[str, Any] | None = None, run: RunContext | None = None) -> Built:
    """The schedule a block of pasted code builds: its last scheduler. SpecError names the line and argument.
    `define`: values of names the code computes at run time; `run`: the run whose lengths fill in the rest."""
    code = _without_prompts(text)
    single_line = len(code.strip().splitlines()) <= 1
    try:
        tree = ast.parse(code, filename=USER_TEXT, mode="exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        line = getattr(error, "lineno", None)
        where = f"line {line}: " if line and not single_line else ""
        shown = " ".join(code.split())
        raise SpecError(f"{where}cannot read '{shown:.60}': {getattr(error, 'msg', error)}") from None
    reader, last = Reader(single_line, define, run), None
    try:
        for node in tree.body:
            if isinstance(node, _COMPOUND):
                continue  # the training loop and the like: read no further into it
            last = reader.statement(node) or last
    except RecursionError:  # `1+1+...+1` a thousand times: Python parses it, walking it recurses too deep
        raise reader.fail("the code nests too deeply to be read") from None
    if last is None:
        raise reader.nothing_read(tree)
    return reader.finish(last)
