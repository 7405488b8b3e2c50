"""Schedules written like PyTorch code: `StepLR(step_size=4, gamma=0.9)`.

`parse` reads such a string with `ast`, accepting literal arguments only; `resolve`
checks it against the registry for a given run and returns a `Resolved` schedule
that can build the real torch scheduler, print its code and list its markers.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import numbers
from dataclasses import dataclass
from typing import Any

from torch.optim import Optimizer

import lrviz.recipes  # registers the recipes (and, through them, the torch schedulers)
import lrviz.schedulers  # noqa: F401  (registers the torch schedulers)
from lrviz.formula import USER_TEXT
from lrviz.params import RunContext, SpecError, check_all
from lrviz.registry import REGISTRY, Scheduler, SchedulerSpec

MAX_SPEC_LENGTH = 2000
MAX_NESTING = 3


@dataclass(frozen=True)
class Schedule:
    """A schedule as written: a registry name, the parameters given, and child schedules."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    children: tuple[Schedule, ...] = ()

    @property
    def spec(self) -> SchedulerSpec:
        return REGISTRY[self.name]

    @property
    def given(self) -> dict[str, Any]:
        return {key: (list(value) if isinstance(value, tuple) else value) for key, value in self.params}

    def __str__(self) -> str:
        arguments = [str(child) for child in self.children]
        arguments += [f"{key}={_literal(value)}" for key, value in self.params]
        return f"{self.name}({', '.join(arguments)})"


def _literal(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
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


def _from_node(node: ast.AST, depth: int) -> Schedule:
    if depth > MAX_NESTING:
        raise SpecError(f"schedules nest deeper than {MAX_NESTING} levels")
    if isinstance(node, ast.Name):  # a bare name: all defaults
        node = ast.Call(func=node, args=[], keywords=[])
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise SpecError("a schedule looks like Name(param=value, ...), e.g. StepLR(step_size=4, gamma=0.9)")
    name = node.func.id
    if name not in REGISTRY:
        raise _unknown_name(name)
    if node.args and not REGISTRY[name].composite:
        raise SpecError(f"{name} takes keyword arguments only, like {name}(param=value)", schedule=name)
    children = tuple(_from_node(arg, depth + 1) for arg in node.args)
    params = []
    for keyword in node.keywords:
        if keyword.arg is None:
            raise SpecError("** arguments are not allowed", schedule=name)
        if any(keyword.arg == given for given, _ in params):  # Python refuses this too; the last would win silently
            raise SpecError(f"{name}: {keyword.arg} is given twice", keyword.arg, name)
        try:
            value = ast.literal_eval(keyword.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise SpecError(
                f"{keyword.arg} must be a literal value (a number, True/False, a quoted formula or a list)",
                keyword.arg, name,
            ) from None
        params.append((keyword.arg, tuple(value) if isinstance(value, list | tuple) else value))
    return Schedule(name, tuple(params), children)


def parse(text: str) -> Schedule:
    """Parse one schedule string; raise SpecError with a message for the user."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty schedule: write one like StepLR(step_size=4, gamma=0.9)")
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"schedule text is longer than {MAX_SPEC_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), filename=USER_TEXT, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        shown = " ".join(text.split())  # one line, even if the text has several
        raise SpecError(f"cannot read '{shown:.60}': {getattr(error, 'msg', error)}") from None
    return _from_node(tree.body, 1)


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
        # SequentialLR steps a composite first part once while it is built, before any optimizer.step():
        # the value it skips is torch's result (SequentialLR's note says so); torch's order warning
        # about it would only repeat it in the server log, so this optimizer counts as stepped
        optimizer._opt_called = True
        children = [child.build(optimizer) for child in self.children]
        return self.spec.build(optimizer, dict(self.params), self.ctx, children)

    def code(self) -> str:
        return self.spec.code(dict(self.params), self.ctx, [child.code() for child in self.children])

    def markers(self) -> list[int]:
        return sorted(set(self.spec.markers(self.params, self.ctx)))

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
    try:
        params = check_all(spec.params, sched.given, own_ctx)
        spec.rules(params, own_ctx)
    except SpecError as error:
        raise SpecError(f"{sched.name}: {error}", error.param, sched.name) from None
    for index, child in enumerate(children):
        if child.spec.needs_metric:
            raise SpecError(f"{child.name} cannot go inside {sched.name}: it needs the loss to step", None, sched.name)
        if index and spec.restarts_parts and not child.spec.restartable:
            raise SpecError(f"{child.name} cannot be a later part of {sched.name}: torch cannot restart it at a "
                            "milestone (it can be the first part)", None, sched.name)
    contexts = child_contexts(spec, params, own_ctx, len(children))
    resolved_children = tuple(resolve(child, child_ctx) for child, child_ctx in zip(children, contexts, strict=True))
    return Resolved(sched, params, own_ctx, resolved_children)
