"""The exercise panel inside a teacher's lesson, and exercises whose set-up the student changes.

Every button keeps the lesson (task shown, locks held, presentation mode); the verdict always
matches the page: when a setting the exercise depends on changes, the exercise closes with a
note and "Right" never stands beside a number that contradicts it.
"""

import pytest
from streamlit.testing.v1 import AppTest

from gradcore.exercises.catalogue import BY_ID, SEED_PARAM
from tests.page_helpers import all_text, metric, open_page
from ui.shell import teacher
from ui.shell.exercise_panel import ANSWER_KEY, CHECK_KEY, CLOSE_KEY, NEW_KEY, REVEAL_KEY, SHOW_KEY

TASK = "Predict, then check."
CLOSED = "The exercise was closed because the page no longer shows its set-up"


def browser_writes(at: AppTest, **values: str) -> AppTest:
    """What a browser does after a widget change: the new value is in the address."""
    at.query_params.update(values)
    return at.run()


def answer(at: AppTest, text: str) -> AppTest:
    at.text_input(key=ANSWER_KEY).input(text)
    at.button(key=CHECK_KEY).click()
    return at.run()


def assert_lesson_holds(at: AppTest, token: str) -> None:
    """Task shown, h still locked at 0.1, presentation mode on, the lesson still in the
    address."""
    assert not at.exception, at.exception
    assert TASK in all_text(at)
    (h,) = [s for s in at.select_slider if s.key == "h"]
    assert h.disabled and h.value == "0.1"
    assert any("font-size: 20px" in str(e.proto.body) for e in at.get("html"))
    assert at.query_params["lesson"] == token


def test_every_exercise_button_keeps_the_lesson():
    """New numbers (the teacher left the numbers free), Check, Show the answer and Close: the
    lesson stays; New numbers changes the exercise's own numbers only."""
    query = teacher.lesson_query("derivatives", {"h": "0.1"}, task=TASK, lock=["h"],
                                 exercise="square-slope", present=True)
    at = open_page("derivatives", **query)
    token = query["lesson"]
    first = BY_ID["square-slope"].instance()
    assert first.prompt in all_text(at)
    assert_lesson_holds(at, token)
    at.button(key=NEW_KEY).click().run()
    assert_lesson_holds(at, token)
    seed = int(at.query_params[SEED_PARAM])
    second = BY_ID["square-slope"].instance(seed)
    assert second.prompt in all_text(at) and second.prompt != first.prompt
    assert at.slider(key="x0").value == float(second.link["x0"])
    answer(at, "0.123")
    assert_lesson_holds(at, token)
    at.button(key=SHOW_KEY).click().run()
    assert_lesson_holds(at, token)
    assert second.solution in all_text(at)
    at.button(key=CLOSE_KEY).click().run()
    assert_lesson_holds(at, token)
    assert second.prompt not in all_text(at) and at.query_params["ex"] == ""


def test_fixed_numbers_offer_no_new_numbers_and_the_seed_in_the_address_is_ignored():
    """The teacher locked x0, which the exercise sets: its numbers are fixed."""
    query = teacher.lesson_query("derivatives", {}, task=TASK, lock=["x0", "h"],
                                 exercise="square-slope")
    at = open_page("derivatives", **query, exseed="7")
    assert not [b for b in at.button if b.key == NEW_KEY]
    assert BY_ID["square-slope"].instance().prompt in all_text(at)
    answer(at, "3")
    assert any("Right" in s.value for s in at.success)


def test_a_lesson_can_hold_the_answers_back_until_reveal():
    """No exercise, answers held: the numbers and chart sentences wait for Reveal."""
    query = teacher.lesson_query("derivatives", {"x0": "2"}, task=TASK, hold=True)
    at = open_page("derivatives", **query)
    names = [m.label for m in at.metric]
    assert "Tangent slope f′(x₀)" not in names
    assert "Press Reveal the answers above" in all_text(at)
    at.button(key=REVEAL_KEY).click().run()
    assert metric(at, "Tangent slope f′(x₀)") == "4"
    assert TASK in all_text(at)


# -- the answer always matches the page ------------------------------------------------------


def test_subgradient_switching_to_hinge_closes_the_exercise_before_an_answer():
    """/subgradient?ex=subgradient-abs&g=0.3, switch to hinge, answer "yes": never "Right"."""
    at = open_page("subgradient", ex="subgradient-abs", g="0.3")
    at.selectbox(key="fn").set_value("hinge").run()
    # At once, in the run of the switch: the note, and the page's answers no longer hidden.
    assert CLOSED in all_text(at) and "Answer the exercise above" not in all_text(at)
    assert metric(at, "∂f(x₀)") == "{-1}"
    at = browser_writes(at, fn="hinge")
    assert CLOSED in all_text(at)
    assert not [t for t in at.text_input if t.key == ANSWER_KEY]
    assert not at.success or not any("Right" in s.value for s in at.success)
    assert "ex" not in at.query_params
    assert metric(at, "∂f(x₀)") == "{-1}"  # the page's own answer, now shown


def test_derivatives_moving_x0_after_a_right_answer_removes_the_verdict():
    """/derivatives?ex=square-slope&x0=1.5, answer 3 (right), move x₀: "Right … 3" goes, the
    page shows its own slope."""
    at = open_page("derivatives", ex="square-slope", x0="1.5")
    answer(at, "3")
    assert any("Right" in s.value for s in at.success)
    at.slider(key="x0").set_value(3.0).run()
    assert metric(at, "Tangent slope f′(x₀)") == "6" and CLOSED in all_text(at)
    at = browser_writes(at, x0="3.0")
    assert not any("Right" in s.value for s in at.success)
    assert CLOSED in all_text(at) and "x₀ is 3" in all_text(at)
    assert metric(at, "Tangent slope f′(x₀)") == "6"


def test_a_setting_the_exercise_does_not_depend_on_keeps_it_open():
    at = open_page("derivatives", ex="square-slope")
    at.select_slider(key="h").set_value("0.01").run()
    at = browser_writes(at, h="0.01")
    assert CLOSED not in all_text(at)
    answer(at, "3")
    assert any("Right" in s.value for s in at.success)


@pytest.mark.parametrize(("exercise", "widget", "key", "value"), [
    ("gradient-3d", "number_input", "p_x", 2.5),
    ("subgradient-relu", "slider", "g", 1.5),
    ("chain-article", "slider", "x", 0.5),
    ("learning-rate", "select_slider", "lr", "0.001"),
    ("bias-gradient-sign", "selectbox", "loss", "mae"),
])
def test_changing_what_an_exercise_depends_on_closes_it_on_every_page(exercise, widget, key,
                                                                     value):
    """One exercise per page: a change of its set-up (its link, or a default it assumes such
    as the loss) closes it with a note, and the right answer can no longer be checked."""
    task = BY_ID[exercise].instance()
    at = open_page(task.page, **task.query())
    assert task.prompt in all_text(at)
    getattr(at, widget)(key=key).set_value(value).run()
    at = browser_writes(at, **{key: str(value)})
    assert not at.exception
    assert CLOSED in all_text(at)
    assert not [t for t in at.text_input if t.key == ANSWER_KEY]
    assert "ex" not in at.query_params


def test_exercises_that_need_another_value_of_a_locked_setting_cannot_be_opened():
    """The lesson locks x₀ = 0.5: square-slope (x₀ = 1.5) is greyed out with the reason;
    opening it anyway through the address closes it with the note."""
    query = teacher.lesson_query("derivatives", {"x0": "0.5"}, task=TASK, lock=["x0"])
    at = open_page("derivatives", **query)
    (square,) = [b for b in at.button if b.key == "ex_open_square-slope"]
    assert square.disabled and "fixes Point x₀ at 0.5" in square.help
    at = open_page("derivatives", **query, ex="square-slope")
    assert CLOSED in all_text(at) and TASK in all_text(at)
    assert [s.value for s in at.slider if s.key == "x0"] == [0.5]


def test_the_closed_note_goes_after_the_next_change():
    """The note is there when the exercise closes and after the next change, then it goes."""
    at = open_page("derivatives", ex="square-slope")
    at.slider(key="x0").set_value(2.0).run()
    assert CLOSED in all_text(at)
    at = browser_writes(at, x0="2.0")
    assert CLOSED in all_text(at)
    at.select_slider(key="h").set_value("0.1").run()
    assert CLOSED not in all_text(at)
