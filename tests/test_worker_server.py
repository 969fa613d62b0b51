"""gradcore.expressions.worker_server: workers run each job under CPU and memory limits, a worker past its
CPU budget is killed and replaced, a worker lost mid-job or a full line is named as such, and
answers can carry plain data only."""

import os
import pickle
import signal
import threading
from pathlib import Path

import pytest

from gradcore import ExpressionError, parse_expression
from gradcore.expressions import scheduling, worker, worker_server
from gradcore.expressions.symbolic import Analysis
from tests.process_helpers import SLOW, children_of, source, wait_for


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


def test_a_job_past_its_cpu_budget_is_killed_and_the_next_one_works():
    """With a 0.2 s CPU kill time the slow formula's worker (0.5 s of CPU) is killed and its
    job answered with a verdict that names the limit (cached like any verdict: the budget is
    the worker's own CPU time, not time in line); a fresh worker answers the next formula."""
    client = worker._Client(kill_seconds=0.2)
    try:
        status, message = worker_server.plain_loads(client.ask(*source(SLOW)))
        assert status == "error" and "more than 0.2 s of CPU time" in message
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


def test_a_worker_killed_mid_job_is_named_as_such_not_too_complex():
    """A worker killed from outside while on a job: the answer is "lost" (not cached), and
    its message says the worker was lost and that this says nothing about the formula."""
    client = worker._Client()
    answers = []
    try:
        asking = threading.Thread(target=lambda: answers.append(client.ask(*source(SLOW))))
        asking.start()
        server = wait_for(client.pid, what="the server start")
        busy = wait_for(lambda: [p for p in children_of(server)
                                 if worker_server._cpu_of(p) >= 0.05], what="a busy worker")
        os.kill(busy[0], signal.SIGKILL)
        asking.join(30)
        status, message = worker_server.plain_loads(answers[0])
        assert status == "lost"
        assert "lost the worker" in message and "too complex" not in message
        with pytest.raises(ExpressionError, match="says nothing about the formula"):
            worker._decode(answers[0])
    finally:
        client.stop()


class _Recorder(worker_server._Server):
    """The server's bookkeeping without processes: answers are recorded, not written."""

    def __init__(self, **settings):
        super().__init__(worker_server.KILL_SECONDS, **settings)
        self.sent = []

    def send(self, job_id, answer):
        self.sent.append((job_id, answer))


def _payload(owner, text):
    return pickle.dumps((owner, *source(text)))


def test_a_full_line_refuses_with_an_honest_busy_message():
    """With room for two waiting jobs, a third from an equally new session is answered
    "busy" at once, saying how many wait; nothing is cached for it (no verdict)."""
    server = _Recorder(workers=1, max_queued=2)
    for job_id, owner in enumerate(["a", "b", "c"], start=1):
        server.take(job_id, _payload(owner, f"x + {job_id}"))
    assert [job.job_id for job in server.schedule.queued] == [1, 2]
    (job_id, (status, message)), = server.sent
    assert job_id == 3 and status == "busy"
    assert message.startswith("the server is busy: 2 formulas are already waiting")
    with pytest.raises(ExpressionError, match="server is busy"):
        worker._decode(pickle.dumps(server.sent[0][1]))


def test_a_second_formula_from_a_session_replaces_its_waiting_one():
    """Session a's waiting job is answered "replaced" when a sends another; b's stays."""
    server = _Recorder(workers=1, max_queued=4)
    server.take(1, _payload("a", "x + 1"))
    server.take(2, _payload("b", "x + 2"))
    server.take(3, _payload("a", "x + 3"))
    assert [job.job_id for job in server.schedule.queued] == [2, 3]
    assert server.sent == [(1, ("replaced", worker_server.REPLACED_MESSAGE))]


def test_a_cancel_message_takes_a_waiting_job_out_of_line():
    """An empty message for a job id cancels that job: it is never handed to a worker."""
    server = _Recorder(workers=1, max_queued=4)
    server.take(1, _payload("a", "x + 1"))
    server.take(1, b"")
    assert server.schedule.queued == [] and server.sent == []


@pytest.mark.parametrize("value, expected", [("3", 3), ("1", 1), ("0", None), ("-2", None),
                                             ("many", None), ("", None), ("1000", None)])
def test_workers_are_sized_to_the_cores_unless_configured(monkeypatch, value, expected):
    """GRADLAB_FORMULA_WORKERS sets the workers per lane (1 to 64); anything else falls back
    to the cores this process may use; one job per worker may wait by default."""
    monkeypatch.setenv(scheduling.WORKERS_VARIABLE, value)
    cores = len(os.sched_getaffinity(0))
    assert scheduling.formula_workers() == (expected or cores)
    assert scheduling.formula_queue(scheduling.formula_workers()) == \
        scheduling.formula_workers()
