"""The worker server: a small process that runs gradcore.expressions.symbolic's jobs in forked workers.

Started by ``gradcore.expressions.worker`` as ``python -c`` with its ``_BOOTSTRAP``, which imports only this
module and the symbolic ones (not the package's ``__init__`` with pandas and scikit-learn), so
it is ready in about a second. ``serve()`` warms sympy up (``_WARM_UP``), then reads messages
from stdin (``HEADER``: job id and length; then a pickled (owner, tree, variables), or nothing
to cancel that job) and puts each job in line (``gradcore.expressions.scheduling.Schedule``: one waiting
job per session, fair order, a bounded line, a regular and an express lane). It forks up to
``formula_workers()`` workers per lane (regular ones at ``REGULAR_NICE``, so heavy formulas
yield the CPU to the app's page runs and to light formulas); a worker answers one job at a time and, after a job
that ran out of time or memory, or after ``JOBS_PER_WORKER`` jobs, ends; a fresh fork replaces
it when needed.

Limits per job, all counted in the worker's own CPU time, so time spent waiting in line or
sharing a busy machine never turns into a verdict on the formula: each stage's budget
(``symbolic.*_SECONDS``, a profiling timer in the worker, which answers with what it has);
``kill_seconds`` of CPU after which the server kills a worker stuck in one long C call
(answered "too complex", which the app caches like any verdict); ``CPU_SECONDS`` more
(RLIMIT_CPU) and ``MEMORY_BYTES`` more address space (RLIMIT_AS) as backstops. Only a worker
that ends without an answer (killed from outside, out of memory) or that got no CPU to finish
within ``STALL_SECONDS`` of wall-clock time is answered "lost", and a job refused because the
line is full "busy": neither is a verdict, and the app caches neither. Answers are plain tuples, and the
server reads the workers' answers with an unpickler that refuses every class. When stdin
closes (the app process ended or shut it down), the server kills its workers and ends.
POSIX only (fork).
"""

from __future__ import annotations

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
from gradcore.expressions.parsing import read_formula
from gradcore.expressions.scheduling import REPLACED, Job, Schedule, formula_queue, formula_workers
from gradcore.expressions.symbolic import TOO_COMPLEX_TO_READ, TOTAL_SECONDS, OutOfTime
from gradcore.expressions.symbolic import analyse as analyse_here
from gradcore.expressions.tree import Tree, show

KILL_SECONDS = TOTAL_SECONDS + 0.5  # CPU time of the worker; its stage budgets add up to less
STALL_SECONDS = 30.0  # wall clock: a job that could not get KILL_SECONDS of CPU in this long
POLL_SECONDS = 0.05
CPU_SECONDS = 5
MEMORY_BYTES = 1 << 30
JOBS_PER_WORKER = 200
REGULAR_NICE = 5  # regular-lane workers yield the CPU to the app and to express jobs
FAILED = ("'{text}' could not be worked with here (sympy gave up on it): try writing it "
          "another way")
OVER_BUDGET = ("'{text}' is too complex to work with here: sympy used more than {seconds:g} s "
               "of CPU time on it, the limit per formula. Try a shorter formula or one with "
               "fewer max, min and abs.")
TOO_MUCH_MEMORY = ("'{text}' is too complex to work with here: sympy needed more than "
                   "{size} GB of memory for it, the limit per formula. Try a shorter formula.")
LOST = ("the server lost the worker process that was working on '{text}' (it ended before it "
        "answered, e.g. the machine ran short of memory): this says nothing about the formula, "
        "so try again in a few seconds")
STALLED = ("the server is busy: the worker on '{text}' got too little CPU time to finish within "
           "{seconds:g} s, so there is no verdict on this formula yet: try again in a few "
           "seconds")
QUEUE_FULL = ("the server is busy: {count} formulas are already waiting for a worker, so yours "
              "was not put in line; try again in a few seconds")
REPLACED_MESSAGE = ("this formula was replaced by a newer one from the same page before a "
                    "worker took it")
HEADER = struct.Struct("!II")  # every message: job id, payload length, then the payload
_WARM_UP = "max(abs(x - 1), sigmoid(x), tanh(y)) + sin(x)*cos(y)/tan(x) + exp(x)*log(y) " \
    "+ sqrt(x)^3 + min(x, 1/2, pi) + e^y"
_TICKS = os.sysconf("SC_CLK_TCK")


class _PlainUnpickler(pickle.Unpickler):
    """Reads tuples, strings and numbers only: an answer can name no class or function."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"an answer may not contain {module}.{name}")


def plain_loads(data: bytes):
    return _PlainUnpickler(io.BytesIO(data)).load()


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used, from /proc; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


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
    depend on how busy the machine is or how long the job waited.
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


def _cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_cpu() -> None:
    """RLIMIT_CPU: CPU_SECONDS more than the worker has used so far (SIGXCPU ends it)."""
    soft = math.ceil(_cpu_now()) + CPU_SECONDS
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
    except (OutOfTime, RecursionError):
        _ran_out = True
        return "error", TOO_COMPLEX_TO_READ.format(text=show(tree))
    except MemoryError:
        _ran_out = True
        return "error", TOO_MUCH_MEMORY.format(text=show(tree), size=MEMORY_BYTES >> 30)
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


def _work(job_fd: int, answer_fd: int, nice: int) -> None:
    """A worker's loop: jobs in, (answer, last, CPU seconds) out; it ends after a job that ran
    out of time or memory (its state may be half updated) or after JOBS_PER_WORKER jobs."""
    try:
        with contextlib.suppress(OSError):
            os.nice(nice)
        quiet = os.open(os.devnull, os.O_RDWR)
        os.dup2(quiet, 0)
        os.dup2(quiet, 1)  # the server's stdout carries answers: nothing else may write there
        signal.signal(signal.SIGPROF, _out_of_time)
        _limit_memory()
        for done in range(1, JOBS_PER_WORKER + 1):
            header = _read_exactly(job_fd, HEADER.size)
            if header is None:
                break
            _owner, tree, variables = pickle.loads(
                _read_exactly(job_fd, HEADER.unpack(header)[1]))
            _limit_cpu()
            start = _cpu_now()
            answer = _answer(tree, variables)
            last = _ran_out or done == JOBS_PER_WORKER
            data = pickle.dumps((answer, last, _cpu_now() - start))
            _write_all(answer_fd, HEADER.pack(0, len(data)) + data)
            if last:
                break
    finally:
        os._exit(0)


# --- the worker server ----------------------------------------------------------------------

class _Worker:
    """The server's view of one worker: its pid, pipes, and the job it is on (with the wall
    clock and the worker's CPU seconds when that job started)."""

    def __init__(self, pid: int, job_fd: int, answer_fd: int, lane: str):
        self.pid, self.job_fd, self.answer_fd, self.lane = pid, job_fd, answer_fd, lane
        self.buffer = bytearray()
        self.job: Job | None = None
        self.started = math.inf
        self.cpu_start = 0.0


class _Server:
    """The worker server's loop: jobs from stdin, in line, handed to idle workers, answers to
    stdout. ``kill_seconds``: CPU seconds a job may use before its worker is killed."""

    def __init__(self, kill_seconds: float, workers: int | None = None,
                 max_queued: int | None = None):
        self.kill_seconds = kill_seconds
        workers = workers or formula_workers()
        self.schedule = Schedule(workers, max_queued or formula_queue(workers))
        self.selector = selectors.DefaultSelector()
        self.workers: dict[int, _Worker] = {}  # answer fd -> worker
        self.buffer = bytearray()

    def send(self, job_id: int, answer: tuple) -> None:
        data = pickle.dumps(answer)
        _write_all(1, HEADER.pack(job_id, len(data)) + data)

    def take(self, job_id: int, payload: bytes) -> None:
        """A message from the app: a job to put in line, or (no payload) a job to cancel."""
        now = time.monotonic()
        if not payload:
            self.schedule.cancel(job_id)
            return
        owner, tree, _variables = pickle.loads(payload)  # from the app process that started us
        job = Job(job_id, owner, payload, show(tree), now)
        for refused, why in self.schedule.submit(job, now):
            message = REPLACED_MESSAGE if why == REPLACED else \
                QUEUE_FULL.format(count=self.schedule.max_queued)
            self.send(refused.job_id, ("replaced" if why == REPLACED else "busy", message))

    def read_jobs(self) -> bool:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return False
        self.buffer += chunk
        while len(self.buffer) >= HEADER.size:
            job_id, length = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + length:
                break
            payload = bytes(self.buffer[HEADER.size:HEADER.size + length])
            del self.buffer[:HEADER.size + length]
            self.take(job_id, payload)
        return True

    def fork(self, lane: str) -> _Worker:
        """A new worker for ``lane``: a regular one runs at REGULAR_NICE, an express one at
        the server's priority (a process may lower its priority but not raise it again)."""
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (job_write, answer_read, *self.workers):
                os.close(fd)
            for worker in self.workers.values():
                os.close(worker.job_fd)
            self.selector.close()
            _work(job_read, answer_write, REGULAR_NICE if lane == "regular" else 0)
        os.close(job_read)
        os.close(answer_write)
        worker = self.workers[answer_read] = _Worker(pid, job_write, answer_read, lane)
        self.selector.register(answer_read, selectors.EVENT_READ)
        return worker

    def dispatch(self) -> None:
        now = time.monotonic()
        while (job := self.schedule.next(now)) is not None:
            idle = [w for w in self.workers.values() if w.job is None and w.lane == job.lane]
            worker = idle[0] if idle else self.fork(job.lane)
            worker.job, worker.started, worker.cpu_start = job, now, _cpu_of(worker.pid)
            _write_all(worker.job_fd, HEADER.pack(job.job_id, len(job.payload)) + job.payload)

    def end(self, worker: _Worker, kill: bool, verdict: tuple | None = None) -> None:
        """Close a worker's pipes and reap it; answer its job (if any) with ``verdict``, else
        as "lost" (no verdict on the formula, so the app does not cache it)."""
        del self.workers[worker.answer_fd]
        self.selector.unregister(worker.answer_fd)
        os.close(worker.answer_fd)
        os.close(worker.job_fd)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        _pid, status, usage = os.wait4(worker.pid, 0)
        job = worker.job
        if job is None:
            return
        cpu = max(0.0, usage.ru_utime + usage.ru_stime - worker.cpu_start)
        self.schedule.finish(job.job_id, cpu, time.monotonic())
        if verdict is None and os.WIFSIGNALED(status) and \
                os.WTERMSIG(status) == signal.SIGXCPU:
            verdict = ("error", OVER_BUDGET.format(text=job.text, seconds=self.kill_seconds))
        self.send(job.job_id, verdict or ("lost", LOST.format(text=job.text)))

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
        answer, last, cpu = plain_loads(bytes(worker.buffer[HEADER.size:]))
        worker.buffer.clear()
        job, worker.job, worker.started = worker.job, None, math.inf
        self.schedule.finish(job.job_id, cpu, time.monotonic())
        self.send(job.job_id, answer)
        if last:
            self.end(worker, kill=False)

    def watch(self) -> None:
        """Kill a worker whose job used more than ``kill_seconds`` of CPU (a verdict: too
        complex) or got too little CPU to finish within STALL_SECONDS (no verdict: busy)."""
        now = time.monotonic()
        for worker in [w for w in self.workers.values() if w.job is not None]:
            text = worker.job.text
            if _cpu_of(worker.pid) - worker.cpu_start > self.kill_seconds:
                self.end(worker, kill=True, verdict=(
                    "error", OVER_BUDGET.format(text=text, seconds=self.kill_seconds)))
            elif now - worker.started > STALL_SECONDS:
                self.end(worker, kill=True, verdict=(
                    "lost", STALLED.format(text=text, seconds=STALL_SECONDS)))

    def run(self) -> None:
        self.selector.register(0, selectors.EVENT_READ)
        while True:
            self.dispatch()
            busy = any(w.job is not None for w in self.workers.values())
            for key, _events in self.selector.select(POLL_SECONDS if busy else None):
                if key.fd == 0:
                    if not self.read_jobs():
                        for worker in list(self.workers.values()):
                            worker.job = None
                            self.end(worker, kill=True)
                        return
                elif key.fd in self.workers:
                    self.receive(self.workers[key.fd])
            self.watch()


def serve(kill_seconds: float = KILL_SECONDS) -> None:
    """Run the worker server on this process's stdin and stdout (started by ``_Client``);
    a worker whose job used more than ``kill_seconds`` of CPU is killed.

    It first works through ``_WARM_UP`` itself, so sympy's lazily imported parts (the LaTeX
    printer, the derivative rules) are loaded once here rather than in every child.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the app; stdin closing stops us
    source = read_formula(_WARM_UP)
    analyse_here(source.tree, source.variables)
    _Server(kill_seconds).run()
