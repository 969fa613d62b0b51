"""Plotly figures written as plain JSON: what plotly.js reads, without plotly's validation.

``go.Figure`` validates every property it is given, through plotly's object tree; for a figure
of a few traces that cost 10-20 ms, most of a slider move on the calculus pages. A builder
writes trace dicts and a layout dict instead (:func:`scatter`, :func:`layout`) and wraps them in
:class:`Figure`, which ``st.plotly_chart`` takes as it takes a ``go.Figure``. The tests validate
every builder's output with plotly (:meth:`Figure.checked`, ``Figure.data``,
``Figure.layout``), so a property plotly does not know still fails, once, in a test.

A chart redrawn at every step of a run (the regression page's stepper) keeps what all steps
share in a :class:`Base`, whose arrays are converted to plotly's JSON once, when it is built;
each step's :class:`Figure` adds only its own few traces (and replay frames) on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.basedatatypes import BaseFigure

_TEMPLATES: dict[str, dict] = {}
_NESTED = (dict, list, tuple, np.ndarray)


def _template() -> dict:
    """The JSON of plotly's current default template (Streamlit's own once streamlit is
    loaded), which ``go.Figure`` would put into every figure; read once per template."""
    name = pio.templates.default
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json() if name else {}
    return _TEMPLATES[name]


def _typed(value: Any, key: str = "") -> Any:
    """`value` with its numpy arrays in plotly's base64 form, as ``go.Figure.to_dict`` writes
    them (plotly leaves ``range`` alone). Lists stay lists: builders write small ones (a
    line's two ends) as lists on purpose."""
    if isinstance(value, np.ndarray):
        return value if key == "range" else to_typed_array_spec(value)
    if isinstance(value, dict):
        return {k: _typed(v, k) if isinstance(v, _NESTED) else v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typed(v) if isinstance(v, _NESTED) else v for v in value]
    return value


@dataclass(frozen=True, eq=False)
class Base:
    """What a chart shows at every step of a run: traces, layout, replay frames by step.

    ``frames[s]`` is the frame of step s of a replay ``frame_count`` steps long, made in
    advance for the steps every figure of the run animates. ``typed_traces`` are the traces
    with their arrays already in plotly's base64 form, made once here instead of at every
    step."""

    traces: tuple[dict, ...]
    layout: dict
    frames: dict[int, dict] = field(default_factory=dict)
    frame_count: int = 0
    typed_traces: tuple[dict, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "typed_traces", tuple(_typed(t) for t in self.traces))


class Figure(BaseFigure):
    """A plotly figure held as the plain JSON plotly.js reads: trace dicts, a layout dict and
    animation frame dicts, drawn over the traces of a shared `base` if given.

    ``st.plotly_chart`` takes it like a ``go.Figure``: it asks for :meth:`to_dict` (the traces,
    and the layout with plotly's default template, as ``go.Figure`` would give), without
    plotly's validation of every property. ``data``, ``layout`` and ``frames`` are plotly's
    validated objects, built on first use (tests and notebooks read them), so a builder that
    writes a property plotly does not know fails there. Treat a Figure as read-only: builders
    are cached and their figures shared (``ui.charts.cache``), and a base is shared by every
    step of a run.
    """

    def __init__(self, traces: Sequence[dict], layout: dict, frames: Sequence[dict] = (),
                 base: Base | None = None) -> None:
        # BaseFigure.__init__ is skipped on purpose: it builds the validated objects.
        self._base = base
        self._traces = list(traces)
        self._layout_spec = layout
        self._frame_specs = list(frames)
        self._checked: go.Figure | None = None
        self._json: dict[str, dict] = {}

    def _all_traces(self) -> list[dict]:
        return [*(self._base.traces if self._base else ()), *self._traces]

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` with arrays in base64, as plotly sends them, and
        ``"frames"`` if there are any. Frames are sent as given, so builders write them with
        lists: converting a replay's 60 frames at every step would cost more than making them.

        The JSON is built once per template, the base's traces only once per base; each call
        returns fresh outer dicts, so a caller that pops a key (plotly.io.to_json drops trace
        ``uid``) leaves the figure intact."""
        name = pio.templates.default
        if name not in self._json:
            shared = list(self._base.typed_traces) if self._base else []
            self._json[name] = {"data": shared + _typed(self._traces),
                                "layout": {**_typed(self._layout_spec), "template": _template()}}
        found = self._json[name]
        spec = {"data": [dict(trace) for trace in found["data"]], "layout": dict(found["layout"])}
        if self._frame_specs:
            spec["frames"] = list(self._frame_specs)
        return spec

    def to_plotly_json(self) -> dict:
        return self.to_dict()

    def checked(self) -> go.Figure:
        """The same figure as a validated ``go.Figure`` (raises if a property is unknown)."""
        if self._checked is None:
            self._checked = go.Figure({"data": self._all_traces(), "layout": self._layout_spec,
                                       "frames": self._frame_specs})
        return self._checked

    @property
    def data(self):
        return self.checked().data

    @property
    def layout(self):
        return self.checked().layout

    @property
    def frames(self):
        return self.checked().frames

    def __repr__(self) -> str:
        return f"Figure({len(self._all_traces())} traces, {len(self._frame_specs)} frames)"


def scatter(x, y, name: str | None, mode: str = "lines", **props) -> dict:
    """A scatter trace as plotly.js reads it; properties given as None are left out."""
    trace = {"type": "scatter", "x": x, "y": y, "name": name, "mode": mode, **props}
    return {key: value for key, value in trace.items() if value is not None}


AXES_MARGIN = {"l": 70, "r": 24, "t": 40, "b": 70}
"""Margins (px) with room for both axes' tick labels and titles, as plotly would make it.

Streamlit's chart theme turns plotly's ``automargin`` on: a margin too small for the axes is
grown after the axes are drawn, and then plotly draws the whole chart a second time. Starting
from the room the axes take (tick labels up to 4 characters, a title, the theme's standoff:
65-72 px left and below at 1280 and 390 px) draws it once, so a chart costs the browser about
half as much (a contour map with labels: 160 -> 90 ms). Labels that need more still get it,
with the second pass. The legend above and a colour bar on the right are placed before the
first pass, so the top and right margins stay small."""


def axes_layout(x_title: str, y_title: str, height: int = 380, **more) -> dict:
    """:func:`layout` with ``AXES_MARGIN`` (a `margin` in `more` still wins)."""
    return layout(x_title, y_title, height, **{"margin": dict(AXES_MARGIN), **more})


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
