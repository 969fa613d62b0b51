"""Real-browser fixtures: one `streamlit run` server and one Chromium for the whole session.

- ``app_server``: starts ``streamlit run app.py`` headless on a free port (cwd = repo root),
  waits for ``/_stcore/health`` to answer ``ok`` and stops the whole process group at the end.
- ``browser``: an installed Chromium (``GRADLAB_CHROMIUM``, else ``chromium`` /
  ``chromium-browser`` / ``google-chrome`` on the PATH) driven by Playwright. Without one the
  tests skip with the reason; with ``GRADLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail.
- ``page`` / ``new_page``: pages in fresh browser contexts (a fresh context is a fresh student:
  no cookies, no session). Browser console errors fail the test; so does a Python traceback
  written to the server log while the test ran.
- Screenshots at 1280×800 and 390×844 go to ``test-output/screenshots/`` when a test fails, and
  for every test with ``--screenshots`` (``pytest tests/e2e --screenshots``) or
  ``GRADLAB_SCREENSHOTS=1`` (works however pytest is started).
"""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.browser import (
    CHROMIUM_ARGS,
    READY_TIMEOUT_MS,
    AppServer,
    PageLog,
    find_chromium,
    save_screenshots,
    start_app_server,
    stop_process_group,
    warm_up,
)


def browser_required() -> bool:
    """True when the environment (CI) demands that the browser tests run, not skip."""
    return os.environ.get("GRADLAB_REQUIRE_BROWSER", "") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with `reason`, or fail when the environment demands the browser tests run."""
    if browser_required():
        pytest.fail(f"GRADLAB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="save screenshots of every e2e test's pages at 1280x800 and 390x844",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _screenshots_wanted(request) -> bool:
    if os.environ.get("GRADLAB_SCREENSHOTS", "") == "1":
        return True
    try:
        return bool(request.config.getoption("--screenshots"))
    except ValueError:
        return False


def _test_failed(item) -> bool:
    return any(
        getattr(item, f"report_{when}", None) is not None
        and getattr(item, f"report_{when}").failed
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        skip_or_fail(
            "no Chromium found (set GRADLAB_CHROMIUM, or install one: apt-get install chromium)"
        )
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -r requirements-dev.txt)")
    instance = sync_playwright().start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, browser) -> AppServer:
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    server = start_app_server(log_path)
    # Every test sees the same server state whatever order the tests run in.
    warm_up(browser, server.url)
    yield server
    stop_process_group(server.process)


@pytest.fixture
def new_page(browser, app_server, request):
    """Factory: a page in a fresh browser context (a new visitor), watched for errors."""
    contexts = []
    pages = []
    log_start = app_server.log_size()

    def make(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(READY_TIMEOUT_MS)
        page = context.new_page()
        page_log = PageLog()
        page_log.attach(page)
        contexts.append(context)
        pages.append((page, page_log))
        return page

    yield make

    item = request.node
    if _test_failed(item) or _screenshots_wanted(request):
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
        for index, (page, _) in enumerate(pages):
            save_screenshots(page, stem if index == 0 else f"{stem}-{index}")
    errors = [e for _, page_log in pages for e in page_log.real_errors()]
    for context in contexts:
        context.close()
    server_log = app_server.log_since(log_start)
    if not _test_failed(item):
        assert not errors, "browser console errors:\n" + "\n".join(errors)
        assert "Traceback" not in server_log, "the server logged a traceback:\n" + server_log


@pytest.fixture
def page(new_page):
    """A page at 1280×800 in a fresh browser context."""
    return new_page()
