"""Declarations of every scheduler class in `torch.optim.lr_scheduler` (torch 2.13): `TORCH_SCHEDULERS`.

Defaults follow the run length (`ctx.horizon` = scheduler steps in the run) where
torch's own would give a dull or broken curve; bounds mirror torch's own checks.
"""

from __future__ import annotations

import itertools
import math
import sys
from typing import Any

from torch.optim import lr_scheduler

from lrviz.schedules.declaration import Builder, Coder, SchedulerSpec, call_code
from lrviz.schedules.formula import Formula, to_python
from lrviz.schedules.params import Param, RunContext, SpecError

_LOG_LARGEST_FLOAT = math.log(sys.float_info.max)


def _torch(name: str) -> dict[str, Builder | Coder]:
    """`build` and `code` of a torch class taking exactly the declared parameters."""
    cls = getattr(lr_scheduler, name)

    def build(optimizer, params, ctx, children):
        return cls(optimizer, **params)

    def code(params, ctx, children):
        return call_code(f"lr_scheduler.{name}", params, ["optimizer"])

    return {"build": build, "code": code}


def _lambda(name: str) -> dict[str, Builder | Coder]:
    """`build` and `code` of LambdaLR / MultiplicativeLR: the user's formula, parsed safely, as lr_lambda."""
    cls = getattr(lr_scheduler, name)

    def build(optimizer, params, ctx, children):
        formula = Formula(params["lr_lambda"], ctx.steps_per_epoch, ctx.per_batch, param="lr_lambda")
        return cls(optimizer, lr_lambda=formula)

    def code(params, ctx, children):
        counter = "step" if ctx.per_batch else "epoch"
        body = to_python(params["lr_lambda"], ctx.per_batch, ctx.steps_per_epoch)
        return f"lr_scheduler.{name}(optimizer, lr_lambda=lambda {counter}: {body})"

    return {"build": build, "code": code}


def lr_param(name: str, default: Any, help: str, low: float = 0.0, low_open: bool = True) -> Param:
    return Param(name, "float", default, help, low=low, low_open=low_open, log=True, slider_high=10.0)


# torch divides by a warm-up's start factor (ConstantLR, LinearLR); a tinier one underflows lr × factor to 0
MIN_FACTOR = 1e-6


def factor_param(name: str, default: Any, help: str) -> Param:
    return Param(name, "float", default, help, low=MIN_FACTOR, high=1.0, log=True)


def gamma_param(default: Any, help: str = "multiplies the lr at each decay") -> Param:
    return Param("gamma", "float", default, help, low=0.0, slider_low=0.01, slider_high=1.0, near_one=True)


def steps_param(name: str, default: Any, help: str, low: int = 1) -> Param:
    """A length in scheduler steps: any length is valid, sliders span the run."""
    return Param(name, "int", default, help, low=low, spans_run=True)


def momentum_params(base: float, high: float) -> tuple[Param, ...]:
    return (
        Param("cycle_momentum", "bool", True, "cycle momentum (SGD) or beta1 (Adam) against the lr; torch's default"),
        Param("base_momentum", "float", base, "momentum at the lr's peak", low=0.0, slider_high=0.99,
              near_one=True),
        Param("max_momentum", "float", high, "momentum at the lr's trough", low=0.0, slider_high=0.99,
              near_one=True),
    )


def _increasing(name: str, values: list[int]) -> None:
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise SpecError(f"{name} must be strictly increasing (got {values})", name)


def _cyclic_rules(params: dict, ctx: RunContext) -> None:
    if params["max_lr"] <= params["base_lr"]:
        raise SpecError(
            f"max_lr must be above base_lr (got max_lr={params['max_lr']:g}, base_lr={params['base_lr']:g})",
            "max_lr",
        )
    gamma = params["gamma"]  # exp_range scales by gamma ** step: torch accepts any gamma, its float power overflows
    if params["mode"] == "exp_range" and gamma > 1 and ctx.horizon * math.log(gamma) >= _LOG_LARGEST_FLOAT:
        raise SpecError(f"gamma must be below {math.exp(_LOG_LARGEST_FLOAT / ctx.horizon):.4g} with mode='exp_range' "
                        f"over {ctx.horizon:,} steps: torch's gamma ** step overflows (got {gamma:g})", "gamma")


def _cyclic_markers(params: dict, ctx: RunContext) -> list[int]:
    up = params["step_size_up"]
    period = up + (params["step_size_down"] or up)
    return list(range(up, ctx.horizon, period))


def _one_cycle_rules(params: dict, ctx: RunContext) -> None:
    """torch divides by the length of each phase: pct_start × total_steps - 1 steps of warm-up, ..."""
    total, pct, three_phase = params["total_steps"], params["pct_start"], params["three_phase"]
    if total < 2:
        raise SpecError(f"total_steps must be at least 2 for a warm-up and an annealing phase (got {total})",
                        "total_steps")
    warm_end = pct * total
    last = 2 * warm_end - 2 if three_phase else warm_end - 1
    if warm_end <= 1 or last >= total - 1:
        high, phases = ((total + 1) / (2 * total), " with three_phase") if three_phase else (1.0, "")
        raise SpecError(f"pct_start must be > {1 / total:.3g} and < {high:.3g} for total_steps={total}{phases} "
                        f"(got {pct:g}): otherwise a phase of OneCycleLR has no step", "pct_start")


def default_milestones(ctx: RunContext) -> list[int]:
    """Warm-up for the first tenth of the run, then the remaining parts evenly."""
    parts, horizon = ctx.parts, ctx.horizon
    if parts < 2:
        return []
    first = max(1, horizon // 10)
    return [first] + [first + (horizon - first) * i // (parts - 1) for i in range(1, parts - 1)]


def _sequential_rules(params: dict, ctx: RunContext) -> None:
    milestones = params["milestones"]
    if len(milestones) != ctx.parts - 1:
        raise SpecError(f"milestones must have one value fewer than there are schedules: {ctx.parts} schedules "
                        f"need {ctx.parts - 1} (got {milestones})", "milestones")
    _increasing("milestones", milestones)


def _restarts(params: dict, ctx: RunContext) -> list[int]:
    marks, period, at = [], params["T_0"], params["T_0"]
    while at < ctx.horizon:
        marks.append(at)
        period *= params["T_mult"]
        at += period
    return marks


def _step_markers(params: dict, ctx: RunContext) -> list[int]:
    return list(range(params["step_size"], ctx.horizon, params["step_size"]))


def _milestone_markers(params: dict, ctx: RunContext) -> list[int]:
    return [m for m in params["milestones"] if m < ctx.horizon]


def _total_iters_marker(params: dict, ctx: RunContext) -> list[int]:
    return [params["total_iters"]] if params["total_iters"] < ctx.horizon else []


def _sequential_build(optimizer, params, ctx, children):
    return lr_scheduler.SequentialLR(optimizer, schedulers=children, milestones=params["milestones"])


def _sequential_code(params, ctx, children):
    schedulers = ", ".join(children)
    return f"lr_scheduler.SequentialLR(optimizer, schedulers=[{schedulers}], milestones={params['milestones']})"


_formula_help = "multiplier as a formula in epoch and step, e.g. 1 / (1 + 0.05 * epoch)"
TORCH_SCHEDULERS: tuple[SchedulerSpec, ...] = (
SchedulerSpec(
    name="LambdaLR", summary="lr = base lr × your formula",
    explain="Any shape you can write down: the lr is the base lr times f(epoch). Write the formula; it is "
            "parsed safely (numbers, epoch, step, + - * / // % **, comparisons, if/else, min, max, exp, log, "
            "sqrt, cos…).",
    formula=r"\eta_t = \eta_0 \cdot f(t)",
    params=
    (Param("lr_lambda", "formula", "1 / (1 + 0.1 * epoch)", _formula_help),),
    **_lambda("LambdaLR"),
),

SchedulerSpec(
    name="MultiplicativeLR", summary="lr multiplied by your formula at every step",
    explain="Like LambdaLR, but the factor multiplies the previous lr, so a constant 0.95 gives exponential decay.",
    formula=r"\eta_t = \eta_{t-1} \cdot f(t), \quad \eta_0 = \text{base lr}",
    params=
    (Param("lr_lambda", "formula", "0.95", "factor applied at each step, e.g. 0.95"),),
    **_lambda("MultiplicativeLR"),
),

SchedulerSpec(
    name="StepLR", summary="lr × gamma every step_size steps",
    explain="The classic staircase: hold the lr, then cut it by gamma at fixed intervals. Easy to reason "
            "about; the drops show as sudden falls in the loss.",
    formula=r"\eta_t = \eta_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}",
    params=
    (steps_param("step_size", lambda ctx: max(1, ctx.horizon // 3), "steps between two decays"),
     gamma_param(0.1)),
    **_torch("StepLR"), markers=_step_markers,
),

SchedulerSpec(
    name="MultiStepLR", summary="lr × gamma at each milestone",
    explain="A staircase with hand-placed drops, as in the ResNet recipes (decay at 50% and 75% of training).",
    formula=r"\eta_t = \eta_0 \cdot \gamma^{\,|\{m \in \text{milestones} : m \le t\}|}",
    params=
    (Param("milestones", "ints", lambda ctx: sorted({max(1, ctx.horizon // 2), max(1, 3 * ctx.horizon // 4)}),
           "steps at which the lr is multiplied by gamma (torch counts repeats, in any order)", low=0,
           spans_run=True),
     gamma_param(0.1)),
    **_torch("MultiStepLR"), markers=_milestone_markers,
),

SchedulerSpec(
    name="ConstantLR", summary="lr × factor until total_iters, then the base lr",
    explain="Holds a reduced lr for a while, then jumps to the base lr: the simplest warm-up.",
    formula=r"\eta_t = \eta_0 \cdot \begin{cases} \text{factor} & t < \text{total\_iters} \\ "
            r"1 & \text{otherwise} \end{cases}",
    params=
    (factor_param("factor", 1 / 3, "multiplier before total_iters"),
     steps_param("total_iters", lambda ctx: max(1, ctx.horizon // 2), "steps at the reduced lr", low=0)),
    **_torch("ConstantLR"), markers=_total_iters_marker,
    note="torch's own default is factor=1/3 for total_iters=5, whatever the run's length.",
),

SchedulerSpec(
    name="LinearLR", summary="lr moves linearly from start_factor to end_factor × base lr",
    explain="A linear ramp: as warm-up (start low, end at 1) or as linear decay (start at 1, end low).",
    formula=r"\eta_t = \eta_0 \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)",
    params=
    (factor_param("start_factor", 1 / 3, "multiplier at the first step"),
     Param("end_factor", "float", 1.0, "multiplier from total_iters on", low=0.0, high=1.0),
     steps_param("total_iters", lambda ctx: ctx.horizon, "steps of the ramp")),
    **_torch("LinearLR"), markers=_total_iters_marker,
    note="Building the scheduler already applies step 0: the first epoch trains at start_factor × lr.",
),

SchedulerSpec(
    name="ExponentialLR", summary="lr × gamma at every step",
    explain="Smooth geometric decay. Easy, but gamma must be tuned to the run length: 0.9 over 100 epochs "
            "leaves almost nothing.",
    formula=r"\eta_t = \eta_0 \cdot \gamma^{t}",
    params=
    (gamma_param(lambda ctx: round(0.05 ** (1 / ctx.horizon), 4), "multiplies the lr at every step"),),
    **_torch("ExponentialLR"),
),

SchedulerSpec(
    name="PolynomialLR", summary="lr decays as a polynomial to 0 at total_iters",
    explain="Decays to zero at a fixed step; power 1 is a straight line, power 2 decays faster early.",
    formula=r"\eta_t = \eta_0 \left(1 - \frac{\min(t, T)}{T}\right)^{p}",
    params=
    (steps_param("total_iters", lambda ctx: ctx.horizon, "steps until the lr reaches 0"),
     Param("power", "float", 1.0, "exponent of the decay", low=0.0, slider_high=10.0)),
    **_torch("PolynomialLR"), markers=_total_iters_marker,
    note="torch's own default is total_iters=5, whatever the run's length.",
),

SchedulerSpec(
    name="CosineAnnealingLR", summary="half a cosine from the base lr down to eta_min",
    explain="Decays slowly at first, fast in the middle, slowly at the end. A strong default for a run of "
            "known length.",
    formula=r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi t}{T_{max}}\right)",
    params=
    (Param("T_max", "int", lambda ctx: ctx.horizon, "steps of the half cosine", low=1,
           spans_run=True),
     lr_param("eta_min", 0.0, "lowest lr", low_open=False)),
    **_torch("CosineAnnealingLR"),
    markers=lambda params, ctx: [params["T_max"]] if params["T_max"] < ctx.horizon else [],
    note="Past T_max the lr climbs back up (the cosine is periodic); it is not held at eta_min.",
),

SchedulerSpec(
    name="CosineAnnealingWarmRestarts", summary="cosine decay restarted every T_0 steps (SGDR)",
    explain="Cosine decay that jumps back to the base lr at each restart; T_mult > 1 lengthens each cycle.",
    formula=r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi T_{cur}}{T_i}\right)",
    params=
    (steps_param("T_0", lambda ctx: max(1, ctx.horizon // 4), "steps of the first cycle"),
     Param("T_mult", "int", 1, "each cycle is T_mult times longer than the last", low=1, slider_high=10),
     lr_param("eta_min", 0.0, "lowest lr", low_open=False)),
    **_torch("CosineAnnealingWarmRestarts"), markers=_restarts,
),

SchedulerSpec(
    name="CyclicLR", summary="lr cycles between base_lr and max_lr",
    explain="Triangular cycles between two bounds (Smith 2017); triangular2 halves the amplitude each cycle, "
            "exp_range shrinks it by gamma per step. Pick the bounds with an lr range test.",
    formula=r"\eta_t = \eta_{base} + (\eta_{max} - \eta_{base}) \max(0, 1 - |t / s - 2c + 1|) \cdot \text{scale}(c)",
    params=
    (lr_param("base_lr", lambda ctx: ctx.lr / 10, "lower bound of the cycle"),
     lr_param("max_lr", lambda ctx: ctx.lr, "upper bound of the cycle"),
     steps_param("step_size_up", lambda ctx: max(1, ctx.horizon // 4), "steps from base_lr up to max_lr"),
     Param("step_size_down", "int", None, "steps back down (empty: same as up)", low=1,
           slider_high=lambda ctx: max(1, ctx.horizon), optional=True, placeholder="empty: same as step_size_up"),
     Param("mode", "choice", "triangular", "how the amplitude changes",
           choices=("triangular", "triangular2", "exp_range")),
     gamma_param(lambda ctx: round(0.1 ** (1 / ctx.horizon), 4), "amplitude factor per step (exp_range)"),
     *momentum_params(0.8, 0.9)),
    **_torch("CyclicLR"), rules=_cyclic_rules, markers=_cyclic_markers,
    cycles_momentum=lambda params: params["cycle_momentum"],
    note="With cycle_momentum=True (torch's default) CyclicLR sets SGD's momentum between base_momentum "
         "and max_momentum even if you built SGD with momentum=0, and with Adam it cycles beta1. "
         "torch's default step_size_up is 2000 steps, whatever the run's length.",
),

SchedulerSpec(
    name="OneCycleLR", summary="one warm-up to max_lr, then annealing far below the start",
    explain="The 1cycle policy (Smith & Topin): warm up to max_lr, then anneal to max_lr / (div_factor × "
            "final_div_factor). Fast convergence for a fixed budget.",
    formula=r"\eta: \tfrac{\eta_{max}}{d} \nearrow \eta_{max} \searrow \tfrac{\eta_{max}}{d\,d_f}",
    params=
    (lr_param("max_lr", lambda ctx: ctx.lr, "peak lr (the optimizer's lr is ignored)"),
     Param("total_steps", "int", lambda ctx: max(2, ctx.horizon), "steps in the cycle; at least the run's length",
           low=lambda ctx: ctx.horizon, slider_high=lambda ctx: 10 * ctx.horizon,
           why="at least the run's length in scheduler steps"),
     Param("pct_start", "float", lambda ctx: 0.3 if 0.3 * ctx.horizon > 1 else min(0.9, round(1.5 / ctx.horizon, 2)),
           "fraction of the cycle spent warming up", low=0.0, high=1.0,
           low_open=True, high_open=True),
     Param("anneal_strategy", "choice", "cos", "shape of warm-up and decay", choices=("cos", "linear")),
     *momentum_params(0.85, 0.95),
     Param("div_factor", "float", 25.0, "initial lr = max_lr / div_factor", low=0.0, low_open=True, log=True,
           slider_low=1.0, slider_high=1e4),
     Param("final_div_factor", "float", 1e4, "final lr = initial lr / final_div_factor", low=0.0, low_open=True,
           log=True, slider_low=1.0, slider_high=1e6),
     Param("three_phase", "bool", False, "anneal back to the initial lr before the final decay")),
    **_torch("OneCycleLR"), rules=_one_cycle_rules,
    markers=lambda params, ctx: [max(0, round(params["pct_start"] * params["total_steps"]) - 1)],
    cycles_momentum=lambda params: params["cycle_momentum"],
    note="OneCycleLR ignores the optimizer's lr (it starts at max_lr / div_factor), cycles momentum "
         "by default, and raises an error if stepped more than total_steps times.",
),

SchedulerSpec(
    name="ReduceLROnPlateau", summary="lr × factor when the loss stops improving",
    explain="Reacts to training instead of following a plan: when the (validation) loss has not improved for "
            "`patience` epochs, the lr is cut by `factor`.",
    formula=r"\eta \leftarrow \max(\eta \cdot \text{factor}, \eta_{min}) "
            r"\text{ after patience epochs without improvement}",
    params=
    (Param("factor", "float", 0.1, "multiplier at each reduction", low=0.0, high=1.0, low_open=True,
           high_open=True, near_one=True),
     Param("patience", "int", lambda ctx: max(1, ctx.epochs // 10), "epochs without improvement to wait",
           low=0, slider_high=lambda ctx: max(0, ctx.epochs)),
     Param("threshold", "float", 1e-4, "smallest change that counts as an improvement", low=0.0, slider_high=1.0,
           log=True),
     Param("threshold_mode", "choice", "rel", "threshold relative to the best loss, or absolute",
           choices=("rel", "abs")),
     Param("cooldown", "int", 0, "epochs to wait after a reduction", low=0,
           slider_high=lambda ctx: max(0, ctx.epochs)),
     lr_param("min_lr", 0.0, "the lr never goes below this", low_open=False),
     Param("eps", "float", 1e-8, "smaller lr changes are skipped", low=0.0, slider_high=1.0, log=True)),
    **_torch("ReduceLROnPlateau"), needs_metric=True,
),

SchedulerSpec(
    name="SequentialLR", summary="one schedule after another, switching at milestones",
    explain="Composes schedules in time, e.g. a linear warm-up then cosine decay. Each part restarts from the base lr.",
    formula=r"\eta_t = \text{scheduler}_i(t - m_{i-1}) \text{ for } m_{i-1} \le t < m_i",
    params=
    (Param("milestones", "ints", default_milestones, "steps at which the next schedule takes over (one past the "
           "run's end never switches)", low=1, slider_high=lambda ctx: max(1, ctx.horizon - 1)),),
    build=_sequential_build, code=_sequential_code, rules=_sequential_rules, composite=True, restarts_parts=True,
    restartable=False,
    default_children=lambda ctx: ("LinearLR(start_factor=0.1)", "CosineAnnealingLR()"),
    markers=_milestone_markers,
    note="At each milestone the next scheduler starts from the base lr, not from where the previous one ended. "
         "A first part that is itself a SequentialLR (or WarmupCosine or WarmupStableDecay, built on one) is "
         "stepped one extra time while SequentialLR is built, so its first value is skipped. A ChainedScheduler "
         "first part loses no step, but torch redoes its parts' first update: with a part that updates the lr it "
         "already holds (ExponentialLR, MultiplicativeLR, PolynomialLR, CosineAnnealingLR) its first values "
         "differ from the same ChainedScheduler alone. The charts show torch's values.",
),

SchedulerSpec(
    name="ChainedScheduler", summary="several schedules applied at once; their factors multiply",
    explain="Composes schedules by multiplication at every step, e.g. a warm-up times an exponential decay.",
    formula=r"\eta_t = \eta_0 \prod_i f_i(t)",
    params=
    (),
    build=lambda optimizer, params, ctx, children: lr_scheduler.ChainedScheduler(children, optimizer),
    code=lambda params, ctx, children: f"lr_scheduler.ChainedScheduler([{', '.join(children)}], optimizer)",
    composite=True, restartable=False,
    default_children=lambda ctx: (f"LinearLR(start_factor=0.1, total_iters={max(1, ctx.horizon // 10)})",
                                  "ExponentialLR()"),
),
)
