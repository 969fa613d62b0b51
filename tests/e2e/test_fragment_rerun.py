"""A step on the regression page reruns only the stepper fragment, in a real browser.

The server runs with ``GRADLAB_TRACE_RUNS=1``, so it logs one line per page run
(``ui.shell.lessons.page_frame``: the data picker and everything above the stepper), per run of the
stepper fragment (``ui.regression.view._stepper``) and per scikit-learn fit
(``ui.regression.cache.prepare``). Opening the page logs all three; a click on "forward" must
log the fragment alone, while a setting outside the fragment (the number of steps) logs a page
run, which shows that the log does see full reruns.
"""

import pytest

from tests.e2e.browser import (
    metric_values,
    open_page,
    page_problems,
    start_app_server,
    stop_process_group,
    wait_metric_change,
    wait_ready,
    watched_page,
)
from ui.shell.lessons import TRACE_ENV, TRACE_PREFIX

pytestmark = pytest.mark.e2e

FORWARD = ".st-key-k_forward button"
PAGE_RUN = f"{TRACE_PREFIX} page pages/linear-regression.py"
FRAGMENT_RUN = f"{TRACE_PREFIX} fragment stepper"
FIT = f"{TRACE_PREFIX} scikit-learn fit"


@pytest.fixture(scope="module")
def traced_server(browser, tmp_path_factory):
    """An app server of its own whose environment has GRADLAB_TRACE_RUNS=1."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(TRACE_ENV, "1")
        server = start_app_server(tmp_path_factory.mktemp("traced") / "server.log")
    yield server
    stop_process_group(server.process)


def traces(log: str) -> list[str]:
    return [line.strip() for line in log.splitlines() if line.startswith(TRACE_PREFIX)]


def test_step_forward_reruns_the_fragment_only(browser, traced_server):
    """Two clicks on "forward": two fragment runs, no page run, no scikit-learn fit."""
    with watched_page(browser) as (page, console):
        open_page(page, f"{traced_server.url}/linear-regression?lr=0.1")
        opened = traces(traced_server.log_since(0))
        assert PAGE_RUN in opened and FRAGMENT_RUN in opened
        assert any(line.startswith(FIT) for line in opened), opened
        before = traced_server.log_size()
        step = metric_values(page)["step k"]
        total = step.split(" of ")[1]
        for expected in ("1", "2"):
            page.locator(FORWARD).click()
            step = wait_metric_change(page, "step k", step)
            assert step == f"{expected} of {total}"
        assert traces(traced_server.log_since(before)) == [FRAGMENT_RUN, FRAGMENT_RUN]
        # The control: a setting outside the fragment reruns the page, and the log shows it.
        before = traced_server.log_size()
        steps = page.get_by_role("spinbutton", name="Steps")
        steps.fill("150")
        steps.press("Enter")
        page.wait_for_function("() => new URLSearchParams(location.search).get('steps') === '150'")
        wait_ready(page)
        assert traces(traced_server.log_since(before)) == [PAGE_RUN, FRAGMENT_RUN]
        assert page_problems(page) == [] and console.real_errors() == []
        assert "Traceback" not in traced_server.log_since(0)
