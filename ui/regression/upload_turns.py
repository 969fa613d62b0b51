"""One uploaded file read at a time per server process; the others wait their turn, in order.

Reading a CSV costs up to about 0.15 CPU seconds and 16 MB at the peak per MB of file
(benchmarks/bench_uploads.py), so a class uploading 20 MB files at once would add all of that
up on a 2-core server, and every student's sliders would stall meanwhile. ``TURNS`` is the
line: a session joins it, waits while the sessions ahead of it read their files (``on_wait``
is called about once a second with how many are ahead, so the page can say so and Streamlit
can stop a session whose tab is gone), reads its own, and leaves. A session that has waited
``wait_seconds`` gives up with :class:`Busy` and leaves the line: waiting blocks only its own
script thread, never the server. No Streamlit here; ``ui.regression.data_source`` shows the messages.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

POLL_SECONDS = 1.0


class Busy(Exception):
    """The wait for a turn ran out: ``ahead`` files were still before this one after
    ``waited`` seconds."""

    def __init__(self, ahead: int, waited: float):
        super().__init__(f"{ahead} file(s) ahead after {waited:.0f} s")
        self.ahead, self.waited = ahead, waited


class TurnLine:
    """A first-come, first-served line of sessions; the one at its head holds the turn."""

    def __init__(self):
        self._changed = threading.Condition()
        self._line: deque[object] = deque()

    def __len__(self) -> int:
        with self._changed:
            return len(self._line)

    def _ahead(self, ticket: object) -> int:
        with self._changed:
            return self._line.index(ticket)

    @contextmanager
    def turn(self, wait_seconds: float, on_wait: Callable[[int, float], None] = lambda a, w: None,
             ) -> Iterator[float]:
        """Hold the turn for the block; yields how many seconds were spent waiting for it.

        While other sessions are ahead, ``on_wait(ahead, waited_seconds)`` is called about
        every POLL_SECONDS (an exception it raises leaves the line); after `wait_seconds`,
        :class:`Busy`. Leaving the block, however it ends, passes the turn on."""
        ticket = object()
        start = time.monotonic()
        with self._changed:
            self._line.append(ticket)
        try:
            while (ahead := self._ahead(ticket)) > 0:
                waited = time.monotonic() - start
                if waited >= wait_seconds:
                    raise Busy(ahead, waited)
                on_wait(ahead, waited)
                with self._changed:
                    self._changed.wait_for(lambda: self._line[0] is ticket,
                                           min(POLL_SECONDS, wait_seconds - waited))
            yield time.monotonic() - start
        finally:
            with self._changed:
                self._line.remove(ticket)
                self._changed.notify_all()


TURNS = TurnLine()
