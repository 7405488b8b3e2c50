"""Hostile input to the generated script: no text a user controls can add or change code in it.

The property: for any schedule text and formula, `script()` either refuses it (SpecError) or returns a
script whose syntax tree equals the template's (the same script for a plain StepLR) except for
constants, and whose scheduler expression is built only from torch scheduler calls, literals and a
whitelisted lambda.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import experiments, formulas, schedules
from torch.optim import lr_scheduler

from lrviz import REGISTRY, Experiment, SpecError
from lrviz.training.script import script

ROOT = Path(__file__).resolve().parents[1]
PLANTED = 'LambdaLR(lr_lambda=\'1 # """;__import__("os").system("touch planted");"""\')'
SMALL = Experiment.create(samples=20, epochs=2)
_INJECTIONS = ['#', '"""', "'''", "\\", "\n", "\r", "\x0c", '";import os;"', "\\N{QUOTATION MARK}", "\u2028"]
_SAFE_NAMES = {"epoch", "step", "math", "abs", "min", "max"}
_SAFE_EXPRESSION = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.BoolOp, ast.Call, ast.Name, ast.Attribute,
                    ast.Constant, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _constant_free(node: ast.AST) -> ast.AST:
    """The tree with every literal (numbers, strings, lists of them, signed numbers) made the same."""
    class Mask(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            return ast.Constant(None)

        def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
            self.generic_visit(node)
            return ast.Constant(None) if isinstance(node.operand, ast.Constant) else node

        def visit_List(self, node: ast.List) -> ast.AST:
            self.generic_visit(node)
            return ast.Constant(None) if all(isinstance(item, ast.Constant) for item in node.elts) else node

    return Mask().visit(node)


def _check_scheduler_expression(node: ast.AST) -> None:
    """Only `lr_scheduler.X(optimizer, ...)` calls of real torch classes, literals and whitelisted lambdas."""
    in_lambdas = {id(part) for inner in ast.walk(node) if isinstance(inner, ast.Lambda)
                  for part in ast.walk(inner.body)}  # fmt: skip
    for inner in ast.walk(node):
        if id(inner) in in_lambdas:
            continue  # checked with its lambda
        if isinstance(inner, ast.Lambda):
            assert [arg.arg for arg in inner.args.args] in (["epoch"], ["step"])
            for part in ast.walk(inner.body):
                assert isinstance(part, _SAFE_EXPRESSION), ast.dump(part)
                if isinstance(part, ast.Name):
                    assert part.id in _SAFE_NAMES
                if isinstance(part, ast.Attribute):
                    assert isinstance(part.value, ast.Name) and part.value.id == "math"
        elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            assert isinstance(inner.func.value, ast.Name) and inner.func.value.id == "lr_scheduler"
            assert inner.func.attr in dir(lr_scheduler) and inner.func.attr[0].isupper()
        elif isinstance(inner, ast.Name):
            assert inner.id in ("optimizer", "lr_scheduler") or inner.id in _SAFE_NAMES


def _split(source: str) -> tuple[ast.Module, ast.AST]:
    """The script without `import math` and with the scheduler expression taken out, and that expression."""
    tree = ast.parse(source)
    tree.body = [s for s in tree.body if not (isinstance(s, ast.Import) and s.names[0].name == "math")]
    assignment = next(s for s in tree.body
                      if isinstance(s, ast.Assign) and getattr(s.targets[0], "id", "") == "scheduler")
    expression, assignment.value = assignment.value, ast.Constant(None)
    return tree, expression


def assert_only_constants_differ(source: str, schedule_text: str, experiment: Experiment) -> None:
    template = "ReduceLROnPlateau()" if "ReduceLROnPlateau" in schedule_text else "StepLR()"
    tree, expression = _split(source)
    expected, _ = _split(script(template, experiment))
    assert ast.dump(_constant_free(tree)) == ast.dump(_constant_free(expected))
    _check_scheduler_expression(expression)


def test_the_planted_code_of_the_issue_is_refused():
    with pytest.raises(SpecError, match="comments"):
        script(PLANTED, SMALL)


def test_a_comment_after_a_schedule_never_reaches_the_script():
    text = 'StepLR(step_size=4)  # """;__import__("os").system("touch planted");"""'
    source = script(text, SMALL)
    assert "planted" not in source and "__import__" not in source
    assert_only_constants_differ(source, text, SMALL)


def assert_refused_or_only_constants_differ(spec_text: str, experiment: Experiment) -> None:
    """A schedule text either gets a SpecError or a script whose AST is the template's but for constants."""
    try:
        source = script(spec_text, experiment)
    except SpecError:
        return
    assert_only_constants_differ(source, spec_text, experiment)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas, junk=st.lists(st.sampled_from(_INJECTIONS) | st.text(max_size=6), max_size=3),
       name=st.sampled_from(["LambdaLR", "MultiplicativeLR"]))
def test_fuzzed_formulas_give_a_refusal_or_a_script_that_differs_in_constants_only(formula, junk, name):
    text = formula + "".join(junk)
    assert_refused_or_only_constants_differ(f"{name}(lr_lambda={text!r})", SMALL)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), experiment=experiments(), tail=st.sampled_from(["", "  # '''\"\"\" x", "\n#\\"]))
def test_fuzzed_schedules_give_a_refusal_or_a_script_that_differs_in_constants_only(data, experiment, tail):
    name = data.draw(st.sampled_from(sorted(REGISTRY)))
    spec_text = str(data.draw(schedules(name, experiment.context()))) + tail
    assert_refused_or_only_constants_differ(spec_text, experiment)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(["lr_lambda", "mode", "step_size", "x", "gamma"]), value=st.text(max_size=40))
def test_any_string_value_gives_a_refusal_or_a_safe_script(key, value):
    for name in ("LambdaLR", "CyclicLR", "StepLR"):
        assert_refused_or_only_constants_differ(f"{name}({key}={value!r})", SMALL)


@pytest.mark.parametrize("text", [
    'StepLR(step_size=2)  # """;open("planted", "w");"""',
    "SequentialLR(LambdaLR(lr_lambda='1 / (1 + epoch)'), StepLR(step_size=1), milestones=[1])  # '''\\",
    "CyclicLR(mode='triangular2', max_lr=0.5)",
])
def test_generated_scripts_run_and_create_no_file(text, tmp_path):
    source = script(text, SMALL)
    path = tmp_path / "train.py"
    path.write_text(source)
    run = subprocess.run([sys.executable, "-I", str(path)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-500:]
    assert "epoch 2 lr" in run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
