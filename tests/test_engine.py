"""Tests of gradcore.regression.engine, losses, optimizers, stopping and export (losses x optimizers)."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import QuantileRegressor

from gradcore import DataError, Standardizer, gradient_descent, numeric_gradient
from gradcore.regression.engine import (
    EVALUATION_ROWS,
    FitTrajectory,
    evenly_spaced_rows,
    fit,
    loss_surface,
)
from gradcore.regression.export import export_script
from gradcore.regression.losses import (
    LOSSES,
    QUANTILE_REGRESSOR_ROWS,
    _median_regression_dual,
    loss_gradient,
    loss_value,
    reference_fit,
    residual_signs,
)
from gradcore.regression.optimizers import BETA2, OPTIMIZER_TABLE, OPTIMIZERS, SCHEDULES, Optimizer
from gradcore.regression.rows import HyperParameter
from gradcore.regression.stopping import divergence_bound

ROOT = Path(__file__).resolve().parent.parent
PAIRS = list(itertools.product(LOSSES, OPTIMIZERS))
# Recorded vs direct gradients: relative, with an absolute floor at rounding level of the
# gradient scale (the MSE path uses the statistics, a different order of the same sums).
GRAD_RTOL, GRAD_ATOL = 1e-9, 1e-12
# Central differences: step and relative tolerance for the smooth losses.
FD_STEP, FD_RTOL = 1e-6, 1e-6
# Exported script vs fit, both in original units.
EXPORT_RTOL, EXPORT_ATOL = 1e-9, 1e-9
# Supporting-plane test: allowed rounding below the plane.
PLANE_TOL = 1e-12


def heavy_tailed(rng, n=400, d=3, outliers=8):
    """Features of mixed scales, Student-t (df 1.5) noise and a few gross outliers in y."""
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-2, 2, d)
    y = X @ rng.uniform(-3, 3, d) + 1.5 + rng.standard_t(1.5, n)
    y[rng.choice(n, outliers, replace=False)] += rng.choice([-1, 1], outliers) * 200.0
    return X, y


def standardised(rng, n=400, d=3):
    X, y = heavy_tailed(rng, n, d)
    return Standardizer.fit(X).transform(X), y


def direct_gradients(X, y, t, loss, delta=1.0):
    return np.array([np.append(*loss_gradient(X, y, w, b, loss, delta))
                     for w, b in zip(t.w, t.b, strict=True)])


@pytest.mark.parametrize(("loss", "optimizer"), PAIRS)
def test_recorded_gradients_and_losses_are_the_direct_ones(rng, loss, optimizer):
    """grad_w[k], grad_b[k], loss[k] equal loss_gradient and loss_value at every iterate."""
    X, y = standardised(rng, n=300)
    t = fit(X, y, loss=loss, optimizer=optimizer, learning_rate=0.05, steps=40, batch_size=20,
            schedule="1/sqrt(k)", huber_delta=0.7)
    assert isinstance(t, FitTrajectory) and t.steps_taken == 40
    expected = direct_gradients(X, y, t, loss, 0.7)
    recorded = np.column_stack([t.grad_w, t.grad_b])
    assert_allclose(recorded, expected, rtol=GRAD_RTOL, atol=GRAD_ATOL * t.gradient_scale)
    losses = [loss_value(X, y, w, b, loss, 0.7) for w, b in zip(t.w, t.b, strict=True)]
    assert_allclose(t.loss, losses, rtol=GRAD_RTOL)


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_loss_gradient_equals_central_differences(rng, loss):
    """For the smooth losses the analytic gradient matches central differences."""
    X, y = heavy_tailed(rng, n=50)
    for _ in range(5):
        theta = rng.standard_normal(4) * 2

        def f(point, loss=loss):
            return loss_value(X, y, point[:3], point[3], loss, 1.3)

        analytic = np.append(*loss_gradient(X, y, theta[:3], theta[3], loss, 1.3))
        numeric = numeric_gradient(f, theta, h=FD_STEP)
        assert_allclose(analytic, numeric, rtol=FD_RTOL, atol=FD_RTOL * np.abs(analytic).max(),
                        err_msg=f"analytic {analytic} vs numeric {numeric}")


def test_central_difference_check_catches_a_wrong_gradient(rng):
    """The check above fails for a planted wrong gradient (the MSE's without its factor 2)."""
    X, y = heavy_tailed(rng, n=50)
    theta = rng.standard_normal(4)
    wrong = np.append(*loss_gradient(X, y, theta[:3], theta[3], "mse")) / 2
    numeric = numeric_gradient(lambda p: loss_value(X, y, p[:3], p[3], "mse"), theta, h=FD_STEP)
    with pytest.raises(AssertionError):
        assert_allclose(wrong, numeric, rtol=FD_RTOL)


def plane_violation(X, y, theta, g, others) -> float:
    """max over ``others`` of L(theta) + g.(other - theta) - L(other) for the MAE (<= 0 if g supports)."""
    base = loss_value(X, y, theta[:-1], theta[-1], "mae")
    return max(base + g @ (p - theta) - loss_value(X, y, p[:-1], p[-1], "mae") for p in others)


def mae_kink_point(X, y):
    """(w, b) through the first 3 data points: 3 residuals are exactly 0 (a kink of the MAE)."""
    A = np.column_stack([X[:3], np.ones(3)])
    return np.linalg.solve(A, y[:3])


def test_mae_subgradient_passes_the_supporting_plane_test(rng):
    """At a kink (zero residuals) and elsewhere, loss_gradient's MAE g satisfies L(p) >= L + g.(p - theta)."""
    X, y = heavy_tailed(rng, n=60, d=2)
    X, y = np.round(X, 1), np.round(y, 1)
    kink = mae_kink_point(X, y)
    residual = X @ kink[:-1] + kink[-1] - y
    assert (np.abs(residual[:3]) < 1e-12).all()
    for theta in (kink, kink + rng.standard_normal(3)):
        g = np.append(*loss_gradient(X, y, theta[:-1], theta[-1], "mae"))
        others = theta + rng.standard_normal((300, 3)) * rng.choice([1e-6, 1e-3, 1.0], (300, 1))
        assert plane_violation(X, y, theta, g, others) <= PLANE_TOL


def test_supporting_plane_test_catches_a_wrong_subgradient(rng):
    """A slope outside the subdifferential (sign(0) taken as 3) fails the supporting-plane test."""
    X, y = heavy_tailed(rng, n=60, d=2)
    X, y = np.round(X, 1), np.round(y, 1)
    kink = mae_kink_point(X, y)
    residual = X @ kink[:-1] + kink[-1] - y
    residual[np.abs(residual) < 1e-12] = 0.0
    wrong_sign = np.where(residual == 0, 3.0, np.sign(residual))
    g = np.append(wrong_sign @ X, wrong_sign.sum()) / len(y)
    others = kink + rng.standard_normal((300, 3)) * 1e-3
    assert plane_violation(X, y, kink, g, others) > 1e-6


def test_residual_signs_count_the_zero_residuals():
    """On y = 2x + 1 plus noise on some rows, the line w = 2, b = 1 has exact zeros there."""
    X = np.arange(10.0).reshape(-1, 1)
    y = 2 * X[:, 0] + 1 + np.array([0, 0, 0, 1, -1, 2, 0, -3, 0.5, 0])
    assert residual_signs(X, y, [2.0], 1.0) == (2, 3, 5)


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_surface_equals_loss_value_on_a_grid(rng, loss):
    """loss_surface over a (w, b) grid equals loss_value point by point."""
    X, y = heavy_tailed(rng, n=150, d=1)
    W, B = np.meshgrid(np.linspace(-3, 3, 9), np.linspace(-2, 4, 11))
    surface = loss_surface(X, y, W[..., None], B, loss, 0.8)
    assert surface.shape == B.shape
    expected = [[loss_value(X, y, [w], b, loss, 0.8) for w, b in zip(rw, rb, strict=True)]
                for rw, rb in zip(W, B, strict=True)]
    assert_allclose(surface, expected, rtol=1e-9)


def test_mae_gradient_takes_sign_zero_as_zero():
    """Rows with a zero residual add nothing to the MAE subgradient (sign(0) = 0)."""
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([0.0, 5.0, -5.0])
    gw, gb = loss_gradient(X, y, [0.0], 0.0, "mae")
    assert_allclose([gw[0], gb], [(-1 + 2) / 3, (-1 + 1) / 3])


# (loss, optimizer) -> fit settings and the tolerance on the relative loss gap to the reference
# (L - L_ref) / L_ref, on standardised features. Full-batch runs of the smooth losses converge;
# MAE needs a decaying step; SGD's noise is bounded by a decaying step and a batch of 64.
REACH = {
    ("mse", "gd"): ({"learning_rate": 0.3, "steps": 3000}, 1e-10),
    ("mse", "momentum"): ({"learning_rate": 0.05, "steps": 3000}, 1e-10),
    ("mse", "nesterov"): ({"learning_rate": 0.05, "steps": 3000}, 1e-10),
    ("mse", "adam"): ({"learning_rate": 0.05, "steps": 3000}, 1e-10),
    ("mse", "sgd"): ({"learning_rate": 0.1, "steps": 4000, "schedule": "1/k"}, 1e-3),
    ("huber", "gd"): ({"learning_rate": 0.5, "steps": 5000}, 1e-10),
    ("huber", "momentum"): ({"learning_rate": 0.1, "steps": 5000}, 1e-10),
    ("huber", "nesterov"): ({"learning_rate": 0.1, "steps": 5000}, 1e-10),
    ("huber", "adam"): ({"learning_rate": 0.05, "steps": 5000}, 1e-10),
    ("huber", "sgd"): ({"learning_rate": 0.5, "steps": 4000, "schedule": "1/sqrt(k)"}, 1e-3),
    ("mae", "gd"): ({"learning_rate": 0.5, "steps": 5000, "schedule": "1/sqrt(k)"}, 1e-3),
    ("mae", "momentum"): ({"learning_rate": 0.1, "steps": 5000, "schedule": "1/sqrt(k)"}, 1e-4),
    ("mae", "nesterov"): ({"learning_rate": 0.1, "steps": 5000, "schedule": "1/sqrt(k)"}, 1e-4),
    ("mae", "adam"): ({"learning_rate": 0.1, "steps": 5000, "schedule": "1/sqrt(k)"}, 1e-4),
    ("mae", "sgd"): ({"learning_rate": 0.5, "steps": 4000, "schedule": "1/sqrt(k)"}, 1e-2),
    # without a penalty the proximal optimizer is gradient descent (tests/test_penalties.py)
    ("mse", "proximal"): ({"learning_rate": 0.3, "steps": 3000}, 1e-10),
    ("huber", "proximal"): ({"learning_rate": 0.5, "steps": 5000}, 1e-10),
    ("mae", "proximal"): ({"learning_rate": 0.5, "steps": 5000, "schedule": "1/sqrt(k)"}, 1e-3),
}


@pytest.mark.parametrize(("loss", "optimizer"), PAIRS)
def test_every_optimizer_reaches_the_reference(rng, loss, optimizer):
    """On standardised data each optimizer's final loss is within the stated gap of reference_fit's."""
    X, y = standardised(rng)
    settings, tolerance = REACH[loss, optimizer]
    t = fit(X, y, loss=loss, optimizer=optimizer, batch_size=64, seed=1, **settings)
    w_ref, b_ref = reference_fit(X, y, loss)
    reference_loss = loss_value(X, y, w_ref, b_ref, loss)
    final_loss = loss_value(X, y, *t.final, loss)
    assert t.stop_reason != "diverged"
    assert (final_loss - reference_loss) / reference_loss <= tolerance
    assert final_loss >= reference_loss * (1 - 1e-12), "the reference is not the optimum"
    if tolerance <= 1e-10:
        assert_allclose(np.append(*t.final), np.append(w_ref, b_ref), rtol=1e-4, atol=1e-4)


def test_sgd_with_a_seed_is_reproducible(rng):
    """The same seed gives the same SGD trajectory; another seed gives another one."""
    X, y = standardised(rng)
    runs = [fit(X, y, loss="huber", optimizer="sgd", steps=100, batch_size=16, seed=s)
            for s in (7, 7, 8)]
    assert_allclose(runs[0].w, runs[1].w, rtol=0, atol=0)
    assert_allclose(runs[0].loss, runs[1].loss, rtol=0, atol=0)
    assert not np.allclose(runs[0].w, runs[2].w)


def test_sgd_steps_use_minibatch_gradients(rng):
    """SGD's step gradients are a mini-batch's, not the recorded full-data ones."""
    X, y = standardised(rng)
    t = fit(X, y, loss="mse", optimizer="sgd", steps=20, batch_size=8, seed=3)
    assert not np.allclose(t.step_grad_w, t.grad_w[:-1])
    assert_allclose(t.w[1:], t.w[:-1] - t.step_size[:, None] * t.step_grad_w, rtol=1e-12)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_sgd_runs_with_record_rows_record_on_evenly_spaced_rows(rng, loss):
    """With record_rows = R < N a mini-batch MAE / Huber run records loss and gradient on R
    evenly spaced rows (first and last included), and says so; by default, with R >= N, and
    for full-batch runs, on every row (the full-data loss, DESIGN's contract)."""
    n = EVALUATION_ROWS + 2_345
    X, y = standardised(rng, n=n, d=2)
    t = fit(X, y, loss=loss, optimizer="sgd", steps=30, batch_size=16, learning_rate=0.05,
            record_rows=EVALUATION_ROWS)
    rows = evenly_spaced_rows(n, EVALUATION_ROWS)
    assert t.evaluation_rows == len(rows) == EVALUATION_ROWS
    assert rows[0] == 0 and rows[-1] == n - 1 and np.all(np.diff(rows) >= 1)
    expected = direct_gradients(X[rows], y[rows], t, loss)
    assert_allclose(np.column_stack([t.grad_w, t.grad_b]), expected, rtol=GRAD_RTOL,
                    atol=GRAD_ATOL * t.gradient_scale)
    assert_allclose(t.loss, [loss_value(X[rows], y[rows], w, b, loss)
                             for w, b in zip(t.w, t.b, strict=True)], rtol=GRAD_RTOL)
    # The sample's loss is an estimate of the full-data loss, within a few percent here.
    assert_allclose(t.loss[-1], loss_value(X, y, *t.final, loss), rtol=0.05)
    assert evenly_spaced_rows(EVALUATION_ROWS, EVALUATION_ROWS) is None
    full = fit(X, y, loss=loss, optimizer="sgd", steps=30, batch_size=16, learning_rate=0.05)
    assert full.evaluation_rows == n
    assert_allclose(full.w, t.w, rtol=0, atol=0)  # the same steps, recorded on every row
    assert_allclose(full.loss[-1], loss_value(X, y, *full.final, loss), rtol=GRAD_RTOL)
    assert fit(X, y, loss=loss, optimizer="gd", steps=3, record_rows=100).evaluation_rows == n
    assert fit(X[:500], y[:500], loss=loss, optimizer="sgd", steps=3,
               record_rows=EVALUATION_ROWS).evaluation_rows == 500
    assert fit(X, y, optimizer="sgd", steps=3, record_rows=100).evaluation_rows == n  # MSE
    for bad in (1, 2.5, "ten", -3):
        with pytest.raises(DataError, match="record_rows"):
            fit(X, y, loss=loss, optimizer="sgd", steps=3, record_rows=bad)


def test_fast_path_equals_the_step_by_step_engine(rng):
    """mse + gd (closed form) matches heavy-ball momentum with mu = 0, stepped one by one."""
    X, y = standardised(rng)
    fast = fit(X, y, learning_rate=0.2, steps=300, tol=0)
    slow = fit(X, y, optimizer="momentum", momentum=0.0, learning_rate=0.2, steps=300, tol=0)
    reference = gradient_descent(X, y, 0.2, 300, tol=0)
    assert_allclose(fast.w, reference.w, rtol=0, atol=0)
    assert_allclose(fast.w, slow.w, rtol=1e-9, atol=1e-12)
    assert_allclose(fast.loss, slow.loss, rtol=1e-9)
    assert fast.message == reference.message


def test_nesterov_iterates_are_the_lookahead_points_of_sutskevers_form(rng):
    """fit's Nesterov iterates equal theta' + mu v of v <- mu v - eta grad L(theta' + mu v), theta' += v."""
    X, y = standardised(rng, n=100)
    rate, mu = 0.1, 0.9
    t = fit(X, y, loss="huber", optimizer="nesterov", learning_rate=rate, momentum=mu,
            steps=30, tol=0)
    theta, velocity = np.zeros(4), np.zeros(4)
    for k in range(31):
        ahead = theta + mu * velocity
        assert_allclose(np.append(t.w[k], t.b[k]), ahead, rtol=1e-10, atol=1e-12)
        velocity = mu * velocity - rate * np.append(*loss_gradient(X, y, ahead[:-1], ahead[-1],
                                                                   "huber"))
        theta = theta + velocity


def test_nesterov_update_reads_from_the_trajectory(rng):
    """theta_{k+1} = theta_k - eta_k (g_k + mu z_{k+1}) with g_k the recorded gradient."""
    X, y = standardised(rng, n=100)
    t = fit(X, y, loss="mae", optimizer="nesterov", learning_rate=0.1, steps=10,
            schedule="1/k")
    z = t.state["velocity"]
    g = np.column_stack([t.grad_w, t.grad_b])
    theta = np.column_stack([t.w, t.b])
    assert_allclose(np.column_stack([t.step_grad_w, t.step_grad_b]), g[:-1], rtol=0, atol=0)
    assert_allclose(z[1:], 0.9 * z[:-1] + g[:-1], rtol=1e-12)
    assert_allclose(theta[1:], theta[:-1] - t.step_size[:, None] * (g[:-1] + 0.9 * z[1:]),
                    rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_step_sizes_follow_the_schedule(rng, schedule):
    """step_size[k-1] is eta, eta/sqrt(k) or eta/k."""
    X, y = standardised(rng, n=50)
    t = fit(X, y, loss="mae", optimizer="gd", learning_rate=0.3, steps=9, schedule=schedule)
    k = np.arange(1, 10)
    expected = {"constant": 0.3 + 0 * k, "1/sqrt(k)": 0.3 / np.sqrt(k), "1/k": 0.3 / k}
    assert_allclose(t.step_size, expected[schedule], rtol=1e-15)


# Rates that blow each optimizer up: exponentially for the MSE; one giant step for the losses
# whose gradient is bounded (MAE, Huber, and Adam, whose steps are about eta).
DIVERGING = [(loss, opt, 5.0 if loss == "mse" and opt != "adam" else 1e300)
             for loss, opt in PAIRS]


@pytest.mark.parametrize(("loss", "optimizer", "rate"), DIVERGING)
def test_divergence_stops_before_inf_or_nan(rng, loss, optimizer, rate):
    """A diverging run stops at the last iterate below the bound: every stored value is finite."""
    X, y = standardised(rng, n=200)
    t = fit(X, y, loss=loss, optimizer=optimizer, learning_rate=rate, steps=5000, batch_size=32)
    assert t.stop_reason == "diverged"
    assert t.steps_taken < 5000
    arrays = [t.w, t.b, t.loss, t.grad_w, t.grad_b, t.step_size, t.step_grad_w, *t.state.values()]
    assert all(np.isfinite(a).all() for a in arrays)
    start = t.loss[0]
    zero = loss_value(X, y, np.zeros(3), 0.0, loss)
    assert t.loss.max() <= divergence_bound(start, zero)
    assert "Diverged" in t.message


def test_mae_with_a_constant_step_says_to_decay_it(rng):
    """MAE + constant step ends at the step limit with a message about the schedule."""
    X, y = standardised(rng, n=100)
    t = fit(X, y, loss="mae", learning_rate=0.1, steps=50)
    assert t.stop_reason == "max_steps"
    assert "1/sqrt(k)" in t.message


def test_settings_of_rows_not_chosen_are_ignored(rng):
    """A setting that only another row reads changes nothing (DESIGN "Extension rows")."""
    X, y = standardised(rng, n=30)
    plain = fit(X, y, optimizer="gd", steps=20)
    ignored = fit(X, y, optimizer="gd", steps=20, momentum=1.5, huber_delta=-1.0)
    assert np.array_equal(plain.w, ignored.w)
    assert "momentum" not in ignored.settings


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"loss": "hinge"}, "Unknown loss"),
    ({"optimizer": "lbfgs"}, "Unknown optimizer"),
    ({"schedule": "exp"}, "schedule"),
    ({"momentum": 1.0, "optimizer": "momentum"}, "momentum"),
    ({"beta2": -0.1, "optimizer": "adam"}, "beta2"),
    ({"batch_size": 0, "optimizer": "sgd"}, "batch_size"),
    ({"huber_delta": 0.0, "loss": "huber"}, "delta"),
    ({"rho": 0.5}, "Unknown setting"),
    ({"learning_rate": -1.0}, "learning rate"),
    ({"w0": "abc"}, "start"),
])
def test_bad_settings_raise_data_error(rng, kwargs, fragment):
    """Each unusable setting raises DataError naming it."""
    X, y = standardised(rng, n=30)
    with pytest.raises(DataError, match=fragment):
        fit(X, y, **kwargs)


def test_inputs_are_not_mutated(rng):
    """fit and reference_fit leave X and y as they were."""
    X, y = heavy_tailed(rng, n=100)
    X0, y0 = X.copy(), y.copy()
    for loss in LOSSES:
        fit(X, y, loss=loss, optimizer="nesterov", steps=5)
        reference_fit(X, y, loss)
    assert_allclose(X, X0, rtol=0, atol=0)
    assert_allclose(y, y0, rtol=0, atol=0)


def test_optimizer_table_rows_are_complete():
    """Every name in OPTIMIZERS has a step function, LaTeX and the hyper-parameters it reads."""
    for name in OPTIMIZERS:
        row = OPTIMIZER_TABLE[name]
        assert callable(row.step) and row.formula and row.label
        assert all(isinstance(p, HyperParameter) and p.low <= p.default < p.high
                   for p in row.hyper_parameters)


def rmsprop_step(theta, g, state, rate, k, settings):
    """RMSprop: v <- beta2 v + (1 - beta2) g^2; theta <- theta - rate g / (sqrt(v) + 1e-8)."""
    v = state["v"]
    v *= settings["beta2"]
    v += (1.0 - settings["beta2"]) * g * g
    theta -= rate * g / (np.sqrt(v) + 1e-8)


def test_a_new_optimizer_is_one_function_and_one_row(rng, tmp_path, monkeypatch):
    """A table row with one step function is enough for fit and export_script."""
    row = Optimizer("rmsprop", "RMSprop", rmsprop_step, state=("v",),
                    hyper_parameters=(BETA2,), formula="...")
    monkeypatch.setitem(OPTIMIZER_TABLE, "rmsprop", row)
    X, y = heavy_tailed(rng, n=120, d=2)
    kwargs = {"loss": "huber", "optimizer": "rmsprop", "learning_rate": 0.02, "steps": 200,
              "beta2": 0.9}
    scaler = Standardizer.fit(X)
    t = fit(scaler.transform(X), y, **kwargs)
    assert t.state["v"].shape == (201, 3) and t.stop_reason == "max_steps"
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y})
    printed = run_script(tmp_path, export_script("y", ["a", "b"], **kwargs), frame)
    w, b = scaler.to_original(*t.final)
    assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b), rtol=EXPORT_RTOL)


# Second methods for reference_fit.

def lstsq_fit(X, y):
    """Least squares on standardised columns by numpy's lstsq, mapped back."""
    scaler = Standardizer.fit(X)
    A = np.column_stack([scaler.transform(X), np.ones(len(y))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return scaler.to_original(theta[:-1], theta[-1])


def exhaustive_l1_fit(X, y):
    """Best of all planes through d + 1 data points: an L1 optimum is one of them."""
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    best, best_loss = None, np.inf
    for rows in itertools.combinations(range(n), d + 1):
        try:
            theta = np.linalg.solve(A[list(rows)], y[list(rows)])
        except np.linalg.LinAlgError:
            continue
        value = np.abs(A @ theta - y).mean()
        if value < best_loss:
            best, best_loss = theta, value
    return best[:-1], best[-1]


def irls_huber(X, y, delta, iterations=500):
    """Huber by iteratively reweighted least squares: weights min(1, delta / |r|)."""
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(iterations):
        r = A @ theta - y
        weights = np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300))
        theta = np.linalg.solve(A.T @ (weights[:, None] * A), A.T @ (weights * y))
    return theta[:-1], theta[-1]


def test_mse_reference_matches_lstsq_on_badly_scaled_data(rng):
    """reference_fit('mse') agrees with lstsq on columns whose scales differ by 1e8."""
    X, y = heavy_tailed(rng)
    X = X * np.array([1e4, 1e-4, 1.0]) + np.array([2e6, 0.0, -3.0])
    w, b = reference_fit(X, y, "mse")
    w2, b2 = lstsq_fit(X, y)
    assert_allclose(w, w2, rtol=1e-7)
    assert_allclose(b, b2, rtol=1e-7)


def test_mae_reference_matches_exhaustive_search(rng):
    """reference_fit('mae') reaches the best loss of all planes through d+1 points (heavy tails)."""
    X, y = heavy_tailed(rng, n=40, d=2, outliers=3)
    w, b = reference_fit(X, y, "mae")
    w2, b2 = exhaustive_l1_fit(X, y)
    assert_allclose(loss_value(X, y, w, b, "mae"), loss_value(X, y, w2, b2, "mae"), rtol=1e-8)


@pytest.mark.parametrize(("n", "d", "scale"), [(40, 2, 1.0), (3000, 3, 1.0), (2500, 5, 1e4)])
def test_mae_dual_programme_matches_quantile_regressor(rng, n, d, scale):
    """Above QUANTILE_REGRESSOR_ROWS the MAE's reference is the LP's dual; on the same data it
    reaches QuantileRegressor's loss (both exact optima; the MAE's need not be unique), on
    heavy-tailed data with outliers and on a badly scaled target."""
    X, y = heavy_tailed(rng, n=n, d=d)
    y = y * scale
    A = np.column_stack([X, np.ones(n)])
    dual = _median_regression_dual(X, y)
    model = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    primal = (model.coef_, model.intercept_)
    assert_allclose(loss_value(X, y, *dual, "mae"), loss_value(X, y, *primal, "mae"), rtol=1e-9)
    # An exact vertex of the programme: at least d + 1 residuals are 0 to rounding.
    residual = np.abs(A @ np.append(*dual) - y)
    assert (residual <= 1e-9 * np.abs(y).max()).sum() >= d + 1


def test_mae_reference_above_the_row_limit_is_the_optimum(rng):
    """reference_fit('mae') on more rows than QUANTILE_REGRESSOR_ROWS (the dual path): no
    single-coordinate move of 1e-4 lowers the loss, and QuantileRegressor agrees."""
    X, y = heavy_tailed(rng, n=QUANTILE_REGRESSOR_ROWS + 500, d=2)
    w, b = reference_fit(X, y, "mae")
    best = loss_value(X, y, w, b, "mae")
    theta = np.append(w, b)
    for j in range(3):
        for sign in (-1, 1):
            moved = theta.copy()
            moved[j] += sign * 1e-4 * max(1.0, abs(theta[j]))
            assert loss_value(X, y, moved[:2], moved[2], "mae") >= best * (1 - 1e-12)
    model = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    assert_allclose(best, loss_value(X, y, model.coef_, model.intercept_, "mae"), rtol=1e-9)


@pytest.mark.parametrize("delta", [0.3, 1.0, 5.0])
def test_huber_reference_matches_irls(rng, delta):
    """reference_fit('huber') (L-BFGS) agrees with IRLS on heavy-tailed data with outliers."""
    X, y = heavy_tailed(rng)
    w, b = reference_fit(X, y, "huber", delta)
    w2, b2 = irls_huber(X, y, delta)
    assert_allclose(np.append(w, b), np.append(w2, b2), rtol=1e-6, atol=1e-7)


def test_irls_check_catches_a_wrong_huber_fit(rng):
    """The Huber check tells a different optimum apart: least squares is not the Huber fit."""
    X, y = heavy_tailed(rng)
    w2, b2 = irls_huber(X, y, 1.0)
    with pytest.raises(AssertionError):
        assert_allclose(np.append(*lstsq_fit(X, y)), np.append(w2, b2), rtol=1e-6, atol=1e-7)


# export_script

def run_script(tmp_path, script: str, frame: pd.DataFrame) -> dict:
    (tmp_path / "run.py").write_text(script, encoding="utf-8")
    frame.to_csv(tmp_path / "data.csv", index=False)
    result = subprocess.run([sys.executable, "run.py", "data.csv"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_exported_script_warns_when_the_csv_is_not_the_table_the_run_used(rng, tmp_path):
    """With the page's (rows, mean y), the script is silent on the same table and warns on a
    semicolon / decimal-comma copy of it (which Gradient Lab reads and pandas' defaults do
    not): a student is told, instead of silently getting other numbers."""
    X, y = heavy_tailed(rng, n=60, d=1)
    frame = pd.DataFrame({"x": X[:, 0], "y": y})
    script = export_script("y", ["x"], data=(len(y), float(y.mean())), steps=50)
    (tmp_path / "run.py").write_text(script, encoding="utf-8")

    def stderr_of(name):
        result = subprocess.run([sys.executable, "run.py", name], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, check=False)
        return result.stderr

    frame.to_csv(tmp_path / "same.csv", index=False)
    frame.to_csv(tmp_path / "semicolons.csv", index=False, sep=";", decimal=",")
    frame.to_csv(tmp_path / "decimal_commas.csv", index=False, decimal=",", quoting=1)
    frame.assign(y=frame.y.astype(object).where(frame.index != 3, "?")).to_csv(
        tmp_path / "question_mark.csv", index=False)
    assert "warning" not in stderr_of("same.csv")
    said = stderr_of("semicolons.csv")
    assert "The CSV has no column 'x', 'y'" in said and "Traceback" not in said
    said = stderr_of("decimal_commas.csv")
    assert "No row of the CSV has a number" in said and "Traceback" not in said
    said = stderr_of("question_mark.csv")
    assert "warning: this CSV gives 59 usable rows" in said and "Gradient Lab used 60 rows" in said


def test_exported_script_repeats_a_large_sgd_run(rng, tmp_path):
    """With record_rows the script judges iterates on the same rows as fit."""
    X, y = heavy_tailed(rng, n=EVALUATION_ROWS + 1_000, d=2)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y})
    kwargs = {"loss": "mae", "optimizer": "sgd", "schedule": "1/sqrt(k)", "learning_rate": 0.5,
              "steps": 150, "batch_size": 8, "seed": 2, "tol": 0.03,
              "record_rows": EVALUATION_ROWS}
    t = fit(Standardizer.fit(X).transform(X), y, **kwargs)
    # It stops on the sample's gradient norm, before the step limit: the script must agree.
    assert t.evaluation_rows == EVALUATION_ROWS
    assert t.stop_reason == "converged" and t.steps_taken < 150
    printed = run_script(tmp_path, export_script("y", ["a", "b"], **kwargs), frame)
    w, b = Standardizer.fit(X).to_original(*t.final)
    assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b), rtol=EXPORT_RTOL,
                    atol=EXPORT_ATOL)


@pytest.mark.parametrize(("loss", "optimizer", "schedule"), [
    ("mse", "gd", "constant"), ("mae", "nesterov", "1/sqrt(k)"), ("huber", "adam", "1/k"),
    ("mae", "sgd", "1/sqrt(k)"), ("mse", "momentum", "constant"),
])
def test_exported_script_repeats_the_run(rng, tmp_path, loss, optimizer, schedule):
    """The script run on the CSV prints the (w, b) of fit on the standardised columns, in original units."""
    X, y = heavy_tailed(rng, n=200, d=2)
    frame = pd.DataFrame({"size": X[:, 0], "age": X[:, 1], "price": y})
    kwargs = {"loss": loss, "optimizer": optimizer, "schedule": schedule, "learning_rate": 0.05,
              "steps": 300, "batch_size": 16, "seed": 5}
    printed = run_script(tmp_path, export_script("price", ["size", "age"], **kwargs), frame)
    scaler = Standardizer.fit(X)
    w, b = scaler.to_original(*fit(scaler.transform(X), y, **kwargs).final)
    assert_allclose(printed["w"], w, rtol=EXPORT_RTOL, atol=EXPORT_ATOL)
    assert_allclose(printed["b"], b, rtol=EXPORT_RTOL, atol=EXPORT_ATOL)


def test_exported_script_without_standardising(rng, tmp_path):
    """standardize=False runs on the raw columns."""
    X, y = heavy_tailed(rng, n=100, d=1)
    frame = pd.DataFrame({"x": X[:, 0], "y": y})
    script = export_script("y", ["x"], standardize=False, loss="huber", learning_rate=0.1,
                           steps=200)
    printed = run_script(tmp_path, script, frame)
    w, b = fit(X, y, loss="huber", learning_rate=0.1, steps=200).final
    assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b), rtol=EXPORT_RTOL)


HOSTILE = ['a"b', "it's", "back\\slash\\", "line\nbreak", '"); open("PWNED", "w"); ("',
           "x'''\nimport os; os.system('touch PWNED')\n'''", "\\u0041\\n", "é ☃ 😀"]


def test_hostile_column_names_are_inert(rng, tmp_path):
    """Quotes, newlines and backslashes in column names stay data: the script runs and creates nothing."""
    X, y = heavy_tailed(rng, n=80, d=len(HOSTILE) - 1)
    frame = pd.DataFrame(X, columns=HOSTILE[1:])
    frame[HOSTILE[0]] = y
    script = export_script(HOSTILE[0], HOSTILE[1:], loss="mse", optimizer="adam", steps=50)
    compile(script, "run.py", "exec")
    printed = run_script(tmp_path, script, frame)
    assert not (tmp_path / "PWNED").exists()
    scaler = Standardizer.fit(X)
    w, _ = scaler.to_original(*fit(scaler.transform(X), y, optimizer="adam", steps=50).final)
    assert_allclose(printed["w"], w, rtol=EXPORT_RTOL, atol=EXPORT_ATOL)
    for name in HOSTILE:
        assert name not in script


def test_export_rejects_unknown_settings():
    """An unknown fit setting is a DataError, not a script that fails later."""
    with pytest.raises(DataError, match="Unknown setting"):
        export_script("y", ["x"], learning_rat=0.1)
