"""Schedules written like PyTorch code: `StepLR(step_size=4, gamma=0.9)`, or pasted from a training script.

`parse` reads such a text with `lrviz.schedules.reader` (never running it) into a `Schedule`, whose
canonical text is lrviz's form with the scheduler's real parameters; `resolve`
checks it against the registry for a given run and returns a `Resolved` schedule
that can build the real torch scheduler, print its code and list its markers.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any

from torch.optim import Optimizer

from lrviz.schedules.formula import FormulaError
from lrviz.schedules.formula import parse as parse_formula
from lrviz.schedules.params import RunContext, SpecError, check_all
from lrviz.schedules.reader import Built, read_code
from lrviz.schedules.reader.dialects import check_steps
from lrviz.schedules.registry import REGISTRY, Scheduler, SchedulerSpec

# SequentialLR steps a SequentialLR first part once while it is built, before any optimizer.step(): the
# value it skips is torch's result (SequentialLR's note says so); torch's warning about the order would
# only repeat it in the server's log, so that one message is silenced
warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`",
                        category=UserWarning)

MAX_SPEC_LENGTH = 5000  # a block of pasted training code, with its comments
MAX_NESTING = 3


@dataclass(frozen=True)
class Schedule:
    """A schedule as written: a registry name, the parameters given, and child schedules."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    children: tuple[Schedule, ...] = ()
    # where pasted code built it (0: a one-line text), and how the code computed a parameter, for messages
    line: int = field(default=0, compare=False, repr=False)
    origin: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False)  # what the reading chose, to show
    lr: float | None = field(default=None, compare=False, repr=False)  # the pasted optimizer's lr

    @property
    def spec(self) -> SchedulerSpec:
        return REGISTRY[self.name]

    @property
    def given(self) -> dict[str, Any]:
        return {key: (list(value) if isinstance(value, tuple) else value) for key, value in self.params}

    def __str__(self) -> str:
        arguments = [str(child) for child in self.children]
        arguments += [f"{key}={literal(value)}" for key, value in self.params]
        return f"{self.name}({', '.join(arguments)})"


def literal(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):  # numpy's numbers print as Python's
        return repr(int(value) if isinstance(value, numbers.Integral) else float(value))
    return repr(value)


def schedule(name: str, *children: Schedule, **params: Any) -> Schedule:
    """Build a Schedule in Python: `schedule("StepLR", step_size=4)`."""
    frozen = tuple((key, tuple(value) if isinstance(value, list) else value) for key, value in params.items())
    return Schedule(name, frozen, tuple(children))


def _unknown_name(name: str) -> SpecError:
    close = difflib.get_close_matches(name, REGISTRY, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return SpecError(f"unknown scheduler '{name}': {hint}valid ones are {', '.join(REGISTRY)}", schedule=name)


def _from_built(built: Built, depth: int = 1) -> Schedule:
    if depth > MAX_NESTING:
        raise SpecError(f"schedules nest deeper than {MAX_NESTING} levels")
    children = tuple(_from_built(child, depth + 1) for child in built.children)
    return Schedule(built.name, built.params, children, built.line, built.origin, built.notes, built.lr)


def parse(text: str, define: dict[str, Any] | None = None, run: RunContext | None = None) -> Schedule:
    """Read one schedule, as lrviz writes it or as pasted training code; raise SpecError with a message for
    the user (naming the line of pasted code and the argument). `define` gives names the code computes at run
    time their values; `run` fills in the names that mean the run's length (`args.epochs`)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty schedule: write one like StepLR(step_size=4, gamma=0.9)")
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"schedule text is longer than {MAX_SPEC_LENGTH} characters")
    read = _from_built(read_code(text, define, run))
    written = len(str(read))  # names and lists written out: what the link and the page's box must hold
    if written > MAX_SPEC_LENGTH:
        raise SpecError(f"the schedule written out is {written:,} characters: longer than {MAX_SPEC_LENGTH} "
                        "characters, too long to train and share")
    return read


def reading_notes(sched: Schedule, ctx: RunContext) -> list[str]:
    """What a person should know about how pasted code was read for this run: a branch chosen, and which counter
    a lambda's argument (t) is."""
    notes = list(sched.notes)
    formulas = [value for child in (sched, *sched.children) for _, value in child.params
                if isinstance(value, str) and "t" in _formula_names(value)]
    if formulas:
        which = "the optimizer step (this run steps per batch)" if ctx.per_batch else \
            "the epoch (this run steps per epoch)"
        notes.append(f"t, the lambda's argument, is torch's counter: the number of scheduler.step() calls, here "
                     f"{which}")
    if sched.lr is not None:
        notes.append(f"the pasted optimizer's lr, {sched.lr:g}, is the run's lr" if sched.lr == ctx.lr else
                     f"the pasted optimizer has lr={sched.lr:g}; this schedule trains with the experiment's lr, "
                     f"{ctx.lr:g}: set lr to {sched.lr:g} there to see the code's own")
    return notes


def _formula_names(text: str) -> set[str]:
    try:
        return {node.id for node in ast.walk(parse_formula(text)) if isinstance(node, ast.Name)}
    except FormulaError:
        return set()


@dataclass(frozen=True)
class Resolved:
    """A schedule checked for one run: every parameter set, children resolved in their own context."""

    schedule: Schedule
    params: dict[str, Any]
    ctx: RunContext
    children: tuple[Resolved, ...] = ()

    @property
    def spec(self) -> SchedulerSpec:
        return self.schedule.spec

    def build(self, optimizer: Optimizer) -> Scheduler:
        children = [child.build(optimizer) for child in self.children]
        return self.spec.build(optimizer, dict(self.params), self.ctx, children)

    def code(self) -> str:
        return self.spec.code(dict(self.params), self.ctx, [child.code() for child in self.children])

    def markers(self) -> list[int]:
        # within the run only: a marker past its end (a pasted OneCycleLR's peak) stretched the charts' x axes
        return sorted(step for step in set(self.spec.markers(self.params, self.ctx)) if step < self.ctx.horizon)

    @property
    def cycles_momentum(self) -> bool:
        return self.spec.cycles_momentum(self.params) or any(c.cycles_momentum for c in self.children)

    @property
    def needs_metric(self) -> bool:
        return self.spec.needs_metric


def child_contexts(spec: SchedulerSpec, params: dict[str, Any], ctx: RunContext, count: int) -> list[RunContext]:
    """The run each part of a composite sees: SequentialLR's parts run between its milestones."""
    if not spec.restarts_parts:  # ChainedScheduler: every part runs the whole time, on a shared lr
        return [ctx.part(ctx.horizon, chained=True)] * count
    bounds = [0, *params["milestones"], ctx.horizon]
    return [ctx.part(end - start) for start, end in itertools.pairwise(bounds)]


def _as_schedule(item: Schedule | str) -> Schedule:
    """A Schedule with a registered name, from text or as built in Python."""
    if isinstance(item, str):
        return parse(item)
    if not isinstance(item, Schedule):
        raise SpecError(f"a schedule is text like StepLR(step_size=4) or lrviz.schedule(...) (got {item!r:.40})")
    if item.name not in REGISTRY:
        raise _unknown_name(item.name)
    if item.children and not item.spec.composite:
        raise SpecError(f"{item.name} takes keyword arguments only, like {item.name}(param=value)", schedule=item.name)
    return item


def resolve(item: Schedule | str, ctx: RunContext) -> Resolved:
    """Check a schedule for a run; raise SpecError naming the schedule and the parameter."""
    sched = _as_schedule(item)
    spec = sched.spec
    children = tuple(_as_schedule(child) for child in sched.children)
    if spec.composite and not children:
        children = tuple(parse(text) for text in spec.default_children(ctx))
    own_ctx = ctx.with_parts(len(children)) if spec.composite else ctx
    check_steps(sched.origin, ctx.per_batch, sched.name)
    try:
        params = check_all(spec.params, sched.given, own_ctx)
        spec.rules(params, own_ctx)
    except SpecError as error:
        where = f"line {sched.line}: " if sched.line else ""
        how = dict(sched.origin).get(error.param)
        raise SpecError(f"{where}{sched.name}: {error}{f' (from {how})' if how else ''}", error.param,
                        sched.name) from None
    for index, child in enumerate(children):
        if child.spec.needs_metric:
            raise SpecError(f"{child.name} cannot go inside {sched.name}: it needs the loss to step", None, sched.name)
        if index and spec.restarts_parts and not child.spec.restartable:
            raise SpecError(f"{child.name} cannot be a later part of {sched.name}: torch cannot restart it at a "
                            "milestone (it can be the first part)", None, sched.name)
    contexts = child_contexts(spec, params, own_ctx, len(children))
    resolved_children = tuple(resolve(child, child_ctx) for child, child_ctx in zip(children, contexts, strict=True))
    return Resolved(sched, params, own_ctx, resolved_children)
