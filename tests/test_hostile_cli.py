"""Hostile input on the command line and to `lrviz.run`: one bounded line on stderr and exit 2, or a SpecError.

In-process through `main()` where possible; a few cases need a real process (a closed pipe, a closed stdout).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrviz
from lrviz.cli import main
from lrviz.schedules.params import MAX_MESSAGE
from lrviz.schedules.schedule import MAX_SPEC_LENGTH

ROOT = Path(__file__).resolve().parents[1]
DIGITS_5000 = "9" * 5000


def _refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("lrviz: error: ")
    assert len(lines[0]) <= MAX_MESSAGE + len("lrviz: error: ")
    return lines[0]


@pytest.mark.parametrize("argv, expected", [
    (["export", "-s", "StepLR()", "--lr", "-inf", "-o", "-"], "lr must be a finite number"),
    (["export", "-s", "StepLR()", "--lr", "-1e-3", "-o", "-"], "lr must be ≥ 1e-06"),
    (["export", "-s", "StepLR()", "--epochs", DIGITS_5000, "-o", "-"], "5,000-digit number"),
    (["code", "-s", "StepLR()", "-s", "ExponentialLR()"], "one schedule (got 2 -s options)"),
    (["export", "-s", "StepLR()", "-o", ""], "-o needs a file name"),
    (["export", "-s", "StepLR()", "-o", "   "], "-o needs a file name"),
    (["export", "-s", "StepLR(stepsize=3)", "-o", "-"], "did you mean step_size?"),
    (["export", "-s", "StepLR()", "--epocs", "3", "-o", "-"], "did you mean --epochs?"),
    (["exprot", "-s", "StepLR()"], "did you mean export?"),
    (["export", "-s", "StepLR(step_size=4, step_size=5)", "-o", "-"], "step_size is given twice"),
    (["export", "-s", "LambdaLR(lr_lambda='1 # \"\"\"')", "-o", "-"], "comments (#) are not allowed"),
    (["export", "-s", "MultiStepLR(milestones=[" + ",".join(["-1"] * 600) + "])", "-o", "-"], "milestones"),
    (["export", "-s", "x" * 100_000, "-o", "-"], f"longer than {MAX_SPEC_LENGTH} characters"),
])
def test_bad_input_is_one_bounded_line_and_exit_2(argv, expected, capsys):
    assert expected in _refused(argv, capsys)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--epochs", "--lr", "--samples", "--batch-size", "--momentum", "--seed",
                               "--nesterov", "--optimizer", "--val-fraction", "--noise"]),
       value=st.one_of(st.text(max_size=30).filter(lambda t: "\x00" not in t), st.floats().map(repr),
                       st.integers(-(10**30), 10**30).map(str)))
def test_any_option_value_is_accepted_or_refused_in_one_line(option, value, capsys):
    status = main(["code", "-s", "StepLR()", f"{option}={value}"])
    captured = capsys.readouterr()
    if status == 0:
        compile(captured.out, "train.py", "exec")
    else:
        assert status == 2 and len(captured.err.splitlines()) == 1


@pytest.mark.parametrize("options", [{"epochs": 10**5000}, {"lr": -(10**5000)}, {"epochs": "9" * 5000},
                                     {"lr": float("nan")}, {"samples": [1] * 10**6}, {"nope": 1}])
def test_the_api_raises_spec_error_for_bad_options(options):
    with pytest.raises(lrviz.SpecError) as caught:
        lrviz.run(["StepLR()"], **options)
    assert len(str(caught.value)) <= MAX_MESSAGE


@pytest.mark.parametrize("schedules", [
    [lrviz.schedule("MultiStepLR", milestones=list(range(-(10**6), 0)))],
    [lrviz.schedule("MultiStepLR", milestones=[-(10**5000)])],
    ["StepLR()"] * 10**5, (s for s in ["StepLR()"]), [object()], ["\ud800"], [b"StepLR()"],
])
def test_the_api_raises_spec_error_for_bad_schedules(schedules):
    with pytest.raises(lrviz.SpecError) as caught:
        lrviz.run(schedules, epochs=2)
    assert len(str(caught.value)) <= MAX_MESSAGE
    str(caught.value).encode("utf-8")


def test_a_closed_pipe_ends_quietly():
    """`export ... -o - | head -1`: the reader closes the pipe; no BrokenPipe traceback."""
    command = f"{sys.executable} -m lrviz export -s 'StepLR()' --epochs 500 -o - | head -1"
    run = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.stdout.startswith("schedule,epoch,step,lr")
    assert len(run.stdout.splitlines()) == 1
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


def test_a_closed_stdout_is_an_error_not_silence():
    run = subprocess.run(["bash", "-c", f"{sys.executable} -m lrviz export -s 'StepLR()' -o - >&-"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert run.stderr.strip() == "lrviz: error: cannot write to standard output: it is closed"


def _command(shell: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", shell.replace("LRVIZ", f"{sys.executable} -m lrviz")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def _one_line(run: subprocess.CompletedProcess) -> str:
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("lrviz: ")
    return run.stderr


@pytest.mark.parametrize("shell", ["LRVIZ list > /dev/full", "LRVIZ presets > /dev/full",
                                   "LRVIZ code -s 'StepLR()' > /dev/full",
                                   "LRVIZ export -s 'StepLR()' --epochs 3 -o - > /dev/full",
                                   "LRVIZ export -s 'StepLR()' --epochs 3 -o /dev/full"])
def test_a_full_disk_is_one_line_not_a_traceback(shell):
    assert "No space left on device" in _one_line(_command(shell))


def test_an_ascii_only_terminal_is_one_line_not_a_traceback():
    line = _one_line(_command("LRVIZ list", PYTHONIOENCODING="ascii"))
    assert "encoding is ascii" in line and "PYTHONIOENCODING=utf-8" in line
    assert _command("LRVIZ list", PYTHONIOENCODING="utf-8").returncode == 0  # the advice works


def test_presets_with_a_closed_stdout_fails_in_one_line():
    assert "standard output: it is closed" in _one_line(_command("LRVIZ presets >&-"))


@pytest.mark.parametrize("delay", [1.0, 5.0])  # while torch is imported; while training (or still importing)
def test_ctrl_c_is_one_line_not_a_traceback(delay):
    slow = ["export", "-s", "StepLR()", "--epochs", "1000", "--samples", "10000", "--batch-size", "50", "-o",
            os.devnull]
    process = subprocess.Popen([sys.executable, "-m", "lrviz", *slow], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode != 0 and stderr == "lrviz: interrupted\n"


def test_ctrl_c_inside_main_exits_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lrviz, "run", interrupted)
    assert main(["export", "-s", "StepLR()", "-o", "-"]) == 130
    assert capsys.readouterr().err == "lrviz: interrupted\n"


@pytest.mark.parametrize("argv", [["app", "--port", "-1"], ["app", "--port", "70000"], ["serve", "--port", "0"],
                                  ["serve", "--restart-after", "0"], ["serve", "--frame-ancestors", "*\r\nX: y"]])
def test_bad_server_options_are_one_line_and_exit_2(argv, capsys):
    assert _refused(argv, capsys).startswith("lrviz: error: --")
