"""Configurations in JSON and links: round trips, and untrusted input loaded safely."""

import json

import numpy as np
import pytest

import lrviz
from lrviz.training.cache import TrainingCache
from lrviz.training.config import Config, from_json, from_query, to_json, to_query

CONFIG = Config({"epochs": 30, "lr": 0.05, "optimizer": "adam", "nesterov": False},
                ["StepLR(step_size=4, gamma=0.9)", "LambdaLR(lr_lambda='0.5 ** (epoch // 10)')"])


def _as_query(config: Config) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [value] for key, value in to_query(config).items()}


def test_json_round_trip():
    loaded, dropped = from_json(to_json(CONFIG))
    assert not dropped and loaded.schedules == CONFIG.schedules
    assert loaded.to_experiment() == CONFIG.to_experiment()


def test_query_round_trip():
    loaded, dropped = from_query(_as_query(CONFIG))
    assert not dropped and loaded.schedules == CONFIG.schedules
    assert loaded.to_experiment() == CONFIG.to_experiment()


@pytest.mark.parametrize("body, kept, dropped", [
    ({"experiment": {"epochs": "many", "lr": 0.02}, "schedules": ["StepLR()"]}, 1, ["epochs"]),
    ({"experiment": {"epochs": 10**9}, "schedules": ["StepLR()"]}, 1, ["epochs"]),
    ({"experiment": {"rm -rf": 1}, "schedules": ["StepLR()", "Nope()"]}, 1, ["rm -rf", "Nope"]),
    ({"schedules": ["StepLR(gamma=-5)", 42, None, "__import__('os')"]}, 0,
     ["gamma", "42", "None", "unknown scheduler '__import__'"]),
    ({"schedules": "StepLR()"}, 0, ["must be a list"]),
    ({"experiment": [], "schedules": ["LambdaLR(lr_lambda='().__class__')"]}, 0, ["experiment", "lr_lambda"]),
    ({"experiment": {"batch_size": 5000, "samples": 100}, "schedules": ["StepLR()"]}, 1, ["batch_size"]),
    ({"schedules": ["StepLR()"] * 40}, 32, ["first 32"]),
    ({"extra": {"x": 1}}, 0, ["unknown key 'extra'"]),
])
def test_hostile_configurations_load_what_is_valid_and_say_what_was_dropped(body, kept, dropped):
    config, messages = from_json(json.dumps(body))
    assert len(config.schedules) == kept
    for fragment in dropped:
        assert any(fragment in message for message in messages), messages
    config.to_experiment()  # whatever was kept is valid


@pytest.mark.parametrize("text", ["not json", "[1, 2]", "1" * 200_000, "[" * 100_000])
def test_files_that_are_not_configurations_are_refused(text):
    with pytest.raises(lrviz.SpecError):
        from_json(text)


def test_cache_retrains_only_the_changed_schedule():
    cache = TrainingCache()
    experiment = lrviz.Experiment.create(epochs=5, samples=200)
    first = cache.run(["StepLR()", "ExponentialLR()"], experiment)
    second = cache.run(["StepLR()", "ExponentialLR(gamma=0.5)"], experiment)
    assert cache.trained == ["StepLR()", "ExponentialLR()", "ExponentialLR(gamma=0.5)"]
    np.testing.assert_array_equal(first.loss[:, 0], second.loss[:, 0])
    fresh = lrviz.simulate(["StepLR()", "ExponentialLR(gamma=0.5)"], experiment, record_steps=True)
    np.testing.assert_array_equal(fresh.loss, second.loss)
    np.testing.assert_array_equal(fresh.step_weights, second.step_weights)
