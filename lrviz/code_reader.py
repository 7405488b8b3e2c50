"""Scheduler code pasted from a training script, read and never run.

`read_code` walks the statements of a block with `ast` (never `eval`, `exec` or `compile`):
assignments of scheduler constructions, of lambdas (and one-line `def`s) and of numbers. Calls are
matched to the registry by name, under any of torch's module paths; positional arguments are
mapped through torch's own signatures (a recipe's: its declaration's order, after the optimizer).
Lambdas become safe formulas. The last scheduler built is the schedule; nothing else is run or kept.
Both lrviz's own form, `SequentialLR(LinearLR(), CosineAnnealingLR(), milestones=[5])`, and torch's,
`SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[5])`, read the same way.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import math
import numbers
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any

from torch.optim import lr_scheduler

from lrviz.formula import USER_TEXT, FormulaError
from lrviz.formula import parse as parse_formula
from lrviz.params import SpecError
from lrviz.registry import REGISTRY

# where a scheduler may be called from: `StepLR`, `lr_scheduler.StepLR`, ..., `transformers.get_..._schedule`
MODULE_PATHS = {(), ("lr_scheduler",), ("optim", "lr_scheduler"), ("torch", "optim", "lr_scheduler"),
                ("transformers",), ("optimization",), ("transformers", "optimization")}
# arithmetic a pasted argument may do on numbers (`1.0 / 3`, `int(0.3 * total)`), and the math it may call
_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}
_NUMBER_FUNCTIONS = {"int": int, "float": float, "round": round, "abs": abs, "min": min, "max": max,
                     "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "exp": math.exp, "log": math.log}
_MATH_MODULES = ("math", "np", "numpy")
_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.ClassDef,
             ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Unknown:
    """A value the pasted code computes at run time (`len(train_loader)`): it has no number here."""

    text: str


@dataclass(frozen=True)
class Lambda:
    """A multiplier written as a lambda, as the safe formula it reads as."""

    formula: str


@dataclass(frozen=True)
class Built:
    """A scheduler construction read from the code: registry name, arguments and parts."""

    name: str
    params: tuple[tuple[str, Any], ...]
    children: tuple[Built, ...]
    line: int
    origin: tuple[tuple[str, str], ...] = ()  # parameter → how the code computed it


class _Reader:
    def __init__(self, single_line: bool) -> None:
        self.names: dict[str, Any] = {}
        self.line = 1
        self.single_line = single_line

    def fail(self, message: str, param: str | None = None, schedule: str | None = None) -> SpecError:
        where = "" if self.single_line else f"line {self.line}: "
        return SpecError(f"{where}{message}", param, schedule)

    # --- statements ---

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

    def bind_target(self, target: ast.expr, value: Any) -> None:
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

    # --- values ---

    def value(self, node: ast.expr, schedule: str | None, param: str | None, alone: bool = False) -> Any:
        """What an expression stands for: a number, text, a list, a Lambda, a Built scheduler or Unknown."""
        if isinstance(node, ast.Constant):
            if node.value is ... or isinstance(node.value, bytes | complex):
                return Unknown(ast.unparse(node))
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [self.value(item, schedule, param) for item in node.elts]
        if isinstance(node, ast.Lambda):
            return self.as_lambda(node, param or "lr_lambda", schedule)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand, schedule, param)
            if _is_number(operand):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node, schedule, param)
        if isinstance(node, ast.Call):
            return self.call(node, schedule, param, alone)
        if isinstance(node, ast.Name | ast.Attribute):
            key = ast.unparse(node)
            if key in self.names:
                return self.names[key]
            if isinstance(node, ast.Name) and (alone or node.id in REGISTRY):  # a bare name: its defaults
                return self.call(ast.Call(node, [], []), schedule, param, alone)
        return Unknown(ast.unparse(node))

    def arithmetic(self, node: ast.BinOp, schedule: str | None, param: str | None) -> Any:
        left, right = self.value(node.left, schedule, param), self.value(node.right, schedule, param)
        if not (_is_number(left) and _is_number(right)) or type(node.op) not in (*_ARITHMETIC, ast.Pow):
            return Unknown(ast.unparse(node))
        try:
            if isinstance(node.op, ast.Pow):  # floats: a huge power overflows instead of being built
                result = float(left) ** float(right)
                return int(result) if isinstance(left, int) and isinstance(right, int) and right >= 0 else result
            return _ARITHMETIC[type(node.op)](left, right)
        except (ArithmeticError, ValueError) as error:
            raise self.fail(f"{_subject(schedule, param)}cannot compute {ast.unparse(node)}: {error}",
                            param, schedule) from None

    def call(self, node: ast.Call, schedule: str | None, param: str | None, alone: bool) -> Any:
        path = _dotted(node.func)
        name = path[-1] if path else ""
        if path and name in REGISTRY:
            if path[:-1] not in MODULE_PATHS:
                raise self.fail(f"'{'.'.join(path)}' is not one of torch's module paths: write {name}, "
                                f"lr_scheduler.{name} or torch.optim.lr_scheduler.{name}", schedule=name)
            return self.construction(name, node)
        function = name if path and (len(path) == 1 or path[0] in _MATH_MODULES) else ""
        if function in _NUMBER_FUNCTIONS and not node.keywords:
            arguments = [self.value(arg, schedule, param) for arg in node.args]
            if arguments and all(_is_number(argument) for argument in arguments):
                try:
                    return _NUMBER_FUNCTIONS[function](*arguments)
                except (ArithmeticError, ValueError, TypeError):
                    pass
        if path and (alone or difflib.get_close_matches(name, REGISTRY, n=1, cutoff=0.85)):
            close = difflib.get_close_matches(name, REGISTRY, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise self.fail(f"unknown scheduler '{name}': {hint}valid ones are {', '.join(REGISTRY)}",
                            schedule=name)
        return Unknown(ast.unparse(node))

    def as_lambda(self, node: ast.Lambda, param: str, schedule: str | None = None) -> Lambda:
        """A lambda of one argument (the scheduler's step counter) as a formula in epoch, or in step."""
        arguments = node.args
        if (len(arguments.args) != 1 or arguments.vararg or arguments.kwarg or arguments.kwonlyargs
                or arguments.posonlyargs or arguments.defaults):
            raise self.fail(f"{_subject(schedule, param)}a multiplier takes one argument, the epoch: like "
                            "lambda epoch: 0.95 ** epoch", param, schedule)
        counter = arguments.args[0].arg
        outside = {n.id for n in ast.walk(node.body) if isinstance(n, ast.Name)} & {"epoch", "step"} - {counter}
        if outside:
            raise self.fail(f"{_subject(schedule, param)}lambda {counter}: uses {sorted(outside)[0]}, a name from "
                            "outside the lambda that has no value here", param, schedule)
        variable = "step" if "step" in counter.lower() or "iter" in counter.lower() else "epoch"
        numbers_bound = {key: value for key, value in self.names.items() if _is_number(value)}
        body = _Rename(counter, variable, numbers_bound).visit(_copy(node.body))
        text = ast.unparse(body)
        try:
            parse_formula(text)
        except FormulaError as error:
            raise self.fail(f"{_subject(schedule, param)}{error} (in lambda {counter}: {ast.unparse(node.body)})",
                            param, schedule) from None
        return Lambda(text)

    # --- scheduler constructions ---

    def construction(self, name: str, node: ast.Call) -> Built:
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords):
            raise self.fail(f"{name}: * and ** arguments cannot be read; write each argument out", schedule=name)
        values = [self.value(arg, name, None) for arg in node.args]
        if REGISTRY[name].composite and values and all(isinstance(v, Built) for v in values):
            given, children = {}, tuple(values)  # lrviz's own form: the parts, then the keywords
        else:
            given, children = self.bind(name, values), ()
        for keyword in node.keywords:  # refused twice, as Python refuses them
            if keyword.arg in given:
                how = "by keyword" if keyword.arg in [k.arg for k in node.keywords[:node.keywords.index(keyword)]] \
                    else "by position and by keyword"
                raise self.fail(f"{name}: {keyword.arg} is given twice, {how}", keyword.arg, name)
            given[keyword.arg] = self.value(keyword.value, name, keyword.arg)
        if not children and REGISTRY[name].composite:
            children = self.parts(name, given.pop("schedulers", None))
        # torch's own form (an optimizer, or a module path) runs with torch's defaults: so does the reading
        torch_form = "optimizer" in given or len(_dotted(node.func)) > 1
        given.pop("optimizer", None)  # under any name: lrviz builds its own
        params, origin = _arguments(name, given, self)
        if torch_form:
            params = _with_torch_defaults(name, params)
        return Built(name, tuple(params.items()), children, 0 if self.single_line else self.line, origin)

    def bind(self, name: str, values: list[Any]) -> dict[str, Any]:
        """Positional arguments by torch's signature; the optimizer may be left out before a first number."""
        order = signature(name)
        if values and (_is_number(values[0]) or isinstance(values[0], str | Lambda)):
            order = [key for key in order if key != "optimizer"]
        if len(values) > len(order):
            raise self.fail(f"{name} takes at most {len(order)} positional arguments ({', '.join(order)}); "
                            f"got {len(values)}", schedule=name)
        return dict(zip(order, values, strict=False))

    def parts(self, name: str, schedulers: Any) -> tuple[Built, ...]:
        if schedulers is None:
            return ()
        items = schedulers if isinstance(schedulers, list) else [schedulers]
        for item in items:
            if not isinstance(item, Built):
                shown = item.text if isinstance(item, Unknown) else repr(item)
                raise self.fail(f"{name}: schedulers holds {shown:.40}, which is not a scheduler built above",
                                "schedulers", name)
        return tuple(items)


@cache
def signature(name: str) -> list[str]:
    """The parameter order of a scheduler's call: torch's own, or the optimizer then the declaration's."""
    cls = getattr(lr_scheduler, name, None) if REGISTRY[name].family == "torch" else None
    if cls is not None:
        return list(inspect.signature(cls).parameters)
    return ["optimizer", *(param.name for param in REGISTRY[name].params), "last_epoch"]


@cache
def _torch_defaults(name: str) -> dict[str, Any]:
    cls = getattr(lr_scheduler, name, None) if REGISTRY[name].family == "torch" else None
    if cls is None:
        return {}
    return {key: p.default for key, p in inspect.signature(cls).parameters.items() if p.default is not p.empty}


def _arguments(name: str, given: dict[str, Any], reader: _Reader) -> tuple[dict[str, Any], tuple]:
    """The declared parameters' values; no-op arguments dropped; anything without a value named."""
    spec, origin = REGISTRY[name], []
    declared = {param.name: param for param in spec.params}
    if given.get("last_epoch", -1) != -1:
        raise reader.fail(f"{name}: last_epoch={given['last_epoch']} resumes a run; lrviz starts every schedule "
                          "from the beginning (leave last_epoch out)", "last_epoch", name)
    given.pop("last_epoch", None)
    given.pop("verbose", None)  # deprecated in torch; printing changes no value
    if name == "OneCycleLR" and "total_steps" not in given and {"epochs", "steps_per_epoch"} <= set(given):
        epochs, per_epoch = (_whole(reader, name, key, given.pop(key)) for key in ("epochs", "steps_per_epoch"))
        given["total_steps"] = epochs * per_epoch
        origin.append(("total_steps", f"epochs × steps_per_epoch = {epochs} × {per_epoch} in the code"))
    params = {}
    for key, value in given.items():
        if isinstance(value, Unknown):
            raise reader.fail(f"{name}: {key} needs a number: {value.text:.60} has no value here", key, name)
        if key not in declared and key in _torch_defaults(name):
            if value != _torch_defaults(name)[key]:
                raise reader.fail(f"{name}: {key}={value!r:.40} is not modelled by lrviz (only torch's default, "
                                  f"{_torch_defaults(name)[key]!r})", key, name)
            continue
        params[key] = _formula_or_value(reader, name, key, value, declared.get(key))
    return params, tuple(origin)


def _with_torch_defaults(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every declared parameter torch has a default for, in the declaration's order: what the pasted line runs
    with (CyclicLR's step_size_up=2000, ConstantLR's total_iters=5), not lrviz's run-length defaults."""
    defaults = _torch_defaults(name)
    ordered = {}
    for param in REGISTRY[name].params:
        if param.name in params:
            ordered[param.name] = params[param.name]
        elif defaults.get(param.name) is not None:
            value = defaults[param.name]
            ordered[param.name] = tuple(value) if isinstance(value, list) else value
    return ordered | params


def _formula_or_value(reader: _Reader, name: str, key: str, value: Any, param: Any) -> Any:
    if param is not None and param.kind == "formula":
        if isinstance(value, list) and len(value) == 1:  # one multiplier per param group; lrviz has one group
            value = value[0]
        elif isinstance(value, list):
            raise reader.fail(f"{name}: {key} holds {len(value)} multipliers, one per param group; lrviz trains one "
                              "group: keep the one to see", key, name)
        if isinstance(value, Lambda):
            return value.formula
        if not isinstance(value, str):
            raise reader.fail(f"{name}: {key} needs a lambda, like lambda epoch: 0.95 ** epoch (got {value!r:.40})",
                              key, name)
    if isinstance(value, Lambda | Built):
        raise reader.fail(f"{name}: {key} needs a value, not a {type(value).__name__.lower()}", key, name)
    return tuple(value) if isinstance(value, list) else value


def _whole(reader: _Reader, name: str, key: str, value: Any) -> int:
    if isinstance(value, Unknown):
        raise reader.fail(f"{name}: {key} needs a number: {value.text:.60} has no value here", key, name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise reader.fail(f"{name}: {key} must be a positive whole number, as torch requires (got {value!r:.40})",
                          key, name)
    return value


class _Rename(ast.NodeTransformer):
    """The lambda's argument becomes epoch (or step); `math.x` becomes x; numbers bound above are inlined."""

    def __init__(self, counter: str, variable: str, numbers_bound: dict[str, float]) -> None:
        self.counter, self.variable, self.numbers_bound = counter, variable, numbers_bound

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.counter:
            return ast.Name(self.variable, ast.Load())
        if node.id in self.numbers_bound:
            return ast.Constant(self.numbers_bound[node.id])
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in _MATH_MODULES:
            return ast.Name(node.attr, ast.Load())
        return self.generic_visit(node)


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node), mode="eval").body


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return (node.id, *reversed(parts)) if isinstance(node, ast.Name) else ()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _subject(schedule: str | None, param: str | None) -> str:
    return "".join(f"{part}: " for part in (schedule, param) if part)


def _without_prompts(text: str) -> str:
    """Code copied from documentation with its `>>> ` and `... ` prompts, without them."""
    lines = text.strip("\n").splitlines()
    if lines and all(line.lstrip().startswith((">>>", "...")) or not line.strip() for line in lines):
        lines = [line.lstrip()[4:] if len(line.lstrip()) > 3 else "" for line in lines]
    return textwrap.dedent("\n".join(lines))


def read_code(text: str) -> Built:
    """The schedule a block of pasted code builds: its last scheduler. SpecError names the line and argument."""
    code = _without_prompts(text)
    single_line = len(code.strip().splitlines()) <= 1
    try:
        tree = ast.parse(code, filename=USER_TEXT, mode="exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        line = getattr(error, "lineno", None)
        where = f"line {line}: " if line and not single_line else ""
        shown = " ".join(code.split())
        raise SpecError(f"{where}cannot read '{shown:.60}': {getattr(error, 'msg', error)}") from None
    reader, last = _Reader(single_line), None
    try:
        for node in tree.body:
            if isinstance(node, _COMPOUND):
                continue  # the training loop and the like: read no further into it
            last = reader.statement(node) or last
    except RecursionError:  # `1+1+...+1` a thousand times: Python parses it, walking it recurses too deep
        raise reader.fail("the code nests too deeply to be read") from None
    if last is None:
        raise SpecError("no scheduler in the code: build one, like scheduler = StepLR(optimizer, step_size=30)")
    return last
