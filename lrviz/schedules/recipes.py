"""Schedules that are not torch classes: the Keras text's formulas and practitioners' warm-up recipes.

Each is built from torch's own pieces: LambdaLR with a module-level (so picklable)
multiplier, or SequentialLR of torch schedulers, as optax's `join_schedules` does.
`t` is the scheduler's step counter: the epoch, or the optimizer step when stepping per batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from torch.optim import lr_scheduler

from lrviz.schedules.declaration import Builder, Coder, SchedulerSpec
from lrviz.schedules.params import Param, RunContext, SpecError
from lrviz.schedules.torch_schedulers import factor_param, steps_param


def constant(t: int) -> float:
    return 1.0


def time_based_decay(t: int, k: float) -> float:
    return 1.0 / (1.0 + k * t)


def step_decay(t: int, drop: float, epochs_drop: int) -> float:
    return drop ** math.floor((1 + t) / epochs_drop)


def exponential_decay(t: int, k: float) -> float:
    return math.exp(-k * t)


def inverse_sqrt(t: int, warmup: int) -> float:
    return (t + 1) / warmup if t + 1 < warmup else math.sqrt(warmup / (t + 1))


def _counter(ctx: RunContext) -> str:
    return "step" if ctx.per_batch else "epoch"


def _lambda_recipe(function: Callable[..., float], expression: str) -> dict[str, Builder | Coder]:
    """`build` and `code` of LambdaLR(function(t, **params)); `expression` is its Python form."""

    def build(optimizer, params, ctx, children):
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=partial(function, **params))

    def code(params, ctx, children):
        t = _counter(ctx)
        body = expression.format(t=t, **params)
        return f"lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda {t}: {body})"

    return {"build": build, "code": code}


def _decay_k(help: str, default) -> Param:
    return Param("k", "float", default, help, low=0.0, slider_high=10.0)


def _sequence_code(parts: list[str], milestones: list[int]) -> str:
    return f"lr_scheduler.SequentialLR(optimizer, schedulers=[{', '.join(parts)}], milestones={milestones})"


def _warmup_cosine_parts(params: dict, ctx: RunContext) -> tuple[list[tuple], list[int]]:
    warmup = params["warmup"]
    return ([(lr_scheduler.LinearLR, {"start_factor": params["start_factor"], "total_iters": warmup}),
             (lr_scheduler.CosineAnnealingLR, {"T_max": ctx.horizon - warmup, "eta_min": params["eta_min"]})],
            [warmup])


def _wsd_parts(params: dict, ctx: RunContext) -> tuple[list[tuple], list[int]]:
    warmup, decay = params["warmup"], params["decay"]
    return ([(lr_scheduler.LinearLR, {"start_factor": params["start_factor"], "total_iters": warmup}),
             (lr_scheduler.ConstantLR, {"factor": 1.0, "total_iters": 0}),
             (lr_scheduler.LinearLR, {"start_factor": 1.0, "end_factor": params["end_factor"], "total_iters": decay})],
            [warmup, ctx.horizon - decay])


def _sequence_recipe(parts_of: Callable[[dict, RunContext], tuple[list[tuple], list[int]]]) -> dict[str, Callable]:
    """`build`, `code` and `markers` of a SequentialLR assembled by `parts_of(params, ctx)`."""

    def build(optimizer, params, ctx, children):
        parts, milestones = parts_of(params, ctx)
        schedulers = [cls(optimizer, **kwargs) for cls, kwargs in parts]
        return lr_scheduler.SequentialLR(optimizer, schedulers=schedulers, milestones=milestones)

    def code(params, ctx, children):
        parts, milestones = parts_of(params, ctx)
        calls = [f"lr_scheduler.{cls.__name__}(optimizer, "
                 + ", ".join(f"{key}={value!r}" for key, value in kwargs.items()) + ")" for cls, kwargs in parts]
        return _sequence_code(calls, milestones)

    def markers(params, ctx):
        return parts_of(params, ctx)[1]

    return {"build": build, "code": code, "markers": markers}


def _warmup_cosine_rules(params: dict, ctx: RunContext) -> None:
    if params["warmup"] >= ctx.horizon:  # the cosine needs at least one step (T_max ≥ 1)
        raise SpecError(f"warmup must be less than the {ctx.horizon} scheduler steps it runs for "
                        f"(got {params['warmup']})", "warmup")


def _wsd_rules(params: dict, ctx: RunContext) -> None:
    """Milestones [warmup, horizon - decay] must increase: each of the three phases gets a step."""
    warmup, decay, horizon = params["warmup"], params["decay"], ctx.horizon
    if decay > horizon - 2:
        raise SpecError(f"decay must leave steps for the warm-up: at most {max(0, horizon - 2)} of the "
                        f"{horizon} scheduler steps it runs for (got {decay})", "decay")
    if warmup >= horizon - decay:
        raise SpecError(f"warmup must end before the decay starts at step {horizon - decay} (got {warmup})", "warmup")


_start_factor = factor_param("start_factor", 0.01, "lr multiplier at the first warm-up step")
RECIPES: tuple[SchedulerSpec, ...] = (
SchedulerSpec(
    name="Constant", summary="the same lr throughout (no schedule)",
    explain="The baseline every schedule should beat: the optimizer's lr, unchanged.",
    formula=r"\eta_t = \eta_0",
    params=
    (),
    **_lambda_recipe(constant, "1.0"), family="keras",
),

SchedulerSpec(
    name="TimeBasedDecay", summary="lr / (1 + k·t), Keras' time-based decay",
    explain="Decays quickly at first and ever more slowly after; Keras' `decay` argument did this per iteration.",
    formula=r"\eta_t = \frac{\eta_0}{1 + k\,t}",
    params=
    (_decay_k("decay rate", lambda ctx: round(9 / ctx.horizon, 4)),),
    **_lambda_recipe(time_based_decay, "1 / (1 + {k!r} * {t})"), family="keras",
),

SchedulerSpec(
    name="StepDecay", summary="lr · drop^floor((1+t)/epochs_drop), Keras step decay",
    explain="The Keras text's staircase: multiply by `drop` every `epochs_drop` epochs. Note the 1+t: the "
            "first drop comes one step earlier than StepLR's.",
    formula=r"\eta_t = \eta_0 \cdot \text{drop}^{\lfloor (1 + t) / \text{epochs\_drop} \rfloor}",
    params=
    (Param("drop", "float", 0.5, "multiplier at each drop", low=0.0, high=1.0, low_open=True, near_one=True),
     steps_param("epochs_drop", lambda ctx: max(1, ctx.horizon // 4), "steps between drops")),
    **_lambda_recipe(step_decay, "{drop!r} ** math.floor((1 + {t}) / {epochs_drop!r})"), family="keras",
    markers=lambda params, ctx: [t for t in range(params["epochs_drop"] - 1, ctx.horizon, params["epochs_drop"]) if t],
),

SchedulerSpec(
    name="ExponentialDecay", summary="lr · exp(−k·t), Keras exponential decay",
    explain="Continuous exponential decay written with e; the same curve as ExponentialLR with gamma = e^(−k).",
    formula=r"\eta_t = \eta_0 \, e^{-k t}",
    params=
    (_decay_k("decay constant", lambda ctx: round(3 / ctx.horizon, 4)),),
    **_lambda_recipe(exponential_decay, "math.exp(-{k!r} * {t})"), family="keras",
),

SchedulerSpec(
    name="InverseSqrt", summary="linear warm-up, then lr ∝ 1/√t (Transformer)",
    explain="The original Transformer's schedule: warm up linearly, then decay with the inverse square root "
            "of the step.",
    formula=r"\eta_t = \eta_0 \min\left(\frac{t+1}{w}, \sqrt{\frac{w}{t+1}}\right)",
    params=
    (steps_param("warmup", lambda ctx: max(1, ctx.horizon // 10), "warm-up steps"),),
    **_lambda_recipe(inverse_sqrt, "min(({t} + 1) / {warmup!r}, math.sqrt({warmup!r} / ({t} + 1)))"),
    family="recipe",
),

SchedulerSpec(
    name="WarmupCosine", summary="linear warm-up, then cosine decay",
    explain="The default of most modern training recipes: a short linear warm-up stabilises the first steps, "
            "then a cosine decay to eta_min.",
    formula=r"\eta_t = \begin{cases} \eta_0 \left(s + (1-s)\frac{t}{w}\right) & t < w \\ "
            r"\eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi (t-w)}{T-w}\right) & t \ge w "
            r"\end{cases}",
    params=
    (steps_param("warmup", lambda ctx: max(1, ctx.horizon // 10), "warm-up steps"),
     _start_factor,
     Param("eta_min", "float", 0.0, "lowest lr", low=0.0, slider_high=10.0)),
    **_sequence_recipe(_warmup_cosine_parts), family="recipe", rules=_warmup_cosine_rules, restartable=False,
),

SchedulerSpec(
    name="WarmupStableDecay", summary="warm-up, a long constant stretch, then a short decay (WSD)",
    explain="Used for large language models: most of the run at the peak lr, then a quick linear cool-down. "
            "The run can be extended without redoing the decay.",
    formula=r"\eta_t = \eta_0 \cdot \begin{cases} s + (1-s)\frac{t}{w} & t < w \\ 1 & w \le t < T - d \\ "
            r"1 - (1-e)\frac{t - (T-d)}{d} & t \ge T - d \end{cases}",
    params=
    (steps_param("warmup", lambda ctx: max(1, ctx.horizon // 10), "warm-up steps"),
     steps_param("decay", lambda ctx: max(1, ctx.horizon // 5), "decay steps at the end"),
     _start_factor,
     Param("end_factor", "float", 0.0, "lr multiplier at the end of the decay", low=0.0, high=1.0)),
    **_sequence_recipe(_wsd_parts), family="recipe", rules=_wsd_rules, restartable=False,
),
)
