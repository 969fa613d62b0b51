"""A step of the regression stepper on a 1e6 x 10 generated table, with its rows still in the
server's STORE against after another tab's new table pushed them out (issue 24's heavy class).

Starts ``streamlit run app.py`` (as ``bench_memory.py`` does) and drives tabs over Streamlit's
websocket protocol (``benchmarks/st_client.py``). Tab A opens
``/linear-regression?src=generate&n=1000000&d=10&seed=1``. Then, ``--repeats`` times: A clicks
forward (a fragment rerun) with its rows in STORE ("kept"); tab B opens a table of a new seed,
which takes STORE's room; A clicks forward again ("pushed out"). Each step's time (BackMsg to
script finished) and the server's CPU seconds during it are printed, then the medians and the
ratio pushed out / kept within this run, and the server's resident memory at the end. Also
checks that each step shows the next k with no exception (and, on the check tab, the gradient
check's verdict). The machine may be shared: compare the ratios, not the seconds.

``--tab`` is the stepper's open tab (``?tab=``; the default "fit" is where a class's steps
land); ``--repo`` a checkout whose ``app.py`` the server runs (default: this one), to measure
another branch with the same client.

Usage: ``python benchmarks/bench_step_evicted.py [--repeats 5] [--rows 1000000] [--features 10]
[--tab fit|path|gradient|check] [--repo /work/main]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.st_client import Session, cpu_seconds  # noqa: E402
from tests.e2e import browser  # noqa: E402
from tests.e2e.browser import start_app_server, stop_process_group  # noqa: E402

PAGE = "linear-regression"
TIMEOUT_S = 600.0


def step(tab: Session, pid: int, view: str) -> tuple[float, float, str]:
    """Click forward in `tab` (its stepper open on the tab `view`); (seconds, server CPU
    seconds, the step shown)."""
    before = cpu_seconds(pid)
    page = tab.click("k_forward")
    shown = page.metrics.get("step k", "?")
    if page.exceptions or page.errors or page.warnings:
        raise SystemExit(f"the step went wrong: {page.summary()} {page.warnings[:1]}")
    if view == "check" and not any("Gradient check at step" in t for t in page.successes):
        raise SystemExit(f"the step showed no gradient check: {page.summary()}")
    return page.seconds, cpu_seconds(pid) - before, shown


def resident_mb(pid: int) -> float:
    """The server's resident memory (VmRSS), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--tab", choices=("fit", "path", "gradient", "check"), default="fit")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} (the machine may be shared); server: "
          f"{args.repo}, tab {args.tab}", flush=True)
    browser.REPO_ROOT = args.repo.resolve()  # the server's working directory (its app.py)
    server = start_app_server(REPO_ROOT / "test-output" / "bench_step_evicted_server.log")
    pid = server.process.pid
    link = f"src=generate&n={args.rows}&d={args.features}&seed={{seed}}&tab={args.tab}"
    times: dict[str, list[tuple[float, float]]] = {"kept": [], "pushed out": []}
    tab = Session(server.url, timeout_s=TIMEOUT_S)
    try:
        opened = tab.open(PAGE, link.format(seed=1))
        print(f"A opened in {opened.seconds:.1f} s: step k = {opened.metrics.get('step k')}")
        for repeat in range(args.repeats):
            seconds, cpu, shown = step(tab, pid, args.tab)
            times["kept"].append((seconds, cpu))
            print(f"  kept        {seconds:6.3f} s, server CPU {cpu:6.3f} s, step k = {shown}")
            other = Session(server.url, timeout_s=TIMEOUT_S)
            try:
                other.open(PAGE, link.format(seed=100 + repeat))
            finally:
                other.close()
            seconds, cpu, shown = step(tab, pid, args.tab)
            times["pushed out"].append((seconds, cpu))
            print(f"  pushed out  {seconds:6.3f} s, server CPU {cpu:6.3f} s, step k = {shown}")
        rss = resident_mb(pid)
    finally:
        tab.close()
        stop_process_group(server.process)
    medians = {way: (statistics.median(t for t, _ in rows), statistics.median(c for _, c in rows))
               for way, rows in times.items()}
    for way, (seconds, cpu) in medians.items():
        print(f"median {way:11s} {seconds:6.3f} s, server CPU {cpu:6.3f} s")
    kept, pushed = medians["kept"], medians["pushed out"]
    print(f"pushed out / kept: time {pushed[0] / kept[0]:.2f}x, server CPU "
          f"{pushed[1] / max(kept[1], 1e-3):.2f}x; server RSS at the end {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
