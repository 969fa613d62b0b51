"""The exercise panel on the lesson pages (AppTest): open, predict, check, reveal, move on."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gradcore.exercises.catalogue import BY_ID, EXERCISES, SEED_PARAM, Task, for_page
from tests.page_helpers import open_panels, shown
from ui.shell import exercise_panel
from ui.shell.exercise_panel import (
    ANSWER_KEY,
    CHECK_KEY,
    CLOSE_KEY,
    NEW_KEY,
    OPEN_PREFIX,
    SHOW_KEY,
    next_seed,
)
from ui.shell.lessons import HOME, LESSONS

APP = Path(__file__).parent.parent / "home.py"
SCRIPTS = {lesson.url_path: lesson.script for lesson in LESSONS}
HIDDEN = "Answer the exercise above to see"
WRONG_CANDIDATES = ("0", "1", "-1", "no", "yes", "(0, 0, 0)", "[0, 0]", "up", "down",
                    "positive", "negative", "2")


def start(page: str, query: dict[str, str] | None = None) -> AppTest:
    """A fresh session on `page` with this address (as a shared link opens it)."""
    at = open_panels(AppTest.from_file(str(APP), default_timeout=60))
    at.run()
    at.switch_page(SCRIPTS[page])
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The elements of this kind as a reader sees them (escapes removed)."""
    return [shown(element.value) for element in at.get(kind)]


def is_hidden(at: AppTest) -> bool:
    """The page shows the "answer the exercise above" note instead of its answer."""
    return any(HIDDEN in text for text in texts(at, "caption"))


def answer(at: AppTest, text: str) -> AppTest:
    """Type `text` into the answer box and press Check."""
    at.text_input(key=ANSWER_KEY).input(text)
    at.button(key=CHECK_KEY).click()
    return at.run()


def wrong_answer(task) -> str:
    """A wrong answer the checker gives its own (non-success) feedback for."""
    return next(text for text in WRONG_CANDIDATES if not task.check(text).correct)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_every_exercise_hides_then_checks_then_reveals(exercise):
    """Its link shows the prompt with the page's answer hidden; a wrong answer gets its own
    message and keeps it hidden; the solution gets st.success and reveals the page."""
    task = exercise.instance()
    at = start(task.page, task.query())
    assert not at.exception, at.exception
    assert task.prompt in texts(at, "markdown")
    assert is_hidden(at) and not at.success
    wrong = wrong_answer(task)
    answer(at, wrong)
    assert task.check(wrong).message in texts(at, "warning")
    assert is_hidden(at) and not at.success
    answer(at, task.solution)
    assert not at.exception, at.exception
    assert task.check(task.solution).message in texts(at, "success")
    assert not is_hidden(at)
    progress = [e.label for e in at.expander if e.label.startswith("Exercises:")]
    assert progress == [f"Exercises: 1 of {len(for_page(task.page))} answered"]


def test_unknown_exercise_says_so_and_the_page_works():
    """?ex=<unknown> gives a short note; the page runs as usual, nothing hidden."""
    at = start("gradients", {"ex": "no-such-exercise"})
    assert not at.exception
    assert any("no exercise called" in text for text in texts(at, "info"))
    assert not is_hidden(at) and at.title and "ex" not in at.query_params
    assert any(m.label == "∂f/∂x" for m in at.metric)


def test_another_pages_exercise_is_not_opened_here():
    """An exercise id of another lesson is named as such and not opened on this page."""
    at = start("derivatives", {"ex": "chain-article"})
    assert not at.exception
    assert any("belongs to another lesson" in text for text in texts(at, "info"))
    assert not is_hidden(at)


@pytest.mark.parametrize("seed", ["abc", "-1", "1e3", "99999999", ""])
def test_bad_seed_falls_back_to_the_default_numbers(seed):
    """An unusable exseed is named in a note and the exercise opens with seed 0's numbers."""
    task = BY_ID["square-slope"].instance()
    at = start("derivatives", {**task.query(), SEED_PARAM: seed})
    assert not at.exception
    assert any("exseed=" in text for text in texts(at, "info"))
    assert task.prompt in texts(at, "markdown")
    assert SEED_PARAM not in at.query_params


def test_the_seed_in_the_link_changes_the_numbers():
    """exseed=0 and exseed=7 open the same exercise with other numbers (prompt and widgets)."""
    exercise = BY_ID["square-slope"]
    first, other = exercise.instance(0), exercise.instance(7)
    assert first.prompt != other.prompt
    at = start("derivatives", {"ex": exercise.id, SEED_PARAM: "7", **other.link})
    assert other.prompt in texts(at, "markdown") and first.prompt not in texts(at, "markdown")
    assert at.slider(key="x0").value == float(other.link["x0"])
    answer(at, other.solution)
    assert other.check(other.solution).message in texts(at, "success")


def test_new_numbers_then_answer_the_new_question():
    """New numbers writes a new seed and its link into the address; the page follows it; the
    old solution is then wrong and the new one right."""
    exercise = BY_ID["gradient-3d"]
    task = exercise.instance()
    at = start("gradients", task.query())
    at.text_input(key=ANSWER_KEY).input("half typed")
    at.button(key=NEW_KEY).click().run()
    seed = next_seed(exercise, 0)
    new = exercise.instance(seed)
    assert at.query_params[SEED_PARAM] == str(seed)
    assert new.prompt in texts(at, "markdown") and new.prompt != task.prompt
    assert at.text_input(key=ANSWER_KEY).value == ""
    assert [at.number_input(key=f"p_{v}").value for v in "xyz"] == \
        [float(new.link[f"p_{v}"]) for v in "xyz"]
    assert is_hidden(at)
    answer(at, task.solution)
    assert not at.success and is_hidden(at)
    answer(at, new.solution)
    assert new.check(new.solution).message in texts(at, "success") and not is_hidden(at)


def test_next_seed_changes_the_prompt_of_every_seeded_exercise():
    """New numbers never gives the same question back."""
    for exercise in EXERCISES:
        if exercise.seeded:
            assert exercise.instance(next_seed(exercise, 0)).prompt != exercise.prompt


def test_unseeded_exercise_has_no_new_numbers_button():
    """An exercise whose numbers do not depend on the seed offers no New numbers."""
    task = BY_ID["sigmoid-slope"].instance()
    at = start("derivatives", task.query())
    assert NEW_KEY not in [button.key for button in at.button]


def test_show_the_answer_reveals_and_does_not_count_as_solved():
    """Giving up shows the solution and the page's numbers; the progress stays at 0."""
    task = BY_ID["subgradient-abs"].instance()
    at = start("subgradient", task.query())
    assert is_hidden(at) and "∂f(x₀)" not in [m.label for m in at.metric]
    at.button(key=SHOW_KEY).click().run()
    assert any(task.solution in text for text in texts(at, "info"))
    assert not is_hidden(at) and [m.value for m in at.metric if m.label == "∂f(x₀)"] == ["[-1, 1]"]
    assert any(e.label.startswith("Exercises: 0 of") for e in at.expander)


def test_open_from_the_list_resets_the_page_to_the_exercises_link():
    """A student who moved the slider opens an exercise from the list: the page follows its
    link, the reveal is hidden, and closing it shows the page again (with the link's view)."""
    at = start("derivatives")
    assert not is_hidden(at)
    at.slider(key="x0").set_value(-2.0).run()
    at.select_slider(key="h").set_value("0.01").run()
    task = BY_ID["secant-slope"].instance()
    at.button(key=OPEN_PREFIX + task.exercise_id).click().run()
    assert not at.exception
    assert at.query_params["ex"] == task.exercise_id
    assert all(at.query_params.get(key, value) == value for key, value in task.query().items())
    assert at.slider(key="x0").value == float(task.link["x0"])
    assert at.select_slider(key="h").value == task.link["h"]
    assert is_hidden(at)
    answer(at, "3")
    assert "tangent slope" in " ".join(texts(at, "warning"))
    at.button(key=CLOSE_KEY).click().run()
    assert "ex" not in at.query_params and not is_hidden(at)
    assert at.slider(key="x0").value == float(task.link["x0"])


def test_wrong_then_right_then_reopen_keeps_the_progress():
    """Progress is per session: solved stays solved when the exercise is opened again."""
    task = BY_ID["chain-article"].instance()
    at = start("chain-rule", task.query())
    answer(at, "4")
    assert any("f′ evaluated at x" in text for text in texts(at, "warning"))
    answer(at, task.solution)
    at.button(key=CLOSE_KEY).click().run()
    at.button(key=OPEN_PREFIX + "chain-inner-slope").click().run()
    assert is_hidden(at)
    labels = [e.label for e in at.expander if e.label.startswith("Exercises:")]
    assert labels == [f"Exercises: 1 of {len(for_page('chain-rule'))} answered"]
    at.button(key=OPEN_PREFIX + "chain-article").click().run()
    assert not is_hidden(at)


def test_regression_page_hides_the_verdict_and_the_steps_until_answered():
    """learning-rate: no stability note and no stepper before the answer, both after."""
    task = BY_ID["learning-rate"].instance()
    at = start("linear-regression", task.query())
    markdown = " ".join(texts(at, "markdown"))
    assert "1/λmax =" not in markdown and "k_forward" not in [b.key for b in at.button]
    assert is_hidden(at)
    answer(at, task.solution)
    assert not at.exception and not is_hidden(at)
    assert "1/λmax =" in " ".join(texts(at, "markdown"))
    assert "k_forward" in [b.key for b in at.button]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_every_lesson_page_ends_with_previous_and_next(lesson):
    """Previous and Next follow the course order; Home before the first and after the last."""
    at = start(lesson.url_path)
    links = {link.proto.label: link.proto.page for link in at.main.get("page_link")}
    index = LESSONS.index(lesson)
    before = LESSONS[index - 1] if index else None
    after = LESSONS[index + 1] if index + 1 < len(LESSONS) else None
    previous = [page for label, page in links.items() if label.startswith("Previous:")]
    following = [page for label, page in links.items() if label.startswith("Next:")]
    assert previous == [before.url_path if before else HOME.url_path]
    assert following == [after.url_path if after else HOME.url_path]
    assert any(e.label.startswith("Exercises: 0 of") for e in at.expander)


def test_home_is_the_course_outline_with_exercise_counts():
    """Home lists the lessons in the article's order, each with its number of exercises."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    links = [link.proto.page for link in at.main.get("page_link")][:len(LESSONS)]
    assert links == [lesson.url_path for lesson in LESSONS]
    captions = " ".join(texts(at, "caption"))
    for lesson in LESSONS:
        assert f"{len(for_page(lesson.url_path))} exercises" in captions


def test_a_failing_checker_leaves_the_page_working(monkeypatch):
    """A bug behind Check (planted here) gives a short warning, closes the exercise and shows
    the page; no exception reaches the student."""
    def broken(self, text):
        raise RuntimeError("planted")

    monkeypatch.setattr(Task, "check", broken)
    task = BY_ID["square-slope"].instance()
    at = start("derivatives", task.query())
    answer(at, task.solution)
    assert not at.exception
    assert any("could not be shown" in text for text in texts(at, "warning"))
    assert "ex" not in at.query_params and not is_hidden(at)


def test_a_failing_button_leaves_the_address_as_it_was(monkeypatch):
    """A bug behind New numbers (planted here) is logged; the exercise stays as it was."""
    def broken(exercise, seed):
        raise RuntimeError("planted")

    monkeypatch.setattr(exercise_panel, "next_seed", broken)
    task = BY_ID["square-slope"].instance()
    at = start("derivatives", task.query())
    at.button(key=NEW_KEY).click().run()
    assert not at.exception
    assert at.query_params["ex"] == task.exercise_id and SEED_PARAM not in at.query_params
    assert task.prompt in texts(at, "markdown")


def test_chart_sentences_and_tables_wait_for_the_answer_too():
    """The sentence under a chart says the tangent's slope: hidden like the metrics, then shown."""
    exercise = BY_ID["square-slope"]
    task = exercise.instance()
    at = start("derivatives", task.query())
    captions = texts(at, "caption")
    assert any("hidden until you answer the exercise" in c for c in captions)
    assert not any("has slope" in c for c in captions)
    assert not [e for e in at.expander if e.label == "Numbers behind this chart"]
    at = answer(at, task.solution)
    captions = texts(at, "caption")
    assert any("has slope 3" in shown(c) for c in captions), captions
    assert [e for e in at.expander if e.label == "Numbers behind this chart"]


def test_a_page_that_stops_early_still_ends_with_its_exercises_and_the_course_links():
    """The regression page waiting for an upload stops before its charts (st.stop()); it still
    ends with its Exercises list and Previous / Next, so a student is not left at a dead end."""
    at = start("linear-regression", {"src": "upload"})
    assert not at.exception
    assert "Upload a CSV file" in " ".join(texts(at, "markdown") + texts(at, "info")
                                           + [w.label for w in at.get("file_uploader")])
    labels = [link.proto.label for link in at.main.get("page_link")]
    assert any(label.startswith("Previous: Chain rule") for label in labels)
    assert any(label.startswith("Next:") for label in labels)
    count = len(for_page("linear-regression"))
    assert any(e.label.startswith(f"Exercises: 0 of {count}") for e in at.expander)


def test_pages_stop_through_stop_page():
    """No page calls st.stop() itself: ui.shell.lessons.stop_page draws the page's end first (after
    st.stop() nothing more can be drawn)."""
    for page in sorted((APP.parent / "pages").glob("*.py")):
        assert "st.stop()" not in page.read_text(encoding="utf-8"), page.name
