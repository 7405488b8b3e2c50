"""Torch's dialect: scheduler constructions as `torch.optim.lr_scheduler` (and transformers' helpers) take them.

Calls are matched to the registry by name, under any of torch's module paths; positional arguments are mapped
through torch's own signatures (a recipe's: its declaration's order, after the optimizer). Both lrviz's own form,
`SequentialLR(LinearLR(), CosineAnnealingLR(), milestones=[5])`, and torch's,
`SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[5])`, read the same way.
"""

from __future__ import annotations

import ast
import difflib
import inspect
from functools import cache
from typing import Any

from torch import nn
from torch.optim import lr_scheduler

from lrviz.schedules.markup import shorten, shown
from lrviz.schedules.reader.values import Built, Lambda, Unknown, ValueReader, dotted, is_number
from lrviz.schedules.registry import REGISTRY

# where a scheduler may be called from: `StepLR`, `lr_scheduler.StepLR`, ..., `transformers.get_..._schedule`
MODULE_PATHS = {(), ("lr_scheduler",), ("optim", "lr_scheduler"), ("torch", "optim", "lr_scheduler"),
                ("transformers",), ("optimization",), ("transformers", "optimization")}


class TorchCalls(ValueReader):
    """A reader of values that knows torch's schedulers (and lrviz's recipes) by name."""

    def is_scheduler(self, name: str) -> bool:
        return name in REGISTRY

    def scheduler_call(self, path: tuple[str, ...], node: ast.Call) -> Built | None:
        name = path[-1] if path else ""
        if not path or name not in REGISTRY:
            return None
        if path[:-1] not in MODULE_PATHS:
            raise self.fail(f"'{'.'.join(path)}' is not one of torch's module paths: write {name}, "
                            f"lr_scheduler.{name} or torch.optim.lr_scheduler.{name}", schedule=name)
        built = self.construction(name, node)
        self.record_construction(built, node)
        return built

    def refuse_misspelt(self, path: tuple[str, ...], alone: bool) -> None:
        name = path[-1] if path else ""
        if hasattr(nn, name) or path[:-1] not in MODULE_PATHS:  # `model = nn.Linear(32, 64)` is no LinearLR
            return
        if path and (alone or difflib.get_close_matches(name, REGISTRY, n=1, cutoff=0.85)):
            close = difflib.get_close_matches(name, REGISTRY, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise self.fail(f"unknown scheduler '{name}': {hint}valid ones are {', '.join(REGISTRY)}",
                            schedule=name)

    def construction(self, name: str, node: ast.Call) -> Built:
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords):
            raise self.fail(f"{name}: * and ** arguments cannot be read; write each argument out", schedule=name)
        values = [self.value(arg, name, None) for arg in node.args]
        if REGISTRY[name].composite and values and all(isinstance(v, Built) for v in values):
            given, children = {}, tuple(values)  # lrviz's own form: the parts, then the keywords
        else:
            given, children = self.bind(name, values), ()
        for keyword in node.keywords:  # refused twice, as Python refuses them
            if keyword.arg in given:
                how = "by keyword" if keyword.arg in [k.arg for k in node.keywords[:node.keywords.index(keyword)]] \
                    else "by position and by keyword"
                raise self.fail(f"{name}: {keyword.arg} is given twice, {how}", keyword.arg, name)
            given[keyword.arg] = self.value(keyword.value, name, keyword.arg)
        if not children and REGISTRY[name].composite:
            children = self.parts(name, given.pop("schedulers", None))
        # torch's own form (an optimizer, or a module path) runs with torch's defaults: so does the reading
        torch_form = "optimizer" in given or len(dotted(node.func)) > 1
        given.pop("optimizer", None)  # under any name: lrviz builds its own
        params, origin = self.arguments(name, given)
        if torch_form:
            params = _with_torch_defaults(name, params)
        return Built(name, tuple(params.items()), children, 0 if self.single_line else self.line, origin)

    def bind(self, name: str, values: list[Any]) -> dict[str, Any]:
        """Positional arguments by torch's signature; the optimizer may be left out before a first number."""
        order = signature(name)
        if values and (is_number(values[0]) or isinstance(values[0], str | Lambda)):
            order = [key for key in order if key != "optimizer"]
        if len(values) > len(order):
            raise self.fail(f"{name} takes at most {len(order)} positional arguments ({', '.join(order)}); "
                            f"got {len(values)}", schedule=name)
        return dict(zip(order, values, strict=False))

    def parts(self, name: str, schedulers: Any) -> tuple[Built, ...]:
        if schedulers is None:
            return ()
        items = schedulers if isinstance(schedulers, list) else [schedulers]
        for item in items:
            if not isinstance(item, Built):
                what = shorten(item.text, 40) if isinstance(item, Unknown) else shown(item, 40)
                raise self.fail(f"{name}: schedulers holds {what}, which is not a scheduler built above",
                                "schedulers", name)
        return tuple(items)

    def arguments(self, name: str, given: dict[str, Any]) -> tuple[dict[str, Any], tuple]:
        """The declared parameters' values; no-op arguments dropped; anything without a value named."""
        spec, origin = REGISTRY[name], []
        declared = {param.name: param for param in spec.params}
        if given.get("last_epoch", -1) != -1:
            raise self.fail(f"{name}: last_epoch={given['last_epoch']} resumes a run; lrviz starts every schedule "
                            "from the beginning (leave last_epoch out)", "last_epoch", name)
        given.pop("last_epoch", None)
        given.pop("verbose", None)  # deprecated in torch; printing changes no value
        if name == "OneCycleLR" and "total_steps" not in given and {"epochs", "steps_per_epoch"} <= set(given):
            epochs, per_epoch = (self.whole(name, key, given.pop(key)) for key in ("epochs", "steps_per_epoch"))
            given["total_steps"] = epochs * per_epoch
            origin.append(("total_steps", f"epochs × steps_per_epoch = {epochs} × {per_epoch} in the code"))
        params = {}
        for key, value in given.items():
            if isinstance(value, Unknown):
                raise self.fail(f"{name}: {key} needs a number: {value.text:.60} has no value here", key, name)
            if key not in declared and key in _torch_defaults(name):
                if value != _torch_defaults(name)[key]:
                    raise self.fail(f"{name}: {key}={shown(value, 40)} is not modelled by lrviz (only torch's "
                                    f"default, {shown(_torch_defaults(name)[key])})", key, name)
                continue
            params[key] = self.formula_or_value(name, key, value, declared.get(key))
        return params, tuple(origin)

    def formula_or_value(self, name: str, key: str, value: Any, param: Any) -> Any:
        if param is not None and param.kind == "formula":
            if isinstance(value, list) and len(value) == 1:  # one multiplier per param group; lrviz has one group
                value = value[0]
            elif isinstance(value, list):
                raise self.fail(f"{name}: {key} holds {len(value)} multipliers, one per param group; lrviz trains "
                                "one group: keep the one to see", key, name)
            if isinstance(value, Lambda):
                return value.formula
            if not isinstance(value, str):
                raise self.fail(f"{name}: {key} needs a lambda, like lambda epoch: 0.95 ** epoch (got "
                                f"{shown(value, 40)})", key, name)
        if isinstance(value, Lambda | Built):
            raise self.fail(f"{name}: {key} needs a value, not a {type(value).__name__.lower()}", key, name)
        return tuple(value) if isinstance(value, list) else value

    def whole(self, name: str, key: str, value: Any) -> int:
        if isinstance(value, Unknown):
            raise self.fail(f"{name}: {key} needs a number: {value.text:.60} has no value here", key, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail(f"{name}: {key} must be a positive whole number, as torch requires (got "
                            f"{shown(value, 40)})", key, name)
        return value


@cache
def signature(name: str) -> list[str]:
    """The parameter order of a scheduler's call: torch's own, or the optimizer then the declaration's."""
    cls = getattr(lr_scheduler, name, None) if REGISTRY[name].family == "torch" else None
    if cls is not None:
        return list(inspect.signature(cls).parameters)
    return ["optimizer", *(param.name for param in REGISTRY[name].params), "last_epoch"]


@cache
def _torch_defaults(name: str) -> dict[str, Any]:
    cls = getattr(lr_scheduler, name, None) if REGISTRY[name].family == "torch" else None
    if cls is None:
        return {}
    return {key: p.default for key, p in inspect.signature(cls).parameters.items() if p.default is not p.empty}


def _with_torch_defaults(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every declared parameter torch has a default for, in the declaration's order: what the pasted line runs
    with (CyclicLR's step_size_up=2000, ConstantLR's total_iters=5), not lrviz's run-length defaults."""
    defaults = _torch_defaults(name)
    ordered = {}
    for param in REGISTRY[name].params:
        if param.name in params:
            ordered[param.name] = params[param.name]
        elif defaults.get(param.name) is not None:
            value = defaults[param.name]
            ordered[param.name] = tuple(value) if isinstance(value, list) else value
    return ordered | params
