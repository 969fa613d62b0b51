"""Streamlit pieces of the regression page: the stepper fragment (controls, metrics, charts,
the article's formula panel); the check panel is ui.regression.check, tables ui.regression.tables.

Every number shown comes from gradcore through :mod:`ui.regression.cache`; this module formats
it. The only arithmetic here is display arithmetic: predictions y_hat = X w + b of the few rows
written into the formula or drawn (at most ``MAX_POINTS``), sums recovered from a gradient
(sum_i r_i x_ij = N/2 * dL/dw_j), and the update theta - eta * grad written out.

Units: gradient descent runs on standardised features when standardisation is on, so its w, b
(metrics, formula panel, update and gradient tables) are in standardised units, while the
scikit-learn check table is in original units. Every label says which (``gd_units``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import DataError, learning_rate_verdict
from gradcore.number_text import significant, tex
from ui.charts import plot
from ui.regression import alt_text, data_source, penalties
from ui.regression import engine as engines
from ui.regression import figures as figures
from ui.regression.build import (
    LightProblem,
    Problem,
    Run,
    StepCheck,
    contour_note,
    reference_predictions,
    reference_source,
    steps_read_rows,
)
from ui.regression.cache import RunRef, chart_bases, check_step, resolve, resolve_step
from ui.regression.check import check_panel
from ui.regression.generalisation_panel import curve_chart, test_loss_note
from ui.regression.tables import ORIGINAL_UNITS, gd_units, show_table
from ui.shell.lessons import trace_run
from ui.shell.state import Link, inert, share_box
from ui.shell.style import metric_row
from ui.shell.tabs import link_tabs

# Without standardisation, a condition number above this earns the advice to standardise.
STANDARDISE_ADVICE_CONDITION = 10.0
# The stepper's keyboard shortcuts, in st.button's key names.
STEP_KEYS = {"start": "Home", "back": "Left", "forward": "Right", "end": "End"}
SHORTCUT_NOTE = ("Keyboard: **←** back, **→** forward, **Home** start, **End** end (not while "
                 "typing in a box or moving a slider, where the keys keep their usual job).")


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


def gradient_latex(problem: LightProblem, run: Run, k: int, step: StepCheck) -> list[str]:
    """The article's formulas at iterate k with numbers: residuals, dL/dw_1, dL/db, updates."""
    t = run.trajectory
    n, rows = problem.n, min(engines.FORMULA_TERMS, problem.n)
    w, b = t.w[k], float(t.b[k])
    X_first, y_first = problem.head.X_fit[:rows], problem.head.y[:rows]
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
        rf"\sum_{{i=1}}^{{N}} r_i\,x_{{i1}} \\ &= {frac}{engines.bracket(terms_w, more, 1)} \\ "
        rf"&= {frac}\times{tex(step.grad_w[0] * n / 2)} = {tex(step.grad_w[0], wrap=False)}"
        r"\end{aligned}",
        rf"\begin{{aligned}}\frac{{\partial L}}{{\partial b}} &= \frac{{2}}{{N}}"
        rf"\sum_{{i=1}}^{{N}} r_i \\ &= {frac}{engines.bracket(terms_b, more, 2)} \\ "
        rf"&= {frac}\times{tex(step.grad_b * n / 2)} = {tex(step.grad_b, wrap=False)}"
        r"\end{aligned}",
    ] + _update_lines(t, k)


def _update_lines(t, k: int) -> list[str]:
    """The step from iterate k as the run took it (its step size, the gradient it used and the
    iterate it reached, all from the trajectory); none at the last iterate."""
    if k >= t.steps_taken:
        return []
    w, b, rate = t.w[k], float(t.b[k]), float(t.step_size[k])
    g_w, g_b = float(t.step_grad_w[k, 0]), float(t.step_grad_b[k])
    return [
        rf"\begin{{aligned}}w_1 &\leftarrow w_1 - \eta\,\frac{{\partial L}}{{\partial w_1}}"
        rf" \\ &= {tex(w[0], wrap=False)} - {tex(rate)}\times{tex(g_w)} = "
        rf"{tex(t.w[k + 1, 0], wrap=False)} \\[4pt] "
        rf"b &\leftarrow b - \eta\,\frac{{\partial L}}{{\partial b}} \\ &= "
        rf"{tex(b, wrap=False)} - {tex(rate)}\times{tex(g_b)} = "
        rf"{tex(t.b[k + 1], wrap=False)}\end{{aligned}}",
    ]


def update_table(problem: LightProblem, run: Run, k: int) -> pd.DataFrame:
    """:func:`update_columns` as a DataFrame."""
    return pd.DataFrame(update_columns(problem, run, k))


def update_columns(problem: LightProblem, run: Run, k: int) -> dict:
    """Every parameter at step k from the trajectory: value, sum term, gradient and, when the
    run took a step from k, -eta * the gradient it used and the value it reached; the first
    column's name says the units of the values."""
    t, n = run.trajectory, problem.n
    grads = np.append(t.grad_w[k], t.grad_b[k])
    columns = {
        f"parameter ({gd_units(problem)})": [f"w ({name})" for name in problem.features] + ["b"],
        f"value at step {k}": np.append(t.w[k], t.b[k]),
        "Σ rᵢ·xᵢⱼ (b: Σ rᵢ)": grads * n / 2,
        "gradient = 2/N · Σ": grads,
    }
    if k < t.steps_taken:
        columns["−η · gradient"] = -t.step_size[k] * np.append(t.step_grad_w[k], t.step_grad_b[k])
        columns[f"value at step {k + 1}"] = np.append(t.w[k + 1], t.b[k + 1])
    return columns


def _step_controls(link: Link, last: int) -> int:
    """start / back / forward / end buttons and the step slider; returns the step k.

    Each button has a keyboard shortcut (STEP_KEYS). Streamlit's frontend ignores a plain-key
    shortcut while the focus is in a text box or on a slider (its thumb is an <input>), so an
    arrow key moving a slider does not also step (tests/e2e/test_regression.py).
    The buttons come in two pairs that each stay on one line, so on a phone they wrap as
    "start back" over "forward end", never one button alone.

    A click is read from the button's return value, not an ``on_click`` callback: after a
    server restart the first click reaches a session that never created the buttons (so has
    no callback for them) but does see their value (see ui/shell/server.py).
    """
    # A lesson that hides or locks the step fixes it: the buttons cannot move it either.
    fixed = "k" in link.lesson.fixed
    row = st.container(horizontal=True, gap="small")
    backwards = row.container(horizontal=True, gap="small", width="content")
    onwards = row.container(horizontal=True, gap="small", width="content")
    clicked = {
        "start": backwards.button("start", key="k_start", icon=":material/first_page:",
                                  shortcut=STEP_KEYS["start"], disabled=fixed),
        "back": backwards.button("back", key="k_back", icon=":material/chevron_left:",
                                 shortcut=STEP_KEYS["back"], disabled=fixed),
        "forward": onwards.button("forward", key="k_forward", icon=":material/chevron_right:",
                                  icon_position="right", shortcut=STEP_KEYS["forward"], disabled=fixed),
        "end": onwards.button("end", key="k_end", icon=":material/last_page:",
                              icon_position="right", shortcut=STEP_KEYS["end"], disabled=fixed),
    }
    st.caption(SHORTCUT_NOTE)
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
    if "k" in st.session_state:
        # The slider's range is part of its identity: when a new run has another length,
        # Streamlit makes a new widget and would start it at 0. A value set through session
        # state carries over, so the student stays at their step (or the new last one).
        st.session_state["k"] = int(np.clip(st.session_state["k"], 0, last))
    return link.number("k", "step k", 0, last, 0, integer=True, slider=True)


def metric_values(problem: LightProblem, run: Run, k: int) -> list[tuple[str, str]]:
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
             (f"{name} ({units})", significant(size(t.w[k]), 6)),
             (f"b ({units})", significant(t.b[k], 6))]
    if problem.scaler:
        shown += [(f"{name} ({ORIGINAL_UNITS})", significant(size(run.coef[k]), 6)),
                  (f"b ({ORIGINAL_UNITS})", significant(run.intercept[k], 6))]
    penalised = run.settings.penalty != "none" and run.settings.alpha > 0
    return shown + [("objective J = L + P" if penalised else "loss L(w, b)",
                     significant(t.loss[k], 6))]


def _metrics(problem: LightProblem, run: Run, k: int) -> None:
    metric_row(metric_values(problem, run, k))


def titled(column, title: str, figure, key: str, note: str | None = None, *,
            about: Callable[[bool], alt_text.ChartText]) -> None:
    """The chart under its title, named by it for screen readers, then its text alternative:
    the sentence, and the numbers in an expander (alt_text.EXPANDER_LABEL) that builds its
    table only while it is open, so a step does not make and send four hidden tables.
    ``about(with_table)`` is the chart's alt_text builder."""
    column.markdown(f"**{title}**")
    plot.chart(column, figure, key=key, alt=title)
    numbers_key = f"numbers_{key}"
    text = about(bool(st.session_state.get(numbers_key)))
    column.caption(f"{note} {text.sentence}" if note else text.sentence)
    numbers = column.expander(alt_text.EXPANDER_LABEL, key=numbers_key, on_change="rerun")
    if numbers.open:
        show_table(text.table if len(text.table.columns) else about(True).table, where=numbers)


REPLAY_NOTE = ("▶ Play replays the run in your browser from step 0 (it never starts by "
               "itself); ❚❚ Pause stops it. ")


# Section 3's tabs: short name (in the address, ``?tab=path``) -> label. Only the open tab is
# built (ui.shell.tabs): a page load or a step draws two charts, not four, and no formula or
# check the student is not looking at.
TABS_KEY = "tab"
TABS = {"fit": "Fit and loss", "path": "Path and residuals",
        "gradient": "Gradient", "check": "Check"}
TABS_LABEL = "Section 3 tab"
# The stepper's controls in the address (step, open tab, log-scale loss axis).
STEPPER_KEYS = ("k", TABS_KEY, "logy")


def _plots(problem: LightProblem, run: Run, k: int, log_y: bool, view: str) -> None:
    """The two charts of the open tab at step k: "fit" the data and the model (line, curve or
    predictions) beside the loss; "path" the path (contours over (w, b) with one feature, else
    the coefficients against step) beside the residuals. The run's step-independent parts come
    from ``chart_bases`` (built once per run), only the marks of step k are made here."""
    t = run.trajectory
    w, b = t.w[k], float(t.b[k])
    bases = chart_bases(problem, run)
    units = gd_units(problem)
    source = reference_source(run)
    left, right = st.columns(2)
    one = len(problem.features) == 1
    if view == "fit":
        if problem.curve is not None:
            curve_chart(titled, left, problem, run, bases.main, k)
        elif one:
            reference = (float(run.optimum.reference[0][0]), run.optimum.reference[1])
            labels = (problem.features[0], problem.target)
            titled(left, f"Data, the line at step k and {source}'s line",
                   figures.fitted_line_at(bases.main, problem.sample.X[:, 0], run.coef[:, 0],
                                          run.intercept, k), "fig_line",
                   REPLAY_NOTE + "Grey guides: residuals.",
                   about=lambda table: alt_text.fitted_line(
                       problem.sample.X[:, 0], problem.sample.y, float(run.coef[k, 0]),
                       float(run.intercept[k]), reference, labels, k, table, source))
        else:
            predicted = problem.sample.X_fit @ w + b
            titled(left, "Predicted against actual",
                   figures.predicted_actual_at(bases.main, predicted, k), "fig_pred",
                   f"{problem.sample.indices.size:,} of {problem.n:,} rows drawn.",
                   about=lambda table: alt_text.predicted_actual(
                       problem.sample.y, predicted, reference_predictions(problem, run), k,
                       problem.target, problem.n, table, source))
        titled(right, "Loss against step", figures.loss_at(bases.loss, t.loss, k, log_y),
               "fig_loss",
               " ".join(filter(None, (engines.evaluation_note(run, problem.n),
                                      test_loss_note(problem, run)))) or None,
               about=lambda table: alt_text.loss_curve(t.loss, k, table))
        return
    if one and problem.curve is None:
        optimum = (float(run.optimum.reference_fit[0][0]), run.optimum.reference_fit[1])
        titled(left, "Loss contours over (w, b), the path and the optimum",
               figures.contour_at(bases.side, t.w[:, 0], t.b, k), "fig_contour",
               f"In {units}, the units GD works in. "
               + (contour_note(problem, run.settings.loss) or ""),
               about=lambda table: alt_text.contour_path(t.w[:, 0], t.b, t.loss, k, optimum,
                                                         units, table, source))
    else:
        titled(left, f"Coefficients against step (dotted: {source})",
               figures.coefficient_paths_at(bases.side, t.w, t.b, k), "fig_paths",
               REPLAY_NOTE + f"In {units}, the units GD works in.",
               about=lambda table: alt_text.coefficient_paths(
                   t.w, t.b, problem.features, k, run.optimum.reference_fit, units, table))
    shown = problem.sample.indices[: figures.MAX_RESIDUAL_BARS]
    residual = problem.sample.X_fit[: shown.size] @ w + b - problem.sample.y[: shown.size]
    titled(right, f"Residuals of {shown.size} rows at step k",
           figures.residual_bars_figure(residual, shown + 1), "fig_residuals",
           "Bars above zero (pink): prediction too high, the row pushes b (and w along x) "
           "down; below zero (green): pulls up.",
           about=lambda table: alt_text.residual_bars(residual, shown + 1, k, table))


def formula_caption(problem: LightProblem) -> str:
    """What the formula panel writes out, and in which units its numbers are."""
    text = (f"First {engines.FORMULA_TERMS} rows written out; w₁ is the weight of "
            f"'{inert(problem.features[0])}' (every weight is in the table below). ")
    if problem.scaler:
        return text + ("Here w, b and xᵢⱼ are in standardised units, the units GD works in "
                       "(xᵢⱼ is the standardised feature (x − mean) / sd); y, the residuals and "
                       "the loss are in the units of y. The Check tab's comparison with "
                       "scikit-learn is in original units.")
    return text + "Here w, b and xᵢⱼ are in original units, as in the Check tab."


def stepper(problem: Problem, run: Run, link: Link, upload_note: str | None) -> None:
    """Step controls, the numbers at step k, the plots, the formula, the check panel and the
    share box (here, so that a step, which reruns only this fragment, updates the link too).

    Runs the fragment :func:`_stepper`: a step change reruns only that, reading the cached
    trajectory. The fragment gets a :class:`~ui.regression.cache.RunRef` (a few values), not
    `problem` and `run`: Streamlit keeps a fragment's arguments for the session's lifetime, and
    the arrays must stay in the byte-bounded cache only. `link` is the page's
    :class:`~ui.shell.state.Link` (a step beyond a shortened run is clamped to its last step); its
    share box ends the page's run (notes, address).
    """
    _stepper(RunRef.of(problem, run), link, upload_note)


def _gradient_tab(problem: LightProblem, run: Run, k: int) -> None:
    """The gradient at step k written out (the article's formula, or the run's loss and
    optimizer) and the update, with the L1 panel when the penalty has a kink."""
    if run.settings.is_article:
        st.subheader(f"The gradient at step {k}, by the article's formula")
        st.caption(formula_caption(problem))
        for line in gradient_latex(problem, run, k, check_step(problem, run, k)):
            st.latex(line)
        show_table(update_columns(problem, run, k), per_parameter=True)
        if k >= run.trajectory.steps_taken:
            st.caption(f"Step {k} is the last iterate, so no step is taken from it: "
                       f"{run.trajectory.message}")
    else:
        st.subheader(f"The gradient at step {k} and the update")
        st.caption(formula_caption(problem))
        engines.formula_panel(problem, run, k, gd_units(problem), show_table)
    penalties.l1_panel(problem, run, k, show_table)


DROPPED_UPLOAD = ("the uploaded table was dropped from the server's memory and the uploader no "
                  "longer holds the file: upload it again")


def _found(find, ref: RunRef) -> tuple[tuple[LightProblem, Run] | None, str]:
    """(``find(ref, data_source.restore)``, or None with the reason it found nothing)."""
    try:
        found = find(ref, data_source.restore)
    except DataError as error:
        return None, inert(error)
    return found, DROPPED_UPLOAD


def _with_rows(ref: RunRef, problem: LightProblem, run: Run) -> tuple[LightProblem, Run] | None:
    """What the gradient and check tabs read: `problem` and `run` themselves unless a step of
    the run reads the rows (``steps_read_rows``: another loss's panel counts residuals, a check
    without the formula path differentiates on the rows) and `problem` has none; then the
    Problem from STORE or built again (``resolve``), or None with a warning."""
    if not steps_read_rows(problem, run):
        return problem, run
    found, reason = _found(resolve, ref)
    if found is None:
        st.warning(f"Cannot show this tab: {reason}.")
    return found


@st.fragment
def _stepper(ref: RunRef, link: Link, upload_note: str | None) -> None:
    """The stepper itself: finds `ref`'s problem and run in the cache, or computes them again
    (an upload the cache dropped is read again from the session's uploader). The fit and path
    tabs draw the sample and the trajectory, and the metrics read neither rows nor data, so a
    step after the rows were dropped takes the light problem (``resolve_step``); only the
    gradient and check tabs of a run whose steps read the rows fetch them (``_with_rows``)."""
    trace_run("fragment stepper")
    found, reason = _found(partial(resolve_step, reads_rows=False), ref)
    if found is None:
        st.warning(f"Cannot show the steps: {reason}.")
        share_box(link, upload_note)
        return
    problem, run = found
    last = run.trajectory.steps_taken
    k = _step_controls(link, last)
    _metrics(problem, run, k)
    log_y = link.flag("logy", "log-scale loss axis", False, toggle=True)
    view, tabs = link_tabs(link, TABS_KEY, TABS_LABEL, TABS, "fit")
    with tabs[view]:
        if view in ("fit", "path"):
            _plots(problem, run, k, log_y, view)
        else:
            _rows_tab(ref, problem, run, k, view)
    share_box(link, upload_note)


def _rows_tab(ref: RunRef, problem: LightProblem, run: Run, k: int, view: str) -> None:
    """The gradient or the check tab at step k, with the rows where it reads them."""
    found = _with_rows(ref, problem, run)
    if found is None:
        return
    problem, run = found
    if view == "gradient":
        _gradient_tab(problem, run, k)
    else:
        check_panel(problem, run, k, check_step(problem, run, k))
