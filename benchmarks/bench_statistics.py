"""What building the regression statistics costs, in passes over the data, before and after.

``gradcore.regression.statistics.regression_statistics`` used to take the moments with separate BLAS
calls over the whole table (``ones @ X``, ``X.T @ X``, ``y @ X``, ``y.sum``, ``y @ y``); it now
makes one chunked pass (blocks of 8,192 rows, shifted by the first block's means, each
block's sums and products added up while the block is in the cache). This times, in one run and
interleaved (so a busy machine slows every row alike):

- "pass": one ``X.T @ X`` over the whole table, the unit;
- "moments, before": the round-2 moments (``round2_moments`` below, copied from it);
- "moments, after": ``gradcore.regression.statistics._moments``;
- "statistics, before" and "after": the whole ``regression_statistics`` (moments, the solve,
  S and its eigenvectors) with either.

Printed: median ms over ``--repeats`` rounds and the ratio to the pass timed in the same
round (median of the per-round ratios), for n = 1e5 and 1e6 rows of d = 10 features (as a
page's generated data), C-ordered and column-major (what pandas hands out); and features of
mean 1000 and sd 3 (a year column, unstandardised), where round 2 took a second pass. One BLAS thread
by default (``--threads``): the server runs many sessions on few cores.

Usage: ``python benchmarks/bench_statistics.py [--repeats 9] [--threads 1]``
"""

from __future__ import annotations

import argparse
import statistics as stats_lib
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradcore import statistics  # noqa: E402

FEATURES = 10


def round2_moments(X: np.ndarray, y: np.ndarray):
    """The moments as round 2 took them: one BLAS call per sum over the whole table (and a
    second pass around the means when those dwarf the spread)."""
    n = X.shape[0]
    x_mean = np.ones(n) @ X / n
    y_mean = float(y.sum() / n)
    cov = X.T @ X / n - np.outer(x_mean, x_mean)
    cov_xy = y @ X / n - x_mean * y_mean
    var_y = float(y @ y / n - y_mean * y_mean)
    spread = np.concatenate([np.diag(cov), [var_y]])
    size = np.concatenate([x_mean, [y_mean]]) ** 2
    if np.any(size > statistics._MAX_MEAN_TO_SPREAD * np.maximum(spread, 0.0)):
        x_mean, y_mean, cov, cov_xy, var_y = statistics._centred_moments(X, y, x_mean, y_mean)
    cov = (cov + cov.T) / 2
    return x_mean, float(y_mean), cov, cov_xy, max(float(var_y), 0.0)


def round2_statistics(X: np.ndarray, y: np.ndarray):
    """regression_statistics with round 2's moments."""
    current = statistics._moments
    statistics._moments = round2_moments
    try:
        return statistics.regression_statistics(X, y)
    finally:
        statistics._moments = current


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(X: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, tuple[float, float]]:
    """Row -> (median ms, median ratio to the pass of the same round)."""
    rows = {
        "pass (X.T @ X)": lambda: X.T @ X,
        "moments, before (round 2)": lambda: round2_moments(X, y),
        "moments, after (one chunked pass)": lambda: statistics._moments(X, y),
        "statistics, before (round 2)": lambda: round2_statistics(X, y),
        "statistics, after (regression_statistics)":
            lambda: statistics.regression_statistics(X, y),
    }
    for function in rows.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(repeats):
        for name, function in rows.items():
            times[name].append(timed(function))
    unit = times["pass (X.T @ X)"]
    return {name: (stats_lib.median(t) * 1000,
                   stats_lib.median(a / b for a, b in zip(t, unit, strict=True)))
            for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("The machine may be shared: compare the rows of one table (ratios to the pass).")
    with threadpool_limits(args.threads):
        for n, offset in ((100_000, 5.0), (1_000_000, 5.0), (1_000_000, 1000.0)):
            X = rng.standard_normal((n, FEATURES)) * 3 + offset
            y = X @ rng.standard_normal(FEATURES) + rng.standard_normal(n)
            for order, table in (("C-ordered", X), ("column-major", np.asfortranarray(X))):
                print(f"\nn = {n:,}, d = {FEATURES}, features of mean {offset:g} and sd 3, "
                      f"{order}, {args.threads} BLAS thread(s)")
                for name, (ms, ratio) in measure(table, y, args.repeats).items():
                    print(f"  {name:<46} {ms:8.1f} ms  {ratio:5.2f} passes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
