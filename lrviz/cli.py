"""Command line: `python -m lrviz list | export | code | serve | app`.

Options are generated from the experiment's declarations; bad input exits with
status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from lrviz import serve
from lrviz.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.limits import LIMITS
from lrviz.params import Param, SpecError
from lrviz.registry import REGISTRY


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message)


# an option's text becomes the value it spells, or stays text: Param.check then refuses it
# with the same message the Python API gives
def _number(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _bool(text: str) -> bool | str:
    return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(text.lower(), text)


_TYPES = {"int": _number, "float": _number, "bool": _bool, "choice": str}


def _add_experiment_options(parser: argparse.ArgumentParser) -> None:
    for param in EXPERIMENT_PARAMS:
        choices = "{" + ",".join(param.choices) + "}"
        parser.add_argument(
            f"--{param.name.replace('_', '-')}", dest=param.name, type=_TYPES[param.kind],
            default=None, metavar=choices if param.kind == "choice" else param.name.upper(),
            help=f"{param.help} (default {param.default}; {param.describe_range(_ctx())})",
        )


def _check_output(path: str) -> None:
    """Refuse an output that cannot be written before training, not after."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: there is no folder {folder}")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def _ctx():
    return Experiment().context()


def _parser() -> _Parser:
    parser = _Parser(prog="python -m lrviz", description="Train a model with learning-rate schedules.",
                     epilog=LIMITS)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="every scheduler with its parameters, defaults and ranges")
    export = commands.add_parser("export", help="train and write the curves as CSV", epilog=LIMITS)
    export.add_argument("-s", "--schedule", action="append", required=True, metavar="SPEC",
                        help='a schedule, e.g. "StepLR(step_size=4, gamma=0.9)"; repeat to compare')
    export.add_argument("--per", choices=("epoch", "step"), default="epoch", help="one row per epoch or per step")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="CSV file, or - for standard output")
    _add_experiment_options(export)
    code = commands.add_parser("code", help="print a standalone PyTorch script that trains one schedule",
                               epilog=LIMITS)
    code.add_argument("-s", "--schedule", required=True, metavar="SPEC",
                      help='the schedule, e.g. "StepLR(step_size=4, gamma=0.9)"')
    _add_experiment_options(code)
    serve.add_commands(commands)
    return parser


def _describe(param: Param) -> str:
    ctx = _ctx()
    default = param.default_for(ctx)
    derived = " (from the run length)" if callable(param.default) else ""
    return f"    {param.name}: {param.kind} = {default!r}{derived}; {param.describe_range(ctx)}. {param.help}"


def list_schedulers() -> str:
    ctx = _ctx()
    lines = [f"Schedulers (defaults shown for the default run: {ctx.horizon} epochs, lr {ctx.lr})", ""]
    for spec in REGISTRY.values():
        lines.append(f"{spec.name}  [{spec.family}]  {spec.summary}")
        if spec.composite:
            lines.append("    (takes schedules as positional arguments, e.g. SequentialLR("
                         "LinearLR(start_factor=0.1, total_iters=2), CosineAnnealingLR(), milestones=[2]))")
        lines.extend(_describe(param) for param in spec.params)
        lines.append("")
    return "\n".join(lines)


def _options(args: argparse.Namespace) -> dict:
    """The experiment options given on the command line."""
    return {p.name: getattr(args, p.name) for p in EXPERIMENT_PARAMS if getattr(args, p.name) is not None}


def _export(args: argparse.Namespace) -> None:
    import lrviz  # deferred: `list` and `--help` need no torch training

    if args.output != "-":
        _check_output(args.output)
    frame = lrviz.run(args.schedule, per=args.per, **_options(args))
    if args.output == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        try:
            frame.to_csv(args.output, index=False)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            print(list_schedulers())
        elif args.command == "export":
            _export(args)
        elif args.command == "code":
            from lrviz.script import script

            print(script(args.schedule, Experiment.create(**_options(args))), end="")
        elif args.command in ("serve", "app"):
            return serve.run_command(args)
        return 0
    except (UsageError, SpecError) as error:
        message = " ".join(str(error).splitlines())  # one line, whatever the user typed
        print(f"lrviz: error: {message}", file=sys.stderr)
        return 2
