"""Pre-flight check of a real training run: what each schedule does wrong over the whole of it.

`check` returns `Finding`s, each naming the numbers: a `T_max` shorter than the run (the lr climbs back),
OneCycleLR's `total_steps` shorter (torch raises) or longer (never anneals), a length counted in epochs but
stepped per batch or the reverse, a schedule that never decays or fades to nothing early, a SequentialLR
milestone at 0 or past the end, a warm-up or a decay that does not finish. Nothing is trained: the values
come from the real torch scheduler stepped over the run (`lrviz.training.real_run`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.schedule import Resolved, Schedule, parse, resolve
from lrviz.training.experiment import Experiment
from lrviz.training.real_run import FADED, RealRun, Trace, trace
from lrviz.training.traces import SCHEDULER_ERRORS

Tracer = Callable[[Resolved, Experiment, int], Trace]  # real_run.trace, or own_trace for lrviz's own run


@dataclass(frozen=True)
class Finding:
    """One warning about a schedule on a run: `kind` for code, `message` for people, `step` where it happens."""

    schedule: str
    kind: str  # restarts, raises, never_anneals, units, no_decay, milestone, unfinished, refused
    message: str
    step: int | None = None

    def __str__(self) -> str:
        return f"{self.schedule}: {self.message}"




def _ends(trace_: Trace | None, instead: str) -> str:
    """"; it ends at lr X instead of Y", when the run was stepped to its end."""
    last = trace_.last_lr if trace_ is not None else None
    return "" if last is None else f"; it ends at lr {last:.3g} instead of {instead}"


def _epoch_of(step: int, ctx: RunContext) -> str:
    if not ctx.per_batch:
        return f"epoch {step}"
    return f"epoch {math.ceil(step / ctx.steps_per_epoch)}"


def _lengths(resolved: Resolved) -> list[tuple[str, str, int, float | None]]:
    """(role, parameter, length in scheduler steps, the lr at its end) of a schedule's warm-ups and decays."""
    p, lr, name = resolved.params, resolved.ctx.lr, resolved.schedule.name
    if name == "LinearLR":
        role = "warm-up" if p["end_factor"] > p["start_factor"] else "decay"
        return [(role, "total_iters", p["total_iters"], p["end_factor"] * lr)]
    if name == "ConstantLR":
        return [("warm-up", "total_iters", p["total_iters"], lr)] if p["total_iters"] else []
    if name == "PolynomialLR":
        return [("decay", "total_iters", p["total_iters"], 0.0)]
    if name in ("InverseSqrt", "WarmupCosine", "WarmupStableDecay"):
        return [("warm-up", "warmup", p["warmup"], lr)]
    found = []
    if p.get("num_warmup_steps"):
        found.append(("warm-up", "num_warmup_steps", p["num_warmup_steps"], lr))
    if p.get("num_training_steps") is not None:
        found.append(("decay", "num_training_steps", p["num_training_steps"], p.get("lr_end", 0.0)))
    return found


def _own_findings(resolved: Resolved, label: str, trace_: Trace | None) -> list[Finding]:
    """Warnings from one schedule's own parameters against the run it runs for (`resolved.ctx`)."""
    ctx, p, name, found = resolved.ctx, resolved.params, resolved.schedule.name, []
    horizon, unit = ctx.horizon, "scheduler steps" if ctx.per_batch else "epochs (stepped per epoch)"

    def add(kind: str, message: str, step: int | None = None) -> None:
        found.append(Finding(label, kind, message, step))

    if name == "CosineAnnealingLR" and p["T_max"] < horizon:
        t = p["T_max"]
        add("restarts", f"T_max={t} is shorter than the run's {horizon:,} {unit}: the lr reaches eta_min="
            f"{p['eta_min']:g} at step {t} ({_epoch_of(t, ctx)}), then climbs back up from step {t + 1}, to the "
            f"base lr at step {2 * t}", t + 1)
    if name == "CosineAnnealingLR" and p["T_max"] > horizon:
        eta_min = f"eta_min={p['eta_min']:g}"
        add("unfinished", f"the decay does not finish: T_max={p['T_max']:,} but the run has {horizon:,} "
            f"{unit}{_ends(trace_, eta_min)}", horizon)
    if name == "OneCycleLR":
        total, peak = p["total_steps"], max(0, round(p["pct_start"] * p["total_steps"]) - 1)
        final = p["max_lr"] / p["div_factor"] / p["final_div_factor"]
        if total < horizon:
            add("raises", f"total_steps={total:,} is shorter than the run's {horizon:,} {unit}: torch raises "
                f"\"Tried to step {total + 1} times\" at scheduler step {total + 1:,} ({_epoch_of(total + 1, ctx)})",
                total + 1)
        elif total > horizon:
            where = "it never anneals: the run ends while it still warms up" if horizon <= peak else "it never " \
                "finishes annealing"
            add("never_anneals", f"total_steps={total:,} is longer than the run's {horizon:,} {unit}: {where} "
                f"(peak at step {peak:,}){_ends(trace_, f'the final lr {final:.3g}')}", horizon)
    for role, param, length, end_lr in _lengths(resolved):
        if length > horizon:
            add("unfinished", f"the {role} does not finish: {param}={length:,} but the run has {horizon:,} "
                f"{unit}{_ends(trace_, f'{end_lr:.3g}')}", horizon)
    if name == "SequentialLR":
        for index, milestone in enumerate(p["milestones"]):
            if milestone >= horizon:
                part = resolved.children[index + 1].schedule.name
                add("milestone", f"milestone {milestone:,} is at or past the run's end ({horizon:,} {unit}): part "
                    f"{index + 2} ({part}) never runs", milestone)
    found += _unit_findings(resolved, label)
    return found


def _unit_findings(resolved: Resolved, label: str) -> list[Finding]:
    """A length that looks counted in the other unit: epochs stepped per batch, or batches stepped per epoch."""
    ctx, found = resolved.ctx, []
    lengths = [(role, param, length) for role, param, length, _ in _lengths(resolved)]
    if resolved.schedule.name == "CosineAnnealingLR":
        lengths.append(("decay", "T_max", resolved.params["T_max"]))
    if resolved.schedule.name == "OneCycleLR":
        lengths.append(("cycle", "total_steps", resolved.params["total_steps"]))
    if resolved.schedule.name == "StepLR":
        lengths.append(("decay", "step_size", resolved.params["step_size"]))
    if resolved.schedule.name == "MultiStepLR":
        lengths += [("decay", "milestones", milestone) for milestone in resolved.params["milestones"][:1]]
    spe, epochs = ctx.steps_per_epoch, ctx.epochs
    for role, param, length in lengths:
        if ctx.per_batch and spe > 1 and 0 < length <= epochs and length < spe:
            found.append(Finding(label, "units", f"the {role} looks counted in epochs but the scheduler is stepped "
                                 f"per optimizer step: {param}={length} ends within the first epoch ({spe:,} steps "
                                 f"per epoch); {length} epochs are {length * spe:,} steps", length))
        elif not ctx.per_batch and spe > 1 and length > epochs and length <= spe * epochs:
            found.append(Finding(label, "units", f"the {role} looks counted in optimizer steps but the scheduler is "
                                 f"stepped per epoch: {param}={length:,} epochs, past the run's {epochs:,}; per "
                                 f"optimizer step it would end in epoch {math.ceil(length / spe)}", epochs))
    return found


NOT_DECAYING = {"Constant", "ConstantLR", "CyclicLR", "ReduceLROnPlateau", "get_constant_schedule_with_warmup"}


def _no_decay(resolved: Resolved, label: str, trace_: Trace, found: list[Finding]) -> list[Finding]:
    name = resolved.schedule.name
    if name in NOT_DECAYING or not trace_.complete or trace_.last_lr is None or trace_.horizon < 2:
        return []
    if name == "LinearLR" and resolved.params["end_factor"] >= resolved.params["start_factor"]:
        return []  # a warm-up alone: it is meant to rise
    if any(f.kind in ("unfinished", "never_anneals", "milestone") for f in found):
        return []  # already said why
    if trace_.last_lr < trace_.peak_lr * (1 - 1e-9):
        return []
    first = {"StepLR": "step_size", "ExponentialLR": "gamma"}.get(name)
    why = f" ({first}={resolved.params[first]})" if first else ""
    if name == "MultiStepLR":
        why = f" (milestones={resolved.params['milestones']})"
    unit = "scheduler steps" if resolved.ctx.per_batch else "epochs"
    return [Finding(label, "no_decay", f"never decays within the run's {trace_.horizon:,} {unit}{why}: its lr at "
                    f"the last step, {trace_.last_lr:.3g}, is its highest", trace_.horizon)]


def _faded(label: str, trace_: Trace, ctx: RunContext) -> list[Finding]:
    """The lr gone to next to nothing in the first half of the run: a per-epoch decay stepped per batch."""
    step = trace_.faded
    if step is None or not trace_.complete or step >= trace_.horizon / 2:
        return []
    share = 100 * step / trace_.horizon
    at = "by" if trace_.sampled else "at"
    return [Finding(label, "faded", f"the lr falls below {FADED:g} × its peak {at} step {step:,} "
                    f"({_epoch_of(step, ctx)}, {share:.2g}% into the run) and trains next to nothing after it", step)]


def _milestone_zero(item: Schedule, label: str) -> list[Finding]:
    """SequentialLR with a milestone 0 is refused by lrviz; say what torch would do with it."""
    found = []
    if item.name == "SequentialLR":
        for index, milestone in enumerate(item.given.get("milestones", [])):
            if milestone == 0:
                part = item.children[index].name if index < len(item.children) else "the part before it"
                found.append(Finding(label, "milestone", f"milestone 0: part {index + 1} ({part}) never runs, torch "
                                     f"hands over to part {index + 2} before the first step", 0))
    for child in item.children:
        found += _milestone_zero(child, label)
    return found


def _resolve_for(item: Schedule, ctx: RunContext) -> tuple[Resolved, RunContext]:
    """The schedule on the run; a OneCycleLR shorter than the run on a run as long as its cycle (torch raises
    after it, `_own_findings` says where)."""
    total = item.given.get("total_steps")
    if item.name == "OneCycleLR" and isinstance(total, int) and 2 <= total < ctx.horizon:
        short = RunContext(total, ctx.steps_per_epoch, ctx.per_batch, ctx.lr, ctx.epochs)
        resolved = resolve(item, short)
        return Resolved(resolved.schedule, resolved.params, ctx, resolved.children), short
    return resolve(item, ctx), ctx


def _running_parts(resolved: Resolved) -> list[Resolved]:
    """The parts of a composite that run at all: a SequentialLR part after a milestone past the end does not."""
    if not resolved.spec.restarts_parts:
        return list(resolved.children)
    starts = [0, *resolved.params["milestones"]]
    return [child for child, start in zip(resolved.children, starts, strict=True) if start < resolved.ctx.horizon]


def check(item: Schedule | str, run: RealRun, experiment: Experiment | None = None, schedules: int = 1,
          label: str | None = None, tracer: Tracer = trace) -> tuple[list[Finding], Trace | None]:  # fmt: skip
    """The warnings for one schedule on a real run, and its lr over that run (None if it cannot be built).

    `experiment` gives the optimizer (its lr, momentum); `schedules` shares the budget of scheduler updates.
    """
    experiment = experiment or Experiment()
    written = parse(item) if isinstance(item, str) else item
    label = label or str(written)
    ctx = run.context(experiment.lr)
    found = _milestone_zero(written, label)
    try:
        resolved, traced_ctx = _resolve_for(written, ctx)
    except SpecError as error:
        return found or [Finding(label, "refused", str(error))], None
    traced = Resolved(resolved.schedule, resolved.params, traced_ctx, resolved.children)
    try:
        trace_ = tracer(traced, experiment, schedules)
    except (SpecError, *SCHEDULER_ERRORS) as error:
        return [*found, Finding(label, "refused", str(error))], None
    if traced_ctx is not ctx:  # the shortened OneCycleLR: the axis is still the run's
        trace_ = replace(trace_, horizon=ctx.horizon, last_lr=None,
                         error=f"torch raises at scheduler step {traced_ctx.horizon + 1:,}")
    found += _own_findings(resolved, label, trace_)
    for number, child in enumerate(_running_parts(resolved), start=1):
        found += [Finding(f.schedule, f.kind, f"part {number} ({child.schedule.name}): {f.message}", f.step)
                  for f in _own_findings(child, label, None)]
    found += _no_decay(resolved, label, trace_, found) + _faded(label, trace_, ctx)
    return found, trace_


def check_all_schedules(items: list[Schedule | str], run: RealRun,
                        experiment: Experiment | None = None) -> list[Finding]:  # fmt: skip
    """Every schedule's warnings on the run, in order."""
    return [finding for item in items for finding in check(item, run, experiment, len(items))[0]]
