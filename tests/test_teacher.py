"""Teacher lesson links (ui/shell/teacher.py, ui/state.Link): task text, hidden and locked controls,
presentation mode, and the panel that builds the link. Old unsigned links (readable task, hide,
lock and present parameters) are read as before, with a note that their locks are advisory;
the signed form is tested in tests/test_lesson_links.py.

AppTest never writes widget values into the address, so each sequence below writes what a
browser would (the changed value of an unlocked control) into ``at.query_params`` itself, and
checks the address the app writes back.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import metric, open_page, shown
from ui.shell import teacher
from ui.shell.lessons import LESSONS


def slider_keys(at: AppTest) -> set[str]:
    return {s.key for s in at.slider}


# -- reading a lesson link -------------------------------------------------------------------


def test_settings_are_read_and_checked():
    settings = teacher.read_settings({
        "task": ["  Find   the slope  "], "hide": ["x0,h", "bad key!"], "lock": ["h", "fn"],
        "present": ["TRUE"]})
    assert settings.task == "Find the slope"
    assert settings.hidden == {"x0", "h"}
    assert settings.locked == {"fn"}  # hidden wins over locked
    assert settings.present and settings.notes == (teacher.UNSIGNED_NOTE,)


def test_a_long_task_is_cut_with_a_note_and_too_many_controls_are_refused():
    settings = teacher.read_settings({"task": ["a" * 2000],
                                      "hide": [",".join(f"k{i}" for i in range(40))]})
    assert len(settings.task) == teacher.MAX_TASK_CHARS and settings.task.endswith("…")
    assert settings.hidden == frozenset() and len(settings.notes) == 2


def test_lesson_query_keeps_the_view_and_signs_the_lesson():
    """The readable part is the view without the fixed controls; the rest is in `lesson`."""
    query = teacher.lesson_query("derivatives", {"x0": "2", "fn": "cube", "task": "old",
                                                 "ex": "old-ex"},
                                 task="Slope at 2?", hide=["h"], lock=["x0", "h"],
                                 exercise="square-slope", present=True)
    assert set(query) == {"fn", "lesson"} and query["fn"] == "square"  # the exercise's fn
    settings = teacher.read_settings({key: [value] for key, value in query.items()},
                                     "derivatives")
    assert settings.signed and settings.task == "Slope at 2?" and settings.present
    assert settings.hidden == {"h"} and settings.locked == {"x0"}
    assert dict(settings.values) == {"h": (), "x0": ("1.5",)}  # h at its default
    assert settings.exercise == "square-slope" and settings.seed == 0  # x0 locked: fixed


# -- on a page -------------------------------------------------------------------------------


def test_task_text_is_shown_as_plain_text():
    at = open_page("derivatives", task="Find f'(2). <b>bold</b> [link](https://evil.example)")
    (box,) = [i for i in at.info if "Task from your teacher" in i.value]
    assert "Find f'(2). <b>bold</b> [link](https://evil.example)" in shown(box.value)
    assert "<b>" not in box.value.replace("\\<b\\>", "")  # escaped, not HTML


def test_hidden_control_is_not_drawn_and_its_link_value_is_used():
    at = open_page("derivatives", x0="2", hide="x0")
    assert "x0" not in slider_keys(at)
    assert metric(at, "Tangent slope f′(x₀)") == "4"  # f = x², f′(2) = 4
    assert float(at.query_params["x0"]) == 2.0 and at.query_params["hide"] == "x0"


def test_locked_control_cannot_be_changed_and_the_lesson_survives_other_changes():
    at = open_page("derivatives", x0="2", lock="x0")
    (x0,) = [s for s in at.slider if s.key == "x0"]
    assert x0.disabled and x0.value == 2.0
    assert "teacher's lesson link" in x0.help
    # A disabled widget takes no input in the browser (AppTest refuses to set one too); a
    # value sent for it anyway (a modified client) is overridden by the link's.
    at.session_state["x0"] = 3.0
    at.run()
    assert metric(at, "Tangent slope f′(x₀)") == "4"
    assert float(at.query_params["x0"]) == 2.0
    # An unlocked control still works, and the lesson parameters stay in the address.
    h = [s for s in at.select_slider if s.key == "h"][0]
    h.set_value("0.1").run()
    at.query_params["h"] = "0.1"  # the browser's address after that move
    at.run()
    assert not at.exception
    assert metric(at, "Tangent slope f′(x₀)") == "4"
    assert at.query_params["lock"] == "x0" and float(at.query_params["x0"]) == 2.0


@pytest.mark.parametrize("bad", ["1e9", "nan", "two"])
def test_a_locked_control_cannot_be_smuggled_out_of_range(bad):
    at = open_page("derivatives", x0=bad, lock="x0")
    (x0,) = [s for s in at.slider if s.key == "x0"]
    assert x0.disabled and x0.value == 1.0  # the default
    assert any("x0=" in shown(i.value) and "not usable" in i.value for i in at.info)
    assert metric(at, "Tangent slope f′(x₀)") == "2"


def test_presentation_mode_hides_the_sidebar_and_the_teacher_panel():
    at = open_page("derivatives", present="true")
    styles = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "stSidebar" in styles and "font-size: 20px" in styles
    assert not [e for e in at.expander if "For teachers" in e.label]
    plain = open_page("derivatives")
    assert [e for e in plain.expander if "For teachers" in e.label]


def test_the_panel_builds_a_lesson_link_from_the_current_view():
    at = open_page("derivatives", x0="2")
    at.text_area(key="teacher_task").input("Predict f'(2), then check.").run()
    at.multiselect(key="teacher_lock").select("x0").run()
    at.checkbox(key="teacher_present").check().run()
    built = [c.value for c in at.code if "lesson=" in c.value]
    assert len(built) == 1, [c.value for c in at.code]
    query = parse_qs(urlsplit(built[0]).query)
    assert set(query) == {"lesson"}  # x0 is locked: its value travels in the signed part
    settings = teacher.read_settings(query, "derivatives")
    assert settings.locked == {"x0"} and settings.values["x0"] == ("2.0",) and settings.present
    assert settings.task == "Predict f'(2), then check."
    # The panel did not change the student's own address.
    assert "lesson" not in at.query_params and "lock" not in at.query_params
    # "Preview as a student" opens that very link (st.link_button: a new tab).
    (preview,) = [b for b in at.get("link_button") if "Preview as a student" in b.proto.label]
    assert preview.proto.url == built[0]

    # Opening the built link shows exactly that lesson.
    lesson = open_page("derivatives", **{k: v[0] for k, v in query.items()})
    assert any("Predict f'(2), then check." in shown(i.value) for i in lesson.info)
    (x0,) = [s for s in lesson.slider if s.key == "x0"]
    assert x0.disabled and x0.value == 2.0
    assert not [e for e in lesson.expander if "For teachers" in e.label]


def test_hide_and_lock_work_on_every_lesson_page():
    """Each page's first control hidden and its second locked: no exception, the hidden one is
    gone, the locked one is disabled."""
    for page in (lesson.url_path for lesson in LESSONS):
        at = open_page(page)
        panel = [e for e in at.expander if "For teachers" in e.label]
        assert panel, page
        controls = at.multiselect(key="teacher_hide").options
        assert len(controls) >= 2, (page, controls)
        keys = [option.rsplit("(", 1)[1].rstrip(")") for option in controls]
        lesson = open_page(page, hide=keys[0], lock=keys[1])
        drawn = {w.key: w for kind in ("slider", "select_slider", "selectbox", "number_input",
                                       "text_input", "checkbox", "multiselect", "radio",
                                       "toggle")
                 for w in lesson.get(kind) if getattr(w, "key", None)}
        assert keys[0] not in drawn, (page, keys[0])
        assert drawn[keys[1]].disabled, (page, keys[1])


def test_choosing_an_exercise_says_which_settings_it_changes_before_the_link_is_built():
    """The teacher typed x³ − 2x at x₀ = 0.5; square-slope sets f = x² and x₀ = 1.5: the panel
    says so, and the built link opens the exercise's set-up."""
    at = open_page("derivatives", fn="typed", f="x^3 - 2*x", x0="0.5")
    at.selectbox(key="teacher_ex").set_value("square-slope").run()
    (note,) = [shown(w.value) for w in at.warning if "This exercise sets" in w.value]
    assert "Function → x²" in note and "Point x₀ → 1.5" in note
    at.selectbox(key="teacher_ex").set_value("(none)").run()
    assert not [w for w in at.warning if "This exercise sets" in w.value]
    at.checkbox(key="teacher_hold").check().run()
    (code,) = [c.value for c in at.code if "lesson=" in c.value]
    settings = teacher.read_settings(parse_qs(urlsplit(code).query), "derivatives")
    assert settings.hold and settings.exercise is None
