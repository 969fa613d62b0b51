"""gradcore.regression.statistics: the moments of [X y] in one chunked pass, as accurate as two passes."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gradcore.regression import statistics
from gradcore.regression.statistics import regression_statistics

RTOL = 1e-10


def two_pass(X, y):
    """The textbook reference: means first, then moments of the data minus those means."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    n = len(y)
    return x_mean, y_mean, Xc.T @ Xc / n, Xc.T @ yc / n, yc @ yc / n


def assert_moments_match(stats, X, y, rtol=RTOL):
    x_mean, y_mean, cov, cov_xy, var_y = two_pass(X, y)
    scale = np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert_allclose(stats.x_mean, x_mean, rtol=rtol, atol=rtol * np.sqrt(np.diag(cov)).max())
    assert stats.y_mean == pytest.approx(y_mean, rel=rtol, abs=rtol * np.sqrt(var_y))
    assert_allclose(stats.cov, cov, rtol=rtol, atol=rtol * scale.max())
    assert_allclose(stats.cov_xy, cov_xy, rtol=rtol,
                    atol=rtol * np.sqrt(np.diag(cov).max() * var_y))
    assert stats.var_y == pytest.approx(var_y, rel=rtol)


@pytest.fixture
def passes(monkeypatch):
    """Counts the passes over the data (calls of the chunked pass)."""
    calls = []
    original = statistics._centred_moments

    def counted(*args):
        calls.append(args[2])
        return original(*args)

    monkeypatch.setattr(statistics, "_centred_moments", counted)
    return calls


@pytest.mark.parametrize("n", [2, 7, statistics._BLOCK_ROWS, 3 * statistics._BLOCK_ROWS + 5])
def test_moments_match_two_passes_for_any_number_of_rows(rng, n, passes):
    """Row counts below, at and across the block size give the two-pass moments, in one pass."""
    X = rng.normal(3.0, 2.0, (n, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.standard_normal(n)
    assert_moments_match(regression_statistics(X, y), X, y)
    assert len(passes) == 1


def test_fortran_ordered_and_strided_columns_give_the_same_statistics(rng):
    """pandas hands out column-major arrays; a strided view is read the same way."""
    X = rng.standard_normal((10_000, 6))
    y = rng.standard_normal(10_000)
    expected = regression_statistics(X, y)
    wide = np.zeros((10_000, 12))
    wide[:, ::2] = X
    for variant in (np.asfortranarray(X), wide[:, ::2]):
        got = regression_statistics(variant, y)
        assert_allclose(got.S, expected.S, rtol=1e-13, atol=1e-15)
        assert_allclose(got.cov, expected.cov, rtol=1e-13, atol=1e-15)


def test_large_offsets_are_centred_in_the_same_pass(rng, passes):
    """Means of 1e8 with spread 1: the first block's means are the shift, no second pass."""
    X = rng.standard_normal((20_000, 3)) + 1e8
    y = X @ [1.0, 2.0, -1.0] + rng.standard_normal(20_000)
    assert_moments_match(regression_statistics(X, y), X, y, rtol=1e-8)
    assert len(passes) == 1


def test_sorted_data_stay_accurate_in_one_pass(rng, passes):
    """Rows sorted by a feature of mean 1e9: the first block's means are off by about half the
    range, which costs about one digit, not the nine an uncentred sum would lose."""
    x = np.sort(rng.uniform(1e9, 1e9 + 1e3, 50_000))
    X = np.column_stack([x, rng.standard_normal(50_000)])
    y = 0.5 * x + rng.standard_normal(50_000)
    assert_moments_match(regression_statistics(X, y), X, y, rtol=1e-8)
    assert len(passes) == 1


def test_a_shift_far_from_the_means_takes_a_second_pass_around_them(rng, passes, monkeypatch):
    """When the first block's means are too far from all rows' means (here: a stricter limit
    than shipped), the pass is redone around the means and the moments stay accurate."""
    monkeypatch.setattr(statistics, "_MAX_MEAN_TO_SPREAD", 1.0)
    x = np.sort(rng.uniform(1e6, 1e6 + 1e4, 50_000))
    X = np.column_stack([x, rng.standard_normal(50_000)])
    y = 0.5 * x + rng.standard_normal(50_000)
    assert_moments_match(regression_statistics(X, y), X, y, rtol=1e-8)
    assert len(passes) == 2
    assert_allclose(passes[1], X.mean(axis=0), rtol=1e-12)


def test_the_accuracy_check_sees_cancellation(rng):
    """The same pass without a shift (uncentred sums of values near 1e9) is visibly wrong, so
    the comparisons above can fail."""
    X = rng.standard_normal((50_000, 2)) + 1e9
    y = rng.standard_normal(50_000)
    _, _, cov, _, _ = statistics._centred_moments(X, y, np.zeros(2), 0.0)
    _, _, expected, _, _ = two_pass(X, y)
    assert np.abs(cov - expected).max() > 1e-3 * expected[0, 0]
