"""A screenshot of every page, as a student first sees it, at 1280 px and 390 px wide.

Each page opens at its plain address (its defaults: what a link without settings shows) in
the light theme, and the whole page (window made as tall as the page) is saved to ``test-output/screenshots/pages/<page>-<width>.png``.
``python -m scripts.make_screenshots`` runs this file and shrinks the 1280-px pictures into
the ones the README shows (``docs/screenshots/``). The test also checks that each page is
whole at both widths: its title, every chart drawn, no error box.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    OUTPUT_DIR,
    SIDEBAR_SETTLED_JS,
    open_page,
    page_problems,
    plot_summaries,
    wait_ready,
)
from tests.e2e.test_pages import PAGES as LESSON_PAGES
from ui.shell.lessons import HOME, LESSONS

pytestmark = pytest.mark.e2e

PAGE_SHOTS_DIR = OUTPUT_DIR / "screenshots" / "pages"
WIDTHS = {1280: 800, 390: 844}
# name of the picture -> (address, title shown as the page's h1): Home and every lesson, with
# the h1 titles of tests/e2e/test_pages.py (which checks that they cover the lessons table).
PAGES = {
    "home": (HOME.url_path, "Gradient Lab"),
    **{lesson.url_path: (lesson.url_path, LESSON_PAGES[lesson.url_path][0])
       for lesson in LESSONS},
}
MAIN_HEIGHT_JS = "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight"
MAX_HEIGHT = 16_000  # Chromium's largest screenshot
ALL_CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .every(el => el.querySelector('.main-svg') !== null)"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot_of_each_page(new_page, app_server, name, width):
    address, title = PAGES[name]
    page = new_page(width, WIDTHS[width])
    page.emulate_media(color_scheme="light")
    open_page(page, f"{app_server.url}/{address}")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    if name != "home":
        assert plot_summaries(page), "no chart on the page"
    page.wait_for_function(ALL_CHARTS_DRAWN_JS)
    page.wait_for_function(SIDEBAR_SETTLED_JS)
    page.evaluate("() => document.fonts.ready")
    assert page_problems(page) == []
    # The page scrolls inside Streamlit's main area, not the document, so a "full page"
    # screenshot is only the window: make the window as tall as the page instead.
    height = min(page.evaluate(MAIN_HEIGHT_JS), MAX_HEIGHT)
    page.set_viewport_size({"width": width, "height": max(height, WIDTHS[width])})
    wait_ready(page)
    page.wait_for_function(ALL_CHARTS_DRAWN_JS)
    page.wait_for_timeout(1000)  # charts settle their size after the resize
    PAGE_SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = PAGE_SHOTS_DIR / f"{name}-{width}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
