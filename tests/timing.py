"""Wall-clock bounds live in a group of their own, so the unit suite never depends on the
machine's speed.

A test that asserts how long something took is marked ``@timing`` and is skipped unless it is
asked for: ``pytest --run-timing`` or ``GRADLAB_RUN_TIMING=1``. Its bounds are generous (many
times what a busy 2-core machine takes), so only a real regression fails them: a hang, a lost
cache, regex backtracking, a power built before it is refused. Every functional assertion of
such a test stays in the unit suite, in a test without the stopwatch; ``benchmarks/`` prints
the figures themselves.
"""

from __future__ import annotations

import os

import pytest

TIMING_ENV = "GRADLAB_RUN_TIMING"
TIMING_OPTION = "--run-timing"
SKIP_REASON = f"a wall-clock bound: run with {TIMING_OPTION} or {TIMING_ENV}=1"

timing = pytest.mark.timing


def wanted(config: pytest.Config) -> bool:
    """True when this run includes the timing group (the option or the environment asks)."""
    return bool(config.getoption(TIMING_OPTION)) or os.environ.get(TIMING_ENV, "") == "1"


def skip_unless_wanted(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every collected ``timing`` test skipped, unless the run asks for the group."""
    if wanted(config):
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "timing" in item.keywords:
            item.add_marker(skip)
