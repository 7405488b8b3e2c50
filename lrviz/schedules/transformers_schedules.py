"""Hugging Face transformers' warm-up helpers (`transformers.optimization`), with their exact formulas.

Each is a torch LambdaLR whose multiplier is a module-level function (so it pickles) of the
scheduler's step counter `t`, transcribed from transformers 5.23's `_get_*_lr_lambda` functions;
parameters keep transformers' names and order, so a pasted `get_linear_schedule_with_warmup(optimizer,
100, 1000)` reads as it runs. transformers steps them per batch; here `t` counts scheduler steps.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from torch.optim import lr_scheduler

from lrviz.schedules.declaration import SchedulerSpec
from lrviz.schedules.params import Param, RunContext, SpecError


def constant_with_warmup(t: int, num_warmup_steps: int) -> float:
    return t / max(1.0, num_warmup_steps) if t < num_warmup_steps else 1.0


def _warming(t: int, num_warmup_steps: int) -> float:
    return t / max(1, num_warmup_steps)


def _progress(t: int, num_warmup_steps: int, num_training_steps: int) -> float:
    return (t - num_warmup_steps) / max(1, num_training_steps - num_warmup_steps)


def linear_with_warmup(t: int, num_warmup_steps: int, num_training_steps: int) -> float:
    if t < num_warmup_steps:
        return _warming(t, num_warmup_steps)
    return max(0.0, (num_training_steps - t) / max(1, num_training_steps - num_warmup_steps))


def cosine_with_warmup(t: int, num_warmup_steps: int, num_training_steps: int, num_cycles: float) -> float:
    if t < num_warmup_steps:
        return _warming(t, num_warmup_steps)
    progress = _progress(t, num_warmup_steps, num_training_steps)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress)))


def cosine_with_hard_restarts(t: int, num_warmup_steps: int, num_training_steps: int, num_cycles: int) -> float:
    if t < num_warmup_steps:
        return _warming(t, num_warmup_steps)
    progress = _progress(t, num_warmup_steps, num_training_steps)
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((num_cycles * progress) % 1.0))))


def polynomial_decay_with_warmup(t: int, num_warmup_steps: int, num_training_steps: int, lr_end: float,
                                 power: float, lr_init: float) -> float:  # fmt: skip
    """lr_init is the optimizer's lr: transformers decays the lr itself to lr_end, then divides by it."""
    if t < num_warmup_steps:
        return _warming(t, num_warmup_steps)
    if t > num_training_steps:
        return lr_end / lr_init
    remaining = 1 - (t - num_warmup_steps) / (num_training_steps - num_warmup_steps)
    return ((lr_init - lr_end) * remaining**power + lr_end) / lr_init


def inverse_sqrt(t: int, num_warmup_steps: int, timescale: int | None) -> float:
    if t < num_warmup_steps:
        return _warming(t, num_warmup_steps)
    timescale = timescale or num_warmup_steps or 10_000  # transformers' default
    return 1.0 / math.sqrt((t + timescale - num_warmup_steps) / timescale)


_SHAPES = ("linear", "cosine", "1-sqrt")


def _shape(kind: str, progress: float, num_cycles: float, rising: bool) -> float:
    if kind == "linear":
        return progress if rising else 1.0 - progress
    if kind == "cosine":
        return 0.5 * (1.0 - math.cos(math.pi * progress)) if rising else \
            0.5 * (1.0 + math.cos(math.pi * num_cycles * 2.0 * progress))
    return 1.0 - math.sqrt(1.0 - progress) if rising else 1.0 - math.sqrt(progress)


def warmup_stable_decay(t: int, num_warmup_steps: int, num_decay_steps: int, num_training_steps: int | None,
                        num_stable_steps: int | None, warmup_type: str, decay_type: str, min_lr_ratio: float,
                        num_cycles: float) -> float:  # fmt: skip
    if num_stable_steps is None:  # transformers: num_stable_steps wins when both are given
        num_stable_steps = num_training_steps - num_warmup_steps - num_decay_steps
    if t < num_warmup_steps:
        factor = _shape(warmup_type, t / max(1, num_warmup_steps), num_cycles, rising=True)
        return max(0.0, factor * (1.0 - min_lr_ratio) + min_lr_ratio)
    if t < num_warmup_steps + num_stable_steps:
        return 1.0
    if t < num_warmup_steps + num_stable_steps + num_decay_steps:
        progress = (t - num_warmup_steps - num_stable_steps) / max(1, num_decay_steps)
        factor = _shape(decay_type, progress, num_cycles, rising=False)
        return max(0.0, factor * (1.0 - min_lr_ratio) + min_lr_ratio)
    return min_lr_ratio


def _builder(function, needs_lr: bool = False):
    """Builder and coder: LambdaLR over `function`, as transformers builds it, and the call that builds it."""

    def build(optimizer, params, ctx, children):
        extra = {"lr_init": optimizer.defaults["lr"]} if needs_lr else {}
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=partial(function, **params, **extra))

    return build


def _coder(body):
    """The same multiplier as a lambda in plain Python, so a generated script needs no transformers."""

    def code(params: dict[str, Any], ctx: RunContext, children: list[str]) -> str:
        t = "step" if ctx.per_batch else "epoch"
        values = {key: repr(value) for key, value in params.items()}
        warm = f"{t} / max(1, {values['num_warmup_steps']})"
        return (f"lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda {t}: {warm} if {t} < "
                f"{values['num_warmup_steps']} else {body(t, values, ctx)})")

    return code


def _progress_code(t: str, v: dict[str, str]) -> str:
    return f"({t} - {v['num_warmup_steps']}) / max(1, {v['num_training_steps']} - {v['num_warmup_steps']})"


def _cosine_code(t: str, v: dict[str, str], ctx: RunContext) -> str:
    return f"max(0.0, 0.5 * (1.0 + math.cos(math.pi * {v['num_cycles']} * 2.0 * {_progress_code(t, v)})))"


def _restarts_code(t: str, v: dict[str, str], ctx: RunContext) -> str:
    progress = _progress_code(t, v)
    return (f"(0.0 if {progress} >= 1.0 else max(0.0, 0.5 * (1.0 + math.cos(math.pi * (({v['num_cycles']} * "
            f"{progress}) % 1.0)))))")


def _polynomial_code(t: str, v: dict[str, str], ctx: RunContext) -> str:
    lr, end, w, total = repr(ctx.lr), v["lr_end"], v["num_warmup_steps"], v["num_training_steps"]
    return (f"({end} / {lr} if {t} > {total} else (({lr} - {end}) * (1 - ({t} - {w}) / ({total} - {w})) ** "
            f"{v['power']} + {end}) / {lr})")


def _inverse_sqrt_code(t: str, v: dict[str, str], ctx: RunContext) -> str:
    w = v["num_warmup_steps"]
    scale = v["timescale"] if v["timescale"] != "None" else repr(int(w) or 10_000)
    return f"1.0 / math.sqrt(({t} + {scale} - {w}) / {scale})"


_SHAPE_CODE = {("linear", True): "{p}", ("linear", False): "1.0 - {p}",
               ("cosine", True): "0.5 * (1.0 - math.cos(math.pi * {p}))",
               ("cosine", False): "0.5 * (1.0 + math.cos(math.pi * {c} * 2.0 * {p}))",
               ("1-sqrt", True): "1.0 - math.sqrt(1.0 - {p})", ("1-sqrt", False): "1.0 - math.sqrt({p})"}


def _wsd_code(t: str, v: dict[str, str], ctx: RunContext) -> str:
    w, d, r, c = v["num_warmup_steps"], v["num_decay_steps"], v["min_lr_ratio"], v["num_cycles"]
    stable = v["num_stable_steps"] if v["num_stable_steps"] != "None" else \
        repr(int(v["num_training_steps"]) - int(w) - int(d))
    rise = _SHAPE_CODE[v["warmup_type"].strip("'"), True].format(p=f"{t} / max(1, {w})", c=c)
    fall = _SHAPE_CODE[v["decay_type"].strip("'"), False].format(p=f"({t} - {w} - {stable}) / max(1, {d})", c=c)
    return (f"(max(0.0, ({rise}) * (1.0 - {r}) + {r}) if {t} < {w} else 1.0 if {t} < {w} + {stable} else "
            f"max(0.0, ({fall}) * (1.0 - {r}) + {r}) if {t} < {w} + {stable} + {d} else {r})")


def _warmup_param(low: int = 0) -> Param:
    return Param("num_warmup_steps", "int", lambda ctx: max(1, ctx.horizon // 10), "warm-up steps, from lr 0",
                 low=low, spans_run=True)


_TRAINING = Param("num_training_steps", "int", lambda ctx: ctx.horizon, "steps until the lr reaches its end",
                  low=1, spans_run=True)


def _cycles(default: float, kind: str = "float", help: str = "cosine waves after the warm-up (0.5: half a wave)"):
    return Param("num_cycles", kind, default, help, low=0, slider_high=5)


def _after_warmup(params: dict, ctx: RunContext) -> None:
    """The polynomial decay divides by num_training_steps - num_warmup_steps (transformers does not check)."""
    if params["num_training_steps"] <= params["num_warmup_steps"]:
        raise SpecError(f"num_training_steps must be above num_warmup_steps (got {params['num_training_steps']} and "
                        f"{params['num_warmup_steps']})", "num_training_steps")


def _polynomial_rules(params: dict, ctx: RunContext) -> None:
    _after_warmup(params, ctx)
    if not ctx.lr > params["lr_end"]:  # transformers raises the same
        raise SpecError(f"lr_end must be below the optimizer's lr {ctx.lr:g} (got {params['lr_end']:g})", "lr_end")


def _wsd_rules(params: dict, ctx: RunContext) -> None:
    if params["num_training_steps"] is None and params["num_stable_steps"] is None:
        raise SpecError("num_training_steps or num_stable_steps needs a value", "num_training_steps")


def _spec(name: str, function, body, summary: str, explain: str, formula: str, params: tuple[Param, ...],
          **more: Any) -> SchedulerSpec:  # fmt: skip
    needs_lr = more.pop("needs_lr", False)
    return SchedulerSpec(name=name, summary=summary, explain=explain, formula=formula, params=params,
                         build=_builder(function, needs_lr), code=_coder(body), family="transformers", **more)


_WARM = r"\frac{t}{w} & t < w \\ "
TRANSFORMERS_SCHEDULES: tuple[SchedulerSpec, ...] = (
    _spec("get_constant_schedule_with_warmup", constant_with_warmup, lambda t, v, ctx: "1.0",
          summary="warm-up from 0, then the base lr (transformers)",
          explain="transformers' plainest warm-up: the lr grows linearly from 0 over num_warmup_steps, then stays.",
          formula=r"\eta_t = \eta_0 \begin{cases} " + _WARM + r"1 & t \ge w \end{cases}",
          params=(_warmup_param(),)),
    _spec("get_linear_schedule_with_warmup", linear_with_warmup,
          lambda t, v, ctx: f"max(0.0, ({v['num_training_steps']} - {t}) / max(1, {v['num_training_steps']} - "
                            f"{v['num_warmup_steps']}))",
          summary="warm-up from 0, then linear decay to 0 (transformers)",
          explain="BERT's schedule and transformers' Trainer default: linear warm-up, then a straight line down "
                  "to 0 at num_training_steps.",
          formula=r"\eta_t = \eta_0 \begin{cases} " + _WARM + r"\max\left(0, \frac{T - t}{T - w}\right) & t \ge w "
                  r"\end{cases}",
          params=(_warmup_param(), _TRAINING)),
    _spec("get_cosine_schedule_with_warmup", cosine_with_warmup, _cosine_code,
          summary="warm-up from 0, then cosine decay (transformers)",
          explain="Linear warm-up, then num_cycles cosine waves over the remaining steps (0.5: half a wave down "
                  "to 0).",
          formula=r"\eta_t = \eta_0 \begin{cases} " + _WARM + r"\max\left(0, \tfrac{1}{2}(1 + \cos(2\pi c\,p))"
                  r"\right) & t \ge w \end{cases}, \; p = \frac{t - w}{T - w}",
          params=(_warmup_param(), _TRAINING, _cycles(0.5))),
    _spec("get_cosine_with_hard_restarts_schedule_with_warmup", cosine_with_hard_restarts, _restarts_code,
          summary="warm-up from 0, then cosine decays restarted num_cycles times (transformers)",
          explain="Linear warm-up, then num_cycles half-cosines, each jumping back to the base lr; 0 after "
                  "num_training_steps.",
          formula=r"\eta_t = \eta_0 \begin{cases} " + _WARM + r"\tfrac{1}{2}(1 + \cos(\pi\,((c\,p) \bmod 1))) & "
                  r"p < 1 \\ 0 & p \ge 1 \end{cases}, \; p = \frac{t - w}{T - w}",
          params=(_warmup_param(), _TRAINING, _cycles(1, "int", "number of cosine decays (hard restarts)"))),
    _spec("get_polynomial_decay_schedule_with_warmup", polynomial_decay_with_warmup, _polynomial_code,
          summary="warm-up from 0, then polynomial decay to lr_end (transformers)",
          explain="Linear warm-up, then (1 - p)^power from the base lr down to lr_end (an absolute lr), held "
                  "after num_training_steps.",
          formula=r"\eta_t = \begin{cases} \eta_0 \frac{t}{w} & t < w \\ (\eta_0 - \eta_{end})(1 - p)^{k} + "
                  r"\eta_{end} & w \le t \le T \\ \eta_{end} & t > T \end{cases}, \; p = \frac{t - w}{T - w}",
          params=(_warmup_param(), _TRAINING,
                  Param("lr_end", "float", 1e-7, "the lr at the end (absolute)", low=0.0, slider_high=0.1),
                  Param("power", "float", 1.0, "exponent of the decay", low=0.0, slider_high=10.0)),
          rules=_polynomial_rules, needs_lr=True),
    _spec("get_inverse_sqrt_schedule", inverse_sqrt, _inverse_sqrt_code,
          summary="warm-up from 0, then lr ∝ 1/√t (transformers)",
          explain="Linear warm-up, then the inverse square root decay of the original Transformer, on a "
                  "timescale (default: num_warmup_steps).",
          formula=r"\eta_t = \eta_0 \begin{cases} " + _WARM + r"\sqrt{\frac{s}{t + s - w}} & t \ge w \end{cases}",
          params=(_warmup_param(),
                  Param("timescale", "int", None, "decay timescale (empty: num_warmup_steps)", low=1,
                        optional=True, slider_high=lambda ctx: max(1, ctx.horizon)))),
    _spec("get_wsd_schedule", warmup_stable_decay, _wsd_code,
          summary="warm-up, stable, decay (transformers' WSD)",
          explain="Warm up from min_lr_ratio to the base lr, hold it, then decay back to min_lr_ratio over "
                  "num_decay_steps; each phase's shape is linear, cosine or 1-sqrt.",
          formula=r"\eta_t = \eta_0 \begin{cases} r + (1-r)\,\mathrm{up}(t/w) & t < w \\ 1 & t < w + S \\ "
                  r"r + (1-r)\,\mathrm{down}((t - w - S)/d) & t < w + S + d \\ r & \text{after} \end{cases}",
          params=(_warmup_param(),
                  Param("num_decay_steps", "int", lambda ctx: max(1, ctx.horizon // 5), "steps of the decay",
                        low=0, spans_run=True),
                  Param("num_training_steps", "int", lambda ctx: ctx.horizon,
                        "all steps: the stable phase is what warm-up and decay leave", low=0, optional=True,
                        spans_run=True),
                  Param("num_stable_steps", "int", None, "steps at the base lr (empty: from num_training_steps)",
                        low=0, optional=True, slider_high=lambda ctx: max(1, ctx.horizon)),
                  Param("warmup_type", "choice", "linear", "shape of the warm-up", choices=_SHAPES),
                  Param("decay_type", "choice", "cosine", "shape of the decay", choices=_SHAPES),
                  Param("min_lr_ratio", "float", 0.0, "lr at the start and end, as a fraction of the base lr",
                        low=0.0, slider_high=1.0),
                  _cycles(0.5)),
          rules=_wsd_rules),
)
