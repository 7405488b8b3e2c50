"""The command line: list, export, and one clear line for bad input."""

import io
import subprocess
import sys

import pandas as pd
import pytest

import lrviz


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrviz", *args], capture_output=True, text=True, timeout=120)


def test_list_shows_every_scheduler_with_parameters():
    out = _cli("list").stdout
    for name, spec in lrviz.REGISTRY.items():
        assert f"\n{name}  [" in out
        for param in spec.params:
            assert f"    {param.name}: " in out


def test_export_writes_what_run_returns(tmp_path):
    target = tmp_path / "curves.csv"
    done = _cli("export", "-s", "StepLR(step_size=4, gamma=0.9)", "-s", "CosineAnnealingLR()", "--epochs", "12",
                "--lr", "0.05", "--optimizer", "adam", "-o", str(target))
    assert done.returncode == 0, done.stderr
    expected = lrviz.run(["StepLR(step_size=4, gamma=0.9)", "CosineAnnealingLR()"], epochs=12, lr=0.05,
                         optimizer="adam")
    pd.testing.assert_frame_equal(pd.read_csv(target), expected, check_exact=False, rtol=1e-12)


def test_export_to_stdout_per_step():
    done = _cli("export", "-s", "ExponentialLR(gamma=0.9)", "--epochs", "2", "--samples", "100", "--per", "step",
                "--step-per", "batch", "-o", "-")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(io.StringIO(done.stdout))
    assert len(frame) == 20 and frame["lr"].iloc[1] == pytest.approx(0.09)


@pytest.mark.parametrize("args, message", [  # each class of bad schedule: tests/test_cli_errors.py
    (["export", "-s", "StepLR()", "--epochs", "0", "-o", "-"], "epochs must be"),
    (["export", "-o", "-"], "required"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    done = _cli(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
