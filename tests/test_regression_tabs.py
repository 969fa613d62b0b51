"""The regression stepper's tabs (AppTest): only the open tab is built, the open tab is part of
the address, a bad link value gets a note, a step keeps the tab, a lesson locks or hides it."""

import pytest

from tests.page_helpers import charts as page_charts
from tests.page_helpers import metric, notes, open_page, open_tab
from ui.regression.view import TABS, TABS_KEY
from ui.shell import teacher

PAGE = "linear-regression"


def chart_keys(at) -> list[str]:
    return sorted(chart.key for chart in page_charts(at)
                  if chart.key and chart.key.startswith("fig_"))


def headings(at) -> list[str]:
    return [h.value for h in at.subheader]


@pytest.mark.parametrize(("view", "charts", "heading"), [
    ("fit", ["fig_line", "fig_loss"], None),
    ("path", ["fig_contour", "fig_residuals"], None),
    ("gradient", [], "The gradient at step 0, by the article's formula"),
    ("check", [], "The check at step 0"),
])
def test_only_the_open_tab_is_built(view, charts, heading):
    """Each tab makes its own charts, formula or check and nothing of the others'."""
    at = open_page(PAGE, **({} if view == "fit" else {TABS_KEY: view}))
    assert [tab.label for tab in at.tabs] == list(TABS.values())
    assert chart_keys(at) == charts
    assert [h for h in headings(at) if h.startswith(("The gradient at", "The check at"))] == (
        [heading] if heading else [])
    # The page's introduction is one formula; the gradient tab writes out four more.
    assert len(at.latex) == (5 if view == "gradient" else 1)
    if view == "check":
        assert any(s.value.startswith("Gradient check at step 0") for s in at.success)
    else:
        assert not any(s.value.startswith("Gradient check at step") for s in at.success)


def test_opening_a_tab_writes_it_into_the_address_and_the_default_leaves_it():
    at = open_page(PAGE)
    assert TABS_KEY not in at.query_params
    open_tab(at, "check")
    assert at.query_params[TABS_KEY] == "check"
    open_tab(at, "fit")
    assert TABS_KEY not in at.query_params


def test_a_step_keeps_the_open_tab_and_its_numbers_follow():
    """Forward on the Check tab: still the Check tab, now at step 1."""
    at = open_page(PAGE, **{TABS_KEY: "check"})
    at.button(key="k_forward").click().run()
    assert metric(at, "step k").startswith("1 of ")
    assert "The check at step 1" in headings(at)
    assert at.query_params[TABS_KEY] == "check" and at.query_params["k"] == "1"
    assert chart_keys(at) == []


@pytest.mark.parametrize("bad", ["bogus", "Check", ""])
def test_an_unknown_tab_in_a_link_gets_a_note_and_the_first_tab(bad):
    at = open_page(PAGE, **{TABS_KEY: bad})
    assert not at.exception and not at.error
    assert f"{TABS_KEY}=" in notes(at) and "expected one of: fit, path, gradient, check" in \
        notes(at)
    assert chart_keys(at) == ["fig_line", "fig_loss"]


def lesson(view: dict[str, str], mode: str) -> dict[str, str]:
    """The query of a signed lesson link whose `mode` ("hide" or "lock") fixes `view`."""
    keys = list(view)
    return teacher.lesson_query(PAGE, view, hide=keys if mode == "hide" else (),
                                lock=keys if mode == "lock" else ())


@pytest.mark.parametrize("mode", ["lock", "hide"])
def test_a_lesson_that_fixes_the_tab_shows_that_view_alone(mode):
    """Locked: one tab, the lesson's; hidden: its content without a tab bar. An edited
    address cannot open another tab."""
    at = open_page(PAGE, **lesson({TABS_KEY: "gradient"}, mode), **{TABS_KEY: "check"})
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ([TABS["gradient"]] if mode == "lock" else [])
    assert "The gradient at step 0, by the article's formula" in headings(at)
    assert "The check at step 0" not in headings(at)
    assert chart_keys(at) == []
