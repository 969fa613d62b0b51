"""A new generated table costs less: its digest comes from its arguments, the standardisation
reads the rows in blocks, the problem's build makes no X-sized array it can do without, and no
split means no copy of the rows. Each saving keeps the values it replaced."""

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


def test_a_constant_column_gets_weight_zero(rng):
    """A constant column (its standardised values are rounding, or 0) gets weight 0."""
    X = np.column_stack([rng.standard_normal(200), np.full(200, 0.1)])
    y = 3.0 * X[:, 0] + 1.0
    coef, intercept = sklearn_reference(X, y, Standardizer.fit(X))
    assert coef[1] == 0.0
    assert coef[0] == pytest.approx(3.0, rel=1e-9)
    assert intercept == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("rows", [1, 7, 8192, 8193, 30_001])
@pytest.mark.parametrize("order", ["C", "F"])
def test_the_blocked_standardisation_equals_numpys_mean_and_std(rng, rows, order):
    """Standardizer.fit reads the rows in blocks (no (N, d) temporary); its means and standard
    deviations equal np.mean and np.std (ddof 0) to rtol 1e-12, whatever the row count (one
    row, a block's edge, a part block) and memory order."""
    X = np.asarray(rng.normal([5.0, -3.0, 1e4], [2.0, 0.5, 1e3], (rows, 3)), order=order)
    scaler = Standardizer.fit(X)
    assert_allclose(scaler.mean, X.mean(axis=0), rtol=RTOL)
    expected = np.where(X.std(axis=0) == 0, 1.0, X.std(axis=0))
    assert_allclose(scaler.scale, expected, rtol=1e-12 if rows > 1 else 0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_the_blocked_standardisation_refuses_missing_and_infinite_values(rng, bad):
    """A NaN or infinite value anywhere is refused with the message, not standardised."""
    from gradcore.errors import DataError

    X = rng.standard_normal((20_000, 2))
    X[17_000, 1] = bad
    with pytest.raises(DataError, match="finite numbers"):
        Standardizer.fit(X)


def test_huge_finite_values_are_standardised_not_refused():
    """Values near 1e300 whose sum overflows are still finite: no refusal (their squares
    overflow, so the column's scale is infinite and no division by zero happens)."""
    X = np.column_stack([np.full(4, 1e308), np.arange(4.0)])
    scaler = Standardizer.fit(X)
    assert scaler.scale[1] == pytest.approx(np.std(np.arange(4.0)), rel=RTOL)


def test_building_a_problem_peaks_at_about_three_copies_of_its_rows():
    """A page's problem build (columns, standardisation, statistics, scikit-learn's fit) peaks
    at most 3.5 X-sized arrays above its start (tracemalloc; 200,000 x 10 generated rows),
    where a standardisation through np.std and a copy of the page's standardised columns for
    scikit-learn made it 4.3: two replicas building at once moved the server's memory by
    ~650 MB in the heavy class. A generated table's X and y are views of the table's own
    columns (``select_xy``), so it peaks at 2.2 and keeps X_fit only (1.0; 2.1 when X and y
    were copies)."""
    import tracemalloc

    from ui.regression.problem import build_problem

    table = regression_data.build_generated(200_000, 10, 1.0, 3, 2.0, 1.0)
    x_bytes = 200_000 * 10 * 8
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        problem = build_problem(table, table.default_target, table.default_features, True)
        kept, peak = (value - start for value in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert problem.X_fit.shape == (200_000, 10)
    assert np.shares_memory(problem.X, table.frame["x1"].to_numpy())
    assert kept <= 1.2 * x_bytes, f"kept {kept / x_bytes:.2f} X-sized arrays"
    assert peak <= 2.4 * x_bytes, f"peak {peak / x_bytes:.2f} X-sized arrays"


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
