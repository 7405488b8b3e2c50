"""Plotly figures of a Result: pure functions, testable without a browser."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from lrviz.page import axes
from lrviz.page.legend import short_labels
from lrviz.schedules.markup import plotly_text
from lrviz.training.range_test import RangeTest
from lrviz.training.results import Result

MAX_POINTS = 1500  # per trace: a 200,000-step curve is thinned so the browser stays fast
MAX_MARKERS = 20  # vertical lines of the one schedule looked at, at most
MANY_MARKERS = 12  # more lines than this in all: only the schedule looked at has them
# Category 10, reordered so that the first schedules differ most; readable on a washed-out projector
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22")
# each schedule's milestone lines have their own dash, and a short solid cap in their own row above the
# plot, so lines of similar colours, or at the same step, still tell whose they are
MARKER_DASHES = ("dot", "dash", "dashdot", "longdash", "longdashdot")
CAP_ROWS, CAP_PX = 6, 8  # rows of caps above the plot, each CAP_PX high


@dataclass(frozen=True)
class Style:
    """Font sizes (px) and chart height: for a screen, or readable from the back of a lecture room."""

    font: int
    title: int
    ticks: int
    height: int
    line: float  # width of a schedule's curve


NORMAL = Style(font=14, title=18, ticks=13, height=400, line=2.5)
# presenting, both charts (and the story, the switches and the legend above them) fit one 1920×1080 screen
PRESENT = Style(font=18, title=24, ticks=20, height=380, line=3.5)
Y_MARGIN = {False: 88, True: 118}  # px left of the plot: the widest tick label ("5×10⁻⁵") and the axis title
# the modebar stands in a column right of the plot: over the title it hid it on a phone
MODEBAR = {"orientation": "v"}
PLOTLY_CONFIG = {"displaylogo": False,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


def style(present: bool) -> Style:
    return PRESENT if present else NORMAL


def palette(count: int) -> list[str]:
    """One colour per schedule, the same in every chart."""
    colors = COLORS if count <= len(COLORS) else qualitative.Dark24 + qualitative.Light24
    return [colors[k % len(colors)] for k in range(count)]


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_POINTS:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).astype(int))
    return x[keep], y[keep]


def _layout(title: str, y_title: str, x_title: str, log: bool, present: bool = False, caps: int = 0,
            **more: object) -> dict:  # fmt: skip
    """The layout of the line charts, as one dict: a figure built with it validates it once.

    (update_layout and add_vline on a built figure re-run plotly's relayout machinery each
    time, which was a third of a slider move's rerun.) The schedules' legend is the page's,
    above the charts (`legend.legend_html`): one for all charts, with short labels.
    """
    size = style(present)
    axis_title = {"size": size.font}
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": size.title}},
        "font": {"size": size.font},
        "hovermode": "x unified",
        "hoverlabel": {"font": {"size": size.font}},
        # a fixed left margin: stacked charts put epoch 5 at the same pixel whatever their tick labels' width
        "margin": {"l": Y_MARGIN[present], "r": 44, "t": size.title + 30 + caps * CAP_PX, "b": 10},
        "height": size.height,
        "showlegend": False,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": size.font}},
        "modebar": MODEBAR,
        "xaxis": {"title": {"text": x_title, "standoff": 4, "font": axis_title}, "tickfont": {"size": size.ticks},
                  "showgrid": True, "unifiedhovertitle": {"text": f"{x_title} %{{x}}"}},  # "epoch 11", not "11"
        "yaxis": {"title": {"text": y_title, "font": axis_title, "standoff": 6}, "tickfont": {"size": size.ticks},
                  "type": "log" if log else "linear", "exponentformat": "power" if log else "none",
                  "automargin": False},
        **more,
    }


def _x(result: Result, per: str) -> tuple[np.ndarray, str]:
    if per == "epoch":
        return np.arange(1, result.experiment.epochs + 1), "epoch"
    return np.arange(1, result.lr.shape[0] + 1), "optimizer step"


def _vline(x: float, opacity: float = 1.0, name: str = "", **line: object) -> dict:
    """A vertical line across the whole plot at x, as a layout shape."""
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1, "opacity": opacity,
            "name": name, "line": line}


def _cap(x: float, row: int, name: str, color: str) -> dict:
    """A short thick mark at x in row `row` above the plot (in pixels, whatever the chart's height)."""
    return {"type": "line", "xref": "x", "yref": "paper", "ysizemode": "pixel", "yanchor": 1, "x0": x, "x1": x,
            "y0": 2 + row * CAP_PX, "y1": row * CAP_PX + CAP_PX, "name": name, "line": {"color": color, "width": 6}}


def _marked(result: Result, focus: int | None) -> list[int]:
    """The schedules whose lines are drawn: all of them while there are few lines; past MANY_MARKERS, only
    the schedule being looked at (the one "How it works" explains), and not even it past MAX_MARKERS:
    a staircase of forty steps shows its own steps."""
    counts = [len(result.markers(k)) for k in range(len(result.labels))]
    if sum(counts) <= MANY_MARKERS:
        return [k for k, count in enumerate(counts) if count]
    return [focus] if focus is not None and 0 < counts[focus % len(counts)] <= MAX_MARKERS else []


def _marker_lines(result: Result, per: str, colors: list[str], focus: int | None = None) -> list[dict]:
    """Lines where a schedule's lr jumps or restarts (milestones, restarts, phase ends), on the first epoch
    (or step) at the new lr, each schedule with its own dash and a cap in its own row at the top."""
    spe = result.experiment.steps_per_epoch
    shapes = []
    for k in _marked(result, focus):
        color, dash, row = colors[k], MARKER_DASHES[k % len(MARKER_DASHES)], k % CAP_ROWS
        for step in result.markers(k):
            x = step // spe + 1 if per == "epoch" else step + 1
            shapes.append(_vline(x, 0.75, f"marker {k}", color=color, dash=dash, width=1.5))
            shapes.append(_cap(x, row, f"cap {k}", color))
    return shapes


def _cap_rows(result: Result, focus: int | None = None) -> int:
    """Rows of caps above the plot: one per schedule whose lines are drawn (up to CAP_ROWS)."""
    return min(CAP_ROWS, max((k % CAP_ROWS + 1 for k in _marked(result, focus)), default=0))


Claim = tuple[str, str, str]  # (a schedule's text, where: "end", "diverged", "first drop", "restart", the note)


def _claim_epoch(result: Result, k: int, at: str) -> int | None:
    """The epoch (from 1) where a claim about schedule k shows."""
    epochs = result.experiment.epochs
    if at == "end":
        return epochs
    if at == "diverged":
        return result.diverged_at[k]
    if at == "restart":
        markers = result.markers(k)
        return markers[0] // result.experiment.steps_per_epoch + 1 if markers else None
    if at == "first drop":
        lr = result.lr[::result.experiment.steps_per_epoch, k]
        drops = np.nonzero(lr[1:] < lr[:-1] * (1 - 1e-9))[0]
        return int(drops[0]) + 2 if len(drops) else None
    return None


def _claim_note(result: Result, claim: Claim | None, y: np.ndarray, x_of_epoch: Callable[[int], int], log: bool,
                colors: list[str], present: bool) -> list[dict]:  # fmt: skip
    """An arrow on the curve that carries the scenario's lesson, with the lesson's words."""
    if claim is None or claim[0] not in result.labels:
        return []
    k = result.labels.index(claim[0])
    epoch = _claim_epoch(result, k, claim[1])
    if epoch is None:
        return []
    finite = np.isfinite(y[:epoch, k]) & (y[:epoch, k] > 0 if log else True)
    if not finite.any():
        return []
    last = int(np.nonzero(finite)[0][-1])  # a diverged run: its last finite value, just before
    value = float(y[last, k])
    top = claim[1] == "diverged"  # its last values are off the bounded axis: the note stands in the plot's top
    return [{"text": plotly_text(claim[2]), "x": x_of_epoch(last + 1),
             "y": 0.4 if top else math.log10(value) if log else value, "xref": "x", "yref": "paper" if top else "y",
             "showarrow": True, "arrowhead": 2, "arrowwidth": 2, "arrowcolor": colors[k],
             "ax": -40 if epoch > result.experiment.epochs / 2 else 40, "ay": -50,
             "xanchor": "right" if epoch > result.experiment.epochs / 2 else "left",
             "font": {"size": style(present).font, "color": colors[k]}, "bgcolor": "rgba(255,255,255,0.85)",
             "bordercolor": colors[k], "borderpad": 3, "name": "claim"}]


def legend_labels(result: Result) -> list[str]:
    """Each schedule's short label (`legend.short_labels`), worked out once per result for all its charts."""
    if getattr(result, "_short_labels", None) is None:
        result._short_labels = short_labels(result.resolved)
    return result._short_labels


def _names(result: Result) -> tuple[list[str], list[str]]:
    """Each schedule's short legend label, and its full constructor string for the hover: both escaped."""
    return [plotly_text(label) for label in legend_labels(result)], [plotly_text(x) for x in result.labels]


def _named(short: str, full: str, group: str, value: str = "%{y:.4g}") -> dict:
    """A schedule's trace names: the short label, the full string in the hover (through `meta`, so that
    no text of the user's is read as a template), and the raw label as the legend group, which no one sees."""
    return {"name": short, "legendgroup": group, "meta": full, "hovertemplate": f"%{{meta}}: {value}<extra></extra>"}


def _colors(result: Result, colors: tuple[str, ...] | None) -> list[str]:
    """Each schedule's colour: the page's (kept per schedule through adds and removes), or the palette's."""
    return list(colors) if colors and len(colors) == len(result.labels) else palette(len(result.labels))


def lr_figure(result: Result, per: str = "epoch", log: bool = False, present: bool = False,
              colors: tuple[str, ...] | None = None, claim: Claim | None = None,
              focus: int | None = None) -> go.Figure:  # fmt: skip
    """The lr each optimizer step used (per epoch: the lr of the epoch), one line per schedule."""
    x, x_title = _x(result, per)
    colors = _colors(result, colors)
    spe = result.experiment.steps_per_epoch
    shorts, fulls = _names(result)
    traces = []
    for k, label in enumerate(result.labels):
        y = result.lr[::spe, k] if per == "epoch" else result.lr[:, k]
        xs, ys = _thin(x, y)
        traces.append(go.Scatter(
            x=xs, y=ys, **_named(shorts[k], fulls[k], label),
            line={"color": colors[k], "width": style(present).line, "shape": "hv"},
            mode="lines+markers" if len(xs) <= 60 else "lines",
        ))
    first_steps = (lambda e: e) if per == "epoch" else (lambda e: (e - 1) * spe + 1)
    layout = _layout("Learning rate", "lr", x_title, log, present, _cap_rows(result, focus),
                     shapes=_marker_lines(result, per, colors, focus),
                     annotations=_claim_note(result, claim, result.lr[::spe], first_steps, log, colors, present))
    if log:
        layout["yaxis"].update(axes.y_axis(result.lr, log))
    return go.Figure(traces, layout)


def loss_figure(result: Result, per: str = "epoch", log: bool = True, excess: bool = False,
                present: bool = False, colors: tuple[str, ...] | None = None,
                claim: Claim | None = None, focus: int | None = None) -> go.Figure:  # fmt: skip
    """Training loss at the end of each epoch; per step, also each mini-batch's loss (faint).

    `excess` plots the loss above the least-squares optimum (regression): on a log axis this shows
    what a schedule buys near the end of training, where raw losses all sit at the noise floor.
    """
    excess = excess and result.optimal_loss is not None
    colors = _colors(result, colors)
    spe, epochs = result.experiment.steps_per_epoch, result.experiment.epochs
    epoch_x = np.arange(1, epochs + 1) * (1 if per == "epoch" else spe)
    shorts, fulls = _names(result)
    traces, diverged = [], []
    shown_loss = np.maximum(result.loss - result.optimal_loss, 1e-16) if excess else result.loss
    for k, label in enumerate(result.labels):
        if per == "step" and not excess:
            xs, ys = _thin(np.arange(1, result.batch_loss.shape[0] + 1), result.batch_loss[:, k])
            traces.append(go.Scatter(x=xs, y=ys, name=shorts[k], legendgroup=label, showlegend=False, opacity=0.3,
                                     line={"color": colors[k], "width": 1}, hoverinfo="skip"))
        loss = shown_loss[:, k]
        traces.append(go.Scatter(
            x=epoch_x, y=loss, **_named(shorts[k], fulls[k], label),
            line={"color": colors[k], "width": style(present).line},
            mode="lines+markers" if epochs <= 60 else "lines",
        ))
        if result.val_loss is not None and not excess:
            traces.append(go.Scatter(x=epoch_x, y=result.val_loss[:, k], showlegend=False,
                                     **_named(f"{shorts[k]} (validation)", fulls[k], label, "val %{y:.4g}"),
                                     line={"color": colors[k], "width": 1.5, "dash": "dash"}))
        if result.diverged_at[k]:
            diverged.append((k, result.diverged_at[k] * (1 if per == "epoch" else spe)))
    if excess:
        title = f"Training loss above optimum ({result.optimal_loss:.3g})"  # short: fits a phone
    else:
        title = "Training loss" + (" (dashed: validation)" if result.val_loss is not None else "")
    # each diverged run in its own colour and dash, its label in its own row: two runs diverging in the same
    # epoch both show
    lines = [_vline(at, name="diverged", color=colors[k], width=2.5, dash=MARKER_DASHES[row % len(MARKER_DASHES)])
             for row, (k, at) in enumerate(diverged)]
    labels = [{"text": f"✕ {shorts[k]} diverged", "xref": "x", "yref": "paper", "x": at, "y": 1 - 0.1 * row,
               "xanchor": "left", "yanchor": "top", "showarrow": False, "bgcolor": "rgba(255,255,255,0.85)",
               "font": {"color": colors[k], "size": style(present).font}, "name": "diverged"}
              for row, (k, at) in enumerate(diverged)]
    # the axis is bounded to the runs that trained: one diverging run no longer flattens the rest at 10¹²
    trained = [k for k in range(len(result.labels)) if not result.diverged_at[k]] or list(range(len(result.labels)))
    bounded = [shown_loss[:, trained]] + ([result.val_loss[:, trained]] if result.val_loss is not None
                                          and not excess else [])  # fmt: skip
    layout = _layout(title, "loss − optimum" if excess else "loss", "epoch" if per == "epoch" else "optimizer step",
                     log, present, _cap_rows(result, focus), shapes=_marker_lines(result, per, colors, focus) + lines,
                     annotations=labels + _claim_note(result, claim, shown_loss, lambda e: e * (1 if per == "epoch"
                                                      else spe), log, colors, present))
    layout["yaxis"].update(axes.y_axis(np.concatenate([b.ravel() for b in bounded]), log))
    return go.Figure(traces, layout)


def momentum_figure(result: Result, per: str = "epoch", present: bool = False,
                    colors: tuple[str, ...] | None = None) -> go.Figure | None:  # fmt: skip
    """Momentum (SGD) or beta1 (Adam) of the schedules that cycle it; None if none does."""
    cycling = [k for k, item in enumerate(result.resolved) if item.cycles_momentum]
    if not cycling:
        return None
    x, x_title = _x(result, per)
    colors = _colors(result, colors)
    spe = result.experiment.steps_per_epoch
    shorts, fulls = _names(result)
    traces = []
    for k in cycling:
        y = result.momentum[::spe, k] if per == "epoch" else result.momentum[:, k]
        xs, ys = _thin(x, y)
        traces.append(go.Scatter(x=xs, y=ys, **_named(shorts[k], fulls[k], result.labels[k], "%{y:.3f}"),
                                 line={"color": colors[k], "shape": "hv", "width": style(present).line}))
    name = "beta1" if result.experiment.optimizer != "sgd" else "momentum"
    height = style(present).height * 2 // 3
    return go.Figure(traces, _layout(f"{name.capitalize()}, cycled against the lr", name, x_title, False, present,
                                     height=height))


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


def summary_table(result: Result) -> pd.DataFrame:
    """`summary` as the page shows it: 4 significant digits, and a word where a diverged run has no
    number (the table read "None" there)."""
    table = summary(result)
    for column in table.columns.drop(["schedule", "diverged"]):
        missing, digits = ("diverged", 4) if "loss" in column else ("—", 5)  # a weight of 1.9997 is not 2
        finite = table[column][np.isfinite(table[column])]
        # one format per column: "0.01008" beside "9.087e-05" read as different kinds of number
        kind = "e" if "loss" in column and len(finite) and finite.abs().min() < 1e-3 else "g"
        shown = digits - 1 if kind == "e" else digits
        table[column] = [f"{value:.{shown}{kind}}" if np.isfinite(value) else missing for value in table[column]]
    return table


def range_test_figure(test: RangeTest, marked: dict[str, float], present: bool = False) -> go.Figure:
    """Smoothed loss against the swept lr (log axis), with the suggested lrs marked."""
    traces = [go.Scatter(x=test.lrs, y=test.losses, mode="lines", name="smoothed loss",
                         line={"color": "#4f46e5", "width": 2.5}, hovertemplate="lr %{x:.3g}: %{y:.4g}<extra></extra>"),
              go.Scatter(x=test.lrs, y=test.raw_losses, mode="lines", name="mini-batch loss", opacity=0.3,
                         line={"color": "#4f46e5", "width": 1}, hoverinfo="skip")]
    shapes, notes = [], []
    for (name, lr), color, top in zip(marked.items(), ("#dc2626", "#059669"), (True, False), strict=False):
        shapes.append(_vline(lr, name=name, color=color, dash="dash", width=2))
        # on a log axis an annotation's x is log10 of the value (a shape's is the value itself):
        # given the value, plotly's add_vline put this label a decade away from its line
        notes.append({"text": f"{name}: {lr:.3g}", "xref": "x", "yref": "paper", "x": math.log10(lr),
                      "y": 1 if top else 0, "yanchor": "top" if top else "bottom",
                      "xanchor": "left" if top else "right", "showarrow": False, "font": {"color": color},
                      "bgcolor": "rgba(255,255,255,0.8)"})
    layout = _layout("LR range test: loss while the lr grows exponentially", "loss", "lr", True, present,
                     shapes=shapes, annotations=notes, showlegend=True, hovermode="closest")
    layout["xaxis"].update(type="log", exponentformat="power")
    layout["margin"]["t"] += style(present).font + 10  # the legend stands above the plot
    return go.Figure(traces, layout)
