"""What one full garbage collection costs in a warm server process, with and without the freeze.

``ui/shell/server.py`` imports the heavy modules at start-up and freezes what they made
(``gc.freeze``), so that the collector thread's ``gc.collect()`` scans only the objects made
since: sessions, figures, caches. This measures, in this one process, a collection:

1. after the start-up imports alone, unfrozen (what every collection costs without the freeze);
2. frozen, right after the freeze;
3. frozen, after every lesson has been opened ``--sessions`` times (AppTest sessions kept
   alive, as open tabs are), i.e. what the collector pays in a running class;
4. the same objects, unfrozen (``gc.unfreeze``): what Streamlit's ``postScriptGC`` paid after
   every run, and what an unfrozen collector would pay.

Each figure is the median of ``--repeats`` (7) collections, in ms, with the number of objects
the collector tracks. The machine may be shared: compare the rows of one run.

Usage: ``python benchmarks/bench_gc.py [--sessions 2] [--repeats 7]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.shell.lessons import LESSONS  # noqa: E402
from ui.shell.server import freeze_start_up_objects  # noqa: E402

# Settings that make a lesson's first run heavier than its defaults; every lesson of the
# lessons table is opened, with its defaults when it has no line here.
SETTINGS = {
    "derivatives": {"fn": "square", "x0": "1.5"},
    "gradients": {"fn": "article3d"},
    "subgradient": {},
    "chain-rule": {},
    "linear-regression": {"src": "generate", "n": "100000", "d": "10"},
}


def collect_ms(repeats: int) -> float:
    """Median milliseconds of `repeats` full collections."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def row(label: str, repeats: int) -> None:
    print(f"{label:<58} {collect_ms(repeats):8.1f} ms   {len(gc.get_objects()):>9,} objects "
          f"scanned   {gc.get_freeze_count():>9,} frozen", flush=True)


def open_lessons(sessions: int) -> list[AppTest]:
    """Every lesson opened `sessions` times; the sessions are returned (kept alive)."""
    kept = []
    for _ in range(sessions):
        for lesson in LESSONS:
            page = lesson.url_path
            at = AppTest.from_file(str(REPO_ROOT / "home.py"), default_timeout=120)
            at.run()
            at.switch_page(lesson.script)
            at.query_params.update(SETTINGS.get(page, {}))
            at.run()
            if at.exception:
                raise RuntimeError(f"/{page}: {at.exception[0].message}")
            kept.append(at)
    return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    freeze_start_up_objects(freeze=False)
    row("start-up imports, unfrozen", args.repeats)
    gc.freeze()
    row("start-up imports, frozen", args.repeats)
    kept = open_lessons(args.sessions)
    row(f"frozen, {len(kept)} warm sessions alive", args.repeats)
    gc.unfreeze()
    row(f"unfrozen, {len(kept)} warm sessions alive (as postScriptGC)", args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
