"""fastai's dialect: `learn.fit_one_cycle(5, lr_max=1e-3)` and `learn.fit_flat_cos(...)`.

Transcribed from fastai's `callback/schedule.py` (fastai 2.7): fit_one_cycle sets the lr before every batch to
`combined_cos(pct_start, lr_max/div, lr_max, lr_max/div_final)` at pct_train, the share of the fit's batches
done; fit_flat_cos is the same with a flat first phase (`div=1`). The cycle spans `n_epoch × len(dls.train)`
optimizer steps, so it needs the run's batches per epoch.
"""

from __future__ import annotations

import ast
from typing import Any

SIGNATURES = {
    "fit_one_cycle": ["n_epoch", "lr_max", "div", "div_final", "pct_start", "wd", "moms", "cbs", "reset_opt",
                      "start_epoch"],
    "fit_flat_cos": ["n_epoch", "lr", "div_final", "pct_start", "wd", "cbs", "reset_opt", "start_epoch"],
}
NOT_READ = {"fine_tune": "it trains a frozen body for freeze_epochs, then every layer with per-layer lrs "
                         "(slice(base_lr / lr_mult, base_lr)); lrviz trains one group: write the second phase as "
                         "learn.fit_one_cycle(epochs, lr_max, pct_start=0.3, div=5.0)",
            "fit_sgdr": "lrviz does not declare fastai's SGDR phases (CosineAnnealingWarmRestarts is torch's)"}


def read(reader: Any, path: tuple[str, ...], node: ast.Call) -> Any:
    name = path[-1] if path else ""
    if len(path) < 2 or (name not in SIGNATURES and name not in NOT_READ):
        return None
    label = f"fastai's {name}"
    if name in NOT_READ:
        raise reader.fail(f"{label} is not read: {NOT_READ[name]}")
    given = reader.library_call(label, node, SIGNATURES[name], set(SIGNATURES[name]))
    steps = reader.counts(label, True, "fastai sets the lr before every batch")
    if "n_epoch" not in given:
        raise reader.fail(f"{label}: n_epoch is required", "n_epoch")
    epochs = reader.number(label, "n_epoch", given["n_epoch"], whole=True)
    if reader.run is None:
        raise reader.fail(f"{label}: the cycle spans n_epoch × len(dls.train) batches; lrviz needs the run's "
                          "batches per epoch to read it")
    if given.get("start_epoch", 0):
        raise reader.fail(f"{label}: start_epoch resumes a run; lrviz starts from the beginning", "start_epoch")
    per_epoch = reader.run.steps_per_epoch
    reader.inferred["len(dls.train)"] = (per_epoch, "the run's batches per epoch")
    lr = given.get("lr_max" if name == "fit_one_cycle" else "lr")
    origin = [("total_steps", f"n_epoch × len(dls.train) = {epochs} × {per_epoch}")]
    if lr is not None:
        origin.append(("@peak_lr", f"{reader.number(label, 'lr_max', lr):g}, fastai's lr_max"))
    if name == "fit_one_cycle":
        origin.append(("@note", "fastai also cycles momentum (0.95, 0.85, 0.95 by default); lrviz keeps the run's"))
    params = {"total_steps": epochs * per_epoch,
              "pct_start": reader.number(label, "pct_start", given.get("pct_start",
                                                                       0.25 if name == "fit_one_cycle" else 0.75)),
              "div": reader.number(label, "div", given.get("div", 25.0)) if name == "fit_one_cycle" else 1.0,
              "div_final": reader.number(label, "div_final", given.get("div_final", 1e5))}
    return reader.built("fit_one_cycle", params, origin=tuple(origin), steps=steps)
