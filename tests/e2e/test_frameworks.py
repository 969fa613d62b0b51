"""The frameworks table on the Subgradients page in Chromium, at 1280 px and 390 px wide: the
lazy expander opens on a click and shows both tables, the page does not overflow sideways,
and axe-core finds nothing serious with it open (issue 29).

Screenshots of the opened expander and of the whole page go to
``test-output/screenshots/frameworks/`` for a person to look at.
"""

from __future__ import annotations

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
from ui.calculus.frameworks import TITLE

pytestmark = pytest.mark.e2e

SHOTS_DIR = OUTPUT_DIR / "screenshots" / "frameworks"
WIDTHS = HEIGHT_AT_WIDTH
OVERFLOW_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return {page: document.documentElement.scrollWidth - window.innerWidth,
            main: main.scrollWidth - main.clientWidth};
}"""
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"


def _open_table(page, url: str):
    """Open /subgradient at |x| and x₀ = 0, click the expander, wait for its two tables."""
    open_page(page, f"{url}/subgradient?fn=abs&x0=0.0")
    box = page.get_by_test_id("stExpander").filter(has_text=TITLE)
    box.get_by_text(TITLE).click()
    wait_ready(page)
    box.get_by_test_id("stDataFrame").nth(1).wait_for(state="visible")
    return box


@pytest.mark.parametrize("width", list(WIDTHS))
def test_table_opens_without_overflow_and_screenshot(new_page, app_server, width):
    """Both tables appear in the expander, the explanation is there, nothing scrolls sideways."""
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    box = _open_table(page, app_server.url)
    assert box.get_by_test_id("stDataFrame").count() == 2
    text = box.inner_text()
    assert "This project's choice" in text and "central difference" in text
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["page"] <= 0 and overflow["main"] <= 0, overflow
    assert page_problems(page) == []
    page.wait_for_function(SIDEBAR_SETTLED_JS)
    # The grids draw on a canvas only where they are on screen: make the viewport the page.
    height = min(page.evaluate(MAIN_HEIGHT_JS), 16_000)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_timeout(1000)
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    whole = SHOTS_DIR / f"subgradient-page-{width}.png"
    page.screenshot(path=str(whole))
    panel = SHOTS_DIR / f"subgradient-frameworks-{width}.png"
    box.screenshot(path=str(panel))
    assert panel.stat().st_size > 10_000 and whole.stat().st_size > 10_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_open_table_has_no_serious_axe_violation(browser, app_server, width, scheme):
    """axe-core on the Subgradients page with the frameworks table open."""
    pytest.importorskip("axe_playwright_python")

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]},
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        _open_table(page, app_server.url)
        bad = axe_violations(page)
        assert not bad, bad
    finally:
        context.close()


def test_derivatives_page_points_to_the_table(new_page, app_server):
    """/derivatives at |x| and x₀ = 0 on a phone: the line naming PyTorch 0, JAX 1 is shown."""
    page = new_page(390, 844)
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/derivatives?fn=abs&x0=0.0")
    line = page.get_by_text("At this kink frameworks disagree")
    line.wait_for(state="visible")
    assert "PyTorch 0, JAX 1" in line.inner_text()
    assert page_problems(page) == []
    line.scroll_into_view_if_needed()
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / "derivatives-pointer-390.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
