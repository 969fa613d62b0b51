"""Text alternatives of the charts: one sentence with the current numbers, and the numbers.

A screen-reader user gets what a sighted user reads off a plot: each chart is followed by a
caption (:attr:`ChartText.sentence`, one Markdown sentence; user text such as a typed formula
or a column name passes through :func:`ui.shell.text.inert`) and a collapsed expander "Numbers behind
this chart" with a table of the plotted points, at most ``MAX_ROWS`` rows. The chart itself
gets :attr:`ChartText.alt`, a short name Streamlit gives it as ``aria-label``.

The builders are pure functions of the arrays the page hands to :mod:`ui.calculus.figures` or
:mod:`ui.regression.figures`; derived lines are computed by the same helpers the figures use
(``line_through``, ``directional_curve``), so a table shows exactly what is drawn. No streamlit
import: :func:`show` writes into whatever container it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.calculus.figures import line_through, secant_slope
from ui.calculus.gradient_figures import DIRECTION_DEGREES, directional_curve
from ui.shell.text import inert

MAX_ROWS = 200
EXPANDER_LABEL = "Numbers behind this chart"
CONFIG = {"displaylogo": False}
"""``config`` of every ``st.plotly_chart``: no plotly logo link in the tool bar."""


@dataclass(frozen=True)
class ChartText:
    """``alt``: a short plain-text name; ``sentence``: Markdown; ``table``: ≤ MAX_ROWS rows."""

    alt: str
    sentence: str
    table: pd.DataFrame


HIDDEN_SENTENCE = ("This chart's numbers are hidden until you answer the exercise above "
                   "(or choose Show the answer).")
HELD_SENTENCE = ("This chart's numbers are hidden until you press Reveal the answers at the "
                 "top of the page.")


def numbers_key(alt: str) -> str:
    """The widget key of a chart's lazy "Numbers behind this chart" box, from its name."""
    return "numbers_" + re.sub(r"[^a-z0-9]+", "_", alt.lower()).strip("_")


def show(where: Any, text: ChartText) -> None:
    """Under a chart in `where` (``st`` or a column): the sentence, then the collapsed table.

    The table is made only while its box is open (``on_change="rerun"``, keyed by
    :func:`numbers_key` of the chart's name), so a click does not build and send it hidden.
    While an exercise is open and unanswered (predict, then see: ui/shell/exercise_panel.py), or a
    lesson holds the answers back, the sentence and the table would give the answer away, so a
    note stands in their place.
    """
    from ui.shell import exercise_panel  # streamlit-side state; this module stays importable alone

    if not exercise_panel.revealed():
        where.caption(HIDDEN_SENTENCE if exercise_panel.exercise_open() else HELD_SENTENCE)
        return
    where.caption(text.sentence)
    box = where.expander(EXPANDER_LABEL, key=numbers_key(text.alt), on_change="rerun")
    if box.open:
        box.dataframe(text.table, hide_index=True, width="stretch")


def rows(n: int, max_rows: int = MAX_ROWS, keep: Sequence[int] = ()) -> np.ndarray:
    """Sorted row indices: every n-th row at an even stride, the first and the last, and
    `keep` (the current step), at most `max_rows` of them."""
    keep = sorted({int(k) for k in keep if 0 <= k < n})
    if n <= max_rows:
        return np.arange(n)
    stride = math.ceil((n - 1) / (max_rows - 1 - len(keep)))
    return np.unique(np.concatenate([np.arange(0, n, stride), [n - 1], keep])).astype(int)


def _table(columns: dict[str, Any], keep: Sequence[int] = (),
           sort_by: str | None = None) -> tuple[pd.DataFrame, int]:
    """A table of equal-length columns, rows with a non-finite number left out, then thinned
    to MAX_ROWS (and, for a scatter, sorted by `sort_by`). Returns it and how many rows were
    left out as undefined."""
    frame = pd.DataFrame({name: np.asarray(values) for name, values in columns.items()})
    numeric = frame.select_dtypes("number")
    finite = np.isfinite(numeric.to_numpy(dtype=float)).all(axis=1)
    position = np.flatnonzero(finite)
    kept = [int(np.searchsorted(position, k)) for k in keep if finite[k]]
    table = frame.iloc[position[rows(position.size, keep=kept)]]
    if sort_by is not None:
        table = table.sort_values(sort_by, kind="stable")
    return table.reset_index(drop=True), int((~finite).sum())


def _range(xs: np.ndarray) -> str:
    return f"[{fmt(xs[0])}, {fmt(xs[-1])}]"


def _left_out(count: int, total: int) -> str:
    return f" (undefined at {count} of {total} points, left out of the table)" if count else ""


def _interval(lo: float, hi: float) -> str:
    return f"[{fmt(lo)}, {fmt(hi)}]" if hi > lo else f"{{{fmt(lo)}}}"


# --- Derivatives ---------------------------------------------------------------------------

def derivative(formula: str, variable: str, xs: np.ndarray, fx: np.ndarray, x0: float,
               f0: float | None, slope: float | None, secant: tuple[float, float] | None = None,
               kink: Any = None) -> ChartText:
    """``figures.derivative_figure``: f, the tangent (or at a kink the one-sided slopes and
    gradcore's line), the secant to (x0 + h, f(x0 + h))."""
    v = inert(variable)
    columns = {variable: xs, f"f({variable})": fx}
    text = f"f({v}) = {inert(formula)} on {_range(xs)}"
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
    table, undefined = _table(columns)
    return ChartText("Plot of f with its tangent and secant at x₀",
                     text + _left_out(undefined, len(xs)) + ".", table)


def derivative_curve(variable: str, xs: np.ndarray, dfx: np.ndarray, x0: float, slope: float,
                     kink: Any = None) -> ChartText:
    """``figures.derivative_curve_figure``: f′ over xs and its value at x0."""
    v = inert(variable)
    finite = np.asarray(dfx, dtype=float)[np.isfinite(dfx)]
    text = f"f′({v}) on {_range(xs)}"
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
    table, undefined = _table({variable: xs, f"f′({variable})": dfx})
    return ChartText("Plot of the derivative f′ with its value at x₀",
                     text + _left_out(undefined, len(xs)) + ".", table)


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
    table, _ = _table({labels[0]: px, labels[1]: py,
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
    table, _ = _table({"θ (degrees)": DIRECTION_DEGREES, "∇f·v": values})
    return ChartText("Plot of the directional derivative over the angle of v", text, table)


# --- Subgradients --------------------------------------------------------------------------

def support(formula: str, xs: np.ndarray, fx: np.ndarray, x0: float, f0: float,
            interval: tuple[float, float], g: float, crossing: float | None = None,
            above: tuple[float, float] | None = None) -> ChartText:
    """``figures.subgradient_figure``: ∂f(x0), and whether the line with slope g supports f."""
    line = line_through(x0, f0, g, xs)
    text = (f"f(x) = {inert(formula)} on {_range(xs)}, with ∂f(x₀) = {_interval(*interval)} at "
            f"x₀ = {fmt(x0)}; the line f(x₀) + g(y − x₀) with g = {fmt(g)} ")
    if crossing is None:
        text += "stays below f: g is a subgradient."
    else:
        text += f"rises above f at y = {fmt(crossing)}"
        if above is not None:
            text += f" and stays above it from y = {fmt(min(above))} to {fmt(max(above))}"
        text += ": g is not a subgradient."
    table, _ = _table({"y": xs, "f(y)": fx, f"line, g = {fmt(g)}": line,
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
    table, _ = _table({"step k": np.arange(last + 1), "x_k": x, "f(x_k)": f})
    return ChartText("Plot of the subgradient-method iterates on f", text, table)


def values_by_step(values: np.ndarray, best: np.ndarray) -> ChartText:
    """``figures.values_by_step_figure``: f(x_k) and the best value so far against k."""
    values = np.asarray(values, dtype=float)
    last = values.size - 1
    ups = int(np.sum(np.diff(values) > 0))
    text = (f"f(xₖ) goes from {fmt(values[0])} at step 0 to {fmt(values[-1])} at step {last}; "
            f"it went up in {ups} of {last} steps, and the best value so far falls to "
            f"{fmt(best[-1])}.")
    table, _ = _table({"step k": np.arange(last + 1), "f(x_k)": values, "best so far": best})
    return ChartText("Plot of f at each step and the best value so far", text, table)


# --- Chain rule ----------------------------------------------------------------------------

def composite(outer: tuple[str, str], inner: tuple[str, str], xs: np.ndarray, gx: np.ndarray,
              fgx: np.ndarray, x: float, fg: float, slope: float) -> ChartText:
    """``figures.composite_figure``: g, f(g(x)) and the composite's tangent at x.

    `outer`, `inner`: (formula, its variable) of f and g, as typed."""
    variable = inner[1]
    v, u = inert(variable), inert(outer[1])
    text = (f"g({v}) = {inert(inner[0])} and f(g({v})) with f({u}) = {inert(outer[0])} on "
            f"{_range(xs)}")
    columns = {variable: xs, f"g({variable})": gx, f"f(g({variable}))": fgx}
    if math.isfinite(fg) and math.isfinite(slope):
        columns["tangent"] = line_through(x, fg, slope, xs)
        text += (f"; at {v} = {fmt(x)}, f(g({v})) = {fmt(fg)} and its tangent has slope "
                 f"{fmt(slope)}")
    else:
        text += f"; f(g({v})) or its slope is undefined at {v} = {fmt(x)}, so no tangent is drawn"
    table, undefined = _table(columns)
    return ChartText("Plot of g and the composite f(g(x)) with its tangent",
                     text + _left_out(undefined, len(xs)) + ".", table)


def computation_graph(x: float, gx: float, fgx: float, dg: float, df: float,
                      names: tuple[str, str] = ("x", "u")) -> ChartText:
    """``figures.computation_graph_figure``: forward values and backward products; `names`
    are the input's and the inner value's names, as in the figure."""
    v, u = (inert(name) for name in names)
    text = (f"Forward: {v} = {fmt(x)}, {u} = g({v}) = {fmt(gx)}, f({u}) = {fmt(fgx)}; "
            f"backward: ∂f/∂f = 1, ∂f/∂{u} = f′({u}) = {fmt(df)}, ∂f/∂{v} = "
            f"f′({u})·g′({v}) = {fmt(df)} × {fmt(dg)} = {fmt(df * dg)}.")
    v, u = names
    table = pd.DataFrame({"node": [v, f"{u} = g({v})", f"f({u})"],
                          "forward value": [x, gx, fgx],
                          "edge to the next node": [f"g′({v}) = {fmt(dg)}",
                                                    f"f′({u}) = {fmt(df)}", ""],
                          "backward ∂f/∂node": [df * dg, df, 1.0]})
    return ChartText("Computation graph x to g to f with forward values and backward products",
                     text, table)


# --- Linear regression ---------------------------------------------------------------------

# The regression page shows each chart's table only while its expander is open, so its
# builders take ``with_table=False`` to skip the table (``ChartText.table`` is then empty).
NO_TABLE = pd.DataFrame()

def _line(slope: float, intercept: float, name: str) -> str:
    sign = "−" if intercept < 0 else "+"
    return f"ŷ = {fmt(slope)} × {inert(name)} {sign} {fmt(abs(intercept))}"


def fitted_line(x: np.ndarray, y: np.ndarray, slope: float, intercept: float,
                reference: tuple[float, float], labels: tuple[str, str], k: int,
                with_table: bool = True, source: str = "scikit-learn") -> ChartText:
    """``regression_figures.fitted_line_at``: the drawn points, the line at step k and
    scikit-learn's, in original units."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    text = (f"{x.size:,} data points of {inert(labels[1])} against {inert(labels[0])}; at step "
            f"{k} gradient descent's line is {_line(slope, intercept, labels[0])}, "
            f"{source}'s is {_line(*reference, labels[0])}.")
    table, _ = (_table({labels[0]: x, labels[1]: y, f"GD line at step {k}": slope * x + intercept,
                        f"{source} line": reference[0] * x + reference[1]}, sort_by=labels[0])
                if with_table else (NO_TABLE, 0))
    return ChartText("Scatter plot of the data with the fitted lines", text, table)


def contour_path(w_path: np.ndarray, b_path: np.ndarray, loss: np.ndarray, k: int,
                 optimum: tuple[float, float], units: str, with_table: bool = True,
                 source: str = "scikit-learn") -> ChartText:
    """``regression_figures.contour_at``: the path in (w, b) and its distance to the optimum."""
    w_path, b_path = np.asarray(w_path, dtype=float), np.asarray(b_path, dtype=float)
    last = w_path.size - 1

    def gap(i: int) -> float:
        return float(np.hypot(w_path[i] - optimum[0], b_path[i] - optimum[1]))

    text = f"The gradient-descent path starts at (w, b) = ({fmt(w_path[0])}, {fmt(b_path[0])})"
    if k:
        text += f" and is at ({fmt(w_path[k])}, {fmt(b_path[k])}) at step {k}"
    text += (f", {fmt(gap(k))} from the {source} optimum ({fmt(optimum[0])}, "
             f"{fmt(optimum[1])})")
    if k != last:
        text += f"; the last step, {last}, ends {fmt(gap(last))} from it"
    table, _ = (_table({"step k": np.arange(last + 1), "w": w_path, "b": b_path,
                        "loss": loss}, keep=[k])
                if with_table else (NO_TABLE, 0))
    return ChartText("Loss contours over w and b with the gradient-descent path",
                     f"{text} (w and b in {units}).", table)


def loss_curve(loss: np.ndarray, k: int, with_table: bool = True) -> ChartText:
    """``regression_figures.loss_at``: the loss from the first step to the last, and at k."""
    loss = np.asarray(loss, dtype=float)
    last = loss.size - 1
    trend = "falls" if loss[-1] < loss[0] else "rises" if loss[-1] > loss[0] else "stays"
    text = (f"Loss {trend} from {fmt(loss[0])} to {fmt(loss[-1])} in {last} steps; at step {k} "
            f"it is {fmt(loss[k])}.")
    table, _ = (_table({"step k": np.arange(last + 1), "loss": loss}, keep=[k])
                if with_table else (NO_TABLE, 0))
    return ChartText("Plot of the loss against the step", text, table)


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if values.size else float("nan")


def predicted_actual(y_true: np.ndarray, y_pred: np.ndarray, y_reference: np.ndarray, k: int,
                     target: str, total: int, with_table: bool = True,
                     source: str = "scikit-learn") -> ChartText:
    """``regression_figures.predicted_actual_at``: how far predictions are from the target."""
    y_true, y_pred, y_reference = (np.asarray(a, dtype=float) for a in (y_true, y_pred,
                                                                         y_reference))
    text = (f"{y_true.size:,} of {total:,} rows: at step {k} gradient descent's predictions of "
            f"{inert(target)} are off by {fmt(_rms(y_pred - y_true))} (root mean square), "
            f"{source}'s by {fmt(_rms(y_reference - y_true))}.")
    table, _ = (_table({f"actual {target}": y_true, f"GD ŷ at step {k}": y_pred,
                        f"{source} ŷ": y_reference}, sort_by=f"actual {target}")
                if with_table else (NO_TABLE, 0))
    return ChartText("Scatter plot of predicted against actual values", text, table)


def coefficient_paths(w_path: np.ndarray, b_path: np.ndarray, names: Sequence[str], k: int,
                      reference: tuple[np.ndarray, float], units: str,
                      with_table: bool = True) -> ChartText:
    """``regression_figures.coefficient_paths_at``: the parameters at step k against
    scikit-learn's, and the weight furthest from its reference."""
    w_path = np.atleast_2d(np.asarray(w_path, dtype=float))
    b_path = np.asarray(b_path, dtype=float)
    ref_w = np.asarray(reference[0], dtype=float)
    last = w_path.shape[0] - 1
    far = int(np.argmax(np.abs(w_path[k] - ref_w)))
    text = (f"In {units}, {len(names)} weights and b over {last} steps: at step {k} b = "
            f"{fmt(b_path[k])} (scikit-learn {fmt(reference[1])}); the weight furthest from "
            f"scikit-learn's is that of {inert(names[far])}, {fmt(w_path[k, far])} against "
            f"{fmt(ref_w[far])}.")
    columns = {"step k": np.arange(last + 1)}
    columns.update({f"w ({name})": w_path[:, j] for j, name in enumerate(names)})
    columns["b"] = b_path
    table, _ = (_table(columns, keep=[k])
                if with_table else (NO_TABLE, 0))
    return ChartText("Plot of each coefficient against the step", text, table)


def residual_bars(residuals: np.ndarray, row_numbers: np.ndarray, k: int,
                  with_table: bool = True) -> ChartText:
    """``regression_figures.residual_bars_figure``: how many rows pull which way, and the
    largest residual of each sign."""
    residuals = np.asarray(residuals, dtype=float)
    row_numbers = np.asarray(row_numbers)
    high, low = residuals > 0, residuals < 0
    text = f"Residuals ŷ − y of {residuals.size} rows at step {k}: {int(high.sum())} too high"
    if high.any():
        i = int(np.argmax(residuals))
        text += f" (largest {fmt(residuals[i])}, row {int(row_numbers[i])})"
    text += f", {int(low.sum())} too low"
    if low.any():
        i = int(np.argmin(residuals))
        text += f" (largest {fmt(residuals[i])}, row {int(row_numbers[i])})"
    table, _ = (_table({"row": row_numbers, "residual ŷ − y": residuals})
                if with_table else (NO_TABLE, 0))
    return ChartText("Bar chart of the residuals of a few rows", text + ".", table)
