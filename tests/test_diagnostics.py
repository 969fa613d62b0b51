"""Tests of gradcore.regression.diagnostics: magnitudes that cannot be squared, constant and collinear
features found from the covariance matrix, and names that never crash the message."""


import numpy as np
import pytest

from gradcore import DataError, data_warnings, regression_statistics
from gradcore.regression.diagnostics import _quoted, check_magnitudes
from gradcore.regression.statistics import MAX_MAGNITUDE, MIN_MAGNITUDE


@pytest.mark.parametrize(("column", "message"), [
    ([1e200, 2e200, 3e200], r"'a' has values as large as 3e\+200"),
    ([1e154, -1e154, 1e154], r"'a' has values as large as 1e\+154"),
    ([-2e151, 1.0, 0.0], r"'a' has values as large as 2e\+151"),
    ([1e-320, 2e-320, 3e-320], "'a' has no value larger than 3e-320"),
    ([0.0, 0.0, 1e-200], "'a' has no value larger than 1e-200"),
])
def test_magnitudes_beyond_the_limits_are_data_errors_naming_the_column(column, message):
    """Values whose squares overflow or underflow raise DataError with the column and limit."""
    X = np.array(column)[:, None]
    with pytest.raises(DataError, match=message):
        data_warnings(X, np.array([1.0, 3.0, 2.0]), ["a"], "y")


@pytest.mark.parametrize("column", [[1e149, 2e149, 3e149], [1e-149, 2e-149, 3e-149],
                                    [0.0, 0.0, 0.0], [0.0, 1e-320, 5.0]])
def test_magnitudes_within_the_limits_pass(column):
    """The limits themselves, all zeros and a tiny value beside normal ones are usable."""
    X = np.array(column)[:, None]
    check_magnitudes(X, np.array([1.0, 3.0, 2.0]), ["a"], "y")
    assert np.isfinite(regression_statistics(X, [1.0, 3.0, 2.0]).cov).all()


def test_target_magnitude_is_checked_too():
    """A huge target is named as the target."""
    with pytest.raises(DataError, match="'price' has values as large as"):
        data_warnings(np.arange(3.0)[:, None], np.array([1e200, 3e200, 2e200]), ["a"], "price")


def test_limits_keep_sums_of_squares_finite():
    """MAX_MAGNITUDE squared times 2 million rows is finite; MIN_MAGNITUDE squared is normal."""
    assert np.isfinite(np.float64(MAX_MAGNITUDE) ** 2 * 2_000_000)
    assert np.float64(MIN_MAGNITUDE) ** 2 > np.finfo(float).tiny


def test_near_constant_feature_is_named_with_its_range():
    """A column varying in the 16th digit is constant to floating-point precision, and says so."""
    X = np.array([[1e6], [1e6 * (1 + 2.2e-16)], [1e6]])
    warnings = data_warnings(X, np.array([1.0, 2.0, 3.0]), ["a"])
    assert len(warnings) == 1 and "'a' is constant to floating-point precision" in warnings[0]


def test_collinear_features_found_from_the_covariance_with_stats_reused(rng):
    """Passing the statistics gives the same warnings as computing them, and names the sources."""
    x1, x2 = rng.standard_normal((2, 40))
    X = np.column_stack([x1, x2, 3 * x1 - x2, rng.standard_normal(40)])
    y = rng.standard_normal(40)
    names = ["a", "b", "combo", "d"]
    computed = data_warnings(X, y, names)
    assert computed == data_warnings(X, y, names, stats=regression_statistics(X, y))
    assert len(computed) == 1 and "'combo' is a linear combination of 'a' and 'b'" in computed[0]


def test_quoted_never_fails_on_an_empty_list():
    """The name list of an empty combination reads 'no other column' instead of an IndexError."""
    assert _quoted([]) == "no other column"
    assert _quoted(["a"]) == "'a'" and _quoted(["a", "b", "c"]) == "'a', 'b' and 'c'"


def test_many_features_are_checked_on_the_correlation_matrix_only(rng, monkeypatch):
    """100 features (the page's most) with 5 collinear ones: all 5 are named, and the check
    solves at most one small system per feature on the d x d correlation matrix, never on the
    N rows (so its cost does not grow with the table; no stopwatch, which a busy machine
    would fail)."""
    X = rng.standard_normal((2000, 100))
    X[:, 95:] = X[:, :5] + X[:, 5:10]
    shapes = []
    lstsq = np.linalg.lstsq

    def counted(a, b, *args, **kwargs):
        shapes.append(np.shape(a))
        return lstsq(a, b, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "lstsq", counted)
    warnings = data_warnings(X, rng.standard_normal(2000))
    assert sum("linear combination" in w for w in warnings) == 5
    assert 0 < len(shapes) <= 100 and max(max(shape) for shape in shapes) <= 100
