"""One-click configurations: scenarios where the schedule visibly matters, and every example of the
source texts.

A scenario is the tutorial's linear model (nn.Linear, MSE, SGD) on data chosen so that one effect of
a schedule shows in the raw training loss. Each note says what to look at; every claim a note makes
is a test over several seeds in tests/test_scenarios.py. Where a phenomenon of deep networks cannot
appear on a linear model, the note says so.
"""

from __future__ import annotations

import difflib
import textwrap
from dataclasses import dataclass

from lrviz.schedules.library_schedules import LIBRARY_SCHEDULES
from lrviz.schedules.params import SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.training.config import Config

TUTORIAL = {
    "exponential": "ExponentialLR(gamma=0.9)",
    "step": "StepLR(step_size=4, gamma=0.9)",
    "linear": "LinearLR(start_factor=0.5, total_iters=4)",
}
# the second feature has std 0.1: curvature 100× smaller along w2, a valley 10× longer than wide
VALLEY = {"feature_scale": 0.1, "noise": 0.1}
# batch 2 at lr 0.35 on noisy labels: a constant lr keeps every step's noise in the weights
NOISY = {"noise": 0.3, "batch_size": 2, "lr": 0.35, "epochs": 15}


@dataclass(frozen=True)
class Claim:
    """Where a scenario's lesson shows: a note on one schedule's curve, drawn on the chart that carries it."""

    chart: str  # "lr" or "loss"
    schedule: str  # one of the scenario's schedules, as written there
    at: str  # "end" (its last epoch), "diverged" (where it diverged), "first drop" (its lr's first fall), "restart"
    text: str


@dataclass(frozen=True)
class Preset:
    slug: str  # short name for the command line
    name: str
    note: str  # what to look at: two or three sentences, our text (not user input)
    config: Config
    look: str = ""  # the one line above the charts: what to look at (the note's first sentence if empty)
    view: tuple[tuple[str, object], ...] = (("loss_view", "raw"), ("log_lr", False), ("log_loss", True))
    claim: Claim | None = None

    @property
    def title(self) -> str:
        title = self.name.removeprefix("Scenario: ")
        return title[:1].upper() + title[1:]

    @property
    def line(self) -> str:
        return self.look or self.note.split(". ")[0].rstrip(".") + "."


SCENARIOS: tuple[Preset, ...] = (
    Preset("valley", "Scenario: a narrow valley, decay too early and you stall", (
        "The second feature is 10× smaller, so the loss is a long, flat valley along w2 (see the landscape) "
        "that an lr of 0.1 crosses in about 5 epochs per e-fold. Decay too early (ExponentialLR(gamma=0.7)) "
        "and the lr is gone before the valley is crossed: it ends about 4× above a constant lr, its loss "
        "flat while the others still fall. With labels this clean there is little noise to average out, so "
        "decaying buys nothing here (the 'noise' scenario shows the other side)."),
        Config({"epochs": 20, **VALLEY}, ["Constant()", "ExponentialLR(gamma=0.9)",
                                          "StepLR(step_size=4, gamma=0.5)", "ExponentialLR(gamma=0.7)",
                                          "CosineAnnealingLR()"]),
        look="Watch ExponentialLR(gamma=0.7): its lr is gone within a few epochs, and its loss stops falling "
             "about 4× above the constant lr's.",
        claim=Claim("loss", "ExponentialLR(gamma=0.7)", "end", "lr spent early: stalls ~4× above constant")),
    Preset("noise", "Scenario: noisy labels, never decay and you bounce", (
        "Batch 2, lr 0.35 and label noise 0.3: at a constant lr every step pulls the weights toward two noisy "
        "samples, so they never settle and the loss bounces at 2× the noise floor or more. Any decay "
        "averages the noise out: cosine and the exponential decay end on the floor (σ² = 0.09). SGD's "
        "excess loss grows with lr × noise² / batch size: raise the batch size to see the bounce shrink."),
        Config(dict(NOISY), ["Constant()", "ExponentialLR(gamma=0.7)", "CosineAnnealingLR()"]),
        look="Watch the constant lr: it never settles and bounces at 2× the noise floor or more, while every "
             "decay ends on it.",
        claim=Claim("loss", "Constant()", "end", "constant lr: still bouncing, ≥ 2× the noise floor")),
    Preset("diverge", "Scenario: an lr above 2/λ_max diverges, a warm-up does not save it", (
        "Gradient descent on this loss is stable only for lr < 2/λ_max ≈ 1 (λ_max: the largest curvature, "
        "of w1 and the bias): at lr 1.2 a constant lr and a fast decay diverge in the first epoch, and a "
        "5-epoch warm-up diverges too, the epoch its lr passes 2/λ_max, while 0.7 × 1.2 = 0.84 trains, "
        "zig-zagging across the valley (replay it step by step). A warm-up helps deep networks because "
        "their curvature falls early in training; a linear model's curvature never changes, so here a "
        "warm-up only delays the divergence."),
        Config({"epochs": 20, "lr": 1.2, **VALLEY},
               ["Constant()", "ExponentialLR(gamma=0.5)", "LinearLR(start_factor=0.1, total_iters=5)",
                "ConstantLR(factor=0.7, total_iters=20)"]),
        look="Watch the warm-up: it trains while its lr is small and diverges the epoch its lr passes "
             "2/λ_max ≈ 1; only the lr kept at 0.84 trains.",
        claim=Claim("loss", "LinearLR(start_factor=0.1, total_iters=5)", "diverged",
                    "warm-up diverges once its lr passes 2/λ_max")),
    Preset("restarts", "Scenario: warm restarts kick the loss back up", (
        "CosineAnnealingWarmRestarts(T_0=5) jumps back to the full lr every 5 epochs: each restart throws "
        "the weights back into the noise and the loss jumps, then the cycle anneals it down again, ending "
        "no lower than one long cosine. In deep networks restarts can move training to a better basin or "
        "give snapshots for an ensemble; a linear model has a single basin, so here they only cost."),
        # batch 1: each restart's full lr kicks hardest
        Config({**NOISY, "batch_size": 1, "lr": 0.25}, ["CosineAnnealingWarmRestarts(T_0=5)", "CosineAnnealingLR()"]),
        look="Watch the loss at epochs 6 and 11: each restart of the lr kicks it back up, and the restarts end "
             "no lower than one long cosine.",
        claim=Claim("loss", "CosineAnnealingWarmRestarts(T_0=5)", "restart", "restart: the loss jumps")),
    Preset("plateau", "Scenario: ReduceLROnPlateau reacting to a real plateau", (
        "On noisy labels a constant lr soon stops improving: the loss bounces on a plateau above the noise "
        "floor. ReduceLROnPlateau(patience=1) watches the loss, halves the lr each time it has not improved "
        "for two epochs (see the lr's steps), and ends at least 2× below the constant lr. It reacts to the "
        "loss, so its steps fall where the noise happens to put them, seed by seed."),
        Config(dict(NOISY), ["ReduceLROnPlateau(patience=1, factor=0.5)", "Constant()"]),
        look="Watch ReduceLROnPlateau's lr: it halves after two epochs without a new best loss, and ends at least "
             "2× below the constant lr.",
        claim=Claim("lr", "ReduceLROnPlateau(patience=1, factor=0.5)", "first drop",
                    "halved: two epochs without a new best")),
)

SOURCE_PRESETS: tuple[Preset, ...] = (
    Preset("tutorial", "Tutorial: ExponentialLR, StepLR and LinearLR", (
        "The PyTorch tutorial's three runs: 10 epochs of SGD at lr 0.1 on its linear data. Every schedule "
        "reaches the noise floor within the first epoch, so the raw losses barely differ: switch the loss "
        "view to 'above optimum' to see what is left."),
        Config({"epochs": 10}, list(TUTORIAL.values())),
        look="Every schedule reaches the noise floor in the first epoch: the loss shown is what is left above "
             "the optimum.",
        view=(("loss_view", "above optimum"), ("log_lr", False), ("log_loss", True))),
    Preset("tutorial-exponential", "Tutorial: ExponentialLR(gamma=0.9)",
           "The tutorial's exponential decay; it prints 0.0900, 0.0810, … after each epoch.",
           Config({"epochs": 10}, [TUTORIAL["exponential"]])),
    Preset("tutorial-step", "Tutorial: StepLR(step_size=4, gamma=0.9)",
           "The tutorial's staircase: 0.1 for four epochs, then 0.09, then 0.081.",
           Config({"epochs": 10}, [TUTORIAL["step"]])),
    Preset("tutorial-linear", "Tutorial: LinearLR(start_factor=0.5, total_iters=4)",
           "The tutorial's linear warm-up from 0.05 to 0.1 over four epochs.",
           Config({"epochs": 10}, [TUTORIAL["linear"]])),
    Preset("reference-step", "Reference page: StepLR(10, 0.9) for 30 epochs",
           "The StepLR reference page: the lr drops by 10% every 10 epochs.",
           Config({"epochs": 30}, ["StepLR(step_size=10, gamma=0.9)"])),
    Preset("keras", "Keras formulas: constant, time-based, step, exponential",
           "The Keras text's schedule types, written as LambdaLR multipliers (100 epochs).",
           Config({"epochs": 100, "samples": 500},
                  ["Constant()", "TimeBasedDecay(k=0.05)", "StepDecay(drop=0.5, epochs_drop=10)",
                   "ExponentialDecay(k=0.03)"])),
    Preset("overview", "Overview: six schedulers on the classification set-up", (
        "The overview's StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau (fed the "
        "training loss) and CyclicLR, on 10 features and 2 classes with CrossEntropyLoss."),
        Config({"dataset": "classification", "epochs": 100, "noise": 0.5},
               ["StepLR(step_size=30, gamma=0.1)", "MultiStepLR(milestones=[30, 80], gamma=0.1)",
                "ExponentialLR(gamma=0.95)", "CosineAnnealingLR(T_max=100)", "ReduceLROnPlateau(patience=5)",
                "CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=20, cycle_momentum=False)"])),
    Preset("warmup", "Warm-up recipes, stepped per batch", (
        "Modern recipes that warm up then decay, stepped after every batch: cosine, WSD, inverse square "
        "root and 1cycle. On this linear model a warm-up has nothing to protect (its curvature is the same "
        "at every step): what differs is how long each recipe keeps a large lr."),
        Config({"epochs": 20, "step_per": "batch"},
               ["WarmupCosine()", "WarmupStableDecay()", "InverseSqrt()", "OneCycleLR()"])),
    Preset("all", "Every scheduler with its defaults",
           "Every torch class, recipe and transformers helper side by side on the tutorial's experiment (50 epochs); "
           "the schedules of timm, Keras, optax and fastai are the next preset (one comparison holds 32).",
           Config({"epochs": 50}, [f"{name}()" for name, spec in REGISTRY.items() if spec not in LIBRARY_SCHEDULES])),
    Preset("libraries", "Other libraries' schedules with their defaults",
           "timm's, Keras's and optax's and fastai's own formulas, as lrviz reads them from pasted code, side by side "
           "with torch's CosineAnnealingLR on the tutorial's experiment (50 epochs).",
           Config({"epochs": 50}, ["CosineAnnealingLR()", *(f"{spec.name}()" for spec in LIBRARY_SCHEDULES)])),
)

ALL_PRESETS = SCENARIOS + SOURCE_PRESETS
PRESETS: dict[str, tuple[str, Config]] = {preset.name: (preset.note, preset.config) for preset in ALL_PRESETS}
LANDING_PRESET = SCENARIOS[0]  # the page opens on it: the schedules differ in the raw loss there
LANDING = LANDING_PRESET.config


def find(name: str) -> Preset:
    """A preset by its slug or full name (case-insensitive); SpecError with suggestions otherwise."""
    wanted = name.strip().lower()
    for preset in ALL_PRESETS:
        if wanted in (preset.slug, preset.name.lower()):
            return preset
    names = [preset.slug for preset in ALL_PRESETS]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; one of: {', '.join(names)}"
    raise SpecError(f"no preset named {name!r:.60}{hint}", "preset")


def listing() -> str:
    """Every preset: slug, name and what to look at (for `python -m lrviz presets`)."""
    width = max(len(preset.slug) for preset in ALL_PRESETS)
    lines = []
    for preset in ALL_PRESETS:
        lines.append(f"{preset.slug:<{width}}  {preset.name}")
        if preset in SCENARIOS:
            indent = " " * (width + 2)
            lines.append(textwrap.fill(preset.note, 100, initial_indent=indent, subsequent_indent=indent))
    return "\n".join(lines)


def export_request(preset: str | None, schedules: list[str] | None,
                   options: dict) -> tuple[list[str], dict]:  # fmt: skip
    """The schedules and experiment options `export` trains: a preset's, with options given beside it
    overriding its experiment, or the schedules given with -s."""
    if preset is None:
        if not schedules:
            raise SpecError("a schedule (-s/--schedule) or a preset (--preset) is required", "schedule")
        return schedules, options
    if schedules:
        raise SpecError("give either --preset or -s/--schedule, not both", "preset")
    chosen = find(preset)
    return list(chosen.config.schedules), {**chosen.config.experiment, **options}
