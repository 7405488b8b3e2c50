"""What a run produces, as arrays (for figures) and as a tidy DataFrame (for CSV and the API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lrviz.schedules.schedule import Resolved
from lrviz.training.experiment import Experiment

DIVERGED_LOSS = 1e20  # a loss above this (or not finite) marks the run diverged


@dataclass
class Result:
    """K schedules trained on one experiment. Step arrays are (steps, K); epoch arrays (epochs, K)."""

    labels: list[str]
    resolved: list[Resolved]
    experiment: Experiment
    lr: np.ndarray  # lr used by each optimizer step
    momentum: np.ndarray  # momentum (SGD) or beta1 (Adam) used by each step
    batch_loss: np.ndarray  # mini-batch loss of each step, before its update
    loss: np.ndarray  # loss on the whole training set at the end of each epoch
    val_loss: np.ndarray | None
    weights: np.ndarray  # (epochs, K, features + 1, outputs) at the end of each epoch
    # (points, K, features + 1, outputs): the weights after the optimizer steps `step_indices` (0 = the initial
    # weights); every step (points = steps + 1) or, for the app, at most MAX_STEP_POINTS evenly spaced ones
    step_weights: np.ndarray | None
    diverged_at: list[int | None]  # first epoch (1-based) whose loss overflowed
    optimal_loss: float | None = None  # least-squares optimum of the training loss (regression only)
    step_indices: np.ndarray | None = None  # (points,) increasing step numbers of step_weights; None: every step
    # what trained these runs (the engine's `simulate`), to train them again with every step when asked: handed
    # in by the engine, so that results need not import the engine that builds them
    retrain: Callable[..., Result] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.step_weights is not None and self.step_indices is None:
            self.step_indices = np.arange(len(self.step_weights))
        self.blank_after_divergence()

    @property
    def thinned(self) -> bool:
        """True if step_weights hold only some of the steps (see `step_indices`)."""
        return self.step_weights is not None and len(self.step_weights) < self.lr.shape[0] + 1

    def blank_after_divergence(self) -> None:
        """Everything a diverged run's training computed from its overflowing epoch on is NaN; its lr and
        momentum stay: the schedule does not depend on the loss (ReduceLROnPlateau, which does, is no longer
        stepped, so its lr stays at the diverged epoch's)."""
        spe = self.experiment.steps_per_epoch
        for k, epoch in enumerate(self.diverged_at):
            if epoch is None:
                continue
            for array in (self.loss, self.val_loss, self.weights):
                if array is not None:
                    array[epoch - 1:, k] = np.nan
            self.batch_loss[(epoch - 1) * spe:, k] = np.nan
            if self.step_weights is not None:
                self.step_weights[self.step_indices > (epoch - 1) * spe, k] = np.nan

    def select(self, k: int) -> Result:
        """Schedule k alone, as if it had been trained by itself (it would have been identical)."""
        def pick(array: np.ndarray | None) -> np.ndarray | None:
            return None if array is None else array[:, k:k + 1].copy()

        return Result(labels=[self.labels[k]], resolved=[self.resolved[k]], experiment=self.experiment,
                      lr=pick(self.lr), momentum=pick(self.momentum), batch_loss=pick(self.batch_loss),
                      loss=pick(self.loss), val_loss=pick(self.val_loss), weights=pick(self.weights),
                      step_weights=pick(self.step_weights), diverged_at=[self.diverged_at[k]],
                      optimal_loss=self.optimal_loss, step_indices=self.step_indices, retrain=self.retrain)

    @classmethod
    def stack(cls, parts: list[Result], labels: list[str]) -> Result:
        """Several results of the same experiment side by side, as one comparison."""
        def join(name: str) -> np.ndarray | None:
            arrays = [getattr(part, name) for part in parts]
            return None if any(a is None for a in arrays) else np.concatenate(arrays, axis=1)

        indices = [part.step_indices for part in parts]
        same_steps = all(i is not None and np.array_equal(i, indices[0]) for i in indices)
        return cls(labels=labels, resolved=[r for part in parts for r in part.resolved],
                   experiment=parts[0].experiment, lr=join("lr"), momentum=join("momentum"),
                   batch_loss=join("batch_loss"), loss=join("loss"), val_loss=join("val_loss"), weights=join("weights"),
                   step_weights=join("step_weights") if same_steps else None,
                   diverged_at=[d for part in parts for d in part.diverged_at], optimal_loss=parts[0].optimal_loss,
                   step_indices=indices[0] if same_steps else None, retrain=parts[0].retrain)

    @property
    def nbytes(self) -> int:
        arrays = (self.lr, self.momentum, self.batch_loss, self.loss, self.val_loss, self.weights, self.step_weights)
        return sum(array.nbytes for array in arrays if array is not None)

    def with_every_step(self) -> Result:
        """The same runs with the weights of every step: trained again (bit-identical), on demand."""
        if self.retrain is None:
            raise ValueError("these runs hold only some steps' weights and do not know how to train again")
        full = self.retrain([item.schedule for item in self.resolved], self.experiment, record_steps=True)
        full.labels = list(self.labels)
        return full

    def weight_names(self) -> list[str]:
        features, outputs = self.weights.shape[2] - 1, self.weights.shape[3]
        if outputs == 1:
            return [f"w{i + 1}" for i in range(features)] + ["bias"]
        return [f"w{i + 1}_class{c}" for i in range(features) for c in range(outputs)] + [
            f"bias_class{c}" for c in range(outputs)
        ]

    def markers(self, k: int) -> list[int]:
        """Milestones and restarts of schedule k, as optimizer step numbers."""
        scale = 1 if self.experiment.per_batch else self.experiment.steps_per_epoch
        return [m * scale for m in self.resolved[k].markers()]

    def frame(self, per: str = "epoch") -> pd.DataFrame:
        """Tidy frame: one row per schedule per epoch (or per optimizer step)."""
        spe = self.experiment.steps_per_epoch
        if per == "epoch":
            first = np.arange(self.experiment.epochs) * spe
            epoch = np.arange(1, self.experiment.epochs + 1)
            step, lr, momentum = epoch * spe, self.lr[first], self.momentum[first]
            loss, weights = self.loss, self.weights
        elif per == "step":
            if self.thinned:  # the app keeps some steps' weights only: a per-step table trains again, with all
                return self.with_every_step().frame(per)
            step = np.arange(1, self.lr.shape[0] + 1)
            epoch = (step - 1) // spe + 1
            lr, momentum, loss = self.lr, self.momentum, self.batch_loss
            weights = self.step_weights[1:] if self.step_weights is not None else None
        else:
            raise ValueError(f"per must be 'epoch' or 'step' (got {per!r})")
        rows = len(epoch)
        blocks = []
        for k, label in enumerate(self.labels):
            diverged = self.diverged_at[k]
            columns = {
                "schedule": [label] * rows,
                "epoch": epoch,
                "step": step,
                "lr": lr[:, k],
                "momentum": momentum[:, k],
                "loss": loss[:, k],
            }
            if per == "epoch" and self.val_loss is not None:
                columns["val_loss"] = self.val_loss[:, k]
            columns["diverged"] = epoch >= diverged if diverged else np.zeros(rows, dtype=bool)
            if weights is not None:
                flat = _flatten(weights[:, k])
                columns.update(zip(self.weight_names(), flat.T, strict=True))
            blocks.append(pd.DataFrame(columns))
        return pd.concat(blocks, ignore_index=True)


def _flatten(weights: np.ndarray) -> np.ndarray:
    """(rows, features + 1, outputs) -> (rows, names) in the order of `weight_names`."""
    features = weights.shape[1] - 1
    return np.concatenate([weights[:, :features].reshape(len(weights), -1), weights[:, features]], axis=1)


def optimal_loss(x: np.ndarray, y: np.ndarray, classification: bool) -> float | None:
    """The lowest training loss the linear model can reach (least squares); None for classification."""
    if classification or len(x) == 0:
        return None
    weights = np.linalg.lstsq(x, y, rcond=None)[0]
    return float(np.mean((x @ weights - y) ** 2))
