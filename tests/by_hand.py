"""torch's own loop, stepped by hand: what every lr lrviz shows is checked against."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch


def lrs_by_hand(make: Callable[[torch.optim.Optimizer], object], epochs: int, lr: float = 0.1) -> list[float]:
    """The lr of each epoch of `optimizer.step(); scheduler.step()`, the scheduler made by `make(optimizer)`."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. SequentialLR's order warning: the values are what is checked
        scheduler = make(optimizer)
        lrs = []
        for _ in range(epochs):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return lrs
