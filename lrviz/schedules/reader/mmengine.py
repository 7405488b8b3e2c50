"""mmengine's dialect: `param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
end=500), dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1)]`, as mmdetection configs
write it, and mmcv's older `lr_config = dict(policy='step', warmup='linear', ...)`.

Transcribed from mmengine 0.10.7's `optim/scheduler/param_scheduler.py`: a scheduler acts on the global steps
`begin <= step < end`, counting from 0 at `begin`; LinearLR, ConstantLR and PolyLR span `end - begin - 1`
steps; CosineAnnealingLR's T_max defaults to `end - begin`; each is chainable, so parts that all begin at 0 are
a ChainedScheduler and parts that follow one another a SequentialLR. `by_epoch=True` (the default) counts
epochs; `convert_to_iter_based=True` multiplies its lengths by the run's batches per epoch.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from lrviz.schedules.reader.values import Built, Unknown

INF = math.inf
READ = {"LinearLR", "MultiStepLR", "StepLR", "ConstantLR", "ExponentialLR", "CosineAnnealingLR", "PolyLR"}
NOT_READ = {"OneCycleLR": "write torch's OneCycleLR with its total_steps instead",
            "CosineRestartLR": "lrviz does not declare mmengine's restarts with periods and restart_weights",
            "ReduceOnPlateauLR": "it steps on a validation metric",
            "QuadraticWarmupLR": "lrviz does not declare a quadratic warm-up"}
MOMENTUM = ("Momentum", "Param")  # LinearMomentum, CosineAnnealingParamScheduler: not the lr
COMMON = {"type", "begin", "end", "by_epoch", "convert_to_iter_based", "last_step", "verbose"}
ARGUMENTS = {"LinearLR": {"start_factor", "end_factor"}, "MultiStepLR": {"milestones", "gamma"},
             "StepLR": {"step_size", "gamma"}, "ConstantLR": {"factor"}, "ExponentialLR": {"gamma"},
             "CosineAnnealingLR": {"T_max", "eta_min", "eta_min_ratio"}, "PolyLR": {"eta_min", "power"}}
STEPWISE = {"MultiStepLR", "StepLR", "ConstantLR"}  # constant between epochs: exact in a per-batch run too
HELD = {"MultiStepLR", "LinearLR", "ConstantLR", "PolyLR"}  # flat after their end anyway


@dataclass
class Part:
    """One `dict(type=...)` of a param_scheduler list, as written."""

    kind: str
    given: dict[str, Any]
    line: int
    label: str = field(init=False)

    def __post_init__(self) -> None:
        self.label = f"mmengine's dict(type='{self.kind}', ...)"


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    if path != ("dict",) or node.args:
        return None
    keys = {k.arg for k in node.keywords}
    if "policy" in keys:
        return _mmcv(reader, node)
    kind = _type(next((k.value for k in node.keywords if k.arg == "type"), None))
    if kind is None:
        return None
    return _part(reader, kind, {k.arg: k.value for k in node.keywords})


def _type(node: ast.expr | None) -> str | None:
    """type='LinearLR', or mmengine's new-style config's imported class, type=LinearLR."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name | ast.Attribute):
        name = ast.unparse(node).rsplit(".", 1)[-1]
        return name if name in READ or name in NOT_READ else None
    return None


def read_dict(reader: Any, node: ast.Dict) -> Any:
    """`{'type': 'LinearLR', ...}`: the same as dict(type='LinearLR', ...); None for any other dict."""
    if None in node.keys or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return None
    items = {k.value: v for k, v in zip(node.keys, node.values, strict=True)}
    kind = _type(items.get("type"))
    if kind is None:
        return None
    return _part(reader, kind, items)


def _part(reader: Any, kind: str, items: dict[str, ast.expr]) -> Any:
    label = f"mmengine's dict(type='{kind}', ...)"
    if kind.endswith(MOMENTUM) and not kind.endswith("LR"):
        return Unknown(f"dict(type='{kind}')")  # a momentum or other parameter's scheduler: not the lr's
    if kind in NOT_READ:
        raise reader.fail(f"{label} is not read: {NOT_READ[kind]}")
    if kind not in READ:
        return Unknown(f"dict(type='{kind}')")  # not a scheduler (a dataset, a model...): not read
    given = {key: reader.value(value, label, key) for key, value in items.items()}
    unread = [key for key in given if key not in COMMON | ARGUMENTS[kind]]
    if unread:
        raise reader.fail(f"{label}: {unread[0]} is not read (mmengine's {kind} takes "
                          f"{', '.join(sorted(ARGUMENTS[kind]))}, begin, end, by_epoch)", unread[0])
    if given.get("last_step", -1) != -1:
        raise reader.fail(f"{label}: last_step resumes a run; lrviz starts from the beginning", "last_step")
    return Part(kind, given, reader.line)


def combine(reader: Any, value: Any) -> Any:
    """A list of mmengine parts as one schedule; any other list as it is."""
    if not isinstance(value, list) or not any(isinstance(item, Part) for item in value):
        return value
    parts = [item for item in value if isinstance(item, Part)]
    others = [item for item in value if not isinstance(item, Part | Unknown)]
    if others:
        raise reader.fail(f"mmengine's param_scheduler holds {others[0]!r:.40}, which is not a dict(type=...)")
    # in optimizer steps when a part counts them, or when the run steps per batch (epochs converted, or refused)
    per_batch = any(not _by_epoch(p) or p.given.get("convert_to_iter_based", False) for p in parts) or (
        reader.run is not None and reader.run.per_batch)
    spans = [_span(reader, part, per_batch) for part in parts]
    steps = reader.counts("mmengine's param_scheduler", per_batch,
                          "by_epoch=False or convert_to_iter_based=True" if per_batch else "by_epoch=True")
    children = [_torch(reader, part, begin, end, per_batch) for part, (begin, end) in zip(parts, spans, strict=True)]
    _check_end(reader, parts, spans, per_batch)
    if len(children) == 1 and spans[0][0] == 0:
        return _with_steps(reader, children[0], steps)
    if all(begin == 0 for begin, _ in spans):
        return reader.built("ChainedScheduler", {}, tuple(children), steps=steps)
    order = sorted(range(len(parts)), key=lambda i: spans[i][0])
    for before, after in itertools.pairwise(order):
        if spans[before][1] != spans[after][0]:
            raise reader.fail(f"mmengine's param_scheduler: {parts[after].label} begins at {spans[after][0]} but "
                              f"{parts[before].label} ends at {spans[before][1]}: lrviz reads parts that all begin "
                              "at 0, or that follow one another from 0")
        if not _ends_at_base(parts[before]):
            raise reader.fail(f"mmengine's param_scheduler: {parts[before].label} does not end at the base lr, "
                              f"and {parts[after].label} goes on from the lr it leaves; lrviz's SequentialLR "
                              "restarts each part from the base lr")
    if spans[order[0]][0] != 0:
        raise reader.fail(f"mmengine's param_scheduler: the first part begins at {spans[order[0]][0]}, not 0")
    milestones = [spans[i][0] for i in order[1:]]
    return reader.built("SequentialLR", {"milestones": milestones}, tuple(children[i] for i in order),
                        steps=steps)


def _with_steps(reader: Any, built: Built, steps: str) -> Built:
    return Built(built.name, built.params, built.children, built.line, (*built.origin, ("@steps", steps)))


def _by_epoch(part: Part) -> bool:
    return part.given.get("by_epoch", True) is not False


def _span(reader: Any, part: Part, per_batch: bool) -> tuple[int, float]:
    """begin and end in the schedule's unit: optimizer steps when any part counts them."""
    begin = reader.number(part.label, "begin", part.given.get("begin", 0), whole=True)
    end = part.given.get("end", INF)
    end = INF if end == INF else reader.number(part.label, "end", end, whole=True)
    if end <= begin:
        raise reader.fail(f"{part.label}: end must be above begin (got begin={begin}, end={end}), as mmengine "
                          "requires", "end")
    if per_batch and _by_epoch(part):
        if reader.run is None:
            raise reader.fail(f"{part.label} counts epochs and another part counts optimizer steps: lrviz needs "
                              "the run's batches per epoch to read them together")
        if not part.given.get("convert_to_iter_based", False) and part.kind not in STEPWISE:
            raise reader.fail(f"{part.label} counts epochs (by_epoch=True) and changes the lr once per epoch in a "
                              "run stepped per batch: add convert_to_iter_based=True, or set by_epoch=False")
        spe = reader.run.steps_per_epoch
        return begin * spe, end if end == INF else end * spe
    return begin, end


def _torch(reader: Any, part: Part, begin: int, end: float, per_batch: bool) -> Built:
    """The torch schedule one part is, in the schedule's unit."""
    g, label = part.given, part.label
    scale = reader.run.steps_per_epoch if per_batch and _by_epoch(part) else 1
    stepwise = per_batch and _by_epoch(part) and not g.get("convert_to_iter_based", False)
    span = end - begin
    lasting = (span // scale - 1) * scale if stepwise else span - 1  # LinearLR, ConstantLR, PolyLR: end - begin - 1
    reader.line = part.line
    if part.kind in ("LinearLR", "ConstantLR", "PolyLR") and end == INF:
        raise reader.fail(f"{label}: end is not given: mmengine's default never ends the {part.kind}; write "
                          "end=...", "end")
    if part.kind == "LinearLR":
        return reader.built("LinearLR", {"start_factor": reader.number(label, "start_factor",
                                                                        g.get("start_factor", 1.0 / 3)),
                                         "end_factor": reader.number(label, "end_factor", g.get("end_factor", 1.0)),
                                         "total_iters": lasting})
    if part.kind == "ConstantLR":
        return reader.built("ConstantLR", {"factor": reader.number(label, "factor", g.get("factor", 1.0 / 3)),
                                           "total_iters": lasting})
    if part.kind == "MultiStepLR":
        milestones = g.get("milestones")
        if not isinstance(milestones, list):
            raise reader.fail(f"{label}: milestones must be a list, like [8, 11]", "milestones")
        return reader.built("MultiStepLR", {"milestones": [reader.number(label, "milestones", m, whole=True) * scale
                                                           for m in milestones],
                                            "gamma": reader.number(label, "gamma", g.get("gamma", 0.1))})
    if part.kind == "StepLR":
        return reader.built("StepLR", {"step_size": reader.number(label, "step_size", g.get("step_size"),
                                                                  whole=True) * scale,
                                       "gamma": reader.number(label, "gamma", g.get("gamma", 0.1))})
    if part.kind == "ExponentialLR":
        return reader.built("ExponentialLR", {"gamma": reader.number(label, "gamma", g.get("gamma"))})
    if part.kind == "PolyLR":  # (base - eta_min)(1 - t/T)^power + eta_min, held after T: transformers' polynomial
        return reader.built("get_polynomial_decay_schedule_with_warmup", {
            "num_warmup_steps": 0, "num_training_steps": lasting,
            "lr_end": reader.number(label, "eta_min", g.get("eta_min", 0.0)),
            "power": reader.number(label, "power", g.get("power", 1.0))})
    return _cosine(reader, part, span, scale)


def _cosine(reader: Any, part: Part, span: float, scale: int) -> Built:
    g, label = part.given, part.label
    t_max = g.get("T_max")
    t_max = span if t_max is None else reader.number(label, "T_max", t_max, whole=True) * scale
    if t_max == INF:
        raise reader.fail(f"{label}: neither T_max nor end is given", "T_max")
    eta_min = g.get("eta_min")
    if g.get("eta_min_ratio") is not None:
        if eta_min is not None:
            raise reader.fail(f"{label}: give eta_min or eta_min_ratio, not both (mmengine asserts it)", "eta_min")
        if reader.run is None:
            raise reader.fail(f"{label}: eta_min_ratio is a fraction of the run's lr, which lrviz needs to read it",
                              "eta_min_ratio")
        ratio = reader.number(label, "eta_min_ratio", g["eta_min_ratio"])
        return reader.built("CosineAnnealingLR", {"T_max": t_max, "eta_min": ratio * reader.run.lr},
                            origin=(("eta_min", f"eta_min_ratio={ratio} × the run's lr {reader.run.lr:g}"),))
    return reader.built("CosineAnnealingLR", {"T_max": t_max,
                                              "eta_min": reader.number(label, "eta_min", eta_min or 0.0)})


def _ends_at_base(part: Part) -> bool:
    if part.kind == "LinearLR":
        return part.given.get("end_factor", 1.0) == 1.0
    return part.kind == "ConstantLR"  # restores the base lr at its end


def _check_end(reader: Any, parts: list[Part], spans: list[tuple[int, float]], per_batch: bool) -> None:
    """mmengine stops a part at its end and holds the lr; torch's classes go on: refused where that differs."""
    if reader.run is None:
        return
    horizon = reader.run.horizon
    last = max(end for _, end in spans)
    for part, (_, end) in zip(parts, spans, strict=True):
        if end == last and end < horizon and part.kind not in HELD:
            unit = "optimizer steps" if per_batch else "epochs"
            raise reader.fail(f"{part.label}: ends at {end} {unit} and mmengine holds the lr after it, but the run "
                              f"is {horizon} {unit} long: set end to {horizon}, or the run's length to {end}", "end")


def _mmcv(reader: Any, node: ast.Call) -> Any:
    """mmcv's lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[8, 11]):
    a linear warm-up by iterations times a step decay by epochs (mmcv 1.x `runner/hooks/lr_updater.py`)."""
    given = {k.arg: reader.value(k.value, "mmcv's lr_config", k.arg) for k in node.keywords}
    label = f"mmcv's lr_config = dict(policy={given['policy']!r:.20}, ...)"
    if given["policy"] != "step":
        raise reader.fail(f"{label} is not read: lrviz reads mmcv's policy='step' (for the others, write "
                          "mmengine's param_scheduler)", "policy")
    known = {"policy", "warmup", "warmup_iters", "warmup_ratio", "step", "gamma", "by_epoch"}
    unread = [key for key in given if key not in known]
    if unread:
        raise reader.fail(f"{label}: {unread[0]} is not read (it reads {', '.join(sorted(known))})", unread[0])
    if given.get("by_epoch", True) is False:
        raise reader.fail(f"{label}: by_epoch=False is not read", "by_epoch")
    steps = given.get("step")
    steps = steps if isinstance(steps, list) else [steps]
    steps = [reader.number(label, "step", s, whole=True) for s in steps]
    gamma = reader.number(label, "gamma", given.get("gamma", 0.1))
    if given.get("warmup") is None:
        reader.counts(label, False, "by_epoch=True without a warm-up")
        return reader.built("MultiStepLR", {"milestones": steps, "gamma": gamma}, steps="epoch")
    if given["warmup"] != "linear":
        raise reader.fail(f"{label}: warmup={given['warmup']!r:.20} is not read (lrviz reads 'linear')", "warmup")
    reader.counts(label, True, "its warm-up counts iterations")
    if reader.run is None:
        raise reader.fail(f"{label}: the steps count epochs and the warm-up iterations: lrviz needs the run's "
                          "batches per epoch to read them together")
    spe = reader.run.steps_per_epoch
    warm = reader.built("LinearLR", {"start_factor": reader.number(label, "warmup_ratio",
                                                                    given.get("warmup_ratio", 0.1)),
                                     "end_factor": 1.0,
                                     "total_iters": reader.number(label, "warmup_iters", given.get("warmup_iters", 0),
                                                                  whole=True)})
    decay = reader.built("MultiStepLR", {"milestones": [s * spe for s in steps], "gamma": gamma})
    return reader.built("ChainedScheduler", {}, (warm, decay), steps="batch")
