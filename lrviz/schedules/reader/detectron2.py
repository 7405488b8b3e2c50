"""detectron2's dialect: `WarmupMultiStepLR(optimizer, milestones, gamma=0.1, warmup_factor=0.001,
warmup_iters=1000, warmup_method='linear')` and `WarmupCosineLR(optimizer, max_iters, ...)`.

Transcribed from detectron2's `solver/lr_scheduler.py`: the lr is `base_lr × warmup × decay`, the warm-up
factor `warmup_factor (1 - t/W) + t/W` (linear) or `warmup_factor` (constant) before `warmup_iters`, so each
reads as torch's ChainedScheduler of the warm-up and the decay. detectron2 steps it every iteration.
"""

from __future__ import annotations

import ast
from typing import Any

SIGNATURES = {
    "WarmupMultiStepLR": ["optimizer", "milestones", "gamma", "warmup_factor", "warmup_iters", "warmup_method",
                          "last_epoch"],
    "WarmupCosineLR": ["optimizer", "max_iters", "warmup_factor", "warmup_iters", "warmup_method", "last_epoch"],
}
NOT_READ = {"build_lr_scheduler": "it reads cfg.SOLVER at run time: write WarmupMultiStepLR(optimizer, "
                                  "cfg.SOLVER.STEPS, cfg.SOLVER.GAMMA, ...) and give those names values",
            "LRMultiplier": "fvcore's ParamScheduler multipliers are not read",
            "WarmupParamScheduler": "fvcore's ParamScheduler multipliers are not read"}


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    name = path[-1] if path else ""
    if name not in SIGNATURES and name not in NOT_READ:
        return None
    label = f"detectron2's {name}"
    if name in NOT_READ:
        raise reader.fail(f"{label} is not read: {NOT_READ[name]}")
    given = reader.library_call(label, node, SIGNATURES[name], set(SIGNATURES[name]))
    steps = reader.counts(label, True, "detectron2 steps it every iteration")
    if given.get("last_epoch", -1) != -1:
        raise reader.fail(f"{label}: last_epoch resumes a run; lrviz starts from the beginning", "last_epoch")
    method = given.get("warmup_method", "linear")
    factor = reader.number(label, "warmup_factor", given.get("warmup_factor", 0.001))
    iters = reader.number(label, "warmup_iters", given.get("warmup_iters", 1000), whole=True)
    if method == "linear":
        warm = reader.built("LinearLR", {"start_factor": factor, "end_factor": 1.0, "total_iters": iters})
    elif method == "constant":
        warm = reader.built("ConstantLR", {"factor": factor, "total_iters": iters})
    else:
        raise reader.fail(f"{label}: warmup_method={method!r:.30} is not read (lrviz reads 'linear' and "
                          "'constant')", "warmup_method")
    if name == "WarmupMultiStepLR":
        milestones = given.get("milestones")
        if not isinstance(milestones, list):
            reader.number(label, "milestones", milestones)  # a name with no value: says how to give it one
            raise reader.fail(f"{label}: milestones needs a list of iterations (got {milestones!r:.40})",
                              "milestones")
        decay = reader.built("MultiStepLR", {
            "milestones": [reader.number(label, "milestones", m, whole=True) for m in milestones],
            "gamma": reader.number(label, "gamma", given.get("gamma", 0.1))})
    else:
        if "max_iters" not in given:
            raise reader.fail(f"{label}: max_iters is required", "max_iters")
        decay = reader.built("CosineAnnealingLR", {
            "T_max": reader.number(label, "max_iters", given["max_iters"], whole=True), "eta_min": 0.0})
    if iters == 0:
        return reader.built(decay.name, dict(decay.params), steps=steps)
    return reader.built("ChainedScheduler", {}, (warm, decay), steps=steps)
