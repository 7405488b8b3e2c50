"""One-click configurations reproducing each example of the source texts, and a few more."""

from __future__ import annotations

from lrviz.config import Config
from lrviz.registry import REGISTRY

TUTORIAL = {
    "exponential": "ExponentialLR(gamma=0.9)",
    "step": "StepLR(step_size=4, gamma=0.9)",
    "linear": "LinearLR(start_factor=0.5, total_iters=4)",
}

PRESETS: dict[str, tuple[str, Config]] = {
    "Tutorial: ExponentialLR, StepLR and LinearLR": (
        "The PyTorch tutorial's three runs: 10 epochs of SGD at lr 0.1 on its linear data.",
        Config({"epochs": 10}, list(TUTORIAL.values())),
    ),
    "Tutorial: ExponentialLR(gamma=0.9)": (
        "The tutorial's exponential decay; it prints 0.0900, 0.0810, … after each epoch.",
        Config({"epochs": 10}, [TUTORIAL["exponential"]]),
    ),
    "Tutorial: StepLR(step_size=4, gamma=0.9)": (
        "The tutorial's staircase: 0.1 for four epochs, then 0.09, then 0.081.",
        Config({"epochs": 10}, [TUTORIAL["step"]]),
    ),
    "Tutorial: LinearLR(start_factor=0.5, total_iters=4)": (
        "The tutorial's linear warm-up from 0.05 to 0.1 over four epochs.",
        Config({"epochs": 10}, [TUTORIAL["linear"]]),
    ),
    "Reference page: StepLR(10, 0.9) for 30 epochs": (
        "The StepLR reference page: the lr drops by 10% every 10 epochs.",
        Config({"epochs": 30}, ["StepLR(step_size=10, gamma=0.9)"]),
    ),
    "Keras formulas: constant, time-based, step, exponential": (
        "The Keras text's schedule types, written as LambdaLR multipliers (100 epochs).",
        Config({"epochs": 100, "samples": 500},
               ["Constant()", "TimeBasedDecay(k=0.05)", "StepDecay(drop=0.5, epochs_drop=10)",
                "ExponentialDecay(k=0.03)"]),
    ),
    "Overview: six schedulers on the classification set-up": (
        "The overview's StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau (fed the "
        "training loss) and CyclicLR, on 10 features and 2 classes with CrossEntropyLoss.",
        Config({"dataset": "classification", "epochs": 100, "noise": 0.5},
               ["StepLR(step_size=30, gamma=0.1)", "MultiStepLR(milestones=[30, 80], gamma=0.1)",
                "ExponentialLR(gamma=0.95)", "CosineAnnealingLR(T_max=100)", "ReduceLROnPlateau(patience=5)",
                "CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=20, cycle_momentum=False)"]),
    ),
    "Warm-up recipes, stepped per batch": (
        "Modern recipes that warm up then decay, stepped after every batch: cosine, WSD, inverse square "
        "root and 1cycle.",
        Config({"epochs": 20, "step_per": "batch"},
               ["WarmupCosine()", "WarmupStableDecay()", "InverseSqrt()", "OneCycleLR()"]),
    ),
    "Every scheduler with its defaults": (
        "All registry entries side by side on the tutorial's experiment (50 epochs).",
        Config({"epochs": 50}, [f"{name}()" for name in REGISTRY]),
    ),
}
