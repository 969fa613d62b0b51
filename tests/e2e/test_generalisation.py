"""The regression page's generalisation controls in Chromium, at 1280 px and 390 px wide:
a link with a polynomial degree and a held-out fraction draws the fitted curve and the test
loss beside the training loss, the page does not overflow sideways, a new degree typed into
its box redraws the curve and goes into the address, and axe-core finds nothing serious.

Screenshots of the whole page go to ``test-output/screenshots/generalisation/`` for a person
to look at (issue 29).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.e2e.browser import (
    HEIGHT_AT_WIDTH,
    OUTPUT_DIR,
    SIDEBAR_SETTLED_JS,
    axe_violations,
    open_page,
    page_problems,
    wait_ready,
)

pytestmark = pytest.mark.e2e

SHOTS_DIR = OUTPUT_DIR / "screenshots" / "generalisation"
WIDTHS = HEIGHT_AT_WIDTH
VIEW = {"src": "generate", "n": "40", "deg": "6", "test": "0.3", "tseed": "2"}
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"
TRACES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(el => ({width: el.getBoundingClientRect().width,
                 names: (el._fullData || []).map(t => t.name),
                 points: (el._fullData || []).map(t => (t.x || []).length)}))"""
OVERFLOW_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return {page: document.documentElement.scrollWidth - window.innerWidth,
            main: main.scrollWidth - main.clientWidth};
}"""
HAS_TRACE_JS = """(name) => [...document.querySelectorAll('.js-plotly-plot')]
    .some(el => (el._fullData || []).some(t => t.name === name))"""


def _chart_with(page, name: str) -> dict:
    page.wait_for_function(HAS_TRACE_JS, arg=name)
    return next(c for c in page.evaluate(TRACES_JS) if name in c["names"])


def _open(new_page, app_server, width: int, view: dict = VIEW):
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/linear-regression?{urlencode(view)}")
    return page


@pytest.mark.parametrize("width", list(WIDTHS))
def test_curve_and_test_loss_are_drawn_without_overflow_and_screenshot(new_page, app_server,
                                                                       width):
    """Both widths: the curve chart (200 points of each curve) and the loss chart with its
    test loss, no sideways scrolling, no exception; then a full-page screenshot."""
    page = _open(new_page, app_server, width)
    curve = _chart_with(page, "GD curve at step 0")
    assert {"training data", "scikit-learn fit"} <= set(curve["names"]), curve
    assert curve["points"][curve["names"].index("scikit-learn fit")] == 200
    assert curve["width"] >= (330 if width == 390 else 400), curve
    loss = _chart_with(page, "test loss")
    assert "training loss" in loss["names"], loss
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["page"] <= 0 and overflow["main"] <= 0, overflow
    assert page_problems(page) == []
    body = page.inner_text("body")
    assert "Fitted on 28 training rows; 12 held out" in body
    page.wait_for_function(SIDEBAR_SETTLED_JS)
    height = min(page.evaluate(MAIN_HEIGHT_JS), 16_000)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_timeout(1000)  # charts settle their size after the resize
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / f"regression-generalisation-{width}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_typing_a_degree_redraws_the_curve_and_writes_the_address(new_page, app_server):
    """Degree 6 -> 9 in the box: the coefficient paths get nine weights and deg=9 is in the
    address; the split stays."""
    page = _open(new_page, app_server, 1280)
    _chart_with(page, "GD curve at step 0")
    box = page.get_by_role("spinbutton", name="Polynomial degree")
    box.fill("9")
    box.press("Enter")
    # The run the Enter started writes deg=9; waiting for it (not for "script idle", which a
    # busy machine can show before that run has begun) keeps the tab's click out of it.
    page.wait_for_url(re.compile(r"[?&]deg=9(&|$)"))
    wait_ready(page)
    page.get_by_role("tab", name="Path and residuals").click()  # the coefficients' paths
    page.wait_for_function(HAS_TRACE_JS, arg="z⁹")
    page.wait_for_url(re.compile(r"[?&]tab=path(&|$)"))
    wait_ready(page)
    assert "deg=9" in page.url and "test=0.3" in page.url
    page.get_by_role("tab", name="Fit and loss").click()
    wait_ready(page)
    assert _chart_with(page, "GD curve at step 0")
    assert page_problems(page) == []


def test_a_bad_degree_in_the_address_gets_the_default_and_a_note(new_page, app_server):
    """deg=40: the straight line and contours (degree 1) and a note naming deg=40."""
    page = _open(new_page, app_server, 390, {**VIEW, "deg": "40"})
    _chart_with(page, "GD line at step 0")
    assert "deg=40 in the link is not usable" in page.inner_text("body")
    assert page_problems(page) == []


@pytest.mark.parametrize("scheme, width", [("light", 1280), ("light", 390), ("dark", 390)])
def test_generalisation_view_has_no_serious_axe_violation(browser, app_server, width, scheme):
    """axe-core on the page with the curve and the split, at both widths (and dark)."""
    pytest.importorskip("axe_playwright_python")

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]},
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        open_page(page, f"{app_server.url}/linear-regression?{urlencode(VIEW)}")
        _chart_with(page, "test loss")
        bad = axe_violations(page)
        assert not bad, bad
    finally:
        context.close()


def test_a_tab_clicked_at_once_after_a_new_degree_keeps_it_in_the_address(new_page, app_server):
    """The tab's click is sent before the browser has the address of the degree's run (no wait
    between them): the tab's run is the stepper fragment's alone, and it used to write its tab
    over the browser's older address (deg=6 beside a degree-9 curve; 4 of 8 tries before the
    fix on this machine). Three tries; each must end with deg=9 and tab=path in the address."""
    for attempt in range(3):
        page = _open(new_page, app_server, 1280)
        _chart_with(page, "GD curve at step 0")
        box = page.get_by_role("spinbutton", name="Polynomial degree")
        box.fill("9")
        box.press("Enter")
        page.get_by_role("tab", name="Path and residuals").click()
        page.wait_for_function(HAS_TRACE_JS, arg="z⁹")
        page.wait_for_url(re.compile(r"[?&]tab=path(&|$)"))
        wait_ready(page)
        assert "deg=9" in page.url and "test=0.3" in page.url, (attempt, page.url)
        assert page.evaluate(HAS_TRACE_JS, "z⁹"), attempt
        page.close()
