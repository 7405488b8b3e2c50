"""Reading statements: which lines of a pasted block bind names and which build the schedule.

Assignments of scheduler constructions, of lambdas (and one-line `def`s) and of numbers are read; the training
loop, imports and `scheduler.step()` are skipped, never run. The last scheduler built is the schedule.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lrviz.schedules.formula import USER_TEXT
from lrviz.schedules.markup import shorten, shown
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.reader.dialects import Dialects
from lrviz.schedules.reader.values import Built, Lambda, Unknown, dotted, is_number

_PRINTABLE = 14_000  # bits: str() of an int over 4,300 digits raises ValueError
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SKIPPED = (ast.AsyncFunctionDef, ast.AsyncWith, ast.Match)


class Reader(Dialects):
    """Reads a block statement by statement, keeping the names each assignment binds, in Python's order."""

    def statements(self, body: list[ast.stmt]) -> Built | None:
        """The last scheduler the statements build, reading into blocks as Python runs them."""
        last = None
        for node in body:
            last = self.statement(node) or last
        return last

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
        if isinstance(node, ast.AugAssign):  # `step_size *= 2` is `step_size = step_size * 2`
            current = ast.parse(ast.unparse(node.target), mode="eval").body
            value = self.value(ast.BinOp(current, node.op, node.value), None, None)
            self.bind_target(node.target, value)
            return None
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and self.builds_scheduler(node):
            return self.statements(node.body)  # `def configure_optimizers(self):`, a LightningModule
        if isinstance(node, ast.FunctionDef):
            self.bind_target(ast.Name(node.name), self.function(node))
            return None
        if isinstance(node, ast.Return) and node.value is not None:
            return self.returned(node.value)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Name | ast.Attribute):
            value = self.value(node.value, None, None, alone=self.single_line)
            return value if isinstance(value, Built) else None
        if isinstance(node, ast.If):
            return self.branch(node)
        if isinstance(node, ast.Try | ast.TryStar):  # the code that runs when nothing raises
            return self.statements([*node.body, *node.orelse, *node.finalbody])
        if isinstance(node, ast.With):
            return self.statements(node.body)
        if isinstance(node, (*_LOOPS, *_SKIPPED)):
            self.unknown_inside(node)  # the training loop: not run, so what it binds has no value here
        return None  # imports, `scheduler.step()`: not read, never run

    def builds_scheduler(self, node: ast.AST) -> bool:
        return any(isinstance(call, ast.Call) and dotted(call.func) and self.is_scheduler(dotted(call.func)[-1])
                   for call in ast.walk(node))

    def branch(self, node: ast.If) -> Built | None:
        """The branch Python takes when the condition has a value here; else the first, and the reading says so."""
        condition = self.value(node.test, None, None)
        if is_number(condition) or isinstance(condition, bool):
            chosen = node.body if condition else node.orelse
        else:
            chosen = node.body
            self.notes.append(f"line {node.lineno}: read the first branch of `if {shorten(ast.unparse(node.test), 40)}"
                              "`, whose condition has no value here")
        for other in node.orelse if chosen is node.body else node.body:
            self.unknown_inside(other, taken=False)
        self.line = node.lineno
        return self.statements(chosen)

    def unknown_inside(self, node: ast.AST, taken: bool = True) -> None:
        """Names a block not read binds: a loop may have bound them any number of times."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                for target in targets:
                    if taken or ast.unparse(target) not in self.names:
                        where = "a loop" if taken else "a branch not read"
                        self.bind_target(target, Unknown(f"{ast.unparse(target)} (set in {where}, line "
                                                         f"{inner.lineno})"))

    def returned(self, node: ast.expr) -> Built | None:
        """`return scheduler`, `return [optimizer], [scheduler]`, or Lightning's
        `{"optimizer": ..., "lr_scheduler": {"scheduler": ..., "interval": "step"}}`."""
        if isinstance(node, ast.Dict):
            entries = {key.value: value for key, value in zip(node.keys, node.values, strict=True)
                       if isinstance(key, ast.Constant)}
            interval = entries.get("interval")
            if isinstance(interval, ast.Constant) and interval.value in ("step", "epoch"):
                per = "per batch (each optimizer step)" if interval.value == "step" else "per epoch"
                self.notes.append(f"line {node.lineno}: Lightning's interval='{interval.value}' steps the scheduler "
                                  f"{per}: set the run's stepping to match")
            inner = entries.get("lr_scheduler", entries.get("scheduler"))
            return self.returned(inner) if inner is not None else None
        if isinstance(node, ast.Tuple | ast.List):
            found = [self.returned(item) for item in node.elts]
            return next((built for built in reversed(found) if built is not None), None)
        value = self.value(node, None, None)
        if isinstance(value, list):
            return next((item for item in reversed(value) if isinstance(item, Built)), None)
        return value if isinstance(value, Built) else None

    def bind_target(self, target: ast.expr, value: object) -> None:
        """`name = value`, `self.name = value`, and `a, b = 1, 5` item by item."""
        if isinstance(target, ast.Tuple | ast.List):
            items = value if isinstance(value, list) and len(value) == len(target.elts) else None
            for index, element in enumerate(target.elts):
                self.bind_target(element, Unknown(ast.unparse(element)) if items is None else items[index])
        else:
            key = ast.unparse(target)
            self.refuse_late_binding(key, value)
            self.names[key] = value
            self.rebound[key] = self.rebound.get(key, 0) + 1

    def function(self, node: ast.FunctionDef) -> Lambda | Unknown:
        """`def warmup(epoch): return ...` reads as the lambda it could have been."""
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            return self.as_lambda(ast.Lambda(node.args, body[0].value), f"{node.name}")
        return Unknown(f"{node.name}()")


def _without_prompts(text: str) -> str:
    """Code copied from documentation with its `>>> ` and `... ` prompts, without them: lines without a prompt
    are the example's output, left blank (the lines keep their numbers)."""
    lines = text.strip("\n").splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith(">>>"):
        lines = [line.lstrip()[4:] if line.lstrip().startswith((">>>", "...")) else "" for line in lines]
    return textwrap.dedent("\n".join(lines))


def _parse(code: str) -> ast.Module:
    """Python's parse; a block whose first line was copied without its indentation (a `def` selected from
    inside an `else:` branch) is read with the rest dedented to match."""
    try:
        return ast.parse(code, filename=USER_TEXT, mode="exec")
    except IndentationError:
        first, *rest = code.splitlines()
        if not rest or first[:1].isspace():
            raise
        tail = textwrap.dedent("\n".join(rest))
        if tail == "\n".join(rest):
            raise
        try:
            return ast.parse(f"{first}\n{tail}", filename=USER_TEXT, mode="exec")
        except SyntaxError:
            pass
        raise


def _refuse_huge_numbers(tree: ast.Module, reader: Reader) -> None:
    """A written number Python cannot print (`0xfff…` of 4,000 hex digits) is refused before anything formats it;
    smaller ones are judged where they are used, and what the code computes from them is bounded (values)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value.bit_length() > _PRINTABLE:
            reader.line = getattr(node, "lineno", 1)
            raise reader.fail(f"{shown(node.value)} is larger than any schedule's")


def read_code(text: str, define: Mapping[str, Any] | None = None, run: RunContext | None = None) -> Built:
    """The schedule a block of pasted code builds: its last scheduler. SpecError names the line and argument.
    `define`: values of names the code computes at run time; `run`: the run whose lengths fill in the rest."""
    code = _without_prompts(text)
    single_line = len(code.strip().splitlines()) <= 1
    try:
        tree = _parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        line = getattr(error, "lineno", None)
        where = f"line {line}: " if line and not single_line else ""
        written = " ".join(code.split())
        raise SpecError(f"{where}cannot read '{written:.60}': {getattr(error, 'msg', error)}") from None
    reader = Reader(single_line, define, run)
    _refuse_huge_numbers(tree, reader)
    try:
        last = reader.statements(tree.body)
        if last is not None:
            reader.refuse_others_on_the_optimizer(last)
    except RecursionError:  # `1+1+...+1` a thousand times: Python parses it, walking it recurses too deep
        raise reader.fail("the code nests too deeply to be read") from None
    if last is None:
        raise reader.nothing_read(tree)
    return replace(reader.finish(last), notes=tuple(reader.notes), lr=reader.optimizer_lr)
