"""Class mode in the app: students in a class share their answers; the teacher's live view.

Each test has its own SQLite store (``GRADLAB_DATA_DIR`` in a temporary folder, the store
reopened), so classes never leak between tests.
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import APP, all_text, metrics, open_page, shown
from ui.shell import class_mode

HOSTILE = ["'); DROP TABLE answers; --", "**bold** [link](http://evil.example)",
           "<img src=x onerror=alert(1)>", "$x^2$ \\(y\\)", "x" * 200]


@pytest.fixture(autouse=True)
def class_store(tmp_path, monkeypatch):
    """A fresh SQLite class store for this test only."""
    monkeypatch.delenv("GRADLAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("GRADLAB_DATA_DIR", str(tmp_path / "data"))
    class_mode.reset_store()
    yield class_mode.store()
    class_mode.reset_store()


def live_view(code: str, key: str) -> AppTest:
    return open_page("pages/class.py", **{"class": code, "teacher": key})


def answer(at: AppTest, text: str) -> AppTest:
    at.text_input(key="answer").set_value(text)
    at.button(key="ex_check").click().run()
    assert not at.exception, at.exception
    return at


def test_six_students_answer_and_the_teacher_sees_the_counts(class_store):
    """Six sessions open the class link and answer; the live view counts them, groups the
    answers and names the mistakes."""
    room = class_store.create_class({"ex": "square-slope", "x0": "1.5"})
    given = ["3", "3", "2.25", "-3", "3 ", "1.5"]
    for text in given:
        at = open_page("derivatives", ex="square-slope", x0="1.5", **{"class": room.code})
        assert room.code in all_text(at)
        answer(at, text)
    summary = class_store.summary(room.code, room.teacher_key)
    assert summary.students == 6
    slope = summary.exercises["square-slope"]
    assert (slope.answered, slope.correct, slope.first_try) == (6, 3, 3)
    assert slope.answers["3"] == 3
    assert sum(slope.mistakes.values()) == 3
    view = live_view(room.code, room.teacher_key)
    shown_metrics = metrics(view)
    assert shown_metrics["Students joined"] == "6"
    assert shown_metrics["Answered"] == "6"
    assert shown_metrics["Right"] == "3"
    assert shown_metrics["Right at the first try"] == "3"


def test_a_wrong_key_sees_nothing(class_store):
    """A live view with another key shows no count and no answer, only the refusal."""
    room = class_store.create_class({})
    class_store.record(room.code, "s1", "square-slope", "3", True)
    view = live_view(room.code, "not-the-key")
    assert not view.metric
    assert any("teacher key" in error.value for error in view.error)
    assert "square-slope" not in all_text(view)


def test_hostile_answers_are_stored_and_shown_inert(class_store):
    """SQL, Markdown, HTML and LaTeX answers are stored as typed and shown as plain text."""
    room = class_store.create_class({})
    for number, text in enumerate(HOSTILE):
        class_store.record(room.code, f"s{number}", "square-slope", text, False)
    rows = class_store.answers_table(room.code, room.teacher_key)
    assert [row["answer"] for row in rows] == HOSTILE
    view = live_view(room.code, room.teacher_key)
    assert metrics(view)["Answered"] == str(len(HOSTILE))
    for caption in view.caption:
        assert "<img" not in caption.value and "](http" not in caption.value
    assert not view.exception


def test_a_wrong_code_is_named_and_the_lesson_works(class_store):
    """A made-up class code gives one line and the page works as without a class."""
    at = open_page("derivatives", **{"class": "ZZZZ-ZZZZ"})
    assert "no open class" in shown(all_text(at))
    assert at.metric  # the lesson itself is there


def test_reveal_reaches_students_who_answered(class_store):
    """After the teacher reveals an exercise, a student who answered sees its answer."""
    room = class_store.create_class({"ex": "square-slope"})
    at = open_page("derivatives", ex="square-slope", **{"class": room.code})
    answer(at, "2.25")
    assert "The answer" not in all_text(at)
    class_store.reveal(room.code, room.teacher_key, "square-slope")
    at.run()
    assert "Your teacher revealed the answer" in shown(all_text(at))


def test_the_database_down_leaves_the_lesson_working(class_store, monkeypatch):
    """With the database unreachable the student is told answers are not shared; the
    exercise is still checked; the teacher's view says the database cannot be reached."""
    room = class_store.create_class({"ex": "square-slope"})
    at = open_page("derivatives", ex="square-slope", **{"class": room.code})

    def down(*args, **kwargs):
        raise class_mode.StoreUnavailable("down")

    monkeypatch.setattr(type(class_store), "record", down)
    monkeypatch.setattr(type(class_store), "summary", down)
    answer(at, "3")
    text = shown(all_text(at))
    assert "not being shared" in text
    assert at.success  # the check itself still works
    view = AppTest.from_file(str(APP))
    view.run()
    view.switch_page("pages/class.py")
    view.query_params.update({"class": room.code, "teacher": room.teacher_key})
    view.run()
    assert any("cannot be reached" in error.value for error in view.error)


def test_teacher_starts_a_class_from_the_panel(class_store):
    """Start a class with this lesson: a code, the student link (the lesson link plus the
    code, no teacher key in it), a QR code, and the live-view link with the key."""
    at = open_page("derivatives", x0="1.5")
    at.selectbox(key="teacher_ex").set_value("square-slope").run()
    at.button(key="class_start").click().run()
    assert not at.exception
    started = [s.value for s in at.success if s.value.startswith("Class **")]
    assert started
    code = started[0].split("**")[1]
    codes = [c.value for c in at.code]
    student = next(c for c in codes if f"class={code}" in c and "teacher=" not in c)
    teacher_view = next(c for c in codes if "teacher=" in c)
    assert "/class?" in teacher_view and f"class={code}" in teacher_view
    key = teacher_view.split("teacher=")[1].split("&")[0]
    assert key not in student and len(key) >= 32
    assert at.get("image")  # the QR code
    summary = class_store.summary(code, key)
    assert summary.lesson.get("exercise") == "square-slope"


def test_wrong_codes_are_slowed_down_per_session(class_store):
    """Five wrong class codes in a minute are each named; the sixth is not even looked up."""
    at = open_page("derivatives")
    said = []
    for number in range(6):
        at.query_params["class"] = f"ZZZZ-ZZZ{number}"
        at.run()
        said.append(shown(all_text(at)))
    assert all("no open class" in text for text in said[:5])
    assert "Too many wrong class codes" in said[5] and "no open class" not in said[5]
    assert at.metric  # the lesson works all along
