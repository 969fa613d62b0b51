"""Server memory when a class opens large generated datasets and uploads wide files.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 in its own process group (the same
start and stop as the browser tests) and drives sessions without a browser, over Streamlit's
own websocket protocol, as a tab does (the client is ``benchmarks/st_client.py``):

1. idle: the server after one visit of the home page's default (the start-up imports done);
2. ``--datasets`` sessions (default 20) open, one after another,
   ``/linear-regression?src=generate&n=1000000&d=10&seed=N`` with their own seed N = 1, 2, ...
   (20 distinct 1e6 x 10 tables), each waiting until the page's script has finished; the tabs
   stay open until the last has opened (``--close-each`` closes each one at once instead);
3. every tab is closed; the RSS is sampled every ``--sample`` s for ``--settle`` s (default
   60); Streamlit keeps a closed session for ``server.disconnectedSessionTTL`` (30 s) and drops
   expired ones at the next disconnect, so one short visit follows, then the last sample;
4. ``--uploads`` sessions (default 0) each open ``/linear-regression?src=upload``, upload a
   distinct CSV of ``--upload-shape`` (default 50x10000: 1 MB of 10,000 columns), and close.

After each step it prints the server's resident memory (VmRSS of the process and its
children, from /proc), the peak (VmHWM), the CPU seconds used and what the page said. The run
fails (exit code 1) when the RSS after the datasets exceeds ``--limit-mb`` (700 MB: a
Streamlit Community Cloud app gets about 1 GB), when the RSS after the wait is more than
``--return-mb`` (100 MB) above idle (the byte-bounded cache of ``ui/regression/byte_store.py``
drops its large entries after ``GRADLAB_STORE_IDLE_SECONDS``, 40 s, unused), or when a page
raised. ``--server-env GRADLAB_STORE_IDLE_SECONDS=3600`` keeps them, to compare.
``--server-env KEY=VALUE`` starts the server with that environment (e.g.
``GRADLAB_GC_MAX_SECONDS=0`` turns the collector thread of ``ui/shell/server.py`` off, to compare).

Usage: ``python benchmarks/bench_memory.py [--datasets 20] [--settle 60] [--uploads 0]
[--upload-shape 50x10000] [--limit-mb 700] [--return-mb 100] [--server-env K=V]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from benchmarks.st_client import (  # noqa: E402
    PageRun,
    Session,
    cpu_model,
    cpu_seconds,
    tree_rss_bytes,
)
from tests.e2e.browser import start_app_server, stop_process_group  # noqa: E402
from ui.regression.byte_store import CACHE_BUDGET_BYTES  # noqa: E402

PAGE = "linear-regression"
RUN_TIMEOUT_S = 900.0
MB = 2**20


def wide_csv(rows: int, columns: int, seed: int) -> bytes:
    """A CSV of `rows` x `columns` random numbers with 3 decimals, header c1..c<columns>."""
    values = np.random.default_rng(seed).random((rows, columns))
    header = ",".join(f"c{j + 1}" for j in range(columns))
    body = "\n".join(",".join(f"{v:.3f}" for v in row) for row in values)
    return f"{header}\n{body}\n".encode()


def peak_rss_bytes(pid: int) -> int:
    """VmHWM of the server process: the most resident memory it ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def report(label: str, pid: int, start_cpu: float) -> int:
    """Print RSS, peak RSS and CPU seconds so far; return the RSS in bytes."""
    rss = tree_rss_bytes(pid)
    print(f"{label:<44} RSS {rss / MB:7.0f} MB   peak {peak_rss_bytes(pid) / MB:7.0f} MB   "
          f"CPU {cpu_seconds(pid) - start_cpu:7.1f} s", flush=True)
    return rss


def open_and_close(base_url: str, query: str) -> PageRun:
    session = Session(base_url, timeout_s=RUN_TIMEOUT_S)
    try:
        return session.open(PAGE, query)
    finally:
        session.close()


def open_datasets(url: str, args, pid: int, start_cpu: float) -> tuple[int, int]:
    """Step 2: the datasets, each in its own tab; returns (RSS after them, page failures)."""
    failures, tabs = 0, []
    try:
        for seed in range(1, args.datasets + 1):
            session = Session(url, timeout_s=RUN_TIMEOUT_S)
            tabs.append(session)
            page = session.open(PAGE, f"src=generate&n={args.rows}&d={args.features}"
                                      f"&seed={seed}")
            failures += bool(page.exceptions)
            if args.close_each:
                tabs.pop().close()
            report(f"dataset seed={seed} ({page.seconds:5.1f} s)", pid, start_cpu)
        if args.datasets:
            print(f"  last page: {page.summary()}")
        state = "every tab closed" if args.close_each else f"{len(tabs)} tabs open"
        after = report(f"after {args.datasets} datasets, {state}", pid, start_cpu)
    finally:
        for session in tabs:
            session.close()
    report("every tab closed", pid, start_cpu)
    return after, failures


def settle(url: str, seconds: float, every: float, pid: int, start_cpu: float) -> int:
    """Step 3: sample the RSS for `seconds`, then one short visit; returns the last RSS."""
    start = time.monotonic()
    while (left := seconds - (time.monotonic() - start)) > 0:
        time.sleep(min(every, left))
        report(f"  {time.monotonic() - start:4.0f} s after closing", pid, start_cpu)
    open_and_close(url, "")
    return report(f"after {seconds:.0f} s and one short visit", pid, start_cpu)


def upload_wide_files(url: str, args, pid: int, start_cpu: float) -> int:
    """Step 4: the uploads, one tab each; returns the number of pages that raised."""
    rows, columns = (int(part) for part in args.upload_shape.lower().split("x"))
    failures = 0
    for index in range(1, args.uploads + 1):
        session = Session(url, timeout_s=RUN_TIMEOUT_S)
        try:
            session.open(PAGE, "src=upload")
            page = session.upload("reg_upload", f"wide{index}.csv",
                                  wide_csv(rows, columns, index))
        finally:
            session.close()
        failures += bool(page.exceptions)
        report(f"upload {index} {rows}x{columns} ({page.seconds:5.1f} s)", pid, start_cpu)
    if args.uploads:
        print(f"  last page: {page.summary()}")
        report(f"after {args.uploads} uploads, every tab closed", pid, start_cpu)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--close-each", action="store_true",
                        help="close each dataset's tab as soon as its page has run")
    parser.add_argument("--settle", type=float, default=60.0,
                        help="seconds to sample after closing the tabs")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--uploads", type=int, default=0)
    parser.add_argument("--upload-shape", default="50x10000", help="ROWSxCOLUMNS")
    parser.add_argument("--limit-mb", type=float, default=700.0)
    parser.add_argument("--return-mb", type=float, default=100.0)
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    for item in args.server_env:
        key, _, value = item.partition("=")
        os.environ[key] = value
    print(f"{cpu_model()}; server env: {args.server_env or 'as shipped'}; load average "
          f"{os.getloadavg()[0]:.2f} (the machine may be shared)", flush=True)
    log = REPO_ROOT / "test-output" / "bench_memory_server.log"
    server = start_app_server(log)
    pid = server.process.pid
    try:
        start_cpu = cpu_seconds(pid)
        report("started", pid, start_cpu)
        failures = bool(open_and_close(server.url, "").exceptions)
        idle = report("idle (after one visit)", pid, start_cpu)
        after_datasets, failed = open_datasets(server.url, args, pid, start_cpu)
        failures += failed
        after_wait = settle(server.url, args.settle, args.sample, pid, start_cpu)
        failures += upload_wide_files(server.url, args, pid, start_cpu)
        peak = peak_rss_bytes(pid)
    finally:
        stop_process_group(server.process)
    within = after_datasets <= args.limit_mb * MB
    kept = after_wait - idle
    back = kept <= args.return_mb * MB
    print(f"RSS idle {idle / MB:.0f} MB; after {args.datasets} datasets {after_datasets / MB:.0f}"
          f" MB ({'within' if within else 'ABOVE'} {args.limit_mb:.0f} MB); {args.settle:.0f} s "
          f"after closing {after_wait / MB:.0f} MB ({kept / MB:+.0f} MB from idle: "
          f"{'within' if back else 'ABOVE'} {args.return_mb:.0f} MB; the cache holds up to "
          f"{CACHE_BUDGET_BYTES / MB:.0f} MB); peak {peak / MB:.0f} MB;"
          f" page exceptions: {failures}")
    return 0 if within and back and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
