"""How much real scheduler code, copied from public repositories, lrviz reads right.

Run: `.venv/bin/python bench/snippets.py` (add `-v` for one line per snippet). Each file in tests/snippets/ is a
snippet as its repository has it, after a header: `# source:` (repository and path), `# run:` (the experiment),
`# expect: accept | refuse`, optionally `# define:` (values for names computed at run time), `# reference:` (the
library call whose lr an accepted reading must give) and `# refusal:` (what a refusal must name). Prints the
share accepted and equal to the library's lr, refused with a clear message, and wrong (accepted but not the
library's lr, accepted where it should be refused, a refusal that names nothing or not what it should, or a
traceback).
"""

from __future__ import annotations

import bisect
import json
import math
import os
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("KERAS_BACKEND", "torch")

import torch  # noqa: E402

import lrviz  # noqa: E402

SNIPPETS = ROOT / "tests" / "snippets"
GENERIC = "no scheduler in the code"


def header(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        key, value = line[2:].split(":", 1)
        fields[key.strip()] = value.strip()
    return fields


def _optimizer(lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def _mmengine(reference: dict, lr: float) -> list[float]:
    from mmengine.optim import scheduler as mm

    optimizer = _optimizer(lr)
    schedulers = [getattr(mm, item["type"])(optimizer, **{k: v for k, v in item.items() if k != "type"})
                  for item in reference["config"]]
    found = []
    for _ in range(reference["epochs"]):
        for _ in range(reference["per_epoch"]):
            found.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            for scheduler in (s for s in schedulers if not s.by_epoch):
                scheduler.step()
        for scheduler in (s for s in schedulers if s.by_epoch):
            scheduler.step()
    return found


def _keras(reference: dict, steps: int, lr: float) -> list[float]:
    import keras

    schedule = getattr(keras.optimizers.schedules, reference["name"])(*reference["args"], **reference["kwargs"])
    peak = max(float(schedule(step)) for step in range(steps))
    first = reference["args"][0] if reference["args"] and not isinstance(reference["args"][0], list) else None
    top = first if first is not None else max(reference["args"][1])
    return [float(schedule(step)) / (top or peak) * lr for step in range(steps)]


def _transformers(reference: dict, steps: int, lr: float) -> list[float]:
    import transformers
    from by_hand import lrs_by_hand  # tests/by_hand.py: torch's loop, stepped by hand

    return lrs_by_hand(lambda optimizer: transformers.get_scheduler(
        reference["name"], optimizer, num_warmup_steps=reference["num_warmup_steps"],
        num_training_steps=reference["num_training_steps"], scheduler_specific_kwargs=reference["kwargs"]), steps, lr)


def _fastai(reference: dict, steps: int, lr: float) -> list[float]:
    """fastai's combined_cos(0.25, lr_max/25, lr_max, lr_max/1e5) at pct_train (callback/schedule.py)."""
    def sched_cos(start, end, pos):
        return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2

    total = reference["n_epoch"] * reference["per_epoch"]
    return [lr * (sched_cos(1 / 25, 1, t / total / 0.25) if t / total < 0.25 else
                  sched_cos(1, 1e-5, (t / total - 0.25) / 0.75)) for t in range(steps)]


def _mmcv_step(reference: dict, steps: int, lr: float) -> list[float]:
    """mmcv 1.x StepLrUpdaterHook with a linear warm-up by iterations (runner/hooks/lr_updater.py)."""
    found = []
    for t in range(steps):
        regular = lr * reference["gamma"] ** bisect.bisect_right(reference["step"], t // reference["per_epoch"])
        if t < reference["warmup_iters"]:
            k = (1 - t / reference["warmup_iters"]) * (1 - reference["warmup_ratio"])
            regular *= 1 - k
        found.append(regular)
    return found


def library_lrs(reference: dict, steps: int, lr: float) -> list[float]:
    library = reference["library"]
    if library == "mmengine":
        return _mmengine(reference, lr)[:steps]
    if library == "keras":
        return _keras(reference, steps, lr)
    if library == "transformers":
        return _transformers(reference, steps, lr)
    if library == "fastai_one_cycle":
        return _fastai(reference, steps, lr)
    return _mmcv_step(reference, steps, lr)


def classify(path: Path) -> tuple[str, str]:
    """'equal', 'refused' or 'wrong', and why."""
    text = path.read_text()
    fields = header(text)
    experiment = lrviz.Experiment.create(**json.loads(fields["run"]))
    ctx = experiment.context()
    define = json.loads(fields.get("define", "{}"))
    try:
        resolved = lrviz.resolve(lrviz.parse(text, define=define, run=ctx), ctx)
        ours = list(lrviz.lr_trace(resolved, experiment)[0][: ctx.horizon])
    except lrviz.SpecError as error:
        message = str(error)
        if "\n" in message:
            return "wrong", f"a message of several lines: {message[:80]}"
        if fields["expect"] == "accept":
            return "wrong", f"refused what should be read: {message}"
        wanted = fields.get("refusal")
        if (wanted and wanted not in message) or (not wanted and message.startswith(GENERIC)):
            return "wrong", f"refused without naming {wanted or 'anything'}: {message}"
        return "refused", message
    except Exception:  # a traceback is what this counts as wrong
        return "wrong", "traceback: " + traceback.format_exc().splitlines()[-1]
    if fields["expect"] != "accept":
        return "wrong", f"accepted what should be refused: {resolved.schedule}"
    reference = json.loads(fields["reference"]) | {"epochs": experiment.epochs, "per_epoch": experiment.steps_per_epoch}
    theirs = library_lrs(reference, ctx.horizon, experiment.lr)
    worst = max(abs(a - b) / max(abs(b), 1e-12 * experiment.lr) for a, b in zip(ours, theirs, strict=True))
    tolerance = 2e-6 if reference["library"] == "keras" else 1e-9  # Keras computes in float32
    if worst > tolerance:
        return "wrong", f"lr differs from the library's by {worst:.2e} (relative): {resolved.schedule}"
    return "equal", f"{resolved.schedule}"


def main() -> None:
    paths = sorted(SNIPPETS.glob("*.py"))
    results = {path.name: classify(path) for path in paths}
    counts = {kind: sum(1 for kind_, _ in results.values() if kind_ == kind) for kind in ("equal", "refused", "wrong")}
    if "-v" in sys.argv:
        for name, (kind, why) in results.items():
            print(f"{kind:8} {name}: {why[:150]}")
    total = len(paths)
    print(f"{total} snippets from public repositories: "
          f"{counts['equal']} accepted and equal to the library's lr ({counts['equal'] / total:.0%}), "
          f"{counts['refused']} refused with a clear message ({counts['refused'] / total:.0%}), "
          f"{counts['wrong']} wrong ({counts['wrong'] / total:.0%})")


if __name__ == "__main__":
    main()
