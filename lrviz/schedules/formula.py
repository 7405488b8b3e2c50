"""Safe arithmetic formulas for LambdaLR and MultiplicativeLR multipliers.

A user's text is parsed with `ast` and checked node by node against a whitelist;
it is then evaluated by walking that tree, never by `eval`. Numbers are floats,
so `9 ** 9 ** 9` overflows into an error instead of building a giant integer, and
every step of an evaluation costs O(1): a formula's cost is bounded by its size.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable

# A user's text is parsed under this name; Python's SyntaxWarnings about it ("invalid decimal
# literal" for `1if`) would only reach the server's log, so they are silenced for it alone.
USER_TEXT = "<lrviz user text>"
warnings.filterwarnings("ignore", category=SyntaxWarning, module=re.escape(USER_TEXT))

MAX_LENGTH = 200
MAX_NODES = 120  # also bounds the recursion of evaluating and unparsing a formula
MAX_DEPTH = 24  # brackets inside brackets
# t is torch's own counter, what LambdaLR passes its lambda: the number of scheduler.step() calls (the epoch in a
# run stepped per epoch, the optimizer step in one stepped per batch); a pasted lambda's argument reads as t
VARIABLES = ("epoch", "step", "t")

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
VARIADIC = ("min", "max")  # two or more arguments; every other function takes exactly one


def _power(base: float, exponent: float) -> float:
    result = base**exponent
    if isinstance(result, complex):  # keep complex numbers out: they would leak into comparisons and functions
        raise ValueError("a negative number raised to a fractional power")
    return result


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
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


# what a user typed, in words, for the constructs a formula does not allow
_CONSTRUCTS = {
    "Attribute": "attribute access (.)", "Subscript": "indexing ([ ])", "Slice": "slicing",
    "Lambda": "lambda", "NamedExpr": "assignment (:=)", "Starred": "* unpacking",
    "ListComp": "a comprehension", "SetComp": "a comprehension", "DictComp": "a comprehension",
    "GeneratorExp": "a comprehension", "JoinedStr": "an f-string", "FormattedValue": "an f-string",
    "List": "a list", "Tuple": "a tuple", "Set": "a set", "Dict": "a dict", "Not": "'not' (use a comparison)",
    "Invert": "'~'", "Is": "'is'", "IsNot": "'is not'", "In": "'in'", "NotIn": "'not in'",
    "Await": "await", "Yield": "yield", "MatMult": "'@'", "BitAnd": "'&'", "BitOr": "'|'", "BitXor": "'^'",
    "LShift": "'<<'", "RShift": "'>>'",
}  # fmt: skip


class FormulaError(ValueError):
    """A formula that cannot be accepted or evaluated; the message says why.

    `param` names the parameter holding the formula when the error comes from evaluating it.
    """

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _check(tree: ast.AST) -> None:
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"formula is too complex (more than {MAX_NODES} parts)")
    callees = {id(node.func) for node in nodes if isinstance(node, ast.Call)}  # checked as calls below
    for node in nodes:
        if not isinstance(node, _ALLOWED):
            kind = type(node).__name__
            raise FormulaError(f"{_CONSTRUCTS.get(kind, repr(kind))} is not allowed in a formula")
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise FormulaError(f"only numbers are allowed, not {node.value!r}")
        if isinstance(node, ast.Name) and id(node) not in callees and node.id not in (*VARIABLES, *CONSTANTS):
            known = ", ".join((*VARIABLES, *CONSTANTS))
            raise FormulaError(f"unknown name '{node.id}' (use {known})")
        if isinstance(node, ast.Call):
            _check_call(node)


def _check_call(node: ast.Call) -> None:
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise FormulaError(f"only these functions can be called: {allowed}")
    name = node.func.id
    if name not in FUNCTIONS:
        raise FormulaError(f"'{name}' is not an allowed function (use {allowed})")
    if node.keywords:
        raise FormulaError(f"{name}() takes positional arguments only")
    if name in VARIADIC and len(node.args) < 2:
        raise FormulaError(f"{name}() takes two or more arguments")
    if name not in VARIADIC and len(node.args) != 1:
        raise FormulaError(f"{name}() takes one argument")


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        deepest = max(deepest, depth)
    return deepest


def parse(text: str) -> ast.Expression:
    """Parse and whitelist-check a formula; raise FormulaError with a clear message."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    if _bracket_depth(text) > MAX_DEPTH:
        raise FormulaError(f"formula nests brackets deeper than {MAX_DEPTH} levels")
    if "#" in text:  # a formula holds no strings, so '#' can only start a comment: text a script would carry
        raise FormulaError("comments (#) are not allowed in a formula")
    try:
        tree = ast.parse(text.strip(), filename=USER_TEXT, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise FormulaError(f"formula does not parse: {getattr(error, 'msg', error)}") from None
    _check(tree)
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


def _reason(error: Exception) -> str:
    if isinstance(error, OverflowError):
        return "a value is too large"
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    if str(error) == "math domain error":
        return "a function got a value outside its domain (like log or sqrt of a negative number)"
    return str(error)


def _where(epoch: float, step: float) -> str:
    return f"at epoch {epoch:g}, step {step:g}"


def evaluate(tree: ast.Expression, epoch: float, step: float, param: str | None = None,
             counter: float | None = None) -> float:  # fmt: skip
    """Value of a checked formula; FormulaError (saying where, naming `param`) if it cannot be computed
    or is not finite. `counter` is t, the scheduler's own count (the epoch if not given)."""
    name = param or "formula"
    try:
        t = float(epoch if counter is None else counter)
        value = _evaluate(tree, {"epoch": float(epoch), "step": float(step), "t": t})
    except (ArithmeticError, ValueError, TypeError) as error:
        raise FormulaError(f"{name} cannot be computed {_where(epoch, step)}: {_reason(error)}", param) from None
    if not math.isfinite(value):
        raise FormulaError(f"{name} is not a finite number ({value}) {_where(epoch, step)}", param)
    return value


def canonical(text: str) -> str:
    """The formula re-emitted from its parsed form: whitelisted names, numbers and operators only."""
    return ast.unparse(parse(text))


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
            if node.id == "t":  # the counter: the lambda's own argument
                return ast.Name("step" if per_batch else "epoch", ast.Load())
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
                 param: str | None = None) -> None:  # fmt: skip
        self.text = text
        self.steps_per_epoch = max(1, int(steps_per_epoch))
        self.per_batch = per_batch
        self.param = param  # the parameter holding the formula, named in every error
        self._tree = parse(text)

    def __reduce__(self) -> tuple:
        return (Formula, (self.text, self.steps_per_epoch, self.per_batch, self.param))

    def __call__(self, counter: int) -> float:
        if self.per_batch:
            step, epoch = counter, counter // self.steps_per_epoch
        else:
            epoch, step = counter, counter * self.steps_per_epoch
        value = evaluate(self._tree, epoch, step, self.param, counter)
        if value < 0:
            raise FormulaError(f"{self.param or 'formula'} is negative ({value:g}) {_where(epoch, step)}", self.param)
        return value

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"
