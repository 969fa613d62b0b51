"""The process's line for heavy work: one large computation at a time, new tables in order.

Work on more than ``HEAVY_CELLS`` values (a 1e6 x 10 table is 11 million) runs alone
(:func:`heavy_work`), so the transient memory of at most one adds to the store's budget. A turn
that finishes work on a table already made goes before a turn that makes a new table (else a
class each asking for a new table holds every table at once while waiting for the fits: 2.5 GB
per replica in the heavy-mix benchmark), and such turns go oldest page first (:func:`page_run`):
a page open takes three or four turns one after another (the fit, the run, the path), and each
queued again behind every page opened meanwhile made a few page opens of a busy class wait over
30 s. New tables wait in a first-come, first-served line of
at most ``MAX_WAITING_TABLES`` and about ``MAX_WAIT_SECONDS`` of work: each costs about a
second of CPU, and a class can ask for more per second than two cores make. A page that shows the wait (:func:`waiting_shown_by`) is told
about once a second how many tables are before its own and about how long that takes (from the
heavy work measured over the last ``ESTIMATE_WINDOW_S``); when the line is full it is refused at
once with :class:`TablesBusy` instead of hanging. No Streamlit here: ``ui.regression.data_source``
writes the messages.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HEAVY_CELLS = 1_000_000
# At most this many new large tables wait at once per process; one more is refused with a
# message (only where the page shows the wait: other callers wait as before).
MAX_WAITING_TABLES = int(os.environ.get("GRADLAB_TABLE_QUEUE", "6"))
# ... and none is taken into a line whose tables ahead take about more than this many seconds
# (measured, so it adapts to a machine shared with other work): the page answers within about
# this long either way, well before a browser or a student gives up.
MAX_WAIT_SECONDS = float(os.environ.get("GRADLAB_TABLE_WAIT_SECONDS", "12"))
# The seconds of heavy work per new table are measured over this window ...
ESTIMATE_WINDOW_S = 120.0
# ... and assumed to be this before anything was measured (a 1e6 x 10 page open on this
# 2-core machine: about 1.5 s of CPU for the table, its statistics, reference fit and run).
FIRST_ESTIMATE_S = 2.0
# How often a waiting page is told where it stands (and Streamlit may stop a rerun).
POLL_SECONDS = 1.0

OnWait = Callable[[int, float], None]
_ON_WAIT: contextvars.ContextVar[OnWait | None] = contextvars.ContextVar("gradlab_on_wait",
                                                                         default=None)
# When the page run of this thread began (time.monotonic), within ``page_run``.
_PAGE_STARTED: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "gradlab_page_started", default=None)


class TablesBusy(Exception):
    """The line for new large tables was full: ``ahead`` tables before this one, about
    ``seconds`` of work."""

    def __init__(self, ahead: int, seconds: float):
        super().__init__(f"{ahead} large table(s) ahead, about {seconds:.0f} s")
        self.ahead, self.seconds = ahead, seconds


class HeavyLine:
    """One heavy turn at a time; work on a made table before a new table; new tables in order.

    ``new_table_patience_s``: a new table waits for finishing turns at most this long, then
    takes the next free turn (a class that keeps stepping cannot starve a newcomer).
    ``max_waiting_tables``, ``max_wait_seconds``: the bounds of the new tables' line (tables
    waiting, estimated seconds before a newcomer starts) for callers that show the wait.
    ``clock``: seconds, monotonic (injected by tests)."""

    def __init__(self, new_table_patience_s: float = 10.0,
                 max_waiting_tables: int = MAX_WAITING_TABLES,
                 max_wait_seconds: float = MAX_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._changed = threading.Condition()
        self._busy = False
        # Turns waiting that work on a table already made: ticket -> (its page's start, arrival).
        self._finishing: dict[object, tuple[float, int]] = {}
        self._arrivals = 0
        self._tables: deque[object] = deque()  # new tables waiting, first come first
        self._done: deque[tuple[float, float, bool]] = deque()  # (end, seconds, new table)
        self.new_table_patience_s = new_table_patience_s
        self.max_waiting_tables, self.max_wait_seconds = max_waiting_tables, max_wait_seconds
        self.clock, self.poll_seconds = clock, poll_seconds

    def seconds_per_table(self) -> float:
        """Heavy work done in the last ESTIMATE_WINDOW_S per new table made in it (all of a
        page open's turns count: table, statistics, fits); FIRST_ESTIMATE_S before any."""
        with self._changed:
            return self._seconds_per_table_locked()

    def _forget_old(self) -> None:
        while self._done and self._done[0][0] < self.clock() - ESTIMATE_WINDOW_S:
            self._done.popleft()

    def waiting_tables(self) -> int:
        """New tables waiting for a turn now."""
        with self._changed:
            return len(self._tables)

    def waiting_turns(self) -> int:
        """Turns on made tables waiting now."""
        with self._changed:
            return len(self._finishing)

    def _ahead(self, ticket: object) -> int:
        """Tables before `ticket`: those waiting before it, and the turn running now."""
        return self._tables.index(ticket) + (1 if self._busy else 0)

    @contextmanager
    def turn(self, new_table: bool = False, on_wait: OnWait | None = None,
             page_started: float | None = None) -> Iterator[None]:
        """Hold the heavy turn for the block. A new table with `on_wait` that would wait is
        refused with TablesBusy when max_waiting_tables wait already or the tables ahead take
        about more than max_wait_seconds; while it waits, ``on_wait(ahead,
        seconds)`` is called about every poll_seconds (an exception it raises leaves the
        line). Turns on made tables go oldest page first: `page_started` (``clock`` time) is
        when the page run asking began (now, if None), so a page's second and third turns
        (its fit, its run) do not queue again behind pages opened after it."""
        ticket = object()
        with self._changed:
            if new_table:
                ahead = len(self._tables) + (1 if self._busy else 0)
                seconds = self._wait_locked(ahead)
                full = len(self._tables) >= self.max_waiting_tables \
                    or seconds > self.max_wait_seconds
                if on_wait is not None and ahead and full:
                    raise TablesBusy(ahead, seconds)
                self._tables.append(ticket)
            else:
                self._arrivals += 1
                started = self.clock() if page_started is None else page_started
                self._finishing[ticket] = (started, self._arrivals)
        since = self.clock()
        holding = False
        try:
            holding = self._wait_for_turn(ticket, new_table, since, on_wait)
            start = self.clock()
            yield
        finally:
            with self._changed:
                if holding:
                    self._busy = False
                    self._done.append((self.clock(), self.clock() - start, new_table))
                elif new_table:
                    self._tables.remove(ticket)
                else:
                    del self._finishing[ticket]
                self._changed.notify_all()

    def _wait_locked(self, ahead: int) -> float:
        """About how long until a new table with `ahead` tables before it starts: their
        seconds, plus the finishing turns waiting now (they go first) at their measured mean."""
        finishing = [s for _, s, new in self._done if not new]
        per_finish = sum(finishing) / len(finishing) if finishing else 0.0
        return ahead * self._seconds_per_table_locked() + len(self._finishing) * per_finish

    def _seconds_per_table_locked(self) -> float:
        self._forget_old()
        tables = sum(1 for _, _, new in self._done if new)
        return sum(s for _, s, _ in self._done) / tables if tables else FIRST_ESTIMATE_S

    def _ready(self, ticket: object, new_table: bool, since: float) -> bool:
        if self._busy:
            return False
        if not new_table:
            return min(self._finishing, key=self._finishing.__getitem__) is ticket
        patient = self.clock() - since < self.new_table_patience_s
        return self._tables[0] is ticket and not (patient and self._finishing)

    def _wait_for_turn(self, ticket: object, new_table: bool, since: float,
                       on_wait: OnWait | None) -> bool:
        """Block until this turn may run; then mark the line busy and return True."""
        while True:
            with self._changed:
                if not self._ready(ticket, new_table, since):
                    self._changed.wait(self.poll_seconds if new_table else None)
                if self._ready(ticket, new_table, since):
                    self._busy = True
                    if new_table:
                        self._tables.remove(ticket)
                    else:
                        del self._finishing[ticket]
                    return True
                ahead = self._ahead(ticket) if new_table else 0
                seconds = self._wait_locked(ahead)
            if on_wait is not None and new_table:
                on_wait(ahead, seconds)


_HEAVY = HeavyLine()


@contextmanager
def waiting_shown_by(on_wait: OnWait) -> Iterator[None]:
    """Within the block, a new table of this thread that waits calls ``on_wait(ahead,
    seconds)`` about once a second, and a full line raises TablesBusy at once."""
    token = _ON_WAIT.set(on_wait)
    try:
        yield
    finally:
        _ON_WAIT.reset(token)


@contextmanager
def page_run() -> Iterator[None]:
    """Within the block (a page's run), heavy turns on made tables count from its start, so
    they go before those of pages opened later (``HeavyLine.turn``'s ``page_started``)."""
    token = _PAGE_STARTED.set(time.monotonic())
    try:
        yield
    finally:
        _PAGE_STARTED.reset(token)


@contextmanager
def heavy_work(cells: int, new_table: bool = False, line: HeavyLine | None = None):
    """Run the block alone among the process's heavy work when it touches > HEAVY_CELLS values;
    `new_table`: it makes a new table, so it waits for work on tables already made and for the
    new tables before it (:class:`HeavyLine`)."""
    if cells <= HEAVY_CELLS:
        yield
        return
    with (line or _HEAVY).turn(new_table, _ON_WAIT.get() if new_table else None,
                               _PAGE_STARTED.get()):
        yield
