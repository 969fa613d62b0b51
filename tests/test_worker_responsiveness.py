"""While a heavy formula is worked on, the rest of the process stays responsive: trivial
formulas are answered at once and a second worker takes new ones. Both are wall-clock bounds,
so both are in the ``timing`` group (tests/timing.py)."""

import statistics
import threading
import time

import pytest

from gradcore import ExpressionError, parse_expression
from gradcore.expressions import worker
from tests.test_hostile_expressions import (
    PLOT_XS,
    SLOW_CORPUS,
    alternating_max_min,
    work_through,
)
from tests.timing import timing

RESPONSIVE_LIMIT_S = 0.25  # the slowest trivial parse + evaluation while a heavy one runs


@pytest.fixture(scope="module")
def warm_worker():
    """The worker server started once, so no timed test pays for its start."""
    worker.warm_up()


def _heavy_formulas(count: int) -> list[str]:
    """Distinct formulas (so no cache answers them) that each keep a worker busy."""
    return [SLOW_CORPUS[1].replace("x^10", f"x^{10 + k}") for k in range(count)] + \
        [alternating_max_min(9 + k) for k in range(count)]


@timing
def test_the_process_stays_responsive_while_a_heavy_formula_is_worked_on(warm_worker):
    """While a thread submits the heaviest formulas, trivial parse + evaluation stays fast.
    (No lower bound on how long the heavy work takes: a fast machine finishes it sooner, and
    what matters is that the trivial answers were timed while it ran.)"""
    worker.clear_cache()
    parse_expression("x^2 + 1")  # the trivial formula, cached as a page would have it
    answered = []

    def submit_heavy():
        for text in _heavy_formulas(6):
            try:
                parse_expression(text).gradient([0.5])
            except ExpressionError:
                pass
            answered.append(text)

    thread = threading.Thread(target=submit_heavy)
    thread.start()
    trivial = []
    while thread.is_alive():
        start = time.perf_counter()
        f = parse_expression("x^2 + 1")
        f.value([3.0]), f.gradient([3.0]), f.evaluate(PLOT_XS)
        trivial.append(time.perf_counter() - start)
        time.sleep(0.005)
    thread.join()
    assert len(answered) == 12  # every heavy formula was answered, while the loop ran
    assert len(trivial) >= 5
    assert max(trivial) < RESPONSIVE_LIMIT_S, max(trivial)
    assert statistics.median(trivial) < 0.01


@timing
def test_new_formulas_are_answered_while_a_heavy_one_is_worked_on(warm_worker):
    """A second worker answers a new trivial formula while the first is on a heavy one."""
    worker.clear_cache()
    thread = threading.Thread(target=lambda: [work_through(t) for t in _heavy_formulas(2)])
    thread.start()
    times, k = [], 0
    while thread.is_alive():
        k += 1
        start = time.perf_counter()
        parse_expression(f"x^2 + {k}").gradient([1.0])
        times.append(time.perf_counter() - start)
    thread.join()
    assert len(times) > 5 and statistics.median(times) < 0.1, times
