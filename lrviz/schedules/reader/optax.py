"""optax's dialect: `optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=1e-3, warmup_steps=500,
decay_steps=10_000)`, `cosine_decay_schedule`, `exponential_decay`, `piecewise_constant_schedule`,
`linear_schedule`, `constant_schedule` and `join_schedules`.

Transcribed from optax 0.2.8's `schedules/_schedule.py` and `_join.py` (optax needs jax, which is not
installed beside torch: the tests check these formulas on optax's documented examples). An optax schedule is
the lr itself, called with the update count: it counts optimizer steps, and is drawn relative to its peak.
"""

from __future__ import annotations

import ast
from typing import Any

SIGNATURES = {
    "warmup_cosine_decay_schedule": ["init_value", "peak_value", "warmup_steps", "decay_steps", "end_value",
                                     "exponent"],
    "cosine_decay_schedule": ["init_value", "decay_steps", "alpha", "exponent"],
    "exponential_decay": ["init_value", "transition_steps", "decay_rate", "transition_begin", "staircase",
                          "end_value"],
    "piecewise_constant_schedule": ["init_value", "boundaries_and_scales"],
    "linear_schedule": ["init_value", "end_value", "transition_steps", "transition_begin"],
    "constant_schedule": ["value"],
    "join_schedules": ["schedules", "boundaries"],
}
NOT_READ = ("polynomial_schedule", "piecewise_interpolate_schedule", "linear_onecycle_schedule",
            "cosine_onecycle_schedule", "warmup_constant_schedule", "warmup_exponential_decay_schedule",
            "sgdr_schedule", "reduce_on_plateau")


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    name = path[-1] if path else ""
    if not (name in SIGNATURES or name in NOT_READ) or not (len(path) == 1 or "optax" in path):
        return None
    label = f"optax's {name}"
    if name in NOT_READ:
        raise reader.fail(f"{label} is not read: lrviz reads optax's {', '.join(SIGNATURES)}")
    given = reader.library_call(label, node, SIGNATURES[name], set(SIGNATURES[name]))
    steps = reader.counts(label, True, "optax calls it with the update count")
    if name == "join_schedules":
        return _join(reader, label, given, steps)
    if name == "piecewise_constant_schedule":
        return _piecewise(reader, label, given | {"boundaries_and_scales": _scales(reader, node)}, steps)
    number = {key: reader.number(label, key, value) for key, value in given.items()
              if key not in ("staircase", "end_value") or (key == "end_value" and name != "exponential_decay")}
    for key in SIGNATURES[name][:3 if name != "constant_schedule" else 1]:
        if key not in number and key not in ("alpha", "end_value"):
            raise reader.fail(f"{label}: {key} is required (optax has no default)", key)
    if name == "constant_schedule":
        return _peak(reader, "Constant", {}, number["value"], "value", steps)
    if name == "cosine_decay_schedule":
        return _peak(reader, "WarmupCosineDecay", {
            "warmup_steps": 0, "decay_steps": _whole(reader, label, "decay_steps", number["decay_steps"]),
            "start_factor": 1.0, "alpha": number.get("alpha", 0.0), "exponent": number.get("exponent", 1.0)},
            number["init_value"], "init_value", steps)
    if name == "warmup_cosine_decay_schedule":
        return _warmup_cosine(reader, label, number, steps)
    if name == "linear_schedule":
        return _linear(reader, label, number, steps)
    return _exponential(reader, label, given, number, steps)


def _whole(reader: Any, label: str, key: str, value: float) -> int:
    return reader.number(label, key, value, whole=True)


def _peak(reader: Any, name: str, params: dict, peak: float, key: str, steps: str, more: tuple = ()) -> Any:
    return reader.built(name, params, origin=(("@peak_lr", f"{peak:g}, optax's {key}"), *more), steps=steps)


def _warmup_cosine(reader: Any, label: str, number: dict, steps: str) -> Any:
    peak, warmup = number["peak_value"], _whole(reader, label, "warmup_steps", number["warmup_steps"])
    decay = _whole(reader, label, "decay_steps", number.get("decay_steps", 0))
    if decay - warmup <= 0:
        raise reader.fail(f"{label}: decay_steps ({decay}) counts the warm-up too and must exceed warmup_steps "
                          f"({warmup}); optax raises otherwise", "decay_steps")
    if peak <= 0:
        raise reader.fail(f"{label}: peak_value must be above 0 to draw it (got {peak:g})", "peak_value")
    return _peak(reader, "WarmupCosineDecay", {
        "warmup_steps": warmup, "decay_steps": decay - warmup, "start_factor": number["init_value"] / peak,
        "alpha": number.get("end_value", 0.0) / peak, "exponent": number.get("exponent", 1.0)},
        peak, "peak_value", steps, (("decay_steps", f"optax's decay_steps {decay} - warmup_steps {warmup}"),))


def _linear(reader: Any, label: str, number: dict, steps: str) -> Any:
    init, end = number["init_value"], number["end_value"]
    total = _whole(reader, label, "transition_steps", number["transition_steps"])
    if number.get("transition_begin", 0):
        raise reader.fail(f"{label}: transition_begin is not read (lrviz reads a line from step 0)",
                          "transition_begin")
    peak = max(init, end)
    if total <= 0 or init == end:
        return _peak(reader, "Constant", {}, init, "init_value", steps)
    if init == 0:  # from 0 up to the peak, then the peak: transformers' constant warm-up is exactly that
        return _peak(reader, "get_constant_schedule_with_warmup", {"num_warmup_steps": total}, end, "end_value",
                     steps)
    return _peak(reader, "LinearLR", {"start_factor": init / peak, "end_factor": end / peak, "total_iters": total},
                 peak, "init_value" if peak == init else "end_value", steps)


def _exponential(reader: Any, label: str, given: dict, number: dict, steps: str) -> Any:
    if given.get("end_value") is not None:
        raise reader.fail(f"{label}: end_value clips the decay, which lrviz does not read", "end_value")
    total = _whole(reader, label, "transition_steps", number["transition_steps"])
    if total <= 0 or number["decay_rate"] == 0:  # optax: a constant schedule
        return _peak(reader, "Constant", {}, number["init_value"], "init_value", steps)
    return _peak(reader, "RateDecay", {
        "decay_steps": total, "decay_rate": number["decay_rate"], "staircase": bool(given.get("staircase", False)),
        "transition_begin": max(0, _whole(reader, label, "transition_begin", number.get("transition_begin", 0)))},
        number["init_value"], "init_value", steps)


def _piecewise(reader: Any, label: str, given: dict, steps: str) -> Any:
    """v × scale from each boundary on (count >= boundary): the scales multiply, as MultiStepLR's gammas do."""
    init = reader.number(label, "init_value", given["init_value"])
    scales = given.get("boundaries_and_scales")
    if scales is None:
        return _peak(reader, "Constant", {}, init, "init_value", steps)
    if not isinstance(scales, dict) or not scales:
        raise reader.fail(f"{label}: boundaries_and_scales must be a dict of numbers, like {{1000: 0.1}}",
                          "boundaries_and_scales")
    items = sorted((reader.number(label, "boundaries_and_scales", k, whole=True),
                    reader.number(label, "boundaries_and_scales", v)) for k, v in scales.items())
    if any(scale <= 0 for _, scale in items):
        raise reader.fail(f"{label}: the scales {[s for _, s in items]} must be above 0 for lrviz to draw them",
                          "boundaries_and_scales")
    return reader.steps_down([b for b, _ in items], [s for _, s in items],
                             (("@peak_lr", f"{init:g}, optax's init_value"),), steps)


def _scales(reader: Any, node: ast.Call) -> Any:
    """boundaries_and_scales={1000: 0.1, 2000: 0.1}, read key by key (a dict has no value otherwise)."""
    found = node.args[1] if len(node.args) > 1 else next(
        (k.value for k in node.keywords if k.arg == "boundaries_and_scales"), None)
    if isinstance(found, ast.Dict) and None not in found.keys:
        return {reader.value(k, "optax", "boundaries_and_scales"): reader.value(v, "optax", "boundaries_and_scales")
                for k, v in zip(found.keys, found.values, strict=True)}
    return None if found is None or (isinstance(found, ast.Constant) and found.value is None) else []


def _join(reader: Any, label: str, given: dict, steps: str) -> Any:
    parts, boundaries = given.get("schedules"), given.get("boundaries")
    if not isinstance(parts, list) or not isinstance(boundaries, list) or len(boundaries) != len(parts) - 1:
        raise reader.fail(f"{label}: schedules and boundaries must be lists, one more schedule than boundaries",
                          "schedules")
    peaks = {dict(part.origin).get("@peak_lr", "").split(",")[0] for part in parts if hasattr(part, "origin")}
    if len(peaks) != 1 or not all(hasattr(part, "origin") for part in parts):
        raise reader.fail(f"{label}: lrviz reads joined optax schedules that share one peak value (got "
                          f"{sorted(peaks)})", "schedules")
    milestones = [reader.number(label, "boundaries", b, whole=True) for b in boundaries]
    return reader.built("SequentialLR", {"milestones": milestones}, tuple(parts),
                        origin=(("@peak_lr", f"{peaks.pop()}, the joined schedules' peak"),), steps=steps)
