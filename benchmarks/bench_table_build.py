"""Server CPU of one new 1e6 x 10 generated table on the regression page, stage by stage.

What a student's visit of ``/linear-regression?src=generate&n=1000000&d=10&seed=S`` computes
with a seed no one used before (the heavy mix of ``bench_capacity.py``): the table
(``build_generated``), the problem (columns, warnings, standardisation, statistics pass,
scikit-learn's fit), the least-squares reference, the default run and the chart bases, each
timed in CPU seconds of this process (BLAS limited to one thread, as a busy server's share).
Prints the median over ``--repeats`` seeds per stage and in all. ``--repo PATH`` times another
checkout's code (e.g. main) in the same way, to compare; run both alternately on a shared
machine and quote the medians.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_table_build.py [--repeats 5] [--repo PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    from ui.regression import build, data

    stages: dict[str, list[float]] = {}

    def timed(name, compute, record=True):
        start = time.process_time()
        value = compute()
        if record:
            stages.setdefault(name, []).append(time.process_time() - start)
        return value

    def open_page(seed: int, record: bool = True) -> None:
        table = timed("table", lambda: data.build_generated(
            args.rows, args.features, 1.0, seed, 2.0, 1.0), record)
        problem = timed("problem", lambda: build.build_problem(
            table, table.default_target, table.default_features, True), record)
        reference = timed("reference", lambda: build.build_loss_reference(problem, "mse", ()),
                          record)
        run = timed("run", lambda: build.build_run(problem, build.DEFAULT_SETTINGS, reference),
                    record)
        timed("chart bases", lambda: build.build_chart_bases(problem, run), record)

    open_page(10_000, record=False)  # imports and allocators warm up: not counted
    for seed in range(10_001, 10_001 + args.repeats):
        open_page(seed)
    total = [sum(times) for times in zip(*stages.values(), strict=True)]
    print(f"{args.repo}: {args.rows:,} x {args.features}, median CPU s over {args.repeats}")
    for name, times in stages.items():
        print(f"  {name:12s} {statistics.median(times):6.3f}")
    print(f"  {'in all':12s} {statistics.median(total):6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
