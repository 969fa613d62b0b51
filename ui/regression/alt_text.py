"""Text alternatives of the regression stepper's charts, beside their figures
(``ui.regression.figures``): the fitted line, the loss contours with the path, the loss curve,
predicted against actual, the coefficient paths and the residual bars. The kit (``ChartText``,
``show``, ``CONFIG``) is ``ui.charts.alt_text``; its names are here too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gradcore.number_text import fmt
from ui.charts.alt_text import (  # noqa: F401  (the kit's names, for the pages)
    CONFIG,
    EXPANDER_LABEL,
    MAX_ROWS,
    ChartText,
    numbers_key,
    numbers_table,
    rows,
    show,
    value_range,
)
from ui.shell.text import inert

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
    table, _ = (numbers_table({labels[0]: x, labels[1]: y, f"GD line at step {k}": slope * x + intercept,
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
    table, _ = (numbers_table({"step k": np.arange(last + 1), "w": w_path, "b": b_path,
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
    table, _ = (numbers_table({"step k": np.arange(last + 1), "loss": loss}, keep=[k])
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
    table, _ = (numbers_table({f"actual {target}": y_true, f"GD ŷ at step {k}": y_pred,
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
    table, _ = (numbers_table(columns, keep=[k])
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
    table, _ = (numbers_table({"row": row_numbers, "residual ŷ − y": residuals})
                if with_table else (NO_TABLE, 0))
    return ChartText("Bar chart of the residuals of a few rows", text + ".", table)


def regularization_path(alphas: np.ndarray, coefs: np.ndarray, names: Sequence[str],
                        alpha: float, penalty: str, with_table: bool = True) -> ChartText:
    """``penalties.path_figure``: the coefficients at the current α, how many are exactly 0
    there, and from which α on every one is; the table has α and one column per coefficient."""
    alphas = np.asarray(alphas, dtype=float)
    coefs = np.atleast_2d(np.asarray(coefs, dtype=float))
    here = int(np.argmin(np.abs(np.log(alphas) - np.log(alpha))))
    zero = np.flatnonzero(coefs[here] == 0)
    values = ", ".join(f"w{j + 1} ({inert(name)}) = {fmt(coefs[here, j])}"
                       for j, name in enumerate(names))
    text = (f"The {len(names)} coefficients of the {penalty} fit against α from "
            f"{fmt(alphas[0])} to {fmt(alphas[-1])} (log axis), at {alphas.size} values of α: "
            f"at α = {fmt(alpha)}, {values}; {zero.size} of {len(names)} exactly 0")
    nonzero = np.flatnonzero((coefs != 0).any(axis=1))
    first = 0 if nonzero.size == 0 else int(nonzero[-1]) + 1
    if first < alphas.size:
        text += f"; every coefficient is exactly 0 from α = {fmt(alphas[first])} on"
    columns = {"α": alphas}
    columns.update({f"w{j + 1} ({name})": coefs[:, j] for j, name in enumerate(names)})
    table, _ = numbers_table(columns, keep=[here]) if with_table else (NO_TABLE, 0)
    return ChartText(PATH_ALT, text + ".", table)


PATH_ALT = "Plot of each coefficient against the penalty weight alpha"
