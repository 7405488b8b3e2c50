"""Other libraries' schedules that no torch class computes exactly: timm's, Keras's and optax's, fastai's.

Each is a torch LambdaLR over a module-level (so picklable) multiplier of the scheduler's step counter `t`,
transcribed from the library's source (timm 1.0.31 `scheduler/cosine_lr.py`, `step_lr.py`; Keras 3.15
`optimizers/schedules/learning_rate_schedule.py`; optax 0.2.8 `schedules/_schedule.py`; fastai 2.8
`callback/schedule.py`). Where the library's values are absolute lrs (timm's `lr_min`, `warmup_lr_init`), the
multiplier divides by the optimizer's lr, as transformers' polynomial decay does; where the library's schedule
is the lr itself (Keras, optax, fastai), it is read relative to the schedule's peak, which is the run's lr.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import partial
from typing import Any

from torch.optim import lr_scheduler

from lrviz.schedules.declaration import SchedulerSpec
from lrviz.schedules.params import Param, RunContext, SpecError


def timm_cosine(t: int, t_initial: int, lr_min: float, cycle_mul: float, cycle_decay: float, cycle_limit: int,
                warmup_t: int, warmup_lr_init: float, warmup_prefix: bool, k_decay: float, lr_init: float) -> float:
    """timm's CosineLRScheduler._get_lr for one group of base lr `lr_init`, divided by it."""
    if t < warmup_t:
        return (warmup_lr_init + t * ((lr_init - warmup_lr_init) / warmup_t)) / lr_init
    if warmup_prefix:
        t = t - warmup_t
    if cycle_mul != 1:
        i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
        t_i = cycle_mul**i * t_initial
        t_curr = t - (1 - cycle_mul**i) / (1 - cycle_mul) * t_initial
    else:
        i = t // t_initial
        t_i = t_initial
        t_curr = t - (t_initial * i)
    if i >= cycle_limit:
        return lr_min / lr_init
    lr_max = lr_init * cycle_decay**i
    return (lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_curr**k_decay / t_i**k_decay))) / lr_init


def timm_step(t: int, decay_t: int, decay_rate: float, warmup_t: int, warmup_lr_init: float, warmup_prefix: bool,
              lr_init: float) -> float:
    """timm's StepLRScheduler._get_lr, divided by the base lr."""
    if t < warmup_t:
        return (warmup_lr_init + t * ((lr_init - warmup_lr_init) / warmup_t)) / lr_init
    if warmup_prefix:
        t = t - warmup_t
    return decay_rate ** (t // decay_t)


def warmup_cosine_decay(t: int, warmup_steps: int, decay_steps: int, start_factor: float, alpha: float,
                        exponent: float) -> float:
    """Keras's CosineDecay (with its warm-up) and optax's warmup_cosine_decay_schedule, as a fraction of the
    peak: a line from start_factor to 1 over warmup_steps, then a cosine down to alpha over decay_steps."""
    if t < warmup_steps:
        return start_factor + (1.0 - start_factor) * (t / warmup_steps)
    done = min(t - warmup_steps, decay_steps) / decay_steps
    return (1.0 - alpha) * (0.5 * (1.0 + math.cos(math.pi * done))) ** exponent + alpha


def polynomial_decay(t: int, decay_steps: int, end_factor: float, power: float, cycle: bool) -> float:
    """Keras's PolynomialDecay, as a fraction of its initial_learning_rate."""
    if cycle:
        steps = decay_steps * max(1, math.ceil(t / decay_steps))
    else:
        steps, t = decay_steps, min(t, decay_steps)
    return (1.0 - end_factor) * (1.0 - t / steps) ** power + end_factor


def rate_decay(t: int, decay_steps: int, decay_rate: float, staircase: bool, transition_begin: int) -> float:
    """Keras's ExponentialDecay and optax's exponential_decay: decay_rate ** (t / decay_steps), from
    transition_begin on (optax), floored when staircase."""
    p = max(0, t - transition_begin) / decay_steps
    return decay_rate ** (math.floor(p) if staircase else p)


def one_cycle(t: int, total_steps: int, pct_start: float, div: float, div_final: float) -> float:
    """fastai's fit_one_cycle lr, as a fraction of lr_max: combined_cos(pct_start, 1/div, 1, 1/div_final) at
    pos = t / total_steps (fastai's pct_train); each phase anneals start + (1 + cos(pi (1 - p))) (end - start) / 2."""
    pos = t / total_steps
    if pos >= 1.0:
        return 1.0 / div_final
    if pos < pct_start:
        start, end, p = 1.0 / div, 1.0, pos / pct_start
    else:
        start, end, p = 1.0, 1.0 / div_final, (pos - pct_start) / (1.0 - pct_start)
    return start + (1 + math.cos(math.pi * (1 - p))) * (end - start) / 2


def _timm_cosine_code(v: dict[str, str]) -> str:
    if v["cycle_mul"] == "1.0":
        i, t_i, t_curr = f"u // {v['t_initial']}", v["t_initial"], f"u - {v['t_initial']} * i"
    else:
        m, t0 = v["cycle_mul"], v["t_initial"]
        i, t_i, t_curr = (f"math.floor(math.log(1 - u / {t0} * (1 - {m}), {m}))", f"{m} ** i * {t0}",
                          f"u - (1 - {m} ** i) / (1 - {m}) * {t0}")
    cosine = (f"({v['lr_min']} + 0.5 * ({v['lr_init']} * {v['cycle_decay']} ** i - {v['lr_min']}) * (1 + math.cos("
              f"math.pi * tc ** {v['k_decay']} / ti ** {v['k_decay']}))) / {v['lr_init']}")
    body = f"{cosine} if i < {v['cycle_limit']} else {v['lr_min']} / {v['lr_init']}"
    # the names written in place, innermost last: the script's lambda stays one expression of {t} (no inner
    # lambdas, which the generated script's checks refuse), computing the same floats in the same order
    for name, expression in (("ti", t_i), ("tc", t_curr), ("i", i)):
        body = re.sub(rf"\b{name}\b", f"({expression})", body)
    return re.sub(r"\bu\b", f"({{t}} - {v['warmup_t']} if {v['warmup_prefix']} else {{t}})", body)


def _timm_step_code(v: dict[str, str]) -> str:
    return (f"{v['decay_rate']} ** (({{t}} - {v['warmup_t']} if {v['warmup_prefix']} else {{t}}) // "
            f"{v['decay_t']})")


def _timm_warm(v: dict[str, str], rest: str) -> str:
    if v["warmup_t"] == "0":
        return rest
    return (f"({v['warmup_lr_init']} + {{t}} * (({v['lr_init']} - {v['warmup_lr_init']}) / {v['warmup_t']})) / "
            f"{v['lr_init']} if {{t}} < {v['warmup_t']} else {rest}")


def _cosine_decay_code(v: dict[str, str]) -> str:
    w, d = v["warmup_steps"], v["decay_steps"]
    decay = (f"(1.0 - {v['alpha']}) * (0.5 * (1.0 + math.cos(math.pi * (min({{t}} - {w}, {d}) / {d})))) ** "
             f"{v['exponent']} + {v['alpha']}")
    if w == "0":
        return decay
    return f"{v['start_factor']} + (1.0 - {v['start_factor']}) * ({{t}} / {w}) if {{t}} < {w} else {decay}"


def _polynomial_code(v: dict[str, str]) -> str:
    d, e = v["decay_steps"], v["end_factor"]
    steps = f"{d} * max(1, math.ceil({{t}} / {d}))" if v["cycle"] == "True" else d
    t = "{t}" if v["cycle"] == "True" else f"min({{t}}, {d})"
    return f"(1.0 - {e}) * (1.0 - {t} / ({steps})) ** {v['power']} + {e}"


def _rate_code(v: dict[str, str]) -> str:
    p = f"(max(0, {{t}} - {v['transition_begin']}) / {v['decay_steps']})"
    return f"{v['decay_rate']} ** {f'math.floor({p})' if v['staircase'] == 'True' else p}"


def _one_cycle_code(v: dict[str, str]) -> str:
    pos, ps, d, f = f"({{t}} / {v['total_steps']})", v["pct_start"], v["div"], v["div_final"]
    up = f"1.0 / {d} + (1 + math.cos(math.pi * (1 - {pos} / {ps}))) * (1.0 - 1.0 / {d}) / 2"
    down = f"1.0 + (1 + math.cos(math.pi * (1 - ({pos} - {ps}) / (1.0 - {ps})))) * (1.0 / {f} - 1.0) / 2"
    return f"1.0 / {f} if {pos} >= 1.0 else {up} if {pos} < {ps} else {down}"


def _lambda(function, body, needs_lr: bool = False, warm: bool = False):
    """build and code: LambdaLR over `function` with the checked parameters (and the optimizer's lr); the code
    is the same multiplier as a plain lambda, so a generated script needs none of these libraries."""

    def build(optimizer, params, ctx, children):
        extra = {"lr_init": optimizer.defaults["lr"]} if needs_lr else {}
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=partial(function, **params, **extra))

    def code(params: dict[str, Any], ctx: RunContext, children: list[str]) -> str:
        t = "step" if ctx.per_batch else "epoch"
        values = {key: repr(value) for key, value in params.items()} | {"lr_init": repr(ctx.lr)}
        expression = _timm_warm(values, body(values)) if warm else body(values)
        return f"lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda {t}: {expression.format(t=t)})"

    return {"build": build, "code": code}


def _steps(name: str, default, help: str, low: int = 1) -> Param:
    return Param(name, "int", default, help, low=low, spans_run=True)


def _fraction(name: str, default: float, help: str) -> Param:
    return Param(name, "float", default, help, low=0.0, high=1.0)


def _absolute(name: str, default: float, help: str) -> Param:
    return Param(name, "float", default, help, low=0.0, slider_high=1.0)


def _timm_rules(params: dict, ctx: RunContext) -> None:
    for key in ("lr_min", "warmup_lr_init"):
        if key in params and params[key] > ctx.lr:
            raise SpecError(f"{key} is an absolute lr above the optimizer's lr {ctx.lr:g} (got {params[key]:g})", key)


def _decay_rules(params: dict, ctx: RunContext) -> None:
    if params["decay_rate"] <= 0:
        raise SpecError(f"decay_rate must be above 0 (got {params['decay_rate']:g})", "decay_rate")


_WARMUP_T = _steps("warmup_t", 0, "warm-up steps (timm counts epochs, or updates with t_in_epochs=False)", low=0)
_WARMUP_LR = _absolute("warmup_lr_init", 0.0, "the lr at the first warm-up step (absolute)")
_PREFIX = Param("warmup_prefix", "bool", False, "the schedule starts after the warm-up (else it includes it)")

LIBRARY_SCHEDULES: tuple[SchedulerSpec, ...] = (
    SchedulerSpec(
        name="CosineLRScheduler", summary="timm's cosine with warm-up and restarts",
        explain="timm's default: a linear warm-up from warmup_lr_init, then half-cosines of t_initial steps "
                "(each cycle_mul times longer and cycle_decay times lower) down to lr_min, then lr_min.",
        formula=r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi t}{T}\right)",
        params=(_steps("t_initial", lambda ctx: ctx.horizon, "steps of the first cosine cycle"),
                _absolute("lr_min", 0.0, "the lowest lr (absolute)"),
                Param("cycle_mul", "float", 1.0, "each cycle is this much longer (below 1 timm's cycles shrink "
                      "until its log fails)", low=1.0, slider_high=4.0),
                Param("cycle_decay", "float", 1.0, "each cycle's peak is this much lower", low=0.0, slider_high=1.0),
                Param("cycle_limit", "int", 1, "cycles before the lr stays at lr_min", low=1, slider_high=10),
                _WARMUP_T, _WARMUP_LR, _PREFIX,
                Param("k_decay", "float", 1.0, "k-decay exponent of the cosine's progress (t ** k must stay a "
                      "float)", low=0.0, low_open=True, high=10.0, slider_high=4.0)),
        **_lambda(timm_cosine, _timm_cosine_code, needs_lr=True, warm=True), family="timm", rules=_timm_rules,
    ),
    SchedulerSpec(
        name="StepLRScheduler", summary="timm's step decay with warm-up",
        explain="timm's step schedule: a linear warm-up from warmup_lr_init, then decay_rate every decay_t steps.",
        formula=r"\eta_t = \eta_0 \cdot r^{\lfloor t / d \rfloor}",
        params=(_steps("decay_t", lambda ctx: max(1, ctx.horizon // 3), "steps between decays"),
                Param("decay_rate", "float", 1.0, "multiplier at each decay", low=0.0, slider_high=1.0),
                _WARMUP_T, _WARMUP_LR, replace(_PREFIX, default=True)),  # timm's StepLRScheduler: True
        **_lambda(timm_step, _timm_step_code, needs_lr=True, warm=True), family="timm", rules=_timm_rules,
    ),
    SchedulerSpec(
        name="WarmupCosineDecay", summary="Keras's CosineDecay and optax's warmup_cosine_decay_schedule",
        explain="A line from start_factor of the peak up to the peak over warmup_steps, then a cosine (raised to "
                "exponent) down to alpha of the peak over decay_steps, then alpha.",
        formula=r"\eta_t = \eta_0 \left((1-\alpha)\left(\tfrac{1}{2}(1 + \cos\frac{\pi \min(t - w, D)}{D})"
                r"\right)^k + \alpha\right), \; t \ge w",
        params=(_steps("warmup_steps", 0, "warm-up steps", low=0),
                _steps("decay_steps", lambda ctx: ctx.horizon, "steps of the cosine after the warm-up"),
                _fraction("start_factor", 1.0, "the lr at step 0 as a fraction of the peak"),
                _fraction("alpha", 0.0, "the lowest lr as a fraction of the peak"),
                Param("exponent", "float", 1.0, "power of the cosine (optax)", low=0.0, low_open=True,
                      slider_high=4.0)),
        **_lambda(warmup_cosine_decay, _cosine_decay_code), family="keras",
    ),
    SchedulerSpec(
        name="PolynomialDecay", summary="Keras's polynomial decay to an end lr",
        explain="(1 - t/decay_steps)^power from the initial lr down to end_factor of it, held after decay_steps "
                "(or restarted with a longer period when cycle).",
        formula=r"\eta_t = \eta_0\left((1 - e)(1 - \min(t, D)/D)^p + e\right)",
        params=(_steps("decay_steps", lambda ctx: ctx.horizon, "steps of the decay"),
                _fraction("end_factor", 1e-4 / 0.01, "the end lr as a fraction of the initial lr"),
                Param("power", "float", 1.0, "exponent of the decay", low=0.0, slider_high=10.0),
                Param("cycle", "bool", False, "restart the decay with a longer period after decay_steps")),
        **_lambda(polynomial_decay, _polynomial_code), family="keras",
    ),
    SchedulerSpec(
        name="RateDecay", summary="decay_rate ** (t / decay_steps): Keras's ExponentialDecay, optax's exponential",
        explain="Multiplies the lr by decay_rate every decay_steps steps, continuously or (staircase) in steps; "
                "optax may hold it for transition_begin steps first.",
        formula=r"\eta_t = \eta_0 \, r^{\max(0, t - b) / D}",
        params=(_steps("decay_steps", lambda ctx: max(1, ctx.horizon // 4), "steps per factor of decay_rate"),
                Param("decay_rate", "float", 0.5, "multiplier per decay_steps (a decay: at most 1)", low=0.0,
                      low_open=True, high=1.0),
                Param("staircase", "bool", False, "decay in whole steps of decay_steps"),
                _steps("transition_begin", 0, "steps before the decay starts (optax)", low=0)),
        **_lambda(rate_decay, _rate_code), family="keras", rules=_decay_rules,
    ),
    SchedulerSpec(
        name="fit_one_cycle", summary="fastai's one-cycle: cosine up from lr_max/div, then down to lr_max/div_final",
        explain="fastai's fit_one_cycle: two cosine phases over the whole run (fastai steps per batch): up to "
                "lr_max for pct_start of it, then down to lr_max/div_final.",
        formula=r"\eta_t = \eta_0 \cdot \mathrm{combined\_cos}(p_s, 1/d, 1, 1/d_f)(t / T)",
        params=(_steps("total_steps", lambda ctx: ctx.horizon, "steps of the cycle (epochs × batches)"),
                Param("pct_start", "float", 0.25, "share of the cycle spent warming up", low=0.0, high=1.0,
                      low_open=True, high_open=True),
                Param("div", "float", 25.0, "the first lr is lr_max / div", low=0.0, low_open=True, log=True,
                      slider_high=1e3),
                Param("div_final", "float", 1e5, "the last lr is lr_max / div_final", low=0.0, low_open=True,
                      log=True, slider_high=1e6)),
        **_lambda(one_cycle, _one_cycle_code), family="fastai",
    ),
)
