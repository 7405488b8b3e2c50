"""The replay: the loss landscape with every run's path, step by step, beside its lr and loss.

A pure function of a Result. Frames change only the three marker traces, never the contour,
so the landscape is drawn once and does not flash; frames are optimizer steps, denser at the
start where the weights move most, at most `max_frames` of them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from lrviz.page.figures import palette
from lrviz.schedules.markup import plotly_text
from lrviz.training.experiment import make_data
from lrviz.training.landscape import Range, kept_steps, level_curves
from lrviz.training.results import Result

SPEEDS = {"▶ Slow": 250, "▶ Play": 90, "▶▶ Fast": 30}  # ms per frame
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star-triangle-up", "hexagon", "cross")


def frame_steps(total_steps: int, max_frames: int = 120) -> np.ndarray:
    """Optimizer steps to show, from 0 to the last: quadratically spaced, so that the first epoch,
    where the weights move most, gets many frames (a fifth of them in the first 5% of training)."""
    count = min(total_steps + 1, max_frames)
    return np.unique(np.round(total_steps * np.linspace(0.0, 1.0, count) ** 2).astype(int))


def replay_states(result: Result, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At each step: the (w1, w2) of every run (frames, K, 2), the lr it trains with and its loss on the
    whole training set (frames, K), from the weights kept nearest before that step."""
    kept, weights = kept_steps(result)
    at = weights[np.searchsorted(kept, steps, side="right") - 1]  # (frames, K, features + 1)
    data = make_data(result.experiment)
    with np.errstate(all="ignore"):  # a diverged run is NaN
        residual = np.einsum("nd,fkd->fkn", data.x_train, at) - data.y_train[:, 0]
        loss = np.mean(residual**2, axis=2)
    lr = result.lr[np.minimum(steps, len(result.lr) - 1)]
    return at[:, :, :2], lr, loss


def _contours(curves: list[tuple[float, np.ndarray]]) -> list[go.Scatter]:
    """The loss's level ellipses, largest first, each filled a lighter blue toward the minimum.
    Scatter traces, not a plotly contour: an animation frame never redraws them."""
    shades = sample_colorscale("Blues", list(np.linspace(0.75, 0.04, len(curves))))
    return [go.Scatter(x=curve[:, 0], y=curve[:, 1], mode="lines", fill="toself", fillcolor=shade,
                       line={"color": "rgba(30, 64, 120, 0.35)", "width": 0.8}, hoverinfo="skip",
                       showlegend=False, name=f"loss {level:.3g} above the minimum")
            for (level, curve), shade in zip(curves, shades, strict=True)]


def _markers(weights: np.ndarray, lr: np.ndarray, loss: np.ndarray, x: float, colors: list[str]) -> list[go.Scatter]:
    """The three moving markers of one frame: position on the landscape, lr and loss."""
    symbols = [SYMBOLS[k % len(SYMBOLS)] for k in range(len(colors))]
    marker = {"size": 12, "color": colors, "symbol": symbols, "line": {"color": "#111827", "width": 1.5}}
    common = {"mode": "markers", "marker": marker, "showlegend": False, "hoverinfo": "skip"}
    return [go.Scatter(x=weights[:, 0], y=weights[:, 1], **common),
            go.Scatter(x=[x] * len(colors), y=lr, **common), go.Scatter(x=[x] * len(colors), y=loss, **common)]


def _controls(labels: dict[str, str], font: int = 12) -> dict:
    """Play buttons at three speeds, pause, and a slider over the frames. Frames never redraw the
    whole figure: only the marker traces move, so the contour stays on screen."""
    def animate(duration: int) -> dict:
        return {"frame": {"duration": duration, "redraw": False}, "transition": {"duration": 0},
                "mode": "immediate", "fromcurrent": True}

    buttons = [{"label": label, "method": "animate", "args": [None, animate(ms)]} for label, ms in SPEEDS.items()]
    buttons.append({"label": "❚❚ Pause", "method": "animate", "args": [[None], animate(0)]})
    steps = [{"label": label, "method": "animate", "args": [[name], animate(0)]} for name, label in labels.items()]
    return {"updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": -0.1, "xanchor": "left",
                             "yanchor": "top", "pad": {"t": 0, "r": 8}, "showactive": False, "buttons": buttons,
                             "font": {"size": font}}],
            # 120 tick labels would overlap: the slider shows the current one only
            "sliders": [{"active": 0, "x": 0.36, "len": 0.64, "y": -0.08, "yanchor": "top", "steps": steps,
                         "ticklen": 0, "font": {"color": "rgba(0, 0, 0, 0)"}, "pad": {"t": 0},
                         "currentvalue": {"prefix": "optimizer step ", "font": {"color": "#374151", "size": font}}}]}


def _path_traces(result: Result, paths: list[np.ndarray], colors: list[str]) -> list[go.Scatter]:
    """Each run's whole path, shown from the first frame: the first drawn widest, so that a path drawn
    over it leaves its edges showing, and faint, so that paths on one valley floor blend instead of the
    last hiding the rest. Each ends in an open marker of its run's symbol: runs that follow the same
    line (gradient descent on one valley does) differ in where they stop, and that shows before Play."""
    count = len(paths)
    lines = [go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name=plotly_text(label), hoverinfo="skip",
                        opacity=0.55, legendgroup=f"path{k}",
                        line={"color": color, "width": 2 + 2.5 * (count - 1 - k) / max(count - 1, 1),
                              "dash": DASHES[k % len(DASHES)]})
             for k, (path, label, color) in enumerate(zip(paths, result.labels, colors, strict=True))]
    ends = [go.Scatter(x=path[-1:, 0], y=path[-1:, 1], mode="markers", legendgroup=f"path{k}", showlegend=False,
                       name=plotly_text(label), hovertemplate="ends at (%{x:.3g}, %{y:.3g})",
                       marker={"symbol": f"{SYMBOLS[k % len(SYMBOLS)]}-open", "size": 13, "color": color,
                               "line": {"width": 2.5, "color": color}})
            for k, (path, label, color) in enumerate(zip(paths, result.labels, colors, strict=True)) if len(path)]
    return lines + ends


def replay_figure(result: Result, window: tuple[Range, Range], paths: list[np.ndarray],
                  true_weights: tuple[float, float], max_frames: int = 120,
                  colors: tuple[str, ...] | None = None, present: bool = False) -> go.Figure:  # fmt: skip
    """The loss landscape on equal axis scales with each run's path, beside its lr and loss, and a
    replay per optimizer step that moves a marker in all three."""
    colors = list(colors) if colors and len(colors) == len(result.labels) else palette(len(result.labels))
    spe = result.experiment.steps_per_epoch
    steps = frame_steps(len(result.lr), max_frames)
    weights, lrs, losses = replay_states(result, steps)
    figure = make_subplots(rows=2, cols=2, column_widths=[0.56, 0.44], horizontal_spacing=0.09,
                           vertical_spacing=0.14, specs=[[{"rowspan": 2}, {}], [None, {}]],
                           subplot_titles=("Loss over (w1, w2), bias at its optimum; ★ true weights",
                                           "Learning rate", "Training loss (whole training set)"))
    for trace in _contours(level_curves(result.experiment, window)) + _path_traces(result, paths, colors):
        figure.add_trace(trace, row=1, col=1)
    for k, label in enumerate(result.labels):
        line = {"color": colors[k], "width": 2, "dash": DASHES[k % len(DASHES)]}
        figure.add_trace(go.Scatter(x=steps / spe, y=lrs[:, k], mode="lines", line={**line, "shape": "hv"},
                                    name=plotly_text(label), showlegend=False, hovertemplate="%{y:.4g}"), row=1, col=2)
        figure.add_trace(go.Scatter(x=steps / spe, y=losses[:, k], mode="lines", line=line,
                                    name=plotly_text(label), showlegend=False, hovertemplate="%{y:.4g}"), row=2, col=2)
    figure.add_trace(go.Scatter(x=[true_weights[0]], y=[true_weights[1]], mode="markers", name="true weights",
                                marker={"symbol": "star", "size": 16, "color": "#f59e0b",
                                        "line": {"color": "black", "width": 1}}), row=1, col=1)
    first = len(figure.data)
    for trace, (row, col) in zip(_markers(weights[0], lrs[0], losses[0], 0.0, colors), [(1, 1), (1, 2), (2, 2)],
                                 strict=True):  # fmt: skip
        figure.add_trace(trace, row=row, col=col)
    epochs = result.experiment.epochs
    # the epoch a step belongs to, counted from 1 as the charts count (step 0 is the start of epoch 1)
    labels = {str(step): f"{step} (epoch {min(step // spe + 1, epochs)})" for step in steps}
    figure.frames = [go.Frame(data=_markers(weights[i], lrs[i], losses[i], steps[i] / spe, colors), name=name,
                              traces=[first, first + 1, first + 2]) for i, name in enumerate(labels)]
    font = 18 if present else 12  # presenting, every text is readable from the back of the room
    figure.update_layout(height=680, margin={"l": 10, "r": 10, "t": 40, "b": 150}, hovermode="closest",
                         font={"size": font}, legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0,
                                                      "font": {"size": font}}, **_controls(labels, font))
    figure.update_annotations(font_size=font + 2)  # the subplot titles
    figure.update_xaxes(title_text="w1", showgrid=False, range=list(window[0]), constrain="domain", row=1,
                        col=1)
    # equal scales: a valley ten times longer than wide looks ten times longer than wide
    figure.update_yaxes(title_text="w2", showgrid=False, range=list(window[1]), scaleanchor="x", scaleratio=1,
                        row=1, col=1)
    figure.update_xaxes(title_text="epochs done", row=2, col=2)
    figure.update_xaxes(tickfont_size=font)
    figure.update_yaxes(tickfont_size=font)
    figure.update_yaxes(type="log", exponentformat="power", dtick=1, row=2, col=2)  # decades only
    return figure
