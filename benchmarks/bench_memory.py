"""Server memory when many people open large generated datasets and upload wide files.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 in its own process group (the same
start and stop as the browser tests) and drives sessions without a browser, over Streamlit's
own websocket protocol, as a tab does (the client is ``benchmarks/st_client.py``):

1. ``--datasets`` sessions (default 20), one after another, each opens
   ``/linear-regression?src=generate&n=1000000&d=10&seed=N`` with its own seed N = 1, 2, ...,
   waits until the page's script has finished, and closes (the tab is closed);
2. ``--uploads`` sessions (default 20) each open ``/linear-regression?src=upload``, upload a
   distinct CSV of ``--upload-shape`` (default 50x10000: the issue's 1 MB file of 10,000
   columns) through the file uploader, wait for the page, and close.

After each phase it prints the server's resident memory (VmRSS of the process and its
children, from /proc), the peak (VmHWM), the CPU seconds used and what the page said (first
error or the "Using ..." caption). Streamlit keeps a closed session for
``server.disconnectedSessionTTL`` seconds and drops expired ones at the next disconnect, so
``--settle`` (default: that TTL + 5 s) later one more small session opens and closes, and the
RSS is printed again. The run fails (exit code 1) when the RSS after the datasets exceeds
``--limit-mb`` (default 700 MB: a Streamlit Community Cloud app gets about 1 GB).

Usage: ``python benchmarks/bench_memory.py [--datasets 20] [--uploads 20]
[--upload-shape 50x10000] [--limit-mb 700] [--settle S]``
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from benchmarks.st_client import PageRun, Session, cpu_seconds, tree_rss_bytes  # noqa: E402
from tests.e2e.browser import start_app_server, stop_process_group  # noqa: E402

PAGE = "linear-regression"
RUN_TIMEOUT_S = 900.0
MB = 2**20


def wide_csv(rows: int, columns: int, seed: int) -> bytes:
    """A CSV of `rows` x `columns` random numbers with 3 decimals, header c1..c<columns>."""
    values = np.random.default_rng(seed).random((rows, columns))
    header = ",".join(f"c{j + 1}" for j in range(columns))
    body = "\n".join(",".join(f"{v:.3f}" for v in row) for row in values)
    return f"{header}\n{body}\n".encode()


def configured_ttl() -> int:
    """server.disconnectedSessionTTL from .streamlit/config.toml (Streamlit's default: 120)."""
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    return int(config.get("server", {}).get("disconnectedSessionTTL", 120))


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--upload-shape", default="50x10000", help="ROWSxCOLUMNS")
    parser.add_argument("--limit-mb", type=float, default=700.0)
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds to wait before the last sample (default: TTL + 5)")
    args = parser.parse_args()
    rows, columns = (int(part) for part in args.upload_shape.lower().split("x"))
    settle = configured_ttl() + 5 if args.settle is None else args.settle
    log = REPO_ROOT / "test-output" / "bench_memory_server.log"
    server = start_app_server(log)
    pid = server.process.pid
    failures = 0
    try:
        start_cpu = cpu_seconds(pid)
        report("started", pid, start_cpu)
        open_and_close(server.url, "")
        report("after one visit (default data)", pid, start_cpu)
        for seed in range(1, args.datasets + 1):
            query = f"src=generate&n={args.rows}&d={args.features}&seed={seed}"
            page = open_and_close(server.url, query)
            failures += bool(page.exceptions)
            report(f"dataset seed={seed} ({page.seconds:5.1f} s)", pid, start_cpu)
        if args.datasets:
            print(f"  last page: {page.summary()}")
        after_datasets = report(f"after {args.datasets} datasets, every tab closed", pid,
                                start_cpu)
        for index in range(1, args.uploads + 1):
            session = Session(server.url, timeout_s=RUN_TIMEOUT_S)
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
        print(f"waiting {settle:.0f} s (disconnectedSessionTTL + 5 s), then one short visit...",
              flush=True)
        time.sleep(settle)
        open_and_close(server.url, "")
        report("after the wait", pid, start_cpu)
        peak = peak_rss_bytes(pid)
    finally:
        stop_process_group(server.process)
    verdict = "within" if after_datasets <= args.limit_mb * MB else "ABOVE"
    print(f"RSS after {args.datasets} datasets: {after_datasets / MB:.0f} MB, {verdict} the "
          f"limit of {args.limit_mb:.0f} MB; peak {peak / MB:.0f} MB; page exceptions: "
          f"{failures}")
    return 0 if verdict == "within" and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
