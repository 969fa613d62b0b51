"""Plotly figures written as plain JSON: what plotly.js reads, without plotly's validation.

``go.Figure`` validates every property it is given, through plotly's object tree; for a figure
of a few traces that cost 10-20 ms, most of a slider move on the calculus pages. A builder
writes trace dicts and a layout dict instead (:func:`scatter`, :func:`layout`) and wraps them in
:class:`Figure`, which ``st.plotly_chart`` takes as it takes a ``go.Figure``. The tests validate
every builder's output with plotly (:meth:`Figure.checked`, ``Figure.data``,
``Figure.layout``), so a property plotly does not know still fails, once, in a test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.basedatatypes import BaseFigure

_TEMPLATES: dict[str, dict] = {}


def _template() -> dict:
    """The JSON of plotly's current default template (Streamlit's own once streamlit is
    loaded), which ``go.Figure`` would put into every figure; read once per template."""
    name = pio.templates.default
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json() if name else {}
    return _TEMPLATES[name]


def _typed(value: Any, key: str = "") -> Any:
    """`value` with its numpy arrays in plotly's base64 form, as ``go.Figure.to_dict`` writes
    them (plotly leaves ``range`` alone)."""
    if isinstance(value, np.ndarray):
        return value if key == "range" else to_typed_array_spec(value)
    if isinstance(value, dict):
        return {k: _typed(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(v) if isinstance(v, dict | list | tuple | np.ndarray) else v
                for v in value]
    return value


class Figure(BaseFigure):
    """A plotly figure held as the plain JSON plotly.js reads: trace dicts and a layout dict.

    ``st.plotly_chart`` takes it like a ``go.Figure``: it asks for :meth:`to_dict` (the traces,
    and the layout with plotly's default template, as ``go.Figure`` would give), without
    plotly's validation of every property. ``data`` and ``layout`` are plotly's validated
    objects, built on first use (tests and notebooks read them), so a builder that writes a
    property plotly does not know fails there. Treat a Figure as read-only: builders are
    cached and their figures shared (``ui.chart_cache``).
    """

    def __init__(self, traces: list[dict], layout: dict) -> None:
        # BaseFigure.__init__ is skipped on purpose: it builds the validated objects.
        self._traces = traces
        self._layout_spec = layout
        self._checked: go.Figure | None = None
        self._json: dict[str, dict] = {}

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` with arrays in base64, as plotly sends them.

        The JSON is built once per template; each call returns fresh outer dicts, so a caller
        that pops a key (plotly.io.to_json drops trace ``uid``) leaves the figure intact."""
        name = pio.templates.default
        if name not in self._json:
            self._json[name] = {"data": _typed(self._traces),
                                "layout": {**_typed(self._layout_spec), "template": _template()}}
        found = self._json[name]
        return {"data": [dict(trace) for trace in found["data"]], "layout": dict(found["layout"])}

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def checked(self) -> go.Figure:
        """The same figure as a validated ``go.Figure`` (raises if a property is unknown)."""
        if self._checked is None:
            self._checked = go.Figure({"data": self._traces, "layout": self._layout_spec})
        return self._checked

    @property
    def data(self):
        return self.checked().data

    @property
    def layout(self):
        return self.checked().layout

    def __repr__(self) -> str:
        return f"Figure({len(self._traces)} traces)"


def scatter(x, y, name: str | None, mode: str = "lines", **props) -> dict:
    """A scatter trace as plotly.js reads it; properties given as None are left out."""
    trace = {"type": "scatter", "x": x, "y": y, "name": name, "mode": mode, **props}
    return {key: value for key, value in trace.items() if value is not None}


def layout(x_title: str, y_title: str, height: int = 380, **more) -> dict:
    """The shared look: titled axes, transparent background, legend above the plot (fits
    phones). `more` adds or replaces layout keys (``xaxis`` and ``yaxis`` are merged)."""
    spec = {
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "height": height,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
        "xaxis": {"title": {"text": x_title}, "zeroline": True},
        "yaxis": {"title": {"text": y_title}, "zeroline": True},
    }
    for key, value in more.items():
        spec[key] = {**spec[key], **value} if key in ("xaxis", "yaxis") else value
    return spec
