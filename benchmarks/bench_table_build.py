"""Server CPU of one new 1e6 x 10 generated table on the regression page, stage by stage, and
of one step of the stepper with the table's rows still in STORE or dropped.

What a student's visit of ``/linear-regression?src=generate&n=1000000&d=10&seed=S`` computes
with a seed no one used before (the heavy mix of ``bench_capacity.py``): the table
(``build_generated``), the problem (columns, warnings, standardisation, statistics pass,
scikit-learn's fit), the least-squares reference, the default run (of it, the article's
formula at every iterate, ``formula path``, timed again on its own) and the chart bases, each
timed in CPU seconds of this process (BLAS limited to one thread, as a busy server's share).

Then a step (``--steps`` of them per seed, k = 1, 2, ...): what the stepper fragment computes
(find the problem and run, the check at step k) when STORE still holds the rows ("cached"),
and after STORE dropped them for another student's table: ``resolve`` (the old way, which
rebuilds the table and problem) against ``resolve_step`` (reads LIGHT_STORE only). Prints the
medians and the ratios within this run. ``--repo PATH`` times another checkout's code (e.g.
main, which has no ``resolve_step``: its step rows are then left out); run both alternately on
a shared machine and quote the medians.

``--gil-busy N`` (N > 0) then times the formula path's wall seconds alone and again while N
threads run pure Python (as a class's page runs do in the server): the path's loop hands the
GIL back and waits for it about five times per block of rows
(``gradcore.regression.descent.path_block_rows``), so it is slowed far more than its CPU
share.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_table_build.py [--repeats 5] [--steps 3]
[--gil-busy 0]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--steps", type=int, default=3, help="steps timed per seed and way")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--gil-busy", type=int, default=0,
                        help="time the formula path beside this many pure-Python threads")
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    from ui.regression import build, byte_store, cache, data

    stages: dict[str, list[float]] = {}
    steps: dict[str, list[float]] = {}

    def timed(name, compute, record=True, into=stages):
        start = time.process_time()
        value = compute()
        if record:
            into.setdefault(name, []).append(time.process_time() - start)
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
        if hasattr(build, "formula_path") and record:
            timed("formula path", lambda: build.formula_path(
                problem, build.DEFAULT_SETTINGS, run.trajectory), into=steps)
        timed("chart bases", lambda: build.build_chart_bases(problem, run), record)

    def step_ways(seed: int) -> None:
        """Open the table through the cache, then time steps cached, dropped + resolve and
        dropped + resolve_step."""
        table = cache.generated_data(args.rows, args.features, 1.0, seed, 2.0, 1.0)
        problem = cache.prepare(table, table.default_target, table.default_features, True)
        ref = cache.RunRef.of(problem, cache.descend(problem, build.DEFAULT_SETTINGS))
        ways = {"cached": cache.resolve}
        if hasattr(cache, "resolve_step"):
            ways["dropped, resolve_step"] = cache.resolve_step
        ways["dropped, resolve (rebuild)"] = cache.resolve
        for way, find in ways.items():
            for k in range(1, args.steps + 1):
                if way != "cached":
                    byte_store.STORE.discard(lambda key: True)  # another student's table came

                def step(find=find, k=k):
                    found_problem, found_run = find(ref)
                    return build.build_step_check(found_problem, found_run, k)

                timed(way, step, into=steps)

    open_page(10_000, record=False)  # imports and allocators warm up: not counted
    for seed in range(10_001, 10_001 + args.repeats):
        open_page(seed)
        if args.steps:
            step_ways(seed)
    total = [sum(times) for times in zip(*stages.values(), strict=True)]
    print(f"{args.repo}: {args.rows:,} x {args.features}, median CPU s over {args.repeats}")
    for name, times in stages.items():
        print(f"  {name:12s} {statistics.median(times):6.3f}")
    print(f"  {'in all':12s} {statistics.median(total):6.3f}")
    if steps:
        print(f"a step (find problem and run, check at step k), median CPU s over "
              f"{args.repeats} x {args.steps}; the formula path is part of 'run' above")
        cached = statistics.median(steps.get("cached", [float("nan")]))
        for name, times in steps.items():
            median = statistics.median(times)
            ratio = f"  ({median / cached:6.1f} x cached)" if name.startswith("dropped") else ""
            print(f"  {name:28s} {median:7.4f}{ratio}")
    if args.gil_busy and hasattr(build, "formula_path"):
        table = data.build_generated(args.rows, args.features, 1.0, 1, 2.0, 1.0)
        problem = build.build_problem(table, table.default_target, table.default_features, True)
        run = build.build_run(problem, build.DEFAULT_SETTINGS)
        quiet, busy = path_wall_seconds(build, problem, run, args.repeats, args.gil_busy)
        print(f"formula path, wall s (median of {args.repeats}): alone {quiet:.2f}, beside "
              f"{args.gil_busy} pure-Python thread(s) {busy:.2f} ({busy / quiet:.1f} x)")
    return 0


def path_wall_seconds(build, problem, run, repeats: int, threads: int) -> tuple[float, float]:
    """Median wall seconds of ``build.formula_path`` alone and beside `threads` threads that
    spin pure Python (they hold the GIL for the interpreter's switch interval at a time)."""
    def path_seconds() -> float:
        start = time.perf_counter()
        build.formula_path(problem, build.DEFAULT_SETTINGS, run.trajectory)
        return time.perf_counter() - start

    quiet = statistics.median(path_seconds() for _ in range(repeats))
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(i * i for i in range(20_000))

    spinners = [threading.Thread(target=spin) for _ in range(threads)]
    for spinner in spinners:
        spinner.start()
    try:
        busy = statistics.median(path_seconds() for _ in range(repeats))
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()
    return quiet, busy


if __name__ == "__main__":
    sys.exit(main())
