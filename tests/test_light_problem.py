"""A step reads no rows: the LightProblem (everything of a Problem but X, X_fit, y), the
article's formula at every iterate of a large MSE run (``mse_gradient_path``, one pass over
the rows while they are there), and ``resolve_step``, which serves a step from LIGHT_STORE
after STORE has dropped the rows for another student's table."""

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gradcore import DataError, RunSettings, mse_gradient
from gradcore.regression.descent import mse_gradient_path
from ui.regression import build, byte_store, generalisation_panel
from ui.regression import cache as cache
from ui.regression import engine as engines
from ui.regression.generalisation import Shaping
from ui.regression.problem import HEAD_ROWS, LightProblem, Problem

# A direct check up to this N (d+1)^2 in these tests, so that small tables take the path.
SMALL_DIRECT_WORK = 1_000
SETTINGS = RunSettings(learning_rate=0.1, steps=40, w0=0.0, b0=0.0)


@pytest.fixture(autouse=True)
def empty_caches():
    """Every test starts (and leaves) both stores and the cached functions empty."""
    for function in (cache.generated_data, cache.prepare, cache.descend, cache.check_step):
        function.clear()
    byte_store.STORE.discard(lambda key: True)
    byte_store.LIGHT_STORE.discard(lambda key: True)
    yield
    for function in (cache.generated_data, cache.prepare, cache.descend, cache.check_step):
        function.clear()
    byte_store.STORE.discard(lambda key: True)
    byte_store.LIGHT_STORE.discard(lambda key: True)


@pytest.fixture
def path_tables(monkeypatch):
    """Small tables count as large: their MSE checks take finite differences from the
    statistics, so their runs carry the formula at every iterate, and no problem is kept
    whole in LIGHT_STORE."""
    monkeypatch.setattr(build, "DIRECT_CHECK_WORK", SMALL_DIRECT_WORK)
    monkeypatch.setattr(cache, "WHOLE_PROBLEM_BYTES", 0)


def never_load(source):
    raise AssertionError(f"the step rebuilt {source} from its data")


def large_problem() -> tuple[Problem, build.Run]:
    data = cache.generated_data(3000, 4, 1.0, 11, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    return problem, cache.descend(problem, SETTINGS)


@pytest.mark.parametrize("block_rows", [1, 7, 4096, None])
def test_gradient_path_is_mse_gradient_at_every_point(rng, block_rows):
    """mse_gradient_path at 12 points equals 12 calls of mse_gradient within 1e-12."""
    X, y = rng.standard_normal((500, 3)), rng.standard_normal(500)
    W, B = rng.standard_normal((12, 3)), rng.standard_normal(12)
    grad_w, grad_b = mse_gradient_path(X, y, W, B, block_rows=block_rows)
    for k in range(12):
        expected_w, expected_b = mse_gradient(X, y, W[k], B[k])
        assert_allclose(grad_w[k], expected_w, rtol=1e-12, atol=1e-14)
        assert grad_b[k] == pytest.approx(expected_b, rel=1e-12, abs=1e-14)


def test_gradient_path_blocks_are_bounded_in_bytes_not_rows():
    """Blocks of the path hold about PATH_BLOCK_BYTES of residuals (few blocks, so few waits
    for the GIL in a busy server), never fewer than PATH_MIN_BLOCK_ROWS rows."""
    from gradcore.regression.descent import (
        PATH_BLOCK_BYTES,
        PATH_MIN_BLOCK_ROWS,
        path_block_rows,
    )

    for iterates in (1, 51, 201, 501):
        rows = path_block_rows(iterates)
        assert rows >= PATH_MIN_BLOCK_ROWS
        assert rows * iterates * 8 <= max(PATH_BLOCK_BYTES, PATH_MIN_BLOCK_ROWS * iterates * 8)
    assert path_block_rows(51) * 51 * 8 > PATH_BLOCK_BYTES - 51 * 8  # the budget is used
    assert path_block_rows(5000) == PATH_MIN_BLOCK_ROWS
    assert 1_000_000 / path_block_rows(51) < 30  # was 245 blocks of 4,096 rows


def test_gradient_path_refuses_unmatched_points(rng):
    """W with 3 points and B with 2 is a DataError, not a broadcast."""
    with pytest.raises(DataError, match="same number of points"):
        mse_gradient_path(rng.standard_normal((10, 2)), rng.standard_normal(10),
                          np.zeros((3, 2)), np.zeros(2))


def test_light_problem_keeps_everything_but_the_rows(rng):
    """light() has n, copied first rows, statistics, sample and fit, and no X, X_fit, y: under
    1 MB for 200,000 x 10 rows of 33 MB."""
    data = cache.generated_data(200_000, 10, 1.0, 3, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    light = problem.light()
    assert type(light) is LightProblem and not hasattr(light, "X_fit")
    assert light.n == len(problem.y) == 200_000 and light.key == problem.key
    assert light.stats is problem.stats and light.sample is problem.sample
    assert HEAD_ROWS >= engines.FORMULA_TERMS
    assert_allclose(light.head.X_fit, problem.X_fit[:HEAD_ROWS], rtol=0)
    assert_allclose(light.head.y, problem.y[:HEAD_ROWS], rtol=0)
    assert light.head.X_fit.base is None  # a copy: the rows can be freed
    assert byte_store.nbytes(problem) > 30 * 2**20
    assert byte_store.nbytes(light) < 2**20


def test_runs_carry_the_formula_only_where_the_check_is_not_direct(path_tables):
    """An MSE run on a table above DIRECT_CHECK_WORK carries the formula at every iterate;
    the same table's MAE run and a direct table's MSE run do not."""
    problem, run = large_problem()
    assert run.formula_gradient.shape == (run.trajectory.steps_taken + 1, 5)
    mae = cache.descend(problem, replace(SETTINGS, loss="mae"))
    assert mae.formula_gradient is None
    small = cache.generated_data(20, 1, 1.0, 2, 2.0, 1.0)
    small_problem = cache.prepare(small, "y", small.default_features, True)
    assert cache.descend(small_problem, SETTINGS).formula_gradient is None


def test_no_formula_path_above_its_work_bound(path_tables, monkeypatch):
    """Above FORMULA_PATH_WORK a run carries no path and a step reads the rows again."""
    monkeypatch.setattr(build, "FORMULA_PATH_WORK", 3000 * 5 * 10)
    problem, run = large_problem()
    assert run.trajectory.steps_taken + 1 > 10 and run.formula_gradient is None
    assert build.steps_read_rows(problem.light(), run)
    assert not build.steps_read_rows(problem, run)


def test_the_check_from_the_path_equals_the_check_from_the_rows(path_tables):
    """At every step the check a LightProblem gets equals the one mse_gradient gives on the
    rows (1e-12), and it passes."""
    problem, run = large_problem()
    from_rows = replace(run, formula_gradient=None)
    for k in range(run.trajectory.steps_taken + 1):
        light = build.build_step_check(problem.light(), run, k)
        rows = build.build_step_check(problem, from_rows, k)
        assert not light.direct and not rows.direct
        assert_allclose(light.grad_w, rows.grad_w, rtol=1e-12, atol=1e-14)
        assert light.grad_b == pytest.approx(rows.grad_b, rel=1e-12, abs=1e-14)
        assert_allclose(light.check.numeric, rows.check.numeric, rtol=0)
        assert light.check.passed, light.check.relative_error


def test_the_check_still_catches_a_wrong_formula(path_tables):
    """The finite differences do not come from the path: a formula 1 % off fails the check."""
    problem, run = large_problem()
    wrong = replace(run, formula_gradient=run.formula_gradient * 1.01)
    check = build.build_step_check(problem.light(), wrong, 1).check
    assert not check.passed and check.relative_error > 10 * check.rtol


def test_a_step_after_the_rows_were_dropped_rebuilds_nothing(path_tables):
    """STORE emptied (another student's table): resolve_step gives the light problem and the
    same run without loading the data, and the same check as before."""
    problem, run = large_problem()
    ref = cache.RunRef.of(problem, run)
    before = cache.check_step(problem, run, 3)
    byte_store.STORE.discard(lambda key: True)
    light, again = cache.resolve_step(ref, never_load)
    assert type(light) is LightProblem and again is run
    after = build.build_step_check(light, again, 3)
    assert_allclose(np.append(after.grad_w, after.grad_b),
                    np.append(before.grad_w, before.grad_b), rtol=0)
    assert after.check.numeric == pytest.approx(before.check.numeric, rel=0, abs=0)
    cached = cache.check_step(light, again, 3)  # through st.cache_resource's HASH_FUNCS
    assert_allclose(cached.check.numeric, before.check.numeric, rtol=0)
    assert cache.resolve(ref, lambda source: None) is None  # the rows are really gone


def test_a_new_large_table_keeps_the_light_store(path_tables):
    """Making room for a large table (STORE.reserve of the whole budget) leaves LIGHT_STORE as
    it was, so the step after it still finds its problem and run."""
    problem, run = large_problem()
    ref = cache.RunRef.of(problem, run)
    held = byte_store.LIGHT_STORE.keys()
    byte_store.STORE.reserve(byte_store.CACHE_BUDGET_BYTES)
    assert len(byte_store.STORE) == 0 and byte_store.LIGHT_STORE.keys() == held
    assert type(cache.resolve_step(ref, never_load)[0]) is LightProblem


def test_a_small_problem_is_kept_whole_for_its_steps():
    """A table of 2,000 rows (a direct check, which reads the rows) is kept whole in
    LIGHT_STORE: its step finds the rows there after STORE was emptied."""
    data = cache.generated_data(2000, 1, 1.0, 5, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    run = cache.descend(problem, SETTINGS)
    assert run.formula_gradient is None
    byte_store.STORE.discard(lambda key: True)
    found, again = cache.resolve_step(cache.RunRef.of(problem, run), never_load)
    assert found is problem and again is run
    assert cache.check_step(found, again, 2).direct


def test_a_step_that_reads_rows_rebuilds_them_as_before(path_tables, monkeypatch):
    """Without the path (above FORMULA_PATH_WORK) and too large to keep whole, a step after a
    drop loads the data and builds the problem again (resolve)."""
    monkeypatch.setattr(build, "FORMULA_PATH_WORK", 0)
    problem, run = large_problem()
    data = cache.load(problem.source)
    byte_store.STORE.discard(lambda key: True)
    loaded = []
    found, again = cache.resolve_step(cache.RunRef.of(problem, run),
                                      lambda source: loaded.append(source) or data)
    assert type(found) is Problem and found is not problem and loaded == [problem.source]
    assert_allclose(found.y, problem.y, rtol=0) and again.key == run.key


def test_the_check_reads_the_rows_only_of_a_table_kept_whole():
    """Direct (finite differences on the rows) up to DIRECT_CHECK_BYTES of rows, which the
    cache keeps whole; 1,000,000 x 1 (24 MB of rows) is checked from the statistics."""
    assert build.check_is_direct(100_000, 1)  # 2.4 MB of rows
    assert not build.check_is_direct(200_000, 1)  # 4.8 MB
    assert not build.check_is_direct(1_000_000, 1)
    assert not build.check_is_direct(250_000, 10)  # above DIRECT_CHECK_WORK
    assert cache.WHOLE_PROBLEM_BYTES >= build.DIRECT_CHECK_BYTES + 2**20


def test_a_million_rows_of_one_feature_step_without_rows():
    """1,000,000 x 1: the run carries the formula at every iterate, a step after STORE was
    emptied is served light, and its check passes."""
    data = cache.generated_data(1_000_000, 1, 1.0, 4, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True)
    run = cache.descend(problem, SETTINGS)
    assert run.formula_gradient is not None
    byte_store.STORE.discard(lambda key: True)
    light, again = cache.resolve_step(cache.RunRef.of(problem, run), never_load)
    assert type(light) is LightProblem and again is run
    step = build.build_step_check(light, again, run.trajectory.steps_taken)
    assert not step.direct and step.check.passed, step.check.relative_error


def test_a_rival_of_a_race_has_no_formula_path(path_tables):
    """race_run: the same trajectory as descend's, without the path nobody steps through."""
    problem, run = large_problem()
    settings = replace(SETTINGS, optimizer="momentum")
    rival, chosen = cache.race_run(problem, settings), cache.descend(problem, settings)
    assert rival.formula_gradient is None and chosen.formula_gradient is not None
    assert rival is not chosen
    assert_allclose(rival.trajectory.w, chosen.trajectory.w, rtol=0)
    assert cache.race_run(problem, settings) is rival


def test_the_formula_path_takes_a_turn_in_the_heavy_line(path_tables, monkeypatch):
    """A stepped MSE run that may carry the path reads every row once, so it asks the heavy line
    for n (d + 1) cells (work on a made table, before the next new table); a race's rival
    and a direct table's run read none."""
    asked = []
    real = cache.heavy_work

    def recording(cells, new_table=False):
        asked.append(cells)
        return real(cells, new_table)

    problem, _ = large_problem()
    monkeypatch.setattr(cache, "heavy_work", recording)
    cache.descend(problem, replace(SETTINGS, steps=41))
    assert asked[-1] == 3000 * 5
    cache.race_run(problem, replace(SETTINGS, steps=42))
    assert asked[-1] == 0
    small = cache.generated_data(20, 1, 1.0, 2, 2.0, 1.0)
    cache.descend(cache.prepare(small, "y", small.default_features, True), SETTINGS)
    assert asked[-1] == 0


def test_the_light_part_of_a_split_keeps_the_test_rows_statistics_only():
    """With a 25 % test split the light part keeps the held-out statistics and count, not the
    rows (1,000 test rows x 3: 56 KB -> 0), and the loss chart's note is the same."""
    data = cache.generated_data(4000, 3, 1.0, 8, 2.0, 1.0)
    problem = cache.prepare(data, "y", data.default_features, True, Shaping(1, 0.25, 1))
    run = cache.descend(problem, SETTINGS)
    light = problem.light()
    assert light.held_out.rows == len(problem.held_out.y) == 1000
    assert light.held_out.stats is problem.held_out.stats
    assert byte_store.nbytes(light.held_out) < 2**10 < byte_store.nbytes(problem.held_out)
    note = generalisation_panel.test_loss_note
    assert note(light, run) == note(problem, run) is not None
