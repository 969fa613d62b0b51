"""The regression page's penalties (issue 29): the penalty box and α, the objective with its
penalty term, the L1 panel at step k (the subdifferential of α|wⱼ| and the optimality
condition per coefficient), the exact zeros of a race, and the regularisation path.

The penalties are ``gradcore``'s ``PENALTY_TABLE`` rows (label, formula); every number shown
comes from gradcore: the run's trajectory, the loss gradient the stepper's check already
computed (``ui.regression.cache.check_step``) and ``regularization_path`` (kept by value in
``ui.regression.cache``'s bounded store). This module formats them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import PENALTY_TABLE, DataError, RunSettings, regularization_path
from gradcore.number_text import fmt, tex
from gradcore.regression.engine import EVALUATION_ROWS, evenly_spaced_rows
from ui.charts import palette
from ui.charts.spec import Figure
from ui.regression import alt_text
from ui.regression.build import Problem, Run
from ui.regression.byte_store import heavy_work
from ui.regression.cache import memoized
from ui.shell.state import Link
from ui.shell.text import inert, plotly_inert

PENALTY_KEY, ALPHA_KEY = "pen", "alpha"
NO_PENALTY = "none"
# α on a log scale, 1-2-5 per decade: the control's choices (and the address's values).
ALPHAS = ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5",
          "10")
DEFAULT_ALPHA = "0.1"
# The path's grid: every α of the control (so the current one is on it) and 1.5, 3 and 7 of
# each decade between them, 25 fits in all, each warm-started from the last.
PATH_ALPHAS = tuple(sorted({float(a) for a in ALPHAS} | {m * 10.0 ** e for m in (1.5, 3, 7)
                                                           for e in range(-3, 1)}))
PATH_PANEL_KEY = "penalty_path_panel"
L1_PANEL_KEY = "l1_panel"
PATH_TITLE = "Regularisation path: the coefficients against α"
# The condition ∂L/∂wⱼ = −α·sign(wⱼ) at a non-zero wⱼ counts as met within this share of α.
CONDITION_RTOL = 1e-3
ZERO_REASON = (
    "Why exact zeros: at wⱼ = 0 the penalty's subdifferential is the whole interval α·[−1, 1], "
    "so 0 ∈ ∂L/∂wⱼ + α·[−1, 1] holds for every loss gradient between −α and α, and wⱼ = 0 "
    "stays optimal for all of them, where a penalty with slope 0 at 0 (α·wⱼ²) would need "
    "∂L/∂wⱼ to be exactly 0.")


# --- the controls and the objective ---------------------------------------------------------

def penalty_controls(link: Link, where_penalty, where_alpha) -> dict:
    """The penalty box (URL key ``pen``, the rows of PENALTY_TABLE) and, once a penalty is
    chosen, α (URL key ``alpha``, a log-scale select slider): ``RunSettings`` keywords."""
    penalty = link.choice(PENALTY_KEY, "Penalty on w (never on b)", list(PENALTY_TABLE),
                          NO_PENALTY, where=where_penalty,
                          format_func=lambda name: PENALTY_TABLE[name].label)
    if penalty == NO_PENALTY:
        return {}
    alpha = link.choice(ALPHA_KEY, "Penalty weight α (log scale)", ALPHAS, DEFAULT_ALPHA,
                        widget="select_slider", where=where_alpha)
    return {"penalty": penalty, "alpha": float(alpha)}


def expected_penalty() -> tuple[str, float]:
    """The penalty and α the controls will most likely show (this session's, else the
    address's), for the introduction drawn before them."""
    penalty = st.session_state.get(PENALTY_KEY, st.query_params.get(PENALTY_KEY))
    if penalty not in PENALTY_TABLE or penalty == NO_PENALTY:
        return NO_PENALTY, 0.0
    alpha = st.session_state.get(ALPHA_KEY, st.query_params.get(ALPHA_KEY))
    return penalty, float(alpha if alpha in ALPHAS else DEFAULT_ALPHA)


def of_settings(settings: RunSettings) -> tuple[str, float]:
    """(penalty, α) of a run: ("none", 0.0) without a penalty."""
    penalty = getattr(settings, "penalty", NO_PENALTY)
    return (NO_PENALTY, 0.0) if penalty == NO_PENALTY else (penalty, float(settings.alpha))


def objective(text: str, formula: str, penalty: str, alpha: float) -> list[tuple[str, str]]:
    """The loss's introduction (``engine.intro``'s Markdown and LaTeX) and, with a penalty,
    a sentence and the objective J = L + P with the row's formula and α's value: a list of
    ("markdown" | "latex", body), in order."""
    shown = [("markdown", text), ("latex", formula)]
    if penalty == NO_PENALTY or penalty not in PENALTY_TABLE:
        return shown
    row = PENALTY_TABLE[penalty]
    line = (rf"\begin{{gathered}}J(\mathbf w,b) = L(\mathbf w,b) + P(\mathbf w)\\ "
            rf"P(\mathbf w) = {row.formula},\quad \alpha = {tex(alpha, wrap=False)}"
            r"\end{gathered}")
    sentence = (f"With the **{row.label}** penalty, gradient descent lowers the loss plus a "
                "penalty P on the weights (the bias b is never penalised):")
    return [*shown, ("markdown", sentence), ("latex", line)]


# --- the L1 panel at step k ------------------------------------------------------------------

def subdifferential(w: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of ∂(α|wⱼ|) per coefficient: [−α, α] at wⱼ = 0, else {α·sign(wⱼ)}."""
    zero = w == 0
    return np.where(zero, -alpha, alpha * np.sign(w)), np.where(zero, alpha, alpha * np.sign(w))


def optimality(w: np.ndarray, grad: np.ndarray, alpha: float) -> np.ndarray:
    """Per coefficient, whether 0 ∈ ∂L/∂wⱼ + ∂(α|wⱼ|): |∂L/∂wⱼ| ≤ α at wⱼ = 0, else
    ∂L/∂wⱼ = −α·sign(wⱼ) within CONDITION_RTOL·α."""
    at_zero = np.abs(grad) <= alpha
    elsewhere = np.abs(grad + alpha * np.sign(w)) <= CONDITION_RTOL * alpha
    return np.where(w == 0, at_zero, elsewhere)


def l1_frame(names, w: np.ndarray, grad: np.ndarray, alpha: float) -> pd.DataFrame:
    """One row per coefficient: wⱼ, ∂L/∂wⱼ, ∂(α|wⱼ|), the condition, ✓/✗, exactly 0."""
    low, high = subdifferential(w, alpha)
    holds = optimality(w, grad, alpha)
    zero = w == 0
    return pd.DataFrame({
        "coefficient": [f"w{j + 1} ({name})" for j, name in enumerate(names)],
        "wⱼ": w, "∂L/∂wⱼ (loss)": grad,
        # ✓/✗ and the zeros before the wide text columns: a phone shows them unscrolled.
        "holds": np.where(holds, "✓", "✗"),
        "exactly 0": np.where(zero, "yes", "no"),
        "∂(α|wⱼ|)": [f"[{fmt(lo)}, {fmt(hi)}]" if z else f"{{{fmt(hi)}}}"
                      for lo, hi, z in zip(low, high, zero, strict=True)],
        "condition": [f"|∂L/∂w{j + 1}| ≤ α = {fmt(alpha)}" if z else
                      f"∂L/∂w{j + 1} = −α·sign(w{j + 1}) = {fmt(-h)}"
                      for j, (h, z) in enumerate(zip(high, zero, strict=True))],
    })


def l1_panel(problem: Problem, run: Run, k: int, show_table) -> None:
    """For an L1 run, at step k: per coefficient the value, the loss's ∂L/∂wⱼ (as the
    trajectory recorded it: ``loss_grad_w``, without the penalty), the subdifferential of
    α|wⱼ| and the optimality condition."""
    settings = run.settings
    if getattr(settings, "penalty", NO_PENALTY) != "l1":
        return
    alpha = float(settings.alpha)
    w = np.asarray(run.trajectory.w[k], dtype=float)
    grad = np.asarray(run.trajectory.loss_grad_w[k], dtype=float)
    with st.container(key=L1_PANEL_KEY):
        _l1_panel(problem, w, grad, alpha, k, show_table)


def _l1_panel(problem: Problem, w: np.ndarray, grad: np.ndarray, alpha: float, k: int,
              show_table) -> None:
    st.subheader(f"The L1 penalty at step {k}: which coefficients are exactly 0")
    # Two lines, so that the condition fits a phone's width.
    st.latex(r"\begin{gathered}0 \in \frac{\partial L}{\partial w_j} + \alpha\,\partial|w_j|"
             r"\\ \partial|w_j| = \begin{cases}[-1,\,1] & w_j = 0\\ "
             r"\{\operatorname{sign}(w_j)\} & w_j \ne 0\end{cases}\end{gathered}")
    st.markdown("So wⱼ = 0 is optimal when **|∂L/∂wⱼ| ≤ α**, and a non-zero wⱼ when "
                f"**∂L/∂wⱼ = −α·sign(wⱼ)**; here α = {fmt(alpha)}. {ZERO_REASON}")
    show_table(l1_frame(problem.features, w, grad, alpha))
    zero = np.flatnonzero(w == 0)
    names = ", ".join(f"w{j + 1} ({inert(problem.features[j])})" for j in zero)
    holds = optimality(w, grad, alpha)
    st.caption(f"At step {k}, **{zero.size} of {w.size}** coefficients are exactly 0"
               + (f": {names}" if zero.size else "") + f"; the condition holds for "
               f"{int(holds.sum())} of {w.size} (✓; a non-zero wⱼ within "
               f"{CONDITION_RTOL:g}·α). ∂L/∂wⱼ is the loss's gradient alone, from the data, "
               "without the penalty (on the rows the run's loss is measured on).")


def race_zeros(runs, names) -> str | None:
    """The race's note for an L1 race: how many coefficients each racer ends with exactly 0
    (the subgradient method jitters around 0, the proximal step lands on it)."""
    if getattr(runs[0].settings, "penalty", NO_PENALTY) != "l1":
        return None
    d = runs[0].trajectory.w.shape[1]
    counts = "; ".join(f"{name}: **{int(np.sum(r.trajectory.w[-1] == 0))} of {d}**"
                       for r, name in zip(runs, names, strict=True))
    return (f"Coefficients exactly 0 at the end: {counts}. A subgradient step moves a "
            "coefficient near 0 across it and back (it jitters around 0); the proximal step "
            "soft-thresholds, which sets it to exactly 0.")


# --- the regularisation path -----------------------------------------------------------------

# The path's fits read at most this many evenly spaced rows (None: all), so that a path costs
# about a second at most (measured on the shared 2-core machine, 25 values of α: the MSE's
# 0.04 s on 100,000 x 10, from its Gram matrix; Huber + L1 or L2 and MAE + L2 0.8-1 s on
# 10,000 x 3; the MAE + L1 linear programmes 0.6 s on 500 x 3 but 5.7 s on 2,000 x 3).
PATH_ROWS = {("mse", "l1"): None, ("mse", "l2"): None, ("mae", "l1"): 500}
DEFAULT_PATH_ROWS = EVALUATION_ROWS


def path_rows(loss: str, penalty: str, rows: int) -> int:
    """How many rows the path of `loss` with `penalty` reads on a table of `rows` rows."""
    most = PATH_ROWS.get((loss, penalty), DEFAULT_PATH_ROWS)
    return rows if most is None else min(rows, most)


@memoized(lambda problem, loss, loss_key, penalty, alphas: 8 * len(alphas)
          * (len(problem.features) + 1))
def penalty_path(problem: Problem, loss: str, loss_key: tuple, penalty: str,
                 alphas: tuple[float, ...]) -> np.ndarray:
    """``regularization_path`` on the problem (in GD's units): coefficients (len(alphas), d),
    from ``path_rows`` evenly spaced rows."""
    used = path_rows(loss, penalty, len(problem.y))
    rows = evenly_spaced_rows(len(problem.y), used) if used < len(problem.y) else None
    X, y = (problem.X_fit, problem.y) if rows is None else (problem.X_fit[rows], problem.y[rows])
    with heavy_work(0 if PATH_ROWS.get((loss, penalty), 0) is None
                    else len(y) * (len(problem.features) + 1)):
        # X_fit as it is (standardize=False): its columns are the ones the run penalises.
        path = regularization_path(X, y, np.asarray(alphas), loss=loss, penalty=penalty,
                                   standardize=False, **dict(loss_key))
    return np.asarray(path, dtype=float)


# Each coefficient's line differs by its dash too, not by colour alone.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def path_figure(alphas: np.ndarray, coefs: np.ndarray, names, alpha: float) -> Figure:
    """One line per coefficient against α (log axis) and the current α: a dashed vertical
    line and, on it, a marker per coefficient."""
    colours = palette.SEQUENCE
    traces = [{"type": "scatter", "x": alphas, "y": coefs[:, j], "mode": "lines",
               "name": plotly_inert(f"w{j + 1} ({name})"),
               "line": {"color": colours[j % len(colours)], "width": 2,
                        "dash": DASHES[j % len(DASHES)]}}
              for j, name in enumerate(names)]
    here = int(np.argmin(np.abs(np.log(alphas) - np.log(alpha))))
    traces.append({"type": "scatter", "x": [alpha] * coefs.shape[1], "y": coefs[here],
                   "mode": "markers", "name": plotly_inert(f"α = {fmt(alpha)} (this run)"),
                   "marker": {"color": palette.REFERENCE, "symbol": "x", "size": 10}})
    layout = {"margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "height": 380,
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0.0},
              "xaxis": {"title": {"text": "α (log scale)"}, "type": "log"},
              "yaxis": {"title": {"text": "coefficient wⱼ"}, "zeroline": True},
              "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": alpha,
                          "x1": alpha, "y0": 0, "y1": 1,
                          "line": {"color": palette.NEUTRAL, "dash": "dash", "width": 1}}],
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}
    return Figure(traces, layout)


def path_panel(problem: Problem, settings: RunSettings, units: str) -> None:
    """The lazy regularisation-path section of a penalised run: one closed expander until
    opened; open, the path of the run's loss and penalty with the current α marked and its
    text alternative beside it."""
    penalty = getattr(settings, "penalty", NO_PENALTY)
    if penalty == NO_PENALTY:
        return
    box = st.expander(PATH_TITLE, icon=":material/timeline:", key=PATH_PANEL_KEY,
                      on_change="rerun")
    if not box.open:
        return
    with box:
        try:
            with st.spinner("Fitting the path…"):
                coefs = penalty_path(problem, settings.loss, settings.loss_key, penalty,
                                     PATH_ALPHAS)
        except DataError as error:
            st.error(f"The path could not be computed: {inert(error)}")
            return
        alphas = np.asarray(PATH_ALPHAS)
        alpha = float(settings.alpha)
        label = PENALTY_TABLE[penalty].label
        used = path_rows(settings.loss, penalty, len(problem.y))
        st.caption(f"Each α's optimum by gradcore's regularization_path (warm-started from the "
                   f"α next to it where its solver allows), in {units}, the units GD works in"
                   + (f"; this loss's path reads {used:,} evenly spaced rows of the "
                      f"{len(problem.y):,}, so it draws in under a second"
                      if used < len(problem.y) else "") + ".")
        text = alt_text.regularization_path(alphas, coefs, problem.features, alpha, label)
        figure, words = st.columns([3, 2])
        figure.markdown(f"**{PATH_TITLE}**")
        figure.plotly_chart(path_figure(alphas, coefs, problem.features, alpha),
                            width="stretch", key="fig_penalty_path", alt=text.alt,
                            config=alt_text.CONFIG)
        alt_text.show(words, text)
