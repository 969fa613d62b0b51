"""What the stepper writes at step k from a LightProblem (no rows) equals what it writes from
the Problem: the article's formula lines, the update table, the metrics and the formula panel
of another optimizer, for a run that carries the formula at every iterate.

These call ui/regression/view.py's and engine.py's pure functions, which read N and the first
rows from ``problem.n`` and ``problem.head`` (a LightProblem has no X_fit or y)."""

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from gradcore import RunSettings
from tests.page_helpers import charts as page_charts
from ui.regression import build, byte_store, data_source, view
from ui.regression import cache as cache
from ui.regression import engine as engines
from ui.regression.generalisation import NO_SHAPING, Shaping
from ui.regression.problem import LightProblem, Problem


@pytest.fixture
def large(monkeypatch):
    """A 3,000 x 3 table counted as large (checked from the statistics, with the path)."""
    monkeypatch.setattr(build, "DIRECT_CHECK_WORK", 1_000)
    for function in (cache.generated_data, cache.prepare, cache.descend):
        function.clear()
    byte_store.LIGHT_STORE.discard(lambda key: True)
    data = cache.generated_data(3000, 3, 1.0, 9, 2.0, 1.0)
    return cache.prepare(data, "y", data.default_features, True)


def frames_equal(one: dict, other: dict) -> bool:
    return one.keys() == other.keys() and all(
        np.array_equal(np.asarray(one[name]), np.asarray(other[name])) for name in one)


def test_the_articles_panel_is_the_same_from_the_light_problem(large):
    """gradient_latex, update_columns and metric_values at step 4: equal strings and values."""
    run = cache.descend(large, RunSettings(steps=30))
    light = large.light()
    step = build.build_step_check(light, run, 4)
    assert view.gradient_latex(light, run, 4, step) == view.gradient_latex(large, run, 4, step)
    assert frames_equal(view.update_columns(light, run, 4), view.update_columns(large, run, 4))
    assert view.metric_values(light, run, 4) == view.metric_values(large, run, 4)


def test_another_optimizers_formula_is_the_same_from_the_light_problem(large):
    """loss_gradient_latex and loss_note of a momentum run at step 3: equal."""
    run = cache.descend(large, replace(RunSettings(steps=30), optimizer="momentum"))
    light = large.light()
    assert run.formula_gradient is not None and not build.steps_read_rows(light, run)
    assert engines.loss_gradient_latex(light, run, 3) == engines.loss_gradient_latex(large, run, 3)
    assert engines.loss_note(light, run, 3) == engines.loss_note(large, run, 3) == ""


def never_load(source):
    raise AssertionError(f"the step rebuilt {source} from its data")


def tab_script(ref, view_name: str, k: int) -> None:
    """An app that shows step k's metrics and the fit or path tab of `ref` as the stepper
    does, failing if it loads the data."""
    from ui.regression import cache, view

    def never_load(source):
        raise AssertionError(f"the step rebuilt {source} from its data")

    problem, run = cache.resolve_step(ref, never_load, reads_rows=False)
    assert type(problem).__name__ == "LightProblem"
    view._metrics(problem, run, k)
    view._plots(problem, run, k, False, view_name)


@pytest.fixture
def dropped(monkeypatch):
    """make(d, loss, shaping): a 3,000-row table's problem and run, then STORE emptied (another
    student's table), the problem's light part (no rows) and the run left in LIGHT_STORE."""
    monkeypatch.setattr(cache, "WHOLE_PROBLEM_BYTES", 0)

    def make(d: int, loss: str, shaping=NO_SHAPING):
        data = cache.generated_data(3000, d, 1.0, 9, 2.0, 1.0)
        problem = cache.prepare(data, "y", data.default_features, True, shaping)
        run = cache.descend(problem, replace(RunSettings(steps=30), loss=loss))
        byte_store.STORE.discard(lambda key: True)
        return problem, run

    yield make
    for function in (cache.generated_data, cache.prepare, cache.descend):
        function.clear()
    byte_store.STORE.discard(lambda key: True)
    byte_store.LIGHT_STORE.discard(lambda key: True)


@pytest.mark.parametrize(("d", "shaping", "charts"), [
    (1, NO_SHAPING, {"fit": ["fig_line", "fig_loss"], "path": ["fig_contour", "fig_residuals"]}),
    (3, NO_SHAPING, {"fit": ["fig_loss", "fig_pred"], "path": ["fig_paths", "fig_residuals"]}),
    (1, Shaping(3, 0.25, 1),
     {"fit": ["fig_curve", "fig_loss"], "path": ["fig_paths", "fig_residuals"]}),
])
@pytest.mark.parametrize("loss", ["mse", "mae"])
@pytest.mark.parametrize("view_name", ["fit", "path"])
def test_the_fit_and_path_tabs_draw_from_the_light_problem(dropped, d, shaping, charts, loss,
                                                           view_name):
    """After STORE dropped the rows, the fit and path tabs and the metrics of any run (the
    MAE's steps read rows elsewhere) draw from the light problem without loading the data."""
    problem, run = dropped(d, loss, shaping)
    assert loss == "mse" or build.steps_read_rows(problem.light(), run)
    at = AppTest.from_function(tab_script, args=(cache.RunRef.of(problem, run), view_name, 3),
                               default_timeout=60).run()
    assert not at.exception, at.exception
    assert sorted(chart.key for chart in page_charts(at)) == charts[view_name]
    assert at.metric[0].value == f"3 of {run.trajectory.steps_taken}"


def test_the_gradient_and_check_tabs_fetch_the_rows_only_where_a_step_reads_them(dropped,
                                                                                 monkeypatch):
    """_with_rows: an MSE run with the formula path keeps the light problem (nothing loaded);
    an MAE run (its panel counts the residuals' signs on every row) gets the Problem again."""
    monkeypatch.setattr(build, "DIRECT_CHECK_WORK", 1_000)
    loaded = []
    monkeypatch.setattr(data_source, "restore",
                        lambda source: loaded.append(source) or cache.load(source))
    for loss, reads in (("mse", False), ("mae", True)):
        problem, run = dropped(3, loss)
        ref = cache.RunRef.of(problem, run)
        light, same = cache.resolve_step(ref, never_load, reads_rows=False)
        assert type(light) is LightProblem and same is run
        found, again = view._with_rows(ref, light, run)
        assert (type(found) is Problem) is reads and loaded == ([problem.source] if reads else [])
        assert again.key == run.key
        if reads:
            assert_allclose(found.y, problem.y, rtol=0)
            assert engines.loss_note(found, again, 3) == engines.loss_note(problem, run, 3)
        loaded.clear()
