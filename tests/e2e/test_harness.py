"""The browser-test harness checks itself: its error collector, screenshots and server stop."""

import os
import struct

import pytest

from tests.e2e.browser import (
    find_chromium,
    open_page,
    page_problems,
    save_screenshots,
    start_app_server,
    stop_process_group,
    watched_page,
)

pytestmark = pytest.mark.e2e


def _png_width(path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">I", header[16:20])[0]


def test_find_chromium_honours_the_environment(monkeypatch, tmp_path):
    """GRADLAB_CHROMIUM wins when it names a file, and a missing file means no browser."""
    fake = tmp_path / "my-chromium"
    fake.write_text("")
    monkeypatch.setenv("GRADLAB_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)
    monkeypatch.setenv("GRADLAB_CHROMIUM", str(tmp_path / "absent"))
    assert find_chromium() is None


def test_console_errors_are_collected(browser):
    """A console.error and an uncaught exception in the page both reach the error list."""
    with watched_page(browser) as (page, log):
        page.set_content("<p>probe</p>")
        with page.expect_console_message(lambda m: m.type == "error"):
            page.evaluate("console.log('not an error'); console.error('planted error')")
        with page.expect_event("pageerror"):
            page.evaluate("setTimeout(() => { throw new Error('planted throw'); }, 0)")
        errors = log.real_errors()
        assert len(errors) == 2, errors
        assert "planted error" in errors[0]
        assert "planted throw" in errors[1]


def test_problems_are_detected(browser):
    """page_problems reports an exception box and traceback text, and nothing on a clean page."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<p>fine</p>")
        assert page_problems(page) == []
        page.set_content(
            "<div data-testid='stException'>ZeroDivisionError</div><pre>Traceback (most recent"
            " call last)</pre>"
        )
        assert len(page_problems(page)) == 2
    finally:
        context.close()


def test_screenshots_at_both_sizes(page, app_server, tmp_path, monkeypatch):
    """save_screenshots writes one PNG per viewport, as wide as that viewport."""
    monkeypatch.setattr("tests.e2e.browser.SCREENSHOT_DIR", tmp_path)
    open_page(page, app_server.url + "/")
    written = save_screenshots(page, "harness")
    assert [p.name for p in written] == [
        "harness-desktop-1280x800.png",
        "harness-phone-390x844.png",
    ]
    assert [_png_width(p) for p in written] == [1280, 390]


def test_server_stop_leaves_no_process(tmp_path):
    """Stopping a server ends its whole process group."""
    server = start_app_server(tmp_path / "server.log")
    stop_process_group(server.process)
    assert server.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(server.process.pid, 0)
