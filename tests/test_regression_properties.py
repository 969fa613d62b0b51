"""Property tests (hypothesis) of the MSE gradient, gradient descent and standardisation."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from gradcore import (
    Standardizer,
    gradient_descent,
    max_stable_learning_rate,
    mse_gradient,
    mse_loss,
)

# Central differences of a quadratic are exact up to rounding: error ~ eps * |L| / H.
H = 1e-5
RTOL = 1e-5

problems = st.tuples(
    st.integers(2, 40),  # rows
    st.integers(1, 4),  # features
    st.integers(0, 2**32 - 1),  # seed
    st.floats(0.1, 100.0),  # feature scale
)


def make_problem(n, d, seed, scale):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * scale + rng.uniform(-5, 5, d)
    y = rng.standard_normal(n) * scale
    return X, y, rng.standard_normal(d), float(rng.standard_normal())


def central_difference(X, y, w, b):
    theta = np.append(w, b)
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        step = H * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        grad[i] = (mse_loss(X, y, up[:-1], up[-1]) - mse_loss(X, y, down[:-1], down[-1])) / (2 * step)
    return grad


@given(problems)
def test_mse_gradient_matches_central_differences(problem):
    """The article's gradient agrees with central differences of mse_loss on random data."""
    X, y, w, b = make_problem(*problem)
    analytic = np.append(*mse_gradient(X, y, w, b))
    scale = np.abs(analytic).max() + mse_loss(X, y, w, b) / H * 1e-12
    assert_allclose(analytic, central_difference(X, y, w, b), rtol=RTOL, atol=RTOL * scale)


def test_the_difference_check_catches_a_wrong_gradient():
    """A gradient off by 1% in one component fails the same comparison."""
    X, y, w, b = make_problem(20, 2, 5, 1.0)
    wrong = np.append(*mse_gradient(X, y, w, b)) * np.array([1.01, 1.0, 1.0])
    numeric = central_difference(X, y, w, b)
    assert not np.allclose(wrong, numeric, rtol=RTOL, atol=RTOL * np.abs(wrong).max())


@given(problems, st.floats(0.01, 0.99))
def test_one_step_is_theta_minus_rate_times_gradient(problem, fraction):
    """The first GD update equals (w0, b0) - rate * mse_gradient(w0, b0)."""
    X, y, w0, b0 = make_problem(*problem)
    rate = fraction * max_stable_learning_rate(X)
    trajectory = gradient_descent(X, y, rate, 1, w0=w0, b0=b0, tol=0.0)
    grad_w, grad_b = mse_gradient(X, y, w0, b0)
    size = np.abs(np.append(w0, b0)).max() + rate * np.abs(np.append(grad_w, grad_b)).max()
    assert_allclose(trajectory.w[1], w0 - rate * grad_w, rtol=1e-9, atol=1e-9 * size)
    assert abs(trajectory.b[1] - (b0 - rate * grad_b)) <= 1e-9 * size


@given(problems, st.floats(0.01, 0.99))
def test_loss_never_increases_below_the_stable_rate(problem, fraction):
    """For rate < 1/lambda_max the loss is non-increasing along the trajectory."""
    X, y, w0, b0 = make_problem(*problem)
    trajectory = gradient_descent(X, y, fraction * max_stable_learning_rate(X), 200, w0=w0, b0=b0)
    assert np.all(np.diff(trajectory.loss) <= 1e-12 * trajectory.loss[0])


@given(problems)
def test_standardizer_preserves_predictions(problem):
    """A model mapped with from_original predicts the same on standardised data."""
    X, _, w, b = make_problem(*problem)
    scaler = Standardizer.fit(X)
    w_z, b_z = scaler.from_original(w, b)
    assert_allclose(scaler.transform(X) @ w_z + b_z, X @ w + b, rtol=1e-9, atol=1e-9 * np.abs(X @ w).max())
    w_back, b_back = scaler.to_original(w_z, b_z)
    assert_allclose(w_back, w, rtol=1e-12)
    assert abs(b_back - b) <= 1e-9 * (1 + np.abs(w * scaler.mean).sum())
