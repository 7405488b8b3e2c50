"""timm's dialect: `CosineLRScheduler(optimizer, t_initial=..., warmup_t=..., lr_min=...)`, `StepLRScheduler`,
`MultiStepLRScheduler` and `create_scheduler_v2(optimizer, sched='cosine', num_epochs=...)`.

Transcribed from timm 1.0.31's `scheduler/cosine_lr.py`, `step_lr.py`, `multistep_lr.py` and
`scheduler_factory.py`. timm's schedulers count epochs unless `t_in_epochs=False` (factory:
`step_on_epochs=False`, which multiplies every length by `updates_per_epoch`); the run must step the same way.
"""

from __future__ import annotations

import ast
from typing import Any

CLASSES = ("CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler",
           "PolyLRScheduler", "TanhLRScheduler")
FACTORIES = ("create_scheduler_v2", "create_scheduler")
NOISE = ("noise_range_t", "noise_pct", "noise_std", "noise_seed")
WARMUP = ("warmup_t", "warmup_lr_init", "warmup_prefix")
SIGNATURES = {
    "CosineLRScheduler": ["optimizer", "t_initial", "lr_min", "cycle_mul", "cycle_decay", "cycle_limit", *WARMUP,
                          "t_in_epochs", *NOISE, "k_decay", "initialize"],
    "StepLRScheduler": ["optimizer", "decay_t", "decay_rate", *WARMUP, "t_in_epochs", *NOISE, "initialize"],
    "MultiStepLRScheduler": ["optimizer", "decay_t", "decay_rate", *WARMUP, "t_in_epochs", *NOISE, "initialize"],
}
FACTORY = ["optimizer", "sched", "num_epochs", "decay_epochs", "decay_milestones", "cooldown_epochs",
           "patience_epochs", "decay_rate", "min_lr", "warmup_lr", "warmup_epochs", "warmup_prefix", "noise",
           "noise_pct", "noise_std", "noise_seed", "cycle_mul", "cycle_decay", "cycle_limit", "k_decay",
           "plateau_mode", "step_on_epochs", "updates_per_epoch"]
NOT_READ = {"PlateauLRScheduler": "it steps on a metric, with timm's own patience and cooldown",
            "PolyLRScheduler": "lrviz does not declare timm's poly schedule",
            "TanhLRScheduler": "lrviz does not declare timm's tanh schedule"}


def _ours(path: tuple[str, ...]) -> bool:
    name = path[-1] if path else ""
    return (name in CLASSES or name in FACTORIES) and (len(path) == 1 or "timm" in path or path[-2] == "scheduler")


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    if not _ours(path):
        return None
    name = path[-1]
    label = f"timm's {name}"
    if name in NOT_READ:
        raise reader.fail(f"{label} is not read: {NOT_READ[name]}")
    if name == "create_scheduler":
        raise reader.fail(f"{label}(args, optimizer) reads its settings from args at run time: write "
                          "create_scheduler_v2(optimizer, sched=..., num_epochs=...) with the numbers")
    if name in FACTORIES:
        return _factory(reader, label, node)
    given = reader.library_call(label, node, SIGNATURES[name], set(SIGNATURES[name]))
    return _scheduler(reader, label, name, given)


def _scheduler(reader: Any, label: str, name: str, given: dict[str, Any]) -> Any:
    if given.get("noise_range_t") is not None:
        raise reader.fail(f"{label}: noise_range_t adds random noise to the lr, which lrviz does not draw",
                          "noise_range_t")
    per_batch = given.get("t_in_epochs", True) is False
    steps = reader.counts(label, per_batch, "t_in_epochs=False" if per_batch else "t_in_epochs=True, timm's "
                                                                                 "default")
    params = {}
    for key in ("t_initial", "decay_t", "cycle_limit", "warmup_t"):
        if key in given and not (key == "decay_t" and name == "MultiStepLRScheduler"):
            params[key] = reader.number(label, key, given[key], whole=True)
    for key in ("lr_min", "cycle_mul", "cycle_decay", "warmup_lr_init", "k_decay", "decay_rate"):
        if key in given:
            params[key] = reader.number(label, key, given[key])
    if "warmup_prefix" in given:
        params["warmup_prefix"] = bool(given["warmup_prefix"])
    if name == "MultiStepLRScheduler":
        return _multistep(reader, label, given, params, steps)
    if name == "StepLRScheduler":
        params.setdefault("decay_rate", 1.0)
    if name == "CosineLRScheduler" and "t_initial" not in params:
        raise reader.fail(f"{label}: t_initial is required (timm has no default)", "t_initial")
    if name == "StepLRScheduler" and "decay_t" not in params:
        raise reader.fail(f"{label}: decay_t is required (timm has no default)", "decay_t")
    return reader.built(name, params, steps=steps)


def _multistep(reader: Any, label: str, given: dict[str, Any], params: dict[str, Any], steps: str) -> Any:
    """timm's MultiStepLRScheduler: decay_rate ** bisect_right(decay_t, t) after the warm-up = MultiStepLR."""
    milestones = given.get("decay_t")
    if not isinstance(milestones, list):
        raise reader.fail(f"{label}: decay_t must be a list of steps, like [30, 60]", "decay_t")
    milestones = [reader.number(label, "decay_t", m, whole=True) for m in milestones]
    if params.get("warmup_t", 0):
        raise reader.fail(f"{label}: a warm-up (warmup_t) with milestones is not read; lrviz reads "
                          "MultiStepLRScheduler without one", "warmup_t")
    # timm decays at bisect_right(decay_t, t + 1): one step before each milestone, where MultiStepLR would
    return reader.built("MultiStepLR", {"milestones": [m - 1 for m in milestones],
                                        "gamma": params.get("decay_rate", 1.0)},
                        origin=(("milestones", f"timm's decay_t={milestones}, one step earlier"),), steps=steps)


def _factory(reader: Any, label: str, node: ast.Call) -> Any:
    """create_scheduler_v2: timm's factory, for sched 'cosine', 'step' and 'multistep'."""
    given = reader.library_call(label, node, FACTORY, set(FACTORY))
    sched = given.get("sched", "cosine")
    if sched not in ("cosine", "step", "multistep"):
        raise reader.fail(f"{label}: sched={sched!r:.30} is not read (lrviz reads 'cosine', 'step', "
                          "'multistep')", "sched")
    if given.get("noise") is not None:
        raise reader.fail(f"{label}: noise adds random noise to the lr, which lrviz does not draw", "noise")
    scale = 1
    if given.get("step_on_epochs", True) is False:
        scale = reader.number(label, "updates_per_epoch", given.get("updates_per_epoch", 0), whole=True)
        if scale <= 0:
            raise reader.fail(f"{label}: step_on_epochs=False needs updates_per_epoch, the batches per epoch "
                              "(timm asserts it)", "updates_per_epoch")
    whole = {key: reader.number(label, key, given[key], whole=True) * scale
             for key in ("num_epochs", "warmup_epochs") if key in given}
    common = {"warmup_t": whole.get("warmup_epochs", 0), "warmup_lr_init": given.get("warmup_lr", 1e-5),
              "warmup_prefix": given.get("warmup_prefix", False), "t_in_epochs": scale == 1}
    if sched == "cosine":
        settings = {"t_initial": whole.get("num_epochs", 300 * scale), "lr_min": given.get("min_lr", 0.0),
                    "cycle_mul": given.get("cycle_mul", 1.0), "cycle_decay": given.get("cycle_decay", 0.1),
                    "cycle_limit": given.get("cycle_limit", 1), "k_decay": given.get("k_decay", 1.0)}
        return _scheduler(reader, label, "CosineLRScheduler", common | settings)
    if sched == "step":
        decay = reader.number(label, "decay_epochs", given.get("decay_epochs", 90), whole=True)
        settings = {"decay_t": decay * scale, "decay_rate": given.get("decay_rate", 0.1)}
        return _scheduler(reader, label, "StepLRScheduler", common | settings)
    milestones = given.get("decay_milestones", [90, 180, 270])
    if isinstance(milestones, list):
        milestones = [reader.number(label, "decay_milestones", m, whole=True) * scale for m in milestones]
    return _scheduler(reader, label, "MultiStepLRScheduler",
                      common | {"decay_t": milestones, "decay_rate": given.get("decay_rate", 0.1)})
