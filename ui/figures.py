"""Plotly figure builders for the calculus pages: arrays in, ``go.Figure`` out.

No streamlit here and no calculus either: every value that is a derivative, a gradient or a
subdifferential arrives already computed by ``gradcore``. What these functions do is geometry
for display (a line through a point with a slope, arrow segments, the crossing of two sampled
curves), which is why their data is unit-tested in ``tests/test_figures.py``.

Every figure has titled axes, colours from :mod:`ui.palette` (one colour per idea) and a
transparent background so Streamlit's light and dark themes both read. Colour is never the only
signal: within a figure, marks of different meaning also differ by dash, width or marker shape
(f solid and thick, tangents and supporting lines dashed, secants and rejected lines dotted,
the reference answer an x, a star or a diamond); traces of one meaning share a ``legendgroup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from ui import palette

if TYPE_CHECKING:
    from gradcore.kinks import Kink

LINE_WIDTH = 3
DIRECTION_DEGREES = np.linspace(0.0, 360.0, 361)
"""The angles θ (degrees) at which :func:`directional_figure` draws ∇f·v."""


def _style(fig: go.Figure, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    """Shared look: titled axes, transparent background, legend above the plot (fits phones).

    Set property by property: plotly's ``update_layout`` / ``update_xaxes`` cost several
    milliseconds each (path parsing and change dispatch) for the same result.
    """
    layout = fig.layout
    for side, pixels in {"l": 10, "r": 10, "t": 40, "b": 10}.items():
        layout.margin[side] = pixels
    for key, value in {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}.items():
        layout.legend[key] = value
    layout.height = height
    layout.paper_bgcolor = "rgba(0,0,0,0)"
    layout.plot_bgcolor = "rgba(0,0,0,0)"
    layout.hovermode = "closest"
    for axis, title in ((layout.xaxis, x_title), (layout.yaxis, y_title)):
        axis.title.text = title
        axis.zeroline = True
    return fig


def _y_range(values: np.ndarray, pad: float = 0.12) -> list[float] | None:
    """A y-range fitted to the finite values of the curve, so long lines do not rescale it."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    span = high - low if high > low else max(1.0, abs(high))
    return [low - pad * span, high + pad * span]


def line_through(x0: float, y0: float, slope: float, xs: np.ndarray) -> np.ndarray:
    """Points of the line y = y0 + slope·(x − x0) at `xs` (tangent, secant or supporting line)."""
    return y0 + slope * (np.asarray(xs, dtype=float) - x0)


def secant_slope(x0: float, y0: float, x1: float, y1: float) -> float:
    """Slope (y1 − y0)/(x1 − x0) of the chord through two points of the curve."""
    return (y1 - y0) / (x1 - x0)


def number(value: float) -> str:
    """A number as the pages print it: 4 significant digits, never "-0"."""
    text = f"{float(value):.4g}"
    return "0" if text == "-0" else text


def _kink_lines(fig: go.Figure, xs: np.ndarray, x0: float, f0: float, kink: Kink,
                fan: int = 5) -> None:
    """At a kink: the two one-sided slopes, the fan of supporting lines between them (convex
    corner only) and gradcore's slope g, labelled "subgradient g = …" or, at a concave corner,
    "midpoint slope … (no subgradient here)"."""
    if kink.interval is not None:
        for i, g in enumerate(np.linspace(kink.left, kink.right, fan + 2)[1:-1]):
            fig.add_scatter(x=xs, y=line_through(x0, f0, g, xs), mode="lines",
                            name="supporting lines, g in ∂f(x₀)", legendgroup="fan",
                            showlegend=i == 0, hoverinfo="skip",
                            line={"color": palette.NEUTRAL, "width": 1})
    for side, g in (("left", kink.left), ("right", kink.right)):
        fig.add_scatter(x=xs, y=line_through(x0, f0, g, xs), mode="lines",
                        name=f"slope from the {side} = {number(g)}",
                        line={"color": palette.NEUTRAL, "width": 1.5,
                              "dash": "longdash" if side == "left" else "dashdot"})
    label = f"subgradient g = {number(kink.slope)}" if kink.interval is not None else \
        f"midpoint slope {number(kink.slope)} (no subgradient here)"
    fig.add_scatter(x=xs, y=line_through(x0, f0, kink.slope, xs), name=label, mode="lines",
                    line={"color": palette.TANGENT, "width": 2, "dash": "dash"})


def derivative_figure(
    xs: np.ndarray,
    fx: np.ndarray,
    x0: float,
    f0: float | None,
    slope: float | None,
    secant_point: tuple[float, float] | None = None,
    kink: Kink | None = None,
) -> go.Figure:
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
    fig = go.Figure()
    fig.add_scatter(x=xs, y=fx, name="f(x)", mode="lines",
                    line={"color": palette.FUNCTION, "width": LINE_WIDTH})
    fig.update_yaxes(range=_y_range(fx))
    if f0 is None or slope is None:
        fig.add_vline(x=x0, line={"color": palette.NEUTRAL, "dash": "dot"},
                      annotation_text="x₀: undefined here")
        return _style(fig, "x", "f(x)")
    if kink is None:
        fig.add_scatter(x=xs, y=line_through(x0, f0, slope, xs), name="tangent", mode="lines",
                        line={"color": palette.TANGENT, "width": 2, "dash": "dash"})
    else:
        _kink_lines(fig, xs, x0, f0, kink)
    if secant_point is not None:
        x1, y1 = secant_point
        chord = secant_slope(x0, f0, x1, y1)
        fig.add_scatter(x=xs, y=line_through(x0, f0, chord, xs), name="secant", mode="lines",
                        line={"color": palette.SECANT, "width": 2, "dash": "dot"})
        fig.add_scatter(x=[x1], y=[y1], name="x₀ + h", mode="markers", showlegend=False,
                        marker={"color": palette.SECANT, "size": 10, "symbol": "diamond"})
    fig.add_scatter(x=[x0], y=[f0], name="x₀", mode="markers", showlegend=False,
                    marker={"color": palette.TANGENT, "size": 11,
                            "line": {"color": "white", "width": 1}})
    return _style(fig, "x", "f(x)")


def derivative_curve_figure(xs: np.ndarray, dfx: np.ndarray, x0: float, slope: float,
                            kink: Kink | None = None) -> go.Figure:
    """f′ over `xs` with the point (x0, f′(x0)): the tangent's slope read off as a height.

    At a kink (gradcore's ``Kink``) f′ jumps: the one-sided slopes are drawn as open circles
    ("slopes from the left and right") and the point is named "subgradient g at x₀" (or
    "midpoint slope at x₀" at a concave corner) instead of "slope at x₀".
    """
    fig = go.Figure()
    fig.add_scatter(x=xs, y=dfx, name="f′(x)", mode="lines",
                    line={"color": palette.DERIVATIVE, "width": LINE_WIDTH})
    name = "slope at x₀"
    if kink is not None:
        fig.add_scatter(x=[x0, x0], y=[kink.left, kink.right], mode="markers",
                        name="slopes from the left and right",
                        marker={"color": palette.DERIVATIVE, "size": 10, "symbol": "circle-open",
                                "line": {"width": 2}})
        name = "subgradient g at x₀" if kink.interval is not None else "midpoint slope at x₀"
    fig.add_scatter(x=[x0], y=[slope], name=name, mode="markers",
                    marker={"color": palette.TANGENT, "size": 11})
    fig.update_yaxes(range=_y_range(dfx))
    return _style(fig, "x", "f′(x)")


def quiver_segments(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, length: float,
    head: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (NaN-separated) drawing arrows at (x, y) along (u, v).

    Every arrow gets the same `length` (the field shows directions; its size is in the
    colour of the contours), with a head of two strokes `head`·length long at ±25°.
    Zero vectors draw nothing. Returns (xs, ys) for one plotly scatter trace: 9 values per
    arrow (tail, tip, NaN, tip, left barb, NaN, tip, right barb, NaN).
    """
    x, y, u, v = (np.ravel(np.asarray(a, dtype=float)) for a in (x, y, u, v))
    norm = np.hypot(u, v)
    keep = np.isfinite(norm) & (norm > 0)
    x, y, u, v, norm = x[keep], y[keep], u[keep], v[keep], norm[keep]
    ux, uy = u / norm, v / norm
    tip_x, tip_y = x + length * ux, y + length * uy
    cos, sin = np.cos(np.radians(25)), np.sin(np.radians(25))
    barbs = []
    for sign in (1, -1):
        bx = -(ux * cos - sign * uy * sin) * head * length
        by = -(uy * cos + sign * ux * sin) * head * length
        barbs.append((tip_x + bx, tip_y + by))
    gap = np.full_like(x, np.nan)
    xs = np.column_stack([x, tip_x, gap, tip_x, barbs[0][0], gap, tip_x, barbs[1][0], gap])
    ys = np.column_stack([y, tip_y, gap, tip_y, barbs[0][1], gap, tip_y, barbs[1][1], gap])
    return xs.ravel(), ys.ravel()


def _arrow(fig: go.Figure, start: Sequence[float], vector: Sequence[float], color: str,
           name: str, dash: str = "solid", group: str | None = None) -> None:
    """A labelled arrow from `start` to `start + vector` (data coordinates): a scatter line
    (the shaft, in `dash`) and an annotation that draws the head over its last fifth."""
    fig.add_annotation(
        x=start[0] + vector[0], y=start[1] + vector[1], ax=start[0] + 0.8 * vector[0],
        ay=start[1] + 0.8 * vector[1], xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=3, arrowcolor=color, text="",
    )
    fig.add_scatter(x=[start[0], start[0] + vector[0]], y=[start[1], start[1] + vector[1]],
                    mode="lines", name=name, legendgroup=group,
                    line={"color": color, "width": 3, "dash": dash})


def contour_gradient_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    field: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    point: tuple[float, float],
    gradient: tuple[float, float],
    direction: tuple[float, float] | None = None,
    labels: tuple[str, str] = ("x", "y"),
) -> go.Figure:
    """Contour map of f on a 2-D grid with a gradient arrow field and ∇f at the point.

    xs (m,), ys (k,): grid axes; z (k, m): f values (NaN where undefined).
    field: (X, Y, U, V) arrow positions and gradient components (any equal shapes).
    gradient: (∂f/∂a, ∂f/∂b) at `point`, drawn to scale up to a quarter of the window.
    direction: the unit vector v, drawn from the point at the same display length.
    Styles: the field thin and ∇f at the point thick (one legend group, "gradient"), v dashed,
    the point an x. The map is opaque and light (``palette.MAP_FILL``) in both themes, so the
    arrows keep their contrast on it and its labels are dark (``palette.INK``).
    """
    span = float(min(np.ptp(xs), np.ptp(ys))) or 1.0
    fig = go.Figure()
    # Light blues, fully opaque: the map looks the same in the light and the dark theme, and
    # the dark contour labels read on it in both (at partial opacity the dark background
    # showed through and the labels were lost on it). Its darkest blue is light enough for
    # the arrows drawn on it to keep 3:1 (a mid blue left the orange field at 1:1).
    fig.add_contour(x=xs, y=ys, z=z, colorscale=[[0.0, palette.MAP_FILL[0]],
                                                 [1.0, palette.MAP_FILL[1]]],
                    opacity=1.0, ncontours=14,
                    contours={"coloring": "fill", "showlabels": True,
                              "labelfont": {"size": 11, "color": palette.INK}},
                    colorbar={"title": {"text": "f", "side": "right"}, "thickness": 12},
                    name="f", hovertemplate=f"{labels[0]}=%{{x:.3g}}<br>{labels[1]}=%{{y:.3g}}"
                    "<br>f=%{z:.4g}<extra></extra>")
    qx, qy = quiver_segments(*field, length=span / 14)
    fig.add_scatter(x=qx, y=qy, mode="lines", name="∇f field", hoverinfo="skip",
                    legendgroup="gradient", line={"color": palette.DERIVATIVE, "width": 1.3})
    norm = float(np.hypot(*gradient))
    if norm > 0 and np.isfinite(norm):
        scale = min(1.0, span / 4 / norm)
        _arrow(fig, point, (gradient[0] * scale, gradient[1] * scale), palette.DERIVATIVE,
               "∇f at the point", group="gradient")
    if direction is not None:
        _arrow(fig, point, (direction[0] * span / 5, direction[1] * span / 5), palette.TANGENT,
               "direction v", dash="dash")
    fig.add_scatter(x=[point[0]], y=[point[1]], mode="markers", name="point",
                    marker={"color": palette.REFERENCE, "size": 10, "symbol": "x"})
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])], constrain="domain")
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])], scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return _style(fig, labels[0], labels[1], height=460)


def directional_curve(gradient: Sequence[float], angles: np.ndarray) -> np.ndarray:
    """∇f·v for the unit directions v = (cos θ, sin θ), θ in radians: the plotted curve."""
    g = np.asarray(gradient, dtype=float)
    return g[0] * np.cos(angles) + g[1] * np.sin(angles)


def directional_figure(gradient: Sequence[float], angle_deg: float,
                       norm_label: str = "‖∇f‖") -> go.Figure:
    """∇f·v over all angles 0…360°, the chosen angle, and the maximum ‖∇f‖ at the angle of ∇f.

    `gradient` is the (in-plane) gradient (a, b); `norm_label` names its length in the plot.
    Trace names: "∇f·v" (the curve, at ``DIRECTION_DEGREES``), "chosen v" (a circle),
    "max = <norm_label>" (a star).
    """
    degrees = DIRECTION_DEGREES
    values = directional_curve(gradient, np.radians(degrees))
    chosen = float(directional_curve(gradient, np.radians([angle_deg]))[0])
    fig = go.Figure()
    fig.add_scatter(x=degrees, y=values, mode="lines", name="∇f·v",
                    line={"color": palette.DERIVATIVE, "width": LINE_WIDTH})
    norm = float(np.hypot(gradient[0], gradient[1]))
    if norm > 0:
        best = float(np.degrees(np.arctan2(gradient[1], gradient[0]))) % 360.0
        fig.add_scatter(x=[best], y=[norm], mode="markers+text", name=f"max = {norm_label}",
                        text=[f"{norm:.4g}"], textposition="top center",
                        marker={"color": palette.REFERENCE, "size": 11, "symbol": "star"})
    fig.add_scatter(x=[angle_deg], y=[chosen], mode="markers", name="chosen v",
                    marker={"color": palette.TANGENT, "size": 11})
    fig.update_xaxes(tickvals=list(range(0, 361, 45)))
    fig.update_yaxes(range=[-1.25 * norm - 0.1, 1.45 * norm + 0.1])
    return _style(fig, "angle θ of v (degrees)", "∇f·v", height=320)


def first_crossing(xs: np.ndarray, fx: np.ndarray, x0: float, f0: float, g: float) -> float | None:
    """The sample y nearest x0 where the line f(x0) + g(y − x0) is above f (None if nowhere).

    Used to mark a rejected subgradient on the plot; the yes/no verdict itself comes from
    gradcore's supporting-line check.
    """
    xs = np.asarray(xs, dtype=float)
    above = line_through(x0, f0, g, xs) > np.asarray(fx, dtype=float) + 1e-9
    if not above.any():
        return None
    candidates = xs[above]
    return float(candidates[np.argmin(np.abs(candidates - x0))])


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
) -> go.Figure:
    """f, the fan of supporting lines with slopes across ∂f(x0) = [lo, hi], and the line for g.

    The chosen line is green and dashed (like a tangent) when it supports f, pink and dotted
    when it is rejected; a rejected line is marked with an x at `crossing` = (y, line value)
    where it rises above f, and the gap between line and f is shaded over `above` = (first,
    last) y where the line is above. The fan's lines are thin and solid, f thick and solid.
    Trace names: "f(y)", "∂f(x₀) fan" (legend entry of the fan), "f(x₀) + g(y − x₀), g = …",
    "line above f" (the shaded gap), "crosses f".
    """
    lo, hi = interval
    fig = go.Figure()
    slopes = np.linspace(lo, hi, fan) if hi > lo else np.array([lo])
    for i, slope in enumerate(slopes):
        fig.add_scatter(x=xs, y=line_through(x0, f0, slope, xs), mode="lines",
                        name="∂f(x₀) fan", legendgroup="fan", showlegend=i == 0,
                        hoverinfo="skip", line={"color": palette.NEUTRAL, "width": 1})
    fig.add_scatter(x=xs, y=fx, mode="lines", name="f(y)",
                    line={"color": palette.FUNCTION, "width": LINE_WIDTH})
    rejected = crossing is not None
    fig.add_scatter(x=xs, y=line_through(x0, f0, g, xs), mode="lines",
                    name=f"f(x₀) + g(y − x₀), g = {g:.3g}",
                    line={"color": palette.SECANT if rejected else palette.TANGENT, "width": 3,
                          "dash": "dot" if rejected else "dash"})
    if above is not None:
        inside = (xs >= min(above)) & (xs <= max(above))
        fig.add_scatter(x=xs[inside], y=np.asarray(fx)[inside], mode="lines", hoverinfo="skip",
                        showlegend=False, line={"width": 0})
        fig.add_scatter(x=xs[inside], y=line_through(x0, f0, g, xs[inside]), mode="lines",
                        name="line above f", fill="tonexty", hoverinfo="skip",
                        fillcolor=palette.rgba(palette.SECANT, 0.3), line={"width": 0})
    fig.add_scatter(x=[x0], y=[f0], mode="markers", name="x₀", showlegend=False,
                    marker={"color": palette.TANGENT, "size": 11})
    if rejected:
        fig.add_scatter(x=[crossing[0]], y=[crossing[1]], mode="markers", name="crosses f",
                        marker={"color": palette.SECANT, "size": 14, "symbol": "x",
                                "line": {"color": "white", "width": 1}})
    fig.update_yaxes(range=_y_range(fx, pad=0.3))
    return _style(fig, "y", "f(y)")


def iterates_figure(xs: np.ndarray, fx: np.ndarray, path_x: np.ndarray,
                    path_f: np.ndarray) -> go.Figure:
    """The subgradient-method iterates x_k drawn on f, numbered, start to end."""
    fig = go.Figure()
    fig.add_scatter(x=xs, y=fx, mode="lines", name="f(x)",
                    line={"color": palette.FUNCTION, "width": LINE_WIDTH})
    fig.add_scatter(x=path_x, y=path_f, mode="lines+markers", name="iterates x_k",
                    text=[f"k = {k}" for k in range(len(path_x))],
                    hovertemplate="%{text}<br>x=%{x:.4g}<br>f=%{y:.4g}<extra></extra>",
                    line={"color": palette.NEUTRAL, "width": 1},
                    marker={"color": palette.DERIVATIVE, "size": 8, "symbol": "circle"})
    fig.add_scatter(x=path_x[:1], y=path_f[:1], mode="markers", name="start",
                    marker={"color": palette.REFERENCE, "size": 12, "symbol": "diamond"})
    return _style(fig, "x", "f(x)", height=340)


def values_by_step_figure(values: np.ndarray, best: np.ndarray) -> go.Figure:
    """f(x_k) and the best value so far against the step k (the method is not monotone)."""
    steps = np.arange(len(values))
    fig = go.Figure()
    fig.add_scatter(x=steps, y=values, mode="lines+markers", name="f(x_k)",
                    line={"color": palette.DERIVATIVE, "width": 2})
    fig.add_scatter(x=steps, y=best, mode="lines", name="best so far",
                    line={"color": palette.REFERENCE, "width": 2, "dash": "dot"})
    return _style(fig, "step k", "f(x_k)", height=340)


def composite_figure(xs: np.ndarray, gx: np.ndarray, fgx: np.ndarray, x: float, fg: float,
                     slope: float) -> go.Figure:
    """The inner g(x), the composite f(g(x)) and the composite's tangent at x (slope from gradcore)."""
    fig = go.Figure()
    fig.add_scatter(x=xs, y=gx, mode="lines", name="g(x)",
                    line={"color": palette.EXTRA, "width": 2, "dash": "dot"})
    fig.add_scatter(x=xs, y=fgx, mode="lines", name="f(g(x))",
                    line={"color": palette.FUNCTION, "width": LINE_WIDTH})
    fig.add_scatter(x=xs, y=line_through(x, fg, slope, xs), mode="lines", name="tangent",
                    line={"color": palette.TANGENT, "width": 2, "dash": "dash"})
    fig.add_scatter(x=[x], y=[fg], mode="markers", name="x", showlegend=False,
                    marker={"color": palette.TANGENT, "size": 11})
    fig.update_yaxes(range=_y_range(np.concatenate([np.ravel(gx), np.ravel(fgx)])))
    return _style(fig, "x", "value")


def computation_graph_figure(x: float, gx: float, fgx: float, dg: float, df: float) -> go.Figure:
    """The graph x → g → f: forward values in the nodes, local derivatives on the edges,
    backward products under the nodes.

    Backward: ∂f/∂f = 1, ∂f/∂u = f′(u) = df, ∂f/∂x = f′(u)·g′(x) = df·dg (the chain rule).
    Every label sits on an opaque light chip (``palette.CHIP``) in dark ink, so it reads at
    4.5:1 or more in both themes.
    """
    nodes = [(0.0, "x", x), (1.0, "u = g(x)", gx), (2.0, "f(u)", fgx)]
    edges = [f"g′(x) = {dg:.4g}", f"f′(u) = {df:.4g}"]
    fig = go.Figure()
    # Collected and set once: each fig.add_annotation / add_shape re-validates the whole list
    # (8 annotations cost 10 ms that way, 1 ms at once).
    annotations, shapes = [], []
    for (left, _, _), (right, _, _), text in zip(nodes[:-1], nodes[1:], edges, strict=True):
        annotations.append(dict(x=right - 0.25, y=0, ax=left + 0.25, ay=0, xref="x", yref="y",
                                axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2,
                                arrowcolor=palette.FUNCTION, text=""))
        annotations.append(dict(x=(left + right) / 2, y=0.2, showarrow=False, text=text,
                                font={"color": palette.DERIVATIVE_TEXT, "size": 14},
                                bgcolor=palette.CHIP, borderpad=3))
    backward = [("∂f/∂x = f′(u)·g′(x)", df * dg), ("∂f/∂u = f′(u)", df), ("∂f/∂f", 1.0)]
    for (pos, label, value), (name, grad) in zip(nodes, backward, strict=True):
        shapes.append(dict(type="rect", x0=pos - 0.25, x1=pos + 0.25, y0=-0.14, y1=0.14,
                           line={"color": palette.FUNCTION, "width": 2},
                           fillcolor=palette.CHIP))
        annotations.append(dict(x=pos, y=0, text=f"<b>{label}</b><br>{value:.4g}",
                                showarrow=False, font={"size": 14, "color": palette.INK},
                                bgcolor=palette.CHIP))
        annotations.append(dict(x=pos, y=-0.3, text=f"{name}<br><b>{grad:.4g}</b>",
                                showarrow=False, font={"color": palette.REFERENCE_TEXT, "size": 13},
                                bgcolor=palette.CHIP, borderpad=3))
    fig.layout.annotations = annotations
    fig.layout.shapes = shapes
    # Room on both sides for the outer labels' chips on a phone (at ±0.32 the left one touched
    # the edge at 390 px).
    fig.update_xaxes(visible=False, range=[-0.45, 2.45], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.42, 0.3], fixedrange=True)
    fig = _style(fig, "", "", height=230)
    fig.update_layout(showlegend=False, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig
