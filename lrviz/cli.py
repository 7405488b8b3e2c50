"""Command line: `python -m lrviz list | export | code | serve | app`.

Options are generated from the experiment's declarations; bad input exits with
status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lrviz import serve
from lrviz.schedules.markup import shorten
from lrviz.schedules.params import MAX_MESSAGE, Param, SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.training.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.training.limits import LIMITS
from lrviz.training.presets import export_request, listing


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block, and a guess at a typo
        raise UsageError(message + _suggestion(message, self))


def _suggestion(message: str, parser: argparse.ArgumentParser) -> str:
    """ " (did you mean --epochs?)" for a misspelled option or command named in argparse's message."""
    if message.startswith("unrecognized arguments: "):
        options = {option for each in _parsers(parser) for option in each._option_string_actions}
        words = [word.split("=")[0] for word in message.split(": ", 1)[1].split() if word.startswith("-")]
    elif "invalid choice: " in message:
        options = {choice for action in parser._actions for choice in (action.choices or ())}
        words = [message.split("invalid choice: ", 1)[1].split(" (")[0].strip("'")]
    else:
        return ""
    for word in words:
        if close := difflib.get_close_matches(word, sorted(options), n=1):
            return f" (did you mean {close[0]}?)"
    return ""


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and its commands' parsers."""
    commands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return [parser, *(sub for action in commands for sub in action.choices.values())]


def _typed(param: Param):
    """An option's argparse type: `Param.from_text` (the same parser as links), its refusals as argparse's."""
    def convert(text: str) -> Any:
        try:
            return param.from_text(text)
        except SpecError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = param.kind  # argparse names the type in "invalid int value"
    return convert


def _values_with_a_minus(argv: list[str]) -> list[str]:
    """`--lr -inf` as `--lr=-inf`: argparse reads a value starting with '-' as an option unless it looks like
    a plain negative number, and "-inf", "-1e-3" or "-nan" do not."""
    joined: list[str] = []
    for token in argv:
        previous = joined[-1] if joined else ""
        if (token.startswith("-") and previous.startswith("--") and "=" not in previous
                and previous[2:].replace("-", "_") in _NUMERIC and _spells_a_number(token)):  # fmt: skip
            joined[-1] = f"{previous}={token}"
        else:
            joined.append(token)
    return joined


def _spells_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_NUMERIC = {param.name for param in EXPERIMENT_PARAMS if param.kind in ("int", "float")}


def _add_experiment_options(parser: argparse.ArgumentParser) -> None:
    for param in EXPERIMENT_PARAMS:
        choices = "{" + ",".join(param.choices) + "}"
        parser.add_argument(
            f"--{param.name.replace('_', '-')}", dest=param.name, type=_typed(param),
            default=None, metavar=choices if param.kind == "choice" else param.name.upper(),
            help=f"{param.help} (default {param.default}; {param.describe_range(_ctx())})",
        )


def _check_output(path: str) -> None:
    """Refuse an output that cannot be written before training, not after."""
    if not path.strip():
        raise UsageError("-o needs a file name, or - for standard output")
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
    commands.add_parser("presets", help="the named scenarios and presets, with what to look at in each")
    export = commands.add_parser("export", help="train and write the curves as CSV", epilog=LIMITS)
    export.add_argument("-s", "--schedule", action="append", metavar="SPEC",
                        help='a schedule, e.g. "StepLR(step_size=4, gamma=0.9)"; repeat to compare')
    export.add_argument("--preset", metavar="NAME", help="a preset's schedules and experiment (see `presets`); "
                        "options given beside it override its experiment")
    export.add_argument("--per", choices=("epoch", "step"), default="epoch", help="one row per epoch or per step")
    _add_define(export)
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="CSV file, or - for standard output")
    _add_experiment_options(export)
    code = commands.add_parser("code", help="print a standalone PyTorch script that trains one schedule",
                               epilog=LIMITS)
    code.add_argument("-s", "--schedule", action="append", required=True, metavar="SPEC",
                      help='the schedule, e.g. "StepLR(step_size=4, gamma=0.9)" (one: a script trains one schedule)')
    _add_experiment_options(code)
    _add_define(code)
    serve.add_commands(commands)
    return parser


def _add_define(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--define", action="append", metavar="NAME=VALUE", default=[],
                        help="a value for a name pasted code computes at run time, written as in the code: "
                             "--define 'cfg.SOLVER.GAMMA=0.1', --define 'cfg.SOLVER.STEPS=[30, 60]' (repeatable); "
                             "names meaning the run's length (args.epochs, len(train_loader)) take the run's")


def _read_schedules(texts: list, define_options: list[str], experiment: Experiment) -> list:
    """Each schedule read with the defined names and the run's lengths; what was filled in, said on stderr."""
    from lrviz.schedules.reader.dialects import parse_define, said
    from lrviz.schedules.schedule import parse

    define = dict(parse_define(text) for text in define_options)
    try:
        read = [parse(text, define, experiment.context()) if isinstance(text, str) else text for text in texts]
    except SpecError as error:
        found = re.search(r"needs a number: (.{1,60}?) has no value here", str(error))
        if not found:
            raise
        raise SpecError(f"{error}; give it one with --define '{found.group(1)}=VALUE'", error.param,
                        error.schedule) from None
    for schedule in read:
        for note in said(schedule.origin):
            print(f"lrviz: {schedule.name}: {note}", file=sys.stderr)
    return read


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
    else:
        _check_stdout()
    schedules, options = export_request(args.preset, args.schedule, _options(args))
    schedules = _read_schedules(list(schedules), args.define, Experiment.create(**options))
    frame = lrviz.run(schedules, per=args.per, **options)
    if args.output == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        try:
            frame.to_csv(args.output, index=False)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from None


def _check_stdout() -> None:
    """Standard output closed when the program started (`>&-`): Python sets sys.stdout to None, and every
    print or to_csv to it would silently write nothing."""
    if sys.stdout is None:
        raise UsageError("cannot write to standard output: it is closed")


def _code(args: argparse.Namespace) -> None:
    from lrviz.training.script import script

    if len(args.schedule) > 1:
        raise UsageError(f"code writes a script for one schedule (got {len(args.schedule)} -s options)")
    _check_stdout()
    experiment = Experiment.create(**_options(args))
    print(script(_read_schedules(args.schedule, args.define, experiment)[0], experiment), end="")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(_values_with_a_minus(list(sys.argv[1:] if argv is None else argv)))
        if args.command == "list":
            _check_stdout()
            print(list_schedulers())
        elif args.command == "presets":
            print(listing())
        elif args.command == "export":
            _export(args)
        elif args.command == "code":
            _code(args)
        elif args.command in ("serve", "app"):
            return serve.run_command(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a closed pipe shows here, not at exit, where Python would print a traceback
        return 0
    except BrokenPipeError:  # `... -o - | head -1`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's final flush fails no more
        return 1
    except (UsageError, SpecError) as error:
        print(f"lrviz: error: {shorten(error, MAX_MESSAGE)}", file=sys.stderr)  # one line, whatever the user typed
        return 2
