"""What one upload costs the server: CPU seconds and peak memory per MB of file, hostile or not.

Builds a corpus of CSV files in a temporary directory (wide rows, a huge header, megabytes of
blank lines, quotes, a mix of all) and reads each with ``gradcore.data.csv_loader.load_csv`` in a
fresh Python process, so each figure is that file's alone: CPU seconds (user + system) of the
read, the peak resident memory it added (VmHWM minus VmRSS before, the peak reset through
/proc/self/clear_refs), both per MB
(2**20 bytes) of file, and what the loader said. A read that takes longer than ``--timeout``
seconds is killed and printed as ``> timeout``. The issue's goal is at most 1 s per MB.

``--repo`` reads the files with another checkout's loader (e.g. a worktree of main, for the
figures before a change). ``--only`` restricts the run to files whose name contains a word.
At the end it also times ``make_regression_data(1_000_000, 10)`` (the generator, not an
upload; this timing was a stopwatch assertion in tests/test_data.py).

Usage: ``python benchmarks/bench_uploads.py [--repo PATH] [--timeout 120] [--only WORD]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
MB = 2**20

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from gradcore.data.csv_loader import load_csv
from gradcore.errors import DataError
def rss_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
raw = open(sys.argv[2], "rb").read()
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # the peak (VmHWM) starts again from the current resident memory
resident = rss_mb("VmRSS:")
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
try:
    table = load_csv(raw)
    outcome = f"loaded {table.shape[0]:,} x {table.shape[1]}"
except DataError as error:
    outcome = "refused: " + str(error)
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
    "wall": time.perf_counter() - start,
    "peak_mb": rss_mb("VmHWM:") - resident,
    "outcome": outcome,
}))
"""

GENERATE = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from gradcore.data.generate import make_regression_data
start = time.perf_counter()
table = make_regression_data(1_000_000, 10, noise=1.0, seed=0)
print(f"{time.perf_counter() - start:.2f}", table.shape)
"""


def numeric_rows(rows: int, columns: int, seed: int = 0) -> bytes:
    """`rows` lines of `columns` random numbers with 6 decimals, comma separated."""
    values = np.random.default_rng(seed).standard_normal((rows, columns))
    return ("\n".join(",".join(f"{v:.6f}" for v in row) for row in values) + "\n").encode()


def corpus() -> dict[str, bytes]:
    """Name -> file bytes: ordinary files for reference, then the hostile ones."""
    header = ",".join(f"x{j}" for j in range(1, 10)).encode() + b",y\n"
    quoted_rows = b"".join(b'"%d,5","line\nbreak",%d\n' % (i, i % 7) for i in range(200_000))
    return {
        "plain-numeric-10col": header + numeric_rows(190_000, 10),
        "quoted-numeric": b'"x","y"\n' + b'"1.5","2"\n' * 1_900_000,
        # The issue's: header x,y and one row of N fields (pandas makes an N-2 level index).
        "wide-row-29KB": b"x,y\n" + b",".join([b"1"] * 14_500) + b"\n",
        "wide-row-0.37MB": b"x,y\n" + b",".join([b"1"] * 185_000) + b"\n",
        "wide-row-19MB": b"x,y\n" + b",".join([b"1"] * 9_900_000) + b"\n",
        "wide-row-after-a-good-row": b"x,y\n1,2\n" + b",".join([b"1"] * 9_900_000) + b"\n",
        "every-row-one-field-more": b"x,y\n" + b"1,2,3\n" * 3_300_000,
        "huge-header-6.8M-fields": b"ab," * 6_800_000 + b"y\n1,2\n",
        "blank-lines-19MB": b"\n" * 19_000_000 + b"x,y\n1,2\n3,4\n",
        "blank-crlf-lines-19MB": b"\r\n" * 9_500_000 + b"x,y\n1,2\n3,4\n",
        "spaces-line-19MB": b" " * 19_000_000 + b"\nx,y\n1,2\n3,4\n",
        "quoted-wide-row": b'"x","y"\n' + b",".join([b'"1"'] * 4_750_000) + b"\n",
        "quoted-commas-in-one-field": b'x,y\n"' + b"1," * 9_500_000 + b'1",2\n3,4\n',
        "long-field-19MB": b"x,y\n1,2\n" + b"7" * 19_000_000 + b"\n",
        "mixed-quotes-breaks-blank-then-wide": (
            b"a,note,y\r\n" + quoted_rows + b"\n\n \r\n" + b";".join([b"1"] * 10)
            + b"\n" + b",".join([b"2"] * 1_000_000) + b"\n"),
        "utf16-no-bom-numeric": (
            "x,y\n" + "\n".join(f"{i},{i % 13}.25" for i in range(700_000)) + "\n"
        ).encode("utf-16-le"),
    }


def measure(repo: Path, path: Path, timeout: float) -> dict:
    """One read of `path` by `repo`'s loader in a fresh process: its figures, or a timeout."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(repo), str(path)],
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"cpu": None, "outcome": f"> {timeout:g} s (killed)"}
    if done.returncode != 0:
        return {"cpu": None, "outcome": "crashed: " + done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    print(f"loader from {args.repo.resolve()}")
    print(f"{'file':38} {'MB':>6} {'CPU s':>7} {'s/MB':>6} {'peak MB':>8} {'MB/MB':>6}  outcome")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, raw in corpus().items():
            if args.only not in name:
                continue
            path = Path(folder) / f"{name}.csv"
            path.write_bytes(raw)
            size = len(raw) / MB
            row = measure(args.repo, path, args.timeout)
            path.unlink()
            if row["cpu"] is None:
                print(f"{name:38} {size:6.2f} {'-':>7} {'-':>6} {'-':>8} {'-':>6}  {row['outcome']}")
                worst = float("inf")
                continue
            per_mb = row["cpu"] / size
            worst = max(worst, per_mb)
            print(f"{name:38} {size:6.2f} {row['cpu']:7.2f} {per_mb:6.2f} {row['peak_mb']:8.0f} "
                  f"{row['peak_mb'] / size:6.1f}  {row['outcome'][:90]}")
    print(f"worst CPU seconds per MB: {worst:.2f} (goal: at most 1)")
    generated = subprocess.run([sys.executable, "-c", GENERATE, str(args.repo)],
                               capture_output=True, text=True, check=False)
    print("make_regression_data(1_000_000, 10):", generated.stdout.strip() or generated.stderr[-200:],
          "s")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
