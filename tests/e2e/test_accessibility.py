"""axe-core in Chromium: no serious or critical violation on any page, at laptop and phone
width, in the light and the dark theme (the theme follows the system, as Streamlit's does).

Runs axe-core through axe-playwright-python on each page after its first run has finished.
A violation is reported with its rule, how many elements it hit and axe's own summary of the
first one, so a failure says what to fix.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import axe_violations as _violations
from tests.e2e.browser import open_page
from ui.shell.lessons import HOME, LESSONS

PAGES = [HOME.url_path, *(lesson.url_path for lesson in LESSONS)]
WIDTHS = {"laptop": (1280, 800), "phone": (390, 844)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_serious_axe_violation_on_any_page(browser, app_server, scheme, width):
    """Every page, in one browser context per theme and width."""
    pytest.importorskip("axe_playwright_python")
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, color_scheme=scheme)
    try:
        page = context.new_page()
        found = {}
        for name in PAGES:
            open_page(page, f"{app_server.url}/{name}")
            bad = _violations(page)
            if bad:
                found[name or "home"] = bad
        assert not found, f"axe-core at {width} width, {scheme} theme: {found}"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_header_menu_has_no_serious_axe_violation(browser, app_server, scheme):
    """The ⋮ menu, where students switch the theme and print, opened on a lesson page."""
    pytest.importorskip("axe_playwright_python")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        open_page(page, f"{app_server.url}/derivatives")
        page.get_by_test_id("stMainMenu").get_by_role("button").click()
        page.get_by_test_id("stMainMenuList").wait_for(state="visible")
        bad = _violations(page)
        assert not bad, f"axe-core with the header menu open, {scheme} theme: {bad}"
    finally:
        context.close()
