"""The curvature exercises: their typical mistakes are named, and their answers are what the
page (its curvature section) and an actual run show for the same link."""

import pytest

from gradcore import fit
from gradcore.exercises.catalogue import BY_ID, page_data
from tests.page_helpers import metric, open_page
from ui.regression.curvature import PANEL_KEY
from ui.shell.exercise_panel import SHOW_KEY

CURVATURE = ("slowest-direction", "momentum-converges", "momentum-best")


@pytest.mark.parametrize("exercise_id, answer, advice", [
    ("slowest-direction", "0.5471", "converges faster"),
    ("slowest-direction", "0.9114", "the Hessian is 2S"),
    ("slowest-direction", "0.1771", "the part of the error one step removes"),
    ("slowest-direction", "0.4382", "GD's best step"),
    ("slowest-direction", "-0.8229", "Check the sign"),
    ("momentum-converges", "no", "Momentum's limit is not GD's"),
    ("momentum-best", "0.963", "μ itself is its square"),
    ("momentum-best", "0.9993", "plain GD's best factor"),
    ("momentum-best", "0.9", "usual default"),
])
def test_typical_mistake_gets_its_own_message(exercise_id, answer, advice):
    """A typical wrong answer (default seed) is marked wrong with a message about it."""
    feedback = BY_ID[exercise_id].check(answer)
    assert not feedback.correct
    assert advice in feedback.message, feedback.message


def test_momentum_above_its_limit_is_explained():
    """A seed whose eta is above (1 + mu)/lambda_max: "yes" is told why it grows."""
    seed = next(s for s in range(50) if BY_ID["momentum-converges"].instance(s).solution == "no")
    feedback = BY_ID["momentum-converges"].check("yes", seed=seed)
    assert not feedback.correct and "stretches GD's limit by (1 + μ)" in feedback.message


@pytest.mark.parametrize("seed", range(8))
def test_momentum_answer_is_what_the_run_does(seed):
    """fit with the link's data and settings: it diverges exactly when the answer is no."""
    task = BY_ID["momentum-converges"].instance(seed)
    X, y = page_data(task.link)
    run = fit(X, y, optimizer="momentum", momentum=float(task.link["mom"]),
              learning_rate=float(task.link["lr"]), steps=2000)
    assert (run.stop_reason == "diverged") == (task.solution == "no"), (seed, run.stop_reason)


@pytest.mark.parametrize("exercise_id, seed", [("slowest-direction", 0),
                                               ("slowest-direction", 7)])
def test_slowest_factor_is_the_one_the_page_shows(exercise_id, seed):
    """Open the task's link with the curvature section open and the answer shown: the
    section's "Slowest factor" tile is the exercise's solution."""
    task = BY_ID[exercise_id].instance(seed)
    at = open_page("linear-regression", **task.query())
    at.button(key=SHOW_KEY).click().run()
    at.session_state[PANEL_KEY] = True
    at.run()
    assert not at.exception, at.exception
    assert metric(at, "Slowest factor |1 − 2ηλᵢ|") == task.solution
