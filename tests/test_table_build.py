"""A new generated table costs less: its digest comes from its arguments, scikit-learn's fit
reuses the page's standardised columns (and leaves them unchanged), and no split means no copy
of the rows. Each saving keeps the values it replaced."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gradcore.regression.reference import sklearn_reference
from gradcore.regression.standardize import Standardizer
from ui.regression import data as regression_data
from ui.regression.generalisation import NO_SHAPING, shape

RTOL = 1e-12


@pytest.fixture
def rng():
    return np.random.default_rng(24)


def test_the_reference_from_given_standardised_columns_is_the_same_and_leaves_them(rng):
    """sklearn_reference with standardised=scaler.transform(X) equals the one without (rtol
    1e-12) and does not change the array it was given (scikit-learn centres its own copy)."""
    X = rng.normal([5.0, -3.0, 1e4], [2.0, 0.5, 1e3], (500, 3))
    y = X @ np.array([1.5, -2.0, 1e-3]) + 4.0 + rng.standard_normal(500)
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    kept = Z.copy()
    coef, intercept = sklearn_reference(X, y, scaler, standardised=Z)
    plain_coef, plain_intercept = sklearn_reference(X, y, scaler)
    assert_allclose(coef, plain_coef, rtol=RTOL)
    assert intercept == pytest.approx(plain_intercept, rel=RTOL)
    assert_array_equal(Z, kept)


def test_a_constant_column_gets_weight_zero_from_given_standardised_columns(rng):
    """A constant column in the given standardised array (rounding left in it) gets weight 0."""
    X = np.column_stack([rng.standard_normal(200), np.full(200, 0.1)])
    y = 3.0 * X[:, 0] + 1.0
    scaler = Standardizer.fit(X)
    Z = scaler.transform(X)
    Z[:, 1] = 1e-17  # as a centred constant column may hold after rounding
    coef, intercept = sklearn_reference(X, y, scaler, standardised=Z)
    assert coef[1] == 0.0
    assert coef[0] == pytest.approx(3.0, rel=1e-9)
    assert intercept == pytest.approx(1.0, rel=1e-9)


def test_a_generated_table_is_keyed_by_its_arguments():
    """The same arguments give the same digest, another seed another; the digest is the
    source's, never a content digest (their inputs are tagged apart)."""
    one = regression_data.build_generated(50, 2, 1.0, 7, 2.0, 1.0)
    again = regression_data.build_generated(50, 2, 1.0, 7, 2.0, 1.0)
    other = regression_data.build_generated(50, 2, 1.0, 8, 2.0, 1.0)
    assert one.digest == again.digest != other.digest
    assert one.digest == regression_data.source_digest(one.source)
    assert one.digest != regression_data.content_digest(one.frame)
    assert_array_equal(one.frame.to_numpy(), again.frame.to_numpy())


def test_no_split_passes_the_rows_without_a_copy(rng):
    """Without a test fraction or degree, shape returns the very arrays it was given."""
    X, y = rng.standard_normal((100, 3)), rng.standard_normal(100)
    shaped = shape(X, y, ("a", "b", "c"), NO_SHAPING)
    assert shaped.X is X and shaped.y is y and shaped.test is None
