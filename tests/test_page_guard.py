"""The last-resort guard around every page body (ui.shell.lessons.page_frame).

A bug that slips through (planted here by making a gradcore function raise) must never show
"This app has encountered an error": the page resets its settings and says so, and if even
the defaults fail it says that, without looping.
"""

import pytest

import gradcore
from tests.page_helpers import metrics, open_page
from ui.shell.lessons import FAILED_MESSAGE, RESET_MESSAGE


@pytest.fixture
def check_fails_away_from_one(monkeypatch):
    """gradient_check raises for every point but the page's default x₀ = 1."""
    original = gradcore.gradient_check

    def planted(f, grad, point, *args, **kwargs):
        if point[0] != 1.0:
            raise RuntimeError("planted bug")
        return original(f, grad, point, *args, **kwargs)

    monkeypatch.setattr(gradcore, "gradient_check", planted)


def test_a_failing_link_is_reset_to_the_defaults_with_a_message(check_fails_away_from_one):
    """?x0=2 hits the bug: the page runs again at x₀ = 1, says it was reset, shows numbers."""
    at = open_page("derivatives", fn="square", x0="2.0")
    assert not at.exception
    assert [w.value for w in at.warning] == [RESET_MESSAGE]
    assert metrics(at)["Tangent slope f′(x₀)"] == "2"
    assert dict(at.query_params) == {}
    at.slider(key="x0").set_value(1.5).run()
    assert not at.exception and at.warning[0].value == RESET_MESSAGE


def test_when_even_the_defaults_fail_the_page_says_so_once(monkeypatch):
    """A bug at every point: one reset, then a plain error message, no loop, no traceback."""
    def planted(*args, **kwargs):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(gradcore, "gradient_check", planted)
    at = open_page("derivatives")
    assert not at.exception
    assert [e.value for e in at.error] == [FAILED_MESSAGE]
    assert [w.value for w in at.warning] == [RESET_MESSAGE]
