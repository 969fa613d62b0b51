"""A class at once: N students open one shared link to the regression page at the same time.

One ``streamlit run app.py`` server; one headless Chromium with N browser contexts (a context
is a student: own cookies, own Streamlit session), driven concurrently with Playwright's async
API. Each student

1. opens the teacher's shared link (``/linear-regression?...``),
2. clicks "forward" ten times; each time the clock runs from the click until the shown
   "step k" number has changed on screen,
3. switches the data source to "upload" and uploads a small CSV whose feature column is named
   after the student (``x_s07``); the clock runs until that column is on screen,
4. after every student has uploaded, steps once more and checks that no other student's
   column ever appears on their page (session isolation).

Printed: students that ran, errors (exceptions, console errors, exception boxes, server
tracebacks; must be 0), p50/p95 interaction latency, and the server's resident memory (the
process and its children, from /proc) before, at the peak (sampled in a thread) and after the
sessions closed. Streamlit keeps a closed session for ``server.disconnectedSessionTTL``
(120 s) in case the student reconnects; ``--after`` sets how long to wait before the last
sample, and ``--ttl-check`` adds a sample after that TTL.

``--ramp S`` spreads the arrivals over S seconds (a class that opens the link within a minute
rather than in the same millisecond); with ``--ramp 0`` all students open it at once.

On a 2-core machine the one Chromium that plays every student is what runs out of CPU (the
server uses a few per cent of the machine; the script prints both), so the figures there
describe the browsers as much as the server. See the README's "Serving a large class".

Usage: ``python benchmarks/bench_classroom.py [--students 30] [--ramp 0] [--after 60]
[--ttl-check]``
(needs Chromium: $GRADLAB_CHROMIUM or ``chromium`` on the PATH).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    CONNECTED_SELECTOR,
    HARMLESS_CONSOLE,
    SCRIPT_IDLE_JS,
    find_chromium,
    start_app_server,
    stop_process_group,
)

SHARED_LINK = "/linear-regression?lr=0.1&steps=200"
FORWARD = ".st-key-k_forward button"
STEP_METRIC_JS = """() => {
    const m = [...document.querySelectorAll("[data-testid='stMetric']")].find(m =>
        m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === 'step k');
    return m ? m.querySelector("[data-testid='stMetricValue']").innerText.trim() : null;
}"""
COLUMN = re.compile(r"x_s(\d+)")
TIMEOUT_MS = 180_000


def process_tree(pid: int) -> dict[int, list[str]]:
    """`pid` and all its descendants, each with its /proc/<pid>/stat fields after the name."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(child)
        stats[child] = fields
    tree, todo = {}, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        if current in stats:
            tree[current] = stats[current]
    return tree


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, from /proc (VmRSS)."""
    total = 0
    for current in process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its descendants so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) + int(f[12]) for f in process_tree(pid).values()) / ticks


class RssSampler(threading.Thread):
    """Samples tree_rss_bytes(pid) every `interval` seconds; keeps the maximum."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Student:
    """One browser context's results."""

    index: int
    latencies: list[float] = field(default_factory=list)
    upload_latency: float | None = None
    open_seconds: float | None = None
    errors: list[str] = field(default_factory=list)
    foreign_columns: set[str] = field(default_factory=set)
    waited_for_failed_classmate: bool = False

    @property
    def column(self) -> str:
        return f"x_s{self.index:02d}"

    def csv(self) -> bytes:
        rows = [f"y,{self.column}"]
        rows += [f"{2.0 * x + self.index:.3f},{x:.3f}" for x in range(1, 41)]
        return ("\n".join(rows) + "\n").encode()


async def wait_ready(page) -> None:
    await page.wait_for_selector(CONNECTED_SELECTOR, timeout=TIMEOUT_MS)
    await page.wait_for_function(SCRIPT_IDLE_JS, timeout=TIMEOUT_MS)


async def check_isolation(page, student: Student) -> None:
    text = await page.inner_text("body")
    student.foreign_columns |= {f"x_s{m}" for m in COLUMN.findall(text)} - {student.column}


async def run_student(browser, base_url: str, student: Student, steps: int, delay: float,
                      uploaded: asyncio.Barrier, one_finished, all_done: asyncio.Event) -> None:
    """One student's visit, `delay` seconds after the first; the context stays open until
    every student is done."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()

    def on_console(message) -> None:
        if message.type == "error":
            text = f"console.error: {message.text} ({message.location.get('url', '')})"
            if not any(p.search(text) for p in HARMLESS_CONSOLE):
                student.errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: student.errors.append(f"uncaught: {exc}"))
    try:
        started = time.perf_counter()
        await page.goto(base_url + SHARED_LINK)
        await wait_ready(page)
        student.open_seconds = time.perf_counter() - started
        for _ in range(steps):
            before = await page.evaluate(STEP_METRIC_JS)
            clicked = time.perf_counter()
            await page.locator(FORWARD).click()
            await page.wait_for_function(
                f"() => {{ const v = ({STEP_METRIC_JS})(); return v !== null && v !== {before!r}; }}"
            )
            student.latencies.append(time.perf_counter() - clicked)
            await wait_ready(page)
        radio = page.locator("[data-testid='stRadio'] [data-testid='stRadioOption']",
                             has_text="upload")
        await radio.click()
        uploader = page.locator("[data-testid='stFileUploader'] input[type='file']")
        await uploader.wait_for(state="attached")
        clicked = time.perf_counter()
        await uploader.set_input_files(
            {"name": f"{student.column}.csv", "mimeType": "text/csv", "buffer": student.csv()}
        )
        await page.wait_for_function(
            """([column]) => [...document.querySelectorAll("[data-testid='stMain'] *")]
                 .some(e => e.children.length === 0 && e.textContent.trim() === column)""",
            arg=[student.column],
        )
        student.upload_latency = time.perf_counter() - clicked
        await wait_ready(page)
        await check_isolation(page, student)
        await uploaded.wait()
        before = await page.evaluate(STEP_METRIC_JS)
        await page.locator(FORWARD).click()
        await page.wait_for_function(
            f"() => {{ const v = ({STEP_METRIC_JS})(); return v !== null && v !== {before!r}; }}"
        )
        await wait_ready(page)
        await check_isolation(page, student)
        if await page.locator("[data-testid='stException']").count():
            student.errors.append("exception box on the page")
        if "Traceback" in await page.inner_text("body"):
            student.errors.append("'Traceback' text on the page")
    except asyncio.BrokenBarrierError:
        student.waited_for_failed_classmate = True
    except Exception as exc:  # a failed student is counted and reported, not fatal
        student.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        if not uploaded.broken:
            await uploaded.abort()
    finally:
        one_finished()
        await all_done.wait()
        await context.close()


async def classroom(base_url: str, chromium: str, students: int, steps: int,
                    ramp: float, browsers: int) -> list[Student]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = [await playwright.chromium.launch(executable_path=chromium,
                                                     args=CHROMIUM_ARGS)
                    for _ in range(max(1, min(browsers, students)))]
        class_ = [Student(i) for i in range(students)]
        uploaded = asyncio.Barrier(students)
        all_done = asyncio.Event()
        finished = 0

        def one_finished() -> None:
            nonlocal finished
            finished += 1
            if finished == students:
                all_done.set()

        await asyncio.gather(*(
            run_student(launched[s.index % len(launched)], base_url, s, steps,
                        ramp * s.index / students, uploaded, one_finished, all_done)
            for s in class_
        ))
        for browser in launched:
            await browser.close()
    return class_


async def warm_up(base_url: str, chromium: str) -> None:
    """One visit to "/" and the link, so imports and bundled data are loaded before timing."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        for path in ("/", SHARED_LINK):
            await page.goto(base_url + path)
            await wait_ready(page)
        await browser.close()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def mb(value: int) -> str:
    return f"{value / 2**20:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="spread the students' arrivals evenly over this many seconds "
                             "(0: all open the link at the same instant)")
    parser.add_argument("--browsers", type=int, default=1,
                        help="Chromium processes to spread the students over (each student "
                             "is still a browser context of its own)")
    parser.add_argument("--after", type=float, default=60.0,
                        help="seconds to wait after the sessions close before the last sample")
    parser.add_argument("--ttl-check", action="store_true",
                        help="also sample after Streamlit's disconnected-session TTL (120 s)")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("No Chromium found: set GRADLAB_CHROMIUM or install chromium.")
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        server = start_app_server(Path(tmp) / "server.log")
        try:
            rss_idle = tree_rss_bytes(server.process.pid)
            asyncio.run(warm_up(server.url, chromium))
            rss_before = tree_rss_bytes(server.process.pid)
            sampler = RssSampler(server.process.pid)
            sampler.start()
            started = time.perf_counter()
            cpu_start = cpu_seconds(server.process.pid)
            class_ = asyncio.run(classroom(server.url, chromium, args.students, args.steps,
                                          args.ramp, args.browsers))
            wall = time.perf_counter() - started
            server_cpu = cpu_seconds(server.process.pid) - cpu_start
            time.sleep(args.after)
            sampler.stop()
            rss_after = tree_rss_bytes(server.process.pid)
            rss_ttl = None
            if args.ttl_check:
                time.sleep(max(0.0, 135.0 - args.after))
                # Expired sessions are dropped when the session store is next touched.
                asyncio.run(warm_up(server.url, chromium))
                rss_ttl = tree_rss_bytes(server.process.pid)
            log = server.log_since(0)
        finally:
            stop_process_group(server.process)

    latencies = [t for s in class_ for t in s.latencies]
    uploads = [s.upload_latency for s in class_ if s.upload_latency is not None]
    opens = [s.open_seconds for s in class_ if s.open_seconds is not None]
    errors = [f"student {s.index}: {e}" for s in class_ for e in s.errors]
    stranded = sum(s.waited_for_failed_classmate for s in class_)
    tracebacks = log.count("Traceback")
    leaks = {s.column: sorted(s.foreign_columns) for s in class_ if s.foreign_columns}
    print(f"Classroom benchmark: {args.students} students at once, one server, "
          f"{args.browsers} Chromium process(es) ({len(class_)} browser contexts), {args.steps} steps + 1 upload each; "
          f"arrivals spread over {args.ramp:g} s; wall time {wall:.1f} s")
    print(f"  server CPU: {server_cpu:.1f} s over {wall:.1f} s wall on {os.cpu_count()} cores "
          f"({100 * server_cpu / (wall * os.cpu_count()):.0f}% of the machine; the rest of the "
          "time the cores ran the browsers)")
    print(f"  errors: {len(errors) + tracebacks} ({len(errors)} in browsers, {tracebacks} "
          "server tracebacks)")
    for error in errors[:10]:
        print(f"    {error}")
    if stranded:
        print(f"  {stranded} students finished but skipped the last isolation check: a "
              "classmate failed before uploading")
    print(f"  session isolation: {'OK' if not leaks else 'LEAK ' + str(leaks)} (each student "
          "saw only their own uploaded column)")
    if latencies:
        print(f"  step click -> new number on screen: p50 {percentile(latencies, 50) * 1000:.0f} "
              f"ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, max "
              f"{max(latencies) * 1000:.0f} ms (n = {len(latencies)})")
    if uploads:
        print(f"  upload -> column on screen: p50 {percentile(uploads, 50) * 1000:.0f} ms, p95 "
              f"{percentile(uploads, 95) * 1000:.0f} ms (n = {len(uploads)})")
    if opens:
        print(f"  open the shared link -> page ready: p50 {statistics.median(opens):.1f} s, "
              f"max {max(opens):.1f} s")
    print(f"  server memory (RSS): idle {mb(rss_idle)}, after one warm-up visit {mb(rss_before)},"
          f" peak {mb(sampler.peak)}, {args.after:.0f} s after the sessions closed "
          f"{mb(rss_after)}" + (f", after the 120 s session TTL {mb(rss_ttl)}" if rss_ttl else ""))
    ok = not errors and not tracebacks and not leaks and len(latencies) == args.students * args.steps
    print("  RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
