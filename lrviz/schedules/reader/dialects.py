"""The chain of libraries' dialects, and the names a training script computes at run time.

Each library's module (`transformers`, `timm`, `mmengine`, `keras`, `optax`, `fastai`, `detectron2`) has a
`read(reader, path, node)` that returns the schedule a call of that library builds, None for a call that is not
its own, or raises a SpecError naming what it could not read. They are tried in turn, then torch's dialect.

Names that mean the run's own length (`args.epochs`, `len(train_loader)`, `num_training_steps`) take the run's
numbers when the reader is given the run; any other name computed at run time takes a value given with
`define` (`--define NAME=VALUE`), and is otherwise named in the message.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.reader import detectron2, fastai, keras, mmengine, optax, timm, transformers
from lrviz.schedules.reader.torch_calls import TorchCalls
from lrviz.schedules.reader.values import Built, Unknown, dotted, is_number
from lrviz.schedules.registry import REGISTRY

DIALECTS = (transformers, timm, mmengine, keras, optax, fastai, detectron2)
LIBRARIES = {"keras": "Keras", "mmengine": "mmengine", "timm": "timm", "optax": "optax", "fastai": "fastai",
             "detectron2": "detectron2", "transformers": "transformers"}
STEPS = "@steps"  # an origin entry: the scheduler counts optimizer steps ("batch") or epochs ("epoch")
INFERRED = "@inferred"  # an origin entry: "args.epochs = 20, the run's epochs"

# the last part of a name, lower-cased, that means one of the run's lengths
EPOCHS = {"epochs", "num_epochs", "n_epochs", "max_epochs", "max_epoch", "total_epochs", "nb_epochs",
          "epoch_num", "num_train_epochs", "train_epochs", "n_epoch", "epochs_total"}
BATCHES = {"steps_per_epoch", "iters_per_epoch", "num_batches", "n_batches", "batches_per_epoch", "epoch_length",
           "num_steps_per_epoch", "num_update_steps_per_epoch", "updates_per_epoch", "iter_per_epoch",
           "num_iters_per_epoch", "train_steps_per_epoch", "len_loader", "niter_per_ep", "n_iter_per_epoch"}
TOTAL = {"num_training_steps", "total_steps", "max_steps", "estimated_stepping_batches", "max_iters", "max_iter",
         "num_train_steps", "training_steps", "t_total", "num_total_steps", "total_training_steps", "train_steps",
         "total_iterations", "num_iterations", "max_train_steps", "total_num_steps", "n_total_steps"}
_LOADER = re.compile(r"^len\(([\w.]*[._])?(\w*loader|dl|train_dl|dls\.train|batches|train_batches)(\(\))?\)$",
                     re.IGNORECASE)  # len(train_loader), len(self.train_dataloader()), len(dls.train)


def normal(name: str) -> str:
    """A name as the reader writes it (`len( train_loader )` → `len(train_loader)`)."""
    try:
        return ast.unparse(ast.parse(name.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return name.strip()


def run_length(name: str, run: RunContext) -> tuple[int, str] | None:
    """The run's number for a name that means one of its lengths, and what it means."""
    last = re.split(r"[.\[]", name)[-1].strip("]'\"").lower()
    steps = run.epochs * run.steps_per_epoch
    if last in EPOCHS:
        return run.epochs, "the run's epochs"
    if last in BATCHES or _LOADER.match(name):
        return run.steps_per_epoch, "the run's batches per epoch"
    if last in TOTAL:
        return steps, f"the run's optimizer steps ({run.epochs} epochs × {run.steps_per_epoch} batches)"
    return None


class Dialects(TorchCalls):
    """torch's dialect, after every other library's; values given by `define` or by the run's length."""

    def __init__(self, single_line: bool, define: Mapping[str, Any] | None = None,
                 run: RunContext | None = None) -> None:  # fmt: skip
        super().__init__(single_line)
        self.define = defines(define)
        self.run = run
        self.inferred: dict[str, tuple[Any, str]] = {}  # name → (value, where it came from)
        self.missing: list[str] = []  # names computed at run time that had no value
        self.in_list = 0  # inside a list: mmengine's parts are combined by the list

    def fail(self, message: str, param: str | None = None, schedule: str | None = None) -> SpecError:
        """The error, carrying the names computed at run time that had no value (the page asks for them)."""
        error = super().fail(message, param, schedule)
        error.missing = [name for name in self.missing if name in message]
        return error

    def scheduler_call(self, path: tuple[str, ...], node: ast.Call) -> Built | None:
        if canonical(path, node):  # lrviz's own text, `CosineLRScheduler(t_initial=4)`: the declaration's names
            return super().scheduler_call(path, node)
        for dialect in DIALECTS:
            built = dialect.read(self, path, node)
            if built is not None:
                if isinstance(built, Built):
                    self.record_construction(built, node, on_optimizer_only=True)
                return built
        return super().scheduler_call(path, node)

    def value(self, node: ast.expr, schedule: str | None, param: str | None, alone: bool = False) -> Any:
        if isinstance(node, ast.Dict):  # mmengine's `{'type': 'LinearLR', ...}`
            part = mmengine.read_dict(self, node)
            if part is not None:
                return part if self.in_list else mmengine.combine(self, [part])
        name = ast.unparse(node) if isinstance(node, ast.Name | ast.Attribute | ast.Call | ast.Subscript) else ""
        if name and name not in self.names and name in self.define:
            self.inferred[name] = (self.define[name], "as defined")
            return self.define[name]
        if isinstance(node, ast.List | ast.Tuple):
            self.in_list += 1
            try:
                return mmengine.combine(self, super().value(node, schedule, param, alone))
            finally:
                self.in_list -= 1
        result = super().value(node, schedule, param, alone)
        if isinstance(result, mmengine.Part) and not self.in_list:
            return mmengine.combine(self, [result])
        if isinstance(result, Unknown) and name == result.text:
            length = run_length(name, self.run) if self.run is not None else None
            if length is not None:
                self.inferred[name] = length
                return length[0]
            if name not in self.missing:
                self.missing.append(name)
        return result

    def finish(self, built: Built) -> Built:
        """The schedule read, with the values the reader filled in as `@inferred` entries of its origin."""
        notes = tuple((INFERRED, f"{name} = {value}, {why}") for name, (value, why) in self.inferred.items())
        return Built(built.name, built.params, built.children, built.line, (*built.origin, *notes))

    def nothing_read(self, tree: ast.Module) -> SpecError:
        """No scheduler at the top level: name a library's scheduler the code uses that is not read, a scheduler
        call inside a block, or the code's own functions; the generic message only when there is none."""
        for node in ast.walk(tree):
            name = dotted(node)[-1] if isinstance(node, ast.Name | ast.Attribute) and dotted(node) else ""
            if name in REGISTRY:  # torch's ReduceLROnPlateau is not Keras's
                continue
            for dialect in DIALECTS:
                if name in getattr(dialect, "NOT_READ", ()) and isinstance(dialect.NOT_READ, dict):
                    library = dialect.__name__.rsplit(".", 1)[-1]
                    return SpecError(f"{LIBRARIES.get(library, library)}'s {name} is not read: "
                                     f"{dialect.NOT_READ[name]}")
        blocks = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With,
                  ast.Try)
        for block in (node for node in tree.body if isinstance(node, blocks)):
            for call in (node for node in ast.walk(block) if isinstance(node, ast.Call)):
                path = dotted(call.func)
                if path and (path[-1] in REGISTRY or any(path[-1] in known(dialect) for dialect in DIALECTS)):
                    kind = type(block).__name__.lower().replace("functiondef", "def").replace("classdef", "class")
                    return SpecError(f"no scheduler read: line {call.lineno}'s {'.'.join(path)}(...) is inside "
                                     f"a {kind} block, which is not read; paste the lines that build it")
        own = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
        if own:
            kind = "function" if own[0].islower() else "class"
            return SpecError(f"no scheduler in the code: {own[0]} is the code's own {kind}, which lrviz does not "
                             "run; paste the scheduler calls it makes, with their numbers")
        return SpecError("no scheduler in the code: build one, like scheduler = StepLR(optimizer, step_size=30)")

    # --- helpers for the dialects ---

    def library_call(self, label: str, node: ast.Call, order: list[str], known: set[str]) -> dict[str, Any]:
        """A library's call bound by its own signature: `order` (positional), `known` (all that is read)."""
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords):
            raise self.fail(f"{label}: * and ** arguments cannot be read; write each argument out")
        if len(node.args) > len(order):
            raise self.fail(f"{label} takes at most {len(order)} positional arguments here ({', '.join(order)})")
        given = {key: self.value(arg, label, key) for key, arg in zip(order, node.args, strict=False)}
        for keyword in node.keywords:
            if keyword.arg in given:
                raise self.fail(f"{label}: {keyword.arg} is given twice")
            given[keyword.arg] = self.value(keyword.value, label, keyword.arg)
        unread = [key for key in given if key not in known]
        if unread:
            raise self.fail(f"{label}: {unread[0]} is not read by lrviz (it reads {', '.join(sorted(known))})",
                            unread[0])
        return given

    def number(self, label: str, key: str, value: Any, whole: bool = False) -> Any:
        """A number, or a message naming the argument and, for a name computed at run time, how to give it."""
        if isinstance(value, Unknown):
            raise self.fail(f"{label}: {key} needs a number: {value.text:.60} has no value here", key)
        if not is_number(value) or (whole and not float(value).is_integer()):
            kind = "a whole number" if whole else "a number"
            raise self.fail(f"{label}: {key} must be {kind} (got {value!r:.40})", key)
        return int(value) if whole else float(value)

    def built(self, name: str, params: dict[str, Any], children: tuple[Built, ...] = (),
              origin: tuple[tuple[str, str], ...] = (), steps: str = "") -> Built:  # fmt: skip
        """A registry schedule as a library's call builds it; `steps`: the unit its lengths count."""
        frozen = tuple((key, tuple(value) if isinstance(value, list) else value) for key, value in params.items())
        origin = (*origin, (STEPS, steps)) if steps else origin
        return Built(name, frozen, children, 0 if self.single_line else self.line, origin)

    def steps_down(self, milestones: list[int], gammas: list[float], origin: tuple, steps: str) -> Built:
        """An lr multiplied by gammas[i] from milestones[i] on: MultiStepLR for one factor, else a
        ChainedScheduler of one MultiStepLR per milestone (their factors multiply)."""
        if len(set(gammas)) == 1:
            return self.built("MultiStepLR", {"milestones": milestones, "gamma": gammas[0]}, origin=origin,
                              steps=steps)
        parts = tuple(self.built("MultiStepLR", {"milestones": [m], "gamma": g})
                      for m, g in zip(milestones, gammas, strict=True))
        return self.built("ChainedScheduler", {}, parts, origin=origin, steps=steps)

    def counts(self, label: str, per_batch: bool, why: str) -> str:
        """The unit a library's schedule counts; refused at once when the run steps the other way."""
        if self.run is not None and self.run.per_batch != per_batch:
            raise self.fail(stepping_message(label, per_batch, why))
        return "batch" if per_batch else "epoch"


MAX_DEFINES = 50


def define_value(name: str, value: Any) -> Any:
    """A defined value as the reader takes it: a number, text, or a list of numbers; SpecError otherwise."""
    if is_number(value) or isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and len(value) <= 1000 and all(is_number(item) for item in value):
        return list(value)
    raise SpecError(f"define {name}: a value is a number, text or a list of numbers, like [30, 60] (got "
                    f"{value!r:.40})", name)


def defines(given: Mapping[str, Any] | None) -> dict[str, Any]:
    """`define={...}` checked: names as the code writes them, each with a value the reader takes."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise SpecError(f"define must be a dict of names and values, like {{'args.epochs': 20}} (got "
                        f"{given!r:.40})")
    if len(given) > MAX_DEFINES:
        raise SpecError(f"define gives {len(given)} names; at most {MAX_DEFINES}")
    for name in given:
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise SpecError(f"define: a name is the text the code writes, like 'len(train_loader)' (got "
                            f"{name!r:.40})")
    return {normal(name): define_value(name, value) for name, value in given.items()}


def parse_define(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` from the command line: VALUE a number, a list like [30, 60], or text; never run."""
    name, equals, written = text.rpartition("=")
    if not equals or not name.strip():
        raise SpecError(f"--define takes NAME=VALUE, like --define 'len(train_loader)=100' (got {text!r:.60})")
    try:
        node = ast.parse(written.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return normal(name), written.strip()  # plain text: a warm-up method's name
    return normal(name), define_value(name.strip(), _literal(node, written.strip()))


def _literal(node: ast.expr, written: str) -> Any:
    if isinstance(node, ast.Constant) and (is_number(node.value) or isinstance(node.value, str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and is_number(node.operand.value):
        return -node.operand.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item, written) for item in node.elts]
    return written


def said(origin: tuple[tuple[str, str], ...]) -> list[str]:
    """What the reader filled in or assumed, for a message: 'args.epochs = 20, the run's epochs'."""
    notes = [how for key, how in origin if key == INFERRED]
    peak = dict(origin).get("@peak_lr")
    if peak:
        notes.append(f"the schedule's own peak lr is {peak}; it is drawn relative to the run's lr")
    note = dict(origin).get("@note")
    return [*notes, note] if note else notes


def known(dialect: Any) -> set[str]:
    """The call names a dialect reads or refuses by name."""
    names = set(getattr(dialect, "SIGNATURES", {})) | set(getattr(dialect, "NOT_READ", ()))
    return names | set(getattr(dialect, "CLASSES", ())) | set(getattr(dialect, "FACTORIES", ())) | (
        {"get_scheduler"} if dialect is transformers else set())


def canonical(path: tuple[str, ...], node: ast.Call) -> bool:
    """A registered name called as lrviz writes it: no module path, no positional argument, declared keywords."""
    if len(path) != 1 or path[0] not in REGISTRY or node.args:
        return False
    declared = {param.name for param in REGISTRY[path[0]].params}
    return all(keyword.arg in declared for keyword in node.keywords)


def stepping_message(label: str, per_batch: bool, why: str) -> str:
    if per_batch:
        return (f"{label} counts optimizer steps ({why}): set the experiment to step the scheduler after every "
                "batch to see it")
    return f"{label} counts epochs ({why}): set the experiment to step the scheduler once per epoch to see it"


def check_steps(origin: tuple[tuple[str, str], ...], per_batch: bool, name: str) -> None:
    """A schedule read from a library that counts the other unit than the run steps: refused, saying so."""
    steps = dict(origin).get(STEPS)
    if steps and (steps == "batch") != per_batch:
        raise SpecError(stepping_message(name, steps == "batch", "as the pasted code steps it"), schedule=name)


def dotted_name(node: ast.expr) -> str:
    return ".".join(dotted(node))
