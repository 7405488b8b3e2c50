"""The experiment every schedule is trained on: data, model, optimizer, run length.

The default is the PyTorch tutorial's: y = X·[2, -3.4] + 4.2 + N(0, 0.01), 1000 samples,
batch 10, nn.Linear(2, 1) initialised N(0, 0.01) with zero bias, SGD lr 0.1, MSELoss.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from lrviz.schedules.params import Param, RunContext, SpecError, check_all

MAX_EPOCHS = 1000
MAX_SAMPLES = 100_000
MAX_STEPS = 200_000  # optimizer steps in one run (epochs × batches per epoch)
MAX_SCHEDULES = 32
MAX_SAMPLE_PASSES = 10_000_000  # schedules × samples × epochs; what that costs in time: lrviz/limits.py
TRUE_WEIGHTS = (2.0, -3.4)
TRUE_BIAS = 4.2

EXPERIMENT_PARAMS: tuple[Param, ...] = (
    Param("dataset", "choice", "linear", "the tutorial's linear regression, or the 10-feature, 2-class set-up",
          choices=("linear", "classification")),
    Param("samples", "int", 1000, "number of samples", low=20, high=MAX_SAMPLES),
    Param("noise", "float", 0.01, "standard deviation of the label noise", low=0.0, high=10.0, log=True),
    Param("batch_size", "int", 10, "mini-batch size", low=1, high=MAX_SAMPLES),
    Param("epochs", "int", 10, "passes over the training set", low=1, high=MAX_EPOCHS, slider_max=200),
    # a smaller lr trains nothing visibly, and with warm-up factors it underflows to 0
    Param("lr", "float", 0.1, "the optimizer's (base) learning rate", low=1e-6, high=10.0, log=True),
    Param("optimizer", "choice", "sgd", "the torch optimizer", choices=("sgd", "adam", "adamw")),
    Param("momentum", "float", 0.0, "SGD momentum (beta1 for Adam/AdamW is 0.9)", low=0.0, high=1.0,
          high_open=True, near_one=True),
    Param("nesterov", "bool", False, "Nesterov momentum (SGD, needs momentum > 0)"),
    Param("weight_decay", "float", 0.0, "L2 penalty (decoupled for AdamW)", low=0.0, high=1.0, log=True),
    Param("seed", "int", 0, "seed of data, initial weights and batch order", low=0, high=2**31 - 1),
    Param("val_fraction", "float", 0.0, "share of samples held out for validation", low=0.0, high=0.5),
    Param("step_per", "choice", "epoch", "step the scheduler once per epoch or after every batch",
          choices=("epoch", "batch")),
    # ill-conditioned features (linear dataset): the second feature is scaled and mixed with the first,
    # which stretches the loss's bowl into a narrow valley; 1 and 0 are the tutorial's data
    Param("feature_scale", "float", 1.0, "standard deviation of the second feature (linear dataset); "
          "below 1 its direction of the loss is flat and slow to learn", low=0.01, high=10.0, log=True),
    Param("correlation", "float", 0.0, "correlation between the two features (linear dataset); near ±1 "
          "the loss's valley is long, narrow and diagonal", low=-0.99, high=0.99),
)
_CTX = RunContext(horizon=1)  # experiment bounds do not depend on the run


@dataclass(frozen=True)
class Experiment:
    dataset: str = "linear"
    samples: int = 1000
    noise: float = 0.01
    batch_size: int = 10
    epochs: int = 10
    lr: float = 0.1
    optimizer: str = "sgd"
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    seed: int = 0
    val_fraction: float = 0.0
    step_per: str = "epoch"
    feature_scale: float = 1.0
    correlation: float = 0.0

    @classmethod
    def create(cls, **options: Any) -> Experiment:
        """A checked experiment; SpecError names the first bad option."""
        experiment = cls(**check_all(EXPERIMENT_PARAMS, options, _CTX))
        if experiment.nesterov and experiment.momentum == 0:
            raise SpecError("nesterov needs momentum above 0", "nesterov")
        if experiment.batch_size > experiment.train_samples:
            raise SpecError(f"batch_size must be at most the {experiment.train_samples} training samples "
                            f"(got {experiment.batch_size})", "batch_size")
        if experiment.samples * experiment.epochs > MAX_SAMPLE_PASSES:  # also bounds the batch order's memory
            raise SpecError(f"samples × epochs must be at most {MAX_SAMPLE_PASSES:,} (got {experiment.samples:,} × "
                            f"{experiment.epochs:,}); use fewer samples or epochs", "epochs")
        if experiment.dataset != "linear" and experiment.reshapes_features:
            name = "feature_scale" if experiment.feature_scale != 1.0 else "correlation"
            raise SpecError(f"{name} applies to the linear dataset only (got {getattr(experiment, name)})", name)
        if experiment.total_steps > MAX_STEPS:
            raise SpecError(f"epochs × batches per epoch must be at most {MAX_STEPS:,} "
                            f"(got {experiment.total_steps:,}); use fewer epochs or larger batches", "epochs")
        return experiment

    def options(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def val_samples(self) -> int:
        return round(self.samples * self.val_fraction)

    @property
    def train_samples(self) -> int:
        return self.samples - self.val_samples

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.train_samples / self.batch_size)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    @property
    def reshapes_features(self) -> bool:
        """Whether the features differ from the tutorial's independent N(0, 1) pair."""
        return self.feature_scale != 1.0 or self.correlation != 0.0

    @property
    def per_batch(self) -> bool:
        return self.step_per == "batch"

    def context(self) -> RunContext:
        horizon = self.total_steps if self.per_batch else self.epochs
        return RunContext(horizon, self.steps_per_epoch, self.per_batch, self.lr, self.epochs)

    def torch_optimizer(self, params: Any) -> torch.optim.Optimizer:
        """The real torch optimizer of this experiment (used by the reference loop and to step schedulers)."""
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, nesterov=self.nesterov,
                                   weight_decay=self.weight_decay)
        cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return cls(params, lr=self.lr, weight_decay=self.weight_decay)

    def optimizer_settings(self) -> Experiment:
        """The optimizer's options alone, the rest at defaults: all a scheduler's lr sequence may depend on
        besides the run length, so experiments differing only in data or batches share cached traces."""
        return Experiment(optimizer=self.optimizer, lr=self.lr, momentum=self.momentum, nesterov=self.nesterov,
                          weight_decay=self.weight_decay)


@dataclass(frozen=True)
class Data:
    """Training and validation arrays (float64), initial weights and the batch order of every epoch.

    Inputs carry a trailing column of ones so that the bias is the last row of the weights:
    weights have shape (features + 1, outputs).
    """

    x_train: np.ndarray
    y_train: np.ndarray  # (n, outputs): targets, or one-hot labels for classification
    x_val: np.ndarray
    y_val: np.ndarray
    initial_weights: np.ndarray
    batch_order: np.ndarray  # (epochs, n_train) permutations
    classification: bool

    @property
    def features(self) -> int:
        return self.x_train.shape[1] - 1

    @property
    def outputs(self) -> int:
        return self.initial_weights.shape[1]

    def model(self) -> torch.nn.Linear:
        """The experiment's torch model (float64) holding the initial weights: what the plain loops train."""
        net = torch.nn.Linear(self.features, self.outputs).double()
        with torch.no_grad():
            net.weight.copy_(torch.from_numpy(self.initial_weights[:-1].T.copy()))
            net.bias.copy_(torch.from_numpy(self.initial_weights[-1].copy()))
        return net

    def tensors(self, x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs without the column of ones, and the targets the model's torch loss takes (class indices)."""
        inputs = torch.from_numpy(x[:, :-1].copy())
        targets = torch.from_numpy(y.argmax(axis=1)) if self.classification else torch.from_numpy(y.copy())
        return inputs, targets


def _with_ones(x: torch.Tensor) -> np.ndarray:
    return torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1).numpy()


def reshape_features(x: torch.Tensor, scale: float, correlation: float) -> torch.Tensor:
    """Second feature := scale · (ρ·x1 + √(1 − ρ²)·x2): std `scale`, correlation ρ with the first."""
    mixed = correlation * x[:, 0] + math.sqrt(1.0 - correlation**2) * x[:, 1]
    return torch.stack([x[:, 0], scale * mixed], dim=1)


@lru_cache(maxsize=4)  # batch orders can reach 80 MB (samples × epochs ≤ 10M)
def make_data(experiment: Experiment) -> Data:
    """The same data, initial weights and batch order for every schedule of a comparison."""
    generator = torch.Generator().manual_seed(experiment.seed)
    n, dtype = experiment.samples, torch.float64
    if experiment.dataset == "linear":
        x = torch.normal(0.0, 1.0, (n, 2), generator=generator, dtype=dtype)
        if experiment.reshapes_features:  # no arithmetic at all on the tutorial's data: its tables stay exact
            x = reshape_features(x, experiment.feature_scale, experiment.correlation)
        y = x @ torch.tensor(TRUE_WEIGHTS, dtype=dtype) + TRUE_BIAS
        y = (y + torch.normal(0.0, experiment.noise, y.shape, generator=generator, dtype=dtype)).reshape(-1, 1)
        outputs = 1
    else:  # the overview's set-up: 10 features, 2 classes, labels from a noisy linear rule
        x = torch.normal(0.0, 1.0, (n, 10), generator=generator, dtype=dtype)
        direction = torch.normal(0.0, 1.0, (10,), generator=generator, dtype=dtype)
        score = x @ direction + torch.normal(0.0, max(experiment.noise, 1e-12), (n,), generator=generator,
                                             dtype=dtype)
        y = torch.nn.functional.one_hot((score > 0).long(), 2).to(dtype)
        outputs = 2
    split = torch.randperm(n, generator=generator)
    train, val = split[: experiment.train_samples], split[experiment.train_samples:]
    initial = torch.zeros(x.shape[1] + 1, outputs, dtype=dtype)
    initial[:-1] = torch.normal(0.0, 0.01, (outputs, x.shape[1]), generator=generator, dtype=dtype).T
    order = torch.stack([torch.randperm(len(train), generator=generator) for _ in range(experiment.epochs)])
    arrays = (_with_ones(x[train]), y[train].numpy(), _with_ones(x[val]), y[val].numpy(), initial.numpy(),
              order.numpy())
    for array in arrays:
        array.setflags(write=False)  # shared by every run from the cache
    return Data(*arrays, classification=experiment.dataset == "classification")

