"""The Locust classroom user (benchmarks/locustfile.py) against one real server, briefly.

No browser is needed: the students speak Streamlit's websocket protocol. Three students, one
starting on each lesson, each go through the three lessons once (``--lessons 3``) with two
actions per lesson and short think times; Locust ends when the last one is done, so the amount
of work is fixed and a slow (loaded) machine makes the test take longer, not fail. Every action
is checked by the user itself (the expected number, no exception or error alert); here every
action must have succeeded exactly as often as the plan says, none may have failed, and the
server must not have logged a traceback. A change that breaks the load test, or a page it
drives, shows up here rather than in a capacity run.

Locust runs in a subprocess: importing it patches the standard library with gevent, which
must not happen inside pytest. Skipped when locust is not installed
(``pip install -r requirements-dev.txt``), failed instead in CI (``GRADLAB_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.e2e.browser import REPO_ROOT, start_app_server, stop_process_group
from tests.e2e.conftest import skip_or_fail

pytestmark = pytest.mark.e2e

STUDENTS = 3
ACTIONS_PER_LESSON = 2
# Each student: one connection, each lesson opened once, two actions on each (on linear
# regression: the upload, then one step forward).
EXPECTED = {
    "WS connect": STUDENTS,
    "open /derivatives": STUDENTS,
    "open /gradients": STUDENTS,
    "open /linear-regression": STUDENTS,
    "derivatives: move x0": STUDENTS * ACTIONS_PER_LESSON,
    "gradients: change point": STUDENTS * ACTIONS_PER_LESSON,
    "regression: upload CSV": STUDENTS,
    "regression: step forward": STUDENTS * (ACTIONS_PER_LESSON - 1),
}
# Only a safety net against a hang: the run ends when the students are done (about 10 s).
RUN_TIME_CAP_S = 150


@pytest.fixture(scope="module")
def load_server(tmp_path_factory):
    if importlib.util.find_spec("locust") is None:
        skip_or_fail("locust is not installed (pip install -r requirements-dev.txt)")
    server = start_app_server(tmp_path_factory.mktemp("load") / "server.log")
    yield server
    stop_process_group(server.process)


def test_locust_students_succeed_at_every_action(load_server, tmp_path):
    summary_path = tmp_path / "summary.json"
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO_ROOT / "benchmarks" / "locustfile.py"),
        "--headless", "--host", load_server.url,
        "-u", str(STUDENTS), "-r", str(STUDENTS), "-t", f"{RUN_TIME_CAP_S}s",
        "--lessons", "3", "--actions-per-page", str(ACTIONS_PER_LESSON),
        "--think-min", "0.1", "--think-max", "0.3",
        "--action-timeout", "60", "--stop-timeout", "60", "--only-summary",
        "--summary-json", str(summary_path),
    ]
    log_start = load_server.log_size()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=RUN_TIME_CAP_S + 90)
    output = result.stdout + result.stderr
    assert "--run-time limit reached" not in output, f"the students did not finish:\n{output}"
    assert result.returncode == 0, f"locust exited with {result.returncode}:\n{output[-3000:]}"
    summary = json.loads(summary_path.read_text())
    assert summary["failures"] == [], f"failed actions:\n{output[-3000:]}"
    done = {name: figures["requests"] for name, figures in summary["actions"].items()}
    assert done == EXPECTED, f"actions done {done}, planned {EXPECTED}:\n{output[-3000:]}"
    server_log = load_server.log_since(log_start)
    assert "Traceback" not in server_log, "the server logged a traceback:\n" + server_log
