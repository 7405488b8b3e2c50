"""torch.optim's SGD, Adam and AdamW, written out for K models stacked in one array.

Weights have shape (K, features + 1, outputs); lr and momentum (beta1 for Adam) are
(K, 1, 1) columns, one value per schedule, read from the real torch schedulers. Each
update follows torch 2.13's single-tensor implementation line by line, so the fast
path agrees with `torch.optim` to rounding (see tests/test_engine.py).
"""

from __future__ import annotations

import numpy as np

from lrviz.experiment import Experiment

ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8


class BatchedSGD:
    def __init__(self, shape: tuple[int, ...], experiment: Experiment) -> None:
        self.nesterov = experiment.nesterov
        self.weight_decay = experiment.weight_decay
        self.buffer = np.zeros(shape)
        # torch creates the momentum buffer at the first step with momentum != 0 and
        # leaves it untouched while momentum is 0; track that per model
        self.has_buffer = np.zeros((shape[0], 1, 1), dtype=bool)

    def step(self, weights: np.ndarray, grad: np.ndarray, lr: np.ndarray, momentum: np.ndarray) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * weights
        if momentum.any():
            active = momentum != 0
            updated = np.where(self.has_buffer, momentum * self.buffer + grad, grad)
            self.buffer = np.where(active, updated, self.buffer)
            self.has_buffer |= active
            direction = grad + momentum * self.buffer if self.nesterov else self.buffer
            grad = np.where(active, direction, grad)
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


def batched_optimizer(shape: tuple[int, ...], experiment: Experiment) -> BatchedSGD | BatchedAdam:
    return BatchedSGD(shape, experiment) if experiment.optimizer == "sgd" else BatchedAdam(shape, experiment)


def momentum_of(group: dict) -> float:
    """The momentum a torch param group trains with: SGD's momentum, or Adam's beta1."""
    return float(group["betas"][0]) if "betas" in group else float(group.get("momentum", 0.0))
