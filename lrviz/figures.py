"""Plotly figures of a Result: pure functions, testable without a browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from lrviz.range_test import RangeTest
from lrviz.results import Result

MAX_POINTS = 1500  # per trace: a 200,000-step curve is thinned so the browser stays fast
MAX_MARKERS = 40  # vertical lines per schedule


def palette(count: int) -> list[str]:
    """One colour per schedule, the same in every chart."""
    colors = qualitative.Plotly if count <= len(qualitative.Plotly) else qualitative.Dark24 + qualitative.Light24
    return [colors[k % len(colors)] for k in range(count)]


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_POINTS:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).astype(int))
    return x[keep], y[keep]


def _layout(title: str, y_title: str, x_title: str, log: bool, **more: object) -> dict:
    """The layout of the line charts, as one dict: a figure built with it validates it once.

    (update_layout and add_vline on a built figure re-run plotly's relayout machinery each
    time, which was a third of a slider move's rerun.)
    """
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "hovermode": "x unified",
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "height": 400,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.24, "x": 0, "font": {"size": 11}},
        "xaxis": {"title": {"text": x_title, "standoff": 2}, "showgrid": True},
        "yaxis": {"title": y_title, "type": "log" if log else "linear", "exponentformat": "power" if log else "none"},
        **more,
    }


def _x(result: Result, per: str) -> tuple[np.ndarray, str]:
    if per == "epoch":
        return np.arange(1, result.experiment.epochs + 1), "epoch"
    return np.arange(1, result.lr.shape[0] + 1), "optimizer step"


def _vline(x: float, opacity: float = 1.0, **line: object) -> dict:
    """A vertical line across the whole plot at x, as a layout shape."""
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1, "opacity": opacity,
            "line": line}


def _marker_lines(result: Result, per: str, colors: list[str]) -> list[dict]:
    """Dotted lines where a schedule's lr jumps or restarts (milestones, restarts, phase ends)."""
    spe = result.experiment.steps_per_epoch
    return [_vline(step / spe + 0.5 if per == "epoch" else step + 0.5, 0.6, color=color, dash="dot", width=1)
            for k, color in enumerate(colors) for step in result.markers(k)[:MAX_MARKERS]]


def lr_figure(result: Result, per: str = "epoch", log: bool = False) -> go.Figure:
    """The lr each optimizer step used (per epoch: the lr of the epoch), one line per schedule."""
    x, x_title = _x(result, per)
    colors = palette(len(result.labels))
    spe = result.experiment.steps_per_epoch
    traces = []
    for k, label in enumerate(result.labels):
        y = result.lr[::spe, k] if per == "epoch" else result.lr[:, k]
        xs, ys = _thin(x, y)
        traces.append(go.Scatter(
            x=xs, y=ys, name=label, legendgroup=label, line={"color": colors[k], "width": 2, "shape": "hv"},
            mode="lines+markers" if len(xs) <= 60 else "lines", hovertemplate="%{y:.4g}",
        ))
    return go.Figure(traces, _layout("Learning rate", "lr", x_title, log, shapes=_marker_lines(result, per, colors)))


def loss_figure(result: Result, per: str = "epoch", log: bool = True, excess: bool = False) -> go.Figure:
    """Training loss at the end of each epoch; per step, also each mini-batch's loss (faint).

    `excess` plots the loss above the least-squares optimum (regression): on a log axis this shows
    what a schedule buys near the end of training, where raw losses all sit at the noise floor.
    """
    excess = excess and result.optimal_loss is not None
    colors = palette(len(result.labels))
    spe, epochs = result.experiment.steps_per_epoch, result.experiment.epochs
    epoch_x = np.arange(1, epochs + 1) * (1 if per == "epoch" else spe)
    traces, diverged = [], []
    for k, label in enumerate(result.labels):
        if per == "step" and not excess:
            xs, ys = _thin(np.arange(1, result.batch_loss.shape[0] + 1), result.batch_loss[:, k])
            traces.append(go.Scatter(x=xs, y=ys, name=label, legendgroup=label, showlegend=False, opacity=0.3,
                                     line={"color": colors[k], "width": 1}, hoverinfo="skip"))
        loss = np.maximum(result.loss[:, k] - result.optimal_loss, 1e-16) if excess else result.loss[:, k]
        traces.append(go.Scatter(
            x=epoch_x, y=loss, name=label, legendgroup=label, line={"color": colors[k], "width": 2},
            mode="lines+markers" if epochs <= 60 else "lines", hovertemplate="%{y:.4g}",
        ))
        if result.val_loss is not None and not excess:
            traces.append(go.Scatter(x=epoch_x, y=result.val_loss[:, k], name=f"{label} (validation)",
                                     legendgroup=label, showlegend=False, hovertemplate="val %{y:.4g}",
                                     line={"color": colors[k], "width": 1.5, "dash": "dash"}))
        if result.diverged_at[k]:
            at = result.diverged_at[k] * (1 if per == "epoch" else spe)
            diverged.append((at, colors[k]))
    if excess:
        title = f"Training loss above the best possible ({result.optimal_loss:.3g})"
    else:
        title = "Training loss" + (" (dashed: validation)" if result.val_loss is not None else "")
    lines = [_vline(at, color=color, width=2) for at, color in diverged]
    labels = [{"text": "diverged", "xref": "x", "yref": "paper", "x": at, "y": 1, "xanchor": "left", "yanchor": "top",
               "showarrow": False, "font": {"color": color}} for at, color in diverged]
    layout = _layout(title, "loss − optimum" if excess else "loss", "epoch" if per == "epoch" else "optimizer step",
                     log, shapes=_marker_lines(result, per, colors) + lines, annotations=labels)
    return go.Figure(traces, layout)


def momentum_figure(result: Result, per: str = "epoch") -> go.Figure | None:
    """Momentum (SGD) or beta1 (Adam) of the schedules that cycle it; None if none does."""
    cycling = [k for k, item in enumerate(result.resolved) if item.cycles_momentum]
    if not cycling:
        return None
    x, x_title = _x(result, per)
    colors = palette(len(result.labels))
    spe = result.experiment.steps_per_epoch
    traces = []
    for k in cycling:
        y = result.momentum[::spe, k] if per == "epoch" else result.momentum[:, k]
        xs, ys = _thin(x, y)
        traces.append(go.Scatter(x=xs, y=ys, name=result.labels[k], line={"color": colors[k], "shape": "hv"},
                                 hovertemplate="%{y:.3f}"))
    name = "beta1" if result.experiment.optimizer != "sgd" else "momentum"
    return go.Figure(traces, _layout(f"{name.capitalize()}, cycled against the lr", name, x_title, False, height=260))


def summary(result: Result) -> pd.DataFrame:
    """Final loss and learned weights per schedule, best first (diverged runs last)."""
    rows = []
    for k, label in enumerate(result.labels):
        row = {"schedule": label, "final loss": result.loss[-1, k], "best loss": np.nanmin(result.loss[:, k])
               if np.isfinite(result.loss[:, k]).any() else np.nan}
        if result.val_loss is not None:
            row["final val loss"] = result.val_loss[-1, k]
        if result.weights.shape[3] == 1:  # regression: the weights are few and meaningful
            row.update(zip(result.weight_names(), result.weights[-1, k, :, 0], strict=True))
        row["diverged"] = f"at epoch {result.diverged_at[k]}" if result.diverged_at[k] else "no"
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("final loss", na_position="last", kind="stable")
    return table.reset_index(drop=True)


def range_test_figure(test: RangeTest, marked: dict[str, float]) -> go.Figure:
    """Smoothed loss against the swept lr (log axis), with the suggested lrs marked."""
    traces = [go.Scatter(x=test.lrs, y=test.losses, mode="lines", name="smoothed loss",
                         line={"color": "#4f46e5", "width": 2}, hovertemplate="lr %{x:.3g}: %{y:.4g}"),
              go.Scatter(x=test.lrs, y=test.raw_losses, mode="lines", name="mini-batch loss", opacity=0.3,
                         line={"color": "#4f46e5", "width": 1}, hoverinfo="skip")]
    figure = go.Figure(traces, _layout("LR range test: loss while the lr grows exponentially", "loss", "lr", log=True))
    for (name, lr), color, where in zip(marked.items(), ("#dc2626", "#059669"), ("top left", "bottom right"),
                                        strict=False):
        figure.add_vline(x=lr, line={"color": color, "dash": "dash"}, annotation_text=f"{name}: {lr:.3g}",
                         annotation_font_color=color, annotation_position=where)
    figure.update_xaxes(type="log", exponentformat="power")
    return figure
