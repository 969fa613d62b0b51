"""Tests of ui.regression.build without Streamlit or a cache: a Problem holds the least-squares
fit, a Run is gradcore's fit, the MAE's reference is bounded, and the module stays pure."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from gradcore import RunSettings, fit, loss_surface, loss_value
from gradcore.regression.engine import EVALUATION_ROWS, evenly_spaced_rows
from ui.regression import build as build
from ui.regression.data import build_loaded_data

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_RTOL = 1e-10  # lstsq and scikit-learn solve the same least-squares problem


def small_table(rng, rows: int = 50) -> pd.DataFrame:
    """y = 3 a - 2 b + 1 + noise, with b on a scale 1000 times a's."""
    a, b, noise = rng.standard_normal((3, rows))
    b = 1000 * b
    return pd.DataFrame({"a": a, "b": b, "y": 3 * a - 2e-3 * b + 1 + 0.1 * noise})


def problem_of(frame, features, standardise=True):
    return build.build_problem(build_loaded_data(frame, "table", "y", features), "y", features,
                               standardise)


@pytest.mark.parametrize("standardise", [True, False])
def test_build_problem_holds_the_least_squares_fit(rng, standardise):
    """least_squares is lstsq's optimum in original units, the same line in GD units, and its MSE."""
    frame = small_table(rng)
    problem = problem_of(frame, ("a", "b"), standardise)
    X, y = frame[["a", "b"]].to_numpy(), frame["y"].to_numpy()
    solution = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    coef, intercept = problem.least_squares.reference
    assert_allclose(np.append(coef, intercept), solution, rtol=REFERENCE_RTOL)
    fit_coef, fit_intercept = problem.least_squares.reference_fit
    assert_allclose(problem.X_fit @ fit_coef + fit_intercept, X @ coef + intercept,
                    rtol=REFERENCE_RTOL)
    assert problem.least_squares.loss == pytest.approx(np.mean((X @ coef + intercept - y) ** 2))
    assert problem.key[:4] == (build_loaded_data(frame, "x").digest, "y", ("a", "b"), standardise)
    assert (problem.target, problem.features) == ("y", ("a", "b"))


def test_build_problem_draws_its_sample_from_the_rows(rng):
    """Sample.X, X_fit and y are the problem's rows at Sample.indices."""
    problem = problem_of(small_table(rng), ("a",))
    sample = problem.sample
    assert_allclose(sample.X, problem.X[sample.indices], rtol=0)
    assert_allclose(sample.X_fit, problem.X_fit[sample.indices], rtol=0)
    assert_allclose(sample.y, problem.y[sample.indices], rtol=0)


def test_build_problem_does_not_change_the_table(rng):
    """The caller's DataFrame is left as it was."""
    frame = small_table(rng)
    before = frame.copy()
    problem_of(frame, ("a", "b"))
    pd.testing.assert_frame_equal(frame, before)


def test_build_run_is_gradcores_fit(rng):
    """The MSE with gradient descent: the trajectory is fit's, coefficients mapped to original
    units, and the run agrees with scikit-learn once converged."""
    problem = problem_of(small_table(rng), ("a", "b"))
    run = build.build_run(problem, RunSettings(learning_rate=0.5, steps=400))
    expected = fit(problem.X_fit, problem.y, learning_rate=0.5, steps=400, w0=np.zeros(2), b0=0.0)
    assert_allclose(run.trajectory.w, expected.w, rtol=0)
    assert_allclose(run.trajectory.loss, expected.loss, rtol=0)
    coef, intercept = problem.scaler.to_original(expected.w, expected.b)
    assert_allclose(run.coef, coef, rtol=0)
    assert_allclose(run.intercept, intercept, rtol=0)
    assert run.comparison.agrees, run.comparison.message
    assert run.optimum is problem.least_squares and run.contour is None


def test_the_mse_contour_from_the_statistics_is_the_loss_on_the_data(rng):
    """The MSE's grid (sufficient statistics) equals loss_surface's passes over the rows."""
    problem = problem_of(small_table(rng), ("a",))
    w_grid, b_grid, grid = build.build_loss_grid(problem, "mse", (), (-1.0, 4.0, -2.0, 3.0))
    W, B = np.meshgrid(w_grid, b_grid)
    assert_allclose(grid, loss_surface(problem.X_fit, problem.y, W[..., None], B, "mse"),
                    rtol=1e-10)


def test_the_mse_reference_is_the_problems(rng):
    """build_loss_reference of the MSE is the problem's own least-squares fit."""
    problem = problem_of(small_table(rng), ("a", "b"))
    assert build.build_loss_reference(problem, "mse") is problem.least_squares


def test_the_mae_reference_stops_at_the_size_bound(rng):
    """At the bound the MAE gets its reference; one row more, none, with the reason and the
    least-squares fit as the charts' stand-in."""
    most = build.MAE_REFERENCE_VALUES // 2  # rows with one feature
    assert build.reference_skipped("mae", most, 1) is None
    assert build.reference_skipped("mae", build.MAE_REFERENCE_VALUES // 11 + 1, 10) is not None
    assert build.reference_skipped("huber", 10 * most, 1) is None
    problem = problem_of(small_table(rng, most + 1), ("a",))
    optimum = build.build_loss_reference(problem, "mae")
    assert f"up to {most:,} rows with 1 feature(s)" in optimum.skipped
    assert optimum.reference is problem.least_squares.reference
    assert optimum.loss == loss_value(problem.X, problem.y, *optimum.reference, "mae")
    run = build.build_run(problem, RunSettings(loss="mae", steps=5), optimum)
    assert run.gap is None and run.comparison is None


def test_the_step_check_agrees_with_finite_differences(rng):
    """A step of the MSE run: the article's gradient is the trajectory's and passes the check."""
    problem = problem_of(small_table(rng), ("a", "b"))
    run = build.build_run(problem, RunSettings(steps=10))
    step = build.build_step_check(problem, run, 4)
    assert step.direct and step.check.passed
    assert_allclose(np.append(step.grad_w, step.grad_b),
                    np.append(run.trajectory.grad_w[4], run.trajectory.grad_b[4]), rtol=1e-10)


def test_the_builders_do_not_import_streamlit():
    """Importing the builders and the data module loads no Streamlit."""
    code = ("import sys, ui.regression.build, ui.regression.data; "
            "assert 'streamlit' not in sys.modules, 'streamlit imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_large_tables_draw_the_mae_contours_from_the_evaluation_rows(rng):
    """Above EVALUATION_ROWS rows the MAE's / Huber's contour grid is the loss on the evenly
    spaced evaluation rows (a grid on all rows of a million-row table took 9 s), and the
    note says so; the MSE's grid (from the statistics) and small tables use every row."""
    frame = small_table(rng, EVALUATION_ROWS + 500)
    problem = problem_of(frame, ("a",))
    window = (-1.0, 4.0, -2.0, 3.0)
    w_grid, b_grid, grid = build.build_loss_grid(problem, "huber", (("huber_delta", 0.5),), window)
    rows = evenly_spaced_rows(len(problem.y), EVALUATION_ROWS)
    W, B = np.meshgrid(w_grid, b_grid)
    expected = loss_surface(problem.X_fit[rows], problem.y[rows], W[..., None], B, "huber", 0.5)
    np.testing.assert_allclose(grid, expected, rtol=1e-12)
    assert f"Contours from {EVALUATION_ROWS:,} evenly spaced rows of the {EVALUATION_ROWS + 500:,}" \
        in build.contour_note(problem, "huber")
    assert build.contour_note(problem, "mse") is None
    small = problem_of(small_table(rng, 300), ("a",))
    assert build.contour_note(small, "mae") is None
    _, _, grid = build.build_loss_grid(small, "mae", (), window)
    expected = loss_surface(small.X_fit, small.y, W[..., None], B, "mae")
    np.testing.assert_allclose(grid, expected, rtol=1e-12)
