"""Command line: `python -m lrviz list | export | code | sweep | serve | app`.

Options are generated from the experiment's declarations; bad input exits with
status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lrviz import serve
from lrviz.schedules.markup import shorten
from lrviz.schedules.params import MAX_MESSAGE, Param, SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.training import real_run
from lrviz.training.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.training.limits import LIMITS
from lrviz.training.presets import export_request, listing


class UsageError(Exception):
    pass


class OutputError(Exception):
    """Standard output refused what was written: a full disk, an ASCII-only terminal."""


@contextlib.contextmanager
def _writing_stdout() -> Iterator[None]:
    """Turn a failed write to standard output into one line (a closed pipe stays quiet: see main)."""
    try:
        yield
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit as a traceback
    except BrokenPipeError:
        raise
    except UnicodeEncodeError as error:
        character = error.object[error.start:error.end][:1]
        raise OutputError(f"standard output cannot show U+{ord(character):04X} (its encoding is "
                          f"{error.encoding}): set PYTHONIOENCODING=utf-8 or use a UTF-8 locale") from None
    except OSError as error:
        raise OutputError(f"cannot write to standard output: {error.strerror or error}") from None


def _quiet_stdout() -> None:
    """After a failed write: the interpreter's final flush of what is still buffered must fail no more."""
    if sys.stdout is not None:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


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
    _add_sweep(commands)
    check = commands.add_parser("check", help="pre-flight: warn where schedules do not fit a real run, without "
                                "training (exit 1 with warnings)", epilog=real_run.ROUNDING)
    check.add_argument("-s", "--schedule", action="append", required=True, metavar="SPEC",
                       help="a schedule as written in the training script; repeat to check several")
    for param in (*real_run.REAL_RUN_PARAMS, next(p for p in EXPERIMENT_PARAMS if p.name == "lr")):
        check.add_argument(f"--{param.name.replace('_', '-')}", dest=param.name, type=_typed(param),
                           required=param.name in ("dataset_size", "batch_size"), default=None,
                           help=f"{param.help} (default {param.default})")
    _add_define(code)
    serve.add_commands(commands)
    return parser


def _add_sweep(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser("sweep", help="train a family of values of one parameter and write the curves "
                                "(or a summary) as CSV", epilog=LIMITS)
    sweep.add_argument("-s", "--schedule", action="append", required=True, metavar="SPEC",
                       help="a schedule; repeat to compare (each is swept if it has the parameter)")
    sweep.add_argument("--vary", required=True, metavar="NAME=START:STOP:N",
                       help="the parameter and its values: START:STOP:N evenly spaced, or V1,V2,...; a schedule "
                       "parameter (e.g. gamma) or an experiment option (e.g. lr)")
    sweep.add_argument("--log", action="store_true", help="space START:STOP:N evenly in log space")
    sweep.add_argument("--seeds", type=int, default=1, metavar="K", help="train each value with K seeds")
    sweep.add_argument("--summary", action="store_true", help="one row per schedule and value: final loss, "
                       "best loss, mean of the last epochs, diverged (averaged over the seeds)")
    sweep.add_argument("-o", "--output", required=True, metavar="FILE", help="CSV file, or - for standard output")
    _add_experiment_options(sweep)


def _sweep(args: argparse.Namespace) -> None:
    from lrviz.training.sweep import read_vary, run_sweep, summary

    _check_output(args.output) if args.output != "-" else _check_stdout()
    name, values = read_vary(args.vary, args.log)
    sweep, frame = run_sweep(args.schedule, {name: values}, args.seeds, **_options(args))
    _write(summary(frame, sweep.column) if args.summary else frame, args.output)


def _write(frame: Any, output: str) -> None:
    if output == "-":
        frame.to_csv(sys.stdout, index=False)
        return
    try:
        frame.to_csv(output, index=False)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from None


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
        with _writing_stdout():
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
    text = script(_read_schedules(args.schedule, args.define, experiment)[0], experiment)
    with _writing_stdout():
        print(text, end="")


def _check(args: argparse.Namespace) -> int:
    import lrviz  # deferred, as for export

    options = {name: value for name, value in vars(args).items()
               if name not in ("command", "schedule") and value is not None}
    lr = options.pop("lr", 0.1)
    found = lrviz.preflight(args.schedule, lr=lr, **options)
    with _writing_stdout():
        print(real_run.RealRun.create(**options).describe())
        for finding in found:
            print(f"warning: {finding}")
    return 1 if found else 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(_values_with_a_minus(list(sys.argv[1:] if argv is None else argv)))
        if args.command in ("list", "presets"):
            _check_stdout()
            text = list_schedulers() if args.command == "list" else listing()
            with _writing_stdout():
                print(text)
        elif args.command == "export":
            _export(args)
        elif args.command == "code":
            _code(args)
        elif args.command == "sweep":
            _sweep(args)
        elif args.command == "check":
            return _check(args)
        elif args.command in ("serve", "app"):
            return serve.run_command(args)
        with _writing_stdout():
            pass  # the final flush
        return 0
    except BrokenPipeError:  # `... -o - | head -1`: the reader has what it wanted
        _quiet_stdout()
        return 1
    except OutputError as error:
        _quiet_stdout()
        print(f"lrviz: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C: nothing half-written is left to clean up, and nothing to show
        print("lrviz: interrupted", file=sys.stderr)
        return 130
    except (UsageError, SpecError) as error:
        print(f"lrviz: error: {shorten(error, MAX_MESSAGE)}", file=sys.stderr)  # one line, whatever the user typed
        return 2
