"""The lesson pages' HTML: Streamlit's own ``index.html``, told where the server is.

A browser that opens ``/gradients`` gets Streamlit's single-page app, which does not know
whether ``gradients`` is a page or the path the app is served under. It asks
``/gradients/_stcore/health`` first, gets 404, waits about 100 ms and asks ``/_stcore/health``
(Streamlit's frontend tries the page's path, then its parent). Every lesson link a teacher
shares starts with that failed round trip and the pause; on a school network the round trip is
the slow part.

Streamlit's frontend reads ``window.__streamlit.BACKEND_BASE_URL`` (set before its bundle runs)
and then asks only there. The routes here answer a lesson's address with Streamlit's
``index.html`` plus one inline script that sets it to the page address's parent, the same
address Streamlit's second try uses (so a proxy that serves the app under a path prefix, or
``server.baseUrlPath``, still works). Everything else (``/``, unknown paths, the static files)
is Streamlit's as before. Measured in headless Chromium on this machine: the health check goes
out once instead of twice and the WebSocket opens about 110 ms earlier on every lesson page
(tests/e2e/test_page_html.py checks the first; ``benchmarks/bench_page_load.py`` times the
load).

Starlette routes for ``st.App(..., routes=...)`` in app.py, matched before Streamlit's own,
like ``ui.shell.aliases``. ``index.html`` is read once per process (it is part of the installed
Streamlit); a Streamlit whose ``index.html`` has no ``<head>`` gets its file unchanged.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ui.shell.lessons import CLASS_VIEW, LESSONS

_LOGGER = logging.getLogger(__name__)

# The page's address without its last segment (and trailing slashes): "/gradients" -> "/",
# "/app/gradients" -> "/app/". Merged under anything an embedding host set before.
BASE_SCRIPT = (
    "<script>(function () {"
    " var parts = window.location.pathname.replace(/\\/+$/, '').split('/'); parts.pop();"
    " window.__streamlit = Object.assign("
    "{BACKEND_BASE_URL: window.location.origin + parts.join('/') + '/'},"
    " window.__streamlit || {}); })();</script>"
)
HEAD = "<head>"


def index_path() -> Path:
    """Streamlit's ``index.html`` (the one its static file handler serves)."""
    from streamlit import file_util

    return Path(file_util.get_static_dir()) / "index.html"


def with_base_script(html: str) -> str:
    """`html` with :data:`BASE_SCRIPT` right after ``<head>`` (before Streamlit's bundle, a
    module script, which runs only after the document is parsed); unchanged without one."""
    at = html.find(HEAD)
    if at < 0:
        _LOGGER.warning("Streamlit's index.html has no <head>: lesson pages served unchanged")
        return html
    at += len(HEAD)
    return html[:at] + BASE_SCRIPT + html[at:]


@lru_cache(maxsize=1)
def page_html() -> tuple[bytes, str]:
    """(the HTML, its ETag), made once per process."""
    body = with_base_script(index_path().read_text(encoding="utf-8")).encode("utf-8")
    return body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


async def _page(request: Request) -> Response:
    body, etag = page_html()
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


def page_paths() -> list[str]:
    """The url paths whose HTML gets the script: the lessons and the class view."""
    return [lesson.url_path for lesson in [*LESSONS, CLASS_VIEW]]


def route_prefix(base_url: str | None = None) -> str:
    """The path the app's own routes go under: "" or "/<base_url>" (default: the server's
    ``server.baseUrlPath``). Shared by every ``st.App`` route of app.py."""
    if base_url is None:
        from streamlit import config
        base_url = config.get_option("server.baseUrlPath") or ""
    return f"/{base_url.strip('/')}" if base_url.strip("/") else ""


def page_routes(base_url: str | None = None) -> list[Route]:
    """One GET/HEAD route per lesson page (and the class view) under `base_url` (default:
    the server's ``server.baseUrlPath``). Only the exact paths: ``/gradients/`` still gets
    Streamlit's redirect to ``/gradients``, and then this page."""
    prefix = route_prefix(base_url)
    return [Route(f"{prefix}/{path}", _page, methods=["GET", "HEAD"]) for path in page_paths()]
