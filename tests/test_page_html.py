"""The lessons' HTML (ui/shell/page_html.py): Streamlit's index.html with one script that tells
its frontend where the server is, served at each lesson's exact address. Driven through the
routes as an ASGI app, without a server (tests/e2e/test_page_html.py opens them in Chromium)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.routing import Router

from ui.shell import page_html
from ui.shell.lessons import CLASS_VIEW, LESSONS


def _get(router: Router, path: str, method: str = "GET",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of `router`'s answer to one request."""
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"fn=relu", "scheme": "http",
             "server": ("testserver", 80), "client": ("testclient", 1), "http_version": "1.1",
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # In a thread of its own: in the full suite Playwright's sync API (tests/e2e, same
    # process) keeps an event loop running in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, router(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body)


def test_the_script_comes_before_streamlits_bundle():
    """In Streamlit's own index.html the script is inside <head>, before the module script
    that starts the frontend, and the rest of the file is unchanged."""
    original = page_html.index_path().read_text(encoding="utf-8")
    html = page_html.with_base_script(original)
    at = html.index(page_html.BASE_SCRIPT)
    assert html.index("<head>") < at < html.index('<script type="module"')
    assert html.replace(page_html.BASE_SCRIPT, "", 1) == original
    assert "BACKEND_BASE_URL" in page_html.BASE_SCRIPT


def test_html_without_a_head_is_served_unchanged():
    assert page_html.with_base_script("<html><body>x</body></html>") == "<html><body>x</body></html>"


def test_every_lesson_and_the_class_view_get_the_page():
    router = Router(routes=page_html.page_routes(""))
    for path in [lesson.url_path for lesson in LESSONS] + [CLASS_VIEW.url_path]:
        status, headers, body = _get(router, f"/{path}")
        assert status == 200, path
        assert headers["content-type"].startswith("text/html")
        assert headers["cache-control"] == "no-cache"
        assert page_html.BASE_SCRIPT.encode() in body
        assert b'<div id="root"></div>' in body


@pytest.mark.parametrize("path", ["/", "/derivatives/x", "/nope", "/gradient"])
def test_other_paths_are_left_to_streamlit(path):
    """The root, deeper paths and unknown names do not match (404 from the bare router here:
    in the app, its other routes and Streamlit's take them)."""
    assert _get(Router(routes=page_html.page_routes("")), path)[0] == 404


def test_a_trailing_slash_is_not_the_page():
    """/derivatives/ is not answered with the page (in the app Streamlit redirects it to
    /derivatives; the bare router here redirects too)."""
    status, headers, _ = _get(Router(routes=page_html.page_routes("")), "/derivatives/")
    assert status in (301, 307, 308) and headers["location"].endswith("/derivatives?fn=relu")


def test_routes_follow_the_base_url_path():
    router = Router(routes=page_html.page_routes("/gradlab/"))
    assert _get(router, "/gradlab/gradients")[0] == 200
    assert _get(router, "/gradients")[0] == 404


def test_a_revalidation_with_the_same_etag_gets_304_and_head_gets_the_headers():
    router = Router(routes=page_html.page_routes(""))
    status, headers, body = _get(router, "/chain-rule")
    assert status == 200 and headers["etag"]
    again = _get(router, "/chain-rule", headers={"If-None-Match": headers["etag"]})
    assert again[0] == 304 and again[2] == b""
    assert _get(router, "/chain-rule", headers={"If-None-Match": '"other"'})[0] == 200
    head = _get(router, "/chain-rule", method="HEAD")
    assert head[0] == 200 and head[1]["etag"] == headers["etag"]
