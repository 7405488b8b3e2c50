"""Declarations of every scheduler class in `torch.optim.lr_scheduler` (torch 2.13).

Defaults follow the run length (`ctx.horizon` = scheduler steps in the run) where
torch's own would give a dull or broken curve; bounds mirror torch's own checks.
"""

from __future__ import annotations

import itertools
from typing import Any

from torch.optim import lr_scheduler

from lrviz.formula import Formula, to_python
from lrviz.params import Param, RunContext, SpecError
from lrviz.registry import SchedulerSpec, call_code, register

H = "the run's length in scheduler steps"


def _torch(name: str):
    """Builder and coder for a torch class taking exactly the declared parameters."""
    cls = getattr(lr_scheduler, name)

    def build(optimizer, params, ctx, children):
        return cls(optimizer, **params)

    def code(params, ctx, children):
        return call_code(f"lr_scheduler.{name}", params, ["optimizer"])

    return build, code


def _lambda(name: str, allow_negative: bool = False):
    """LambdaLR / MultiplicativeLR: the user's formula, parsed safely, as lr_lambda."""
    cls = getattr(lr_scheduler, name)

    def build(optimizer, params, ctx, children):
        formula = Formula(params["lr_lambda"], ctx.steps_per_epoch, ctx.per_batch, allow_negative, "lr_lambda")
        return cls(optimizer, lr_lambda=formula)

    def code(params, ctx, children):
        counter = "step" if ctx.per_batch else "epoch"
        body = to_python(params["lr_lambda"], ctx.per_batch, ctx.steps_per_epoch)
        return f"lr_scheduler.{name}(optimizer, lr_lambda=lambda {counter}: {body})"

    return build, code


def lr_param(name: str, default: Any, help: str, low: float = 0.0, low_open: bool = True) -> Param:
    return Param(name, "float", default, help, low=low, high=10.0, low_open=low_open, log=True)


# torch divides by a warm-up's start factor (ConstantLR, LinearLR); a tinier one underflows lr × factor to 0
MIN_FACTOR = 1e-6


def factor_param(name: str, default: Any, help: str) -> Param:
    return Param(name, "float", default, help, low=MIN_FACTOR, high=1.0, log=True)


def gamma_param(default: Any, help: str = "multiplies the lr at each decay") -> Param:
    return Param("gamma", "float", default, help, low=0.0, high=1.0, low_open=True, near_one=True)


def steps_param(name: str, default: Any, help: str, low: int = 1) -> Param:
    """A length in scheduler steps: any length is valid, sliders span the run."""
    return Param(name, "int", default, help, low=low, high=10**6, spans_run=True)


def momentum_params(base: float, high: float) -> tuple[Param, ...]:
    return (
        Param("cycle_momentum", "bool", True, "cycle momentum (SGD) or beta1 (Adam) against the lr; torch's default"),
        Param("base_momentum", "float", base, "momentum at the lr's peak", low=0.0, high=1.0, high_open=True,
              near_one=True),
        Param("max_momentum", "float", high, "momentum at the lr's trough", low=0.0, high=1.0, high_open=True,
              near_one=True),
    )


def _increasing(name: str, values: list[int]) -> None:
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise SpecError(f"{name} must be strictly increasing (got {values})", name)


def _multistep_rules(params: dict, ctx: RunContext) -> None:
    _increasing("milestones", params["milestones"])


def _cyclic_rules(params: dict, ctx: RunContext) -> None:
    if params["max_lr"] <= params["base_lr"]:
        raise SpecError(
            f"max_lr must be above base_lr (got max_lr={params['max_lr']:g}, base_lr={params['base_lr']:g})",
            "max_lr",
        )


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


def eta_min_rules(params: dict, ctx: RunContext) -> None:
    """CosineAnnealingLR's stepwise update scales the lr only when eta_min is 0; otherwise it adds to it,
    which, inside ChainedScheduler where other parts scale the same lr, can drive it below zero."""
    if ctx.chained and params["eta_min"] > 0:
        raise SpecError(f"eta_min must be 0 inside ChainedScheduler (got {params['eta_min']:g}): only then does "
                        "the cosine scale the lr the other parts set instead of adding to it", "eta_min")


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


_formula_help = "multiplier as a formula in epoch and step, e.g. 1 / (1 + 0.05 * epoch)"
build, code = _lambda("LambdaLR")
register(SchedulerSpec(
    "LambdaLR", "lr = base lr × your formula",
    "Any shape you can write down: the lr is the base lr times f(epoch). Write the formula; it is "
    "parsed safely (numbers, epoch, step, + - * / // % **, comparisons, if/else, min, max, exp, log, sqrt, cos…).",
    r"\eta_t = \eta_0 \cdot f(t)",
    (Param("lr_lambda", "formula", "1 / (1 + 0.1 * epoch)", _formula_help),),
    build, code,
))

build, code = _lambda("MultiplicativeLR")
register(SchedulerSpec(
    "MultiplicativeLR", "lr multiplied by your formula at every step",
    "Like LambdaLR, but the factor multiplies the previous lr, so a constant 0.95 gives exponential decay.",
    r"\eta_t = \eta_{t-1} \cdot f(t), \quad \eta_0 = \text{base lr}",
    (Param("lr_lambda", "formula", "0.95", "factor applied at each step, e.g. 0.95"),),
    build, code,
))

register(SchedulerSpec(
    "StepLR", "lr × gamma every step_size steps",
    "The classic staircase: hold the lr, then cut it by gamma at fixed intervals. Easy to reason "
    "about; the drops show as sudden falls in the loss.",
    r"\eta_t = \eta_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}",
    (steps_param("step_size", lambda ctx: max(1, ctx.horizon // 3), "steps between two decays"),
     gamma_param(0.1)),
    *_torch("StepLR"), markers=_step_markers,
))

register(SchedulerSpec(
    "MultiStepLR", "lr × gamma at each milestone",
    "A staircase with hand-placed drops, as in the ResNet recipes (decay at 50% and 75% of training).",
    r"\eta_t = \eta_0 \cdot \gamma^{\,|\{m \in \text{milestones} : m \le t\}|}",
    (Param("milestones", "ints", lambda ctx: sorted({max(1, ctx.horizon // 2), max(1, 3 * ctx.horizon // 4)}),
           "steps at which the lr is multiplied by gamma", low=1, high=lambda ctx: ctx.horizon,
           why="inside the run"),
     gamma_param(0.1)),
    *_torch("MultiStepLR"), rules=_multistep_rules, markers=_milestone_markers,
))

register(SchedulerSpec(
    "ConstantLR", "lr × factor until total_iters, then the base lr",
    "Holds a reduced lr for a while, then jumps to the base lr: the simplest warm-up.",
    r"\eta_t = \eta_0 \cdot \begin{cases} \text{factor} & t < \text{total\_iters} \\ 1 & \text{otherwise} \end{cases}",
    (factor_param("factor", 1 / 3, "multiplier before total_iters"),
     steps_param("total_iters", lambda ctx: max(1, ctx.horizon // 2), "steps at the reduced lr", low=0)),
    *_torch("ConstantLR"), markers=_total_iters_marker,
    note="torch's own default is factor=1/3 for total_iters=5, whatever the run's length.",
))

register(SchedulerSpec(
    "LinearLR", "lr moves linearly from start_factor to end_factor × base lr",
    "A linear ramp: as warm-up (start low, end at 1) or as linear decay (start at 1, end low).",
    r"\eta_t = \eta_0 \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)",
    (factor_param("start_factor", 1 / 3, "multiplier at the first step"),
     Param("end_factor", "float", 1.0, "multiplier from total_iters on", low=0.0, high=1.0),
     steps_param("total_iters", lambda ctx: ctx.horizon, "steps of the ramp")),
    *_torch("LinearLR"), markers=_total_iters_marker,
    note="Building the scheduler already applies step 0: the first epoch trains at start_factor × lr.",
))

register(SchedulerSpec(
    "ExponentialLR", "lr × gamma at every step",
    "Smooth geometric decay. Easy, but gamma must be tuned to the run length: 0.9 over 100 epochs "
    "leaves almost nothing.",
    r"\eta_t = \eta_0 \cdot \gamma^{t}",
    (gamma_param(lambda ctx: round(0.05 ** (1 / ctx.horizon), 4), "multiplies the lr at every step"),),
    *_torch("ExponentialLR"),
))

register(SchedulerSpec(
    "PolynomialLR", "lr decays as a polynomial to 0 at total_iters",
    "Decays to zero at a fixed step; power 1 is a straight line, power 2 decays faster early.",
    r"\eta_t = \eta_0 \left(1 - \frac{\min(t, T)}{T}\right)^{p}",
    (steps_param("total_iters", lambda ctx: ctx.horizon, "steps until the lr reaches 0"),
     Param("power", "float", 1.0, "exponent of the decay", low=0.0, high=10.0)),
    *_torch("PolynomialLR"), markers=_total_iters_marker,
    note="torch's own default is total_iters=5, whatever the run's length.",
))

register(SchedulerSpec(
    "CosineAnnealingLR", "half a cosine from the base lr down to eta_min",
    "Decays slowly at first, fast in the middle, slowly at the end. A strong default for a run of known length.",
    r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi t}{T_{max}}\right)",
    (Param("T_max", "int", lambda ctx: ctx.horizon, "steps of the half cosine", low=1,
           high=lambda ctx: 10 * ctx.horizon, spans_run=True),
     lr_param("eta_min", 0.0, "lowest lr", low_open=False)),
    *_torch("CosineAnnealingLR"), rules=eta_min_rules,
    markers=lambda params, ctx: [params["T_max"]] if params["T_max"] < ctx.horizon else [],
    note="Past T_max the lr climbs back up (the cosine is periodic); it is not held at eta_min.",
))

register(SchedulerSpec(
    "CosineAnnealingWarmRestarts", "cosine decay restarted every T_0 steps (SGDR)",
    "Cosine decay that jumps back to the base lr at each restart; T_mult > 1 lengthens each cycle.",
    r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi T_{cur}}{T_i}\right)",
    (steps_param("T_0", lambda ctx: max(1, ctx.horizon // 4), "steps of the first cycle"),
     Param("T_mult", "int", 1, "each cycle is T_mult times longer than the last", low=1, high=10),
     lr_param("eta_min", 0.0, "lowest lr", low_open=False)),
    *_torch("CosineAnnealingWarmRestarts"), markers=_restarts,
))

register(SchedulerSpec(
    "CyclicLR", "lr cycles between base_lr and max_lr",
    "Triangular cycles between two bounds (Smith 2017); triangular2 halves the amplitude each cycle, "
    "exp_range shrinks it by gamma per step. Pick the bounds with an lr range test.",
    r"\eta_t = \eta_{base} + (\eta_{max} - \eta_{base}) \max(0, 1 - |t / s - 2c + 1|) \cdot \text{scale}(c)",
    (lr_param("base_lr", lambda ctx: ctx.lr / 10, "lower bound of the cycle"),
     lr_param("max_lr", lambda ctx: ctx.lr, "upper bound of the cycle"),
     steps_param("step_size_up", lambda ctx: max(1, ctx.horizon // 4), "steps from base_lr up to max_lr"),
     Param("step_size_down", "int", None, "steps back down (empty: same as up)", low=1,
           high=lambda ctx: max(1, ctx.horizon), optional=True),
     Param("mode", "choice", "triangular", "how the amplitude changes",
           choices=("triangular", "triangular2", "exp_range")),
     gamma_param(lambda ctx: round(0.1 ** (1 / ctx.horizon), 4), "amplitude factor per step (exp_range)"),
     *momentum_params(0.8, 0.9)),
    *_torch("CyclicLR"), rules=_cyclic_rules, markers=_cyclic_markers,
    cycles_momentum=lambda params: params["cycle_momentum"],
    note="With cycle_momentum=True (torch's default) CyclicLR sets SGD's momentum between base_momentum "
         "and max_momentum even if you built SGD with momentum=0, and with Adam it cycles beta1. "
         "torch's default step_size_up is 2000 steps, whatever the run's length.",
))

register(SchedulerSpec(
    "OneCycleLR", "one warm-up to max_lr, then annealing far below the start",
    "The 1cycle policy (Smith & Topin): warm up to max_lr, then anneal to max_lr / (div_factor × "
    "final_div_factor). Fast convergence for a fixed budget.",
    r"\eta: \tfrac{\eta_{max}}{d} \nearrow \eta_{max} \searrow \tfrac{\eta_{max}}{d\,d_f}",
    (lr_param("max_lr", lambda ctx: ctx.lr, "peak lr (the optimizer's lr is ignored)"),
     Param("total_steps", "int", lambda ctx: max(2, ctx.horizon), "steps in the cycle; at least the run's length",
           low=lambda ctx: ctx.horizon, high=lambda ctx: 10 * ctx.horizon,
           why="at least the run's length in scheduler steps"),
     Param("pct_start", "float", lambda ctx: 0.3 if 0.3 * ctx.horizon > 1 else min(0.9, round(1.5 / ctx.horizon, 2)),
           "fraction of the cycle spent warming up", low=0.0, high=1.0,
           low_open=True, high_open=True),
     Param("anneal_strategy", "choice", "cos", "shape of warm-up and decay", choices=("cos", "linear")),
     *momentum_params(0.85, 0.95),
     Param("div_factor", "float", 25.0, "initial lr = max_lr / div_factor", low=1.0, high=1e4, log=True),
     Param("final_div_factor", "float", 1e4, "final lr = initial lr / final_div_factor", low=1.0, high=1e6,
           log=True),
     Param("three_phase", "bool", False, "anneal back to the initial lr before the final decay")),
    *_torch("OneCycleLR"), rules=_one_cycle_rules,
    markers=lambda params, ctx: [max(0, round(params["pct_start"] * params["total_steps"]) - 1)],
    cycles_momentum=lambda params: params["cycle_momentum"],
    note="OneCycleLR ignores the optimizer's lr (it starts at max_lr / div_factor), cycles momentum "
         "by default, and raises an error if stepped more than total_steps times.",
))

register(SchedulerSpec(
    "ReduceLROnPlateau", "lr × factor when the loss stops improving",
    "Reacts to training instead of following a plan: when the (validation) loss has not improved for "
    "`patience` epochs, the lr is cut by `factor`.",
    r"\eta \leftarrow \max(\eta \cdot \text{factor}, \eta_{min}) \text{ after patience epochs without improvement}",
    (Param("factor", "float", 0.1, "multiplier at each reduction", low=0.0, high=1.0, low_open=True,
           high_open=True, near_one=True),
     Param("patience", "int", lambda ctx: max(1, ctx.epochs // 10), "epochs without improvement to wait",
           low=0, high=lambda ctx: max(0, ctx.epochs)),
     Param("threshold", "float", 1e-4, "smallest change that counts as an improvement", low=0.0, high=1.0,
           log=True),
     Param("threshold_mode", "choice", "rel", "threshold relative to the best loss, or absolute",
           choices=("rel", "abs")),
     Param("cooldown", "int", 0, "epochs to wait after a reduction", low=0, high=lambda ctx: max(0, ctx.epochs)),
     lr_param("min_lr", 0.0, "the lr never goes below this", low_open=False),
     Param("eps", "float", 1e-8, "smaller lr changes are skipped", low=0.0, high=1.0, log=True)),
    *_torch("ReduceLROnPlateau"), needs_metric=True,
    note="Needs scheduler.step(val_loss) once per epoch; lrviz feeds it the validation loss (the training "
         "loss if there is no validation split). It cannot go inside SequentialLR or ChainedScheduler.",
))


def _sequential_build(optimizer, params, ctx, children):
    return lr_scheduler.SequentialLR(optimizer, schedulers=children, milestones=params["milestones"])


def _sequential_code(params, ctx, children):
    schedulers = ", ".join(children)
    return f"lr_scheduler.SequentialLR(optimizer, schedulers=[{schedulers}], milestones={params['milestones']})"


register(SchedulerSpec(
    "SequentialLR", "one schedule after another, switching at milestones",
    "Composes schedules in time, e.g. a linear warm-up then cosine decay. Each part restarts from the base lr.",
    r"\eta_t = \text{scheduler}_i(t - m_{i-1}) \text{ for } m_{i-1} \le t < m_i",
    (Param("milestones", "ints", default_milestones, "steps at which the next schedule takes over", low=1,
           high=lambda ctx: max(1, ctx.horizon - 1), why="inside the run, so that every part gets a step"),),
    _sequential_build, _sequential_code, rules=_sequential_rules, composite=True, restarts_parts=True,
    restartable=False,
    default_children=lambda ctx: ("LinearLR(start_factor=0.1)", "CosineAnnealingLR()"),
    markers=_milestone_markers,
    note="At each milestone the next scheduler starts from the base lr, not from where the previous one ended. "
         "A composite first part (SequentialLR, ChainedScheduler, a warm-up recipe) is stepped one extra time "
         "while SequentialLR is built, so one of its values is skipped.",
))

register(SchedulerSpec(
    "ChainedScheduler", "several schedules applied at once; their factors multiply",
    "Composes schedules by multiplication at every step, e.g. a warm-up times an exponential decay.",
    r"\eta_t = \eta_0 \prod_i f_i(t)",
    (),
    lambda optimizer, params, ctx, children: lr_scheduler.ChainedScheduler(children, optimizer),
    lambda params, ctx, children: f"lr_scheduler.ChainedScheduler([{', '.join(children)}], optimizer)",
    composite=True, restartable=False,
    default_children=lambda ctx: (f"LinearLR(start_factor=0.1, total_iters={max(1, ctx.horizon // 10)})",
                                  "ExponentialLR()"),
))
