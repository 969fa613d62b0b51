"""Which formula job runs next: fair across sessions, bounded, with a lane for light sessions.

The worker server (``gradcore.expressions.worker_server``) keeps one ``Schedule``; this module decides,
without processes or clocks of its own, so it is tested with small fake jobs:

- **one queued job per session** (the ``owner``, e.g. a Streamlit session id): a new formula
  from a session replaces the one it still has waiting (answered "replaced"); jobs with no
  owner share one bucket and replace nothing;
- **one running job per session** (jobs with no owner excepted), so a session never holds two
  workers while others wait, and twenty sessions cannot keep a twenty-first waiting longer
  than the next free slot;
- **fair order**: a session's next job is expected to cost what its last one did
  (``EXPRESS_CPU_SECONDS`` for a session with none yet); the next job to start is the waiting
  one expected to be cheapest, then the one whose session used the least CPU recently
  (``usage``: CPU seconds of its finished jobs, halved every ``HALF_LIFE_SECONDS``), then the
  oldest. So a session that types trivial formulas is served before any that keeps the
  workers busy, and sessions that all send heavy formulas take turns. Every job put in line
  is charged ``ASK_CPU_SECONDS`` too, so a session that keeps sending formulas into a full
  line ranks below one that asks now and then;
- **a bounded line**: at most ``max_queued`` jobs wait. When it is full, a new job takes the
  place of the waiting job ranked last if that one ranks below the newcomer (the displaced
  job is answered "busy"); otherwise the newcomer is answered "busy". Either way the answer
  says so at once, and the backlog is never longer than ``max_queued`` jobs;
- **two lanes**: ``workers`` regular slots (sized to the cores), and as many express slots
  that only a session whose last job was light (under ``EXPRESS_CPU_SECONDS``) may use when
  every regular slot is taken. So a light formula does not wait for a heavy one to finish, a
  heavy session never gets more than one slot, and sessions with no job done yet (twenty new
  tabs) cannot fill the express slots either.

Settings (``formula_workers``, ``formula_queue``): ``$GRADLAB_FORMULA_WORKERS`` workers per lane,
by default the cores this process may use; ``$GRADLAB_FORMULA_QUEUE`` waiting jobs, by default
one per worker.
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass, field

HALF_LIFE_SECONDS = 10.0
EXPRESS_CPU_SECONDS = 0.1
ASK_CPU_SECONDS = 0.001  # what putting a job in line is charged, answered or not
MAX_OWNERS = 4096  # sessions remembered for fairness (least recently seen forgotten first)
REPLACED = "replaced"
FULL = "full"
WORKERS_VARIABLE = "GRADLAB_FORMULA_WORKERS"
QUEUE_VARIABLE = "GRADLAB_FORMULA_QUEUE"


def _setting(name: str, default: int, most: int) -> int:
    """A whole number from the environment variable ``name``, between 1 and ``most``; the
    default when it is unset or not such a number."""
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if 1 <= value <= most else default


def formula_workers() -> int:
    """Workers per lane: ``$GRADLAB_FORMULA_WORKERS``, else the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return _setting(WORKERS_VARIABLE, max(1, cores), 64)


def formula_queue(workers: int) -> int:
    """Jobs that may wait: ``$GRADLAB_FORMULA_QUEUE``, else one per worker. With as many
    running, the backlog a class can build is two jobs per worker: under a second for the
    slow max/min formulas (0.35 s of CPU each), 2.5 s if every one used its whole budget."""
    return _setting(QUEUE_VARIABLE, workers, 10_000)


@dataclass
class Job:
    """A formula job: its id (the app's), owner (None: no session), what it carries (opaque
    here), a text for messages and when it arrived (seconds, any monotonic clock)."""

    job_id: int
    owner: str | None
    payload: object = None
    text: str = ""
    arrived: float = 0.0
    lane: str = field(default="", compare=False)


class Schedule:
    """The line of jobs and the slots they run in (module docstring). ``now`` is passed in by
    the caller (seconds of a monotonic clock), so tests decide the time."""

    def __init__(self, workers: int, max_queued: int, express: int | None = None):
        self.workers = workers
        self.express = workers if express is None else express
        self.max_queued = max_queued
        self.queued: list[Job] = []
        self.running: dict[int, Job] = {}
        self._usage: collections.OrderedDict = collections.OrderedDict()  # owner -> (cpu, t)
        self._last_cpu: collections.OrderedDict = collections.OrderedDict()  # owner -> s

    # -- what sessions have used ------------------------------------------------------------

    def usage(self, owner: str | None, now: float) -> float:
        """The CPU seconds ``owner``'s jobs used, each halved every HALF_LIFE_SECONDS since."""
        value, stamp = self._usage.get(owner, (0.0, now))
        return value * 0.5 ** (max(0.0, now - stamp) / HALF_LIFE_SECONDS)

    def expected(self, owner: str | None) -> float:
        """The CPU seconds ``owner``'s next job is expected to take: what its last one took."""
        return self._last_cpu.get(owner, EXPRESS_CPU_SECONDS)

    def rank(self, job: Job, now: float) -> tuple:
        """Lower goes first: expected cost, then recent usage, then arrival."""
        return self.expected(job.owner), self.usage(job.owner, now), job.arrived

    def _remember(self, table: collections.OrderedDict, owner, value) -> None:
        table[owner] = value
        table.move_to_end(owner)
        while len(table) > MAX_OWNERS:
            table.popitem(last=False)

    # -- the line ---------------------------------------------------------------------------

    def submit(self, job: Job, now: float) -> list[tuple[Job, str]]:
        """Put ``job`` in line; returns the jobs to answer now: (job, REPLACED or FULL), the new
        one included when it was refused."""
        answers = []
        self._charge(job.owner, ASK_CPU_SECONDS, now)
        if job.owner is not None:
            for old in [q for q in self.queued if q.owner == job.owner]:
                self.queued.remove(old)
                answers.append((old, REPLACED))
        if len(self.queued) >= self.max_queued:
            last = max(self.queued, key=lambda q: self.rank(q, now))
            if self.rank(last, now)[:2] > self.rank(job, now)[:2]:
                self.queued.remove(last)
                answers.append((last, FULL))
            else:
                answers.append((job, FULL))
                return answers
        self.queued.append(job)
        return answers

    def cancel(self, job_id: int) -> Job | None:
        """Take a waiting job out of line (its page stopped waiting); None if it is not
        waiting (already running or answered: a running job finishes and is cached)."""
        for job in self.queued:
            if job.job_id == job_id:
                self.queued.remove(job)
                return job
        return None

    def next(self, now: float) -> Job | None:
        """The job to start now, marked running (``job.lane`` "regular" or "express"), or
        None if none may start: no free slot, or every waiting session already runs one."""
        busy = {job.owner for job in self.running.values() if job.owner is not None}
        waiting = [q for q in self.queued if q.owner is None or q.owner not in busy]
        lanes = collections.Counter(job.lane for job in self.running.values())
        if lanes["regular"] < self.workers:
            lane = "regular"
        elif lanes["express"] < self.express:
            lane, waiting = "express", [q for q in waiting
                                        if self.expected(q.owner) < EXPRESS_CPU_SECONDS]
        else:
            return None
        if not waiting:
            return None
        job = min(waiting, key=lambda q: self.rank(q, now))
        self.queued.remove(job)
        job.lane = lane
        self.running[job.job_id] = job
        return job

    def finish(self, job_id: int, cpu_seconds: float, now: float) -> Job | None:
        """A running job ended after ``cpu_seconds`` of CPU: free its slot, charge its owner."""
        job = self.running.pop(job_id, None)
        if job is not None:
            self._charge(job.owner, cpu_seconds, now)
            self._remember(self._last_cpu, job.owner, cpu_seconds)
        return job

    def _charge(self, owner: str | None, cpu_seconds: float, now: float) -> None:
        self._remember(self._usage, owner, (self.usage(owner, now) + cpu_seconds, now))

    def backlog(self) -> int:
        """Jobs waiting or running."""
        return len(self.queued) + len(self.running)
