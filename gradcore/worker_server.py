"""The worker server: a small process that runs gradcore.symbolic's jobs in forked workers.

Started by ``gradcore.worker`` as ``python -c`` with its ``_BOOTSTRAP``, which imports only this
module and the symbolic ones (not the package's ``__init__`` with pandas and scikit-learn), so
it is ready in about a second. ``serve()`` warms sympy up (``_WARM_UP``), then reads jobs from
stdin (``HEADER``: job id and length, then a pickled (tree, variables)) and hands each to an
idle worker, forking up to ``MAX_WORKERS`` of them; more jobs wait in line. A worker answers
one job at a time and, after a job that ran out of time or memory, or after
``JOBS_PER_WORKER`` jobs, ends; a fresh fork replaces it when needed.

Limits per job: each stage's time budget (``symbolic.*_SECONDS`` of CPU time, a profiling
timer in the worker, which answers with what it has), ``kill_seconds`` of wall-clock time after
which the server kills a worker stuck in one long C call (its job is answered "lost", which
the app does not cache), ``CPU_SECONDS`` of CPU (RLIMIT_CPU) and ``MEMORY_BYTES`` more address
space than the worker started with (RLIMIT_AS). Answers are plain tuples, and the
server reads the workers' answers with an unpickler that refuses every class. When stdin
closes (the app process ended or shut it down), the server kills its workers and ends.
POSIX only (fork).
"""

from __future__ import annotations

import collections
import contextlib
import io
import math
import os
import pickle
import resource
import selectors
import signal
import struct
import time

from gradcore.errors import ExpressionError
from gradcore.parsing import read_formula
from gradcore.symbolic import TOO_COMPLEX_TO_READ, TOTAL_SECONDS, OutOfTime
from gradcore.symbolic import analyse as analyse_here
from gradcore.tree import Tree, show

MAX_WORKERS = 2
KILL_SECONDS = 2 * TOTAL_SECONDS + 0.5  # wall clock; the budgets count CPU time
CPU_SECONDS = 5
MEMORY_BYTES = 1 << 30
JOBS_PER_WORKER = 200
FAILED = ("'{text}' could not be worked with here (sympy gave up on it): try writing it "
          "another way")
HEADER = struct.Struct("!II")  # every message: job id, payload length, then the payload
_WARM_UP = "max(abs(x - 1), sigmoid(x), tanh(y)) + sin(x)*cos(y)/tan(x) + exp(x)*log(y) " \
    "+ sqrt(x)^3 + min(x, 1/2, pi) + e^y"


class _PlainUnpickler(pickle.Unpickler):
    """Reads tuples, strings and numbers only: an answer can name no class or function."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"an answer may not contain {module}.{name}")


def plain_loads(data: bytes):
    return _PlainUnpickler(io.BytesIO(data)).load()


# --- in a worker (a child of the worker server) ---------------------------------------------

_ran_out = False


def _out_of_time(signum, frame):
    global _ran_out
    _ran_out = True
    raise OutOfTime


@contextlib.contextmanager
def _alarm(seconds: float):
    """A worker's budget: raise OutOfTime in it after ``seconds`` of its own CPU time.

    CPU time, not wall-clock time, so the verdict on a formula (which is cached) does not
    depend on how busy the machine is; the server's wall-clock kill bounds the rest.
    """
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _limit_memory() -> None:
    """RLIMIT_AS: MEMORY_BYTES more address space than the worker has now."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("VmSize:"))
        limit = int(line.split()[1]) * 1024 + MEMORY_BYTES
    except (OSError, StopIteration, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _limit_cpu() -> None:
    """RLIMIT_CPU: CPU_SECONDS more than the worker has used so far (SIGXCPU ends it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + CPU_SECONDS
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft <= hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _answer(tree: Tree, variables: tuple[str, ...]) -> tuple:
    """("ok", analysis as a plain tuple) or ("error", message for an ExpressionError)."""
    global _ran_out
    try:
        result = analyse_here(tree, variables, _alarm)
    except ExpressionError as error:
        return "error", str(error)
    except (OutOfTime, MemoryError, RecursionError):
        _ran_out = True
        return "error", TOO_COMPLEX_TO_READ.format(text=show(tree))
    except Exception:  # sympy failing inside: the student gets a message, not a traceback
        _ran_out = True
        return "error", FAILED.format(text=show(tree))
    return "ok", (result.tree, result.latex, result.gradient_latex, result.partials,
                  result.notes)


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _work(job_fd: int, answer_fd: int) -> None:
    """A worker's loop: jobs in, (answer, last) out; it ends after a job that ran out of time
    or memory (its state may be half updated) or after JOBS_PER_WORKER jobs."""
    try:
        quiet = os.open(os.devnull, os.O_RDWR)
        os.dup2(quiet, 0)
        os.dup2(quiet, 1)  # the server's stdout carries answers: nothing else may write there
        signal.signal(signal.SIGPROF, _out_of_time)
        _limit_memory()
        for done in range(1, JOBS_PER_WORKER + 1):
            header = _read_exactly(job_fd, HEADER.size)
            if header is None:
                break
            job = pickle.loads(_read_exactly(job_fd, HEADER.unpack(header)[1]))
            _limit_cpu()
            answer = _answer(*job)
            last = _ran_out or done == JOBS_PER_WORKER
            data = pickle.dumps((answer, last))
            _write_all(answer_fd, HEADER.pack(0, len(data)) + data)
            if last:
                break
    finally:
        os._exit(0)


# --- the worker server ----------------------------------------------------------------------

class _Worker:
    """The server's view of one worker: its pid, pipes, the job it is on and its deadline."""

    def __init__(self, pid: int, job_fd: int, answer_fd: int):
        self.pid, self.job_fd, self.answer_fd = pid, job_fd, answer_fd
        self.buffer = bytearray()
        self.job: tuple[int, str] | None = None  # (job id, formula text for messages)
        self.deadline = math.inf


class _Server:
    """The worker server's loop: jobs from stdin, handed to idle workers, answers to stdout."""

    def __init__(self, kill_seconds: float):
        self.kill_seconds = kill_seconds
        self.selector = selectors.DefaultSelector()
        self.waiting: collections.deque = collections.deque()
        self.workers: dict[int, _Worker] = {}  # answer fd -> worker
        self.buffer = bytearray()

    def send(self, job_id: int, answer: tuple) -> None:
        data = pickle.dumps(answer)
        _write_all(1, HEADER.pack(job_id, len(data)) + data)

    def read_jobs(self) -> bool:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return False
        self.buffer += chunk
        while len(self.buffer) >= HEADER.size:
            job_id, length = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + length:
                break
            self.waiting.append((job_id, bytes(self.buffer[HEADER.size:HEADER.size + length])))
            del self.buffer[:HEADER.size + length]
        return True

    def fork(self) -> _Worker:
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (job_write, answer_read, *self.workers):
                os.close(fd)
            for worker in self.workers.values():
                os.close(worker.job_fd)
            self.selector.close()
            _work(job_read, answer_write)
        os.close(job_read)
        os.close(answer_write)
        worker = self.workers[answer_read] = _Worker(pid, job_write, answer_read)
        self.selector.register(answer_read, selectors.EVENT_READ)
        return worker

    def dispatch(self) -> None:
        while self.waiting:
            idle = [w for w in self.workers.values() if w.job is None]
            if not idle and len(self.workers) >= MAX_WORKERS:
                return
            worker = idle[0] if idle else self.fork()
            job_id, payload = self.waiting.popleft()
            text = show(pickle.loads(payload)[0])  # from the app process that started us
            worker.job, worker.deadline = (job_id, text), time.monotonic() + self.kill_seconds
            _write_all(worker.job_fd, HEADER.pack(job_id, len(payload)) + payload)

    def end(self, worker: _Worker, kill: bool) -> None:
        """Close a worker's pipes and reap it; answer its job (if any) as "lost": a failure
        that may come from a busy machine rather than the formula, so it is not cached."""
        del self.workers[worker.answer_fd]
        self.selector.unregister(worker.answer_fd)
        os.close(worker.answer_fd)
        os.close(worker.job_fd)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        os.waitpid(worker.pid, 0)
        if worker.job is not None:
            self.send(worker.job[0], ("lost", TOO_COMPLEX_TO_READ.format(text=worker.job[1])))

    def receive(self, worker: _Worker) -> None:
        chunk = os.read(worker.answer_fd, 1 << 16)
        if not chunk:  # the worker ended: after its last job, or killed by a limit
            self.end(worker, kill=False)
            return
        worker.buffer += chunk
        if len(worker.buffer) < HEADER.size:
            return
        length = HEADER.unpack_from(worker.buffer)[1]
        if len(worker.buffer) < HEADER.size + length:
            return
        answer, last = plain_loads(bytes(worker.buffer[HEADER.size:]))
        worker.buffer.clear()
        self.send(worker.job[0], answer)
        worker.job, worker.deadline = None, math.inf
        if last:
            self.end(worker, kill=False)

    def run(self) -> None:
        self.selector.register(0, selectors.EVENT_READ)
        while True:
            self.dispatch()
            deadline = min((w.deadline for w in self.workers.values()), default=math.inf)
            timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            for key, _events in self.selector.select(timeout):
                if key.fd == 0:
                    if not self.read_jobs():
                        for worker in list(self.workers.values()):
                            self.end(worker, kill=True)
                        return
                elif key.fd in self.workers:
                    self.receive(self.workers[key.fd])
            now = time.monotonic()
            for worker in [w for w in self.workers.values() if w.deadline <= now]:
                self.end(worker, kill=True)


def serve(kill_seconds: float = KILL_SECONDS) -> None:
    """Run the worker server on this process's stdin and stdout (started by ``_Client``);
    a worker still on a job after ``kill_seconds`` is killed.

    It first works through ``_WARM_UP`` itself, so sympy's lazily imported parts (the LaTeX
    printer, the derivative rules) are loaded once here rather than in every child.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the app; stdin closing stops us
    source = read_formula(_WARM_UP)
    analyse_here(source.tree, source.variables)
    _Server(kill_seconds).run()
