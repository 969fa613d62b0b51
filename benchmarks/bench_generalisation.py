"""Cost of the generalisation controls on 100,000 rows: a click on the polynomial degree, the
fraction held out or the split seed (each a new Problem: nothing cached) must take at most 1 s.

Two measurements, each the median of REPEATS:
1. the builders alone (``build_problem`` + ``build_run`` + ``build_chart_bases``, no cache),
   for the plain problem and for degree 12 with half the rows held out, for the MSE and the
   MAE (whose test loss is evaluated at MAX_HELD_OUT_POINTS iterates);
2. the page under Streamlit's AppTest: the rerun after a click that sets a new degree, a
   new fraction or a new seed (cold for that shaping), next to a rerun after a click that
   changes only the steps (the ratio says what the generalisation work adds).
Usage: ``python benchmarks/bench_generalisation.py``. The numbers depend on the machine;
the ratios, measured within one run, less so.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from gradcore import RunSettings  # noqa: E402
from ui.regression.build import build_chart_bases, build_problem, build_run  # noqa: E402
from ui.regression.data import build_generated  # noqa: E402
from ui.regression.generalisation import NO_SHAPING, Shaping  # noqa: E402

ROWS = 100_000
REPEATS = 5
LIMIT_SECONDS = 1.0


def median_seconds(action, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def builders() -> None:
    data = build_generated(ROWS, 1, 1.0, 0, 2.0, 1.0)

    def click(shaping: Shaping, loss: str) -> None:
        problem = build_problem(data, "y", ("x1",), True, shaping)
        run = build_run(problem, RunSettings(loss=loss))
        build_chart_bases(problem, run)

    for loss in ("mse", "mae"):
        plain = median_seconds(lambda loss=loss: click(NO_SHAPING, loss))
        shaped = median_seconds(lambda loss=loss: click(Shaping(12, 0.5, 3), loss))
        print(f"builders, {ROWS:,} rows, {loss}: plain {plain:.3f} s, degree 12 + half held "
              f"out {shaped:.3f} s (ratio {shaped / plain:.2f}; limit {LIMIT_SECONDS} s)")


def page() -> None:
    at = AppTest.from_file(str(ROOT / "home.py"), default_timeout=600)
    at.run()
    at.switch_page("pages/linear-regression.py")
    at.query_params.update(src="generate", n=str(ROWS), deg="2", test="0.2")
    at.run()
    if at.exception or at.error:
        raise SystemExit(f"page failed: {[e.value for e in [*at.exception, *at.error]]}")

    def rerun(key: str, value) -> float:
        at.number_input(key=key).set_value(value)
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
        if at.exception or at.error:
            raise SystemExit(f"page failed: {[e.value for e in [*at.exception, *at.error]]}")
        return elapsed

    times = {"deg": [], "test": [], "tseed": [], "steps": []}
    for i in range(REPEATS):  # interleaved, so a busy machine slows every kind alike
        times["deg"].append(rerun("deg", 3 + i))
        times["test"].append(rerun("test", 0.25 + 0.05 * i))
        times["tseed"].append(rerun("tseed", 10 + i))
        times["steps"].append(rerun("steps", 250 + 50 * i))
    base = statistics.median(times["steps"])
    for key, values in times.items():
        median = statistics.median(values)
        print(f"page rerun after a click on {key:>5}: median {median:.3f} s, "
              f"max {max(values):.3f} s (ratio to a steps click {median / base:.2f})")


if __name__ == "__main__":
    builders()
    page()
