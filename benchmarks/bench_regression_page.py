"""Step-change rerun time of the regression page at n = 1,000 vs n = 1,000,000 rows.

Runs the page under Streamlit's AppTest with generated data (10 features), clicks "forward"
REPEATS times at each size (interleaved) and prints the median rerun time of a step change, the ratio
(issue 5 asks for at most 2), and the total size of the plotly JSON the page sends at
n = 1,000,000 (asked: at most 1 MB). AppTest reruns the whole script on every run, so this
measures the full rerun with warm caches, an upper bound on the fragment-only rerun in the
browser. Usage: ``python benchmarks/bench_regression_page.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 9
FEATURES = 10


def open_page(n: int) -> AppTest:
    """The regression page on generated data with n rows, after its first (cold) run."""
    at = AppTest.from_file(str(ROOT / "home.py"), default_timeout=600)
    at.run()
    at.switch_page("pages/linear-regression.py")
    at.query_params.update(src="generate", n=str(n), d=str(FEATURES), steps="500", lr="0.2")
    at.run()
    if at.exception or at.error:
        raise SystemExit(f"page failed at n={n}: {[e.value for e in [*at.exception, *at.error]]}")
    return at


def step_time(at: AppTest) -> float:
    """Seconds for one rerun after a click on the "forward" step button."""
    start = time.perf_counter()
    at.button(key="k_forward").click().run()
    return time.perf_counter() - start


def plotly_bytes(at: AppTest) -> int:
    """Total length of the plotly figure JSON specs in the page's last run (both kinds of
    chart element: ``st.plotly_chart`` and ``ui.charts.plot``'s)."""
    from ui.charts import plot
    return sum(len(node.proto.spec.encode()) if node.type == "plotly_chart"
               else len(node.proto.bytes)
               for node in at._tree if node.type == "plotly_chart"
               or (node.type == "bidi_component" and node.proto.component_name == plot.COMPONENT))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    sizes = (1_000, 1_000_000)
    pages = {}
    for n in sizes:
        start = time.perf_counter()
        pages[n] = open_page(n)
        print(f"n = {n:>9,}: first run (data, statistics, scikit-learn, GD) "
              f"{time.perf_counter() - start:.2f} s")
    # Interleaved, so a busy machine slows both sizes alike.
    times = {n: [] for n in sizes}
    for _ in range(REPEATS):
        for n in sizes:
            times[n].append(step_time(pages[n]))
    medians = {n: statistics.median(times[n]) for n in sizes}
    for n in sizes:
        shown = [m.value for m in pages[n].metric if m.label == "step k"]
        print(f"n = {n:>9,}: median step-change rerun {medians[n] * 1000:.1f} ms "
              f"(min {min(times[n]) * 1000:.1f}, max {max(times[n]) * 1000:.1f}); now at {shown}")
    ratio = medians[sizes[1]] / medians[sizes[0]]
    size = plotly_bytes(pages[sizes[1]])
    print(f"ratio (1,000,000 / 1,000): {ratio:.2f}  (asked: <= 2)")
    print(f"plotly JSON sent at n = 1,000,000: {size:,} bytes = {size / 2**20:.3f} MB "
          f"(asked: <= 1 MB)")
    return 0 if ratio <= 2 and size <= 2**20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
