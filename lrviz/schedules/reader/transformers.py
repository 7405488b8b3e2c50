"""transformers' dialect: `get_scheduler("cosine", optimizer, num_warmup_steps=..., num_training_steps=...)`.

The name picks one of transformers' helpers (`TYPE_TO_SCHEDULER_FUNCTION` in transformers 5.23's
`optimization.py`), which lrviz declares with transformers' own formulas (`transformers_schedules`); the call
is read as that helper's, with `scheduler_specific_kwargs` spread into it, as `get_scheduler` does.
"""

from __future__ import annotations

import ast
from typing import Any

MODULES = {(), ("transformers",), ("optimization",), ("transformers", "optimization"), ("diffusers",),
           ("diffusers", "optimization")}  # diffusers' get_scheduler takes the same names, num_cycles and power
HELPERS = {
    "linear": "get_linear_schedule_with_warmup", "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup", "constant": "Constant",
    "constant_with_warmup": "get_constant_schedule_with_warmup", "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "ReduceLROnPlateau", "warmup_stable_decay": "get_wsd_schedule",
}
NOT_DECLARED = ("cosine_with_min_lr", "cosine_warmup_with_min_lr", "greedy")
LABEL = "transformers' get_scheduler"


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    if not path or path[-1] != "get_scheduler" or path[:-1] not in MODULES:
        return None
    given = reader.library_call(LABEL, node, ["name", "optimizer", "num_warmup_steps", "num_training_steps",
                                              "scheduler_specific_kwargs"],
                                {"name", "optimizer", "num_warmup_steps", "num_training_steps",
                                 "scheduler_specific_kwargs", "num_cycles", "power", "step_rules"})
    kind = _kind(reader, node, given.get("name"))
    label = f"{LABEL}({kind!r})"
    if kind in NOT_DECLARED:
        raise reader.fail(f"{label}: lrviz does not declare transformers' {kind} schedule; its helpers read are "
                          f"{', '.join(HELPERS)}", "name")
    if kind not in HELPERS:
        raise reader.fail(f"{label}: not one of transformers' schedule names ({', '.join(HELPERS)})", "name")
    keywords = [ast.keyword("optimizer", ast.Name("optimizer", ast.Load()))]
    argument = dict(zip(["name", "optimizer", "num_warmup_steps", "num_training_steps"], node.args, strict=False))
    argument |= {k.arg: k.value for k in node.keywords}
    if kind not in ("constant", "reduce_lr_on_plateau"):
        if "num_warmup_steps" not in argument or _is_none(argument["num_warmup_steps"]):
            raise reader.fail(f"{label} requires num_warmup_steps (transformers raises without it)",
                              "num_warmup_steps")
        keywords.append(ast.keyword("num_warmup_steps", argument["num_warmup_steps"]))
    if kind not in ("constant", "reduce_lr_on_plateau", "constant_with_warmup", "inverse_sqrt"):
        if "num_training_steps" not in argument or _is_none(argument["num_training_steps"]):
            if kind != "warmup_stable_decay":
                raise reader.fail(f"{label} requires num_training_steps (transformers raises without it)",
                                  "num_training_steps")
        else:
            keywords.append(ast.keyword("num_training_steps", argument["num_training_steps"]))
    if kind != "constant":
        keywords += _specific(reader, label, argument.get("scheduler_specific_kwargs"))
        keywords += [ast.keyword(key, argument[key]) for key in ("num_cycles", "power") if key in argument
                     and (key == "power") == (kind == "polynomial")]  # diffusers passes both, each helper one
    return reader.construction(HELPERS[kind], ast.Call(ast.Name(HELPERS[kind], ast.Load()), [], keywords))


def _kind(reader: Any, node: ast.Call, value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
    if isinstance(first, ast.Attribute) and first.attr.isupper() and first.attr.lower() in (*HELPERS, *NOT_DECLARED):
        return first.attr.lower()  # SchedulerType.COSINE
    shown = ast.unparse(first) if first is not None else "nothing"
    raise reader.fail(f"{LABEL}: the schedule's name is {shown:.40}, which has no value here: write it out, like "
                      "get_scheduler('cosine', optimizer, ...)", "name")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _specific(reader: Any, label: str, node: ast.expr | None) -> list[ast.keyword]:
    """scheduler_specific_kwargs={'num_cycles': 2} or dict(num_cycles=2), as keywords of the helper."""
    if node is None or _is_none(node):
        return []
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                          for k in node.keys):
        return [ast.keyword(k.value, v) for k, v in zip(node.keys, node.values, strict=True)]
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "dict" and not node.args:
        return list(node.keywords)
    raise reader.fail(f"{label}: scheduler_specific_kwargs={ast.unparse(node):.40} cannot be read; write it as a "
                      "dict of numbers, like {'num_cycles': 1}", "scheduler_specific_kwargs")
