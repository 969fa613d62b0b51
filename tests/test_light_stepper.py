"""What the stepper writes at step k from a LightProblem (no rows) equals what it writes from
the Problem: the article's formula lines, the update table, the metrics and the formula panel
of another optimizer, for a run that carries the formula at every iterate.

These call ui/regression/view.py's and engine.py's pure functions, which read N and the first
rows from ``problem.n`` and ``problem.head`` (a LightProblem has no X_fit or y)."""

from dataclasses import replace

import numpy as np
import pytest

from gradcore import RunSettings
from ui.regression import build, byte_store, view
from ui.regression import cache as cache
from ui.regression import engine as engines

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
