"""The curvature exercises (gradcore.exercises.curvature): right answers accepted, each typical
mistake named, numbers from the page's own Hessian."""

import pytest

from gradcore import curvature_at, parse_expression
from gradcore.exercises.catalogue import BY_ID, for_page
from gradcore.exercises.curvature import QUADRATIC_FORMS, quadratic_form


def test_the_gradients_lesson_lists_the_curvature_exercises():
    """Both are on the Gradients page and open its curvature view."""
    ids = [exercise.id for exercise in for_page("gradients")]
    assert "hessian-classify" in ids and "hessian-mixed" in ids
    for exercise_id in ("hessian-classify", "hessian-mixed"):
        assert BY_ID[exercise_id].link["curv"] == "true"


@pytest.mark.parametrize("exercise_id, seed, answer, advice", [
    ("hessian-classify", 0, "minimum", "curves down along (0, 1)"),
    ("hessian-classify", 0, "maximum", "curves up along (1, 0)"),
    ("hessian-classify", 1, "minimum", "the cross term counts too: det H = -5 < 0"),
    ("hessian-classify", 4, "saddle", "Both eigenvalues of H are positive"),
    ("hessian-classify", 4, "maximum", "Check the sign"),
    ("hessian-classify", 6, "minimum", "Check the sign"),
    ("hessian-classify", 0, "degenerate", "Answer with one of"),
    ("hessian-mixed", 0, "6", "first partial"),
    ("hessian-mixed", 0, "5", "first partial by y"),
    ("hessian-mixed", 0, "12", "both derivatives by x"),
    ("hessian-mixed", 0, "2", "both derivatives by y"),
    ("hessian-mixed", 0, "-3", "wrong sign"),
])
def test_each_typical_mistake_gets_its_own_message(exercise_id, seed, answer, advice):
    """A typical wrong answer is marked wrong with a message about that mistake."""
    feedback = BY_ID[exercise_id].check(answer, seed=seed)
    assert not feedback.correct
    assert advice in feedback.message, feedback.message


@pytest.mark.parametrize("answer", ["saddle", "Saddle point", "neither", "a saddle"])
def test_ways_of_saying_saddle_are_accepted(answer):
    """x² − y² at (0, 0): every way of naming a saddle is right."""
    assert BY_ID["hessian-classify"].check(answer).correct


@pytest.mark.parametrize("form", QUADRATIC_FORMS)
def test_every_quadratic_form_is_typed_as_shown_and_not_degenerate(form):
    """The page parses the typed text to the same formula; none is degenerate at (0, 0)."""
    shown, typed = quadratic_form(*form)
    f = parse_expression(typed)
    a, b, c = form
    assert f.value([2.0, 3.0]) == pytest.approx(4 * a + 6 * b + 9 * c)
    assert curvature_at(f, (0.0, 0.0)).kind in ("minimum", "maximum", "saddle")
    assert "*" not in shown and "^" not in shown


def test_mixed_partial_is_the_pages_off_diagonal_entry():
    """The expected answer is the Hessian's (x, y) entry at the linked point, for many seeds."""
    for seed in range(12):
        task = BY_ID["hessian-mixed"].instance(seed)
        point = (float(task.link["p_x"]), float(task.link["p_y"]))
        found = curvature_at(parse_expression(task.link["f"]), point)
        assert task.check(f"{found.hessian.matrix[0, 1]:.6g}").correct
