"""Hypothesis strategies shared by the property tests: formulas, experiments and parameter values."""

from __future__ import annotations

import ast
import math

from hypothesis import strategies as st

from lrviz import REGISTRY, Experiment, RunContext, Schedule, schedule
from lrviz.schedules.formula import FUNCTIONS, VARIADIC
from lrviz.schedules.params import Param
from lrviz.schedules.schedule import child_contexts

ONE_ARGUMENT = sorted(set(FUNCTIONS) - set(VARIADIC))

# --- formulas a user could write: every one parses (evaluating it may still fail, e.g. log(0)) ---

_numbers = st.one_of(st.integers(0, 100).map(str), st.floats(0, 10).map(lambda x: repr(round(x, 3))))
_leaves = st.one_of(_numbers, st.sampled_from(["epoch", "step", "pi", "e"]))


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def infix(*operators: str) -> st.SearchStrategy[str]:
        return st.tuples(inner, st.sampled_from(operators), inner).map("({0[0]} {0[1]} {0[2]})".format)

    return st.one_of(
        infix("+", "-", "*", "/", "//", "%", "**"),
        infix("<", "<=", ">", ">=", "==", "!="),
        infix("and", "or"),
        st.tuples(inner, inner, inner).map("({0[0]} if {0[1]} else {0[2]})".format),
        st.tuples(st.sampled_from(ONE_ARGUMENT), inner).map("{0[0]}({0[1]})".format),
        st.tuples(st.sampled_from(VARIADIC), inner, inner).map("{0[0]}({0[1]}, {0[2]})".format),
        inner.map("-{}".format),
    )


valid_formulas = st.recursive(_leaves, _grow, max_leaves=6)
# most grammar formulas fail somewhere (negative, log(0), overflow); these usually do not
tame_formulas = valid_formulas.map("1 / (1 + abs({}))".format)
formulas = st.one_of(valid_formulas, tame_formulas, st.sampled_from(["0.95", "1 / (1 + 0.05 * epoch)",
                                                                    "min(1, (step + 1) / 50)"]))

# --- random Python expressions, allowed or not, written back as text with ast.unparse ---

_BINARY = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult, ast.BitAnd,
           ast.LShift]
_UNARY = [ast.USub, ast.UAdd, ast.Not, ast.Invert]
_COMPARE = [ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.Is, ast.In]
_CALLABLE = [*FUNCTIONS, "getattr", "__import__", "open", "epoch", "print"]
_NAMES = ["epoch", "step", "pi", "e", "x", "exp", "__builtins__", "os"]
_constants = st.one_of(
    st.integers(-(10**30), 10**30), st.floats(), st.booleans(), st.none(), st.text(max_size=4),
    st.binary(max_size=3), st.complex_numbers(max_magnitude=10), st.just(...),
)
_ast_leaves = st.one_of(_constants.map(ast.Constant), st.sampled_from(_NAMES).map(lambda n: ast.Name(n, ast.Load())))
_NO_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                              defaults=[])


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _ast_grow(inner: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    some = st.lists(inner, max_size=3)
    return st.one_of(
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), inner, st.sampled_from(_BINARY), inner),
        st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from(_UNARY), inner),
        st.builds(lambda a, op, b: ast.Compare(a, [op()], [b]), inner, st.sampled_from(_COMPARE), inner),
        st.builds(lambda op, values: ast.BoolOp(op(), values), st.sampled_from([ast.And, ast.Or]),
                  st.lists(inner, min_size=2, max_size=3)),
        st.builds(ast.IfExp, inner, inner, inner),
        st.builds(lambda f, args: ast.Call(_load(f), args, []), st.sampled_from(_CALLABLE), some),
        st.builds(lambda f, a: ast.Call(_load(f), [], [ast.keyword("x", a)]), st.sampled_from(_CALLABLE), inner),
        st.builds(lambda a, attr: ast.Attribute(a, attr, ast.Load()), inner, st.sampled_from(["__class__", "real"])),
        st.builds(lambda a, i: ast.Subscript(a, i, ast.Load()), inner, inner),
        st.builds(lambda items: ast.Tuple(items, ast.Load()), some),
        st.builds(lambda items: ast.List(items, ast.Load()), some),
        st.builds(lambda a: ast.Lambda(_NO_ARGUMENTS, a), inner),
        st.builds(lambda a: ast.NamedExpr(ast.Name("y", ast.Store()), a), inner),
        st.builds(lambda a: ast.Call(_load("max"), [ast.Starred(a, ast.Load())], []), inner),
        st.builds(lambda n: ast.JoinedStr([ast.FormattedValue(_load(n), -1, None)]), st.sampled_from(_NAMES)),
        st.builds(lambda a: ast.ListComp(a, [ast.comprehension(ast.Name("i", ast.Store()), a, [], 0)]), inner),
    )


python_expressions = st.recursive(_ast_leaves, _ast_grow, max_leaves=12).map(ast.unparse)


# --- experiments and schedules with every parameter inside its declared range ---


@st.composite
def experiments(draw: st.DrawFn) -> Experiment:
    """A small run: epochs 1-30, at most ~10 optimizer steps per epoch, every optimizer and dataset."""
    samples = draw(st.integers(20, 120))
    val_fraction = draw(st.sampled_from([0.0, 0.2]))
    train = samples - round(samples * val_fraction)
    optimizer = draw(st.sampled_from(["sgd", "adam", "adamw"]))
    momentum = draw(st.sampled_from([0.0, 0.9])) if optimizer == "sgd" else 0.0
    return Experiment.create(
        epochs=draw(st.integers(1, 30)), samples=samples, val_fraction=val_fraction,
        batch_size=draw(st.integers(max(1, train // 10), train)), optimizer=optimizer, momentum=momentum,
        nesterov=momentum > 0 and draw(st.booleans()), weight_decay=draw(st.sampled_from([0.0, 0.01])),
        lr=draw(st.sampled_from([1e-3, 0.05, 0.1, 1.0])), step_per=draw(st.sampled_from(["epoch", "batch"])),
        dataset=draw(st.sampled_from(["linear", "classification"])),
    )


def _numbers(param: Param, low: float | None, high: float | None) -> st.SearchStrategy:
    low = -1e6 if low is None else low
    high = 1e6 if high is None else high
    if param.kind == "float":
        return st.floats(low, high, exclude_min=param.low_open, exclude_max=param.high_open)
    return st.integers(math.ceil(low) + (param.low_open and low == math.ceil(low)),
                       math.floor(high) - (param.high_open and high == math.floor(high)))


def values(param: Param, ctx: RunContext, size: int | None = None) -> st.SearchStrategy:
    """Valid values of `param` in the run `ctx`: within its bounds, often within its slider's range.

    `size` fixes the length of an `ints` list (SequentialLR needs one milestone fewer than parts).
    """
    if param.kind == "bool":
        drawn = st.booleans()
    elif param.kind == "choice":
        drawn = st.sampled_from(param.choices)
    elif param.kind == "formula":
        drawn = formulas
    else:
        numbers = st.one_of(_numbers(param, *param.slider_range(ctx)), _numbers(param, *param.bounds(ctx)))
        if param.kind == "ints":
            low, high = param.bounds(ctx)
            high = param.slider_range(ctx)[1] if high is None else high  # no upper bound: up to the slider's end
            room = int(high - low + 1)
            length = {} if size is None else dict(min_size=min(size, room), max_size=min(size, room))
            drawn = st.lists(_numbers(param, low, high), unique=True, **({"max_size": 4} | length)).map(sorted)
        else:
            drawn = numbers
    return st.one_of(st.none(), drawn) if param.optional else drawn


COMPOSABLE = [name for name, spec in REGISTRY.items() if not spec.needs_metric]


@st.composite
def schedules(draw: st.DrawFn, name: str, ctx: RunContext, depth: int = 1) -> Schedule:
    """A schedule named `name` with some parameters drawn in range (the others left at their defaults)."""
    spec = REGISTRY[name]
    children: list[str] = []
    if spec.composite:
        inner = [n for n in COMPOSABLE if depth < 2 or not REGISTRY[n].composite]
        children = draw(st.lists(st.sampled_from(inner), min_size=2, max_size=3))
        ctx = ctx.with_parts(len(children))
    given = {}
    for param in spec.params:
        if draw(st.booleans()):
            size = ctx.parts - 1 if spec.composite and param.kind == "ints" else None
            given[param.name] = draw(values(param, ctx, size))
    if children:
        params = {param.name: given.get(param.name, param.default_for(ctx)) for param in spec.params}
        contexts = child_contexts(spec, params, ctx, len(children))
        if len(contexts) != len(children):  # milestones of the wrong length: a rule refuses it anyway
            contexts = [ctx.part(ctx.horizon)] * len(children)
        children = [draw(schedules(child, part, depth + 1)) for child, part in zip(children, contexts, strict=True)]
    return schedule(name, *children, **given)


# --- values a declaration must refuse, each with a SpecError naming the parameter ---


def _beyond(param: Param, bound: float, below: bool, open_: bool) -> st.SearchStrategy:
    """Numbers just past `bound` (or on it, when the bound itself is excluded)."""
    def outside(x: float) -> bool:
        return (x < bound if below else x > bound) or (open_ and x == bound)

    whole = st.integers(max_value=math.floor(bound)) if below else st.integers(min_value=math.ceil(bound))
    whole = whole.filter(outside)
    if param.kind != "float":
        return whole
    edge = {"max_value" if below else "min_value": bound}
    return st.one_of(st.floats(**edge, allow_nan=False).filter(outside), whole)


def outside(param: Param, ctx: RunContext) -> st.SearchStrategy:
    low, high = param.bounds(ctx)
    options = [_beyond(param, low, True, param.low_open)] if low is not None else []
    if high is not None:
        options.append(_beyond(param, high, False, param.high_open))
    return st.one_of(*options)


_NOT_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, True, False, "1", b"1", [1], {"a": 1}, 1j])


def bad_values(param: Param, ctx: RunContext) -> st.SearchStrategy:
    """Out of range, NaN, infinite, a bool where a number goes, or another wrong type."""
    options = [] if param.optional else [st.none()]
    if param.kind == "bool":
        options += [st.integers(), st.floats(), st.sampled_from(["True", "false", None if param.optional else 0])]
    elif param.kind == "choice":
        options += [st.text().filter(lambda text: text not in param.choices), st.integers(), st.just(True)]
    elif param.kind == "formula":
        options += [st.integers(), st.floats(), st.sampled_from(["", "epoch +", "__import__('os')", "epoch.real"])]
    elif param.kind == "ints":
        options += [outside(param, ctx).map(lambda value: [value]), st.integers(),
                    st.sampled_from([[True], [1.5], ["1"], [math.nan], [[1]], "1, 2", {1: 2}])]
    else:
        options += [outside(param, ctx), _NOT_NUMBERS]
        low, high = param.bounds(ctx)  # a whole number too large for a float is bad only for a float or a bound
        options += [st.just(huge) for huge in (10**400, -(10**400))
                    if param.kind == "float" or (high if huge > 0 else low) is not None]
        if param.kind == "int":
            options.append(st.floats(-1e6, 1e6).filter(lambda x: not x.is_integer()))
    return st.one_of(*options)
