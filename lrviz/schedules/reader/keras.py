"""Keras's dialect: `keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)`,
`PiecewiseConstantDecay`, `PolynomialDecay`, `InverseTimeDecay` and `CosineDecay` (with its warm-up).

Transcribed from Keras 3.15's `optimizers/schedules/learning_rate_schedule.py`. A Keras schedule is the lr
itself, called with the optimizer's update count: it counts optimizer steps, and is drawn relative to its own
peak (`initial_learning_rate`, or CosineDecay's `warmup_target`), which becomes the run's lr.
"""

from __future__ import annotations

import ast
import itertools
from typing import Any

SIGNATURES = {
    "ExponentialDecay": ["initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"],
    "PiecewiseConstantDecay": ["boundaries", "values", "name"],
    "PolynomialDecay": ["initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"],
    "InverseTimeDecay": ["initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"],
    "CosineDecay": ["initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps"],
}
NOT_READ = {
    "CosineDecayRestarts": "lrviz does not declare Keras's restarts with t_mul and m_mul",
    "LearningRateScheduler": "its function returns the lr itself from (epoch, lr); lrviz reads a multiplier of "
                             "the epoch: write it as LambdaLR(optimizer, lr_lambda=lambda epoch: ...)",
    "ReduceLROnPlateau": "it watches a logged metric with Keras's own min_delta and cooldown",
    "LearningRateSchedule": "a subclass's __call__ is a project's own code, which lrviz does not run",
}
LIBRARY = ("keras", "tf", "tensorflow", "schedules", "callbacks")


def _ours(path: tuple[str, ...], node: ast.Call) -> bool:
    name = path[-1] if path else ""
    if name not in SIGNATURES and name not in NOT_READ:
        return bool(path) and len(path) > 1 and "schedules" in path and "keras" in path
    if len(path) > 1:
        return any(part in LIBRARY for part in path[:-1])
    # a bare ExponentialDecay(k=...) is lrviz's own recipe; Keras's takes initial_learning_rate first
    if name == "ReduceLROnPlateau":  # torch's, unless Keras's path says otherwise
        return False
    keys = {k.arg for k in node.keywords}
    return name != "ExponentialDecay" or len(node.args) >= 2 or bool(keys & {"initial_learning_rate", "decay_steps"})


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    if not path or not _ours(path, node):
        return None
    name = path[-1]
    label = f"Keras's {name}"
    if name in NOT_READ:
        raise reader.fail(f"{label} is not read: {NOT_READ[name]}")
    if name not in SIGNATURES:
        raise reader.fail(f"{label}: not one of Keras's schedules that lrviz reads ({', '.join(SIGNATURES)})")
    given = reader.library_call(label, node, SIGNATURES[name], set(SIGNATURES[name]))
    steps = reader.counts(label, True, "Keras calls it with the optimizer's update count")
    for key in SIGNATURES[name]:
        if key not in given and key in ("initial_learning_rate", "decay_steps", "decay_rate", "boundaries",
                                        "values"):
            raise reader.fail(f"{label}: {key} is required (Keras has no default)", key)
    if name == "PiecewiseConstantDecay":
        return _piecewise(reader, label, given, steps)
    lr = reader.number(label, "initial_learning_rate", given["initial_learning_rate"])
    decay_steps = reader.number(label, "decay_steps", given["decay_steps"], whole=True)
    peak = (("@peak_lr", f"{lr:g}, Keras's initial_learning_rate"),)
    if name == "ExponentialDecay":
        return reader.built("RateDecay", {"decay_steps": decay_steps,
                                          "decay_rate": reader.number(label, "decay_rate", given["decay_rate"]),
                                          "staircase": bool(given.get("staircase", False))},
                            origin=peak, steps=steps)
    if name == "InverseTimeDecay":
        if given.get("staircase", False):
            raise reader.fail(f"{label}: staircase=True is not read (lrviz reads the continuous 1 / (1 + rate · "
                              "t / decay_steps))", "staircase")
        rate = reader.number(label, "decay_rate", given["decay_rate"])
        return reader.built("TimeBasedDecay", {"k": rate / decay_steps},
                            origin=(*peak, ("k", f"decay_rate / decay_steps = {rate:g} / {decay_steps}")),
                            steps=steps)
    if name == "PolynomialDecay":
        end = reader.number(label, "end_learning_rate", given.get("end_learning_rate", 0.0001))
        return reader.built("PolynomialDecay", {"decay_steps": decay_steps, "end_factor": end / lr,
                                                "power": reader.number(label, "power", given.get("power", 1.0)),
                                                "cycle": bool(given.get("cycle", False))},
                            origin=(*peak, ("end_factor", f"end_learning_rate / initial_learning_rate = {end:g} / "
                                                          f"{lr:g}")), steps=steps)
    return _cosine(reader, label, given, lr, decay_steps, steps)


def _cosine(reader: Any, label: str, given: dict, lr: float, decay_steps: int, steps: str) -> Any:
    target = given.get("warmup_target")
    warmup = reader.number(label, "warmup_steps", given.get("warmup_steps", 0), whole=True)
    peak = lr if target is None else reader.number(label, "warmup_target", target)
    if target is None:
        warmup = 0  # Keras ignores warmup_steps without a warmup_target
    return reader.built("WarmupCosineDecay", {"warmup_steps": warmup, "decay_steps": decay_steps,
                                              "start_factor": lr / peak,
                                              "alpha": reader.number(label, "alpha", given.get("alpha", 0.0)),
                                              "exponent": 1.0},
                        origin=(("@peak_lr", f"{peak:g}, Keras's " + ("initial_learning_rate" if target is None
                                                                        else "warmup_target")),), steps=steps)


def _piecewise(reader: Any, label: str, given: dict, steps: str) -> Any:
    """values[i] for boundaries[i-1] < step <= boundaries[i]: a drop by values[i] / values[i-1] at boundary + 1."""
    boundaries, values = given["boundaries"], given["values"]
    if not isinstance(boundaries, list) or not isinstance(values, list) or len(values) != len(boundaries) + 1:
        raise reader.fail(f"{label}: boundaries and values must be lists, one more value than boundaries "
                          "(Keras raises otherwise)", "values")
    boundaries = [reader.number(label, "boundaries", b, whole=True) for b in boundaries]
    values = [reader.number(label, "values", v) for v in values]
    if any(value <= 0 for value in values):
        raise reader.fail(f"{label}: values {values} must all be above 0 for lrviz to draw them as factors",
                          "values")
    gammas = [b / a for a, b in itertools.pairwise(values)]
    return reader.steps_down([b + 1 for b in boundaries], gammas,
                             (("@peak_lr", f"{values[0]:g}, Keras's values[0]"),
                              ("milestones", f"Keras's boundaries {boundaries} + 1: it changes after each")), steps)
