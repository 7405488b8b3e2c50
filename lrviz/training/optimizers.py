"""torch.optim's SGD, Adam and AdamW, written out for K models stacked in one array.

Weights are a (features + 1, columns) matrix, one column per model output; lr and
momentum (beta1 for Adam) are rows with one value per column, read from the real torch
schedulers. Each update follows torch 2.13's single-tensor implementation line by line,
so the fast path agrees with `torch.optim` to rounding (see tests/test_engine.py).
`step` may overwrite the gradient it is given.
"""

from __future__ import annotations

import numpy as np

from lrviz.training.experiment import Experiment

ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8


class BatchedSGD:
    def __init__(self, shape: tuple[int, ...], experiment: Experiment, momentum: np.ndarray) -> None:
        """`momentum`: (steps, models) planned momentum of the whole run, to pick the cheapest exact update."""
        self.nesterov = experiment.nesterov
        self.weight_decay = experiment.weight_decay
        # torch creates a momentum buffer as a copy of the gradient at the first step with
        # momentum != 0 (m · 0 + grad here) and leaves it alone while momentum is 0
        self.buffer = np.zeros(shape)
        uses = momentum != 0
        self.uses_momentum = bool(uses.any())
        # only a model whose momentum is 0 at some steps and not at others needs its buffer
        # frozen step by step; otherwise m · buffer + grad is exact for every model
        self.switches = bool((uses.any(axis=0) & ~uses.all(axis=0)).any())

    def step(self, weights: np.ndarray, grad: np.ndarray, lr: np.ndarray, momentum: np.ndarray) -> None:
        if self.weight_decay:
            grad += self.weight_decay * weights
        if self.switches:
            active = momentum != 0
            np.copyto(self.buffer, momentum * self.buffer + grad, where=active)
            direction = grad + momentum * self.buffer if self.nesterov else self.buffer
            grad = np.where(active, direction, grad)
        elif self.uses_momentum:
            self.buffer *= momentum
            self.buffer += grad
            grad = grad + momentum * self.buffer if self.nesterov else self.buffer
        weights -= lr * grad


class BatchedAdam:
    def __init__(self, shape: tuple[int, ...], experiment: Experiment) -> None:
        self.decoupled = experiment.optimizer == "adamw"
        self.weight_decay = experiment.weight_decay
        self.exp_avg = np.zeros(shape)
        self.exp_avg_sq = np.zeros(shape)
        self.count = 0

    def step(self, weights: np.ndarray, grad: np.ndarray, lr: np.ndarray, beta1: np.ndarray) -> None:
        self.count += 1
        if self.weight_decay:
            if self.decoupled:
                weights *= 1 - lr * self.weight_decay
            else:
                grad = grad + self.weight_decay * weights
        self.exp_avg += (1 - beta1) * (grad - self.exp_avg)
        self.exp_avg_sq *= ADAM_BETA2
        self.exp_avg_sq += (1 - ADAM_BETA2) * grad * grad
        step_size = lr / (1 - beta1**self.count)
        denom = np.sqrt(self.exp_avg_sq) / np.sqrt(1 - ADAM_BETA2**self.count) + ADAM_EPS
        weights -= step_size * self.exp_avg / denom


BatchedOptimizer = BatchedSGD | BatchedAdam


def batched_optimizer(shape: tuple[int, ...], experiment: Experiment, momentum: np.ndarray) -> BatchedOptimizer:
    """The experiment's optimizer for weights of `shape`; `momentum` is the run's (steps, models) plan."""
    if experiment.optimizer == "sgd":
        return BatchedSGD(shape, experiment, momentum)
    return BatchedAdam(shape, experiment)


def momentum_of(group: dict) -> float:
    """The momentum a torch param group trains with: SGD's momentum, or Adam's beta1."""
    return float(group["betas"][0]) if "betas" in group else float(group.get("momentum", 0.0))
