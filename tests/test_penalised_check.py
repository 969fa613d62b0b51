"""The Check of a penalised run: against the optimum of loss + P (not least squares), the
objective as the stepper's metric, and contours of the objective."""

import numpy as np
import pytest

from gradcore import PENALTY_TABLE, RunSettings, reference_fit
from tests.page_helpers import metrics, open_page
from ui.regression import build, cache
from ui.regression.penalised_check import penalised_skipped

LINK = {"src": "generate", "n": "300", "d": "3", "seed": "2", "steps": "2000"}


@pytest.mark.parametrize(("extra", "label"), [
    ({"pen": "l1", "alpha": "0.1", "opt": "proximal"}, "L1"),
    ({"pen": "l2", "alpha": "0.1"}, "L2"),
    ({"pen": "l1", "alpha": "0.1", "opt": "proximal", "loss": "huber"}, "L1"),
])
def test_a_converged_penalised_run_matches_the_penalised_reference(extra, label):
    at = open_page("linear-regression", **LINK, **extra, tab="check")
    assert not at.exception and not at.error
    verdicts = [m.value for m in at.success if "reference's objective" in m.value]
    assert verdicts and f"(loss + {label}" in verdicts[0]
    shown = metrics(at)
    assert "objective J = L + P" in shown and "loss L(w, b)" not in shown
    assert not [m.value for m in at.warning if "Not matched" in m.value]


def test_the_reference_is_the_penalised_optimum_in_the_runs_units():
    data = cache.generated_data(300, 3, 1.0, 2, 2.0, 1.0)
    problem = cache.prepare(data, "y", ("x1", "x2", "x3"), True)
    optimum = build.build_loss_reference(problem, "mse", (), "l1", 0.1)
    coef, intercept = reference_fit(problem.X, problem.y, "mse", penalty="l1", alpha=0.1,
                                    standardize=True)
    np.testing.assert_allclose(np.append(*optimum.reference), np.append(coef, intercept),
                               rtol=1e-12)
    run = cache.descend(problem, RunSettings(penalty="l1", alpha=0.1, optimizer="proximal",
                                             steps=2000))
    assert run.gap.agrees and run.comparison is None
    assert run.trajectory.loss[-1] == pytest.approx(optimum.loss, rel=1e-9)
    # Unpenalised, the same table's check is least squares again.
    plain = cache.descend(problem, RunSettings(steps=2000))
    assert plain.comparison is not None and plain.optimum is problem.least_squares


def test_one_feature_contours_are_of_the_objective():
    data = cache.generated_data(200, 1, 1.0, 4, 2.0, 1.0)
    problem = cache.prepare(data, "y", ("x1",), True)
    window = (-1.0, 3.0, -1.0, 3.0)
    w, b, plain = build.build_loss_grid(problem, "mse", (), window)
    _, _, penalised = build.build_loss_grid(problem, "mse", (), window, "l1", 0.5)
    np.testing.assert_allclose(penalised - plain,
                               np.broadcast_to(0.5 * np.abs(w)[None, :], plain.shape), rtol=1e-12)
    assert PENALTY_TABLE["l1"].label  # the rows the check names


def test_a_large_mae_table_is_not_checked_against_a_penalised_programme():
    assert penalised_skipped("mae", 100, 1) is None
    assert "no check against it here" in penalised_skipped("mae", 100_000, 1)
    assert penalised_skipped("huber", 100_000, 1) is None
