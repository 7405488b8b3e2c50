"""Figures of a sweep (`lrviz.training.sweep`): pure functions of its tidy frame, testable without a browser.

- `scrub_figure`: the curves of one value drawn bright over the whole family drawn faintly, with Plotly's own
  slider whose steps swap the bright curves in the browser (method "update": no server round trip);
- `sweep_figure`: a metric (final, best or mean of the last epochs' loss) against the value, one line per
  schedule, a band over the seeds, diverged values marked at the top, the current value marked;
- `heatmap_figure`: two values at once (the lr and a schedule parameter), hovering a cell shows its run's curve.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrviz.page.figures import PLOTLY_CONFIG, palette, style
from lrviz.schedules.markup import plotly_text
from lrviz.training.sweep import METRICS, per_seed, summary

SCRUB_CONFIG = PLOTLY_CONFIG
FAINT = 0.18  # opacity of the family behind the current value
SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 24  # characters of a hover's curve
METRIC_COLUMNS = {"final": "final_loss", "best": "best_loss", "last": "last_loss_mean"}


def value_text(value: float) -> str:
    return f"{value:.4g}"


def _curves(frame: pd.DataFrame, column: str, label: str, values: tuple, field: str) -> np.ndarray:
    """(values, seeds, epochs) of one schedule's `field`."""
    rows = frame[frame["schedule"] == label]
    epochs, seeds = int(frame["epoch"].max()), frame["seed"].nunique()
    out = np.full((len(values), seeds, epochs), np.nan)
    for j, value in enumerate(values):
        part = rows[rows[column] == value].sort_values(["seed", "epoch"])
        out[j, :, :] = part[field].to_numpy().reshape(seeds, epochs)
    return out


def _family(x: np.ndarray, curves: np.ndarray) -> tuple[list, list]:
    """Many curves as one trace, separated by gaps: the family costs one trace per schedule, not one per value."""
    xs, ys = [], []
    for curve in curves:
        xs += [*x.tolist(), None]
        ys += [*[None if not math.isfinite(v) else v for v in curve.tolist()], None]
    return xs, ys


def _band(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[list, list]:
    """A closed outline from low (left to right) back along high: a `fill="toself"` band."""
    return [*x.tolist(), *x[::-1].tolist()], [*low.tolist(), *high[::-1].tolist()]


def scrub_figure(frame: pd.DataFrame, column: str, values: tuple, labels: tuple, current: int,
                 present: bool = False) -> go.Figure:  # fmt: skip
    """Loss (above) and lr (below) per epoch at values[current], every value faintly behind, and a slider
    whose steps restyle the bright traces in the browser. With several seeds: their mean and a min-max band."""
    look, colors = style(present), palette(len(labels))
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.06)
    x = np.arange(1, int(frame["epoch"].max()) + 1)
    seeds = frame["seed"].nunique()
    bright: list[tuple[int, list]] = []  # (trace index, y per value)
    for k, label in enumerate(labels):
        loss = _curves(frame, column, label, values, "loss")
        lr = _curves(frame, column, label, values, "lr")[:, 0]
        mean = loss.mean(axis=1)
        for row, curves in ((1, mean), (2, lr)):
            fx, fy = _family(x, curves)
            figure.add_trace(go.Scatter(x=fx, y=fy, mode="lines", line={"color": colors[k], "width": 1},
                                        opacity=FAINT, hoverinfo="skip", showlegend=False, legendgroup=label,
                                        name=f"{label} · every {column}"), row=row, col=1)
        if seeds > 1:
            bx, _ = _band(x, mean[current], mean[current])
            bands = [_band(x, curve.min(axis=0), curve.max(axis=0))[1] for curve in loss]
            figure.add_trace(go.Scatter(x=bx, y=bands[current], fill="toself", line={"width": 0},
                                        fillcolor=colors[k], opacity=0.2, hoverinfo="skip", showlegend=False,
                                        legendgroup=label, name=f"{label} · seeds"), row=1, col=1)
            bright.append((len(figure.data) - 1, bands))
        for row, curves, name in ((1, mean, "loss"), (2, lr, "lr")):
            figure.add_trace(go.Scatter(x=x, y=curves[current], mode="lines", name=plotly_text(label, 60),
                                        legendgroup=label, showlegend=row == 1, line={"color": colors[k],
                                        "width": look.line}, hovertemplate=f"{name} %{{y:.4g}}<extra></extra>"),
                             row=row, col=1)
            bright.append((len(figure.data) - 1, [curve.tolist() for curve in curves]))
    indices = [index for index, _ in bright]
    # "restyle" of the bright traces only: a layout change as well ("update") redraws the whole chart; the
    # slider's own label names the value
    steps = [{"label": f"{value:.3g}", "method": "restyle", "args": [{"y": [ys[j] for _, ys in bright]}, indices]}
             for j, value in enumerate(values)]  # fmt: skip
    figure.update_layout(
        title={"text": _title(column, seeds), "font": {"size": look.title}},
        height=look.height + 160, font={"size": look.font}, margin={"t": 60, "b": 30}, hovermode="x unified",
        legend={"orientation": "h", "y": -0.32}, uirevision=column,
        sliders=[{"active": current, "steps": steps, "pad": {"t": 40}, "transition": {"duration": 0},
                  "currentvalue": {"prefix": f"{column} = ", "font": {"size": look.font}}}],
    )
    figure.update_yaxes(type="log", title_text="loss", row=1, col=1)
    figure.update_yaxes(title_text="lr", type="log" if column == "base_lr" else "linear", row=2, col=1)
    figure.update_xaxes(title_text="epoch", row=2, col=1)
    return figure


def _title(column: str, seeds: int) -> str:
    over = f", mean of {seeds} seeds" if seeds > 1 else ""
    return f"Scrub: {column}{over} (the slider's value bright, every other faintly behind)"


def sweep_figure(frame: pd.DataFrame, column: str, labels: tuple, metric: str = "final",
                 current: float | None = None, log_x: bool = False, present: bool = False) -> go.Figure:  # fmt: skip
    """`metric` of the loss against the value, one line per schedule (the mean over the seeds), a band from the
    lowest to the highest seed; a value where any seed diverged is an ✕ at the top of the chart, not a gap."""
    look, colors = style(present), palette(len(labels))
    table, seeds = summary(frame, column), per_seed(frame, column)
    field = METRIC_COLUMNS[metric]
    finite = table[field][np.isfinite(table[field])]
    top = float(finite.max()) * 3 if len(finite) else 1.0
    figure = go.Figure()
    marked = False
    for k, label in enumerate(labels):
        rows = table[table["schedule"] == label].sort_values(column)
        x, y = rows[column].to_numpy(), rows[field].to_numpy()
        if (rows["seeds"] > 1).any():
            mine = seeds[seeds["schedule"] == label]
            spread = mine[~mine[column].isin(rows.loc[rows["diverged"], column])].groupby(column)[field]
            bx, by = _band(spread.min().index.to_numpy(), spread.min().to_numpy(), spread.max().to_numpy())
            figure.add_trace(go.Scatter(x=bx, y=by, fill="toself", line={"width": 0}, fillcolor=colors[k],
                                        opacity=0.2, hoverinfo="skip", showlegend=False, legendgroup=label))
        figure.add_trace(go.Scatter(x=x, y=np.where(rows["diverged"], np.nan, y), mode="lines+markers",
                                    name=plotly_text(label, 60), legendgroup=label,
                                    line={"color": colors[k], "width": look.line},
                                    hovertemplate=f"{column} %{{x:.4g}}: %{{y:.4g}}<extra></extra>"))
        diverged = rows[rows["diverged"]]
        if len(diverged):
            height = top * 4**k  # one row of ✕ per schedule: they do not hide each other
            figure.add_trace(go.Scatter(x=diverged[column], y=[height] * len(diverged), mode="markers",
                                        marker={"symbol": "x", "size": 12, "color": colors[k]},
                                        showlegend=not marked, legendgroup=label, name="✕ diverged",
                                        hovertemplate=f"{column} %{{x:.4g}}: diverged<extra></extra>"))
            marked = True
    if current is not None:
        figure.add_vline(x=current, line={"dash": "dash", "color": "#555"}, annotation_text="current",
                         annotation_position="top")
    figure.update_layout(title={"text": f"{METRICS[metric].capitalize()} against {column}",
                                "font": {"size": look.title}}, height=look.height, font={"size": look.font},
                         legend={"orientation": "h", "y": -0.25}, margin={"t": 60})
    figure.update_xaxes(title_text=column, type="log" if log_x else "linear")
    figure.update_yaxes(title_text=METRICS[metric], type="log")
    return figure


def sparkline(loss: np.ndarray) -> str:
    """A curve as a line of block characters (log scale), for a hover: ✕ from where it diverged."""
    points = np.asarray(loss, dtype=float)
    if len(points) > SPARK_WIDTH:
        points = points[np.linspace(0, len(points) - 1, SPARK_WIDTH).round().astype(int)]
    finite = points[np.isfinite(points) & (points > 0)]
    if not len(finite):
        return "✕" * len(points)
    low, high = np.log(finite.min()), np.log(finite.max())
    span = high - low or 1.0
    return "".join(SPARKS[min(7, int((np.log(p) - low) / span * 7.999))] if np.isfinite(p) and p > 0 else "✕"
                   for p in points)  # fmt: skip


def heatmap_figure(frame: pd.DataFrame, rows: str, columns: str, label: str, metric: str = "final",
                   present: bool = False) -> go.Figure:  # fmt: skip
    """`metric` over two values (rows × columns; the lr usually across, on a log axis); diverged cells are ✕;
    a cell's hover shows its run's loss curve, drawn in characters, so nothing is asked of the server."""
    look = style(present)
    part = frame[frame["schedule"] == label]
    table = summary(part.assign(cell=list(zip(part[rows], part[columns], strict=True))), "cell")
    field = METRIC_COLUMNS[metric]
    ys, xs = sorted(part[rows].unique()), sorted(part[columns].unique())
    z = np.full((len(ys), len(xs)), np.nan)
    hover = np.full((len(ys), len(xs)), "", dtype=object)
    diverged_x, diverged_y = [], []
    first_seed = part[part["seed"] == part["seed"].min()]
    for (y_value, x_value), value, broke in zip(table["cell"], table[field], table["diverged"], strict=True):
        i, j = ys.index(y_value), xs.index(x_value)
        z[i, j] = np.nan if broke else np.log10(value)
        run = first_seed[(first_seed[rows] == y_value) & (first_seed[columns] == x_value)]
        hover[i, j] = f"{'diverged' if broke else f'{value:.4g}'}<br>{sparkline(run['loss'].to_numpy())}"
        if broke:
            diverged_x.append(j)
            diverged_y.append(i)
    names_x, names_y = [value_text(v) for v in xs], [value_text(v) for v in ys]
    figure = go.Figure(go.Heatmap(x=names_x, y=names_y, z=z, customdata=hover, colorscale="Viridis_r",
                                  colorbar={"title": {"text": f"log10 {METRICS[metric]}"}},
                                  hovertemplate=f"{columns} %{{x}}, {rows} %{{y}}<br>{METRICS[metric]} "
                                  "%{customdata}<extra></extra>"))
    if diverged_x:
        figure.add_trace(go.Scatter(x=[names_x[j] for j in diverged_x], y=[names_y[i] for i in diverged_y],
                                    mode="markers", marker={"symbol": "x", "size": 14, "color": "#d62728"},
                                    name="diverged", hovertemplate="diverged<extra></extra>"))
    figure.update_layout(title={"text": f"{METRICS[metric].capitalize()} of {plotly_text(label, 50)} over "
                                f"{columns} × {rows}", "font": {"size": look.title}}, height=look.height + 60,
                         font={"size": look.font}, margin={"t": 60})
    figure.update_xaxes(title_text=columns, type="category")
    figure.update_yaxes(title_text=rows, type="category")
    return figure
