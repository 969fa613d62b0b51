"""Tests of ui.regression.cache outside a Streamlit run: keys are values, missing values are
left out per chosen column, every cache is bounded (by bytes), and what a session keeps is
small and finds its arrays again after they were dropped."""

import pickle
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from streamlit import config as streamlit_config

from gradcore import MAX_DEFAULT_FEATURES, DataError, RunSettings, select_xy
from ui.regression import byte_store
from ui.regression import cache as cache
from ui.regression import data as regression_data
from ui.regression.data import build_loaded_data

CACHED = (cache.bundled_data, cache.generated_data, cache.prepare, cache.descend, cache.check_step)
ROOT = Path(__file__).resolve().parent.parent
MB = 2**20


@pytest.fixture(autouse=True)
def empty_caches():
    """Every test starts with empty caches, so no result leaks from one test to the next."""
    for function in CACHED:
        function.clear()
    empty_stores()
    yield
    for function in CACHED:
        function.clear()
    empty_stores()


def empty_stores() -> None:
    """Drop everything from STORE and LIGHT_STORE (as if both had been evicted)."""
    byte_store.STORE.discard(lambda key: True)
    byte_store.LIGHT_STORE.discard(lambda key: True)


def comma_table(rng) -> regression_data.LoadedData:
    """Columns a, b, 'a,b' and y: the feature lists ("a", "b") and ("a,b",) join to one string."""
    a, b, ab = rng.standard_normal((3, 40))
    frame = pd.DataFrame({"a": a, "b": b, "a,b": ab, "y": 2 * a - b + 0.5 * ab + 1})
    return build_loaded_data(frame, "test table", "y", ("a", "b"))


def gapped_table() -> regression_data.LoadedData:
    """y ~ x with 2 missing x; 'other' (unused by y ~ x) is missing in 5 rows."""
    frame = pd.DataFrame({
        "x": [1.0, 2.0, np.nan, 4.0, 5.0, np.nan, 7.0, 8.0],
        "other": [np.nan, np.nan, 1.0, np.nan, 2.0, 3.0, np.nan, np.nan],
        "y": [2.1, 3.9, 6.2, 8.1, 9.8, 12.2, 14.1, 15.9],
    })
    return build_loaded_data(frame, "gapped", "y", ("x",))


def test_comma_in_a_column_name_does_not_share_a_key(rng):
    """("a", "b") and ("a,b",) give different problems, runs and step checks."""
    data = comma_table(rng)
    two = cache.prepare(data, "y", ("a", "b"), True)
    one = cache.prepare(data, "y", ("a,b",), True)
    assert two.features == ("a", "b") and one.features == ("a,b",)
    assert two.key != one.key and two.X.shape[1] == 2 and one.X.shape[1] == 1
    run_two = cache.descend(two, RunSettings(learning_rate=0.1, steps=30, w0=0.0, b0=0.0))
    run_one = cache.descend(one, RunSettings(learning_rate=0.1, steps=30, w0=0.0, b0=0.0))
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
    run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=30, w0=0.0, b0=0.0))
    assert cache.descend(problem, RunSettings(learning_rate=0.1, steps=30, w0=0.0, b0=0.0)) is run
    assert cache.descend(problem, RunSettings(learning_rate=0.1, steps=31, w0=0.0, b0=0.0)) is not run


def test_equal_tables_loaded_twice_share_a_problem(rng):
    """Two LoadedData of the same contents (same digest) share the cached Problem."""
    first = comma_table(rng)
    again = build_loaded_data(first.frame.copy(), "same numbers, another label", "y", ("a", "b"))
    assert again is not first and again.digest == first.digest
    assert cache.prepare(again, "y", ("a",), True) is cache.prepare(first, "y", ("a",), True)


def test_store_and_check_step_key_with_the_same_hash_funcs(rng):
    """check_step gets HASH_FUNCS; STORE finds a problem by the HASH_FUNCS values of its
    arguments (its data by digest) and a run by the problem's key."""
    assert cache.check_step._info.hash_funcs is cache.HASH_FUNCS
    data = comma_table(rng)
    problem = cache.prepare(data, "y", ["a", "b"], True)
    data_key = cache.HASH_FUNCS[regression_data.LoadedData](data)
    assert cache.prepare.lookup(data_key, "y", ("a", "b"), True) is problem
    run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=30, w0=0.0, b0=0.0))
    assert cache.descend.lookup(problem.key, RunSettings(learning_rate=0.1, steps=30)) is run


def test_every_cache_is_bounded():
    """Large values live in STORE, small ones in LIGHT_STORE (each a byte budget and a ttl);
    check_step has max_entries and ttl."""
    assert byte_store.STORE.budget_bytes == byte_store.CACHE_BUDGET_BYTES <= 256 * MB
    assert byte_store.LIGHT_STORE.budget_bytes == byte_store.LIGHT_BUDGET_BYTES <= 64 * MB
    for store in (byte_store.STORE, byte_store.LIGHT_STORE):
        assert store.ttl_seconds == byte_store.TTL_SECONDS
    for function in (cache.bundled_data, cache.generated_data, cache.prepare, cache.descend):
        assert function.clear and function.lookup
    assert cache.check_step._info.max_entries and cache.check_step._info.ttl


def small_value(megabytes: float) -> np.ndarray:
    """An array of about `megabytes` MB."""
    return np.zeros(int(megabytes * MB) // 8)


def test_byte_budget_drops_the_least_recently_used_first():
    """Three 40 MB values in a 100 MB budget: the least recently used one goes."""
    store = byte_store.ByteBudgetCache(100 * MB, ttl_seconds=60)
    for key in ("a", "b"):
        store.put(key, small_value(40))
    assert store.get("a") is not None  # "b" is now the least recently used
    store.put("c", small_value(40))
    assert store.keys() == ["a", "c"] and store.total_bytes <= 100 * MB


def test_a_value_larger_than_the_budget_is_kept_alone():
    """A value over the budget evicts everything else but itself (the caller still needs it)."""
    store = byte_store.ByteBudgetCache(10 * MB, ttl_seconds=60)
    store.put("small", small_value(1))
    big = store.put("big", small_value(30))
    assert store.keys() == ["big"] and store.get("big") is big


def test_reserve_makes_room_before_a_computation():
    """reserve(size) drops old entries so that size more bytes fit."""
    store = byte_store.ByteBudgetCache(100 * MB, ttl_seconds=60)
    store.put("old", small_value(60))
    store.put("recent", small_value(30))
    store.reserve(50 * MB)
    assert store.keys() == ["recent"]


def test_entries_expire_after_the_ttl():
    """An entry older than ttl_seconds counts as absent and is dropped on access."""
    store = byte_store.ByteBudgetCache(10 * MB, ttl_seconds=0.05)
    store.put("k", 1)
    time.sleep(0.1)
    assert store.get("k") is None and len(store) == 0


def test_get_or_compute_computes_once_for_concurrent_callers():
    """Eight threads asking for the same key at once share one computation."""
    store = byte_store.ByteBudgetCache(10 * MB, ttl_seconds=60)
    calls, results = [], []

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return object()

    threads = [threading.Thread(target=lambda: results.append(store.get_or_compute("k", compute)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_a_failed_computation_is_not_cached_and_leaves_no_lock():
    """A DataError propagates, nothing is stored, and the next call computes again."""
    store = byte_store.ByteBudgetCache(10 * MB, ttl_seconds=60)

    def fail():
        raise DataError("bad")

    with pytest.raises(DataError):
        store.get_or_compute("k", fail)
    assert len(store) == 0 and not store._computing
    assert store.get_or_compute("k", lambda: 5) == 5


def test_nbytes_counts_shared_memory_once():
    """Views of one array, a frame's columns and nested dataclasses are counted by their memory."""
    base = np.zeros((1000, 11))
    assert byte_store.nbytes((base, base[:, :10], base[:, 10].copy())) == base.nbytes + 1000 * 8
    frame = pd.DataFrame(np.zeros((100, 3)), columns=["a", "b", "c"])
    assert byte_store.nbytes(frame) == 100 * 3 * 8
    assert byte_store.nbytes({"x": [base], "s": "text", "n": 3}) == base.nbytes


def test_generated_problem_and_run_sizes_fit_the_budget():
    """The page's largest generated table (1e6 x 10, standardised) fits the budget with its run."""
    data = cache.generated_data(1_000_000, 10, 1.0, 1, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=200, w0=0.0, b0=0.0))
    total = byte_store.nbytes(data) + byte_store.nbytes(problem) + byte_store.nbytes(run)
    assert total <= byte_store.CACHE_BUDGET_BYTES
    assert byte_store.STORE.total_bytes <= byte_store.CACHE_BUDGET_BYTES


def test_many_generated_datasets_stay_within_the_budget():
    """Twelve distinct generated tables of 2e5 x 10 never hold more than the budget."""
    for seed in range(12):
        data = cache.generated_data(200_000, 10, 1.0, seed, 2.0, 1.0)
        problem = cache.prepare(data, "y", data.default_features, True)
        cache.descend(problem, RunSettings(learning_rate=0.1, steps=200, w0=0.0, b0=0.0))
        assert byte_store.STORE.total_bytes <= byte_store.CACHE_BUDGET_BYTES
    assert len(byte_store.STORE) < 36


def test_run_ref_is_small_and_resolves_to_equal_results_after_a_drop(rng):
    """A RunRef pickles to under 1 kB; after both stores are emptied resolve() recomputes the
    same run."""
    data = cache.generated_data(5000, 3, 1.0, 7, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    run = cache.descend(problem, RunSettings(learning_rate=0.1, steps=300, w0=0.5, b0=-0.5))
    ref = cache.RunRef.of(problem, run)
    assert len(pickle.dumps(ref)) < 1000 and byte_store.nbytes(ref) == 0
    assert cache.resolve(ref) == (problem, run)  # the very same cached objects
    empty_stores()
    again_problem, again_run = cache.resolve(ref)
    assert again_run is not run and again_run.key == run.key
    assert_allclose(again_run.trajectory.w, run.trajectory.w, rtol=0)
    assert_allclose(again_problem.X, problem.X, rtol=0)


def test_resolve_reports_a_dropped_upload_as_none():
    """An upload's table, once dropped from STORE, cannot be rebuilt from its reference alone."""
    data = cache.uploaded_data(b"x,y\n1,2\n2,4.1\n3,5.9\n", "u.csv")
    problem = cache.prepare(data, "y", ("x",), False)
    ref = cache.RunRef.of(problem, cache.descend(problem, RunSettings(learning_rate=0.1, steps=20, w0=0.0, b0=0.0)))
    assert ref.source == ("upload", data.digest)
    byte_store.STORE.discard(lambda key: True)
    assert cache.load(ref.source) is None and cache.resolve(ref) is None
    assert cache.resolve(ref, lambda source: data)[1].settings == RunSettings(steps=20)


def test_upload_ref_finds_the_table_while_it_is_cached():
    """UploadRef.loaded() is the cached table; after a drop it is None and .frame says so."""
    data = cache.uploaded_data(b"x,y\n1,2\n2,4.1\n", "u.csv")
    ref = cache.UploadRef(data.source, data.label, "file-1")
    assert ref.loaded() is data and list(ref.frame.columns) == ["x", "y"]
    byte_store.STORE.discard(lambda key: True)
    assert ref.loaded() is None
    with pytest.raises(KeyError):
        _ = ref.frame


def test_default_features_are_capped_with_a_note(rng):
    """A table of 30 columns opens with the first MAX_DEFAULT_FEATURES as features, and says so."""
    frame = pd.DataFrame(rng.standard_normal((20, 30)), columns=[f"c{j}" for j in range(30)])
    data = build_loaded_data(frame, "wide")
    assert data.default_target == "c29"
    assert data.default_features == tuple(f"c{j}" for j in range(MAX_DEFAULT_FEATURES))
    assert any(f"the first {MAX_DEFAULT_FEATURES} are chosen" in note for note in data.notes)
    narrow = build_loaded_data(frame.iloc[:, :5], "narrow")
    assert narrow.default_features == ("c0", "c1", "c2", "c3") and narrow.notes == ()


def test_heavy_work_runs_one_at_a_time():
    """Two heavy blocks never overlap; light blocks do not wait."""
    inside, overlaps = [], []

    def heavy():
        with byte_store.heavy_work(byte_store.HEAVY_CELLS + 1):
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=heavy) for _ in range(4)]
    for thread in threads:
        thread.start()
    with byte_store.heavy_work(10):
        pass  # returns at once even while a heavy block runs
    for thread in threads:
        thread.join()
    assert overlaps == [1, 1, 1, 1]


def test_disconnected_session_ttl_is_a_real_option_and_low():
    """config.toml sets server.disconnectedSessionTTL, an option Streamlit knows, to at most 60 s."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert "server.disconnectedSessionTTL" in streamlit_config.get_config_options()
    assert 0 < config["server"]["disconnectedSessionTTL"] <= 60


def test_prepare_leaves_out_rows_missing_in_the_chosen_columns_only():
    """y ~ x uses 6 of 8 rows; 'other' has missing values in kept rows and does not matter."""
    data = gapped_table()
    problem = cache.prepare(data, "y", ("x",), True)
    assert_allclose(problem.X[:, 0], [1, 2, 4, 5, 7, 8], rtol=0)
    assert problem.warnings[0] == "Left out 2 of 8 rows with a missing value in 'x'."
    assert np.isfinite(problem.X_fit).all() and problem.stats.n_rows == 6
    run = cache.descend(problem, RunSettings(learning_rate=0.5, steps=500, w0=0.0, b0=0.0))
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
    assert regression_data.content_digest(frame) == regression_data.content_digest(frame.copy())
    moved = frame.copy()
    moved.loc[0, "x"], moved.loc[2, "x"] = np.nan, 3.0
    assert regression_data.content_digest(moved) != regression_data.content_digest(frame)


def test_default_features_fall_back_to_a_usable_column():
    """When the default features leave < 2 complete rows, the first usable single feature is used."""
    frame = pd.DataFrame({"p": [1, np.nan, 3, np.nan], "q": [np.nan, 2, np.nan, 4],
                          "r": [1, 2, 3, 5.0], "y": [1, 2, 3, 4.0]})
    data = build_loaded_data(frame, "sparse")
    assert data.default_target == "y"
    assert data.default_features == ("p",)
    select_xy(frame, data.default_target, data.default_features)
    complete = build_loaded_data(frame.fillna(0.0), "filled")
    assert complete.default_features == ("p", "q", "r")


def test_work_on_a_made_table_goes_before_a_new_table():
    """While one heavy turn runs, a new table and then the fit of a made table wait: the fit
    goes first (so a class does not hold a waiting table per student), the new table next."""
    import threading

    from ui.regression.heavy_line import HeavyLine

    line, order = HeavyLine(), []
    started = threading.Event()
    release = threading.Event()

    def holder():
        with line.turn():
            started.set()
            release.wait(10)

    def worker(name, new_table):
        with line.turn(new_table=new_table):
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    assert started.wait(10)
    new = threading.Thread(target=worker, args=("new table", True))
    new.start()
    fit = threading.Thread(target=worker, args=("fit", False))
    fit.start()
    # Both are waiting now: the line holds one finishing turn (the fit) while busy.
    for _ in range(200):
        with line._changed:
            if line._finishing == 1:
                break
        threading.Event().wait(0.01)
    release.set()
    for thread in (first, new, fit):
        thread.join(10)
    assert order == ["fit", "new table"]


def test_a_new_table_is_not_starved():
    """With finishing turns always waiting, a new table still gets a turn after its patience."""
    import threading

    from ui.regression.heavy_line import HeavyLine

    line, done = HeavyLine(new_table_patience_s=0.05), threading.Event()
    line._finishing[object()] = (0.0, 0)  # a finishing turn that never comes (its session went away)

    def newcomer():
        with line.turn(new_table=True):
            done.set()

    thread = threading.Thread(target=newcomer, daemon=True)
    thread.start()
    assert done.wait(10), "a new table waited for ever behind finishing turns"
    thread.join(10)


def test_a_spinner_only_for_work_not_cached(monkeypatch):
    """cache.spun runs a memoized function under st.spinner only when its value is not in the
    store (Streamlit's spinner sends the browser a delta and starts a timer thread even for
    work that takes no time); the value is the function's either way, computed once."""
    from contextlib import contextmanager

    from ui.regression import cache

    store = byte_store.ByteBudgetCache(10 * MB, ttl_seconds=60)
    calls, spinners = [], []

    @cache.memoized(lambda n, scale=1.0: 0, store)
    def table(n: int, scale: float = 1.0):
        calls.append((n, scale))
        return np.full(n, scale)

    @contextmanager
    def spinner(text):
        spinners.append(text)
        yield

    monkeypatch.setattr(cache.st, "spinner", spinner)
    assert not table.cached(3)
    first = cache.spun(table, 3, text="Making the table…")
    assert table.cached(3) and table.cached(3, 1.0)  # a default left out or passed: one key
    again = cache.spun(table, 3, 1.0, text="Making the table…")
    assert again is first and calls == [(3, 1.0)]
    assert spinners == ["Making the table…"]
    assert not table.cached(4)
