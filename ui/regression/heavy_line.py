"""The process's line for heavy work: one large computation at a time, new tables in order.

Work on more than ``HEAVY_CELLS`` values (a 1e6 x 10 table is 11 million) runs alone
(:func:`heavy_work`), so the transient memory of at most one adds to the store's budget. A turn
that finishes work on a table already made goes before a turn that makes a new table (else a
class each asking for a new table holds every table at once while waiting for the fits: 2.5 GB
per replica in the heavy-mix benchmark), and such turns go oldest page first (:func:`page_run`):
a page open takes three or four turns one after another (the fit, the run, the path), and each
queued again behind every page opened meanwhile made a few page opens of a busy class wait over
30 s; and the next new table waits until the page that made the one before it has ended (its
turns are a little apart, and a table started between them added its seconds to that page's).
New tables wait in a first-come, first-served line of
at most ``MAX_WAITING_TABLES`` and about ``MAX_WAIT_SECONDS`` of work: each costs about a
second of CPU, and a class can ask for more per second than two cores make. A page that shows the wait (:func:`waiting_shown_by`) is told
about once a second how many tables are before its own and about how long that takes (from the
pace of the line over the last ``ESTIMATE_WINDOW_S``); when the line is full it is refused at
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


class PageRun:
    """One page run (``page_run``): when it began (``time.monotonic``), and the lines in which
    it made a new table, which keep their turns for it until it ends (:meth:`end`)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.lines: list[HeavyLine] = []

    def end(self) -> None:
        for line in self.lines:
            line.page_ended(self)
        self.lines.clear()


# This thread's page run, within ``page_run``.
_PAGE: contextvars.ContextVar[PageRun | None] = contextvars.ContextVar("gradlab_page",
                                                                        default=None)


class TablesBusy(Exception):
    """The line for new large tables was full: ``ahead`` tables before this one, about
    ``seconds`` of work."""

    def __init__(self, ahead: int, seconds: float):
        super().__init__(f"{ahead} large table(s) ahead, about {seconds:.0f} s")
        self.ahead, self.seconds = ahead, seconds


class HeavyLine:
    """One heavy turn at a time; work on a made table before a new table; new tables in order.

    ``new_table_patience_s``: a new table waits for finishing turns at most this long, then
    takes the next free turn (a class that keeps stepping cannot starve a newcomer); and it
    waits for a page that made the table before it to end (``page_ended``: a page's fit, run
    and path are turns apart, and a table started between them made that page wait for it),
    at most this long after that table was made.
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
        self._table_running = False  # the turn held now makes a new table
        # Turns waiting that work on a table already made: ticket -> (its page's start, arrival).
        self._finishing: dict[object, tuple[float, int]] = {}
        self._arrivals = 0
        self._tables: deque[object] = deque()  # new tables waiting, first come first
        self._done: deque[tuple[float, float, bool]] = deque()  # (end, seconds, new table)
        # Pages whose new table was made and that have not ended (``page_ended``), with
        # when the table was made.
        self._making: dict[PageRun, float] = {}
        # When the last new table started, and (start, seconds since the one before) for
        # each table that came within that one's span: the line's pace when it has a queue.
        self._last_start: float | None = None
        self._paces: deque[tuple[float, float]] = deque()
        self.new_table_patience_s = new_table_patience_s
        self.max_waiting_tables, self.max_wait_seconds = max_waiting_tables, max_wait_seconds
        self.clock, self.poll_seconds = clock, poll_seconds

    def seconds_per_table(self) -> float:
        """About how long each table ahead of a newcomer holds the line: the heavy work done in
        the last ESTIMATE_WINDOW_S per new table made in it (all of a page open's turns count:
        table, statistics, fits; FIRST_ESTIMATE_S before any), or, if longer, the mean time
        between the starts of consecutive new tables in the window, counted only when the
        second came within the first's span (``_in_span_locked``: so it includes the gaps
        between a page's turns, while the line waits for that page, and never idle time)."""
        with self._changed:
            return self._seconds_per_table_locked()

    def _forget_old(self) -> None:
        since = self.clock() - ESTIMATE_WINDOW_S
        while self._done and self._done[0][0] < since:
            self._done.popleft()
        while self._paces and self._paces[0][0] < since:
            self._paces.popleft()

    def page_ended(self, page: PageRun) -> None:
        """`page`, which made a table in this line, has ended: new tables may go again."""
        with self._changed:
            self._making.pop(page, None)
            self._changed.notify_all()

    def making_pages(self) -> int:
        """Pages that made a new table and have not ended."""
        with self._changed:
            return len(self._making)

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
             page_started: float | None = None, page: PageRun | None = None
             ) -> Iterator[None]:
        """Hold the heavy turn for the block. A new table with `on_wait` that would wait is
        refused with TablesBusy when max_waiting_tables wait already or the tables ahead take
        about more than max_wait_seconds; while it waits, ``on_wait(ahead,
        seconds)`` is called about every poll_seconds (an exception it raises leaves the
        line). Turns on made tables go oldest page first: `page_started` (``clock`` time) is
        when the page run asking began (now, if None), so a page's second and third turns
        (its fit, its run) do not queue again behind pages opened after it. `page`: the page
        run making a new table, which keeps the line's next new table waiting until it ends
        (``page_ended``) or for new_table_patience_s."""
        ticket = object()
        with self._changed:
            if new_table:
                ahead = len(self._tables) + (1 if self._busy else 0)
                seconds = self._wait_locked(ahead)
                full = len(self._tables) >= self.max_waiting_tables \
                    or seconds > self.max_wait_seconds
                if on_wait is not None and ahead and full:
                    raise TablesBusy(ahead, seconds)
                in_span = self._in_span_locked(page)
                self._tables.append(ticket)
            else:
                self._arrivals += 1
                started = self.clock() if page_started is None else page_started
                self._finishing[ticket] = (started, self._arrivals)
        since = self.clock()
        holding = False
        try:
            holding = self._wait_for_turn(ticket, new_table, since, on_wait, page,
                                          new_table and in_span)
            start = self.clock()
            yield
        finally:
            with self._changed:
                if holding:
                    self._busy = self._table_running = False
                    self._done.append((self.clock(), self.clock() - start, new_table))
                    if new_table and page is not None:
                        self._making[page] = self.clock()
                        page.lines.append(self)
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

    def _held_locked(self, page: PageRun | None) -> bool:
        """Whether a page other than `page` that made a table holds the line for its turns."""
        now = self.clock()
        return any(now - made_at < self.new_table_patience_s
                   for other, made_at in self._making.items() if other is not page)

    def _in_span_locked(self, page: PageRun | None) -> bool:
        """Whether a table that comes now comes within the last table's span (tables wait,
        one is being made, or its page still holds the line): then, when it starts, the
        time since the last table started is all that table's, never idle."""
        return bool(self._tables) or self._table_running or self._held_locked(page)

    def _started_table_locked(self, in_span: bool) -> None:
        """A new table starts now; `in_span`: it came within the last table's span."""
        now = self.clock()
        if in_span and self._last_start is not None:
            self._paces.append((now, now - self._last_start))
        self._last_start = now

    def _seconds_per_table_locked(self) -> float:
        self._forget_old()
        tables = sum(1 for _, _, new in self._done if new)
        busy = sum(s for _, s, _ in self._done) / tables if tables else FIRST_ESTIMATE_S
        if self._paces:
            return max(busy, sum(s for _, s in self._paces) / len(self._paces))
        return busy

    def _ready(self, ticket: object, new_table: bool, since: float,
               page: PageRun | None = None) -> bool:
        if self._busy:
            return False
        if not new_table:
            return min(self._finishing, key=self._finishing.__getitem__) is ticket
        patient = self.clock() - since < self.new_table_patience_s
        # (a page never waits for itself)
        return self._tables[0] is ticket and not ((patient and self._finishing)
                                                  or self._held_locked(page))

    def _wait_for_turn(self, ticket: object, new_table: bool, since: float,
                       on_wait: OnWait | None, page: PageRun | None = None,
                       in_span: bool = False) -> bool:
        """Block until this turn may run; then mark the line busy and return True."""
        while True:
            with self._changed:
                if not self._ready(ticket, new_table, since, page):
                    self._changed.wait(self.poll_seconds if new_table else None)
                if self._ready(ticket, new_table, since, page):
                    self._busy = True
                    if new_table:
                        self._table_running = True
                        self._tables.remove(ticket)
                        self._started_table_locked(in_span)
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
    they go before those of pages opened later (``HeavyLine.turn``'s ``page_started``), and
    once the run has made a new table the next new table waits for the run to end (its fit,
    run and path are separate turns)."""
    page = PageRun(time.monotonic())
    token = _PAGE.set(page)
    try:
        yield
    finally:
        _PAGE.reset(token)
        page.end()


@contextmanager
def heavy_work(cells: int, new_table: bool = False, line: HeavyLine | None = None):
    """Run the block alone among the process's heavy work when it touches > HEAVY_CELLS values;
    `new_table`: it makes a new table, so it waits for work on tables already made and for the
    new tables before it (:class:`HeavyLine`)."""
    if cells <= HEAVY_CELLS:
        yield
        return
    page = _PAGE.get()
    with (line or _HEAVY).turn(new_table, _ON_WAIT.get() if new_table else None,
                               None if page is None else page.started, page):
        yield
