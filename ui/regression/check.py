"""The regression page's check panel: the gradient at step k three ways (the formula on the
data, the run's record or GD's shortcut, finite differences), the comparison with the
reference optimum, and the verdict on the final step with the reason when they differ."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gradcore import PENALTY_TABLE, penalised_method
from gradcore.number_text import significant
from ui.regression import engine as engines
from ui.regression.build import COMPARISON_RTOL, Problem, Run, StepCheck
from ui.regression.tables import GLOSSARY, gd_units, show_table

SHORTCUT_COLUMN = "GD's shortcut (S, t)"


CHECK_HELP = {
    "article's formula": "2/N · Σ rᵢ xᵢⱼ (and 2/N · Σ rᵢ), summed over every row of the data.",
    SHORTCUT_COLUMN: GLOSSARY["GD's shortcut (S, t)"],
    "finite differences": GLOSSARY["finite differences"],
}


CHECK_NOTE = ("**GD's shortcut (S, t)** is how gradient descent computes the gradient: 2(Sθ − t), "
              "from two summaries of the data read once, instead of a sum over every row at "
              "every step. **Finite differences** measure the slope without any formula, "
              "(L(θ + h) − L(θ − h)) / 2h. All three must agree.")


def _gradient_table(problem: Problem, step: StepCheck, run: Run, k: int) -> None:
    """The gradient at step k three ways, one row per component (in the lazy numbers box)."""
    check = step.check
    names = [f"∂L/∂w{j + 1}" for j in range(step.grad_w.size)] + ["∂L/∂b"]
    article = run.settings.loss == "mse"
    formula_column = "article's formula" if article else "loss_gradient on the data"
    recorded_column = SHORTCUT_COLUMN if article else "recorded by the run"
    show_table({
        f"component ({gd_units(problem)})": names,
        formula_column: np.append(step.grad_w, step.grad_b),
        recorded_column: np.append(run.trajectory.grad_w[k], run.trajectory.grad_b[k]),
        "finite differences": np.asarray(check.numeric),
    }, CHECK_HELP if article else None, per_parameter=True)
    if article:
        st.caption(CHECK_NOTE)


def _gradient_verdict(step: StepCheck, run: Run, k: int) -> None:
    """One line: does the gradient formula agree with central differences at step k?"""
    check = step.check
    article = run.settings.loss == "mse"
    if article:
        how = ("of mse_loss on the data" if step.direct else
               "of the loss from the sufficient statistics")
    else:
        how = f"of the {engines.LOSS_TABLE[run.settings.loss].label} on the data"
        if engines.LOSS_TABLE[run.settings.loss].kinked:
            how += (" (where a residual is within h of a kink the differences average the two "
                    "slopes, while the formula takes the midpoint subgradient)")
    verdict = st.success if check.passed else st.warning
    source = "the article's formula" if article else "the loss's gradient formula"
    verdict(f"Gradient check at step {k}: relative error {check.relative_error:.2e} between "
            f"{source} and central differences {how} (tolerance {check.rtol:.0e}).")


def _comparison_table(problem: Problem, run: Run, k: int) -> None:
    """The parameters at step k beside the reference's (in the lazy numbers box)."""
    if run.optimum.skipped:
        return
    coef_k, intercept_k = run.coef[k], float(run.intercept[k])
    ref_coef, ref_intercept = run.optimum.reference
    settings = run.settings
    article = settings.loss == "mse" and not (settings.penalty != "none" and settings.alpha > 0)
    name = "scikit-learn" if settings.loss == "mse" else "reference"
    show_table({
        "parameter (original units)": [*problem.features, "b (intercept)"],
        f"GD at step {k}" if article else f"run at step {k}": np.append(coef_k, intercept_k),
        name: np.append(ref_coef, ref_intercept),
        "|difference|": np.abs(np.append(coef_k - ref_coef, intercept_k - ref_intercept)),
    }, per_parameter=True)


def _comparison(run: Run, k: int) -> None:
    """The loss (objective) at step k and the reference's, and their coefficient gap."""
    if run.optimum.skipped:
        return
    coef_k, intercept_k = run.coef[k], float(run.intercept[k])
    ref_coef, ref_intercept = run.optimum.reference
    settings = run.settings
    penalised = settings.penalty != "none" and settings.alpha > 0
    article = settings.loss == "mse" and not penalised
    name = "scikit-learn" if settings.loss == "mse" else "reference"
    gap = np.linalg.norm(np.append(coef_k - ref_coef, intercept_k - ref_intercept))
    scale = max(np.linalg.norm(np.append(ref_coef, ref_intercept)), 1e-300)
    loss_k = float(run.trajectory.loss[k])
    st.markdown(
        f"{'Objective J = L + P' if penalised else 'Loss'} at step {k}: "
        f"**{significant(loss_k, 8)}**, {name}: **"
        f"{significant(run.optimum.loss, 8)}**; relative coefficient gap at step {k}: "
        f"**{gap / scale:.2e}**."
    )
    if penalised:
        st.caption(f"Reference for the {engines.LOSS_TABLE[settings.loss].label} + "
                   f"{PENALTY_TABLE[settings.penalty].label} (α = {significant(settings.alpha)}, "
                   f"on the weights the run uses): "
                   f"{penalised_method(settings.loss, settings.penalty)}.")
    elif not article:
        st.caption(f"Reference for the {engines.LOSS_TABLE[settings.loss].label}: "
                   f"{engines.LOSS_TABLE[settings.loss].method}.")


# The box with the check's tables: made only while open (a lazy expander). The calculus pages'
# box of the check's numbers has the same label and key (tests open both as one panel).
NUMBERS_LABEL = "The check's numbers, component by component"
NUMBERS_KEY = "check_numbers"


def check_panel(problem: Problem, run: Run, k: int, step: StepCheck) -> None:
    """Analytic vs finite-difference gradient at k; GD vs scikit-learn; why not converged: the
    verdicts as sentences, the tables behind them in a box opened on demand."""
    st.subheader(f"The check at step {k}")
    _gradient_verdict(step, run, k)
    _comparison(run, k)
    kind, text = final_verdict(problem, run, k)
    {"success": st.success, "info": st.info, "warning": st.warning}[kind](text)
    box = st.expander(NUMBERS_LABEL, icon=":material/table_chart:", key=NUMBERS_KEY,
                      on_change="rerun")
    if box.open:
        with box:
            _gradient_table(problem, step, run, k)
            _comparison_table(problem, run, k)


def final_verdict(problem: Problem, run: Run, k: int) -> tuple[str, str]:
    """("success" | "info" | "warning", message) on the last iterate against scikit-learn.

    success: they match. info: they differ but gradient descent's loss is not the higher one
    (the reference is worse, or both are equal to rounding): nothing to blame on the run.
    warning: gradient descent has the higher loss, with ``not_converged_reason``.
    """
    last = run.trajectory.steps_taken
    if run.optimum.skipped:
        return "info", run.optimum.skipped
    if run.gap is not None:
        kind = "success" if run.gap.agrees else "warning"
        return kind, run.gap.message + ("" if run.gap.agrees else " " + run.trajectory.message)
    final = run.comparison
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
    if not run.settings.is_article:
        return t.message
    bound = t.max_stable_learning_rate
    verdict = t.verdict
    if t.stop_reason == "diverged":
        return f"Why: {t.message}"
    if t.stop_reason == "converged":
        return "The run converged; the remaining gap is the tolerance of the stopping rule."
    if verdict.kind != "stable":
        return f"Why: {verdict.message}"
    if t.learning_rate < 0.05 * bound:
        return (f"Why: the learning rate {significant(t.learning_rate)} is small next to the stable "
                f"bound {significant(bound)}; raise it towards the bound (or add steps).")
    advice = ("" if problem.scaler else
              ", or standardise the features to lower the condition number")
    return (f"Why: too few steps ({t.steps_requested}) for this problem (condition number "
            f"{significant(problem.stats.condition_number, 3)}); add steps{advice}.")
