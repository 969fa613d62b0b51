"""Central differences and the gradient checker, including a checker that must say no."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcore import (
    GradientCheck,
    derivative_1d,
    gradient_check,
    numeric_gradient,
    one_sided_derivatives,
)
from gradcore.calculus.numeric import RTOL, SCALE_FLOOR, STEP_SCALE, relative_error


def quadratic(p):
    """x² + 2y² + 3z², the article's 3-D example."""
    return p[0] ** 2 + 2 * p[1] ** 2 + 3 * p[2] ** 2


def quadratic_gradient(p):
    """(2x, 4y, 6z)."""
    return np.array([2 * p[0], 4 * p[1], 6 * p[2]])


def test_central_differences_are_exact_for_quadratics_up_to_rounding():
    """On x²+2y²+3z² central differences reproduce (2, 8, 18) at (1, 2, 3) to 1e-9."""
    np.testing.assert_allclose(numeric_gradient(quadratic, [1, 2, 3]), [2, 8, 18], rtol=1e-9)


def test_step_scales_with_the_point():
    """At x = 1e8 a fixed step of 1e-6 is lost in rounding; the scaled step is not."""
    assert STEP_SCALE == pytest.approx(6.06e-6, rel=1e-2)
    assert numeric_gradient(lambda p: p[0] ** 2, [1e8])[0] == pytest.approx(2e8, rel=1e-8)


@pytest.mark.parametrize("h", [1e-4, [1e-4, 1e-3, 1e-5]])
def test_explicit_steps_are_used(h):
    """A given scalar or per-coordinate step still gives the right gradient of a quadratic."""
    np.testing.assert_allclose(numeric_gradient(quadratic, [1, 2, 3], h=h), [2, 8, 18],
                               rtol=1e-9)


@pytest.mark.parametrize("h", [0.0, -1e-3, np.inf])
def test_bad_steps_are_refused(h):
    """A step that is not positive and finite is a ValueError."""
    with pytest.raises(ValueError, match="positive and finite"):
        numeric_gradient(quadratic, [1, 2, 3], h=h)


def test_non_finite_function_is_refused():
    """If f is not finite next to the point the numeric slope is reported as undefined."""
    with pytest.raises(ValueError, match="not finite"):
        numeric_gradient(lambda p: np.log(p[0]) if p[0] > 0 else np.nan, [0.0])


def test_derivative_1d_of_sine():
    """derivative_1d(sin, 0.3) = cos(0.3) to 1e-9."""
    assert derivative_1d(np.sin, 0.3) == pytest.approx(np.cos(0.3), rel=1e-9)


def test_gradient_check_passes_on_the_right_gradient():
    """The checker accepts the analytic gradient of the article's example."""
    check = gradient_check(quadratic, quadratic_gradient, [1.0, -2.0, 0.5])
    assert isinstance(check, GradientCheck)
    assert check.passed and check.relative_error < 1e-9
    np.testing.assert_array_equal(check.analytic, [2.0, -8.0, 3.0])


@pytest.mark.parametrize("wrong", [
    lambda p: np.array([2 * p[0], 2 * p[1], 6 * p[2]]),     # 4y written as 2y
    lambda p: np.array([2 * p[0], 4 * p[1], 6 * p[2]]) * (1 + 1e-4),  # slightly scaled
    lambda p: np.array([p[0], 4 * p[1], 6 * p[2]]),           # forgot the 2 of x²
])
def test_gradient_check_flags_a_wrong_gradient(wrong):
    """A planted wrong derivative fails the check and its report says DISAGREE."""
    check = gradient_check(quadratic, wrong, [1.0, -2.0, 0.5])
    assert not check.passed
    assert check.relative_error > RTOL
    assert "DISAGREE" in str(check)


def test_relative_error_formula_and_floor():
    """relative_error = ‖a−n‖/max(‖a‖, ‖n‖, 1): relative above 1, absolute below."""
    assert relative_error([3.0, 4.0], [3.0, 4.5]) == pytest.approx(0.5 / np.hypot(3.0, 4.5))
    assert SCALE_FLOOR == 1.0
    assert relative_error([0.0], [1e-11]) == pytest.approx(1e-11)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="shape"):
        relative_error([1.0], [1.0, 2.0])


@given(point=st.lists(st.floats(-10, 10, allow_nan=False), min_size=3, max_size=3))
def test_numeric_matches_analytic_on_random_points(point):
    """On random points the article's quadratic passes the check at RTOL."""
    assert gradient_check(quadratic, quadratic_gradient, point).passed


@given(x=st.floats(-3, 3, allow_nan=False), y=st.floats(-3, 3, allow_nan=False))
def test_numeric_matches_a_transcendental_function(x, y):
    """f = sin(x)·exp(y/3): numeric gradient agrees with (cos x·e^{y/3}, sin x·e^{y/3}/3)."""
    def f(p):
        return np.sin(p[0]) * np.exp(p[1] / 3)

    def grad(p):
        return np.array([np.cos(p[0]) * np.exp(p[1] / 3), np.sin(p[0]) * np.exp(p[1] / 3) / 3])

    check = gradient_check(f, grad, [x, y])
    assert check.passed, str(check)


@pytest.mark.parametrize("f, x, expected", [
    (abs, 0.0, (-1.0, 1.0)), (lambda v: max(v, 0.0), 0.0, (0.0, 1.0)),
    (lambda v: max(0.0, 1.0 - v), 1.0, (-1.0, 0.0)), (lambda v: -abs(v - 2.0), 2.0, (1.0, -1.0)),
])
def test_one_sided_differences_at_kinks(f, x, expected):
    """At the kinks of |x|, ReLU, hinge and −|x − 2| the one-sided slopes are exact to 1e-9."""
    assert one_sided_derivatives(f, x) == pytest.approx(expected, abs=1e-9)


@given(x=st.floats(-3, 3, allow_nan=False))
def test_one_sided_differences_agree_where_f_is_smooth(x):
    """For sin both one-sided slopes are cos x (second-order formulas: error ~1e-10)."""
    left, right = one_sided_derivatives(np.sin, x)
    assert left == pytest.approx(np.cos(x), abs=1e-8)
    assert right == pytest.approx(np.cos(x), abs=1e-8)


def test_one_sided_differences_refuse_bad_steps_and_values():
    """A step that is not positive, or f not finite beside x, is a ValueError."""
    with pytest.raises(ValueError, match="positive and finite"):
        one_sided_derivatives(abs, 0.0, h=0.0)
    with pytest.raises(ValueError, match="not finite"):
        one_sided_derivatives(lambda v: np.log(v) if v > 0 else np.nan, 0.0)
