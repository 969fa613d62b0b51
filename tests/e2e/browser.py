"""Helpers for the browser tests and the benchmarks: the app server, Chromium, waits.

Nothing here depends on pytest, so the benchmarks (``benchmarks/serving.py``,
``benchmarks/bench_memory.py``) use the same server start/stop as the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"
SERVER_START_TIMEOUT_S = 60.0
READY_TIMEOUT_MS = 30_000
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
HEIGHT_AT_WIDTH = dict(VIEWPORTS.values())  # {1280: 800, 390: 844}: width -> viewport height
AXE_BLOCKING = ("serious", "critical")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Console messages that are not errors of this app; each was seen, traced and checked.
# - Opened at an address that is not a lesson's (an unknown page), Streamlit's frontend does
#   not know whether the app is served under a path prefix, so it probes `<first path
#   segment>/_stcore/health` and `.../host-config` (function `PD` in
#   streamlit/static/js/index.*.js builds the candidate base URLs), gets 404 there and connects
#   at `/`. Only these two 404s, one segment deep. (A lesson's own address no longer probes:
#   ui/shell/page_html.py tells the frontend where the server is; tests/e2e/test_page_html.py.)
HARMLESS_CONSOLE = [
    re.compile(
        r"^console\.error: Failed to load resource: the server responded with a status of 404 "
        r"\(Not Found\) \(https?://[^/]+/[^/?#]+/_stcore/(health|host-config)\)$"
    ),
]

def find_chromium() -> str | None:
    """Path of an installed Chromium: $GRADLAB_CHROMIUM, else the usual names on the PATH."""
    configured = os.environ.get("GRADLAB_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http_ok(url: str, timeout_s: float, proc: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200 with body ``ok``; raise with the reason on timeout."""
    deadline = time.monotonic() + timeout_s
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read().decode().strip()
                if response.status == 200 and body == "ok":
                    return
                last_error = f"HTTP {response.status}: {body[:80]!r}"
        except OSError as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 'ok' within {timeout_s:.0f} s ({last_error})")


@dataclass
class AppServer:
    """A running ``streamlit run app.py``: its base URL, process and log file."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")


def start_app_server(log_path: Path, port: int | None = None,
                     env: dict[str, str] | None = None, base_path: str = "") -> AppServer:
    """Start the app on a free port in its own process group; return once it is healthy.
    `env`: variables set for the server on top of this process's environment; `base_path`:
    Streamlit's ``server.baseUrlPath`` (the returned URL ends with it)."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        *(["--server.baseUrlPath", base_path] if base_path else []),
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env=None if env is None else {**os.environ, **env},
    )
    log.close()
    prefix = f"/{base_path.strip('/')}" if base_path.strip("/") else ""
    server = AppServer(f"http://127.0.0.1:{port}{prefix}", process, log_path)
    try:
        wait_http_ok(f"{server.url}/_stcore/health", SERVER_START_TIMEOUT_S, process)
    except Exception as exc:
        stop_process_group(process)
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"streamlit did not start: {exc}\n--- server log ---\n{tail}") from exc
    return server


def stop_process_group(process: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """SIGTERM the process group started with `process`, SIGKILL it if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout_s)
    # The leader is gone; make sure nothing it spawned outlives it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


CONNECTED_SELECTOR = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
# True once the page's script has run to the end: something is rendered in the main area
# (before the first run starts the app is "notRunning" and empty), no run is in progress, no
# placeholder skeleton and no element left stale from an earlier run.
SCRIPT_IDLE_JS = """() => document.querySelector("[data-test-script-state='notRunning']") !== null
    && document.querySelector("[data-test-script-state='running']") === null
    && document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']") !== null
    && document.querySelector("[data-testid='stSkeleton']") === null
    && document.querySelector("[data-stale='true']") === null"""


# True once every chart on the page has been drawn (plotly has made its SVG): Streamlit's plotly
# element and the app's own (ui.charts.plot, a components.v2 element, the only such elements
# here), which draws after its bundle has loaded, so possibly after the script has finished.
CHART_ELEMENTS = "[data-testid='stPlotlyChart'], [data-testid='stBidiComponentRegular']"
CHARTS_DRAWN_JS = f"""() => [...document.querySelectorAll("{CHART_ELEMENTS}")]
    .every(chart => chart.querySelector('.main-svg') !== null)"""


def wait_ready(page, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait until the app is connected, its script has finished, no skeleton is left and
    every chart is drawn."""
    page.wait_for_selector(CONNECTED_SELECTOR, timeout=timeout_ms)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=timeout_ms)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout_ms)


def open_page(page, url: str) -> None:
    """Navigate `page` to `url` and wait until the app has rendered it."""
    page.goto(url)
    wait_ready(page)


@dataclass
class PageLog:
    """Console errors and uncaught exceptions seen by one browser page."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        def on_console(message) -> None:
            if message.type == "error":
                where = message.location.get("url", "") if message.location else ""
                self.errors.append(f"console.error: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def real_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in HARMLESS_CONSOLE)]


@contextmanager
def watched_page(browser) -> Iterator[tuple[object, PageLog]]:
    """A page in a fresh browser context (a new visitor, default viewport) and the log of its
    console errors; the context is closed on the way out."""
    context = browser.new_context()
    try:
        page = context.new_page()
        log = PageLog()
        log.attach(page)
        yield page, log
    finally:
        context.close()


SIDEBAR_SETTLED_JS = """() => {
    const bar = document.querySelector("[data-testid='stSidebar']");
    if (bar === null || bar.getAttribute("data-collapsed") !== "true") return true;
    return bar.getBoundingClientRect().right <= 0;
}"""


def save_screenshots(page, stem: str) -> list[Path]:
    """Screenshot `page` at every size in VIEWPORTS; return the files written."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (width, height) in VIEWPORTS.items():
        try:
            page.set_viewport_size({"width": width, "height": height})
            try:
                wait_ready(page, timeout_ms=5_000)
                # Streamlit folds the sidebar away on a narrow screen; wait for the slide to end.
                page.wait_for_function(SIDEBAR_SETTLED_JS, timeout=3_000)
            except Exception:  # noqa: S110 - a failing page is still worth a picture
                pass
            path = SCREENSHOT_DIR / f"{stem}-{name}-{width}x{height}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
        except Exception as exc:  # the page may be closed or crashed; say so and go on
            print(f"screenshot {stem}-{name} failed: {exc}", file=sys.stderr)
    return written




def page_problems(page) -> list[str]:
    """What a person would see as broken: a Streamlit exception box or Python traceback text."""
    problems = []
    exceptions = page.locator("[data-testid='stException']")
    if exceptions.count():
        problems.append(f"exception box: {exceptions.first.inner_text()[:500]}")
    body = page.inner_text("body")
    if "Traceback" in body:
        problems.append("'Traceback' text on the page")
    return problems


# For each Plotly chart: is it laid out with a size, and how many traces and points (and
# annotations/shapes, which a diagram may use instead of traces) does it draw? `_fullData`
# is the figure data Plotly keeps on its div after decoding (typed arrays).
PLOTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => {
    const box = el.getBoundingClientRect();
    const traces = el._fullData || [];
    const size = (a) => (a && typeof a.length === 'number') ? a.length : 0;
    const points = traces.reduce((n, t) => n + Math.max(size(t.x), size(t.y), size(t.z)), 0);
    const layout = el._fullLayout || {};
    const marks = (layout.annotations || []).length + (layout.shapes || []).length;
    return {width: box.width, height: box.height, traces: traces.length, points: points,
            marks: marks};
})"""


def plot_summaries(page) -> list[dict]:
    """One dict per Plotly chart on the page: width, height, number of traces and points."""
    page.wait_for_selector(".js-plotly-plot .main-svg")
    return page.evaluate(PLOTS_JS)


def metric_values(page) -> dict[str, str]:
    """The page's st.metric tiles as {label: shown value}."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("[data-testid='stMetric']")]
            .map(m => [m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim(),
                       m.querySelector("[data-testid='stMetricValue']")?.innerText.trim()]))"""
    )


def latex_sources(page) -> list[str]:
    """The TeX source of every rendered KaTeX formula on the page, in page order."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".katex annotation")].map(a => a.textContent)"""
    )


def wait_metric_change(page, label: str, old: str, timeout_ms: int = READY_TIMEOUT_MS) -> str:
    """Wait until the st.metric called `label` shows something other than `old`; return it."""
    page.wait_for_function(
        """([label, old]) => [...document.querySelectorAll("[data-testid='stMetric']")].some(m =>
            m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === label
            && m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() !== old)""",
        arg=[label, old],
        timeout=timeout_ms,
    )
    wait_ready(page, timeout_ms)
    return metric_values(page)[label]


def nudge_slider(page, label: str, presses: int = 1, key: str = "ArrowRight") -> None:
    """Move the st.slider called `label` by `presses` steps with the keyboard, as a person can."""
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(presses):
        slider.press(key)


def type_into(page, label: str, text: str) -> None:
    """Replace the text of the st.text_input called `label` and submit it with Enter."""
    box = page.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Enter")


def warm_up(browser, url: str) -> None:
    """Open the entry page once in a throwaway context, so the first test does not pay for
    the server's first imports (test_cold_start.py covers a visitor who arrives first)."""
    context = browser.new_context()
    try:
        open_page(context.new_page(), url + "/")
    finally:
        context.close()


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on `page` as it is now, each with its rule,
    how many elements it hit and axe's own summary of the first one (what to fix)."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): "
            f"{v['nodes'][0].get('failureSummary', '')[:300]}"
            for v in response["violations"] if v["impact"] in AXE_BLOCKING]
