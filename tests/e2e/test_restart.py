"""After a server restart an open tab keeps working (the fault of the first classroom trial).

Every open tab reconnects to a new, empty session. The regression stepper is a fragment that
the new session has never run; Streamlit dropped its clicks ("The fragment ... does not exist
anymore") until the student reloaded. ui/shell/server.py, installed at start-up by app.py's st.App
lifespan hook, reruns the whole page instead.
"""

import pytest

from tests.e2e.browser import (
    CONNECTED_SELECTOR,
    metric_values,
    open_page,
    page_problems,
    start_app_server,
    stop_process_group,
    wait_metric_change,
    watched_page,
)

pytestmark = pytest.mark.e2e

FORWARD = ".st-key-k_forward button"


def test_step_buttons_work_after_a_restart_and_a_lost_upload_is_explained(browser, tmp_path):
    """Restart under an open tab: "forward" still steps (a full rerun), with no error."""
    server = start_app_server(tmp_path / "first.log")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        with watched_page(browser) as (page, _):
            open_page(page, f"{server.url}/linear-regression?lr=0.1&k=4")
            start = metric_values(page)["step k"]
            assert start.startswith("4 of ")
            stop_process_group(server.process)
            page.wait_for_selector(CONNECTED_SELECTOR, state="detached")
            server = start_app_server(tmp_path / "second.log", port=port)
            page.wait_for_selector(CONNECTED_SELECTOR, timeout=60_000)
            page.locator(FORWARD).click()
            assert wait_metric_change(page, "step k", start).startswith("5 of ")
            assert page_problems(page) == []
            assert "does not exist anymore" not in server.log_since(0)
            open_page(page, f"{server.url}/linear-regression?src=upload")
            assert "please upload it again" in page.inner_text("body")
    finally:
        stop_process_group(server.process)
