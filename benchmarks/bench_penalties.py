"""What the penalties cost, measured in one run (issue 29).

On 100,000 rows x 10 features (standard normal columns, a sparse truth):

- ``regularization_path`` of the MSE with L1 and with L2 at 50 alphas (log-spaced over four
  decades): the target is < 1 s a click. Reported with the cost of one ``X.T @ X`` (a "data
  pass") timed in the same round, so a busy machine slows both alike.
- ``reference_fit`` of the MSE with L1 / L2 (one alpha).
- ``fit`` of 1,000 MSE steps from cached statistics: gd without a penalty (the closed form),
  gd with L2 and proximal with L1 (each step through the statistics, O(d^2)): why an L2
  closed form with S + alpha I was not written.
- The MAE / Huber references with a penalty at 2,000 rows (their cost grows with N).

Figures are medians over ``--repeats`` (5) rounds; the machine may be shared (say so when
quoting them). Usage: ``python benchmarks/bench_penalties.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcore import fit, reference_fit, regression_statistics  # noqa: E402
from gradcore.regression.reference import regularization_path  # noqa: E402
from gradcore.regression.standardize import Standardizer  # noqa: E402

ROWS, FEATURES, ALPHAS = 100_000, 10, 50
TARGET_SECONDS = 1.0


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def data(rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, FEATURES)) * rng.uniform(0.5, 5.0, FEATURES)
    truth = np.where(np.arange(FEATURES) % 3 == 0, rng.normal(size=FEATURES), 0.0)
    return X, X @ truth + rng.normal(size=rows) + 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    X, y = data(ROWS)
    alphas = np.geomspace(1e-4, 1.0, ALPHAS)
    Z = Standardizer.fit(X).transform(X)
    stats = regression_statistics(Z, y)
    cases = {
        "data pass X.T @ X": lambda: X.T @ X,
        "path mse + l1, 50 alphas": lambda: regularization_path(X, y, alphas, "mse", "l1"),
        "path mse + l2, 50 alphas": lambda: regularization_path(X, y, alphas, "mse", "l2"),
        "reference_fit mse + l1": lambda: reference_fit(X, y, penalty="l1", alpha=0.01),
        "reference_fit mse + l2": lambda: reference_fit(X, y, penalty="l2", alpha=0.01),
        "fit 1000 steps gd, none (closed form)": lambda: fit(
            Z, y, steps=1000, tol=0.0, learning_rate=0.1, stats=stats),
        "fit 1000 steps gd + l2": lambda: fit(Z, y, steps=1000, tol=0.0, learning_rate=0.1,
                                              penalty="l2", alpha=0.01, stats=stats),
        "fit 1000 steps proximal + l1": lambda: fit(
            Z, y, steps=1000, tol=0.0, learning_rate=0.1, optimizer="proximal",
            penalty="l1", alpha=0.01, stats=stats),
    }
    small_X, small_y = data(2_000, seed=1)
    for loss, penalty in (("mae", "l1"), ("mae", "l2"), ("huber", "l1"), ("huber", "l2")):
        cases[f"reference_fit {loss} + {penalty}, 2,000 rows"] = (
            lambda loss=loss, penalty=penalty: reference_fit(small_X, small_y, loss,
                                                             penalty=penalty, alpha=0.01))
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            times[name].append(timed(case))
    passes = statistics.median(times["data pass X.T @ X"])
    print(f"{ROWS:,} rows x {FEATURES} features; medians of {repeats} rounds "
          f"(data pass {passes * 1e3:.1f} ms)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<44} {median * 1e3:9.1f} ms  ({median / passes:7.1f} passes; "
              f"min {min(values) * 1e3:.1f} ms)")
    for penalty in ("l1", "l2"):
        median = statistics.median(times[f"path mse + {penalty}, 50 alphas"])
        verdict = "within" if median < TARGET_SECONDS else "OVER"
        print(f"path mse + {penalty}: {median:.3f} s, {verdict} the {TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    main()
