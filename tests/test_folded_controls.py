"""The regression page's box of loss, optimizer, penalty, race and schedule controls (AppTest):
closed (the default) its controls are not drawn but keep their values, in the run, in the
address and in the line above the box; opened they are the ordinary controls; a lesson's lock
and a link's bad value work as they do for a drawn control (``Link.folded``)."""

import pytest

from tests.page_helpers import metric, notes, open_page
from ui.regression.engine import ENGINE_BOX, ENGINE_KEY

PAGE = "linear-regression"
LINK = {"loss": "huber", "opt": "adam", "delta": "2", "sched": "1/k", "k": "7"}


def summary(at) -> str:
    (line,) = [c.value for c in at.caption if c.value.startswith("Loss: **")]
    return line


def folded_open(at, is_open: bool):
    at.session_state[ENGINE_KEY] = is_open
    at.run()
    assert not at.exception, at.exception
    return at


def test_closed_box_draws_none_of_its_controls_and_the_link_still_sets_the_run():
    """Huber + Adam from the link with the box closed: the same numbers as with it open, the
    address keeps the link's values, the line above the box names them."""
    closed = open_page(PAGE, panels=False, **LINK)
    assert [e.label for e in closed.expander if e.label == ENGINE_BOX] == [ENGINE_BOX]
    assert not [w for w in closed.selectbox if w.key in ("loss", "opt", "pen", "sched")]
    assert not [w for w in closed.number_input if w.key == "delta"]
    assert "Huber" in summary(closed) and "Adam" in summary(closed)
    assert "step-size schedule: **1/k**" in summary(closed)
    assert {key: closed.query_params[key] for key in ("loss", "opt", "sched", "k")} == {
        "loss": "huber", "opt": "adam", "sched": "1/k", "k": "7"}
    drawn = open_page(PAGE, **LINK)  # the box open: the controls drawn at the link's values
    assert drawn.selectbox(key="opt").value == "adam"
    assert drawn.number_input(key="delta").value == 2.0
    for label in ("loss L(w, b)", "w (standardised units)", "step k"):
        assert metric(closed, label) == metric(drawn, label), label


def test_a_choice_made_in_the_box_stays_after_it_is_closed():
    """Open, choose momentum and race Adam, close: the run, the address and the line keep
    them; open again: the controls show them."""
    at = open_page(PAGE, panels=False)
    before = metric(at, "loss L(w, b)")
    folded_open(at, True)
    at.selectbox(key="opt").set_value("momentum").run()
    at.multiselect(key="race").set_value(["adam"]).run()
    at.button(key="k_end").click().run()
    chosen = (metric(at, "step k"), metric(at, "loss L(w, b)"))
    folded_open(at, False)
    assert not [w for w in at.selectbox if w.key == "opt"]
    assert (metric(at, "step k"), metric(at, "loss L(w, b)")) == chosen
    assert at.query_params["opt"] == "momentum" and at.query_params["race"] in ("adam", ["adam"])
    assert "momentum" in summary(at) and "racing: **Adam**" in summary(at)
    folded_open(at, True)
    assert at.selectbox(key="opt").value == "momentum"
    assert at.multiselect(key="race").value == ["adam"]
    at.button(key="k_start").click().run()
    assert metric(at, "loss L(w, b)") == before  # the same data: step 0 is the same


def test_a_bad_value_of_a_folded_control_gets_the_links_note():
    at = open_page(PAGE, panels=False, opt="bogus")
    assert not at.exception and not at.error
    assert "opt=bogus" in notes(at)
    assert "optimizer: **gradient descent**" in summary(at)
    assert "opt" not in at.query_params


@pytest.mark.parametrize("mode", ["lock", "hide"])
def test_a_lesson_fixes_a_folded_control_and_an_edited_address_changes_nothing(mode):
    from ui.shell import teacher

    query = teacher.lesson_query(PAGE, {"opt": "nesterov"}, **{mode: ["opt"]})
    at = open_page(PAGE, panels=False, **query, opt="adam")
    assert "optimizer: **Nesterov" in summary(at)
    folded_open(at, True)
    shown = [w for w in at.selectbox if w.key == "opt"]
    if mode == "lock":
        assert shown[0].disabled and shown[0].value == "nesterov"
    else:
        assert not shown
    assert "optimizer: **Nesterov" in summary(at)
