"""The regression page's curvature section in a real browser, at laptop and phone width.

Raw tips data with heavy-ball momentum (κ ≈ 2800: the zig-zag case). Closed, the section is
one expander line; opened, it draws the error split, Distill's map and the 3-D loss surface
(WebGL: Chromium's software renderer), with no error box, no console error, nothing wider
than the window, a "Reset view" button on the surface, and no serious axe-core violation.
Screenshots of the open section go to ``test-output/screenshots/curvature/``.
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

pytestmark = pytest.mark.e2e

SHOTS = OUTPUT_DIR / "screenshots" / "curvature"
WIDTHS = HEIGHT_AT_WIDTH
QUERY = "std=false&opt=momentum&lr=0.0005"
# (picture name, address query, width): the zig-zag case at both widths, the page's default
# (standardised tips, plain GD: kappa = 1) at laptop width.
VIEWS = [("raw-momentum", QUERY, 1280), ("raw-momentum", QUERY, 390), ("default", "", 1280)]
TITLE = "Curvature: why gradient descent zig-zags"
CHART_NAMES = ("Error along each eigen-direction against the step, with its predicted decay",
               "Map of the convergence factor over learning rate and momentum",
               "3-D loss surface over w and b with the path of the run")
# Every chart inside the open section has drawn: 2-D charts their SVG, the 3-D one its
# WebGL canvas (plotly's gl-container).
SECTION_DRAWN_JS = """() => {
    const box = [...document.querySelectorAll("[data-testid='stExpander']")]
        .find(e => e.innerText.includes('Curvature: why gradient descent zig-zags'));
    if (!box) return false;
    const plots = [...box.querySelectorAll('.js-plotly-plot')];
    return plots.length === 3 && plots.every(p => p.querySelector('.main-svg') !== null)
        && box.querySelector('.gl-container canvas') !== null;
}"""
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"
MAX_HEIGHT = 16_000  # Chromium's largest screenshot
OVERFLOW_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return main.scrollWidth - main.clientWidth;
}"""


def _open_section(page) -> None:
    page.get_by_text(TITLE, exact=True).click()
    wait_ready(page)
    page.wait_for_function(SECTION_DRAWN_JS)


@pytest.mark.parametrize("name, query, width", VIEWS, ids=[f"{v[0]}-{v[2]}" for v in VIEWS])
def test_curvature_section_draws_its_three_charts(new_page, app_server, name, query, width):
    """Open the section: three named charts, the slowest direction named, the surface's
    Reset view button, no overflow, no error; a screenshot of the section for review."""
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/linear-regression?{query}")
    # The section is closed: no chart of its own, only the stepper's open tab's two.
    assert page.locator(".js-plotly-plot").count() == 2
    _open_section(page)
    for chart in CHART_NAMES:
        expect(page.get_by_label(chart, exact=True).first).to_be_attached()
    expect(page.get_by_text("Slowest direction: q1").first).to_be_visible()
    expect(page.locator(".updatemenu-item-text", has_text="Reset view")).to_have_count(1)
    assert page.evaluate(OVERFLOW_JS) <= 1
    assert page_problems(page) == []
    # The page scrolls inside Streamlit's main area: make the window as tall as the page, so
    # the whole section is laid out and drawn, then picture the section alone.
    height = min(page.evaluate(MAIN_HEIGHT_JS), MAX_HEIGHT)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_function(SECTION_DRAWN_JS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    section = page.locator("[data-testid='stExpander']", has_text=TITLE)
    section.screenshot(path=str(SHOTS / f"curvature-{name}-{width}.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_curvature_section_has_no_serious_axe_violation(new_page, app_server, scheme):
    """axe-core with the section open, at phone width (where crowding shows first)."""
    pytest.importorskip("axe_playwright_python")

    page = new_page(390, 844)
    page.emulate_media(color_scheme=scheme)
    open_page(page, f"{app_server.url}/linear-regression?{QUERY}")
    _open_section(page)
    bad = axe_violations(page)
    assert not bad, f"axe-core with the curvature section open, {scheme} theme: {bad}"
