"""gradcore.worker_server: workers run each job under CPU and memory limits, a worker stuck past
the kill time is killed and replaced, and answers can carry plain data only."""

import os
import pickle
from pathlib import Path

import pytest

from gradcore import parse_expression, worker, worker_server
from gradcore.symbolic import Analysis
from tests.process_helpers import SLOW, children_of, source


def test_workers_run_with_cpu_and_memory_limits():
    """Each worker process has an RLIMIT_CPU and an RLIMIT_AS (read from /proc/<pid>/limits)."""
    worker.clear_cache()
    parse_expression("x^2 + 99")
    workers = children_of(worker.server_pid())
    assert workers
    limits = Path(f"/proc/{workers[0]}/limits").read_text().splitlines()
    cpu = next(line for line in limits if line.startswith("Max cpu time")).split()
    memory = next(line for line in limits if line.startswith("Max address space")).split()
    assert cpu[3] != "unlimited" and int(cpu[3]) <= worker_server.CPU_SECONDS + 60
    assert memory[3] != "unlimited"


def test_a_job_past_the_kill_time_is_killed_and_the_next_one_works():
    """With a 0.2 s kill time the slow formula's worker (0.5 s) is killed and its job answered
    "lost" (which the app does not cache); a fresh worker answers the next formula."""
    client = worker._Client(kill_seconds=0.2)
    try:
        status, message = worker_server.plain_loads(client.ask(*source(SLOW)))
        assert status == "lost" and "too complex to read here" in message
        answer = worker._decode(client.ask(*source("x + 1")))
        assert isinstance(answer, Analysis) and answer.latex == "x + 1"
    finally:
        client.stop()


def test_answers_may_not_name_classes():
    """The unpickler for answers refuses anything that names a class or a function."""
    good = pickle.dumps(("ok", (("var", "x"), "x", ("1",), None, ())))
    assert isinstance(worker._decode(good), Analysis)
    for planted in [("ok", Analysis(("var", "x"), "x", ("1",), None)), ("error", 1j),
                    ("error", os.system)]:
        with pytest.raises(pickle.UnpicklingError):
            worker._decode(pickle.dumps(planted))
