"""Names pasted code computes at run time: `--define NAME=VALUE` on the command line, `define=` in Python, and
the run's own lengths filled in and said on stderr."""

import math

import pytest

import lrviz
from lrviz.cli import main
from lrviz.schedules.reader.dialects import parse_define

DETECTRON2 = "scheduler = WarmupMultiStepLR(optimizer, cfg.SOLVER.STEPS, cfg.SOLVER.GAMMA, warmup_iters=10)"
RUN = ["--step-per", "batch", "--epochs", "3", "--samples", "200", "--batch-size", "20"]


def test_cli_define_gives_values_and_says_what_it_took(capsys):
    code = main(["export", "-s", DETECTRON2, "--define", "cfg.SOLVER.STEPS=[5, 20]", "--define",
                 "cfg.SOLVER.GAMMA = 0.5", *RUN, "-o", "-"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "cfg.SOLVER.STEPS = [5, 20], as defined" in err and "cfg.SOLVER.GAMMA = 0.5, as defined" in err
    lrs = [float(line.split('",')[1].split(",")[2]) for line in out.splitlines()[1:]]
    assert lrs[-1] == pytest.approx(0.1 * 0.25)  # both milestones passed by the last epoch's end (30 steps)


def test_cli_names_a_missing_value_and_how_to_give_it(capsys):
    assert main(["export", "-s", DETECTRON2, *RUN, "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cfg.SOLVER.STEPS has no value here; give it one with --define 'cfg.SOLVER.STEPS=VALUE'" in err


def test_cli_fills_in_the_runs_length_and_says_so(capsys):
    code = "sched = get_scheduler('linear', optimizer, num_warmup_steps=3, num_training_steps=args.epochs * " \
           "len(train_loader))"
    assert main(["code", "-s", code, *RUN]) == 0
    out, err = capsys.readouterr()
    assert "args.epochs = 3, the run's epochs" in err and "len(train_loader) = 10, the run's batches per epoch" in err
    assert "max(1, 30 - 3)" in out  # the script's multiplier uses the 30 steps


@pytest.mark.parametrize("text, expected", [("len(train_loader)=100", ("len(train_loader)", 100)),
                                            ("cfg.SOLVER.STEPS=[30, 60]", ("cfg.SOLVER.STEPS", [30, 60])),
                                            ("x = -0.5", ("x", -0.5)),
                                            ("cfg.SOLVER.WARMUP_METHOD=linear",
                                             ("cfg.SOLVER.WARMUP_METHOD", "linear"))])
def test_define_values_are_read_never_run(text, expected):
    assert parse_define(text) == expected


@pytest.mark.parametrize("text", ["novalue", "=3", "x=[1, 'a']"])
def test_bad_defines_are_one_line(text, capsys):
    assert main(["export", "-s", "StepLR()", "--define", text, "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lrviz: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_api_define_and_run_length():
    frame = lrviz.run(["StepLR(optimizer, step_size=cfg.SOLVER.STEP, gamma=0.5)"], epochs=4,
                      define={"cfg.SOLVER.STEP": 2})
    assert frame["lr"].tolist() == pytest.approx([0.1, 0.1, 0.05, 0.05])
    frame = lrviz.run(["CosineAnnealingLR(optimizer, T_max=num_epochs)"], epochs=4)
    assert frame["lr"].iloc[-1] == pytest.approx(0.1 * (1 + math.cos(3 * math.pi / 4)) / 2)
    with pytest.raises(lrviz.SpecError, match="define must be a dict"):
        lrviz.run(["StepLR()"], define=["x"])
