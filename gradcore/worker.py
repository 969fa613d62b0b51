"""Symbolic work on typed formulas in other processes, so no formula can hold this one.

A Streamlit server is one process shared by a whole class, and sympy holds the interpreter
lock while it works: one slow formula would freeze every student's page. So ``analyse(tree,
variables)`` (gradcore.symbolic: sympy's folding, LaTeX and derivatives) runs in the worker
server (``gradcore.worker_server``), a child process started on first use, whose forked workers
do each job under limits of time, CPU and memory. The calling thread waits on a pipe, which
releases the interpreter lock, so the rest of the app keeps running.

Answers are cached here per (tree, variables), failures included, in a bounded LRU cache
(``CACHE_SIZE``), and a formula asked for by several sessions at once is worked on once (a
class opening the teacher's link). No answer within ``WAIT_SECONDS`` (a long line of jobs) is
a "busy" ExpressionError, and a job whose worker had to be killed an ExpressionError too;
neither is cached (both can come from a busy machine). The server ends when this process closes its stdin: at
exit, or ``shutdown()``.
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
from pathlib import Path

from gradcore.errors import ExpressionError
from gradcore.symbolic import Analysis
from gradcore.tree import Tree
from gradcore.worker_server import HEADER, KILL_SECONDS, plain_loads

WAIT_SECONDS = 15.0
CACHE_SIZE = 1024
BUSY = "the server is busy working on other formulas: try again in a few seconds"
_BOOTSTRAP = """
import sys, types
package = types.ModuleType("gradcore")
package.__path__ = [sys.argv[1]]
sys.modules["gradcore"] = package
from gradcore.worker_server import serve
serve(float(sys.argv[3]))
"""
_SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _decode(data: bytes) -> Analysis | str:
    """An answer to cache: the analysis, or the message of an ExpressionError. A "lost" job
    (its worker was killed) raises the ExpressionError at once: it is not cached."""
    status, answer = plain_loads(data)
    if status == "lost":
        raise ExpressionError(str(answer))
    if status == "error":
        return str(answer)
    tree, latex, gradient_latex, partials, notes = answer
    return Analysis(tree, latex, tuple(gradient_latex), partials, tuple(notes))


class _Client:
    """This process's end of the worker server: sends jobs, a thread reads the answers."""

    def __init__(self, kill_seconds: float = KILL_SECONDS):
        self.kill_seconds = kill_seconds
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.waiting: dict[int, list] = {}  # job id -> [event, answer bytes or None]
        self.next_id = 0

    def start(self) -> None:
        package = str(Path(__file__).resolve().parent)
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
            if slot is not None:
                slot[1] = data
                slot[0].set()
        with self.lock:  # the server is gone: wake everyone still waiting on it
            if self.process is process:
                self.process = None
            lost = list(self.waiting.values())
            self.waiting.clear()
        for slot in lost:
            slot[0].set()

    def ask(self, tree: Tree, variables: tuple[str, ...]) -> bytes | None:
        """The worker's answer as bytes; None if none came within WAIT_SECONDS."""
        payload = pickle.dumps((tree, variables))
        slot = [threading.Event(), None]
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.start()
            self.next_id += 1
            job_id = self.next_id
            self.waiting[job_id] = slot
            try:
                self.process.stdin.write(HEADER.pack(job_id, len(payload)) + payload)
                self.process.stdin.flush()
            except OSError:
                self.waiting.pop(job_id, None)
                return None
        if not slot[0].wait(WAIT_SECONDS):
            with self.lock:
                self.waiting.pop(job_id, None)
        return slot[1]

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
            process.wait(timeout=KILL_SECONDS + 2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_client = _Client()
_lock = threading.Lock()
_cache: collections.OrderedDict = collections.OrderedDict()
_running: dict = {}


def _cached(key):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def _compute(key) -> Analysis | str:
    """The answer to cache; ExpressionError (not cached) if none came or the worker was lost."""
    data = _client.ask(*key)
    if data is None:
        raise ExpressionError(BUSY)
    return _decode(data)


def analyse(tree: Tree, variables: tuple[str, ...]) -> Analysis:
    """``symbolic.analyse`` in a worker, cached; raises ExpressionError as it does."""
    key = (tree, tuple(variables))
    while (result := _cached(key)) is None:
        with _lock:
            event, mine = _running.get(key), False
            if event is None:
                event, mine = _running.setdefault(key, threading.Event()), True
        if not mine:
            if not event.wait(WAIT_SECONDS):
                raise ExpressionError(BUSY)
            continue
        try:
            result = _compute(key)
            with _lock:
                _cache[key] = result
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
        finally:
            with _lock:
                _running.pop(key).set()
    if isinstance(result, str):
        raise ExpressionError(result)
    return result


def warm_up() -> None:
    """Start the worker server now rather than at the first formula (about a second)."""
    _client.ask(("int", 0), ())


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

