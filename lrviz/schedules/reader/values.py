"""Reading values: what an expression of pasted code stands for, computed from the syntax tree, never run.

Numbers, text, lists, arithmetic on numbers (`1.0 / 3`, `int(0.3 * total)`), a few math functions, names bound
above, and lambdas, which become safe formulas. Scheduler calls are left to a dialect (`torch_calls`).
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

from lrviz.schedules.formula import VARIABLES, FormulaError
from lrviz.schedules.formula import parse as parse_formula
from lrviz.schedules.markup import shorten, shown
from lrviz.schedules.params import SpecError

# arithmetic a pasted argument may do on numbers (`1.0 / 3`, `int(0.3 * total)`), and the math it may call
_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}
_NUMBER_FUNCTIONS = {"int": int, "float": float, "round": round, "abs": abs, "min": min, "max": max,
                     "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "exp": math.exp, "log": math.log}
_WRAPPER = re.compile(r"(?i)lr|sched|warm")  # a call named like a scheduler: one that wraps a scheduler is one
MATH_MODULES = ("math", "np", "numpy")
OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
              "LBFGS", "SparseAdam", "Adafactor"}
_COMPARE = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
            ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}
# Reading is part of the bounded request: every value it computes is small, checked before it is computed
MAX_WHOLE = 2**64  # a whole number beyond it is no schedule's (step counts are far below); each operation O(1)
MAX_LEAVES = 10_000  # numbers in one list, counted through lists that share their items (`b = [a, a, a, a]`)
MAX_ROUND_DIGITS = 30  # round(5, -10**8) would build 10**(10**8)


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
    notes: tuple[str, ...] = ()  # what the reading chose where Python's run would decide (an `if` branch)
    lr: float | None = None  # the pasted optimizer's lr (`SGD(model.parameters(), lr=0.01)`), if it gives one


class ValueReader:
    """The values of expressions, given the names bound so far; a dialect supplies the scheduler calls."""

    def __init__(self, single_line: bool) -> None:
        self.names: dict[str, Any] = {}
        self.line = 1
        self.single_line = single_line
        self.sizes: dict[int, tuple[list, int]] = {}  # id of a list read → (the list, its numbers)
        self.notes: list[str] = []
        self.captured: dict[str, tuple[Any, int]] = {}  # a name a lambda reads → its value then, and the line
        # every scheduler built on an optimizer: the optimizer as written, and which binding of that name it is
        self.constructed: list[tuple[Built, str | None, int]] = []
        self.rebound: dict[str, int] = {}  # name → how often it was assigned: `optimizer = AdamW(...)` anew is new
        self.optimizer_lr: float | None = None

    def fail(self, message: str, param: str | None = None, schedule: str | None = None) -> SpecError:
        where = "" if self.single_line else f"line {self.line}: "
        return SpecError(f"{where}{message}", param, schedule)

    # --- what a dialect supplies ---

    def is_scheduler(self, name: str) -> bool:
        raise NotImplementedError

    def scheduler_call(self, path: tuple[str, ...], node: ast.Call) -> Built | None:
        raise NotImplementedError

    def refuse_misspelt(self, path: tuple[str, ...], alone: bool) -> None:
        raise NotImplementedError

    # --- bounds ---

    def bounded(self, value: Any, node: ast.AST, schedule: str | None, param: str | None) -> Any:
        """`value` if it is a small enough whole number (or any other value), else a one-line refusal."""
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
            raise self.fail(f"{subject(schedule, param)}{shorten(ast.unparse(node), 40)} is a whole number beyond "
                            "2**64, larger than any schedule's", param, schedule)
        if isinstance(value, complex):  # (-8) ** 0.5
            raise self.fail(f"{subject(schedule, param)}{shorten(ast.unparse(node), 40)} is a complex number",
                            param, schedule)
        return value

    def listed(self, items: list, schedule: str | None, param: str | None) -> list:
        """A list whose numbers, counted through shared sublists, stay under MAX_LEAVES."""
        count = sum(self.sizes[id(item)][1] if id(item) in self.sizes else 1 for item in items)
        if count > MAX_LEAVES:
            raise self.fail(f"{subject(schedule, param)}a list of more than {MAX_LEAVES:,} values (lists inside "
                            "lists count every value they hold)", param, schedule)
        self.sizes[id(items)] = (items, count)  # the list is kept, so its id is not reused
        return items

    # --- what torch would do that one schedule cannot show ---

    def refuse_late_binding(self, key: str, value: Any) -> None:
        """A lambda reads a name when torch calls it, after the whole block: a later value is the one used."""
        if key in self.captured and not _same(self.captured[key][0], value):
            before, line = self.captured[key]
            raise self.fail(f"{key} is set again after the lambda on line {line} uses it: Python's lambda would "
                            f"read {shown(value, 30)} when the scheduler calls it, not {shown(before, 30)}; set "
                            f"{key} once, before the lambda")

    def refuse_others_on_the_optimizer(self, last: Built) -> None:
        """torch applies every scheduler built on an optimizer (a LinearLR's constructor already scales the lr);
        one schedule is drawn, so another one beside it is refused."""
        parts, stack = set(), [last]
        while stack:
            built = stack.pop()
            parts.add(id(built))
            stack.extend(built.children)
        ours = next(((optimizer, binding) for built, optimizer, binding in self.constructed if built is last),
                    (None, 0))
        for built, optimizer, binding in self.constructed:
            if id(built) not in parts and (optimizer is None or ours[0] is None or (optimizer, binding) == ours):
                where, ours_where = (f"line {b.line}'s " if b.line else "" for b in (built, last))
                on = optimizer or "the optimizer"
                raise SpecError(f"{where}{built.name} and {ours_where}{last.name} are both built on {on}: torch "
                                f"applies both to its lr; pass both to SequentialLR or ChainedScheduler, or "
                                "paste one", schedule=built.name)

    def record_construction(self, built: Built, node: ast.Call, on_optimizer_only: bool = False) -> None:
        """A scheduler built on an optimizer, for `refuse_others_on_the_optimizer`; another library's schedule
        (a Keras or optax function, fastai's fit) counts only when it is built on a named optimizer."""
        if not hasattr(node, "lineno"):  # a bare name read as its defaults (mmengine's `type=LinearLR`): no call
            return
        optimizer = _optimizer(node)
        if optimizer is not None or not on_optimizer_only:
            self.constructed.append((built, optimizer, self.rebound.get(optimizer or "", 0)))

    # --- values ---

    def value(self, node: ast.expr, schedule: str | None, param: str | None, alone: bool = False) -> Any:
        """What an expression stands for: a number, text, a list, a Lambda, a Built scheduler or Unknown."""
        if isinstance(node, ast.Constant):
            if node.value is ... or isinstance(node.value, bytes | complex):
                return Unknown(ast.unparse(node))
            return node.value  # a written number has at most 4,300 digits (statements); what it computes is bounded
        if isinstance(node, ast.List | ast.Tuple):
            return self.listed([self.value(item, schedule, param) for item in node.elts], schedule, param)
        if isinstance(node, ast.Lambda):
            return self.as_lambda(node, param or "lr_lambda", schedule)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand, schedule, param)
            if is_number(operand):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node, schedule, param)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left, right = self.value(node.left, schedule, param), self.value(node.comparators[0], schedule, param)
            if is_number(left) and is_number(right):
                return _COMPARE[type(node.ops[0])](left, right)
        if isinstance(node, ast.Call):
            return self.call(node, schedule, param, alone)
        if isinstance(node, ast.Name | ast.Attribute):
            key = ast.unparse(node)
            if key in self.names:
                return self.names[key]
            if isinstance(node, ast.Name) and (alone or self.is_scheduler(node.id)):  # a bare name: its defaults
                return self.call(ast.Call(node, [], []), schedule, param, alone)
        return Unknown(ast.unparse(node))

    def arithmetic(self, node: ast.BinOp, schedule: str | None, param: str | None) -> Any:
        left, right = self.value(node.left, schedule, param), self.value(node.right, schedule, param)
        if not (is_number(left) and is_number(right)) or type(node.op) not in (*_ARITHMETIC, ast.Pow):
            return Unknown(ast.unparse(node))
        try:
            if isinstance(node.op, ast.Pow):
                return self.bounded(self.power(left, right, node, schedule, param), node, schedule, param)
            return self.bounded(_ARITHMETIC[type(node.op)](left, right), node, schedule, param)
        except SpecError:
            raise
        except (ArithmeticError, ValueError) as error:
            raise self.fail(f"{subject(schedule, param)}cannot compute {ast.unparse(node)}: {error}",
                            param, schedule) from None

    def power(self, left: Any, right: Any, node: ast.BinOp, schedule: str | None, param: str | None) -> Any:
        """Python's `left ** right`, exact for whole numbers as Python is, refused before it grows too big."""
        if isinstance(left, int) and isinstance(right, int) and right >= 0 and abs(left) > 1:
            if (abs(left).bit_length() - 1) * right > MAX_WHOLE.bit_length():
                raise self.fail(f"{subject(schedule, param)}{shorten(ast.unparse(node), 40)} is a whole number "
                                "beyond 2**64, larger than any schedule's", param, schedule)
            return left**right
        if isinstance(left, int) and isinstance(right, int) and right >= 0:  # 0, 1 or -1: small
            return left**right
        return float(left) ** float(right)  # floats: a huge power overflows instead of being built

    def call(self, node: ast.Call, schedule: str | None, param: str | None, alone: bool) -> Any:
        path = dotted(node.func)
        built = self.scheduler_call(path, node)
        if built is not None:
            return built
        name = path[-1] if path else ""
        if name in OPTIMIZERS:  # its lr is what the schedule multiplies: the page says whether the run uses it
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            given = keywords.get("lr", node.args[1] if len(node.args) > 1 else None)
            lr = self.value(given, schedule, "lr") if given is not None else None
            self.optimizer_lr = float(lr) if is_number(lr) else self.optimizer_lr
            return Unknown(ast.unparse(node))
        function = name if path and (len(path) == 1 or path[0] in MATH_MODULES) else ""
        if function in _NUMBER_FUNCTIONS and not node.keywords:
            arguments = [self.value(arg, schedule, param) for arg in node.args]
            if arguments and all(is_number(argument) for argument in arguments):
                if function == "round" and len(arguments) == 2 and abs(arguments[1]) > MAX_ROUND_DIGITS:
                    raise self.fail(f"{subject(schedule, param)}{shorten(ast.unparse(node), 40)}: round() to "
                                    f"more than {MAX_ROUND_DIGITS} digits is not read", param, schedule)
                try:
                    result = _NUMBER_FUNCTIONS[function](*arguments)
                except (ArithmeticError, ValueError, TypeError):
                    pass
                else:
                    return self.bounded(result, node, schedule, param)
        self.refuse_misspelt(path, alone)
        self.refuse_wrapper(name, node)
        return Unknown(ast.unparse(node))

    def refuse_wrapper(self, name: str, node: ast.Call) -> None:
        """A scheduler of the project's own wrapping one read above (`Warmup_LR(..., after_scheduler=cosine)`,
        `GradualWarmupScheduler`): drawing the inner one alone would drop the warm-up without a word."""
        if not _WRAPPER.search(name):
            return
        for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
            inner = self.names.get(ast.unparse(argument)) if isinstance(argument, ast.Name | ast.Attribute) else None
            if isinstance(inner, Built):
                raise self.fail(f"{shorten(name, 40)}(...) wraps {inner.name}: {shorten(name, 40)} is not a scheduler "
                                "lrviz reads (a project's own?), and the schedule it makes is not the inner one "
                                f"alone; paste the schedule it builds as torch's schedulers (e.g. SequentialLR)")

    def as_lambda(self, node: ast.Lambda, param: str, schedule: str | None = None) -> Lambda:
        """A lambda of one argument (the scheduler's step counter) as a formula in t, that counter."""
        arguments = node.args
        if (len(arguments.args) != 1 or arguments.vararg or arguments.kwarg or arguments.kwonlyargs
                or arguments.posonlyargs or arguments.defaults):
            raise self.fail(f"{subject(schedule, param)}a multiplier takes one argument, the epoch: like "
                            "lambda epoch: 0.95 ** epoch", param, schedule)
        counter = arguments.args[0].arg
        outside = {n.id for n in ast.walk(node.body) if isinstance(n, ast.Name)} & set(VARIABLES) - {counter}
        if outside:
            raise self.fail(f"{subject(schedule, param)}lambda {counter}: uses {sorted(outside)[0]}, a name from "
                            "outside the lambda that has no value here", param, schedule)
        variable = "t"  # torch passes its counter, whatever the argument's name (`lambda step:` stepped per epoch)
        numbers_bound = {key: value for key, value in self.names.items() if is_number(value)}
        rename = _Rename(counter, variable, numbers_bound)
        body = rename.visit(_copy(node.body))
        text = ast.unparse(body)
        try:
            parse_formula(text)
        except FormulaError as error:
            raise self.fail(f"{subject(schedule, param)}{error} (in lambda {counter}: {ast.unparse(node.body)})",
                            param, schedule) from None
        self.refuse_inexact(body, counter, f"{subject(schedule, param)}lambda {counter}: "
                            f"{shorten(ast.unparse(node.body), 60)}", schedule, param)
        for name in rename.inlined:  # read when torch calls the lambda: a later value would be the one used
            self.captured.setdefault(name, (numbers_bound[name], self.line))
        return Lambda(text)

    def refuse_inexact(self, body: ast.expr, counter: str, what: str, schedule: str | None,
                       param: str | None) -> None:  # fmt: skip
        """Python computes a lambda's whole numbers exactly; lrviz's formulas in floats, exact up to 2**53 only.
        Refused where they could differ: a whole number beyond 2**53, or `%` and `//` of a power."""
        for inner in ast.walk(body):
            names = {n.id for n in ast.walk(inner) if isinstance(n, ast.Name)}
            if not names & set(VARIABLES) and isinstance(inner, ast.BinOp | ast.Constant):
                value = self.value(inner, schedule, param)
                if isinstance(value, int) and abs(value) > 2**53:
                    raise self.fail(f"{what}: {shorten(ast.unparse(inner), 30)} is a whole number beyond 2**53, "
                                    "exact in Python but a float in lrviz's formulas", param, schedule)
        for inner in ast.walk(body):
            if (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Mod | ast.FloorDiv)
                    and any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(inner.left))):
                raise self.fail(f"{what}: % and // of a power are exact in Python but computed in floats by "
                                "lrviz's formulas", param, schedule)


class _Rename(ast.NodeTransformer):
    """The lambda's argument becomes t, torch's counter; `math.x` becomes x; numbers bound above are inlined."""

    def __init__(self, counter: str, variable: str, numbers_bound: dict[str, float]) -> None:
        self.counter, self.variable, self.numbers_bound = counter, variable, numbers_bound
        self.inlined: set[str] = set()

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.counter:
            return ast.Name(self.variable, ast.Load())
        if node.id in self.numbers_bound:
            self.inlined.add(node.id)
            return ast.Constant(self.numbers_bound[node.id])
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in MATH_MODULES:
            return ast.Name(node.attr, ast.Load())
        return self.generic_visit(node)


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node), mode="eval").body


def _optimizer(node: ast.Call) -> str | None:
    """The optimizer a scheduler call is built on, as written (`optimizer`, `self.opt`), if it names one."""
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    first = keywords.get("optimizer", node.args[0] if node.args else None)
    return ast.unparse(first) if first is not None and dotted(first) else None


def _same(before: Any, after: Any) -> bool:
    return before is after or (type(before) is type(after) and is_number(before) and before == after)


def dotted(node: ast.expr) -> tuple[str, ...]:
    """`torch.optim.lr_scheduler.StepLR` as its parts; () for anything that is not a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return (node.id, *reversed(parts)) if isinstance(node, ast.Name) else ()


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def subject(schedule: str | None, param: str | None) -> str:
    """The start of a message about one argument: 'StepLR: gamma: '."""
    return "".join(f"{part}: " for part in (schedule, param) if part)
