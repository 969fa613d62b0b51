"""The Gradients page's figures: the contour map of f with its gradient field and the
direction v, and the directional derivative ∇f·v against the angle of v (plotly, pure
builders like :mod:`ui.calculus.figures`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ui.calculus.figures import LINE_WIDTH
from ui.charts import palette
from ui.charts.spec import AXES_MARGIN, Figure, axes_layout, scatter
from ui.shell.text import plotly_inert

DIRECTION_DEGREES = np.linspace(0.0, 360.0, 361)


def quiver_segments(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, length: float,
    head: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """One stroke per arrow (NaN-separated) drawing arrows at (x, y) along (u, v).

    Every arrow gets the same `length` (the field shows directions; its size is in the
    colour of the contours), with a head of two strokes `head`·length long at ±25°.
    Zero vectors draw nothing. Returns (xs, ys) for one plotly scatter trace: 6 values per
    arrow (tail, tip, left barb, tip, right barb, NaN): the stroke goes back over the left
    barb to the tip, which looks the same as three separate strokes, and plotly draws a third
    of the pieces (drawing the 121 arrows as three strokes each cost 60 % more).
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
    xs = np.column_stack([x, tip_x, barbs[0][0], tip_x, barbs[1][0], gap])
    ys = np.column_stack([y, tip_y, barbs[0][1], tip_y, barbs[1][1], gap])
    return xs.ravel(), ys.ravel()


def _arrow(start: Sequence[float], vector: Sequence[float], color: str, name: str,
           dash: str = "solid", group: str | None = None) -> tuple[dict, dict]:
    """A labelled arrow from `start` to `start + vector` (data coordinates): a scatter line
    (the shaft, in `dash`) and an annotation that draws the head over its last fifth.
    Returns (trace, annotation)."""
    tip = (start[0] + vector[0], start[1] + vector[1])
    head = {"x": tip[0], "y": tip[1], "ax": start[0] + 0.8 * vector[0],
            "ay": start[1] + 0.8 * vector[1], "xref": "x", "yref": "y", "axref": "x",
            "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 3,
            "arrowcolor": color, "text": ""}
    shaft = scatter([start[0], tip[0]], [start[1], tip[1]], name, legendgroup=group,
                    line={"color": color, "width": 3, "dash": dash})
    return shaft, head


def contour_gradient_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    field: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    point: tuple[float, float],
    gradient: tuple[float, float],
    direction: tuple[float, float] | None = None,
    labels: tuple[str, str] = ("x", "y"),
    principal: tuple[np.ndarray, np.ndarray] | None = None,
) -> Figure:
    """Contour map of f on a 2-D grid with a gradient arrow field and ∇f at the point.

    xs (m,), ys (k,): grid axes; z (k, m): f values (NaN where undefined).
    field: (X, Y, U, V) arrow positions and gradient components (any equal shapes).
    gradient: (∂f/∂a, ∂f/∂b) at `point`, drawn to scale up to a quarter of the window.
    direction: the unit vector v, drawn from the point at the same display length.
    labels: the axes' variable names (user text: made inert for plotly).
    principal: (eigenvalues (2,), eigenvectors (2, 2) as columns) of the Hessian in this plane:
    the principal curvature directions, drawn through the point (``principal_traces``).
    Styles: the field thin and ∇f at the point thick (one legend group, "gradient"), v dashed,
    the point an x. The map is opaque and light (``palette.MAP_FILL``) in both themes, so the
    arrows keep their contrast on it. Its levels are read off the colour bar beside it (its
    bands are the map's) and, exactly, by hovering: labels on the contour lines made plotly
    measure and place text along every line, the costliest part of opening the page (about
    300 ms of a 1.5 s page load in Chromium), for numbers the colour bar already gives.
    """
    a, b = (plotly_inert(label) for label in labels)
    span = float(min(np.ptp(xs), np.ptp(ys))) or 1.0
    # Light blues, fully opaque: the map looks the same in the light and the dark theme (at
    # partial opacity the dark background showed through). Its darkest blue is light enough
    # for the arrows drawn on it to keep 3:1 (a mid blue left the orange field at 1:1).
    traces = [{"type": "contour", "x": xs, "y": ys, "z": z,
               "colorscale": [[0.0, palette.MAP_FILL[0]], [1.0, palette.MAP_FILL[1]]],
               "opacity": 1.0, "ncontours": 14,
               "contours": {"coloring": "fill", "showlabels": False},
               "colorbar": {"title": {"text": "f", "side": "right"}, "thickness": 12},
               "name": "f",
               "hovertemplate": f"{a}=%{{x:.3g}}<br>{b}=%{{y:.3g}}<br>f=%{{z:.4g}}<extra></extra>"}]
    qx, qy = quiver_segments(*field, length=span / 14)
    traces.append(scatter(qx, qy, "∇f field", hoverinfo="skip", legendgroup="gradient",
                          line={"color": palette.DERIVATIVE, "width": 1.3}))
    annotations = []
    norm = float(np.hypot(*gradient))
    if norm > 0 and np.isfinite(norm):
        scale = min(1.0, span / 4 / norm)
        shaft, head = _arrow(point, (gradient[0] * scale, gradient[1] * scale),
                             palette.DERIVATIVE, "∇f at the point", group="gradient")
        traces.append(shaft)
        annotations.append(head)
    if direction is not None:
        shaft, head = _arrow(point, (direction[0] * span / 5, direction[1] * span / 5),
                             palette.TANGENT, "direction v", dash="dash")
        traces.append(shaft)
        annotations.append(head)
    if principal is not None:
        traces.extend(principal_traces(point, *principal, span))
    traces.append(scatter([point[0]], [point[1]], "point", "markers",
                          marker={"color": palette.REFERENCE, "size": 10, "symbol": "x"}))
    # A little more room than AXES_MARGIN: the square map took 72 px below at 1280 px, 74 px
    # left at 390 px.
    frame = axes_layout(a, b, height=460, margin={**AXES_MARGIN, "l": 76, "b": 76},
                     xaxis={"range": [float(xs[0]), float(xs[-1])], "constrain": "domain"},
                     yaxis={"range": [float(ys[0]), float(ys[-1])], "scaleanchor": "x",
                            "scaleratio": 1, "constrain": "domain"})
    frame["annotations"] = annotations
    return Figure(traces, frame)


def _curving(value: float, scale: float) -> str:
    if abs(value) <= 1e-8 * max(1.0, scale):
        return "flat"
    return "curves up" if value > 0 else "curves down"


def principal_traces(point: Sequence[float], eigenvalues: Sequence[float],
                     eigenvectors: np.ndarray, span: float) -> list[dict]:
    """The principal curvature directions at `point`: for each eigenvector (a column of
    `eigenvectors`, unit length) a line through the point, span/3 long, labelled at one end
    with its eigenvalue λ, the curvature of f along it (λ > 0 curves up, λ < 0 down).

    One legend group ("principal"), dash-dotted, dark blue (``palette.FUNCTION``, 3:1 on the
    map's fill), labels in ``palette.INK``: the two lines are told apart by their labels.
    """
    values = np.asarray(eigenvalues, dtype=float)
    vectors = np.asarray(eigenvectors, dtype=float)
    scale = float(np.abs(values).max()) if values.size else 0.0
    traces = []
    for k in range(values.size):
        u = vectors[:, k] * span / 6
        label = f"λ{'₁₂'[k] if k < 2 else k + 1} = {values[k]:.3g}"
        traces.append(scatter(
            [point[0] - u[0], point[0] + u[0]], [point[1] - u[1], point[1] + u[1]],
            "principal directions (Hessian)", "lines+text", legendgroup="principal",
            showlegend=k == 0, text=["", label], textposition="top center",
            textfont={"color": palette.INK, "size": 12},
            hovertemplate=f"{label}: f {_curving(values[k], scale)} along this line<extra></extra>",
            line={"color": palette.FUNCTION, "width": 2.5, "dash": "dashdot"}))
    return traces


def directional_curve(gradient: Sequence[float], angles: np.ndarray) -> np.ndarray:
    """∇f·v for the unit directions v = (cos θ, sin θ), θ in radians: the plotted curve."""
    g = np.asarray(gradient, dtype=float)
    return g[0] * np.cos(angles) + g[1] * np.sin(angles)


def directional_figure(gradient: Sequence[float], angle_deg: float,
                       norm_label: str = "‖∇f‖") -> Figure:
    """∇f·v over all angles 0…360°, the chosen angle, and the maximum ‖∇f‖ at the angle of ∇f.

    `gradient` is the (in-plane) gradient (a, b); `norm_label` names its length in the plot.
    Trace names: "∇f·v" (the curve, at ``DIRECTION_DEGREES``), "chosen v" (a circle),
    "max = <norm_label>" (a star).
    """
    degrees = DIRECTION_DEGREES
    values = directional_curve(gradient, np.radians(degrees))
    chosen = float(directional_curve(gradient, np.radians([angle_deg]))[0])
    traces = [scatter(degrees, values, "∇f·v", line={"color": palette.DERIVATIVE,
                                                       "width": LINE_WIDTH})]
    norm = float(np.hypot(gradient[0], gradient[1]))
    if norm > 0:
        best = float(np.degrees(np.arctan2(gradient[1], gradient[0]))) % 360.0
        traces.append(scatter([best], [norm], f"max = {plotly_inert(norm_label)}",
                              "markers+text", text=[f"{norm:.4g}"], textposition="top center",
                              marker={"color": palette.REFERENCE, "size": 11,
                                      "symbol": "star"}))
    traces.append(scatter([angle_deg], [chosen], "chosen v", "markers",
                          marker={"color": palette.TANGENT, "size": 11}))
    return Figure(traces, axes_layout("angle θ of v (degrees)", "∇f·v", height=320,
                                 xaxis={"tickvals": list(range(0, 361, 45))},
                                 yaxis={"range": [-1.25 * norm - 0.1, 1.45 * norm + 0.1]}))
