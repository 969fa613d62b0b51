"""A freshly started server, opened straight at a lesson's address (a shared link).

Streamlit decides once per server process whether the app uses the ``pages/`` folder
(``PagesManager.uses_pages_directory``). With ``st.navigation`` in app.py and a ``pages/``
folder beside it, the first visitor of a fresh server who opened a lesson's own address got
the folder pages ("Page not found" for /chain-rule, another sidebar) until someone opened "/".
The app now uses the folder routing alone (ui/shell/lessons.py), which a fresh server serves the same
way as a warm one. Each case starts its own server, so its visitor is the very first.
"""

import pytest

from tests.e2e.browser import (
    open_page,
    page_problems,
    start_app_server,
    stop_process_group,
    watched_page,
)
from ui.shell.lessons import HOME, LESSONS

pytestmark = pytest.mark.e2e

# The label of each sidebar link, without its icon (a Material Symbol is a ligature, so its
# element's text is the icon's name, e.g. "home").
NAV_LABELS_JS = """() => [...document.querySelectorAll(
        "[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']")]
    .map(link => { const copy = link.cloneNode(true);
                   copy.querySelectorAll("[data-testid='stIconMaterial']").forEach(i => i.remove());
                   return copy.innerText.trim(); })"""

EXPECTED_NAV = [lesson.title for lesson in [HOME, *LESSONS]]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_first_visitor_of_a_fresh_server_gets_the_lesson_and_the_app_navigation(
        browser, tmp_path, lesson):
    """The first visitor, opening a lesson link, sees that lesson, our sidebar, no error."""
    server = start_app_server(tmp_path / "server.log")
    try:
        with watched_page(browser) as (page, log):
            open_page(page, f"{server.url}/{lesson.url_path}")
            assert page.evaluate(NAV_LABELS_JS) == EXPECTED_NAV
            assert "Page not found" not in page.inner_text("body")
            assert page.title() == f"{lesson.title} · Gradient Lab"
            assert page.locator("[data-testid='stSidebarNav']").count() == 0
            assert page_problems(page) == []
            assert log.real_errors() == []
    finally:
        stop_process_group(server.process)
