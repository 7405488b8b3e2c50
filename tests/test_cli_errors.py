"""One validation everywhere: each class of bad input gives the Python API's own message on the
command line, as exactly one line on stderr, with exit status 2 and no traceback. And the same
configuration gives byte-identical CSV, in one process or in two."""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import lrviz
from lrviz.cli import main
from lrviz.training.experiment import MAX_SCHEDULES, make_data
from lrviz.training.traces import _trace

MARKER = Path(tempfile.gettempdir()) / f"lrviz-pwned-{os.getpid()}"  # created only if the formula ran
HOSTILE = f"LambdaLR(lr_lambda='__import__(\"os\").system(\"touch {MARKER}\")')"
# class of bad input: (schedules, experiment options), given to lrviz.run and, as text, to `python -m lrviz export`
BAD_INPUT = {
    "unknown scheduler": (["Nope()"], {}),
    "unknown parameter": (["StepLR(stepsize=4)"], {}),
    "out-of-range value": (["StepLR(gamma=-2)"], {}),
    "wrong type": (["StepLR(step_size='4')"], {}),
    "bad formula": (["LambdaLR(lr_lambda='epoch +')"], {}),
    "hostile formula": ([HOSTILE], {}),
    "cross-parameter rule": (["CyclicLR(base_lr=0.1, max_lr=0.01)"], {}),
    "over a limit": (["StepLR()"] * (MAX_SCHEDULES + 1), {}),
    "malformed spec": (["StepLR(step_size=4"], {}),
}
# more of each class, checked through the same main() in this process
VARIANTS = {
    "out-of-range option": (["StepLR()"], {"epochs": 1001}),
    "wrong type of option": (["StepLR()"], {"epochs": "ten"}),
    "not a number": (["StepLR()"], {"lr": "fast"}),
    "NaN": (["StepLR()"], {"lr": float("nan")}),
    "not a choice": (["StepLR()"], {"optimizer": "rmsprop"}),
    "not a bool": (["StepLR()"], {"nesterov": "maybe"}),
    "formula failing while training": (["LambdaLR(lr_lambda='9 ** 9 ** 9')"], {}),
    "spec over several lines": (["StepLR(\n  gamma=2,,\n)"], {}),
    "a rule inside a composite": (["SequentialLR(StepLR(), ExponentialLR(), milestones=[3, 30])"], {}),
    "scheduler updates": (["StepLR()"] * 6, {"samples": 2000, "batch_size": 1, "epochs": 100, "step_per": "batch"}),
}
# training would fail at its last epoch: a refusal naming the file shows nothing was trained first
SLOW_TO_TRAIN = ["-s", "LambdaLR(lr_lambda='1 if epoch < 999 else 9 ** 9 ** 9')", "--epochs", "1000"]
SAME = ["-s", "StepLR(step_size=2, gamma=0.5)", "-s", "ReduceLROnPlateau(patience=0)", "-s", "OneCycleLR()",
        "--epochs", "4", "--samples", "100", "--optimizer", "adam", "--val-fraction", "0.2",
        "--dataset", "classification", "--per", "step"]


def _arguments(schedules: list[str], options: dict) -> list[str]:
    flags = [arg for key, value in options.items() for arg in (f"--{key.replace('_', '-')}", str(value))]
    return ["export", *(arg for spec in schedules for arg in ("-s", spec)), *flags, "-o", "-"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrviz", *args], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess]:
    """Every command of this file, two at a time: each is a fresh Python importing torch."""
    commands = {name: _arguments(*request) for name, request in BAD_INPUT.items()}
    commands["unwritable output"] = ["export", *SLOW_TO_TRAIN, "-o", "/nonexistent/folder/curves.csv"]
    commands |= {"first": ["export", *SAME, "-o", "-"], "second": ["export", *SAME, "-o", "-"]}
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(commands, pool.map(lambda args: _cli(*args), commands.values()), strict=True))


def _one_line_error(returncode: int, stdout: str, stderr: str) -> str:
    assert returncode == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("lrviz: error: ") and "Traceback" not in stderr
    return stderr.removeprefix("lrviz: error: ").removesuffix("\n")


def _api_message(schedules: list[str], options: dict) -> str:
    with pytest.raises(lrviz.SpecError) as caught:
        lrviz.run(schedules, **options)
    assert isinstance(caught.value, ValueError)
    return " ".join(str(caught.value).splitlines())


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_gives_the_api_message_on_one_line(runs, name):
    done = runs[name]
    message = _one_line_error(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert message == _api_message(*BAD_INPUT[name])


@pytest.mark.parametrize("name", VARIANTS)
def test_more_bad_input_through_main(capsys, name):
    schedules, options = VARIANTS[name]
    returncode = main(_arguments(schedules, options))
    captured = capsys.readouterr()
    assert _one_line_error(returncode, captured.out, captured.err) == _api_message(schedules, options)


def test_a_hostile_formula_runs_nothing(runs):
    assert "lr_lambda: only these functions can be called" in runs["hostile formula"].stderr.decode()
    assert not MARKER.exists()


def test_an_unwritable_output_is_refused_before_training(runs):
    done = runs["unwritable output"]
    message = _one_line_error(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert message == "cannot write /nonexistent/folder/curves.csv: there is no folder /nonexistent/folder"


def test_a_folder_is_not_an_output_file(capsys, tmp_path):
    assert main(["export", *SLOW_TO_TRAIN, "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"lrviz: error: cannot write {tmp_path}: it is a folder\n"


def test_the_same_configuration_gives_the_same_bytes_in_two_processes(runs):
    first, second = runs["first"], runs["second"]
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout) > 10_000


def test_the_same_configuration_gives_the_same_bytes_in_one_process(runs):
    options = dict(epochs=4, samples=100, optimizer="adam", val_fraction=0.2, dataset="classification")
    schedules = ["StepLR(step_size=2, gamma=0.5)", "ReduceLROnPlateau(patience=0)", "OneCycleLR()"]
    texts = []
    for _ in range(2):
        _trace.cache_clear()  # recompute, rather than return the cached arrays
        make_data.cache_clear()
        texts.append(lrviz.run(schedules, per="step", **options).to_csv(index=False))
    texts.append(lrviz.run(schedules, per="step", **options).to_csv(index=False))  # from the caches
    assert texts[0] == texts[1] == texts[2]
    assert texts[0].encode() == runs["first"].stdout
