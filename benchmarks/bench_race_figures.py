"""What the optimizer race's two charts cost to build, as plain plotly.js JSON (what
``ui/regression/race_figures.py`` writes) and as a validated ``go.Figure`` of the same JSON (what it
built before: plotly checks every property), each followed by the ``to_dict`` that
``st.plotly_chart`` asks for. Three racers, 201 steps, a 60 x 60 loss grid.

Prints the median of ``--repeats`` builds of both charts in ms and their ratio, measured in
one run (the machine may be shared: compare the two rows, not runs).

Usage: ``python benchmarks/bench_race_figures.py [--repeats 40]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui.regression import race_figures  # noqa: E402

LOSSES = [np.geomspace(10, 1, 201), np.geomspace(10, 0.5, 201), np.linspace(10, 2, 201)]
NAMES = ["gradient descent", "Adam", "momentum (heavy ball)"]
W_GRID, B_GRID = np.linspace(-1, 3, 60), np.linspace(-2, 2, 60)
LOSS_GRID = np.add.outer(B_GRID**2, W_GRID**2) + 1
PATHS = [(np.linspace(0, 2, 201), np.linspace(0, 1, 201))] * 3


def charts():
    return (race_figures.race_loss_figure(LOSSES, NAMES),
            race_figures.race_contour_figure(W_GRID, B_GRID, LOSS_GRID, PATHS, NAMES,
                                             (2.0, 1.0), "reference optimum"))


def plain() -> None:
    for chart in charts():
        chart.to_dict()


def validated() -> None:
    for chart in charts():
        chart.checked().to_dict()


def median_ms(build, repeats: int) -> float:
    build()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    repeats = parser.parse_args().repeats
    fast, slow = median_ms(plain, repeats), median_ms(validated, repeats)
    print(f"race charts as plain JSON          {fast:6.2f} ms")
    print(f"race charts as validated go.Figure {slow:6.2f} ms   ({slow / fast:.1f}x the plain)")


if __name__ == "__main__":
    main()
