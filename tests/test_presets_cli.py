"""Presets from the command line: `presets` lists them, `export --preset` gives the page's numbers."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from apptest_helpers import curves, open_app

import lrviz
from lrviz.training.presets import ALL_PRESETS, LANDING, SCENARIOS, find


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrviz", *args], capture_output=True, text=True, timeout=120)


def test_presets_lists_every_slug_and_name_and_each_scenarios_note():
    out = _cli("presets").stdout
    for preset in ALL_PRESETS:
        assert f"{preset.slug} " in out and preset.name in out
    flat = " ".join(out.split())
    for preset in SCENARIOS:
        assert preset.note in flat


@pytest.mark.parametrize("name", ["valley", "Scenario: noisy labels, never decay and you bounce", "DIVERGE"])
def test_export_preset_equals_lrviz_run_of_its_config(tmp_path, name):
    target = tmp_path / "curves.csv"
    done = _cli("export", "--preset", name, "-o", str(target))
    assert done.returncode == 0, done.stderr
    config = find(name).config
    expected = lrviz.run(config.schedules, **config.experiment)
    pd.testing.assert_frame_equal(pd.read_csv(target), expected, check_exact=False, rtol=1e-12)


def test_options_beside_a_preset_override_its_experiment(tmp_path):
    target = tmp_path / "curves.csv"
    assert _cli("export", "--preset", "valley", "--seed", "3", "--epochs", "4", "-o", str(target)).returncode == 0
    expected = lrviz.run(LANDING.schedules, **{**LANDING.experiment, "seed": 3, "epochs": 4})
    pd.testing.assert_frame_equal(pd.read_csv(target), expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("args, message", [
    (["--preset", "valey"], "did you mean valley"),
    (["--preset", "plateu"], "did you mean plateau"),
    (["--preset", "zzzz"], "one of: valley, noise"),
    (["--preset", "valley", "-s", "StepLR()"], "not both"),
    ([], "a schedule (-s/--schedule) or a preset (--preset) is required"),
])
def test_bad_preset_requests_exit_2_with_one_line(args, message):
    done = _cli("export", *args, "-o", "-")
    assert done.returncode == 2 and not done.stdout
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_landing_page_draws_the_numbers_export_gives():
    app = open_app()
    assert not app.exception
    drawn = curves(app, "Training loss")
    expected = lrviz.run(LANDING.schedules, **LANDING.experiment)
    assert list(drawn) == LANDING.schedules
    for name, rows in expected.groupby("schedule", sort=False):
        assert drawn[name] == pytest.approx(rows["loss"].tolist(), rel=1e-12)
    # the scenario's story stands above the charts (it was a caption in the sidebar)
    assert "narrow valley" in " ".join(element.proto.body for element in app.main.get("html"))
