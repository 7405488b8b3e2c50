"""Figures and tables turned once into what the browser receives, so a cached chart costs a rerun nothing.

`frozen(build, result, *view)` builds a chart or a table once per run and view for every session of
the process and keeps it as a `PlainFigure` or an Arrow table (a plain LRU rather than `st.cache_*`:
Streamlit re-reads a decorated function's source on every rerun of a script that defines it).

Streamlit's `plotly_chart` rebuilds a plain dict into a validated `go.Figure` on every call (3 ms for an
empty one, about 10 ms for a chart of four schedules), and turns a `go.Figure` into a dict by deep
copying it; `dataframe` converts a pandas frame to Arrow on every call. A `PlainFigure` holds the
figure's dict (numpy arrays already base64 typed arrays), and `arrow_table` the table's Arrow form,
so an app that caches them pays only for sending them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from plotly.basedatatypes import BaseFigure

from lrviz.training.results import Result


class PlainFigure(BaseFigure):
    """A figure frozen as the dict Plotly.js reads.

    It is a `BaseFigure` only so that Streamlit takes its `to_dict()` as already validated; it has no
    graph-object properties (no `update_layout`, no `data`): build the figure first, then freeze it.
    """

    def __init__(self, figure: go.Figure) -> None:  # not BaseFigure.__init__: no validators, no template copy
        self._plain = figure.to_dict()

    def to_dict(self) -> dict:
        return self._plain

    def to_plotly_json(self) -> dict:
        return self._plain

    def __repr__(self) -> str:
        return f"PlainFigure({len(self._plain.get('data', []))} traces)"


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, which `st.dataframe` sends without converting it again."""
    return pa.Table.from_pandas(frame, preserve_index=False)


class _LRU:
    """At most `size` values, the least recently used dropped first; safe for every session's thread."""

    def __init__(self, size: int) -> None:
        self.size, self._values, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()  # outside the lock: two sessions may build the same chart once each, harmlessly
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


_CHARTS, _TABLES = _LRU(256), _LRU(256)


def frozen(build: Callable[..., Any], result: Result, *view: Any, **options: Any) -> Any:
    """`build(result, *view, **options)` (a figure, a frame or None), computed once per run and view and
    kept frozen: the run is named by its labels, schedules and experiment, which determine the result."""
    run = repr((result.labels, [str(item.schedule) for item in result.resolved], result.experiment))
    key = (build.__module__, build.__qualname__, run, view, tuple(sorted(options.items())))

    def make() -> Any:
        built = build(result, *view, **options)
        if isinstance(built, pd.DataFrame):
            return arrow_table(built)
        return None if built is None else PlainFigure(built)

    return _CHARTS.get(key, make)


def table(rows: list[dict]) -> pa.Table:
    """A small table of plain values (rows of dicts), converted to Arrow once."""
    key = tuple(tuple(row.items()) for row in rows)
    return _TABLES.get(key, lambda: arrow_table(pd.DataFrame(rows)))
