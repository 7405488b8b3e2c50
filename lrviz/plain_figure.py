"""Figures and tables turned once into what the browser receives, so a cached chart costs a rerun nothing.

Streamlit's `plotly_chart` rebuilds a plain dict into a validated `go.Figure` on every call (3 ms for an
empty one, about 10 ms for a chart of four schedules), and turns a `go.Figure` into a dict by deep
copying it; `dataframe` converts a pandas frame to Arrow on every call. A `PlainFigure` holds the
figure's dict (numpy arrays already base64 typed arrays), and `arrow_table` the table's Arrow form,
so an app that caches them pays only for sending them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from plotly.basedatatypes import BaseFigure


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
