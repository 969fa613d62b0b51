"""At most a few wrong class codes a minute from one session: guessing a code takes forever."""

from __future__ import annotations

import time
from collections import deque

WRONG_CODES_PER_MINUTE = 5


class WrongCodeLimiter:
    """Counts one session's wrong codes in a sliding minute; `allowed()` says whether it may
    try another now. Kept in the session (``st.session_state``), so nothing is stored about
    the person."""

    def __init__(self, limit: int = WRONG_CODES_PER_MINUTE, window_s: float = 60.0,
                 clock=time.monotonic):
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._wrong: deque[float] = deque()

    def _forget_old(self) -> None:
        now = self.clock()
        while self._wrong and now - self._wrong[0] >= self.window_s:
            self._wrong.popleft()

    def allowed(self) -> bool:
        self._forget_old()
        return len(self._wrong) < self.limit

    def wrong(self) -> None:
        self._wrong.append(self.clock())

    def wait_seconds(self) -> float:
        """Seconds until the next try is allowed (0 when it is)."""
        self._forget_old()
        if len(self._wrong) < self.limit:
            return 0.0
        return max(0.0, self.window_s - (self.clock() - self._wrong[0]))
