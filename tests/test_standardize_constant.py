"""Standardizer.fit reads a column's range only where its std is tiny (or overflows): the
columns it calls constant are those of the full rule, (range == 0) | (std <= 64 eps |mean|)."""

import numpy as np
import pytest

from gradcore.regression.standardize import Standardizer


def full_rule(X: np.ndarray) -> np.ndarray:
    """The rule with the range of every column, as before the shortcut."""
    with np.errstate(all="ignore"):
        return (np.ptp(X, axis=0) == 0) | (
            X.std(axis=0) <= 64 * np.finfo(float).eps * np.abs(X.mean(axis=0)))


@pytest.mark.parametrize("value", [0.0, 1.0, 1 / 3, -7.1, 3.3e-7, 1e16 + 1, 1e300, -1e300,
                                   1e-300, 5e-324])
@pytest.mark.parametrize("rows", [1, 2, 7, 1000, 100_001])
def test_constant_columns_are_those_of_the_full_rule(rng, value, rows):
    """A column of one value, one of noise at its scale and one with a single row off by
    1e-12 or 1e-3 of it: the same flags as the full rule."""
    size = max(abs(value), 1e-300)
    last = np.arange(rows) == rows - 1
    X = np.column_stack([np.full(rows, value), rng.standard_normal(rows) * size,
                         np.full(rows, value) + last * 1e-12 * size,
                         np.full(rows, value) + last * 1e-3 * size])
    with np.errstate(all="ignore"):
        flags = Standardizer.fit(X).constant
    assert flags.tolist() == full_rule(X).tolist()
    assert flags[0]
