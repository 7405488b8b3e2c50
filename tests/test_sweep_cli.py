"""`python -m lrviz sweep` and `lrviz.sweep`: export's columns plus the value and the seed, and clear refusals."""

import io
import subprocess
import sys

import pandas as pd
import pytest

import lrviz
from lrviz.training.sweep import read_vary


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrviz", "sweep", *args], capture_output=True, text=True,
                          timeout=120)


def test_the_api_returns_exports_columns_with_the_value_and_the_seed():
    frame = lrviz.sweep(["StepLR(step_size=2)", "CosineAnnealingLR()"], vary={"gamma": [0.5, 0.9]}, seeds=2,
                        epochs=4, samples=200)
    export = lrviz.run(["StepLR(step_size=2)"], epochs=4, samples=200)
    assert list(frame.columns) == ["schedule", "gamma", "seed", *list(export.columns)[1:]]
    assert len(frame) == 2 * 2 * 2 * 4  # schedules × values × seeds × epochs
    assert lrviz.sweep("StepLR()", vary={"lr": [0.1]}, epochs=2).columns[1] == "base_lr"


@pytest.mark.parametrize("vary", [{"gamma": [0.5], "lr": [0.1]}, {}, ["gamma"]])
def test_the_api_wants_one_parameter(vary):
    with pytest.raises(lrviz.SpecError, match="vary names one parameter"):
        lrviz.sweep(["StepLR()"], vary=vary)


def test_the_cli_writes_what_the_api_returns(tmp_path):
    target = tmp_path / "sweep.csv"
    done = _cli("-s", "StepLR(step_size=2)", "-s", "CosineAnnealingLR()", "--vary", "gamma=0.3:0.9:4",
                "--epochs", "5", "--seeds", "2", "-o", str(target))
    assert done.returncode == 0, done.stderr
    expected = lrviz.sweep(["StepLR(step_size=2)", "CosineAnnealingLR()"], vary={"gamma": [0.3, 0.5, 0.7, 0.9]},
                           seeds=2, epochs=5)
    pd.testing.assert_frame_equal(pd.read_csv(target), expected, check_exact=False, rtol=1e-12)


def test_the_cli_summary_has_a_row_per_schedule_and_value_and_marks_divergence():
    done = _cli("-s", "StepLR(step_size=2)", "--vary", "lr=0.01:10:4", "--log", "--epochs", "4", "--summary",
                "-o", "-")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(io.StringIO(done.stdout))
    assert list(summary.columns) == ["schedule", "base_lr", "seeds", "final_loss", "final_loss_std", "best_loss",
                                     "best_loss_std", "last_loss_mean", "last_loss_mean_std", "diverged",
                                     "diverged_seeds"]
    assert summary["base_lr"].tolist() == pytest.approx([0.01, 0.1, 1.0, 10.0])
    assert summary["diverged"].tolist() == [False, False, True, True]
    curves = lrviz.sweep(["StepLR(step_size=2)"], vary={"lr": [0.1]}, epochs=4)
    assert summary["final_loss"].iloc[1] == pytest.approx(curves["loss"].iloc[-1], rel=1e-12)


@pytest.mark.parametrize(("args", "message"), [
    (["--vary", "gam=0.3:0.9:3"], "no schedule has a parameter 'gam' and it is not an experiment option"),
    (["--vary", "milestones=1:3:3"], "not a number"),
    (["--vary", "gamma=0.3:x:3"], "is not START:STOP:N"),
    (["--vary", "gamma"], "NAME=START:STOP:N"),
    (["--vary", "epochs=2:5:2"], "cannot sweep epochs"),
    (["--vary", "lr=0:1:3", "--log"], "above 0"),
    (["--vary", "gamma=0.1:0.9:3", "--seeds", "11"], "seeds must be"),
    (["--vary", "gamma=0.5:0.99:64", "--epochs", "1000", "--seeds", "4"], "would take about"),
])
def test_bad_sweeps_exit_2_with_one_line(args, message):
    done = _cli("-s", "MultiStepLR()", *args, "-o", "-")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("lrviz: error: ") and message in done.stderr and done.stderr.count("\n") == 1


def test_read_vary_reads_a_range_or_a_list():
    assert read_vary("gamma=0.1:0.5:3") == ("gamma", [0.1, 0.3, 0.5])
    assert read_vary("lr=0.001:0.1:3", log=True) == ("lr", [0.001, 0.01, 0.1])
    assert read_vary(" T_max = 2,4") == ("T_max", [2.0, 4.0])
