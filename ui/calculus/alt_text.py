"""Text alternatives of the calculus lessons' charts, beside their figures (``figures``,
``gradient_figures``): pure functions of the arrays the page hands to the figure, derived lines
computed by the same helpers the figures use (``line_through``, ``directional_curve``), so a
table shows exactly what is drawn. Tables are made when first read (``deferred_table``): a
click pays for the sentence only, the table is made when its box is opened. The kit (``ChartText``, ``show``, ``CONFIG``) is
``ui.charts.alt_text``; its names are here too, so a page needs one module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.calculus.figures import line_through, secant_slope
from ui.calculus.gradient_figures import DIRECTION_DEGREES, directional_curve
from ui.charts.alt_text import (  # noqa: F401  (the kit's names, for the pages)
    CONFIG,
    EXPANDER_LABEL,
    MAX_ROWS,
    ChartText,
    deferred_table,
    interval_text,
    left_out_note,
    numbers_key,
    numbers_table,
    rows,
    show,
    value_range,
)
from ui.shell.text import inert

# --- Derivatives ---------------------------------------------------------------------------

def derivative(formula: str, variable: str, xs: np.ndarray, fx: np.ndarray, x0: float,
               f0: float | None, slope: float | None, secant: tuple[float, float] | None = None,
               kink: Any = None) -> ChartText:
    """``figures.derivative_figure``: f, the tangent (or at a kink the one-sided slopes and
    gradcore's line), the secant to (x0 + h, f(x0 + h))."""
    v = inert(variable)
    columns = {variable: xs, f"f({variable})": fx}
    text = f"f({v}) = {inert(formula)} on {value_range(xs)}"
    if f0 is None or slope is None:
        text += f"; f or its slope is undefined at x₀ = {fmt(x0)}, so no tangent is drawn"
    elif kink is None:
        columns["tangent"] = line_through(x0, f0, slope, xs)
        text += f"; the tangent at x₀ = {fmt(x0)}, where f = {fmt(f0)}, has slope {fmt(slope)}"
    else:
        columns[f"slope from the left ({fmt(kink.left)})"] = line_through(x0, f0, kink.left, xs)
        columns[f"slope from the right ({fmt(kink.right)})"] = line_through(x0, f0, kink.right,
                                                                            xs)
        name = "subgradient" if kink.interval is not None else "midpoint slope (no subgradient)"
        columns[f"{name} line ({fmt(kink.slope)})"] = line_through(x0, f0, kink.slope, xs)
        text += (f"; at x₀ = {fmt(x0)} f has a kink, slope {fmt(kink.left)} from the left and "
                 f"{fmt(kink.right)} from the right, so no tangent: the line drawn has "
                 + (f"the subgradient slope g = {fmt(kink.slope)}" if kink.interval is not None
                    else f"the midpoint slope {fmt(kink.slope)} and is no subgradient"))
    if secant is not None and f0 is not None and slope is not None:
        columns["secant"] = line_through(x0, f0, secant_slope(x0, f0, *secant), xs)
        text += (f"; the secant to x₀ + h = {fmt(secant[0])} has slope "
                 f"{fmt(secant_slope(x0, f0, *secant))}")
    table, undefined = deferred_table(columns)
    return ChartText("Plot of f with its tangent and secant at x₀",
                     text + left_out_note(undefined, len(xs)) + ".", table)


def derivative_curve(variable: str, xs: np.ndarray, dfx: np.ndarray, x0: float, slope: float,
                     kink: Any = None) -> ChartText:
    """``figures.derivative_curve_figure``: f′ over xs and its value at x0."""
    v = inert(variable)
    finite = np.asarray(dfx, dtype=float)[np.isfinite(dfx)]
    text = f"f′({v}) on {value_range(xs)}"
    if finite.size:
        text += f" runs between {fmt(finite.min())} and {fmt(finite.max())}"
    if kink is not None:
        kind = "subgradient" if kink.interval is not None else "midpoint slope"
        text += (f"; it jumps at x₀ = {fmt(x0)} from {fmt(kink.left)} to {fmt(kink.right)}, and "
                 f"the marked {kind} is {fmt(slope)}")
    elif math.isfinite(slope):
        text += f"; at x₀ = {fmt(x0)} it is {fmt(slope)}, the slope of the tangent"
    else:
        text += f"; it is undefined at x₀ = {fmt(x0)}"
    table, undefined = deferred_table({variable: xs, f"f′({variable})": dfx})
    return ChartText("Plot of the derivative f′ with its value at x₀",
                     text + left_out_note(undefined, len(xs)) + ".", table)


# --- Gradients -----------------------------------------------------------------------------

def _angle(vector: Sequence[float]) -> float:
    return float(np.degrees(np.arctan2(vector[1], vector[0]))) % 360.0


def contour_map(formula: str, labels: tuple[str, str], xs: np.ndarray, ys: np.ndarray,
                z: np.ndarray, field: tuple[np.ndarray, ...], point: tuple[float, float],
                gradient: tuple[float, float], direction: tuple[float, float],
                held: bool = False) -> ChartText:
    """``gradient_figures.contour_gradient_figure``: f's range on the grid, ∇f at the point, and the
    field: one row per arrow (its position, f there from the grid, its two components)."""
    a, b = (inert(label) for label in labels)
    finite = np.asarray(z, dtype=float)[np.isfinite(z)]
    text = (f"Contour map of f = {inert(formula)} for {a} from {fmt(xs[0])} to {fmt(xs[-1])} "
            f"and {b} from {fmt(ys[0])} to {fmt(ys[-1])}"
            + (", the other variables held at the point" if held else ""))
    if finite.size:
        text += f": f ranges from {fmt(finite.min())} to {fmt(finite.max())}"
    norm = float(np.hypot(*gradient))
    where = f"({fmt(point[0])}, {fmt(point[1])})"
    if not math.isfinite(norm):
        text += f"; ∇f is undefined at the point {where}"
    elif norm == 0:
        text += f"; ∇f is zero at the point {where}, so no arrow is drawn there"
    else:
        text += (f"; at the point {where} the gradient in this plane is ({fmt(gradient[0])}, "
                 f"{fmt(gradient[1])}), length {fmt(norm)}, pointing at {fmt(_angle(gradient))}°")
    text += f"; the direction v points at {fmt(_angle(direction))}°."
    px, py, u, v = (np.ravel(np.asarray(part, dtype=float)) for part in field)
    column = np.abs(np.asarray(xs)[None, :] - px[:, None]).argmin(axis=1)
    row = np.abs(np.asarray(ys)[None, :] - py[:, None]).argmin(axis=1)
    table, _ = deferred_table({labels[0]: px, labels[1]: py,
                       f"f({labels[0]}, {labels[1]})": np.asarray(z)[row, column],
                       f"∂f/∂{labels[0]}": u, f"∂f/∂{labels[1]}": v})
    return ChartText("Contour map of f with the gradient field and the gradient at the point",
                     text, table)


def directional(gradient: tuple[float, float], angle_deg: float,
                norm_label: str = "‖∇f‖") -> ChartText:
    """``gradient_figures.directional_figure``: ∇f·v at the chosen angle, its maximum and minimum."""
    values = directional_curve(gradient, np.radians(DIRECTION_DEGREES))
    rate = float(directional_curve(gradient, np.radians([angle_deg]))[0])
    norm = float(np.hypot(*gradient))
    text = f"∇f·v for the angle θ of v from 0° to 360°: at θ = {fmt(angle_deg)}° it is {fmt(rate)}"
    if norm > 0:
        best = _angle(gradient)
        text += (f"; largest, {fmt(norm)} = {inert(norm_label)}, at θ = {fmt(best)}° (along "
                 f"∇f), smallest, {fmt(-norm)}, at θ = {fmt((best + 180) % 360)}°.")
    else:
        text += "; ∇f is zero in this plane, so ∇f·v is 0 for every θ." if norm == 0 else "."
    table, _ = deferred_table({"θ (degrees)": DIRECTION_DEGREES, "∇f·v": values})
    return ChartText("Plot of the directional derivative over the angle of v", text, table)


# --- Subgradients --------------------------------------------------------------------------

def support(formula: str, xs: np.ndarray, fx: np.ndarray, x0: float, f0: float,
            interval: tuple[float, float], g: float, crossing: float | None = None,
            above: tuple[float, float] | None = None) -> ChartText:
    """``figures.subgradient_figure``: ∂f(x0), and whether the line with slope g supports f."""
    line = line_through(x0, f0, g, xs)
    text = (f"f(x) = {inert(formula)} on {value_range(xs)}, with ∂f(x₀) = {interval_text(*interval)} at "
            f"x₀ = {fmt(x0)}; the line f(x₀) + g(y − x₀) with g = {fmt(g)} ")
    if crossing is None:
        text += "stays below f: g is a subgradient."
    else:
        text += f"rises above f at y = {fmt(crossing)}"
        if above is not None:
            text += f" and stays above it from y = {fmt(min(above))} to {fmt(max(above))}"
        text += ": g is not a subgradient."
    table, _ = deferred_table({"y": xs, "f(y)": fx, f"line, g = {fmt(g)}": line,
                       "line − f(y)": line - np.asarray(fx, dtype=float)})
    return ChartText("Plot of f with the supporting lines at x₀ and the line for g", text, table)


STEP_TEXT = {"constant": "constant step t = {}", "1/k": "step t/k, t = {}",
             "1/sqrt(k)": "step t/√k, t = {}"}


def iterates(x: np.ndarray, f: np.ndarray, best: np.ndarray, rule: str,
             step_size: float) -> ChartText:
    """``figures.iterates_figure``: where the subgradient method went, step by step."""
    last = len(x) - 1
    first_best = int(np.argmax(np.asarray(best) <= best[-1]))
    text = (f"{last} steps of the subgradient method ({STEP_TEXT[rule].format(fmt(step_size))}) "
            f"go from the start x = {fmt(x[0])} to x = {fmt(x[-1])}, where f = {fmt(f[-1])}; "
            f"the lowest f, {fmt(best[-1])}, was first reached at step {first_best}.")
    table, _ = deferred_table({"step k": np.arange(last + 1), "x_k": x, "f(x_k)": f})
    return ChartText("Plot of the subgradient-method iterates on f", text, table)


def values_by_step(values: np.ndarray, best: np.ndarray) -> ChartText:
    """``figures.values_by_step_figure``: f(x_k) and the best value so far against k."""
    values = np.asarray(values, dtype=float)
    last = values.size - 1
    ups = int(np.sum(np.diff(values) > 0))
    text = (f"f(xₖ) goes from {fmt(values[0])} at step 0 to {fmt(values[-1])} at step {last}; "
            f"it went up in {ups} of {last} steps, and the best value so far falls to "
            f"{fmt(best[-1])}.")
    table, _ = deferred_table({"step k": np.arange(last + 1), "f(x_k)": values, "best so far": best})
    return ChartText("Plot of f at each step and the best value so far", text, table)


# --- Chain rule ----------------------------------------------------------------------------

def composite(outer: tuple[str, str], inner: tuple[str, str], xs: np.ndarray, gx: np.ndarray,
              fgx: np.ndarray, x: float, fg: float, slope: float) -> ChartText:
    """``figures.composite_figure``: g, f(g(x)) and the composite's tangent at x.

    `outer`, `inner`: (formula, its variable) of f and g, as typed."""
    variable = inner[1]
    v, u = inert(variable), inert(outer[1])
    text = (f"g({v}) = {inert(inner[0])} and f(g({v})) with f({u}) = {inert(outer[0])} on "
            f"{value_range(xs)}")
    columns = {variable: xs, f"g({variable})": gx, f"f(g({variable}))": fgx}
    if math.isfinite(fg) and math.isfinite(slope):
        columns["tangent"] = line_through(x, fg, slope, xs)
        text += (f"; at {v} = {fmt(x)}, f(g({v})) = {fmt(fg)} and its tangent has slope "
                 f"{fmt(slope)}")
    else:
        text += f"; f(g({v})) or its slope is undefined at {v} = {fmt(x)}, so no tangent is drawn"
    table, undefined = deferred_table(columns)
    return ChartText("Plot of g and the composite f(g(x)) with its tangent",
                     text + left_out_note(undefined, len(xs)) + ".", table)


def computation_graph(x: float, gx: float, fgx: float, dg: float, df: float,
                      names: tuple[str, str] = ("x", "u")) -> ChartText:
    """``figures.computation_graph_figure``: forward values and backward products; `names`
    are the input's and the inner value's names, as in the figure."""
    v, u = (inert(name) for name in names)
    text = (f"Forward: {v} = {fmt(x)}, {u} = g({v}) = {fmt(gx)}, f({u}) = {fmt(fgx)}; "
            f"backward: ∂f/∂f = 1, ∂f/∂{u} = f′({u}) = {fmt(df)}, ∂f/∂{v} = "
            f"f′({u})·g′({v}) = {fmt(df)} × {fmt(dg)} = {fmt(df * dg)}.")
    v, u = names
    def table() -> pd.DataFrame:
        return pd.DataFrame({"node": [v, f"{u} = g({v})", f"f({u})"],
                             "forward value": [x, gx, fgx],
                             "edge to the next node": [f"g′({v}) = {fmt(dg)}",
                                                       f"f′({u}) = {fmt(df)}", ""],
                             "backward ∂f/∂node": [df * dg, df, 1.0]})
    return ChartText("Computation graph x to g to f with forward values and backward products",
                     text, table)
