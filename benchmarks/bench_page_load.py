"""What opening a lesson costs in a browser, next to a bare Streamlit app's page load.

Issue 24 asks that every page load cost at most 1.3 times a bare single-script Streamlit app's
(one slider, one plotly chart, one formula, one metric). This script measures both in ONE run,
interleaved (round-robin over the pages in every round, so a busy machine slows every row
alike), in headless Chromium driven by Playwright:

- the bare app runs in its own ``streamlit run`` process (same flags, Streamlit's default
  configuration), the app in another (``tests/e2e/browser.start_app_server``);
- one browser context per server with a warm HTTP cache (each page is opened once before the
  timed rounds), as a student's second lesson is: the JavaScript bundle is cached, the session
  and the page's run are new;
- a load is timed from ``page.goto`` until the app is connected, its script has finished
  (``tests/e2e/browser.SCRIPT_IDLE_JS``) and every plotly chart on the page has drawn its SVG.

Printed per page: the median (min-max) ms and the ratio of the medians to the bare app's, and
the median CPU time of the browser's main thread in the same loads (Chrome's ``ThreadTime``,
read over the DevTools protocol) with its ratio: the work the page gives the browser, which a
busy machine inflates far less than the wall time. The exit status is 1 when a wall ratio is
above ``--goal`` (1.3). The machine is shared: quote medians. ``--pages`` times only the named
lessons (beside the bare app). ``--against PATH`` also times another checkout's app (e.g. a
worktree of the previous commit) in the same rounds, its rows marked "(PATH's name)": an A/B
of a change on this noisy VM, whose ratios move by ±0.1 between runs, needs both in one run.

Usage: ``python benchmarks/bench_page_load.py [--rounds N] [--goal 1.3] [--pages derivatives ...]
[--against PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_interactions import BARE_APP  # noqa: E402  (the same bare app)
from tests.e2e.browser import (  # noqa: E402
    CHART_ELEMENTS,
    CONNECTED_SELECTOR,
    SCRIPT_IDLE_JS,
    AppServer,
    find_chromium,
    free_port,
    start_app_server,
    stop_process_group,
    wait_http_ok,
)
from ui.shell.lessons import LESSONS  # noqa: E402

PAGES = [lesson.url_path for lesson in LESSONS]
# Every chart (tests/e2e/browser.CHART_ELEMENTS: Streamlit's plotly element and the app's own),
# each drawn when plotly has made its SVG in it; at least one (every page timed has charts).
CHARTS_DRAWN_JS = f"""() => {{
    const charts = document.querySelectorAll("{CHART_ELEMENTS}");
    if (charts.length === 0) return false;
    return [...charts].every(chart => chart.querySelector(".main-svg") !== null);
}}"""
TIMEOUT_MS = 120_000


def _streamlit_server(script: str, cwd: Path, log_path: Path) -> AppServer:
    """``streamlit run script`` in `cwd`, in its own process group on a free port, with the
    flags of ``tests/e2e/browser.start_app_server``; returns once it is healthy."""
    import subprocess

    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    wait_http_ok(f"{server.url}/_stcore/health", 60, process)
    return server


def start_bare_app(folder: Path) -> AppServer:
    """The bare app in its own ``streamlit run`` process on a free port."""
    script = folder / "bare_app.py"
    script.write_text(BARE_APP)
    return _streamlit_server(str(script), folder, folder / "bare.log")


def start_other_app(repo: Path, log_path: Path) -> AppServer:
    """`repo`'s app (another checkout) in its own ``streamlit run`` process, as the app's."""
    return _streamlit_server("app.py", repo, log_path)


def load_ms(context, url: str) -> tuple[float, float]:
    """(wall ms, main-thread CPU ms) from navigation until the page is idle with every chart
    drawn. The CPU figure is the renderer's main-thread time (Chrome's ``ThreadTime`` metric,
    read before and after through the DevTools protocol): what the page itself costs the
    browser, steadier than the wall time when other processes share the machine."""
    page = context.new_page()
    try:
        devtools = context.new_cdp_session(page)
        devtools.send("Performance.enable", {"timeDomain": "threadTicks"})
        cpu_start = thread_time_ms(devtools)
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(CONNECTED_SELECTOR, timeout=TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=TIMEOUT_MS, polling=10)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=TIMEOUT_MS, polling=10)
        wall = (time.perf_counter() - start) * 1000.0
        return wall, thread_time_ms(devtools) - cpu_start
    finally:
        page.close()


def thread_time_ms(devtools) -> float:
    """The page's renderer main thread's CPU time so far, in ms."""
    metrics = devtools.send("Performance.getMetrics")["metrics"]
    return 1000.0 * next(m["value"] for m in metrics if m["name"] == "ThreadTime")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--goal", type=float, default=1.3)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=PAGES, metavar="PAGE",
                        help=f"the lessons to time (default: all of {', '.join(PAGES)})")
    parser.add_argument("--against", type=Path, default=None, metavar="PATH",
                        help="also time this other checkout's app, interleaved")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (apt-get install chromium)")
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        bare = start_bare_app(Path(folder))
        app = start_app_server(Path(folder) / "app.log")
        servers = [bare, app]
        targets = {"bare app": f"{bare.url}/"} | {page: f"{app.url}/{page}" for page in args.pages}
        owner = {name: "app" for name in targets} | {"bare app": "bare"}
        if args.against is not None:
            other = start_other_app(args.against.resolve(), Path(folder) / "other.log")
            servers.append(other)
            mark = f" ({args.against.resolve().name})"
            for page in args.pages:
                targets[page + mark] = f"{other.url}/{page}"
                owner[page + mark] = "other"
        times: dict[str, list[float]] = {name: [] for name in targets}
        cpu_times: dict[str, list[float]] = {name: [] for name in targets}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run"])
                contexts = {name: browser.new_context(viewport={"width": 1280, "height": 900})
                            for name in set(owner.values())}
                for name, url in targets.items():  # warm: bundle cached, imports done
                    load_ms(contexts[owner[name]], url)
                for _ in range(args.rounds):
                    for name, url in targets.items():
                        context = contexts[owner[name]]
                        wall, cpu = load_ms(context, url)
                        times[name].append(wall)
                        cpu_times[name].append(cpu)
                browser.close()
        finally:
            for server in servers:
                stop_process_group(server.process)
    base = statistics.median(times["bare app"])
    base_cpu = statistics.median(cpu_times["bare app"])
    print(f"{args.rounds} loads each, warm browser cache, interleaved; ms until idle with "
          "every chart drawn (wall) and the renderer main thread's CPU ms in that time")
    print(f"{'page':30} {'median ms':>10} {'min-max':>12} {'ratio':>7} {'CPU ms':>8} {'ratio':>7}")
    worst = 0.0
    for name, values in times.items():
        ratio = statistics.median(values) / base
        cpu = statistics.median(cpu_times[name])
        if owner[name] == "app":  # the goal is this checkout's
            worst = max(worst, ratio)
        print(f"{name:30} {statistics.median(values):10.0f} "
              f"{min(values):5.0f}-{max(values):<6.0f} {ratio:6.2f}× {cpu:8.0f} "
              f"{cpu / base_cpu:6.2f}×")
    print(f"goal: every page load <= {args.goal}× the bare app's; worst here {worst:.2f}×")
    return 0 if worst <= args.goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
