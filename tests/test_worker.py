"""gradcore.expressions.worker: sympy's work happens in other processes, bounded in time, CPU and memory,
cached (verdicts only), asked once per formula, cancelled when nobody waits for it any more,
and nothing is left running after shutdown."""

import os
import pickle
import threading
import time

import pytest

from gradcore import ExpressionError, parse_expression
from gradcore.expressions import worker, worker_server
from tests.process_helpers import SLOW, children_of, running, source, wait_for


@pytest.fixture
def counted(monkeypatch):
    """Counts the jobs sent to the worker server."""
    calls = []
    ask = worker._client.ask

    def counting(*job, **how):
        calls.append(job)
        return ask(*job, **how)

    monkeypatch.setattr(worker._client, "ask", counting)
    return calls


def test_the_symbolic_work_runs_in_another_process():
    """After a parse the worker server runs, and it is not this process."""
    parse_expression("x^2 + 1")
    pid = worker.server_pid()
    assert pid is not None and pid != os.getpid() and running(pid)


def test_answers_are_cached_failures_included(counted):
    """A second parse of the same formula, accepted or refused, asks no worker."""
    worker.clear_cache()
    for text in ["x^3 + 7", "(x-x+3)^(x-x+1000)"]:
        for _ in range(2):
            try:
                parse_expression(text)
            except ExpressionError:
                pass
    assert len(counted) == 2


def test_a_formula_asked_by_many_sessions_at_once_is_worked_on_once(counted):
    """Eight threads parse the same new slow formula: one job, eight equal answers."""
    worker.clear_cache()
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(parse_expression(SLOW).latex))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counted) == 1 and len(set(answers)) == 1 and len(answers) == 8


def test_the_cache_is_bounded(monkeypatch):
    """No more than CACHE_SIZE answers are kept; the oldest go first."""
    worker.clear_cache()
    monkeypatch.setattr(worker, "CACHE_SIZE", 3)
    for k in range(5):
        parse_expression(f"x + {k}")
    assert len(worker._cache) == 3
    assert worker._cached(source("x + 4")) is not None
    assert worker._cached(source("x + 0")) is None


def test_no_answer_in_time_is_a_busy_message_and_not_cached(monkeypatch):
    """When no answer comes, the student reads 'busy, try again', and the next try asks again."""
    worker.clear_cache()
    monkeypatch.setattr(worker._client, "ask", lambda tree, variables, **how: None)
    with pytest.raises(ExpressionError, match="busy"):
        parse_expression("x + 123")
    assert worker._cached(source("x + 123")) is None


@pytest.mark.parametrize("status", ["lost", "busy", "replaced"])
def test_an_answer_that_is_no_verdict_is_an_error_that_is_not_cached(monkeypatch, status):
    """A "lost" answer (the worker died), "busy" (the line was full) or "replaced" raises the
    server's ExpressionError and is asked again later."""
    worker.clear_cache()
    answer = pickle.dumps((status, f"the server says {status}"))
    monkeypatch.setattr(worker._client, "ask", lambda tree, variables, **how: answer)
    with pytest.raises(ExpressionError, match=f"the server says {status}"):
        parse_expression("x + 321")
    assert worker._cached(source("x + 321")) is None


def test_a_full_line_is_said_after_a_pause_that_ends_when_the_page_stops_waiting(monkeypatch):
    """A "busy" answer (the server's line was full) reaches the page after BUSY_PAUSE_SECONDS
    asleep, so a page that retypes at once cannot rerun many times a second; a page that stops
    waiting (rerun with new input, closed) is let go at the next poll. Other answers: no pause."""
    slept = []
    monkeypatch.setattr(worker, "_sleep", slept.append)
    busy = pickle.dumps(("busy", "the server is busy: 2 formulas are already waiting"))
    monkeypatch.setattr(worker._client, "ask", lambda tree, variables, **how: busy)
    worker.clear_cache()
    with pytest.raises(ExpressionError, match="already waiting"):
        parse_expression("x + 555")
    assert sum(slept) == pytest.approx(worker.BUSY_PAUSE_SECONDS, abs=1e-9)
    assert max(slept) <= worker.POLL_SECONDS

    slept.clear()
    answers = iter([True, True, False])
    monkeypatch.setattr(worker, "_caller", lambda: (None, lambda: next(answers, False)))
    with pytest.raises(ExpressionError, match="already waiting"):
        parse_expression("x + 556")
    assert len(slept) == 2  # two polls, then the page no longer waited

    slept.clear()
    lost = pickle.dumps(("lost", "the worker was lost"))
    monkeypatch.setattr(worker._client, "ask", lambda tree, variables, **how: lost)
    with pytest.raises(ExpressionError, match="lost"):
        parse_expression("x + 557")
    assert slept == []


def test_shutdown_leaves_nothing_running_and_the_next_formula_starts_again():
    """shutdown() ends the server and its workers; a later parse starts a new server."""
    worker.clear_cache()
    parse_expression("x^2 + 5")
    server = worker.server_pid()
    workers = children_of(server)
    worker.shutdown()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(running(p) for p in [server, *workers]):
        time.sleep(0.05)
    assert not any(running(p) for p in [server, *workers])
    assert worker.server_pid() is None
    assert parse_expression("x^2 + 6").gradient([1.0])[0] == 2.0
    assert worker.server_pid() not in (None, server)


def test_a_killed_server_is_replaced():
    """If the server dies (killed from outside), the next formula gets a new one."""
    parse_expression("x + 7")
    server = worker.server_pid()
    os.kill(server, 9)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and worker.server_pid() == server:
        time.sleep(0.05)
    worker.clear_cache()
    assert parse_expression("x + 8").value([1.0]) == 9.0
    assert worker.server_pid() not in (None, server)


def test_a_job_whose_page_stops_waiting_is_cancelled(monkeypatch):
    """When ``wanted()`` turns false, ask() stops waiting at once and sends the server a
    cancel for that job (an empty message with its id), so it leaves the line."""
    client = worker._Client()
    sent, stop = [], threading.Event()
    send = client._send

    def recording(job_id, payload):
        sent.append((job_id, payload))
        return send(job_id, payload)

    monkeypatch.setattr(client, "_send", recording)
    try:
        client.ask(*source("x + 11"), owner="page")  # the server is up and has a worker
        answer = []
        asking = threading.Thread(target=lambda: answer.append(
            client.ask(*source(SLOW), owner="page", wanted=lambda: not stop.is_set())))
        asking.start()
        wait_for(lambda: len(sent) == 2, what="the job being sent")
        stop.set()
        asking.join(10)
        assert answer == [None]
        assert sent[-1] == (sent[1][0], b"")
    finally:
        client.stop()


def test_a_running_job_nobody_waits_for_finishes_and_is_cached():
    """The page stops waiting while its formula is being worked on: the caller gets "the page
    stopped waiting" at once (no verdict, not cached), the job finishes in its worker and its
    answer is cached for the next time."""
    worker.clear_cache()
    text = SLOW.replace("x^10", "x^12")
    stop, errors = threading.Event(), []
    worker.identify_callers(lambda: ("a page", lambda: not stop.is_set()))

    def asking():
        try:
            parse_expression(text)
        except ExpressionError as error:
            errors.append(str(error))

    try:
        worker.warm_up()
        server = worker.server_pid()
        before = {p: worker_server._cpu_of(p) for p in children_of(server)}
        thread = threading.Thread(target=asking)
        thread.start()
        wait_for(lambda: [p for p in children_of(server)
                          if worker_server._cpu_of(p) - before.get(p, 0.0) >= 0.05],
                 what="a worker on the job")
        stop.set()
        thread.join(10)
        assert errors == [worker.NOT_WANTED]
        assert wait_for(lambda: worker._cached(source(text)), what="the late answer") is not None
    finally:
        worker.identify_callers(None)


def test_a_server_killed_mid_job_is_named_as_such_and_not_cached():
    """The worker server dies while a formula is worked on: the caller is told the server's
    process stopped (no verdict, not cached), and the next formula starts a new server."""
    worker.clear_cache()
    worker.warm_up()
    text = SLOW.replace("x^10", "x^13")
    server, errors = worker.server_pid(), []
    before = {p: worker_server._cpu_of(p) for p in children_of(server)}

    def asking():
        try:
            parse_expression(text)
        except ExpressionError as error:
            errors.append(str(error))

    thread = threading.Thread(target=asking)
    thread.start()
    wait_for(lambda: [p for p in children_of(server)
                      if worker_server._cpu_of(p) - before.get(p, 0.0) >= 0.05],
             what="a worker on the job")
    os.kill(server, 9)
    thread.join(10)
    assert errors == [worker.SERVER_GONE]
    assert worker._cached(source(text)) is None
    assert parse_expression("x + 9").value([1.0]) == 10.0
