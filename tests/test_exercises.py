"""gradcore.exercises.catalogue: solutions accepted, mistakes named, seeds reproducible, links usable."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from gradcore import regression_statistics
from gradcore.exercises.catalogue import (
    BY_ID,
    DEFAULT_SEED,
    EXERCISE_PARAM,
    EXERCISES,
    MAX_SEED,
    SEED_PARAM,
    Feedback,
    check_seed,
    for_page,
    get_exercise,
    page_data,
    parse_seed,
)
from tests.page_helpers import open_panels, shown
from ui.regression.view import STEPPER_KEYS, TABS, TABS_KEY
from ui.shell import exercise_panel
from ui.shell.lessons import LESSONS

APP = Path(__file__).parent.parent / "home.py"
PAGES = {lesson.url_path: lesson.script for lesson in LESSONS}
SEEDS = (DEFAULT_SEED, 1, 2, 7, 42, MAX_SEED)
LINK_SEEDS = (DEFAULT_SEED, 3)
WIDGET_KINDS = ("slider", "number_input", "select_slider", "selectbox", "radio", "text_input",
                "checkbox", "toggle", "multiselect")
SOURCE_RE = re.compile(r"\b(eval|exec|sympify|parse_expr)\s*\(")


def test_ids_are_unique_and_url_safe():
    """Every id is unique and made of lower-case letters, digits and dashes."""
    ids = [exercise.id for exercise in EXERCISES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_every_lesson_has_at_least_three_exercises_on_a_real_page():
    """Each exercise names a page of ui.shell.lessons; each of the five lessons has three or more."""
    assert {exercise.page for exercise in EXERCISES} <= set(PAGES)
    for page in PAGES:
        assert len(for_page(page)) >= 3, page


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
@pytest.mark.parametrize("seed", SEEDS)
def test_solution_is_accepted(exercise, seed):
    """For every exercise and seed, the stated solution passes its own check."""
    task = exercise.instance(seed)
    feedback = task.check(task.solution)
    assert feedback == Feedback(True, feedback.message) and feedback.message.startswith("Right")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_default_attributes_are_seed_zero(exercise):
    """The DESIGN.md names (prompt, link, solution, check) are those of the default seed."""
    task = exercise.instance()
    assert (exercise.prompt, exercise.link, exercise.solution) == \
        (task.prompt, task.link, task.solution)
    assert exercise.check(exercise.solution).correct


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_same_seed_same_task(exercise):
    """A seed always gives the same prompt, link and solution (cache cleared in between)."""
    from gradcore.exercises import catalogue as exercises

    first = exercise.instance(123)
    exercises._task.cache_clear()
    again = exercise.instance(123)
    assert (first.prompt, first.link, first.solution) == (again.prompt, again.link, again.solution)


def test_seeded_versions_are_pinned():
    """Seed 7 gives these links in every process and Python version (hash-seed independent)."""
    assert BY_ID["gradient-3d"].instance(7).link == {
        "fn": "article3d", "p_x": "-2.0", "p_y": "-1.0", "p_z": "3.0"}
    assert BY_ID["subdifferential-kink"].instance(7).link == {"fn": "maxlin", "x0": "0.0"}
    assert BY_ID["learning-rate"].instance(7).link["lr"] == "1"


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e.seeded], ids=lambda e: e.id)
def test_seeds_change_the_numbers(exercise):
    """A seeded exercise has more than one version among a handful of seeds."""
    assert len({exercise.instance(seed).prompt for seed in range(8)}) > 1


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if not e.seeded], ids=lambda e: e.id)
def test_unseeded_exercise_ignores_the_seed(exercise):
    """An exercise without numbers to vary is the same for every seed, and its link says 0."""
    assert exercise.instance(5).prompt == exercise.prompt
    assert SEED_PARAM not in exercise.instance(5).query()


@pytest.mark.parametrize("exercise_id, answer, advice", [
    ("square-slope", "2.25", "height of the curve"),
    ("square-slope", "1.5", "multiply by 2"),
    ("square-slope", "-3", "wrong sign"),
    ("square-slope", "3,0", "Use a point for decimals"),
    ("secant-slope", "3", "tangent slope"),
    ("secant-slope", "1.75", "divide it by the run"),
    ("kink-derivative", "yes", "from the left"),
    ("sigmoid-slope", "0.5", "is σ(0)"),
    ("sigmoid-slope", "1", "flatter"),
    ("gradient-3d", "(2, 4, 6)", "coefficient is missing"),
    ("gradient-3d", "(1, 4, 9)", "factor 2 from the power rule"),
    ("gradient-3d", "(-2, -8, -18)", "steepest descent"),
    ("gradient-3d", "(18, 8, 2)", "wrong order"),
    ("gradient-3d", "36", "is the value"),
    ("gradient-3d", "(1, 2, 3)", "the point itself"),
    ("gradient-3d", "(2, 8)", "3 components"),
    ("gradient-3d", "(2, 8, 17)", "x, y are right"),
    ("gradient-sqnorm", "(1, -2, 3)", "That is w itself"),
    ("gradient-sqnorm", "14", "is ‖w‖²"),
    ("gradient-dot", "(2, 1, -3)", "whatever w is"),
    ("gradient-dot", "(2, -4, 6)", "No factor 2"),
    ("steepest-ascent", "243.4", "steepest descent"),
    ("steepest-ascent", "153.4", "level curve"),
    ("steepest-ascent", "26.6", "swapped"),
    ("steepest-ascent", "1.107", "radians"),
    ("level-curve", "63.4", "perpendicular to ∇f"),
    ("subgradient-abs", "no", "lies inside"),
    ("subdifferential-kink", "0", "one subgradient"),
    ("subdifferential-kink", "5", "not even in it"),
    ("subdifferential-kink", "[-1, 0]", "left end is right"),
    ("subdifferential-kink", "[1, -1]", "larger one first"),
    ("subdifferential-smooth", "[-1, 1]", "at the kink"),
    ("subdifferential-smooth", "2", "is f(x₀)"),
    ("chain-article", "4", "f′ evaluated at x"),
    ("chain-article", "3", "factor 2"),
    ("chain-article", "9", "not its derivative"),
    ("chain-inner-slope", "7", "multiply by the inner derivative"),
    ("chain-inner-slope", "9", "uses f′ at x"),
    ("chain-relu", "2", "ReLU is flat there"),
    ("bias-gradient-sign", "negative", "mostly positive"),
    ("bias-gradient-value", "-3.385", "factor 2"),
    ("bias-gradient-value", "6.77", "Check the sign"),
    ("learning-rate", "yes", "not 2/λmax(S)"),
    ("standardise-kappa", "2814", "before standardising"),
    ("standardise-kappa", "0", "never below 1"),
    ("standardise-trend", "up", "goes from"),
])
def test_typical_mistake_gets_its_own_message(exercise_id, answer, advice):
    """A typical wrong answer (default seed) is marked wrong with a message about that mistake."""
    feedback = BY_ID[exercise_id].check(answer)
    assert not feedback.correct
    assert advice in feedback.message, feedback.message


@pytest.mark.parametrize("exercise_id, seed, answer, advice", [
    ("subgradient-relu", 3, "yes", "lies outside"),
    ("subgradient-relu", 3, "no", "Right"),
    ("subdifferential-kink", 3, "[-1, 1]", "∂|x| at 0"),
    ("chain-relu", 4, "1", "multiply by g′"),
    ("chain-relu", 4, "0", "passes the gradient"),
])
def test_mistakes_of_other_seeds(exercise_id, seed, answer, advice):
    """Seeded versions name their mistakes too (a ReLU that is active, a negative g)."""
    assert advice in BY_ID[exercise_id].check(answer, seed=seed).message


@pytest.mark.parametrize("exercise_id, answer", [
    ("gradient-3d", "2, 8, 18"), ("gradient-3d", "[2 8 18]"), ("gradient-3d", "∇f = (2,8,18)"),
    ("subdifferential-kink", "−1 to 1"),
    ("subdifferential-smooth", "[1, 1]"), ("sigmoid-slope", "1/4"), ("steepest-ascent", "63"),
    ("level-curve", "333.4"), ("level-curve", "-26.6"), ("bias-gradient-sign", "+"),
    ("subgradient-abs", "Yes"), ("square-slope", "3.0"),
])
def test_other_ways_of_writing_the_solution(exercise_id, answer):
    """Other notations of the right answer (and within tolerance) are accepted."""
    assert BY_ID[exercise_id].check(answer).correct


@settings(max_examples=40)
@given(st.sampled_from(EXERCISES), st.text(max_size=60))
def test_any_text_gets_feedback_not_an_exception(exercise, text):
    """Whatever is typed, check returns a Feedback with a message."""
    feedback = exercise.check(text)
    assert isinstance(feedback, Feedback) and feedback.message


def test_seed_helpers():
    """Seeds are whole numbers 0..MAX_SEED; a link's unusable seed text reads as None."""
    assert check_seed(5) == 5
    for bad in (-1, MAX_SEED + 1, 1.5, True, "3"):
        with pytest.raises(ValueError):
            check_seed(bad)
    assert parse_seed("42") == 42
    assert [parse_seed(raw) for raw in (None, "", "-1", "1e3", "٣", "9999999")] == [None] * 6
    assert get_exercise("gradient-3d") is BY_ID["gradient-3d"] and get_exercise("nope") is None


def test_query_carries_exercise_seed_and_link():
    """Task.query(): ex, exseed (not for the default seed) and the page's link."""
    task = BY_ID["gradient-3d"].instance(7)
    assert task.query() == {EXERCISE_PARAM: "gradient-3d", SEED_PARAM: "7", **task.link}
    assert SEED_PARAM not in BY_ID["gradient-3d"].instance().query()


def test_exercises_never_eval_student_text():
    """The answer code has no eval, exec, sympify or parse_expr call."""
    package = Path(__file__).parent.parent / "gradcore" / "exercises"
    modules = sorted(package.glob("*.py"))
    assert {"answers.py", "catalogue.py", "checks.py", "calculus.py", "regression.py"} <= {
        path.name for path in modules}
    for path in modules:
        assert not SOURCE_RE.search(path.read_text()), path.name


# --- links open their page as set up ------------------------------------------------------

def widget_value(at: AppTest, key: str):
    """The value of the widget with this key, whatever its kind (KeyError if there is none)."""
    for kind in WIDGET_KINDS:
        try:
            return getattr(at, kind)(key=key).value
        except KeyError:
            continue
    raise KeyError(key)


def same(value, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted
    if isinstance(value, int | float):
        return float(value) == float(wanted)
    return str(value) == wanted


def open_task(task) -> AppTest:
    """The task's page opened by its link, its lazy boxes open (the controls it sets drawn)."""
    at = open_panels(AppTest.from_file(str(APP), default_timeout=60))
    at.run()
    at.switch_page(PAGES[task.page])
    for key, value in task.query().items():
        at.query_params[key] = value
    at.run()
    return at


LINK_CASES = [(e, s) for e in EXERCISES for s in (LINK_SEEDS if e.seeded else (DEFAULT_SEED,))]


@pytest.mark.parametrize("exercise, seed", LINK_CASES,
                         ids=[f"{e.id}-{s}" for e, s in LINK_CASES])
def test_link_sets_up_its_page(exercise, seed):
    """Opening the link: no exception, no "could not be used" note, every widget as linked."""
    task = exercise.instance(seed)
    at = open_task(task)
    assert not at.exception, at.exception
    assert not any("could not be used" in i.value for i in at.info)
    for key, wanted in task.link.items():
        if key in STEPPER_KEYS:  # the steps are hidden until the answer: kept in the address
            assert at.query_params[key] == wanted
            continue
        assert same(widget_value(at, key), wanted), (key, widget_value(at, key), wanted)


@pytest.mark.parametrize("exercise_id", ["bias-gradient-sign", "bias-gradient-value",
                                         "l1-stays-zero"])
def test_an_answer_about_the_gradient_is_then_seen_on_the_gradient_tab(exercise_id):
    """The page hides its steps until the exercise is answered; the link's tab=gradient stays
    in the address meanwhile (through another control's rerun too), and the steps then open
    on the Gradient tab, at step 0, with the article's formula."""
    task = BY_ID[exercise_id].instance()
    at = open_task(task)
    assert at.query_params[TABS_KEY] == "gradient"
    assert not at.tabs  # no stepper before the answer
    at.run()  # any rerun before the answer (it ends by dropping controls not drawn)
    assert at.query_params[TABS_KEY] == "gradient"
    at.button(key=exercise_panel.SHOW_KEY).click().run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == list(TABS.values())
    assert any(h.value.startswith("The gradient at step 0") for h in at.subheader)
    assert at.query_params[TABS_KEY] == "gradient"


def test_regression_numbers_are_the_pages_numbers():
    """The learning-rate and condition-number exercises use the data the page builds."""
    for exercise_id in ("learning-rate", "standardise-kappa"):
        task = BY_ID[exercise_id].instance()
        stats = regression_statistics(*page_data(task.link))
        at = open_task(task)
        at.button(key="ex_show").click().run()  # the page hides these until answered
        text = " ".join(shown(m.value) for m in at.markdown)
        assert f"1/λmax = {stats.max_stable_learning_rate:.4g}" in text
        assert f"Condition number: {stats.condition_number:.4g}" in text
        assert np.isfinite(stats.condition_number)
