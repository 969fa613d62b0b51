"""A freshly started server, opened straight at a lesson's address (a shared link).

Streamlit decides once per server process whether the app uses the legacy ``pages/`` folder
(``PagesManager.uses_pages_directory``): it is True while a ``pages/`` folder sits next to
``app.py`` and until some session has run ``st.navigation``. With a ``pages/`` folder, a
visitor who opened a lesson's own address on a fresh server got Streamlit's folder-based
navigation ("app", "chain rule", "home" in the sidebar, the lesson run without app.py) or, for
/chain-rule and /linear-regression, a "Page not found" dialog, and so did everyone after them
until someone opened "/". The page scripts therefore live in ``lessons/``; this test keeps it so.
"""

import pytest

from tests.e2e.browser import PageLog, open_page, start_app_server, stop_process_group

pytestmark = pytest.mark.e2e

# The label of each sidebar link, without its icon (a Material Symbol is a ligature, so its
# element's text is the icon's name, e.g. "home").
NAV_LABELS_JS = """() => [...document.querySelectorAll("[data-testid='stSidebarNavLink']")]
    .map(link => { const copy = link.cloneNode(true);
                   copy.querySelectorAll("[data-testid='stIconMaterial']").forEach(i => i.remove());
                   return copy.innerText.trim(); })"""

EXPECTED_NAV = ["Home", "Derivatives", "Gradients", "Subgradients", "Chain rule",
                "Linear regression"]


def test_first_visitor_of_a_fresh_server_gets_the_app_navigation(browser, tmp_path):
    """The first visitor, opening a lesson link, sees app.py's navigation and no error."""
    server = start_app_server(tmp_path / "server.log")
    context = browser.new_context()
    try:
        page = context.new_page()
        log = PageLog()
        log.attach(page)
        open_page(page, f"{server.url}/chain-rule")
        nav = page.evaluate(NAV_LABELS_JS)
        assert nav == EXPECTED_NAV
        assert log.real_errors() == []
    finally:
        context.close()
        stop_process_group(server.process)
