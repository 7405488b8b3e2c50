"""Bounded work per request: what one comparison may cost, checked before any of it is done.

`Experiment.create` bounds the run itself (epochs, samples, optimizer steps, samples × epochs);
this bounds what grows with the schedules compared: stepping their schedulers, training them,
and the rows of a per-step table. A request past a limit gets a SpecError at once, not a wait.

The cost model (bench/worst_case.py measures the requests at its edges):
- time: stepping the torch schedulers ahead of training costs UPDATE_US per scheduler update; the
  trainer's Python loop costs a few numpy calls per optimizer step, more per model for the 10-feature,
  2-class set-up and for Adam; the vectorised passes over the samples cost per sample × weight (3 for
  the regression, 22 for the classification) × model × epoch. `estimated_seconds` adds all three.
- the LR range test (range_test.py) trains one torch model, float64 with autograd, for its batches:
  RANGE_STEP_US per batch plus RANGE_SAMPLE_NS per sample × weight of the batch (`range_test_seconds`),
  under the same MAX_TRAINING_SECONDS (bench/range_test_cost.py prints estimate and measurement).
- memory: per request (engine.simulate) the (steps, K) lr, momentum and mini-batch loss arrays
  (≤ 3 × 200,000 × 32 × 8 B = 154 MB), temporaries in blocks of engine.BLOCK_ELEMENTS (16 MB), per-step
  weights at engine.MAX_STEP_POINTS steps (≤ 2,000 × 32 × 22 × 8 B = 11 MB) and the data (≤ 100,000 × 11);
  across requests the training cache's byte budget (cache.py), the lr-trace cache (engine._trace) and the
  data cache (experiment.make_data).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from lrviz.schedules.formula import parse
from lrviz.schedules.params import SpecError
from lrviz.schedules.schedule import Resolved
from lrviz.training.experiment import MAX_EPOCHS, MAX_SAMPLE_PASSES, MAX_SAMPLES, MAX_SCHEDULES, MAX_STEPS, Experiment

MAX_SCHEDULER_UPDATES = 1_000_000  # every scheduler of every schedule, stepped over the run (UPDATE_US each)
UPDATE_US = 12.0  # one torch scheduler.step() with its optimizer's param group: 10-16 µs measured here
MAX_ROWS = 200_000  # rows of a per-step table: schedules × optimizer steps (~100 MB of CSV)
MAX_REFERENCE_STEPS = MAX_STEPS  # the reference loop trains one schedule at a time with torch (~50 µs a step)
FORMULA_PARTS_PER_UPDATE = 8  # evaluating 8 parts of a formula costs about one scheduler step

# µs per optimizer step of the stacked models, per model, and ns per sample × weight × model × epoch,
# measured on this 2-core machine at a load average of about 3 (bench/worst_case.py prints estimate and measurement)
STEP_US = {"linear": 12.0, "classification": 30.0}
ADAM_STEP_US = 15.0  # Adam and AdamW do a dozen more array operations per step than SGD
STEP_US_PER_MODEL = {"linear": 0.4, "classification": 1.2}
SAMPLE_NS = 16.0  # the four passes of an epoch (forward, gradient, mini-batch and epoch losses), per weight
WEIGHTS = {"linear": 3, "classification": 22}  # (features + 1) × outputs of one model
MAX_TRAINING_SECONDS = 6.0  # by the estimate: at a load average of 8 requests took up to 2.8× as long (docs/security)
RANGE_STEP_US = 500.0  # one batch of the range test: forward, backward, optimizer and scheduler steps in torch
RANGE_SAMPLE_NS = 200.0  # per sample × weight of a batch (a full batch of 100,000 linear samples: 60 ms)


def estimated_seconds(count: int, experiment: Experiment, updates: int = 0) -> float:
    """What training `count` schedules on `experiment` costs, by the model above, with `updates` scheduler
    steps (each part of each schedule at each scheduler step, see `updates_per_step`) to take first."""
    dataset = experiment.dataset if experiment.dataset in STEP_US else "classification"
    per_step = STEP_US[dataset] + STEP_US_PER_MODEL[dataset] * count + ADAM_STEP_US * (experiment.optimizer != "sgd")
    passes = count * experiment.samples * experiment.epochs * WEIGHTS[dataset]
    return (experiment.total_steps * per_step + updates * UPDATE_US) * 1e-6 + passes * SAMPLE_NS * 1e-9


LIMITS = (f"limits: at most {MAX_SCHEDULES} schedules, {MAX_EPOCHS:,} epochs, {MAX_SAMPLES:,} samples and "
          f"{MAX_STEPS:,} optimizer steps per run; schedules × samples × epochs at most {MAX_SAMPLE_PASSES:,}; "
          f"scheduler updates (each part of each schedule, at each scheduler step) at most "
          f"{MAX_SCHEDULER_UPDATES:,}; --per step tables at most {MAX_ROWS:,} rows; training estimated at most "
          f"{MAX_TRAINING_SECONDS:g} s (optimizer steps × schedules, and samples × epochs × schedules), the LR range "
          f"test too (batches × batch_size)")


def updates_per_step(resolved: Resolved) -> int:
    """Scheduler updates one step of this schedule costs: one per scheduler in it, more for a long formula."""
    formulas = sum(len(list(ast.walk(parse(resolved.params[param.name])))) // FORMULA_PARTS_PER_UPDATE
                   for param in resolved.spec.params if param.kind == "formula")
    return 1 + formulas + sum(updates_per_step(child) for child in resolved.children)


def check_request(resolved: Sequence[Resolved], experiment: Experiment) -> None:
    """Raise SpecError if comparing these schedules on this run is more work than one request may be."""
    count, steps = len(resolved), experiment.context().horizon
    # ReduceLROnPlateau is stepped once per epoch, everything else once per scheduler step
    updates = sum(updates_per_step(item) * (experiment.epochs if item.needs_metric else steps) for item in resolved)
    if updates > MAX_SCHEDULER_UPDATES:
        raise SpecError(f"scheduler updates must be at most {MAX_SCHEDULER_UPDATES:,} (got {updates:,} for "
                        f"{count} schedule{'s' * (count > 1)} over {steps:,} scheduler steps): compare fewer or "
                        "simpler schedules, shorten the run, or step the scheduler per epoch", "epochs")
    seconds = estimated_seconds(count, experiment, updates)
    if seconds > MAX_TRAINING_SECONDS:
        raise SpecError(f"training this comparison would take about {seconds:.0f} s, more than one request may "
                        f"({MAX_TRAINING_SECONDS:g} s: {experiment.total_steps:,} optimizer steps for {count} "
                        f"schedule{'s' * (count > 1)}): compare fewer schedules, use larger batches or fewer epochs",
                        "epochs")
    passes = count * experiment.samples * experiment.epochs
    if passes > MAX_SAMPLE_PASSES:
        raise SpecError(f"schedules × samples × epochs must be at most {MAX_SAMPLE_PASSES:,} (got {count} × "
                        f"{experiment.samples:,} × {experiment.epochs:,} = {passes:,}): compare fewer schedules, "
                        "or use fewer samples or epochs", "epochs")


def range_test_seconds(experiment: Experiment, num_steps: int) -> float:
    """What the LR range test's sweep of `num_steps` batches costs, by the model above."""
    weights = WEIGHTS[experiment.dataset if experiment.dataset in WEIGHTS else "classification"]
    return num_steps * (RANGE_STEP_US * 1e-6 + experiment.batch_size * weights * RANGE_SAMPLE_NS * 1e-9)


def check_range_test(experiment: Experiment, num_steps: int) -> None:
    """Raise SpecError, with the estimate, if the range test's sweep is more work than one request may be."""
    seconds = range_test_seconds(experiment, num_steps)
    if seconds > MAX_TRAINING_SECONDS:
        most = int(MAX_TRAINING_SECONDS / range_test_seconds(experiment, 1))
        fewer = f"use at most {most:,} batches, or a smaller batch_size" if most >= 2 else "use a smaller batch_size"
        raise SpecError(f"the range test would take about {seconds:.0f} s, more than one request may "
                        f"({MAX_TRAINING_SECONDS:g} s: {num_steps:,} batches of {experiment.batch_size:,} samples): "
                        f"{fewer}", "num_steps")


def check_rows(count: int, experiment: Experiment) -> None:
    """A table with one row per optimizer step of each schedule must stay a size people can open."""
    rows = count * experiment.total_steps
    if rows > MAX_ROWS:
        raise SpecError(f"a table per step must have at most {MAX_ROWS:,} rows (got {count} schedules × "
                        f"{experiment.total_steps:,} steps = {rows:,}): use one row per epoch, fewer schedules "
                        "or a shorter run", "per")


def check_reference(resolved: Sequence[Resolved], experiment: Experiment) -> None:
    """The reference loop steps torch once per schedule and optimizer step: bound that product."""
    steps = len(resolved) * experiment.total_steps
    if steps > MAX_REFERENCE_STEPS:
        raise SpecError(f"engine='reference' trains one schedule at a time: schedules × optimizer steps must be "
                        f"at most {MAX_REFERENCE_STEPS:,} (got {steps:,}); use engine='fast'", "engine")
