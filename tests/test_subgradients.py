"""Subdifferentials, the supporting-line test and the subgradient method."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcore import KINK_KEYS, get_function, subdifferential, subgradient_method
from gradcore import supporting_line_check as support


@pytest.mark.parametrize("name, x, interval", [
    ("abs", 0.0, (-1.0, 1.0)), ("abs", 2.0, (1.0, 1.0)), ("abs", -0.5, (-1.0, -1.0)),
    ("relu", 0.0, (0.0, 1.0)), ("relu", 3.0, (1.0, 1.0)), ("relu", -3.0, (0.0, 0.0)),
    ("hinge", 1.0, (-1.0, 0.0)), ("hinge", 0.0, (-1.0, -1.0)), ("hinge", 2.0, (0.0, 0.0)),
    ("maxlin", 0.0, (-1.0, 0.5)), ("maxlin", 2.0, (0.5, 2.0)), ("maxlin", 1.0, (0.5, 0.5)),
    ("abs_shift", 1.0, (-0.5, 1.5)), ("square", 1.5, (3.0, 3.0)), ("sigmoid", 0.0, (0.25, 0.25)),
])
def test_subdifferential_intervals(name, x, interval):
    """The article's intervals at kinks, and a single value (g, g) away from them."""
    assert subdifferential(name, x) == interval


def test_kink_tolerance_is_tight():
    """Within 1e-10·max(1, |x|) of a kink counts as the kink; 1e-9·max(1, |x|) away does not."""
    assert subdifferential("abs", 1e-13) == (-1.0, 1.0)
    assert subdifferential("abs", 1e-9) == (1.0, 1.0)
    assert subdifferential("maxlin", 2.0 + 1.5e-10) == (0.5, 2.0)
    assert subdifferential("maxlin", 2.0 + 2e-9) == (2.0, 2.0)
    assert subdifferential("abs_shift", sum([0.05] * 20)) == (-0.5, 1.5)  # 1.0000000000000002


@pytest.mark.parametrize("name", KINK_KEYS)
def test_midpoint_convention_is_the_methods_mid_choice(name):
    """At every kink the catalogue's gradient is the middle of ∂f: kink_choice="mid" uses it."""
    entry = get_function(name)
    for kink in entry.kinks:
        lo, hi = subdifferential(name, kink)
        assert float(entry.gradient(kink)) == 0.5 * (lo + hi)
        run = subgradient_method(name, kink, step_size=0.1, iterations=1)
        assert run.g[0] == float(entry.gradient(kink))


@pytest.mark.parametrize("name, x", [("cube", 0.0), ("article3d", 0.0), ("abs", np.nan),
                                     ("abs", "zero")])
def test_subdifferential_refuses_bad_input(name, x):
    """Unknown names, many-variable entries and non-finite points are ValueErrors."""
    with pytest.raises(ValueError):
        subdifferential(name, x)


@pytest.mark.parametrize("name", KINK_KEYS)
def test_every_slope_in_the_interval_supports_at_each_kink(name):
    """At each kink, lo, hi and points between give supporting lines over [-3, 3] around it."""
    for kink in get_function(name).kinks:
        lo, hi = subdifferential(name, kink)
        for g in np.linspace(lo, hi, 5):
            result = support(name, kink, g)
            assert result.supporting, result.message
            assert "is a subgradient" in result.message


def test_abs_with_slope_above_one_fails_on_the_whole_right_side():
    """|x| at 0 with g = 1.5: the line 1.5y is above |y| for every y > 0 of the grid."""
    ys = np.linspace(-2, 2, 401)
    result = support("abs", 0.0, 1.5, ys)
    assert not result.supporting and result.side == "right"
    assert result.nearest_failure == pytest.approx(0.01, abs=1e-12)
    assert result.failure_range == pytest.approx((0.01, 2.0), abs=1e-12)
    np.testing.assert_allclose(result.gap[ys > 0], 0.5 * ys[ys > 0], atol=1e-12)
    assert "rises above f at y = 0.01, to the right" in result.message


def test_relu_with_negative_slope_fails_on_the_left():
    """ReLU at 0 with g = -0.2 (below the interval [0, 1]) fails to the left of 0."""
    result = support("relu", 0.0, -0.2)
    assert not result.supporting and result.side == "left"
    assert result.failure_range[1] == pytest.approx(-0.01, abs=1e-12)


def test_failing_line_reenters_below_at_the_exact_crossing():
    """maxlin at 0 with g = 1: the line y is above f on (0, 3) and meets 2y - 3 at y = 3."""
    ys = np.linspace(-1, 5, 601)
    result = support("maxlin", 0.0, 1.0, ys)
    assert result.side == "right"
    assert result.failure_range == pytest.approx((0.01, 2.99), abs=1e-12)


def test_support_check_accepts_plain_callables():
    """A scalar-only callable works too (evaluated point by point)."""
    def f(y):
        return abs(float(y))

    assert support(f, 0.0, 0.5).supporting
    assert not support(f, 0.0, -1.5).supporting


# the kink itself, or at least 0.1 away from it so a 0.001-spaced grid sees the failure
START = st.one_of(st.just(1.0), st.floats(-3, 0.9), st.floats(1.1, 3))


@given(x0=START, t=st.floats(0, 1))
def test_slopes_inside_pass_and_outside_fail(x0, t):
    """For abs_shift, any g in ∂f(x0) supports, and g beyond the interval by 0.1 does not."""
    lo, hi = subdifferential("abs_shift", x0)
    assert support("abs_shift", x0, lo + t * (hi - lo)).supporting
    ys = np.linspace(x0 - 3, x0 + 3, 6001)
    assert not support("abs_shift", x0, hi + 0.1, ys).supporting
    assert not support("abs_shift", x0, lo - 0.1, ys).supporting


def test_method_with_diminishing_steps_approaches_the_minimum():
    """On |x| from 3 with step 1/k the best value falls below 0.05 in 200 steps."""
    run = subgradient_method("abs", 3.0, step_rule="1/k", step_size=1.0, iterations=200)
    assert run.x.shape == (201,) and run.g.shape == (200,) and run.step.shape == (200,)
    assert run.best_f[-1] < 0.05
    np.testing.assert_array_equal(run.best_f, np.minimum.accumulate(run.f))
    np.testing.assert_array_equal(run.f, np.abs(run.x))
    assert run.stop_reason == "max_iterations"


def test_constant_step_oscillates_within_one_step_of_the_kink():
    """Constant step t on |x|: iterates end bouncing around 0 within t (not converging)."""
    run = subgradient_method("abs", 1.05, step_size=0.1, iterations=40)
    assert np.all(np.abs(run.x[-10:]) <= 0.1 + 1e-12)
    assert np.ptp(run.f[-10:]) > 0
    np.testing.assert_allclose(run.x[1:], run.x[:-1] - run.step * run.g, rtol=0, atol=1e-15)


@pytest.mark.parametrize("choice, expected_g", [("lo", -1.0), ("mid", 0.0), ("hi", 1.0),
                                                (0.4, 0.4), (7.0, 1.0)])
def test_kink_choice_picks_g_at_the_kink(choice, expected_g):
    """Starting exactly at the kink of |x| the first g is the chosen (clipped) subgradient."""
    run = subgradient_method("abs", 0.0, step_size=0.5, iterations=1, kink_choice=choice)
    assert run.g[0] == expected_g
    assert run.x[1] == -0.5 * expected_g


def test_divergence_stops_before_non_finite_values():
    """x² with step 2 explodes; the run stops as 'diverged' with only finite iterates."""
    run = subgradient_method("square", 1.0, step_size=2.0, iterations=5000)
    assert run.stop_reason == "diverged"
    assert np.all(np.isfinite(run.x)) and np.all(np.isfinite(run.f))
    assert run.x.size < 5001


def test_callable_with_interval_subgradient():
    """A callable f with a subgradient(x) -> (lo, hi) runs like a catalogue function."""
    def f(x):
        return abs(x - 2.0)

    def slopes(x):
        return (-1.0, 1.0) if x == 2.0 else float(np.sign(x - 2.0))

    run = subgradient_method(f, 5.0, step_rule="1/sqrt(k)", step_size=1.0, iterations=100,
                             subgradient=slopes)
    assert run.best_f[-1] < 0.1


@pytest.mark.parametrize("kwargs, words", [
    ({"step_rule": "fast"}, "unknown step rule"), ({"step_size": 0.0}, "positive"),
    ({"iterations": -1}, "whole number"), ({"iterations": 10**6}, "whole number"),
    ({"kink_choice": "left"}, "kink_choice"), ({"step_size": np.inf}, "finite"),
])
def test_method_refuses_bad_arguments(kwargs, words):
    """Bad step rules, sizes, iteration counts and kink choices are clear ValueErrors."""
    with pytest.raises(ValueError, match=words):
        subgradient_method("abs", 1.0, **kwargs)


def test_callable_without_subgradient_is_refused():
    """A bare callable needs subgradient=..."""
    with pytest.raises(ValueError, match="subgradient="):
        subgradient_method(abs, 1.0)


@pytest.mark.parametrize("name", ["abs", "relu", "hinge"])
@pytest.mark.parametrize("x0", [-1.0, 0.0, 0.5, 1.0])
def test_supporting_for_many_slopes_agrees_with_the_one_slope_check(name, x0):
    """``supporting`` (all slopes at once) gives supporting_line_check's verdict per slope,
    including the slopes at the ends of ∂f(x0)."""
    from gradcore.calculus.subgradients import supporting

    slopes = np.round(np.arange(-300, 301) / 100, 2)
    ys = np.linspace(-4.0, 4.0, 801)
    expected = [support(name, x0, s, ys=ys).supporting for s in slopes]
    assert supporting(name, x0, slopes, ys).tolist() == expected


@pytest.mark.parametrize("name", ["abs", "relu", "hinge", "square"])
def test_supporting_matches_every_slope_against_every_point(name):
    """The interval form of ``supporting`` gives the same verdict as testing each slope
    against each grid point (the definition), also at kinks and with undefined points."""
    from gradcore.calculus.subgradients import SUPPORT_TOL, _values_of, supporting

    slopes = np.round(np.arange(-300, 301) / 100, 2)
    for x0 in [-1.5, -0.05, 0.0, 0.05, 1.0, 1.37]:
        ys = np.linspace(x0 - 3, x0 + 3, 601)
        f_grid = _values_of(name, ys)
        allowed = SUPPORT_TOL * (1 + np.abs(f_grid)) + f_grid - _values_of(name, np.array([x0]))[0]
        brute = ~(np.multiply.outer(slopes, ys - x0) - allowed > 0).any(axis=1)
        np.testing.assert_array_equal(supporting(name, x0, slopes, ys), brute)
