"""The catalogue: one formula per entry, and everything derived from it agrees."""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from gradcore import (
    CATALOGUE,
    DOT_X,
    KINK_KEYS,
    ONE_D_KEYS,
    ExpressionError,
    display_name,
    get_function,
    gradient_check,
    kink_at,
    one_sided_derivatives,
    parse_expression,
    squared_norm_text,
)
from gradcore.calculus.functions import TYPED, TYPED_LABEL, dot_text

CHECK_RTOL = 1e-6  # relative error against central differences (numeric.relative_error)
ONE_SIDED_ATOL = 1e-8  # one-sided differences of a piecewise linear f: rounding only (~4e-11)
SMOOTH_POINTS = [-2.3, -0.7, 0.4, 1.6, 2.9]  # at least 0.3 away from every kink
# The article's kinks and more: where each entry bends, its slopes from the left and the right,
# and the midpoint, which is gradcore's one convention at a kink (gradcore.expressions.kinks).
KINKS = {
    "abs": [(0.0, -1.0, 1.0, 0.0)],
    "relu": [(0.0, 0.0, 1.0, 0.5)],
    "hinge": [(1.0, -1.0, 0.0, -0.5)],
    "maxlin": [(0.0, -1.0, 0.5, -0.25), (2.0, 0.5, 2.0, 1.25)],
    "abs_shift": [(1.0, -0.5, 1.5, 0.5)],
}
AT_KINKS = [(key, *kink) for key, kinks in KINKS.items() for kink in kinks]


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
    np.testing.assert_allclose(entry.gradient(w), 2 * w, rtol=1e-15)
    assert entry.value(w) == pytest.approx(float(np.sum(w**2)), rel=1e-14)
    typed = parse_expression(squared_norm_text(n))
    assert typed.partials == tuple(2 * s for s in typed.symbols)


def test_dot_gradient_is_the_fixed_x(rng):
    """∇w(w·x) = x with the documented fixed x = (1, -2, 3), wherever w is."""
    entry = get_function("dot")
    np.testing.assert_array_equal(DOT_X, [1.0, -2.0, 3.0])
    assert entry.text == dot_text(DOT_X) == "w1 - 2*w2 + 3*w3"
    for w in rng.normal(size=(5, 3)):
        np.testing.assert_array_equal(entry.gradient(w), DOT_X)
        assert entry.value(w) == pytest.approx(float(w @ DOT_X), rel=1e-14)


@pytest.mark.parametrize("key", ONE_D_KEYS)
@pytest.mark.parametrize("x", SMOOTH_POINTS)
def test_one_variable_gradients_match_finite_differences(key, x):
    """Every 1-D entry's derivative agrees with central differences off kinks."""
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
def test_every_entry_is_its_formula(key, rng):
    """Value, gradient and LaTeX of an entry are those of parse_expression(entry.text)."""
    entry = get_function(key)
    typed = parse_expression(entry.text, variables=entry.variables)
    assert entry.latex == typed.latex
    assert entry.expression.sympy == typed.sympy
    for point in rng.choice(SMOOTH_POINTS, size=(4, len(entry.variables))):
        value = entry.value(point[0]) if entry.dimension == 1 else entry.value(point)
        assert float(value) == pytest.approx(typed.value(point), rel=1e-15, abs=1e-15)
        gradient = np.atleast_1d(entry.gradient(point[0] if entry.dimension == 1 else point))
        np.testing.assert_allclose(gradient, typed.gradient(point), rtol=1e-15, atol=1e-15)


def test_latex_comes_from_sympy():
    """The LaTeX shown is sympy's: max(0, x) for ReLU, σ(x)(1 − σ(x)) for the sigmoid's f′."""
    x = sympy.Symbol("x", real=True)
    assert get_function("relu").latex == sympy.latex(sympy.Max(0, x))
    assert r"\sigma\left(x\right)" in get_function("sigmoid").gradient_latex
    assert get_function("article3d").gradient_latex == r"\left(2 x,\ 4 y,\ 6 z\right)"


@given(x=st.floats(-50, 50, allow_nan=False))
def test_one_variable_entries_are_vectorised(x):
    """1-D entries accept arrays and give the same numbers as element by element."""
    xs = np.array([x, -x, 0.5 * x, 0.0, 1.0, 2.0])
    for key in ONE_D_KEYS:
        entry = get_function(key)
        np.testing.assert_array_equal(entry.value(xs), [entry.value(v) for v in xs])
        np.testing.assert_array_equal(entry.gradient(xs), [entry.gradient(v) for v in xs])


def test_kinks_are_found_from_the_formulas():
    """KINK_KEYS and each entry's kinks come out of the formulas: the article's and ours."""
    assert set(KINK_KEYS) == set(KINKS)
    for key in ONE_D_KEYS:
        expected = tuple(kink for kink, *_ in KINKS.get(key, []))
        assert get_function(key).kinks == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("key, x, left, right, midpoint", AT_KINKS)
def test_gradient_at_each_kink_is_the_midpoint_in_the_subdifferential(key, x, left, right,
                                                                      midpoint):
    """At a kink: entry gradient = Expression gradient = Kink.subgradient, inside [f′₋, f′₊]."""
    entry = get_function(key)
    kink = entry.kink_at(x)
    assert (kink.left, kink.right) == (left, right)
    assert entry.subdifferential(x) == (left, right)
    assert float(entry.gradient(x)) == midpoint
    assert float(entry.gradient(np.array([x]))[0]) == midpoint
    assert entry.expression.gradient([x])[0] == midpoint
    assert parse_expression(entry.text).gradient([x])[0] == midpoint
    assert kink.subgradient == kink.slope == midpoint
    assert left <= midpoint <= right


@pytest.mark.parametrize("key, x, left, right, midpoint", AT_KINKS)
def test_what_a_page_prints_at_a_kink_agrees_with_the_gradient(key, x, left, right, midpoint):
    """The note and the kink_choice text name the same g that gradient returns."""
    entry = get_function(key)
    note = kink_at(entry.expression, x).note
    assert f"g = {midpoint:g}" in note and f"[{left:g}, {right:g}]" in note
    assert f"{midpoint:g} at x = {x:g}" in entry.kink_choice


@pytest.mark.parametrize("key, x, left, right, midpoint", AT_KINKS)
def test_one_sided_slopes_agree_with_one_sided_differences(key, x, left, right, midpoint):
    """The Kink's slopes match an independent method: one-sided finite differences of f."""
    entry = get_function(key)
    numeric = one_sided_derivatives(lambda v: float(entry.value(v)), x)
    assert numeric == pytest.approx((left, right), abs=ONE_SIDED_ATOL)


@pytest.mark.parametrize("key", ONE_D_KEYS)
def test_smooth_points_have_a_single_subgradient(key):
    """Away from kinks the subdifferential is (f′(x), f′(x)) and kink_at says None."""
    entry = get_function(key)
    for x in SMOOTH_POINTS:
        assert entry.kink_at(x) is None
        g = float(entry.gradient(x))
        assert entry.subdifferential(x) == (g, g)


def test_sigmoid_is_stable_for_large_inputs():
    """sigmoid and its derivative stay finite and correct at ±800 (no overflow)."""
    entry = get_function("sigmoid")
    np.testing.assert_array_equal(entry.value(np.array([-800.0, 800.0])), [0.0, 1.0])
    np.testing.assert_array_equal(entry.gradient(np.array([-800.0, 800.0])), [0.0, 0.0])
    assert parse_expression("sigmoid(x)").gradient([-800.0])[0] == 0.0


def test_labels_read_as_formulas_and_name_every_option():
    """Every key has a distinct plain-text label; display_name names the typed option too."""
    labels = [display_name(key) for key in CATALOGUE]
    assert len(set(labels)) == len(labels)
    for key, label in zip(CATALOGUE, labels, strict=True):
        assert label == CATALOGUE[key].label and label != key
        assert not set(label) & set("*_`$#[]\\"), label  # nothing Markdown would reinterpret
    assert display_name("article3d") == "x² + 2y² + 3z² (the article's 3-D example)"
    assert display_name("abs_shift") == "|x − 1| + x/2"
    assert display_name("maxlin") == "max(−x, x/2, 2x − 3)"
    assert display_name(TYPED) == TYPED_LABEL


def test_unknown_key_lists_the_catalogue():
    """get_function and display_name name the known keys when the key is unknown."""
    with pytest.raises(ValueError, match="choose one of square, abs, relu"):
        get_function("cube")
    with pytest.raises(ValueError, match="choose one of"):
        display_name("cube")


def test_wrong_length_point_is_refused():
    """A 3-D entry refuses a point of another length with an ExpressionError (a ValueError)."""
    with pytest.raises(ExpressionError, match="needs 3 numbers"):
        get_function("article3d").value([1.0, 2.0])
