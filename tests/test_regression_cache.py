"""Tests of ui.regression_cache outside a Streamlit run: keys are values, missing values are
left out per chosen column, and every cache is bounded."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from gradcore import DataError, select_xy
from ui import regression_cache as cache

CACHED = (cache.bundled_data, cache.generated_data, cache.prepare, cache.descend, cache.check_step)


@pytest.fixture(autouse=True)
def empty_caches():
    """Every test starts with empty caches, so no result leaks from one test to the next."""
    for function in CACHED:
        function.clear()
    yield
    for function in CACHED:
        function.clear()


def comma_table(rng) -> cache.LoadedData:
    """Columns a, b, 'a,b' and y: the feature lists ("a", "b") and ("a,b",) join to one string."""
    a, b, ab = rng.standard_normal((3, 40))
    frame = pd.DataFrame({"a": a, "b": b, "a,b": ab, "y": 2 * a - b + 0.5 * ab + 1})
    return cache._loaded(frame, "test table", "y", ("a", "b"))


def gapped_table() -> cache.LoadedData:
    """y ~ x with 2 missing x; 'other' (unused by y ~ x) is missing in 5 rows."""
    frame = pd.DataFrame({
        "x": [1.0, 2.0, np.nan, 4.0, 5.0, np.nan, 7.0, 8.0],
        "other": [np.nan, np.nan, 1.0, np.nan, 2.0, 3.0, np.nan, np.nan],
        "y": [2.1, 3.9, 6.2, 8.1, 9.8, 12.2, 14.1, 15.9],
    })
    return cache._loaded(frame, "gapped", "y", ("x",))


def test_comma_in_a_column_name_does_not_share_a_key(rng):
    """("a", "b") and ("a,b",) give different problems, runs and step checks."""
    data = comma_table(rng)
    two = cache.prepare(data, "y", ("a", "b"), True)
    one = cache.prepare(data, "y", ("a,b",), True)
    assert two.features == ("a", "b") and one.features == ("a,b",)
    assert two.key != one.key and two.X.shape[1] == 2 and one.X.shape[1] == 1
    run_two = cache.descend(two, 0.1, 30, 0.0, 0.0)
    run_one = cache.descend(one, 0.1, 30, 0.0, 0.0)
    assert run_two.trajectory.w.shape[1] == 2 and run_one.trajectory.w.shape[1] == 1
    assert run_two.key != run_one.key
    assert cache.check_step(two, run_two, 5).grad_w.size == 2
    assert cache.check_step(one, run_one, 5).grad_w.size == 1


def test_same_values_return_the_cached_objects(rng):
    """The same data and settings return the very same Problem and Run; another setting does not."""
    data = comma_table(rng)
    problem = cache.prepare(data, "y", ("a", "b"), True)
    assert cache.prepare(data, "y", ("a", "b"), True) is problem
    assert cache.prepare(data, "y", ("a", "b"), False) is not problem
    run = cache.descend(problem, 0.1, 30, 0.0, 0.0)
    assert cache.descend(problem, 0.1, 30, 0.0, 0.0) is run
    assert cache.descend(problem, 0.1, 31, 0.0, 0.0) is not run


def test_equal_tables_loaded_twice_share_a_problem(rng):
    """Two LoadedData of the same contents (same digest) share the cached Problem."""
    first = comma_table(rng)
    again = cache._loaded(first.frame.copy(), "same numbers, another label", "y", ("a", "b"))
    assert again is not first and again.digest == first.digest
    assert cache.prepare(again, "y", ("a",), True) is cache.prepare(first, "y", ("a",), True)


def test_every_cache_is_bounded():
    """Each cached function has a max_entries and a ttl (a deployed app serves a whole class)."""
    for function in CACHED:
        assert function._info.max_entries and function._info.ttl


def test_prepare_leaves_out_rows_missing_in_the_chosen_columns_only():
    """y ~ x uses 6 of 8 rows; 'other' has missing values in kept rows and does not matter."""
    data = gapped_table()
    problem = cache.prepare(data, "y", ("x",), True)
    assert_allclose(problem.X[:, 0], [1, 2, 4, 5, 7, 8], rtol=0)
    assert problem.warnings[0] == "Left out 2 of 8 rows with a missing value in 'x'."
    assert np.isfinite(problem.X_fit).all() and problem.stats.n_rows == 6
    run = cache.descend(problem, 0.5, 500, 0.0, 0.0)
    assert run.comparison.agrees, run.comparison.message


def test_prepare_without_missing_values_has_no_note(rng):
    """A complete table gives no left-out note among the warnings."""
    problem = cache.prepare(comma_table(rng), "y", ("a",), False)
    assert not any("Left out" in warning for warning in problem.warnings)


def test_prepare_raises_when_no_row_is_complete():
    """'other' with 'x' leaves one complete row: DataError with the reason."""
    data = gapped_table()
    with pytest.raises(DataError, match="Only 1 row has a value in every chosen column"):
        cache.prepare(data, "y", ("x", "other"), True)


def test_content_digest_with_missing_values():
    """NaN hashes reproducibly; moving a NaN to another row changes the digest."""
    frame = gapped_table().frame
    assert cache.content_digest(frame) == cache.content_digest(frame.copy())
    moved = frame.copy()
    moved.loc[0, "x"], moved.loc[2, "x"] = np.nan, 3.0
    assert cache.content_digest(moved) != cache.content_digest(frame)


def test_default_features_fall_back_to_a_usable_column():
    """When the default features leave < 2 complete rows, the first usable single feature is used."""
    frame = pd.DataFrame({"p": [1, np.nan, 3, np.nan], "q": [np.nan, 2, np.nan, 4],
                          "r": [1, 2, 3, 5.0], "y": [1, 2, 3, 4.0]})
    data = cache._loaded(frame, "sparse")
    assert data.default_target == "y"
    assert data.default_features == ("p",)
    select_xy(frame, data.default_target, data.default_features)
    complete = cache._loaded(frame.fillna(0.0), "filled")
    assert complete.default_features == ("p", "q", "r")
