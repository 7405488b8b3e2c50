"""Hostile and broken formulas: refused or reported with FormulaError, never anything else, and fast."""

import ast
import contextlib
import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import python_expressions, valid_formulas

import lrviz
from lrviz.schedules.formula import MAX_DEPTH, MAX_LENGTH, MAX_NODES, Formula, FormulaError, evaluate, parse, to_python

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = 1.0  # seconds: far above what any accepted formula costs, far below a hang

HOSTILE = {
    "attribute": "epoch.__class__",
    "dunder chain": "().__class__.__bases__[0].__subclasses__()",
    "import": "__import__('os').system('ls')",
    "call outside whitelist": "getattr(epoch, 'real')",
    "open": "open('/etc/passwd')",
    "lambda": "(lambda: 1)()",
    "list comprehension": "[x for x in (1, 2)]",
    "generator": "max(x for x in (1, 2))",
    "walrus": "(y := 2)",
    "starred": "max(*[1, 2])",
    "subscript": "epoch[0]",
    "f-string": "f'{epoch}'",
    "bytes": "b'x'",
    "string": "'abc'",
    "keyword argument": "min(1, 2, key=abs)",
    "wrong arity": "exp(epoch, 2)",
    "no arguments": "max()",
    "statement": "epoch; 1",
    "import statement": "import os",
    "not": "not not not epoch",
    "bitwise": "~epoch",
    "boolean literal": "True + 1",
    "complex literal": "1j",
    "unknown name": "x + 1",
    "deep parentheses": "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    "deep negation": "-(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    "deep unary chain": "-" * 150 + "1",
    "too long": "1 + " * 60 + "1",
    "huge literal": "9" * 5000,
    "null byte": "epoch\x00",
    "non-latin digit": "\u0661",
    "empty": "   ",
}
# parse, but cannot be computed at some epoch: the error says which
UNCOMPUTABLE = [
    "9 ** 9 ** 9", "10 ** 400", "1e999", "-1e999", "1e999 - 1e999", "max(epoch, 1) ** 1e300", "exp(1e308)",
    "floor(1e999)", "log(epoch - 3)", "sqrt(-1 - epoch)", "1 / (epoch - 2)", "epoch % 0", "(-8) ** 0.5",
    "abs((-1) ** 0.5)", "1 if (-1) ** 0.5 else 2", "(1e308 * 10) * 0", "sin(1e999)",
]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_formulas_are_refused_quickly(text):
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        parse(text)
    assert time.perf_counter() - start < SLOW


@pytest.mark.parametrize("text", UNCOMPUTABLE)
def test_uncomputable_formulas_say_where(text):
    tree = parse(text)
    start = time.perf_counter()
    with pytest.raises(FormulaError, match=r"at epoch \d+, step \d+"):
        for epoch in range(6):
            evaluate(tree, epoch, epoch * 10)
    assert time.perf_counter() - start < SLOW


def test_messages_name_the_construct_and_the_function():
    with pytest.raises(FormulaError, match=r"attribute access \(\.\) is not allowed"):
        parse("epoch.real")
    with pytest.raises(FormulaError, match=r"exp\(\) takes one argument"):
        parse("exp(1, 2)")
    with pytest.raises(FormulaError, match=r"min\(\) takes two or more arguments"):
        parse("min(epoch)")
    with pytest.raises(FormulaError, match=r"longer than 200"):
        parse("1" * (MAX_LENGTH + 1))


def test_many_calls_side_by_side_are_not_deep():
    text = "+".join(["(e)"] * (MAX_DEPTH + 2))
    assert len(text) <= MAX_LENGTH and text.count("(") > MAX_DEPTH
    assert Formula(text)(0) == pytest.approx((MAX_DEPTH + 2) * math.e)


def test_the_largest_formula_costs_little():
    text = "+".join(["e**-epoch*cos(step)**2"] * 6)
    assert len(list(ast.walk(parse(text)))) > 0.9 * MAX_NODES
    formula = Formula(text)
    start = time.perf_counter()
    for counter in range(1000):
        formula(counter)
    assert time.perf_counter() - start < SLOW


def _only_formula_errors(text: str) -> None:
    """parse, to_python, evaluate and Formula(...)(n) raise FormulaError or give a finite number ≥ 0."""
    start = time.perf_counter()
    try:
        tree = parse(text)
    except FormulaError:
        return
    assert isinstance(to_python(text, per_batch=True, steps_per_epoch=3), str)
    for counter in (0, 1, 7, 10**6):
        for per_batch in (False, True):
            try:
                value = Formula(text, 3, per_batch)(counter)
            except FormulaError as error:
                assert "at epoch" in str(error)
            else:
                assert math.isfinite(value) and value >= 0
    for epoch in (math.nan, math.inf, -1e300):
        with contextlib.suppress(FormulaError):
            assert math.isfinite(evaluate(tree, epoch, epoch))
    assert time.perf_counter() - start < SLOW


@FUZZ
@given(st.text(max_size=MAX_LENGTH + 20))
def test_arbitrary_text_raises_only_formula_errors(text):
    _only_formula_errors(text)


@FUZZ
@given(st.text(alphabet="0123456789.e epochstp+-*/%()<>=!,ifelsandornt_[]'\"", max_size=80))
def test_formula_like_text_raises_only_formula_errors(text):
    _only_formula_errors(text)


@FUZZ
@given(python_expressions)
def test_random_python_expressions_raise_only_formula_errors(text):
    _only_formula_errors(text)


@FUZZ
@given(valid_formulas)
def test_grammar_formulas_always_parse(text):
    parse(text)
    _only_formula_errors(text)


SMALL = dict(epochs=10, samples=100, batch_size=10)


@pytest.mark.parametrize("spec, message", [
    ("LambdaLR(lr_lambda='1 - 0.2 * epoch')", r"lr_lambda is negative \(-0\.2\) at epoch 6, step 60"),
    ("LambdaLR(lr_lambda='1 / abs(epoch - 3)')", r"lr_lambda cannot be computed at epoch 3, step 30: division by zero"),
    ("LambdaLR(lr_lambda='exp(100 * epoch)')", r"lr_lambda cannot be computed at epoch 8, step 80: .*too large"),
    ("LambdaLR(lr_lambda='1e999 * 0')", r"lr_lambda is not a finite number \(nan\) at epoch 0"),
    ("MultiplicativeLR(lr_lambda='0.9 if epoch < 4 else -1')", r"lr_lambda is negative \(-1\) at epoch 4"),
    ("MultiplicativeLR(lr_lambda='1e200')", r"lr_lambda drives the lr to inf after 2 scheduler steps"),
    ("SequentialLR(LambdaLR(lr_lambda='1 - epoch'), ExponentialLR(), milestones=[5])", r"lr_lambda is negative"),
])
@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_formula_failing_while_training_is_a_spec_error_naming_it(spec, message, engine):
    with pytest.raises(lrviz.SpecError, match=message) as caught:
        lrviz.run([spec], engine=engine, **SMALL)
    assert caught.value.param == "lr_lambda"


def test_per_batch_errors_give_the_optimizer_step():
    with pytest.raises(lrviz.SpecError, match=r"lr_lambda is negative .* at epoch 2, step 26"):
        lrviz.run(["LambdaLR(lr_lambda='1 - step / 25')"], step_per="batch", **SMALL)
