"""The regression page's loss and optimizer: their URL-bound controls, the bounds on a run's
cost, and the formula panel for any loss x optimizer pair (the race is ``ui.regression.race``,
the downloads ``ui.regression.export``).

The choices come from gradcore's tables (``LOSS_TABLE``, ``OPTIMIZER_TABLE``, ``SCHEDULES``):
a control appears for each ``HyperParameter`` the chosen loss's or optimizers' rows list (its
label, range, default and URL key from the row), so a row added at run time gets its controls
with no edit here; the controls' values make one ``gradcore.RunSettings`` per run.

Every number of the update written out comes from the run's ``FitTrajectory`` (the step size,
the gradient the step used, the optimizer's state after the step, the next iterate): the rule
is never applied again here.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from gradcore import (
    FIT_DEFAULTS,
    LOSS_TABLE,
    OPTIMIZER_TABLE,
    PENALTY_TABLE,
    SCHEDULES,
    HyperParameter,
    RunSettings,
    huber_zones,
    residual_signs,
)
from gradcore.number_text import significant, tex
from gradcore.regression.engine import EVALUATION_ROWS
from gradcore.regression.rows import declared
from ui.regression.build import LightProblem, Problem, Run
from ui.regression.penalties import penalty_controls
from ui.shell.state import Link

# Rows written out in the formula panels (this one and the article's, regression_view).
FORMULA_TERMS = 3
# The race: the chosen optimizer and at most this many more.
MAX_RIVALS = 2
# Above this many rows the MAE and the Huber loss open with mini-batch SGD: each of their
# full-batch steps reads every row (the MSE's steps do not: its sufficient statistics make a
# step O(d^2) whatever N is, so the MSE keeps gradient descent at any size).
SGD_DEFAULT_ROWS = 100_000
# A full-batch step of the MAE or the Huber loss reads rows x (features + 1) values; a
# mini-batch step batch_size + min(rows, EVALUATION_ROWS) rows' worth (its batch, and the record
# of its iterate on EVALUATION_ROWS evenly spaced rows: engine_settings passes them as fit's
# record_rows), whatever the table's size. At most
# this many values in all, about 0.1-1 s on one core (benchmarks/bench_engine.py's rates,
# 1e8-1e9 values/s): one process serves a whole class, so no click may hold it for seconds.
# A longer run is cut to fewer steps, with a note.
MAX_RUN_VALUES = 100_000_000


SCHEDULE_KEY = "sched"


def _control(link: Link, parameter: HyperParameter, where) -> float | int:
    """The URL-bound control of one hyper-parameter (its row's label, range, default, step)."""
    value = link.number(parameter.url_key, parameter.label, parameter.low, parameter.largest,
                        parameter.default, step=parameter.step, integer=parameter.integer,
                        where=where, format=None if parameter.integer else "%.6g",
                        help=parameter.help or None)
    return int(value) if parameter.integer else float(value)


def _columns(link: Link) -> list:
    """Two columns for the controls, or two Nones when they are folded away (not drawn)."""
    return st.columns(2) if link.drawing else [None, None]


ENGINE_BOX = "Change the loss, optimizer, penalty, race or schedule"
ENGINE_KEY = "engine_panel"
"""The lazy box (``st.session_state[ENGINE_KEY]``: open or not) that holds
:func:`engine_settings`' controls: closed, they are not drawn and keep their values
(``Link.folded``), and :func:`engine_summary` says what is in effect."""


def engine_summary(chosen: RunSettings, rivals: tuple[RunSettings, ...]) -> str:
    """One line: the loss, optimizer, penalty, schedule and race of the run shown."""
    penalty = (f"{PENALTY_TABLE[chosen.penalty].label} (α = {significant(chosen.alpha)})"
               if chosen.penalty != "none" else "none")
    parts = [f"Loss: **{LOSS_TABLE[chosen.loss].label}**",
             f"optimizer: **{OPTIMIZER_TABLE[chosen.optimizer].label}**",
             f"penalty: **{penalty}**", f"step-size schedule: **{chosen.schedule}**"]
    if rivals:
        parts.append("racing: **" + ", ".join(OPTIMIZER_TABLE[r.optimizer].label
                                              for r in rivals) + "**")
    return " · ".join(parts) + "."


def engine_settings(link: Link, rows: int, **common) -> tuple[RunSettings, tuple[RunSettings, ...]]:
    """Loss and optimizer boxes, the penalty and α (``penalties.penalty_controls``), the
    optimizers to race against it (at most MAX_RIVALS), the
    schedule, then a control for each hyper-parameter the chosen rows declare (from the rows:
    a row added to ``LOSS_TABLE`` or ``OPTIMIZER_TABLE`` gets its controls here with no edit).
    `common` are ``fit``'s other keywords (learning_rate, steps, w0, b0). Returns the chosen
    run's settings and the rivals' (same loss and settings, another optimizer). With more than
    SGD_DEFAULT_ROWS `rows`, the MAE and Huber loss default to mini-batch SGD."""
    c1, c2 = _columns(link)
    loss = link.choice("loss", "Loss", list(LOSS_TABLE), FIT_DEFAULTS["loss"], where=c1,
                       format_func=lambda name: LOSS_TABLE[name].label)
    default = default_optimizer(loss, rows)
    optimizer = link.choice("opt", "Optimizer", list(OPTIMIZER_TABLE), default, where=c2,
                            format_func=lambda name: OPTIMIZER_TABLE[name].label,
                            help=(f"Above {SGD_DEFAULT_ROWS:,} rows the MAE and the Huber loss "
                                  "start with mini-batch SGD: a full-batch step of theirs reads "
                                  "every row."))
    penalised = penalty_controls(link, *_columns(link))
    rivals = link.choices("race", "Race against (same data, loss, step size and start)",
                          [name for name in OPTIMIZER_TABLE if name != optimizer], [],
                          max_selections=MAX_RIVALS,
                          format_func=lambda name: OPTIMIZER_TABLE[name].label)
    parameters = declared([LOSS_TABLE[loss], *(OPTIMIZER_TABLE[o] for o in (optimizer, *rivals)),
                           PENALTY_TABLE[penalised.get("penalty", "none")]])
    slots = itertools.cycle(_columns(link))  # the loss's settings, the schedule, the optimizers'
    values = {p.name: _control(link, p, next(slots)) for p in LOSS_TABLE[loss].hyper_parameters}
    schedule = link.choice(SCHEDULE_KEY, "Step-size schedule η_k", SCHEDULES,
                           FIT_DEFAULTS["schedule"], where=next(slots))
    for parameter in parameters.values():
        if parameter.name not in values:
            values[parameter.name] = _control(link, parameter, next(slots))

    def settings(name: str) -> RunSettings:
        return RunSettings.of(values, loss=loss, optimizer=name, schedule=schedule,
                              record_rows=record_rows(loss, name, rows), **penalised,
                              **common)

    return settings(optimizer), tuple(settings(name) for name in rivals)


def record_rows(loss: str, optimizer: str, rows: int) -> int | None:
    """fit's record_rows: EVALUATION_ROWS for a mini-batch MAE / Huber run on a larger table
    (so that its steps cost the same whatever the table's size), else None (every row)."""
    if loss != "mse" and OPTIMIZER_TABLE[optimizer].minibatch and rows > EVALUATION_ROWS:
        return EVALUATION_ROWS
    return None


def default_optimizer(loss: str, rows: int) -> str:
    """gd, or "sgd" for the MAE and the Huber loss on more than SGD_DEFAULT_ROWS rows."""
    return "sgd" if loss != "mse" and rows > SGD_DEFAULT_ROWS else FIT_DEFAULTS["optimizer"]


def values_per_step(settings: RunSettings, rows: int, features: int) -> int:
    """About how many values one step of a run reads (see MAX_RUN_VALUES): 0 for the MSE
    (O(d^2) from its statistics)."""
    if settings.loss == "mse":
        return 0
    if OPTIMIZER_TABLE[settings.optimizer].minibatch:
        batch = int(dict(settings.hyper).get("batch_size", rows))
        return (min(batch, rows) + min(rows, settings.record_rows or rows)) * (features + 1)
    return rows * (features + 1)


def bounded_steps(runs: tuple[RunSettings, ...], rows: int, features: int,
                  ) -> tuple[RunSettings, ...]:
    """`runs`, or the same with fewer steps (and a note) when the runs of the MAE or the Huber
    loss would read more than MAX_RUN_VALUES values (``values_per_step``)."""
    steps = runs[0].steps
    per_step = sum(values_per_step(settings, rows, features) for settings in runs)
    if per_step == 0:
        return runs
    most = max(1, MAX_RUN_VALUES // per_step)
    if steps <= most:
        return runs
    st.info(f"{steps:,} steps of the {LOSS_TABLE[runs[0].loss].label} on {rows:,} rows would "
            f"read about {steps * per_step:,} values; this run stops at {most:,} steps (at "
            f"most {MAX_RUN_VALUES:,} values). Use fewer rows or features, or mini-batch SGD, "
            "for longer runs.")
    return tuple(replace(settings, steps=most) for settings in runs)


def bracket(terms: list[str], more: bool, per_line: int = 2) -> str:
    """[t1 + t2 \\ + t3 + ...]: at most `per_line` terms per line of an aligned block."""
    chunks = [" + ".join(terms[i:i + per_line]) for i in range(0, len(terms), per_line)]
    body = r"\\ &\qquad + ".join(chunks) + (r" + \dots" if more else "")
    return rf"\Big[{body}\Big]"


def gradient_tex(row, separator: str = r",\quad ") -> str:
    """The gradient of the loss in `row` (a LOSS_TABLE entry) through its rho'(r_i), its
    three parts joined by `separator`."""
    return separator.join([r"\nabla_{\mathbf w}L = \frac1N\sum_{i=1}^N \rho'(r_i)\,\mathbf x_i",
                           r"\frac{\partial L}{\partial b} = \frac1N\sum_{i=1}^N \rho'(r_i)",
                           rf"\rho'(r_i) = {row.slope}"])


ARTICLE_INTRO = (
    "A linear model predicts $\\hat y_i = \\mathbf{w}\\cdot\\mathbf{x}_i + b$. Gradient descent "
    "lowers the mean squared error by stepping against its gradient, which the chain rule gives "
    "as a sum of residuals $r_i = \\hat y_i - y_i$ (article, section 5.3):",
    # Two lines, so the formula fits a phone's width without scrolling sideways.
    r"\begin{gathered}L(\mathbf{w},b)=\frac1N\sum_{i=1}^N(\mathbf{w}\cdot\mathbf{x}_i+b-y_i)^2"
    r"\\ \nabla_{\mathbf{w}}L=\frac2N\sum_{i=1}^N r_i\,\mathbf{x}_i,\quad "
    r"\frac{\partial L}{\partial b}=\frac2N\sum_{i=1}^N r_i\end{gathered}",
)
OTHER_LOSS_INTRO = ("A linear model predicts $\\hat y_i = \\mathbf{w}\\cdot\\mathbf{x}_i + b$; "
                    "gradient descent steps against the gradient of a loss of the residuals "
                    "$r_i = \\hat y_i - y_i$. ")


def intro(loss: str = "mse") -> tuple[str, str]:
    """(Markdown, LaTeX) that introduce the chosen loss and its gradient at the top of the
    page: the article's for the MSE, else the loss row's ``intro`` and formulas."""
    row = LOSS_TABLE.get(loss)
    if row is None or loss == "mse":
        return ARTICLE_INTRO
    # One formula per line, so that they fit a phone's width.
    lines = [row.formula, gradient_tex(row, r"\\ ")]
    text = row.intro or f"It lowers the **{row.label}**:"
    return OTHER_LOSS_INTRO + text, r"\begin{gathered}" + r"\\ ".join(lines) + r"\end{gathered}"


def rate_note(settings: RunSettings, rate: float, bound: float) -> str | None:
    """Markdown on what limits the learning rate of a run other than the article's (whose note
    is ``regression_view.learning_rate_note``): 1/lambda_max bounds constant-step GD on the
    MSE only; a loss row's ``curvature`` or ``kinked`` says what bounds it. None for the
    article's run."""
    if settings.is_article:
        return None
    row = LOSS_TABLE[settings.loss]
    text = (f"1/λmax = {bound:.4g} is the largest stable constant step of plain gradient "
            "descent on the mean squared error. ")
    if row.name != "mse" and row.curvature:
        factor = 2.0 / row.curvature
        ratio = row.curvature / 2
        text += (f"The {row.label} curves at most "
                 f"{'half' if ratio == 0.5 else f'{ratio:g} times'} as much, so plain "
                 f"gradient descent on it is stable up to at least {factor:g}/λmax = "
                 f"{factor * bound:.4g}. ")
    elif row.kinked:
        text += (f"The {row.label} has no curvature to limit the step: with a constant step the "
                 "run ends up jumping back and forth across the optimum, by about η times the "
                 "gradient's size, so a decaying schedule (1/sqrt(k) or 1/k) is what lets it "
                 "settle. ")
    if settings.optimizer != "gd":
        text += (f"{OPTIMIZER_TABLE[settings.optimizer].label} has limits of its own; the "
                 "message under the run says why it stopped.")
    elif settings.schedule != "constant":
        text += f"With the schedule {settings.schedule} the step η_k shrinks from η = {rate:g}."
    return text.strip()


def loss_gradient_latex(problem: LightProblem, run: Run, k: int) -> list[str]:
    """The chosen loss's gradient at iterate k: its formula, the first rows' residuals and
    rho'(r_i), and dL/dw_1, dL/db as the trajectory recorded them."""
    t = run.trajectory
    row = LOSS_TABLE[run.settings.loss]
    n, rows = problem.n, min(FORMULA_TERMS, problem.n)
    w, b = t.w[k], float(t.b[k])
    residual = problem.head.X_fit[:rows] @ w + b - problem.head.y[:rows]
    slope = row.derivative(residual, run.settings.loss_settings)
    # One part per line, so that the gradient fits a phone's width.
    lines = [row.formula, r"\begin{gathered}" + gradient_tex(row, r"\\ ") + r"\end{gathered}"]
    rows_tex = r"\\ ".join(
        rf"r_{i + 1} &= {tex(residual[i], wrap=False)}, & \rho'(r_{i + 1}) &= "
        rf"{tex(slope[i], wrap=False)}" for i in range(rows))
    lines.append(rf"\begin{{aligned}}{rows_tex}\end{{aligned}}")
    terms = [rf"{tex(slope[i])}\cdot{tex(problem.head.X_fit[i, 0])}" for i in range(rows)]
    lines.append(
        rf"\begin{{aligned}}\frac{{\partial L}}{{\partial w_1}} &= \tfrac{{1}}{{{n}}}"
        rf"{bracket(terms, n > rows, 1)} \\ &= {tex(t.grad_w[k, 0], wrap=False)} \\[4pt] "
        rf"\frac{{\partial L}}{{\partial b}} &= {tex(t.grad_b[k], wrap=False)}\end{{aligned}}")
    return lines


def loss_note(problem: Problem, run: Run, k: int) -> str:
    """Markdown: which subgradient the MAE takes at zero residuals (and how many there are),
    or which residuals are in Huber's quadratic part, at iterate k."""
    t, loss = run.trajectory, run.settings.loss
    w, b = t.w[k], float(t.b[k])
    if loss == "mae":
        positive, negative, zero = residual_signs(problem.X_fit, problem.y, w, b)
        return (f"The MAE has a kink where a residual is exactly 0: there |r| has the "
                f"subdifferential [−1, 1], and the page (like gradcore) takes the subgradient "
                f"**sign(0) = 0**, the middle of that interval. At step {k}: {positive:,} "
                f"residuals > 0, {negative:,} < 0, **{zero:,} exactly 0**.")
    if loss == "huber":
        delta = run.settings.value("huber_delta")
        inside, outside = huber_zones(problem.X_fit, problem.y, w, b, delta)
        return (f"At step {k}, **{inside:,}** residuals have |r| ≤ δ = {delta:g} "
                f"(the quadratic part, ρ′(r) = r) and **{outside:,}** are beyond it (the linear "
                f"part, ρ′(r) = ±δ).")
    return ""


def update_latex(run: Run) -> str:
    """The chosen optimizer's update rule (its OPTIMIZER_TABLE row)."""
    return OPTIMIZER_TABLE[run.settings.optimizer].formula


def update_frame(problem: Problem, run: Run, k: int, units: str) -> pd.DataFrame | None:
    """Step k -> k+1 of every parameter from the trajectory's record: the value at k, the
    gradient the step used, the optimizer's state after the step, the step size and the value
    at k+1. None at the last iterate (no step was taken from it)."""
    t = run.trajectory
    if k >= t.steps_taken:
        return None
    columns = {f"parameter ({units})": [f"w ({name})" for name in problem.features] + ["b"],
               f"value at step {k}": np.append(t.w[k], t.b[k]),
               "gradient the step used": np.append(t.step_grad_w[k], t.step_grad_b[k])}
    for name, values in t.state.items():
        columns[f"{name} after the step"] = values[k + 1]
    columns[f"η_{k + 1}"] = np.full(len(t.w[k]) + 1, t.step_size[k])
    columns[f"value at step {k + 1}"] = np.append(t.w[k + 1], t.b[k + 1])
    return pd.DataFrame(columns)


def update_sentence(run: Run, k: int) -> str:
    """One line with this step's numbers for w₁, from the trajectory."""
    t = run.trajectory
    if k >= t.steps_taken:
        return f"Step {k} is the last iterate: {t.message}"
    method = OPTIMIZER_TABLE[run.settings.optimizer]
    state = ", ".join(f"{name} = {values[k + 1][0]:.6g}" for name, values in t.state.items())
    source = ("a random mini-batch's gradient" if method.minibatch else
              "the full-data gradient at the iterate")
    return (f"{method.label}, step {k} → {k + 1}: η_{k + 1} = {t.step_size[k]:.6g}, g (w₁) = "
            f"{t.step_grad_w[k, 0]:.6g} ({source})" + (f", {state}" if state else "") +
            f"; w₁ goes from {t.w[k, 0]:.6g} to {t.w[k + 1, 0]:.6g}.")


def formula_panel(problem: Problem, run: Run, k: int, units: str, show_table) -> None:
    """The chosen loss's gradient and the chosen optimizer's update at step k."""
    for line in loss_gradient_latex(problem, run, k):
        st.latex(line)
    note = loss_note(problem, run, k)
    if note:
        st.markdown(note)
    st.subheader(f"The update: {OPTIMIZER_TABLE[run.settings.optimizer].label}")
    st.latex(update_latex(run))
    st.markdown(update_sentence(run, k))
    frame = update_frame(problem, run, k, units)
    if frame is not None:
        show_table(frame, per_parameter=True)


def stop_shown(run: Run, rows: int) -> bool:
    """For a run other than the article's, show why it stopped (the trajectory's message, from
    ``gradcore.regression.stopping``) and return True; the article's run is left to the page."""
    if run.settings.is_article:
        return False
    t = run.trajectory
    {"converged": st.success, "diverged": st.error}.get(t.stop_reason, st.warning)(t.message)
    note = evaluation_note(run, rows)
    if note:
        st.caption(note)
    return True


def evaluation_note(run: Run, rows: int) -> str | None:
    """What the recorded losses were measured on, when a mini-batch run did not use every row
    (``record_rows``); None otherwise."""
    used = run.trajectory.evaluation_rows
    if used >= rows:
        return None
    return (f"The loss and gradient at each step are measured on {used:,} evenly spaced rows of "
            f"the {rows:,}, so that a mini-batch step stays cheap on a large table (all rows at "
            "every step would cost what a full-batch step costs). The check against the "
            "reference uses every row.")




FAR_FACTOR = 1.5
"""A run that stops at its step limit with a loss above this times its optimum's is "far"."""


def data_centre(y: np.ndarray, loss: str) -> tuple[float, str]:
    """Where b₀ starts at the centre of the data: the median of y for the MAE (the best b at
    w = 0), else the mean (the MSE's best b at w = 0; the Huber loss's near it)."""
    if loss == "mae":
        return float(np.median(y)), "median"
    return float(np.mean(y)), "mean"


def start_at_centre_button(y: np.ndarray, loss: str, where) -> None:
    """"Start b₀ at the centre of y": sets the start b₀ (its control and the address) before
    the next run. A run from b₀ = 0 on a target far from 0 spends its steps moving b."""
    value, name = data_centre(y, loss)

    def apply() -> None:
        st.session_state["b0"] = value
        st.query_params["b0"] = repr(value)

    where.button(f"b₀ = {name} of y ({value:.4g})", key="b0_centre", on_click=apply,
                 icon=":material/center_focus_strong:", type="tertiary",
                 help="Start the intercept at the centre of the target instead of 0, so the "
                      "run does not spend its steps moving b there.")


def far_from_optimum_hint(final_loss: float, optimum_loss: float | None, stop_reason: str,
                          rate: float, b0: float, centre: tuple[float, str]) -> str | None:
    """What would help a run that ran out of steps far above its optimum (None otherwise)."""
    if stop_reason != "max_steps" or optimum_loss is None or not np.isfinite(optimum_loss):
        return None
    if not final_loss > FAR_FACTOR * optimum_loss + 1e-12 * max(1.0, abs(optimum_loss)):
        return None
    value, name = centre
    ideas = [f"a larger learning rate than η = {rate:g}", "more steps"]
    if abs(b0 - value) > 1e-9 * max(1.0, abs(value)):
        ideas.insert(0, f"a start nearer the data (b₀ = {name} of y = {value:.4g}, the button "
                        "under the start)")
    return (f"The run ended at its step limit with loss {final_loss:.4g}, far above the "
            f"optimum's {optimum_loss:.4g}. What would help: " + "; ".join(ideas) + ".")


def far_from_optimum(run: Run, y: np.ndarray, rate: float, b0: float) -> None:
    """Under the stop message: :func:`far_from_optimum_hint` for this run, if it applies."""
    optimum = run.optimum if run.optimum is not None and run.optimum.skipped is None else None
    t = run.trajectory
    hint = far_from_optimum_hint(float(t.loss[-1]), optimum.loss if optimum else None,
                                 t.stop_reason, rate, b0, data_centre(y, run.settings.loss))
    if hint:
        st.info(hint, icon=":material/tips_and_updates:")
