"""Streamlit pieces of the regression page: the stepper fragment, the formula and check panels.

Every number shown comes from gradcore through :mod:`ui.regression_cache`; this module formats
it. The only arithmetic here is display arithmetic: predictions y_hat = X w + b of the few rows
written into the formula or drawn (at most ``MAX_POINTS``), sums recovered from a gradient
(sum_i r_i x_ij = N/2 * dL/dw_j), and the update theta - eta * grad written out.

Units: gradient descent runs on standardised features when standardisation is on, so its w, b
(metrics, formula panel, update and gradient tables) are in standardised units, while the
scikit-learn check table is in original units. Every label says which (``gd_units``).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import DataError, learning_rate_verdict
from ui import data_source
from ui.chart_cache import chart_text
from ui.chart_cache import regression_figures as figures
from ui.lessons import trace_run
from ui.regression_cache import (
    COMPARISON_RTOL,
    GRADIENT_RTOL,
    Problem,
    Run,
    RunRef,
    StepCheck,
    check_step,
    resolve,
)
from ui.state import Link, inert, share_box

FORMULA_TERMS = 3
STANDARDISED_UNITS = "standardised units"
ORIGINAL_UNITS = "original units"
# Without standardisation, a condition number above this earns the advice to standardise.
STANDARDISE_ADVICE_CONDITION = 10.0


def gd_units(problem: Problem) -> str:
    """The units gradient descent's w, b are in: standardised when the features were."""
    return STANDARDISED_UNITS if problem.scaler else ORIGINAL_UNITS


def learning_rate_note(rate: float, bound: float, condition_number: float,
                       standardised: bool) -> str:
    """Markdown: the stable bound 1/λmax, gradcore's verdict on `rate`, the condition number.

    The verdict (stable / edge / diverges) is ``gradcore.learning_rate_verdict``'s, in bold
    unless stable. The advice to standardise the features appears only when they are not
    standardised (and the condition number is above STANDARDISE_ADVICE_CONDITION).
    """
    verdict = learning_rate_verdict(rate, bound)
    text = f"Largest stable learning rate for this data: **1/λmax = {bound:.4g}**. "
    text += verdict.message if verdict.kind == "stable" else f"**{verdict.message}**"
    if np.isfinite(condition_number):
        text += (f" Condition number: {condition_number:.4g} (gradient descent needs about that "
                 "many steps per factor e of progress).")
    else:
        text += " Condition number: infinite (the optimum is not unique)."
    if not standardised and condition_number > STANDARDISE_ADVICE_CONDITION:
        text += (" Standardise the features (z = (x − mean) / sd) to lower the condition number, "
                 "so gradient descent needs far fewer steps.")
    return text


def number(value: float, digits: int = 4) -> str:
    """A finite float in `digits` significant figures (plain text)."""
    return f"{float(value):.{digits}g}"


def tex(value: float, digits: int = 4, wrap: bool = True) -> str:
    """A float for LaTeX: 1.2e-05 -> 1.2\\times10^{-5}; negative values in parentheses if `wrap`."""
    text = f"{float(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times10^{{{int(exponent)}}}"
    return f"({text})" if wrap and float(value) < 0 else text


def trajectory_frame(run: Run, features: tuple[str, ...]) -> pd.DataFrame:
    """One row per iterate: step, w_<feature>..., b, loss, grad_w_<feature>..., grad_b in the
    units GD runs in (standardised when standardisation is on), then w_<feature>_original...,
    b_original: the same iterates in original units."""
    t = run.trajectory
    columns = {"step": np.arange(len(t.b))}
    columns |= {f"w_{name}": t.w[:, j] for j, name in enumerate(features)}
    columns |= {"b": t.b, "loss": t.loss}
    columns |= {f"grad_w_{name}": t.grad_w[:, j] for j, name in enumerate(features)}
    columns["grad_b"] = t.grad_b
    columns |= {f"w_{name}_original": run.coef[:, j] for j, name in enumerate(features)}
    columns["b_original"] = run.intercept
    return pd.DataFrame(columns)


def trajectory_csv(run: Run, features: tuple[str, ...]) -> bytes:
    """The trajectory table as UTF-8 CSV bytes (full float precision)."""
    buffer = io.BytesIO()  # not StringIO, which holds 4 bytes per character
    trajectory_frame(run, features).to_csv(buffer, index=False, float_format="%.17g")
    return buffer.getvalue()


def trajectory_download(problem: Problem, run: Run) -> Callable[[], bytes]:
    """The download button's ``data`` callable, holding a RunRef (a few values), not the arrays:
    Streamlit keeps it with the session. On a click it makes ``trajectory_csv`` from the cached
    run (computed again if the cache dropped it; a dropped upload gives a one-line note)."""
    return functools.partial(_download_csv, RunRef.of(problem, run))


def _download_csv(ref: RunRef) -> bytes:
    found = resolve(ref)
    if found is None:
        return (b"note\nThe uploaded table was dropped from the server's memory: open the page, "
                b"upload the file again and download once more.\n")
    return trajectory_csv(found[1], found[0].features)


def _bracket(terms: list[str], more: bool, per_line: int = 2) -> str:
    """[t1 + t2 \\ + t3 + ...]: at most `per_line` terms per line of an aligned block."""
    chunks = [" + ".join(terms[i:i + per_line]) for i in range(0, len(terms), per_line)]
    body = r"\\ &\qquad + ".join(chunks) + (r" + \dots" if more else "")
    return rf"\Big[{body}\Big]"


def gradient_latex(problem: Problem, run: Run, k: int, step: StepCheck) -> list[str]:
    """The article's formulas at iterate k with numbers: residuals, dL/dw_1, dL/db, updates."""
    t = run.trajectory
    n, rows = len(problem.y), min(FORMULA_TERMS, len(problem.y))
    w, b, rate = t.w[k], float(t.b[k]), t.learning_rate
    X_first, y_first = problem.X_fit[:rows], problem.y[:rows]
    predicted = X_first @ w + b
    residual = predicted - y_first
    more = n > rows
    frac = rf"\tfrac{{2}}{{{n}}}"
    residuals = r"\\ ".join(
        rf"r_{i + 1} &= \hat y_{i + 1} - y_{i + 1} = {tex(predicted[i], wrap=False)} - "
        rf"{tex(y_first[i])} = {tex(residual[i], wrap=False)}" for i in range(rows))
    terms_w = [rf"{tex(residual[i])}\cdot{tex(X_first[i, 0])}" for i in range(rows)]
    terms_b = [tex(residual[i]) for i in range(rows)]
    return [
        rf"\begin{{aligned}}{residuals}\end{{aligned}}",
        rf"\begin{{aligned}}\frac{{\partial L}}{{\partial w_1}} &= \frac{{2}}{{N}}"
        rf"\sum_{{i=1}}^{{N}} r_i\,x_{{i1}} \\ &= {frac}{_bracket(terms_w, more, 1)} \\ "
        rf"&= {frac}\times{tex(step.grad_w[0] * n / 2)} = {tex(step.grad_w[0], wrap=False)}"
        r"\end{aligned}",
        rf"\begin{{aligned}}\frac{{\partial L}}{{\partial b}} &= \frac{{2}}{{N}}"
        rf"\sum_{{i=1}}^{{N}} r_i \\ &= {frac}{_bracket(terms_b, more, 2)} \\ "
        rf"&= {frac}\times{tex(step.grad_b * n / 2)} = {tex(step.grad_b, wrap=False)}"
        r"\end{aligned}",
        rf"\begin{{aligned}}w_1 &\leftarrow w_1 - \eta\,\frac{{\partial L}}{{\partial w_1}}"
        rf" \\ &= {tex(w[0], wrap=False)} - {tex(rate)}\times{tex(step.grad_w[0])} = "
        rf"{tex(w[0] - rate * step.grad_w[0], wrap=False)} \\[4pt] "
        rf"b &\leftarrow b - \eta\,\frac{{\partial L}}{{\partial b}} \\ &= "
        rf"{tex(b, wrap=False)} - {tex(rate)}\times{tex(step.grad_b)} = "
        rf"{tex(b - rate * step.grad_b, wrap=False)}\end{{aligned}}",
    ]


def update_table(problem: Problem, run: Run, k: int, step: StepCheck) -> pd.DataFrame:
    """Every parameter at step k: value, sum term, gradient, -eta * gradient, next value."""
    t, n = run.trajectory, len(problem.y)
    values = np.append(t.w[k], t.b[k])
    grads = np.append(step.grad_w, step.grad_b)
    rate = t.learning_rate
    units = gd_units(problem)
    return pd.DataFrame({
        "parameter": [f"w ({name})" for name in problem.features] + ["b"],
        f"value at step {k} ({units})": values,
        "Σ r_i·x_ij (or Σ r_i)": grads * n / 2,
        "gradient = 2/N · Σ": grads,
        "−η · gradient": -rate * grads,
        f"value at step {k + 1} ({units})": values - rate * grads,
    })


def _step_controls(link: Link, last: int) -> int:
    """start / back / forward / end buttons and the step slider; returns the step k.

    A click is read from the button's return value, not an ``on_click`` callback: after a
    server restart the first click reaches a session that never created the buttons (so has
    no callback for them) but does see their value (see ui/server.py).
    """
    row = st.container(horizontal=True, gap="small")
    clicked = {
        "start": row.button("start", key="k_start", icon=":material/first_page:"),
        "back": row.button("back", key="k_back", icon=":material/chevron_left:"),
        "forward": row.button("forward", key="k_forward", icon=":material/chevron_right:",
                              icon_position="right"),
        "end": row.button("end", key="k_end", icon=":material/last_page:",
                          icon_position="right"),
    }
    current = st.session_state.get("k")
    if current is None:  # a new session (a server restart): the step the address holds
        address = st.query_params.get("k", "0")
        current = int(address) if address.isdigit() else 0
    moves = {"start": 0, "back": current - 1, "forward": current + 1, "end": last}
    for name, target in moves.items():
        if clicked[name]:
            st.session_state["k"] = int(np.clip(target, 0, last))
    if last == 0:
        st.caption("The run has only its start point (step 0).")
        return 0
    return link.number("k", "step k", 0, last, 0, integer=True, slider=True)


def metric_values(problem: Problem, run: Run, k: int) -> list[tuple[str, str]]:
    """(label, value) of each metric at step k; every w and b label names its units.

    One feature: w; several: ‖w‖. In GD's units, and in original units beside them when GD
    runs on standardised features. The loss is the same in both.
    """
    t = run.trajectory
    one = len(problem.features) == 1
    name = "w" if one else "‖w‖"

    def size(w: np.ndarray) -> float:
        return float(w[0]) if one else float(np.linalg.norm(w))

    units = gd_units(problem)
    shown = [("step k", f"{k} of {t.steps_taken}"),
             (f"{name} ({units})", number(size(t.w[k]), 6)),
             (f"b ({units})", number(t.b[k], 6))]
    if problem.scaler:
        shown += [(f"{name} ({ORIGINAL_UNITS})", number(size(run.coef[k]), 6)),
                  (f"b ({ORIGINAL_UNITS})", number(run.intercept[k], 6))]
    return shown + [("loss L(w, b)", number(t.loss[k], 6))]


def _metrics(problem: Problem, run: Run, k: int) -> None:
    row = st.container(horizontal=True, gap="medium")
    for label, value in metric_values(problem, run, k):
        row.metric(label, value, width="content")


def _titled(column, title: str, figure, key: str, note: str | None = None, *,
            about: chart_text.ChartText) -> None:
    """The chart under its title, named by it for screen readers, then its text alternative."""
    column.markdown(f"**{title}**")
    column.plotly_chart(figure, width="stretch", key=key, alt=title, config=chart_text.CONFIG)
    if note:
        column.caption(note)
    chart_text.show(column, about)


def _plots(problem: Problem, run: Run, k: int, log_y: bool) -> None:
    t = run.trajectory
    w, b = t.w[k], float(t.b[k])
    left, right = st.columns(2)
    if len(problem.features) == 1:
        _titled(left, "Data, the line at step k and scikit-learn's line", figures.fitted_line_figure(
            problem.sample_X[:, 0], problem.sample_y, run.coef[:, 0], run.intercept, k,
            (float(problem.reference[0][0]), problem.reference[1]),
            (problem.features[0], problem.target)), "fig_line",
            "▶ Play replays the line over the whole run in your browser. Grey guides: residuals.",
            about=chart_text.fitted_line(
                problem.sample_X[:, 0], problem.sample_y, float(run.coef[k, 0]),
                float(run.intercept[k]), (float(problem.reference[0][0]), problem.reference[1]),
                (problem.features[0], problem.target), k))
        w_grid, b_grid, loss_grid = run.contour
        optimum = (float(problem.reference_fit[0][0]), problem.reference_fit[1])
        _titled(right, "Loss contours over (w, b), the path and the optimum",
                figures.contour_figure(w_grid, b_grid, loss_grid, t.w[:, 0], t.b, k,
                                       optimum), "fig_contour",
                f"In {gd_units(problem)}, the units GD works in.",
                about=chart_text.contour_path(t.w[:, 0], t.b, t.loss, k, optimum,
                                              gd_units(problem)))
    else:
        reference = problem.sample_X @ problem.reference[0] + problem.reference[1]
        predicted = problem.sample_X_fit @ w + b
        _titled(left, "Predicted against actual", figures.predicted_actual_figure(
            problem.sample_y, predicted, reference, k), "fig_pred",
            f"{problem.sample.size:,} of {len(problem.y):,} rows drawn.",
            about=chart_text.predicted_actual(problem.sample_y, predicted, reference, k,
                                              problem.target, len(problem.y)))
        _titled(right, "Coefficients against step (dotted: scikit-learn)",
                figures.coefficient_paths_figure(t.w, t.b, problem.features, k,
                                                 problem.reference_fit), "fig_paths",
                f"▶ Play replays the run in your browser. In {gd_units(problem)}, the units "
                "GD works in.",
                about=chart_text.coefficient_paths(t.w, t.b, problem.features, k,
                                                   problem.reference_fit, gd_units(problem)))
    left, right = st.columns(2)
    _titled(left, "Loss against step", figures.loss_figure(t.loss, k, log_y), "fig_loss",
            about=chart_text.loss_curve(t.loss, k))
    shown = problem.sample[: figures.MAX_RESIDUAL_BARS]
    residual = problem.sample_X_fit[: shown.size] @ w + b - problem.sample_y[: shown.size]
    _titled(right, f"Residuals of {shown.size} rows at step k",
            figures.residual_bars_figure(residual, shown + 1), "fig_residuals",
            "Bars above zero (pink): prediction too high, the row pushes b (and w along x) "
            "down; below zero (green): pulls up.",
            about=chart_text.residual_bars(residual, shown + 1, k))


def _gradient_check(problem: Problem, step: StepCheck, run: Run, k: int) -> None:
    check = step.check
    names = [f"∂L/∂w{j + 1}" for j in range(step.grad_w.size)] + ["∂L/∂b"]
    st.dataframe(pd.DataFrame({
        f"component ({gd_units(problem)})": names,
        "article's formula": np.append(step.grad_w, step.grad_b),
        "GD engine (S, t)": np.append(run.trajectory.grad_w[k], run.trajectory.grad_b[k]),
        "finite differences": np.asarray(check.numeric),
    }), hide_index=True, width="stretch")
    how = "of mse_loss on the data" if step.direct else "of the loss from the sufficient statistics"
    verdict = st.success if check.passed else st.warning
    verdict(f"Gradient check at step {k}: relative error {check.relative_error:.2e} between the "
            f"article's formula and central differences {how} (tolerance "
            f"{GRADIENT_RTOL:.0e}).")


def _comparison(problem: Problem, run: Run, k: int) -> None:
    coef_k, intercept_k = run.coef[k], float(run.intercept[k])
    ref_coef, ref_intercept = problem.reference
    st.dataframe(pd.DataFrame({
        "parameter (original units)": [*problem.features, "b (intercept)"],
        f"GD at step {k}": np.append(coef_k, intercept_k),
        "scikit-learn": np.append(ref_coef, ref_intercept),
        "|difference|": np.abs(np.append(coef_k - ref_coef, intercept_k - ref_intercept)),
    }), hide_index=True, width="stretch")
    gap = np.linalg.norm(np.append(coef_k - ref_coef, intercept_k - ref_intercept))
    scale = max(np.linalg.norm(np.append(ref_coef, ref_intercept)), 1e-300)
    loss_k = float(run.trajectory.loss[k])
    st.markdown(
        f"Loss at step {k}: **{number(loss_k, 8)}**, scikit-learn: **"
        f"{number(problem.reference_loss, 8)}**; relative coefficient gap at step {k}: "
        f"**{gap / scale:.2e}**."
    )


def check_panel(problem: Problem, run: Run, k: int, step: StepCheck) -> None:
    """Analytic vs finite-difference gradient at k; GD vs scikit-learn; why not converged."""
    st.header("Check")
    _gradient_check(problem, step, run, k)
    _comparison(problem, run, k)
    kind, text = final_verdict(problem, run, k)
    {"success": st.success, "info": st.info, "warning": st.warning}[kind](text)


def final_verdict(problem: Problem, run: Run, k: int) -> tuple[str, str]:
    """("success" | "info" | "warning", message) on the last iterate against scikit-learn.

    success: they match. info: they differ but gradient descent's loss is not the higher one
    (the reference is worse, or both are equal to rounding): nothing to blame on the run.
    warning: gradient descent has the higher loss, with ``not_converged_reason``.
    """
    final = run.comparison
    last = run.trajectory.steps_taken
    if final.agrees and run.trajectory.stop_reason != "diverged":
        where = "" if k == last else f" (at the last step, {last}; you are at step {k})"
        return "success", (
            f"Gradient descent matches scikit-learn{where}: relative coefficient gap "
            f"{final.relative_coef_gap:.2e}, within the tolerance {COMPARISON_RTOL:.0e}. "
            + ("" if final.unique_optimum else final.message))
    if final.higher_loss != "gradient descent":
        return "info", final.message
    return "warning", f"Not matched yet: {final.message} {not_converged_reason(problem, run)}"


def not_converged_reason(problem: Problem, run: Run) -> str:
    """Why gradient descent's loss is still above the reference's: diverged, on the edge,
    learning rate too small, too few steps, or (after converging) the stopping tolerance."""
    t = run.trajectory
    bound = t.max_stable_learning_rate
    verdict = t.verdict
    if t.stop_reason == "diverged":
        return (f"Why: it diverged, because the learning rate {number(t.learning_rate)} is above "
                f"the largest stable learning rate 1/λmax = {number(bound)}.")
    if t.stop_reason == "converged":
        return "The run converged; the remaining gap is the tolerance of the stopping rule."
    if verdict.kind != "stable":
        return f"Why: {verdict.message}"
    if t.learning_rate < 0.05 * bound:
        return (f"Why: the learning rate {number(t.learning_rate)} is small next to the stable "
                f"bound {number(bound)}; raise it towards the bound (or add steps).")
    advice = ("" if problem.scaler else
              ", or standardise the features to lower the condition number")
    return (f"Why: too few steps ({t.steps_requested}) for this problem (condition number "
            f"{number(problem.stats.condition_number, 3)}); add steps{advice}.")


def formula_caption(problem: Problem) -> str:
    """What the formula panel writes out, and in which units its numbers are."""
    text = (f"First {FORMULA_TERMS} rows written out; w₁ is the weight of "
            f"'{inert(problem.features[0])}' (every weight is in the table below). ")
    if problem.scaler:
        return text + ("Here w, b and xᵢⱼ are in standardised units, the units GD works in "
                       "(xᵢⱼ is the standardised feature (x − mean) / sd); y, the residuals and "
                       "the loss are in the units of y. The check table further down is in "
                       "original units.")
    return text + "Here w, b and xᵢⱼ are in original units, as in the check table."


def stepper(problem: Problem, run: Run, link: Link, upload_note: str | None) -> None:
    """Step controls, the numbers at step k, the plots, the formula, the check panel and the
    share box (here, so that a step, which reruns only this fragment, updates the link too).

    Runs the fragment :func:`_stepper`: a step change reruns only that, reading the cached
    trajectory. The fragment gets a :class:`~ui.regression_cache.RunRef` (a few values), not
    `problem` and `run`: Streamlit keeps a fragment's arguments for the session's lifetime, and
    the arrays must stay in the byte-bounded cache only. `link` is the page's
    :class:`~ui.state.Link` (a step beyond a shortened run is clamped to its last step); its
    share box ends the page's run (notes, address).
    """
    _stepper(RunRef.of(problem, run), link, upload_note)


@st.fragment
def _stepper(ref: RunRef, link: Link, upload_note: str | None) -> None:
    """The stepper itself: finds `ref`'s problem and run in the cache, or computes them again
    (an upload the cache dropped is read again from the session's uploader)."""
    trace_run("fragment stepper")
    try:
        found = resolve(ref, data_source.restore)
    except DataError as error:
        found, reason = None, inert(error)
    else:
        reason = ("the uploaded table was dropped from the server's memory and the uploader no "
                  "longer holds the file: upload it again")
    if found is None:
        st.warning(f"Cannot show the steps: {reason}.")
        share_box(link, upload_note)
        return
    problem, run = found
    last = run.trajectory.steps_taken
    k = _step_controls(link, last)
    _metrics(problem, run, k)
    log_y = link.flag("logy", "log-scale loss axis", False, toggle=True)
    _plots(problem, run, k, log_y)
    step = check_step(problem, run, k)
    st.header(f"The gradient at step {k}, by the article's formula")
    st.caption(formula_caption(problem))
    for line in gradient_latex(problem, run, k, step):
        st.latex(line)
    st.dataframe(update_table(problem, run, k, step), hide_index=True, width="stretch")
    check_panel(problem, run, k, step)
    share_box(link, upload_note)
