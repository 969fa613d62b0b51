"""The Gradients page's 3-D view of curvature, and its text alternative beside it.

:func:`surface_figure` draws f over a square around the point p (a 2-D slice when f has more
variables) with the tangent plane at p, ∇f drawn on the floor of the box and lifted onto the
plane, the plane's normal, and the nearby point p + Δ with f(p + Δ), the linear estimate
f(p) + ∇f·Δ (on the plane) and the quadratic estimate that adds ½ΔᵀHΔ. :func:`surface_text` is
the same chart as a sentence and a numbers table (``ui.charts.alt_text.ChartText``), built from the
same arrays. Pure builders (no streamlit import), cached by value through ``ui.charts.cache``.

Size: the page samples f on at most ``MAX_GRID`` × ``MAX_GRID`` points; a figure's JSON stays
under ``MAX_PAYLOAD_BYTES`` (tests/test_curvature_page.py measures it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.charts import palette
from ui.charts.alt_text import ChartText, rows
from ui.charts.spec import Figure
from ui.shell.text import inert, plotly_inert

MAX_GRID = 60
GRID = 41
MAX_PAYLOAD_BYTES = 400_000
CAMERA = {"eye": {"x": 1.2, "y": -1.45, "z": 1.25}, "up": {"x": 0, "y": 0, "z": 1},
          "center": {"x": 0, "y": 0, "z": -0.1}}
RESET_LABEL = "Reset view"
PLANE_HALF_WIDTH = 0.4
"""The tangent plane is drawn over the middle 2·0.4 = 80 % of the window around p."""


def _line(points: Sequence[Sequence[float]], name: str, color: str, dash: str = "solid",
          width: int = 6, group: str | None = None, tip: bool = True) -> dict:
    """A 3-D polyline through `points`, with a diamond on its last point when `tip`."""
    xs, ys, zs = (list(map(float, column)) for column in zip(*points, strict=True))
    trace = {"type": "scatter3d", "x": xs, "y": ys, "z": zs, "name": name,
             "mode": "lines+markers" if tip else "lines",
             "line": {"color": color, "width": width, "dash": dash},
             "hoverinfo": "name"}
    if tip:
        trace["marker"] = {"size": [0] * (len(xs) - 1) + [5], "color": color,
                           "symbol": "diamond"}
    if group is not None:
        trace["legendgroup"] = group
    return trace


def _marker(point: Sequence[float], name: str, color: str, symbol: str) -> dict:
    return {"type": "scatter3d", "x": [float(point[0])], "y": [float(point[1])],
            "z": [float(point[2])], "name": name, "mode": "markers",
            "marker": {"size": 6, "color": color, "symbol": symbol}, "hoverinfo": "name+z"}


def _finite_range(z: np.ndarray, *values: float) -> tuple[float, float]:
    finite = np.asarray(z, dtype=float)[np.isfinite(z)]
    pool = np.concatenate([finite, [v for v in values if np.isfinite(v)]])
    if not pool.size:
        return -1.0, 1.0
    low, high = float(pool.min()), float(pool.max())
    return (low - 0.5, high + 0.5) if high - low < 1e-12 else (low, high)


def surface_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    point: tuple[float, float],
    value: float,
    gradient: tuple[float, float],
    delta: tuple[float, float],
    estimates: tuple[float | None, float, float],
    labels: tuple[str, str] = ("x", "y"),
) -> Figure:
    """f as a surface over the grid (xs (m,), ys (k,), z (k, m), NaN where undefined), the
    tangent plane at `point` (where f = `value` and the in-plane gradient is `gradient`), ∇f on
    the floor and on the plane, the plane's normal, and p + `delta` with `estimates` =
    (f(p + Δ) or None, linear estimate, quadratic estimate).

    Axes are scaled to a cube (``aspectmode="cube"``), so the normal is drawn along the
    direction that is perpendicular to the plane *as shown*: (−∂f/∂a·ra², −∂f/∂b·rb², rz²)
    with r the axes' ranges, which is (−∂f/∂a, −∂f/∂b, 1) when the three ranges are equal.
    A "Reset view" button (plotly ``updatemenus``, no server round trip) restores ``CAMERA``.
    """
    a, b = (plotly_inert(label) for label in labels)
    px, py = map(float, point)
    ga, gb = map(float, gradient)
    actual, linear, quadratic = estimates
    rx, ry = float(np.ptp(xs)) or 1.0, float(np.ptp(ys)) or 1.0
    z_low, z_high = _finite_range(z, value, linear, quadratic,
                                  np.nan if actual is None else actual)
    rz = z_high - z_low
    floor = z_low - 0.05 * rz
    surface = {"type": "surface", "x": xs, "y": ys, "z": z, "name": "f",
               "colorscale": [[0.0, palette.MAP_FILL[0]], [1.0, palette.FUNCTION]],
               "showscale": False, "opacity": 0.9, "showlegend": True,
               "contours": {"z": {"show": True, "color": palette.NEUTRAL, "width": 1}},
               "hovertemplate": f"{a}=%{{x:.3g}}<br>{b}=%{{y:.3g}}<br>f=%{{z:.4g}}<extra></extra>"}
    corners = np.array([-1.0, 1.0]) * PLANE_HALF_WIDTH
    plane_x, plane_y = px + corners * rx, py + corners * ry
    grid_x, grid_y = np.meshgrid(plane_x, plane_y)
    plane = {"type": "surface", "x": plane_x.tolist(), "y": plane_y.tolist(),
             "z": (value + ga * (grid_x - px) + gb * (grid_y - py)).tolist(),
             "name": "tangent plane", "showscale": False, "opacity": 0.55,
             "colorscale": [[0.0, palette.TANGENT], [1.0, palette.TANGENT]],
             "showlegend": True, "hoverinfo": "name"}
    traces = [surface, plane]
    norm = float(np.hypot(ga, gb))
    if norm > 0 and np.isfinite(norm):
        scale = 0.25 * min(rx, ry) / norm
        tip = (px + scale * ga, py + scale * gb)
        traces.append(_line([(px, py, floor), (*tip, floor)], "∇f (in the x-y plane)",
                            palette.DERIVATIVE, group="gradient"))
        traces.append(_line([(px, py, value), (*tip, value + scale * norm ** 2)],
                            "∇f lifted onto the plane", palette.DERIVATIVE, dash="dash",
                            group="gradient"))
        traces.append(_line([(px, py, floor), (px, py, value)], None, palette.NEUTRAL,
                            dash="dot", width=2, tip=False) | {"showlegend": False,
                                                                "hoverinfo": "skip"})
    normal = np.array([-ga * rx ** 2, -gb * ry ** 2, rz ** 2])
    shown = np.sqrt((normal[0] / rx) ** 2 + (normal[1] / ry) ** 2 + (normal[2] / rz) ** 2)
    normal = normal / shown * 0.3  # 30 % of the box, in shown units
    traces.append(_line([(px, py, value), (px + normal[0], py + normal[1], value + normal[2])],
                        "normal to the plane", palette.SECANT))
    traces.append(_marker((px, py, value), "point p", palette.REFERENCE, "x"))
    qx, qy = px + float(delta[0]), py + float(delta[1])
    traces.append(_marker((qx, qy, linear), "linear estimate f(p) + ∇f·Δ", palette.TANGENT,
                          "square"))
    traces.append(_marker((qx, qy, quadratic), "quadratic estimate + ½ΔᵀHΔ", palette.OLIVE,
                          "diamond"))
    if actual is not None:
        traces.append(_marker((qx, qy, actual), "f(p + Δ)", palette.FUNCTION, "circle"))
        traces.append(_line([(qx, qy, linear), (qx, qy, actual)], None, palette.NEUTRAL,
                            dash="dot", width=3, tip=False) | {"showlegend": False,
                                                                "hoverinfo": "skip"})
    axis = {"backgroundcolor": "rgba(0,0,0,0)", "gridcolor": palette.NEUTRAL}
    frame = {
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "height": 480,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
        "uirevision": "surface",
        "scene": {"xaxis": {**axis, "title": {"text": a}, "range": [float(xs[0]), float(xs[-1])]},
                  "yaxis": {**axis, "title": {"text": b}, "range": [float(ys[0]), float(ys[-1])]},
                  "zaxis": {**axis, "title": {"text": "f"}, "range": [floor, z_high + 0.05 * rz]},
                  "aspectmode": "cube", "camera": CAMERA},
        "updatemenus": [{"type": "buttons", "showactive": False, "x": 0.0, "y": 1.0,
                         "xanchor": "left", "yanchor": "top", "pad": {"l": 4, "t": 4},
                         "bgcolor": palette.CHIP, "font": {"color": palette.INK},
                         "buttons": [{"label": RESET_LABEL, "method": "relayout",
                                      "args": [{"scene.camera": CAMERA}]}]}],
    }
    return Figure(traces, frame)


def plane_values(xs: np.ndarray, ys: np.ndarray, point: tuple[float, float], value: float,
                 gradient: tuple[float, float], matrix: np.ndarray | None = None
                 ) -> np.ndarray:
    """The tangent plane f(p) + g·d on the grid (k, m), plus ½dᵀHd when `matrix` (2, 2) is
    given: the linear and quadratic models of f around p."""
    dx, dy = np.meshgrid(np.asarray(xs, dtype=float) - point[0],
                         np.asarray(ys, dtype=float) - point[1])
    out = value + gradient[0] * dx + gradient[1] * dy
    if matrix is not None:
        h = np.asarray(matrix, dtype=float)
        out = out + 0.5 * (h[0, 0] * dx * dx + 2 * h[0, 1] * dx * dy + h[1, 1] * dy * dy)
    return out


def _term(slope: float, label: str, at: float) -> str:
    """" + 2·(x − 1)" or " − 2·(x − 1)": one term of the plane's equation."""
    sign = "−" if slope < 0 else "+"
    shift = f"{label} − {fmt(at)}" if at >= 0 else f"{label} + {fmt(-at)}"
    return f" {sign} {fmt(abs(slope))}·({shift})"


def surface_text(formula: str, labels: tuple[str, str], xs: np.ndarray, ys: np.ndarray,
                 z: np.ndarray, point: tuple[float, float], value: float,
                 gradient: tuple[float, float], matrix: np.ndarray, delta: tuple[float, float],
                 estimates: tuple[float | None, float, float], held: bool = False) -> ChartText:
    """:func:`surface_figure` as words: the sentence names f's range, the plane, the normal
    and the three values at p + Δ; the table has one row per grid point (thinned to
    ``alt_text.MAX_ROWS``): the point, f, the tangent plane and the quadratic model there
    (`matrix`: the 2 × 2 Hessian of the slice)."""
    a, b = (inert(label) for label in labels)
    actual, linear, quadratic = estimates
    finite = np.asarray(z, dtype=float)[np.isfinite(z)]
    where = f"({fmt(point[0])}, {fmt(point[1])})"
    text = (f"3-D surface of f = {inert(formula)} for {a} from {fmt(xs[0])} to {fmt(xs[-1])} "
            f"and {b} from {fmt(ys[0])} to {fmt(ys[-1])}"
            + (", the other variables held at the point" if held else ""))
    if finite.size:
        text += f": f ranges from {fmt(finite.min())} to {fmt(finite.max())}"
    text += (f". The tangent plane at p = {where}, where f = {fmt(value)}, is "
             f"z = {fmt(value)}{_term(gradient[0], a, point[0])}{_term(gradient[1], b, point[1])}"
             "; its normal is "
             f"({fmt(-gradient[0])}, {fmt(-gradient[1])}, 1). At p + Δ with "
             f"Δ = ({fmt(delta[0])}, {fmt(delta[1])}): f = "
             f"{'undefined' if actual is None else fmt(actual)}, the linear estimate "
             f"{fmt(linear)}, the quadratic estimate {fmt(quadratic)}.")
    gx, gy = np.meshgrid(xs, ys)
    flat = np.asarray(z, dtype=float).ravel()
    keep = np.flatnonzero(np.isfinite(flat))  # the plane and the model are finite everywhere
    chosen = keep[rows(keep.size)]
    table = pd.DataFrame({
        labels[0]: gx.ravel()[chosen], labels[1]: gy.ravel()[chosen], "value of f": flat[chosen],
        "tangent plane": plane_values(xs, ys, point, value, gradient).ravel()[chosen],
        "quadratic model": plane_values(xs, ys, point, value, gradient, matrix).ravel()[chosen]})
    return ChartText("3-D surface of f with its tangent plane at the point", text, table)
