"""`python -m lrviz check`: the real run's step axis and the warnings, exit 0 with none and 1 with some."""

from lrviz.cli import main

RUN = ["--dataset-size", "50000", "--batch-size", "32", "--epochs", "10"]


def test_check_prints_each_warning_and_exits_1(capsys):
    code = main(["check", "-s", "CosineAnnealingLR(T_max=10)", "-s", "OneCycleLR(max_lr=0.1, total_steps=1000)",
                 *RUN])
    out = capsys.readouterr().out
    assert code == 1
    assert "1,563 optimizer steps per epoch, 15,630 over 10 epochs" in out
    assert "climbs back up from step 11" in out and 'raises "Tried to step 1001 times"' in out
    assert out.count("warning: ") == 3  # T_max's restart and its units, OneCycleLR's error


def test_check_exits_0_when_every_schedule_fits(capsys):
    code = main(["check", "-s", "OneCycleLR(max_lr=0.1, total_steps=3910)", "--dataset-size", "50000",
                 "--batch-size", "32", "--accumulation", "2", "--devices", "2", "--epochs", "10"])
    out = capsys.readouterr().out
    assert code == 0 and "warning" not in out and "391 optimizer steps per epoch" in out


def test_check_per_epoch_sees_a_length_counted_in_steps(capsys):
    code = main(["check", "-s", "get_linear_schedule_with_warmup(num_warmup_steps=500, num_training_steps=15630)",
                 *RUN, "--per", "epoch"])
    out = capsys.readouterr().out
    assert code == 1 and "looks counted in optimizer steps" in out and "10 epochs (stepped per epoch)" in out


def test_check_refuses_bad_input_in_one_line(capsys):
    assert main(["check", "-s", "StepLR()", "--dataset-size", "5", "--batch-size", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "batch_size" in err
    assert main(["check", "-s", "StepLR()", "--batch-size", "3"]) == 2
    assert "--dataset-size" in capsys.readouterr().err
