"""Plotly figure builders for the calculus pages: arrays in, a plotly figure out (the
Gradients page's contour map and directional derivative are :mod:`ui.calculus.gradient_figures`).

No streamlit here and no calculus either: every value that is a derivative, a gradient or a
subdifferential arrives already computed by ``gradcore``. What these functions do is geometry
for display (a line through a point with a slope, arrow segments, the crossing of two sampled
curves), which is why their data is unit-tested in ``tests/test_figures.py``.

Every figure has titled axes, colours from :mod:`ui.charts.palette` (one colour per idea) and a
transparent background so Streamlit's light and dark themes both read. Colour is never the only
signal: within a figure, marks of different meaning also differ by dash, width or marker shape
(f solid and thick, tangents and supporting lines dashed, secants and rejected lines dotted,
the reference answer an x, a star or a diamond); traces of one meaning share a ``legendgroup``.

The builders write plotly's JSON directly (:mod:`ui.charts.spec`): a ``go.Figure`` validated
every property, 10-20 ms per figure, most of a slider move; the tests validate instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gradcore.number_text import significant
from ui.charts import palette
from ui.charts.spec import Figure, axes_layout, layout, scatter
from ui.shell.text import plotly_inert

if TYPE_CHECKING:
    from gradcore.expressions.kinks import Kink

LINE_WIDTH = 3
"""The angles θ (degrees) at which :func:`directional_figure` draws ∇f·v."""

def _axis_range(values: np.ndarray, pad: float = 0.12, keep=()) -> dict:
    """``{"range": [...]}`` fitted to the finite values, or nothing when there are none."""
    found = _y_range(values, pad, keep)
    return {} if found is None else {"range": found}


POLE_SPAN = 4.0
"""A curve whose full span is more than this times the span of its middle 96 % has a pole or
a spike (1/x near 0): its y-axis shows the middle part, so the rest of the curve is readable."""


def _y_range(values: np.ndarray, pad: float = 0.12, keep=()) -> list[float] | None:
    """A y-range fitted to the finite values of the curve, so long lines do not rescale it.

    Near a pole (1/x at 0, tan x) the extreme values would flatten everything else, the
    tangent at x₀ = 1 included: then the range is the 5th to 95th percentile of the values,
    widened to hold the finite values in `keep` (the point x₀ and the secant's end).
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    q02, q05, q95, q98 = (float(q) for q in np.percentile(finite, [2.0, 5.0, 95.0, 98.0]))
    if high - low > POLE_SPAN * max(q98 - q02, 1e-300):
        kept = [float(v) for v in keep if v is not None and np.isfinite(v)]
        low, high = min([q05, *kept]), max([q95, *kept])
    span = high - low if high > low else max(1.0, abs(high))
    return [low - pad * span, high + pad * span]


def line_through(x0: float, y0: float, slope: float, xs: np.ndarray) -> np.ndarray:
    """Points of the line y = y0 + slope·(x − x0) at `xs` (tangent, secant or supporting line)."""
    return y0 + slope * (np.asarray(xs, dtype=float) - x0)


def secant_slope(x0: float, y0: float, x1: float, y1: float) -> float:
    """Slope (y1 − y0)/(x1 − x0) of the chord through two points of the curve."""
    return (y1 - y0) / (x1 - x0)


def _ends(xs: np.ndarray) -> np.ndarray:
    """The first and last x: enough to draw a straight line that is not hovered."""
    return np.asarray(xs, dtype=float)[[0, -1]]


def _kink_lines(xs: np.ndarray, x0: float, f0: float, kink: Kink, fan: int = 5) -> list[dict]:
    """At a kink: the two one-sided slopes, the fan of supporting lines between them (convex
    corner only) and gradcore's slope g, labelled "subgradient g = …" or, at a concave corner,
    "midpoint slope … (no subgradient here)"."""
    traces = []
    if kink.interval is not None:
        ends = _ends(xs)
        for i, g in enumerate(np.linspace(kink.left, kink.right, fan + 2)[1:-1]):
            traces.append(scatter(ends, line_through(x0, f0, g, ends),
                                  "supporting lines, g in ∂f(x₀)", legendgroup="fan",
                                  showlegend=i == 0, hoverinfo="skip",
                                  line={"color": palette.NEUTRAL, "width": 1}))
    for side, g in (("left", kink.left), ("right", kink.right)):
        traces.append(scatter(xs, line_through(x0, f0, g, xs),
                              f"slope from the {side} = {significant(g)}",
                              line={"color": palette.NEUTRAL, "width": 1.5,
                                    "dash": "longdash" if side == "left" else "dashdot"}))
    label = f"subgradient g = {significant(kink.slope)}" if kink.interval is not None else \
        f"midpoint slope {significant(kink.slope)} (no subgradient here)"
    traces.append(scatter(xs, line_through(x0, f0, kink.slope, xs), label,
                          line={"color": palette.TANGENT, "width": 2, "dash": "dash"}))
    return traces


def derivative_figure(
    xs: np.ndarray,
    fx: np.ndarray,
    x0: float,
    f0: float | None,
    slope: float | None,
    secant_point: tuple[float, float] | None = None,
    kink: Kink | None = None,
) -> Figure:
    """f with its tangent at (x0, f0) and, optionally, the secant to `secant_point`.

    xs, fx: the sampled curve (NaN where f is undefined leaves a gap).
    slope: f'(x0) from gradcore. secant_point: (x0 + h, f(x0 + h)).
    kink: gradcore's ``Kink`` at x0 (``kink_at(expression, x0)``), or None where f is
    differentiable. At a kink there is no tangent: instead the figure draws the slopes from the
    left and from the right, a light fan of supporting lines between them, and the line of
    gradcore's slope (``kink.slope``, the value of ``slope``) named "subgradient g = …".
    f0 or slope None (undefined at x0): only f and a dotted vertical line at x0.
    Trace names: "f(x)", "tangent" (no kink), "subgradient g = …", "slope from the left = …",
    "slope from the right = …", "supporting lines, g in ∂f(x₀)", "midpoint slope … (no
    subgradient here)" (concave corner), "secant", "x₀ + h", "x₀". Styles: f solid, the tangent
    (or gradcore's line at a kink) dashed, the secant dotted, the one-sided slopes long-dashed
    and dash-dotted, the fan thin; x₀ a circle, x₀ + h a diamond.
    """
    traces = [scatter(xs, fx, "f(x)", line={"color": palette.FUNCTION, "width": LINE_WIDTH})]
    y_axis = _axis_range(fx, keep=(f0, secant_point[1] if secant_point else None))
    if f0 is None or slope is None:
        frame = axes_layout("x", "f(x)", yaxis=y_axis)
        frame["shapes"] = [{"type": "line", "x0": x0, "x1": x0, "xref": "x", "y0": 0, "y1": 1,
                            "yref": "y domain",
                            "line": {"color": palette.NEUTRAL, "dash": "dot"}}]
        frame["annotations"] = [{"x": x0, "xref": "x", "y": 1, "yref": "y domain",
                                 "text": "x₀: undefined here", "showarrow": False,
                                 "xanchor": "left", "yanchor": "top"}]
        return Figure(traces, frame)
    if kink is None:
        traces.append(scatter(xs, line_through(x0, f0, slope, xs), "tangent",
                              line={"color": palette.TANGENT, "width": 2, "dash": "dash"}))
    else:
        traces += _kink_lines(xs, x0, f0, kink)
    if secant_point is not None:
        x1, y1 = secant_point
        chord = secant_slope(x0, f0, x1, y1)
        traces.append(scatter(xs, line_through(x0, f0, chord, xs), "secant",
                              line={"color": palette.SECANT, "width": 2, "dash": "dot"}))
        traces.append(scatter([x1], [y1], "x₀ + h", "markers", showlegend=False,
                              marker={"color": palette.SECANT, "size": 10,
                                      "symbol": "diamond"}))
    traces.append(scatter([x0], [f0], "x₀", "markers", showlegend=False,
                          marker={"color": palette.TANGENT, "size": 11,
                                  "line": {"color": "white", "width": 1}}))
    return Figure(traces, axes_layout("x", "f(x)", yaxis=y_axis))


def derivative_curve_figure(xs: np.ndarray, dfx: np.ndarray, x0: float, slope: float,
                            kink: Kink | None = None) -> Figure:
    """f′ over `xs` with the point (x0, f′(x0)): the tangent's slope read off as a height.

    At a kink (gradcore's ``Kink``) f′ jumps: the one-sided slopes are drawn as open circles
    ("slopes from the left and right") and the point is named "subgradient g at x₀" (or
    "midpoint slope at x₀" at a concave corner) instead of "slope at x₀".
    """
    traces = [scatter(xs, dfx, "f′(x)", line={"color": palette.DERIVATIVE,
                                                "width": LINE_WIDTH})]
    name = "slope at x₀"
    if kink is not None:
        traces.append(scatter([x0, x0], [kink.left, kink.right],
                              "slopes from the left and right", "markers",
                              marker={"color": palette.DERIVATIVE, "size": 10,
                                      "symbol": "circle-open", "line": {"width": 2}}))
        name = "subgradient g at x₀" if kink.interval is not None else "midpoint slope at x₀"
    traces.append(scatter([x0], [slope], name, "markers",
                          marker={"color": palette.TANGENT, "size": 11}))
    return Figure(traces, axes_layout("x", "f′(x)", yaxis=_axis_range(dfx, keep=(slope,))))


def subgradient_figure(
    xs: np.ndarray,
    fx: np.ndarray,
    x0: float,
    f0: float,
    interval: tuple[float, float],
    g: float,
    crossing: tuple[float, float] | None = None,
    fan: int = 7,
    above: tuple[float, float] | None = None,
) -> Figure:
    """f, the fan of supporting lines with slopes across ∂f(x0) = [lo, hi], and the line for g.

    The chosen line is green and dashed (like a tangent) when it supports f, pink and dotted
    when it is rejected; a rejected line is marked with an x at `crossing` = (y, line value)
    where it rises above f, and the gap between line and f is shaded over `above` = (first,
    last) y where the line is above. The fan's lines are thin and solid, f thick and solid.
    Trace names: "f(y)", "∂f(x₀) fan" (legend entry of the fan), "f(x₀) + g(y − x₀), g = …",
    "line above f" (the shaded gap), "crosses f".
    """
    lo, hi = interval
    slopes = np.linspace(lo, hi, fan) if hi > lo else np.array([lo])
    ends = _ends(xs)
    traces = [scatter(ends, line_through(x0, f0, slope, ends), "∂f(x₀) fan",
                      legendgroup="fan", showlegend=i == 0, hoverinfo="skip",
                      line={"color": palette.NEUTRAL, "width": 1})
              for i, slope in enumerate(slopes)]
    traces.append(scatter(xs, fx, "f(y)", line={"color": palette.FUNCTION,
                                                "width": LINE_WIDTH}))
    rejected = crossing is not None
    name = f"f(x₀) + g(y − x₀), g = {significant(g, 3)}"
    traces.append(scatter(xs, line_through(x0, f0, g, xs), name,
                          line={"color": palette.SECANT if rejected else palette.TANGENT,
                                "width": 3, "dash": "dot" if rejected else "dash"}))
    if above is not None:
        inside = (xs >= min(above)) & (xs <= max(above))
        traces.append(scatter(xs[inside], np.asarray(fx)[inside], None, hoverinfo="skip",
                              showlegend=False, line={"width": 0}))
        traces.append(scatter(xs[inside], line_through(x0, f0, g, xs[inside]), "line above f",
                              fill="tonexty", hoverinfo="skip",
                              fillcolor=palette.rgba(palette.SECANT, 0.3), line={"width": 0}))
    traces.append(scatter([x0], [f0], "x₀", "markers", showlegend=False,
                          marker={"color": palette.TANGENT, "size": 11}))
    if rejected:
        traces.append(scatter([crossing[0]], [crossing[1]], "crosses f", "markers",
                              marker={"color": palette.SECANT, "size": 14, "symbol": "x",
                                      "line": {"color": "white", "width": 1}}))
    return Figure(traces, axes_layout("y", "f(y)", yaxis=_axis_range(fx, pad=0.3)))


def iterates_figure(xs: np.ndarray, fx: np.ndarray, path_x: np.ndarray,
                    path_f: np.ndarray) -> Figure:
    """The subgradient-method iterates x_k drawn on f, numbered, start to end."""
    traces = [
        scatter(xs, fx, "f(x)", line={"color": palette.FUNCTION, "width": LINE_WIDTH}),
        scatter(path_x, path_f, "iterates x_k", "lines+markers",
                text=[f"k = {k}" for k in range(len(path_x))],
                hovertemplate="%{text}<br>x=%{x:.4g}<br>f=%{y:.4g}<extra></extra>",
                line={"color": palette.NEUTRAL, "width": 1},
                marker={"color": palette.DERIVATIVE, "size": 8, "symbol": "circle"}),
        scatter(path_x[:1], path_f[:1], "start", "markers",
                marker={"color": palette.REFERENCE, "size": 12, "symbol": "diamond"}),
    ]
    return Figure(traces, axes_layout("x", "f(x)", height=340))


def values_by_step_figure(values: np.ndarray, best: np.ndarray) -> Figure:
    """f(x_k) and the best value so far against the step k (the method is not monotone)."""
    steps = np.arange(len(values))
    traces = [scatter(steps, values, "f(x_k)", "lines+markers",
                      line={"color": palette.DERIVATIVE, "width": 2}),
              scatter(steps, best, "best so far",
                      line={"color": palette.REFERENCE, "width": 2, "dash": "dot"})]
    return Figure(traces, axes_layout("step k", "f(x_k)", height=340))


def composite_figure(xs: np.ndarray, gx: np.ndarray, fgx: np.ndarray, x: float, fg: float,
                     slope: float, variable: str = "x") -> Figure:
    """The inner g(x), the composite f(g(x)) and the composite's tangent at x (slope from
    gradcore); `variable` names x (the inner function's variable, user text)."""
    v = plotly_inert(variable)
    traces = [
        scatter(xs, gx, f"g({v})", line={"color": palette.EXTRA, "width": 2, "dash": "dot"}),
        scatter(xs, fgx, f"f(g({v}))", line={"color": palette.FUNCTION, "width": LINE_WIDTH}),
        scatter(xs, line_through(x, fg, slope, xs), "tangent",
                line={"color": palette.TANGENT, "width": 2, "dash": "dash"}),
        scatter([x], [fg], v, "markers", showlegend=False,
                marker={"color": palette.TANGENT, "size": 11}),
    ]
    return Figure(traces, axes_layout(v, "value", yaxis=_axis_range(
        np.concatenate([np.ravel(gx), np.ravel(fgx)]))))


def computation_graph_figure(x: float, gx: float, fgx: float, dg: float, df: float,
                             names: tuple[str, str] = ("x", "u")) -> Figure:
    """The graph x → u = g(x) → f(u): forward values in the nodes, local derivatives on the
    edges, backward products under the nodes.

    Backward: ∂f/∂f = 1, ∂f/∂u = f′(u) = df, ∂f/∂x = f′(u)·g′(x) = df·dg (the chain rule).
    `names` are the input's and the inner value's names (x and u by default; the page passes
    the ones its formulas use). Every label sits on an opaque light chip (``palette.CHIP``) in
    dark ink, so it reads at 4.5:1 or more in both themes.
    """
    v, u = (plotly_inert(name) for name in names)
    nodes = [(0.0, v, x), (1.0, f"{u} = g({v})", gx), (2.0, f"f({u})", fgx)]
    edges = [f"g′({v}) = {significant(dg)}", f"f′({u}) = {significant(df)}"]
    annotations, shapes = [], []
    for (left, _, _), (right, _, _), text in zip(nodes[:-1], nodes[1:], edges, strict=True):
        annotations.append({"x": right - 0.25, "y": 0, "ax": left + 0.25, "ay": 0, "xref": "x",
                            "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
                            "arrowhead": 2, "arrowwidth": 2, "arrowcolor": palette.FUNCTION,
                            "text": ""})
        annotations.append({"x": (left + right) / 2, "y": 0.2, "showarrow": False, "text": text,
                            "font": {"color": palette.DERIVATIVE_TEXT, "size": 14},
                            "bgcolor": palette.CHIP, "borderpad": 3})
    backward = [(f"∂f/∂{v} = f′({u})·g′({v})", df * dg), (f"∂f/∂{u} = f′({u})", df),
                ("∂f/∂f", 1.0)]
    for (pos, label, value), (name, grad) in zip(nodes, backward, strict=True):
        shapes.append({"type": "rect", "x0": pos - 0.25, "x1": pos + 0.25, "y0": -0.14,
                       "y1": 0.14, "line": {"color": palette.FUNCTION, "width": 2},
                       "fillcolor": palette.CHIP})
        annotations.append({"x": pos, "y": 0, "text": f"<b>{label}</b><br>{significant(value)}",
                            "showarrow": False, "font": {"size": 14, "color": palette.INK},
                            "bgcolor": palette.CHIP})
        annotations.append({"x": pos, "y": -0.3, "text": f"{name}<br><b>{significant(grad)}</b>",
                            "showarrow": False,
                            "font": {"color": palette.REFERENCE_TEXT, "size": 13},
                            "bgcolor": palette.CHIP, "borderpad": 3})
    # Room on both sides for the outer labels' chips on a phone (at ±0.32 the left one touched
    # the edge at 390 px).
    frame = layout("", "", height=230,
                     xaxis={"visible": False, "range": [-0.45, 2.45], "fixedrange": True},
                     yaxis={"visible": False, "range": [-0.42, 0.3], "fixedrange": True})
    frame.update(showlegend=False, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                 annotations=annotations, shapes=shapes)
    return Figure([], frame)
