"""The Gradients page's curvature view in Chromium, at 1280 px and 390 px wide: the 3-D
surface is drawn (a WebGL surface trace), the page does not overflow sideways, the "Reset
view" button brings a turned camera back, and axe-core finds nothing serious.

Screenshots of the whole page go to ``test-output/screenshots/curvature/`` for a person to
look at (issue 28).
"""

from __future__ import annotations

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
from ui.calculus.curvature_figures import CAMERA, RESET_LABEL

pytestmark = pytest.mark.e2e

SHOTS_DIR = OUTPUT_DIR / "screenshots" / "curvature"
WIDTHS = HEIGHT_AT_WIDTH
VIEW = {"fn": "typed", "f": "x^2 - y^2", "p_x": "0.5", "p_y": "0.5", "curv": "true",
        "s3d": "true"}
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"
SURFACE_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(el => (el._fullData || []).some(t => t.type === 'surface'))
    .map(el => ({width: el.getBoundingClientRect().width,
                 surfaces: el._fullData.filter(t => t.type === 'surface').length,
                 canvas: el.querySelector('canvas') !== null}))"""
OVERFLOW_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return {page: document.documentElement.scrollWidth - window.innerWidth,
            main: main.scrollWidth - main.clientWidth};
}"""
EYE_JS = """() => {
    const el = [...document.querySelectorAll('.js-plotly-plot')]
        .find(el => (el._fullData || []).some(t => t.type === 'surface'));
    return el._fullLayout.scene.camera.eye;
}"""
def _surfaces(page) -> list[dict]:
    page.wait_for_function(f"() => ({SURFACE_JS})().length > 0")
    return page.evaluate(SURFACE_JS)


def _open(new_page, app_server, width: int):
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/gradients?{urlencode(VIEW)}")
    return page


@pytest.mark.parametrize("width", list(WIDTHS))
def test_surface_is_drawn_without_overflow_and_screenshot(new_page, app_server, width):
    """The 3-D surface is there at both widths, fills the column, no sideways scrolling."""
    page = _open(new_page, app_server, width)
    found = _surfaces(page)
    assert len(found) == 1 and found[0]["surfaces"] == 2 and found[0]["canvas"], found
    assert found[0]["width"] >= (350 if width == 390 else 500), found
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["page"] <= 0 and overflow["main"] <= 0, overflow
    assert page_problems(page) == []
    assert "not a critical point" in page.inner_text("body")
    page.wait_for_function(SIDEBAR_SETTLED_JS)
    height = min(page.evaluate(MAIN_HEIGHT_JS), 16_000)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_timeout(1000)  # charts settle their size after the resize
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / f"gradients-curvature-{width}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_reset_view_brings_the_camera_back(new_page, app_server):
    """Turn the surface by dragging it on a phone-sized page, then tap "Reset view"."""
    page = _open(new_page, app_server, 390)
    _surfaces(page)
    chart = page.locator(".js-plotly-plot", has=page.locator("canvas")).first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 40, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => Math.abs(({EYE_JS})().x - {CAMERA['eye']['x']}) > 0.05")
    button = chart.locator(".updatemenu-button", has_text=RESET_LABEL)
    button.click()
    page.wait_for_function(f"() => Math.abs(({EYE_JS})().x - {CAMERA['eye']['x']}) < 1e-6")
    eye = page.evaluate(EYE_JS)
    assert eye["y"] == pytest.approx(CAMERA["eye"]["y"], abs=1e-6)
    assert eye["z"] == pytest.approx(CAMERA["eye"]["z"], abs=1e-6)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_curvature_view_has_no_serious_axe_violation(browser, app_server, width, scheme):
    """axe-core on the page with the curvature view open, at both widths and themes."""
    pytest.importorskip("axe_playwright_python")

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]},
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        open_page(page, f"{app_server.url}/gradients?{urlencode(VIEW)}")
        _surfaces(page)
        bad = axe_violations(page)
        assert not bad, bad
    finally:
        context.close()
