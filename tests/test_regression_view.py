"""Tests of ui.regression.view's text: units on every w and b, the learning-rate note, and the
final verdict that never blames gradient descent when the reference is the worse fit."""

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from gradcore import RunSettings, compare_with_sklearn, gradient_descent, learning_rate_verdict
from ui.regression import cache as cache
from ui.regression import check as check
from ui.regression import data as regression_data
from ui.regression import export as export
from ui.regression import tables as tables
from ui.regression import view as view


@pytest.fixture(scope="module")
def tips() -> regression_data.LoadedData:
    """The bundled tips table (tip ~ total_bill)."""
    return cache.bundled_data("tips")


def problem_and_run(data, standardise, rate_fraction=0.1, steps=200, features=("total_bill",)):
    """A prepared problem and a GD run at rate_fraction x the stable limit."""
    problem = cache.prepare(data, "tip", features, standardise)
    rate = rate_fraction * problem.stats.max_stable_learning_rate
    return problem, cache.descend(problem, RunSettings(learning_rate=rate, steps=steps, w0=0.0, b0=0.0))


@pytest.mark.parametrize("standardised", [True, False])
@pytest.mark.parametrize("rate", [0.05, 1.0, 3.0])
def test_standardise_advice_only_when_not_standardised(rate, standardised):
    """The learning-rate note tells the student to standardise only when the features are not."""
    note = view.learning_rate_note(rate, 1.0, 5000.0, standardised)
    assert ("Standardise the features" in note) is (not standardised)
    assert "1/λmax = 1" in note and "Condition number: 5000" in note
    assert learning_rate_verdict(rate, 1.0).message in note


@pytest.mark.parametrize(("rate", "bold"), [(0.5, False), (1.0, True), (2.0, True)])
def test_learning_rate_note_bolds_edge_and_divergence(rate, bold):
    """Stable rates are plain text; the edge and divergence are in bold."""
    note = view.learning_rate_note(rate, 1.0, 2.0, True)
    assert (f"**{learning_rate_verdict(rate, 1.0).message}**" in note) is bold


def test_learning_rate_note_small_or_infinite_condition_number():
    """No advice for a condition number already small; 'infinite' (never 'inf') when singular."""
    assert "Standardise" not in view.learning_rate_note(0.1, 1.0, 3.0, False)
    note = view.learning_rate_note(0.1, 1.0, float("inf"), False)
    assert "infinite (the optimum is not unique)" in note and "Standardise the features" in note


def test_metrics_label_standardised_and_original_units(tips):
    """Standardised: w, b in standardised units with the original-units values beside them."""
    problem, run = problem_and_run(tips, True)
    k = 7
    shown = dict(view.metric_values(problem, run, k))
    assert float(shown["w (standardised units)"]) == pytest.approx(run.trajectory.w[k, 0], rel=1e-5)
    assert float(shown["b (standardised units)"]) == pytest.approx(run.trajectory.b[k], rel=1e-5)
    assert float(shown["w (original units)"]) == pytest.approx(run.coef[k, 0], rel=1e-5)
    assert float(shown["b (original units)"]) == pytest.approx(run.intercept[k], rel=1e-5)
    assert float(shown["loss L(w, b)"]) == pytest.approx(run.trajectory.loss[k], rel=1e-5)
    assert set(shown) == {"step k", "w (standardised units)", "b (standardised units)",
                          "w (original units)", "b (original units)", "loss L(w, b)"}


def test_metrics_without_standardisation_are_in_original_units(tips):
    """Not standardised: one w and one b, both labelled original units; several features: ‖w‖."""
    problem, run = problem_and_run(tips, False)
    assert [label for label, _ in view.metric_values(problem, run, 0)] == [
        "step k", "w (original units)", "b (original units)", "loss L(w, b)"]
    problem, run = problem_and_run(tips, True, features=("total_bill", "size"))
    labels = [label for label, _ in view.metric_values(problem, run, 0)]
    assert "‖w‖ (standardised units)" in labels and "‖w‖ (original units)" in labels


@pytest.mark.parametrize(("standardise", "units"), [(True, "standardised units"),
                                                    (False, "original units")])
def test_formula_panel_and_tables_name_their_units(tips, standardise, units):
    """The formula caption, the update table and the gradient table say which units they use."""
    problem, run = problem_and_run(tips, standardise)
    table = view.update_table(problem, run, 3)
    assert list(table.columns) == [f"parameter ({units})", "value at step 3", "Σ rᵢ·xᵢⱼ (b: Σ rᵢ)",
                                   "gradient = 2/N · Σ", "−η · gradient", "value at step 4"]
    assert f"in {units}" in view.formula_caption(problem)
    assert list(table[f"parameter ({units})"]) == ["w (total_bill)", "b"]


def test_trajectory_csv_has_original_units_beside_gd_units(tips):
    """The download carries w, b in GD's units and w_<feature>_original, b_original."""
    problem, run = problem_and_run(tips, True)
    frame = export.trajectory_frame(run, problem.features)
    assert_allclose(frame["w_total_bill_original"], run.coef[:, 0], rtol=0)
    assert_allclose(frame["b_original"], run.intercept, rtol=0)
    assert_allclose(frame["w_total_bill"], run.trajectory.w[:, 0], rtol=0)


def test_final_verdict_when_gd_matches(tips):
    """A converged standardised run matches scikit-learn: success."""
    problem, run = problem_and_run(tips, True, 0.9, 2000)
    kind, text = check.final_verdict(problem, run, run.trajectory.steps_taken)
    assert kind == "success" and "Gradient descent matches scikit-learn" in text


def test_final_verdict_never_blames_gd_when_the_reference_is_worse(tips):
    """Against a worse reference the page informs; no 'Not matched yet', no stopping rule."""
    problem, run = problem_and_run(tips, True, 0.9, 2000)
    bad = (problem.least_squares.reference[0] * 1.5, problem.least_squares.reference[1])
    comparison = compare_with_sklearn(problem.X, problem.y, run.trajectory, problem.scaler,
                                      reference=bad, stats=problem.stats)
    kind, text = check.final_verdict(problem, dataclasses.replace(run, comparison=comparison), 0)
    assert kind == "info" and "The reference has the higher loss" in text
    assert "Not matched yet" not in text and "stopping rule" not in text


def test_final_verdict_blames_the_stopping_rule_only_when_gd_is_higher(tips):
    """A run stopped by a loose tolerance, still above the reference: warning naming the stopping rule."""
    problem, run = problem_and_run(tips, True, 0.05, 2000)
    loose = gradient_descent(problem.X_fit, problem.y, run.trajectory.learning_rate, 2000,
                             tol=1e-3, stats=problem.stats)
    assert loose.stop_reason == "converged"
    comparison = compare_with_sklearn(problem.X, problem.y, loose, problem.scaler,
                                      reference=problem.least_squares.reference,
                                      stats=problem.stats)
    early = dataclasses.replace(run, trajectory=loose, comparison=comparison)
    kind, text = check.final_verdict(problem, early, 0)
    assert comparison.higher_loss == "gradient descent"
    assert kind == "warning" and "Not matched yet" in text and "stopping rule" in text


def test_final_verdict_at_the_edge_says_it_oscillates(tips):
    """At eta = 1/lambda_max the reason is the edge verdict, not 'too few steps'."""
    problem, run = problem_and_run(tips, True, 1.0, 300)
    kind, text = check.final_verdict(problem, run, 0)
    assert kind == "warning" and "neither converges nor diverges" in text
    assert "too few steps" not in text


@pytest.mark.parametrize(("standardise", "advised"), [(True, False), (False, True)])
def test_too_few_steps_advises_standardising_only_when_off(tips, standardise, advised):
    """'standardise the features' in the reason only when the features are not standardised."""
    problem, run = problem_and_run(tips, standardise, 0.3, 3)
    reason = check.not_converged_reason(problem, run)
    assert "too few steps" in reason
    assert ("standardise the features" in reason) is advised


def test_turned_table_has_a_column_per_parameter_with_the_same_numbers(tips):
    """turned() makes rows of the quantities and a column per parameter, numbers unchanged."""
    problem, run = problem_and_run(tips, True)
    table = view.update_table(problem, run, 4)
    shown = tables.turned(table)
    assert list(shown.columns) == ["parameter (standardised units)", "w (total_bill)", "b"]
    assert list(shown["parameter (standardised units)"]) == list(table.columns[1:])
    assert_allclose(shown["b"].to_numpy(dtype=float), table.iloc[1, 1:].to_numpy(dtype=float),
                    rtol=0)


def test_gradient_units_match_the_metrics(tips):
    """The update table's value at step k is the metric's w and b (same units, same numbers)."""
    problem, run = problem_and_run(tips, True)
    table = view.update_table(problem, run, 4)
    shown = dict(view.metric_values(problem, run, 4))
    values = table["value at step 4"].to_numpy()
    assert_allclose(values, [float(shown["w (standardised units)"]),
                             float(shown["b (standardised units)"])], rtol=1e-5)
    assert np.isfinite(values).all()


RENDER = """
import streamlit as st
from gradcore import RunSettings
from ui.regression import cache as cache
from ui.regression import check as check
from ui.regression import view as view

problem = cache.prepare(cache.bundled_data("tips"), "tip", ("total_bill",), True)
run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=50, w0=0.0, b0=0.0))
view._metrics(problem, run, 5)
st.caption(view.formula_caption(problem))
step = cache.check_step(problem, run, 5)
st.dataframe(view.update_table(problem, run, 5))
check.check_panel(problem, run, 5, step)
st.markdown(view.learning_rate_note(0.1, problem.stats.max_stable_learning_rate,
                                    problem.stats.condition_number, True))
"""


def test_panels_render_with_units_in_streamlit():
    """Metrics, formula caption, tables and check panel render; every w, b metric names its units."""
    at = AppTest.from_string(RENDER, default_timeout=60)
    at.session_state[check.NUMBERS_KEY] = True  # the check's tables: opened as a student would
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["step k", "w (standardised units)", "b (standardised units)",
                      "w (original units)", "b (original units)", "loss L(w, b)"]
    assert any("parameter (original units)" in f.value.columns for f in at.dataframe)
    assert any("component (standardised units)" in f.value.columns for f in at.dataframe)
    assert any("standardised units" in c.value for c in at.caption)
    assert at.warning and "Not matched yet" in at.warning[0].value
    assert "Standardise the features" not in " ".join(m.value for m in at.markdown)


def test_the_update_table_is_the_runs_record_and_stops_at_its_last_iterate(tips):
    """Each number of the update comes from the trajectory (the next value is the iterate the
    run reached, not a step applied again here), and the last iterate shows no step k + 1."""
    problem, run = problem_and_run(tips, True, steps=20)
    t = run.trajectory
    table = view.update_table(problem, run, 7)
    assert_allclose(table["value at step 8"], np.append(t.w[8], t.b[8]), rtol=0)
    assert_allclose(table["−η · gradient"],
                    -t.step_size[7] * np.append(t.step_grad_w[7], t.step_grad_b[7]), rtol=0)
    last = view.update_table(problem, run, t.steps_taken)
    assert f"value at step {t.steps_taken + 1}" not in last.columns
    assert "−η · gradient" not in last.columns
    assert view.gradient_latex(problem, run, t.steps_taken,
                               cache.check_step(problem, run, t.steps_taken))[-1].count("leftarrow") == 0
