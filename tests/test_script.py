"""The generated standalone script really reproduces lrviz: run it, read its lrs, compare.

A fresh Python costs about 3 s here (importing torch and its optimizers), so the scripts
of all cases run in ONE child process, each from its own file in a fresh namespace
(`runpy.run_path`, so a missing import still fails); one case also runs as a plain
`python train.py` to show the scripts need nothing else.
"""

import re
import subprocess
import sys

import numpy as np
import pytest

import lrviz
from lrviz.cli import main
from lrviz.training.script import script

SMALL = dict(samples=60, batch_size=20, epochs=5)
CASES = [(f"{name}()", {}) for name in lrviz.REGISTRY] + [
    ("StepLR(step_size=7, gamma=0.5)", dict(step_per="batch")),
    ("OneCycleLR(anneal_strategy='linear')", dict(step_per="batch", optimizer="adam", lr=0.05)),
    ("LambdaLR(lr_lambda='0.99 ** step if epoch < 3 else 0.5')", dict(step_per="batch")),
    ("ReduceLROnPlateau(patience=0, threshold=0.8)", dict(val_fraction=0.25)),
    ("CyclicLR(mode='triangular2', step_size_up=2)", dict(momentum=0.5, nesterov=True, weight_decay=0.01)),
    ("SequentialLR(ConstantLR(factor=0.5, total_iters=2), ExponentialLR(gamma=0.8), milestones=[2])",
     dict(dataset="classification", noise=0.5, optimizer="adamw", weight_decay=0.1)),
    ("Constant()", dict(lr=3.0)),  # diverges: the script stops where lrviz does
    ("ExponentialLR(gamma=0.7)", dict(feature_scale=0.1, correlation=-0.6, noise=0.1)),  # a scenario's data
]
LINE = re.compile(r"^epoch (\d+) lr (\S+) loss (\S+)$", re.MULTILINE)
RUNNER = """
import contextlib, io, runpy, sys, traceback
for path in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name="__main__")
        except Exception:
            traceback.print_exc(file=out)
    print(f"=== {path}\\n{out.getvalue()}", end="")
"""


def _experiment(options: dict) -> lrviz.Experiment:
    return lrviz.Experiment.create(**{**SMALL, **options})


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[int, str]:
    """What each case's script printed, by case number."""
    folder = tmp_path_factory.mktemp("scripts")
    paths = []
    for number, (spec, options) in enumerate(CASES):
        paths.append(folder / f"case{number}.py")
        paths[-1].write_text(script(spec, _experiment(options)))
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)], capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    sections = dict(section.split("\n", 1) for section in done.stdout.split("=== ")[1:])
    return {number: sections[str(path)] for number, path in enumerate(paths)}


def _check_against_lrviz(out: str, spec: str, options: dict) -> None:
    assert "Traceback" not in out, out
    printed = LINE.findall(out)
    experiment = _experiment(options)
    frame = lrviz.run([spec], **{**SMALL, **options})
    epochs = len(printed)
    assert [int(epoch) for epoch, _, _ in printed] == list(range(1, epochs + 1))
    np.testing.assert_allclose([float(lr) for _, lr, _ in printed], frame["lr"][:epochs], rtol=1e-9, atol=0)
    np.testing.assert_allclose([float(loss) for _, _, loss in printed][: epochs - ("diverged" in out)],
                               frame["loss"][: epochs - ("diverged" in out)], rtol=1e-5)
    if "diverged" in out:  # lrviz trains no further either, but its schedule goes on
        assert frame["diverged"].iloc[epochs - 1] and frame["lr"][epochs:].notna().all()
    else:
        assert epochs == experiment.epochs


@pytest.mark.parametrize("number", range(len(CASES)), ids=[f"{spec} {options}" for spec, options in CASES])
def test_script_prints_the_lrs_lrviz_shows(number, outputs):
    _check_against_lrviz(outputs[number], *CASES[number])


def test_script_runs_as_a_plain_file_in_its_own_process(tmp_path):
    spec, options = "WarmupCosine()", dict(step_per="batch")
    path = tmp_path / "train.py"
    path.write_text(script(spec, _experiment(options)))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _check_against_lrviz(done.stdout, spec, options)


def test_the_cases_exercise_plateau_reductions_and_divergence():
    plateau = lrviz.run(["ReduceLROnPlateau(patience=0, threshold=0.8)"], **SMALL, val_fraction=0.25)
    assert plateau["lr"].nunique() > 1
    assert lrviz.run(["Constant()"], **SMALL, lr=3.0)["diverged"].any()


def test_script_is_self_contained_python():
    source = script("InverseSqrt()", lrviz.Experiment.create(step_per="batch"))
    compile(source, "train.py", "exec")
    assert "import lrviz" not in source and "import math" in source
    assert "scheduler.step()  # after every optimizer.step()" in source


def test_cli_code_prints_the_script(capsys):
    assert main(["code", "-s", "StepLR(step_size=4, gamma=0.9)", "--epochs", "3", "--lr", "0.05"]) == 0
    expected = script("StepLR(step_size=4, gamma=0.9)", lrviz.Experiment.create(epochs=3, lr=0.05))
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize("args, message", [
    (["code", "-s", "StepLR(gamma=-1)"], "gamma must be"),
    (["code", "-s", "StepLR()", "--epochs", "0"], "epochs must be"),
    (["code"], "required"),
])
def test_cli_code_bad_input_is_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
