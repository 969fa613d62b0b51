"""The catalogue: hand-written gradients against finite differences, sympy and the article."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcore import (
    CATALOGUE,
    DOT_X,
    KINK_KEYS,
    ONE_D_KEYS,
    get_function,
    gradient_check,
    parse_expression,
    squared_norm_text,
)

CHECK_RTOL = 1e-6  # relative error against central differences (numeric.relative_error)
SMOOTH_POINTS = [-2.3, -0.7, 0.4, 1.6, 2.9]  # at least 0.3 away from every kink


def test_article_gradients_exactly():
    """∇(x²+2y²+3z²) = (2x, 4y, 6z) and ∇(w²+x²+y²+z²) = 2(w, x, y, z) at a point."""
    np.testing.assert_array_equal(get_function("article3d").gradient([1, 2, 3]), [2, 8, 18])
    np.testing.assert_array_equal(get_function("article4d").gradient([1, 2, 3, 4]), [2, 4, 6, 8])
    np.testing.assert_array_equal(get_function("square").gradient(np.array([1.5, -2.0])),
                                  [3.0, -4.0])


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_squared_norm_gradient_is_2w(n, rng):
    """∇‖w‖² = 2w for any length n, and the typed form has partials 2wᵢ."""
    w = rng.normal(size=n)
    entry = get_function("sqnorm")
    np.testing.assert_array_equal(entry.gradient(w), 2 * w)
    assert entry.value(w) == pytest.approx(float(np.sum(w**2)), rel=1e-15)
    typed = parse_expression(squared_norm_text(n))
    assert typed.partials == tuple(2 * s for s in typed.symbols)


def test_dot_gradient_is_the_fixed_x(rng):
    """∇w(w·x) = x with the documented fixed x = (1, -2, 3), wherever w is."""
    entry = get_function("dot")
    np.testing.assert_array_equal(DOT_X, [1.0, -2.0, 3.0])
    for w in rng.normal(size=(5, 3)):
        np.testing.assert_array_equal(entry.gradient(w), DOT_X)
        assert entry.value(w) == pytest.approx(float(w @ DOT_X), rel=1e-15)


@pytest.mark.parametrize("key", ONE_D_KEYS)
@pytest.mark.parametrize("x", SMOOTH_POINTS)
def test_one_variable_gradients_match_finite_differences(key, x):
    """Every 1-D entry's hand-written derivative agrees with central differences off kinks."""
    entry = get_function(key)
    check = gradient_check(lambda p: entry.value(p[0]), lambda p: entry.gradient(p), [x],
                           rtol=CHECK_RTOL)
    assert check.passed, f"{key} at {x}: {check}"


@pytest.mark.parametrize("key", ["article3d", "article4d", "sqnorm", "dot"])
def test_many_variable_gradients_match_finite_differences(key, rng):
    """Every n-D entry's gradient agrees with central differences at random points."""
    entry = get_function(key)
    for point in rng.uniform(-3, 3, size=(5, entry.dimension or 6)):
        check = gradient_check(entry.value, entry.gradient, point, rtol=CHECK_RTOL)
        assert check.passed, f"{key} at {point}: {check}"


@pytest.mark.parametrize("key", [k for k, e in CATALOGUE.items() if e.text is not None])
def test_typed_text_is_the_same_function(key, rng):
    """Each entry's ``text`` parses to the same values and gradients (off kinks)."""
    entry = get_function(key)
    typed = parse_expression(entry.text, variables=entry.variables)
    for point in rng.choice(SMOOTH_POINTS, size=(4, len(entry.variables))):
        value = entry.value(point[0]) if entry.dimension == 1 else entry.value(point)
        assert typed.value(point) == pytest.approx(float(value), rel=1e-12, abs=1e-15)
        gradient = np.atleast_1d(entry.gradient(point[0] if entry.dimension == 1 else point))
        np.testing.assert_allclose(typed.gradient(point), gradient, rtol=1e-12, atol=1e-15)


@given(x=st.floats(-50, 50, allow_nan=False))
def test_one_variable_entries_are_vectorised(x):
    """1-D entries accept arrays and give the same numbers as element by element."""
    xs = np.array([x, -x, 0.5 * x])
    for key in ONE_D_KEYS:
        entry = get_function(key)
        np.testing.assert_array_equal(entry.value(xs), [entry.value(v) for v in xs])
        np.testing.assert_array_equal(entry.gradient(xs), [entry.gradient(v) for v in xs])


def test_kink_entries_return_their_documented_choice():
    """At a kink ``gradient`` returns the subgradient its ``kink_choice`` names."""
    expected = {"abs": [0.0], "relu": [0.0], "hinge": [0.0], "maxlin": [-0.25, 1.25],
                "abs_shift": [0.5]}
    assert set(KINK_KEYS) == set(expected)
    for key, choices in expected.items():
        entry = get_function(key)
        assert entry.kink_choice
        for kink, choice in zip(entry.kinks, choices, strict=True):
            assert float(entry.gradient(kink)) == choice
            lo, hi = entry.subdifferential(kink)
            assert lo <= choice <= hi


def test_sigmoid_is_stable_for_large_inputs():
    """sigmoid and its derivative stay finite and correct at ±800 (no overflow)."""
    entry = get_function("sigmoid")
    np.testing.assert_array_equal(entry.value(np.array([-800.0, 800.0])), [0.0, 1.0])
    assert np.all(np.isfinite(entry.gradient(np.array([-800.0, 800.0]))))


def test_unknown_key_lists_the_catalogue():
    """get_function names the known keys when the key is unknown."""
    with pytest.raises(ValueError, match="choose one of square, abs, relu"):
        get_function("cube")


def test_wrong_length_point_is_refused():
    """A 3-D entry refuses a point of another length."""
    with pytest.raises(ValueError, match="takes 3 numbers"):
        get_function("article3d").value([1.0, 2.0])
