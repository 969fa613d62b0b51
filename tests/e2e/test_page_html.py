"""A lesson's address connects at the first try (ui/shell/page_html.py), in Chromium.

Before, a browser that opened /gradients asked /gradients/_stcore/health, got 404, waited about
100 ms and asked /_stcore/health: every shared lesson link began with a failed round trip. Now
the lesson's HTML tells Streamlit's frontend where the server is. Checked at the root and under
``server.baseUrlPath`` (the script takes the page address's parent, so a path prefix works),
with the page's own settings from the link and a move to another lesson afterwards.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import start_app_server, stop_process_group, wait_ready

pytestmark = pytest.mark.e2e


def _open_watched(page, url: str) -> list[str]:
    """Open `url` until the page is ready; the URLs the browser asked for on the way."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(url)
    wait_ready(page)
    return asked


def _server_calls(asked: list[str]) -> list[str]:
    return [url.split("?")[0] for url in asked if "/_stcore/" in url]


def _check_lesson(page, base: str) -> None:
    """Open the Gradients lesson with a link's settings under `base`; it connects to `base`
    at once and shows what the link says; then the sidebar leads to Derivatives."""
    asked = _open_watched(page, f"{base}/gradients?fn=sqnorm&n=2")
    calls = _server_calls(asked)
    assert calls, "the page never reached the server"
    assert not [url for url in calls if "/gradients/_stcore/" in url], calls
    assert f"{base}/_stcore/health" in calls
    assert page.evaluate("window.__streamlit.BACKEND_BASE_URL") == f"{base}/"
    assert page.get_by_role("heading", name="Gradients", exact=True).is_visible()
    # The link's settings took effect: n = 2 gives a gradient with two components.
    assert page.get_by_text("∂f/∂w2", exact=True).first.is_visible()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Derivatives").click()
    page.wait_for_url(f"{base}/derivatives**")
    wait_ready(page)
    assert page.get_by_role("heading", name="Derivatives", exact=True).is_visible()


def test_a_lesson_link_connects_at_the_first_try(page, app_server):
    _check_lesson(page, app_server.url)


def test_an_unknown_page_still_gets_streamlits_answer(browser, app_server):
    """Not a lesson: Streamlit's own index.html, its probing and its "page not found" (which
    it reports on the console, so this page is not watched for console errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        asked = _open_watched(page, f"{app_server.url}/no-such-lesson")
        assert page.evaluate("window.__streamlit === undefined")
        calls = _server_calls(asked)
        assert f"{app_server.url}/no-such-lesson/_stcore/health" in calls
        assert f"{app_server.url}/_stcore/health" in calls
    finally:
        context.close()


@pytest.fixture(scope="module")
def prefixed_server(tmp_path_factory):
    server = start_app_server(tmp_path_factory.mktemp("prefixed") / "server.log",
                              base_path="gradlab")
    yield server
    stop_process_group(server.process)


def test_under_a_base_url_path_too(browser, prefixed_server):
    assert prefixed_server.url.endswith("/gradlab")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        _check_lesson(context.new_page(), prefixed_server.url)
    finally:
        context.close()
