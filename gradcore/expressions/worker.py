"""Symbolic work on typed formulas in other processes, so no formula can hold this one.

A Streamlit server is one process shared by a whole class, and sympy holds the interpreter
lock while it works: one slow formula would freeze every student's page. So ``analyse(tree,
variables, owner)`` (gradcore.expressions.symbolic: sympy's folding, LaTeX and derivatives) runs in the
worker server (``gradcore.expressions.worker_server``), a child process started on first use, whose forked
workers do each job under limits of CPU time and memory, in a fair, bounded line
(``gradcore.expressions.scheduling``: one waiting job per ``owner``, the session that asked). The calling
thread waits on a pipe, which releases the interpreter lock, so the rest of the app keeps
running.

Who asks: ``owner`` names the session (the app passes its Streamlit session id; gradcore never
imports streamlit). When it is not given, ``identify_callers(function)`` lets the app register
a function that returns (owner, still_wanted) for the calling thread; ``still_wanted()`` turns
false when the page that asked stopped waiting (it was rerun with new input, or closed), and
then the job is cancelled rather than left in line.

Answers are cached here per (tree, variables), verdicts only (the analysis, or an
ExpressionError from the formula itself, e.g. past its CPU budget), in a bounded LRU cache
(``CACHE_SIZE``), and a formula asked for by several sessions at once is worked on once (a
class opening the teacher's link). What is no verdict on the formula is an ExpressionError
that says so and is not cached: the line was full ("busy"), no worker took the job within
``WAIT_SECONDS`` ("busy"; the job is cancelled), the worker or the worker server was lost
mid-job, or the same session replaced the formula with a newer one. A job whose page stopped waiting while it ran
still finishes, and its answer is cached for the next time. The server ends when this process
closes its stdin: at exit, or ``shutdown()``.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gradcore.errors import ExpressionError
from gradcore.expressions.symbolic import Analysis
from gradcore.expressions.tree import Tree
from gradcore.expressions.worker_server import HEADER, KILL_SECONDS, plain_loads

WAIT_SECONDS = 15.0
POLL_SECONDS = 0.1  # how often a waiting caller asks whether its page still wants the answer
CACHE_SIZE = 1024
ABANDONED_SIZE = 256  # jobs whose caller stopped waiting, remembered to cache a late answer
BUSY = ("the server is busy: no worker could take your formula within {seconds:g} s, so it "
        "was taken out of the line; try again in a few seconds")
NOT_WANTED = "the page stopped waiting for this formula (it was changed or closed)"
SERVER_GONE = ("the server's formula process stopped before it answered (it is being restarted): "
               "this says nothing about the formula, so try again in a few seconds")
NO_VERDICT = ("lost", "busy", "replaced")  # answers that say nothing about the formula
# A "busy" answer from the server (its line was full) reaches the page after this pause, spent
# asleep (no CPU), cut short when the page stops waiting. Without it a page that retypes its
# formula as soon as it is refused reruns several times a second, and twenty such pages keep
# the app's one Python interpreter so busy that every other student's page waits, though the
# workers are not any busier (benchmarks/bench_fairness.py: the victim's p95, ws mode).
BUSY_PAUSE_SECONDS = 1.0
_BOOTSTRAP = """
import os, sys, types
for name, path in (("gradcore", sys.argv[1]), ("gradcore.expressions",
                                               os.path.join(sys.argv[1], "expressions"))):
    package = types.ModuleType(name)  # the packages without their __init__'s imports
    package.__path__ = [path]
    sys.modules[name] = package
from gradcore.expressions.worker_server import serve
serve(float(sys.argv[3]))
"""
_SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _decode(data: bytes) -> Analysis | str:
    """An answer to cache: the analysis, or the message of an ExpressionError. An answer that
    is no verdict on the formula (``NO_VERDICT``) raises the ExpressionError at once: it is
    not cached."""
    status, answer = plain_loads(data)
    if status in NO_VERDICT:
        raise ExpressionError(str(answer))
    if status == "error":
        return str(answer)
    tree, latex, gradient_latex, partials, notes = answer
    return Analysis(tree, latex, tuple(gradient_latex), partials, tuple(notes))


def _always_wanted() -> bool:
    return True


class _Client:
    """This process's end of the worker server: sends jobs, a thread reads the answers.

    ``kill_seconds``: the CPU seconds after which the server kills a job's worker.
    ``on_late_answer(key, data)`` receives the answer to a job whose caller stopped waiting.
    """

    def __init__(self, kill_seconds: float = KILL_SECONDS):
        self.kill_seconds = kill_seconds
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.waiting: dict[int, list] = {}  # job id -> [event, answer bytes or None]
        self.abandoned: collections.OrderedDict = collections.OrderedDict()  # job id -> key
        self.on_late_answer: Callable[[tuple, bytes], None] | None = None
        self.next_id = 0

    def start(self) -> None:
        package = str(Path(__file__).resolve().parent.parent)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOTSTRAP, package, "gradcore-worker",
             str(self.kill_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, **_SINGLE_THREADED},
            close_fds=True)
        threading.Thread(target=self.read, args=(self.process,), daemon=True,
                         name="gradcore-worker-answers").start()

    def read(self, process: subprocess.Popen) -> None:
        stream = process.stdout
        while (header := stream.read(HEADER.size)) and len(header) == HEADER.size:
            job_id, length = HEADER.unpack(header)
            data = stream.read(length)
            with self.lock:
                slot = self.waiting.pop(job_id, None)
                key = self.abandoned.pop(job_id, None)
            if slot is not None:
                slot[1] = data
                slot[0].set()
            elif key is not None and self.on_late_answer is not None:
                self.on_late_answer(key, data)
        with self.lock:  # the server is gone: wake everyone still waiting on it
            if self.process is process:
                self.process = None
            lost = list(self.waiting.values())
            self.waiting.clear()
        for slot in lost:
            slot[0].set()

    def _send(self, job_id: int, payload: bytes) -> bool:
        """Write one message (the lock held); False if the server is gone."""
        try:
            self.process.stdin.write(HEADER.pack(job_id, len(payload)) + payload)
            self.process.stdin.flush()
        except (OSError, AttributeError, ValueError):
            return False
        return True

    def ask(self, tree: Tree, variables: tuple[str, ...], owner: str | None = None,
            wanted: Callable[[], bool] = _always_wanted) -> bytes | None:
        """The worker's answer as bytes; None if none came within WAIT_SECONDS or ``wanted()``
        turned false first (the job is then cancelled)."""
        payload = pickle.dumps((owner, tree, tuple(variables)))
        slot = [threading.Event(), None]
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.start()
            self.next_id += 1
            job_id = self.next_id
            self.waiting[job_id] = slot
            if not self._send(job_id, payload):
                self.waiting.pop(job_id, None)
                return None
        waited = 0.0
        while not slot[0].wait(POLL_SECONDS):
            waited += POLL_SECONDS
            if waited >= WAIT_SECONDS or not wanted():
                self.cancel(job_id, (tree, tuple(variables)))
                break
        return slot[1]

    def cancel(self, job_id: int, key: tuple) -> None:
        """Take a job out of the server's line; if it is already running, its answer will
        still come, and goes to ``on_late_answer``."""
        with self.lock:
            if self.waiting.pop(job_id, None) is None:
                return
            self.abandoned[job_id] = key
            while len(self.abandoned) > ABANDONED_SIZE:
                self.abandoned.popitem(last=False)
            if self.process is not None:
                self._send(job_id, b"")

    def pid(self) -> int | None:
        with self.lock:
            return self.process.pid if self.process and self.process.poll() is None else None

    def stop(self) -> None:
        with self.lock:
            process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=KILL_SECONDS + 5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_client = _Client()
_lock = threading.Lock()
_cache: collections.OrderedDict = collections.OrderedDict()
_running: dict = {}
_callers: Callable[[], tuple[str | None, Callable[[], bool]]] | None = None


def identify_callers(function: Callable[[], tuple[str | None, Callable[[], bool]]] | None) -> None:
    """Register ``function() -> (owner, still_wanted)``, asked in the calling thread when
    ``analyse`` gets no owner (module docstring); None removes it."""
    global _callers
    _callers = function


def _caller() -> tuple[str | None, Callable[[], bool]]:
    if _callers is None:
        return None, _always_wanted
    try:
        owner, wanted = _callers()
    except Exception:  # noqa: BLE001 - the app's hook must never break a formula
        return None, _always_wanted
    return owner, wanted or _always_wanted


def _cached(key):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def _store(key, result: Analysis | str) -> None:
    with _lock:
        _cache[key] = result
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _late_answer(key, data: bytes) -> None:
    """The answer to a job whose caller stopped waiting: cached if it is a verdict."""
    with contextlib.suppress(ExpressionError):
        _store(key, _decode(data))


_client.on_late_answer = _late_answer


def _pause(seconds: float, wanted: Callable[[], bool]) -> None:
    """Sleep `seconds` in steps of POLL_SECONDS, or until ``wanted()`` turns false."""
    waited = 0.0
    while waited < seconds and wanted():
        _sleep(min(POLL_SECONDS, seconds - waited))
        waited += POLL_SECONDS


_sleep = time.sleep  # tests replace it


def _compute(key, owner: str | None, wanted: Callable[[], bool]) -> Analysis | str:
    """The answer to cache; ExpressionError (not cached) if it is no verdict on the formula."""
    data = _client.ask(*key, owner=owner, wanted=wanted)
    if data is not None:
        if plain_loads(data)[0] == "busy":
            _pause(BUSY_PAUSE_SECONDS, wanted)
        return _decode(data)
    if not wanted():
        raise ExpressionError(NOT_WANTED)
    if _client.pid() is None:
        raise ExpressionError(SERVER_GONE)
    raise ExpressionError(BUSY.format(seconds=WAIT_SECONDS))


def analyse(tree: Tree, variables: tuple[str, ...], owner: str | None = None) -> Analysis:
    """``symbolic.analyse`` in a worker, cached; raises ExpressionError as it does, and when
    there is no verdict (module docstring). ``owner``: the asking session (default: from the
    function given to ``identify_callers``)."""
    key = (tree, tuple(variables))
    found_owner, wanted = _caller()
    owner = owner if owner is not None else found_owner
    while (result := _cached(key)) is None:
        with _lock:
            event, mine = _running.get(key), False
            if event is None:
                event, mine = _running.setdefault(key, threading.Event()), True
        if not mine:
            if not event.wait(WAIT_SECONDS):
                raise ExpressionError(BUSY.format(seconds=WAIT_SECONDS))
            continue
        try:
            result = _compute(key, owner, wanted)
            _store(key, result)
        finally:
            with _lock:
                _running.pop(key).set()
    if isinstance(result, str):
        raise ExpressionError(result)
    return result


def warm_up() -> None:
    """Start the worker server now rather than at the first formula (about a second)."""
    _client.ask(("int", 0), (), owner="gradcore-warm-up")


def server_pid() -> int | None:
    """The worker server's process id, None when it is not running (tests, benchmarks)."""
    return _client.pid()


def shutdown() -> None:
    """End the worker server (it finishes or kills its children first); the next formula
    starts a new one."""
    _client.stop()


def clear_cache() -> None:
    """Forget every cached answer (benchmarks measure cold runs with it)."""
    with _lock:
        _cache.clear()


atexit.register(shutdown)

