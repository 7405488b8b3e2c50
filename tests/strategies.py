"""Hypothesis strategies shared by the property tests: formulas, experiments and parameter values."""

from __future__ import annotations

import ast

from hypothesis import strategies as st

from lrviz.formula import FUNCTIONS, VARIADIC

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
