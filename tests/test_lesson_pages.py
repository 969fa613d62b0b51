"""Lesson links on every lesson page (AppTest): every control drawn can be hidden or locked,
the panel's lists are the controls drawn, the link round-trips the teacher's view, and an edited
address changes nothing the lesson fixes.
"""

import pytest
from streamlit.testing.v1 import AppTest

from gradcore.exercises.catalogue import for_page
from tests.page_helpers import metrics, open_page, tab_control
from tests.test_lesson_links import PAGES, query_of

WIDGETS = ("slider", "select_slider", "selectbox", "number_input", "text_input", "checkbox",
           "multiselect", "radio", "toggle")
PANEL_KEYS = {"class_hours", "teacher_task", "teacher_hide", "teacher_lock", "teacher_ex", "teacher_present",
              "teacher_hold", "teacher_new", "answer"}


def teacher_view(page: str) -> dict[str, str]:
    """A view that differs from the page's defaults: the set-up of its first exercise."""
    return dict(for_page(page)[0].link)


# Views that draw the controls that only some views have: a typed formula, the length of w,
# four variables, the optimizers' and the losses' own settings, mini-batches, a bundled table.
VIEWS = [(page, teacher_view(page)) for page in PAGES] + [
    ("derivatives", {"fn": "typed", "f": "x^3 - 2*x", "x0": "0.5"}),
    ("gradients", {"fn": "sqnorm", "n": "4", "p_w2": "-1"}),
    ("gradients", {"fn": "typed", "f": "x*y + z*w", "sx": "z", "a": "45"}),
    ("chain-rule", {"fn": "typed", "f": "sin(u)", "gn": "square", "x": "0.5"}),
    ("linear-regression", {"loss": "huber", "opt": "adam", "race": ["momentum", "gd"],
                           "delta": "2", "mom": "0.8"}),
    ("linear-regression", {"src": "generate", "d": "2", "opt": "sgd", "batch": "8",
                           "bseed": "3", "logy": "true"}),
]
VIEW_IDS = [f"{page}-{index}" for index, (page, _) in enumerate(VIEWS)]


def controls(at: AppTest) -> dict[str, object]:
    """The page's URL-bound widgets drawn in this run, by key (the panel's own left out), and
    the regression stepper's tab bar (ui.shell.tabs) when drawn."""
    drawn = {w.key: w for kind in WIDGETS for w in at.get(kind)
             if getattr(w, "key", None) and w.key not in PANEL_KEYS}
    tabs = tab_control(at)
    return drawn | ({tabs.key: tabs} if tabs else {})


def panel_keys(at: AppTest) -> list[str]:
    return [option.rsplit("(", 1)[1].rstrip(")")
            for option in at.multiselect(key="teacher_hide").options]


def built_link(at: AppTest) -> dict:
    (code,) = [c.value for c in at.code if "lesson=" in c.value]
    return query_of(code)


def shown_value(widget) -> object:
    return widget.value


@pytest.mark.parametrize(("page", "view"), VIEWS, ids=VIEW_IDS)
def test_the_panel_lists_exactly_the_controls_drawn(page, view):
    """Hide and lock lists come from the page's own Link controls: every one drawn is listed,
    nothing else is (the stepper's k and log axis on Linear regression included)."""
    at = open_page(page, **view)
    assert set(panel_keys(at)) == set(controls(at)), page
    if page == "linear-regression":
        assert {"loss", "opt", "race", "k", "logy", "lr", "steps", "tab"} <= set(panel_keys(at))
    assert {key for key in view if key not in ("fn",)} <= set(panel_keys(at)) | {"fn"}


@pytest.mark.parametrize("mode", ["hide", "lock"])
@pytest.mark.parametrize(("page", "view"), VIEWS, ids=VIEW_IDS)
def test_every_control_hidden_or_locked_round_trips_the_view(page, view, mode):
    """The teacher hides (or locks) every control of the page in the panel; the student's page
    shows the same numbers, with no control drawn (or every control disabled at the teacher's
    value)."""
    at = open_page(page, **view)
    keys = panel_keys(at)
    drawn = {key: shown_value(widget) for key, widget in controls(at).items()}
    at.multiselect(key=f"teacher_{mode}").set_value(keys).run()
    assert not at.exception
    query = built_link(at)
    assert set(query) == {"lesson"}  # every value travels in the signed part
    student = open_page(page, **query)
    assert metrics(student) == metrics(at), page
    seen = controls(student)
    if mode == "hide":
        assert not set(seen) & set(keys), (page, set(seen) & set(keys))
    else:
        for key in keys:
            assert seen[key].disabled, (page, key)
            assert shown_value(seen[key]) == drawn[key], (page, key)
        steps = [b for b in student.button if b.key in ("k_start", "k_back", "k_forward",
                                                          "k_end")]
        assert all(b.disabled for b in steps)  # a fixed step cannot be moved by its buttons
        assert len(steps) == (4 if page == "linear-regression" else 0)


def other_value(widget) -> str | None:
    """A value for `widget` in the address other than the one it shows (None if it has none)."""
    kind = type(widget).__name__.lower()
    if kind in ("slider", "numberinput"):
        low = getattr(widget, "min", None)
        value = widget.value
        if isinstance(value, (int, float)):
            return str(low if low is not None and low != value else value + 1)
    options = list(getattr(widget, "options", []) or [])
    for option in options:
        if option != widget.value and [option] != widget.value:
            return option
    if kind in ("checkbox", "toggle"):
        return "false" if widget.value else "true"
    if kind == "textinput":
        return "x"
    return None


@pytest.mark.parametrize(("page", "view"), VIEWS, ids=VIEW_IDS)
def test_editing_a_locked_or_hidden_value_in_the_address_changes_nothing(page, view):
    """Every control locked, then every locked value replaced in the address by another one
    (and lock/hide/task appended): the page shows the teacher's numbers."""
    at = open_page(page, **view)
    keys = panel_keys(at)
    widgets = controls(at)
    at.multiselect(key="teacher_lock").set_value(keys).run()
    query = built_link(at)
    edits = {key: value for key in keys if (value := other_value(widgets[key])) is not None}
    assert edits, page
    student = open_page(page, **query, **edits, lock="", hide=keys[0], task="edited")
    assert metrics(student) == metrics(at), page
    assert all(w.disabled for key, w in controls(student).items() if key in keys)
