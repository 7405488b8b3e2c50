"""Safe arithmetic formulas for LambdaLR and MultiplicativeLR multipliers.

A user's text is parsed with `ast` and checked node by node against a whitelist;
it is then evaluated by walking that tree, never by `eval`. Numbers are floats,
so `9 ** 9 ** 9` overflows into an error instead of building a giant integer.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_LENGTH = 200
MAX_NODES = 120
MAX_DEPTH = 24
VARIABLES = ("epoch", "step")

FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "floor": math.floor,
    "ceil": math.ceil,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
}
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.BoolOp,
    ast.Call, ast.Name, ast.Constant, ast.Load, ast.And, ast.Or,
    *_BINARY, *_UNARY, *_COMPARE,
)  # fmt: skip


class FormulaError(ValueError):
    """A formula that cannot be accepted or evaluated; the message says why."""


def _check(tree: ast.AST) -> None:
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"formula is too complex (more than {MAX_NODES} parts)")
    callees = {id(node.func) for node in nodes if isinstance(node, ast.Call)}  # checked as calls below
    for node in nodes:
        if not isinstance(node, _ALLOWED):
            raise FormulaError(f"'{type(node).__name__}' is not allowed in a formula")
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise FormulaError(f"only numbers are allowed, not {node.value!r}")
        if isinstance(node, ast.Name) and id(node) not in callees and node.id not in (*VARIABLES, *CONSTANTS):
            known = ", ".join((*VARIABLES, *CONSTANTS))
            raise FormulaError(f"unknown name '{node.id}' (use {known})")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = getattr(node.func, "id", "this")
                raise FormulaError(f"'{name}' is not an allowed function (use {', '.join(FUNCTIONS)})")
            if node.keywords or not node.args:
                raise FormulaError(f"{node.func.id}() takes positional arguments only")


def _depth(node: ast.AST) -> int:
    children = list(ast.iter_child_nodes(node))
    return 1 + max((_depth(child) for child in children), default=0)


def parse(text: str) -> ast.Expression:
    """Parse and whitelist-check a formula; raise FormulaError with a clear message."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    if text.count("(") > MAX_DEPTH:
        raise FormulaError(f"formula nests deeper than {MAX_DEPTH} levels")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise FormulaError(f"formula does not parse: {getattr(error, 'msg', error)}") from None
    _check(tree)
    if _depth(tree) > MAX_DEPTH:
        raise FormulaError(f"formula nests deeper than {MAX_DEPTH} levels")
    return tree


def _evaluate(node: ast.AST, names: dict[str, float]) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, names)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return names[node.id] if node.id in names else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        # float operands keep every operation O(1): a huge power overflows, it is never built
        return _BINARY[type(node.op)](_evaluate(node.left, names), _evaluate(node.right, names))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, names))
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, names)
            if not _COMPARE[type(op)](left, right):
                return 0.0
            left = right
        return 1.0
    if isinstance(node, ast.BoolOp):
        # Python's semantics: `and` gives the first falsy value, `or` the first truthy one
        want_truthy = isinstance(node.op, ast.Or)
        for value_node in node.values[:-1]:
            value = _evaluate(value_node, names)
            if bool(value) == want_truthy:
                return value
        return _evaluate(node.values[-1], names)
    if isinstance(node, ast.IfExp):
        branch = node.body if _evaluate(node.test, names) else node.orelse
        return _evaluate(branch, names)
    assert isinstance(node, ast.Call)  # _check allows nothing else
    return float(FUNCTIONS[node.func.id](*(_evaluate(arg, names) for arg in node.args)))


def evaluate(tree: ast.Expression, epoch: float, step: float) -> float:
    """Value of a checked formula; FormulaError if it cannot be computed or is not finite."""
    try:
        value = _evaluate(tree, {"epoch": float(epoch), "step": float(step)})
    except (ArithmeticError, ValueError, TypeError) as error:
        raise FormulaError(f"cannot be computed at epoch {epoch}, step {step}: {error}") from None
    if isinstance(value, complex) or not math.isfinite(value):
        raise FormulaError(f"is not a finite number at epoch {epoch}, step {step}")
    return value


def to_python(text: str, per_batch: bool = False, steps_per_epoch: int = 1) -> str:
    """The formula as the body of `lambda epoch:` (or `lambda step:` when stepped per batch).

    The other variable is written in terms of the counter, and functions become `math.`
    calls, so the generated code runs with nothing but `import math`.
    """
    tree = parse(text)
    spe = max(1, int(steps_per_epoch))
    derived = ast.parse(f"step // {spe}" if per_batch else f"epoch * {spe}", mode="eval").body
    other = "epoch" if per_batch else "step"

    def math_attribute(name: str) -> ast.Attribute:
        return ast.Attribute(value=ast.Name("math", ast.Load()), attr=name, ctx=ast.Load())

    class _Qualify(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in CONSTANTS:
                return math_attribute(node.id)
            return derived if node.id == other else node

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if node.func.id not in ("abs", "min", "max"):
                node.func = math_attribute(node.func.id)
            return node

    return ast.unparse(_Qualify().visit(tree))


class Formula:
    """A picklable lr multiplier `f(counter)` for LambdaLR/MultiplicativeLR.

    torch calls it with the scheduler's step counter; that counter is the epoch when the
    scheduler steps per epoch and the optimizer step when it steps per batch, so both
    `epoch` and `step` are derived from it here.
    """

    def __init__(self, text: str, steps_per_epoch: int = 1, per_batch: bool = False,
                 allow_negative: bool = False) -> None:  # fmt: skip
        self.text = text
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self.per_batch = per_batch
        self.allow_negative = allow_negative
        self._tree = parse(text)

    def __reduce__(self) -> tuple:
        return (Formula, (self.text, self.steps_per_epoch, self.per_batch, self.allow_negative))

    def __call__(self, counter: int) -> float:
        if self.per_batch:
            step, epoch = counter, counter // self.steps_per_epoch
        else:
            epoch, step = counter, counter * self.steps_per_epoch
        value = evaluate(self._tree, epoch, step)
        if value < 0 and not self.allow_negative:
            raise FormulaError(f"is negative ({value:g}) at epoch {epoch}")
        return value

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"
