"""The regression page's penalties in a real browser, at laptop and phone width.

Generated data with three features, the L1 penalty α = 2 and proximal gradient raced against
the subgradient method: the objective with its penalty term, the race's exact zeros, the L1
panel at the last step, and the regularisation path's box opened (one chart, its sentence
beside it), with no error box, no console error, nothing wider than the window and no serious
axe-core violation. Screenshots go to ``test-output/screenshots/penalties/``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    HEIGHT_AT_WIDTH,
    OUTPUT_DIR,
    axe_violations,
    open_page,
    page_problems,
    wait_ready,
)
from ui.regression.alt_text import PATH_ALT
from ui.regression.penalties import L1_PANEL_KEY, PATH_TITLE

pytestmark = pytest.mark.e2e

SHOTS = OUTPUT_DIR / "screenshots" / "penalties"
WIDTHS = HEIGHT_AT_WIDTH
# tab=gradient: the stepper opens on the tab with the L1 panel.
QUERY = "src=generate&n=50&d=3&seed=2&pen=l1&alpha=2&opt=proximal&race=gd&k=100&tab=gradient"
PANEL_HEADING = "The L1 penalty at step 100: which coefficients are exactly 0"
PATH_DRAWN_JS = """() => {
    const box = [...document.querySelectorAll("[data-testid='stExpander']")]
        .find(e => e.innerText.includes('Regularisation path'));
    if (!box) return false;
    const plots = [...box.querySelectorAll('.js-plotly-plot')];
    return plots.length === 1 && plots[0].querySelector('.main-svg') !== null;
}"""
OVERFLOW_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return main.scrollWidth - main.clientWidth;
}"""
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"
MAX_HEIGHT = 16_000  # Chromium's largest screenshot


def _open_path(page) -> None:
    page.get_by_text(PATH_TITLE, exact=True).click()
    wait_ready(page)
    page.wait_for_function(PATH_DRAWN_JS)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_penalty_views_draw_and_fit_the_window(new_page, app_server, width):
    """The L1 panel, the race's zeros and the opened path; screenshots for review."""
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/linear-regression?{QUERY}")
    expect(page.get_by_text(PANEL_HEADING).first).to_be_visible()
    expect(page.get_by_text("Coefficients exactly 0 at the end").first).to_be_attached()
    expect(page.get_by_text("1 of 3").first).to_be_attached()
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel = page.locator(f".st-key-{L1_PANEL_KEY}")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(SHOTS / f"l1-panel-{width}.png"))
    _open_path(page)
    expect(page.get_by_label(PATH_ALT, exact=True).first).to_be_attached()
    assert page.evaluate(OVERFLOW_JS) <= 1
    assert page_problems(page) == []
    height = min(page.evaluate(MAIN_HEIGHT_JS), MAX_HEIGHT)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_function(PATH_DRAWN_JS)
    page.locator("[data-testid='stExpander']", has_text=PATH_TITLE).screenshot(
        path=str(SHOTS / f"path-{width}.png"))
    page.screenshot(path=str(SHOTS / f"page-{width}.png"), full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_penalty_views_have_no_serious_axe_violation(new_page, app_server, scheme):
    """axe-core with the path open, at phone width (where crowding shows first)."""
    pytest.importorskip("axe_playwright_python")

    page = new_page(390, 844)
    page.emulate_media(color_scheme=scheme)
    open_page(page, f"{app_server.url}/linear-regression?{QUERY}")
    _open_path(page)
    bad = axe_violations(page)
    assert not bad, f"axe-core with the penalties shown, {scheme} theme: {bad}"
