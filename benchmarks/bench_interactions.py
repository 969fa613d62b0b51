"""What one ordinary interaction costs on each page, next to a bare Streamlit app's rerun.

Issue 24 asks that every page's ordinary interaction cost at most 4 times (issue 16: 5) the rerun of a bare
app with one slider, one plotly chart, one formula (``st.latex``) and one metric. This script
measures both in ONE run, interleaved (round-robin, so a busy machine slows every row alike),
under Streamlit's ``AppTest``, warm (each session has run once before it is timed):

- bare app (``AppTest.from_string``): move its slider;
- derivatives: move the x₀ slider; gradients: change the point (the x box);
- subgradient: move the x₀ slider, and move the candidate g slider;
- chain-rule: move the x slider;
- linear-regression (bundled tips, the default view): click the stepper's "forward" button.

Every repeat moves to a value not seen before in that session (a slider walks across its
range, the stepper goes to the next step), and no two rows show the same view, so a cache keyed
on the inputs cannot answer from an earlier repeat or another session: each timed run does the
work a student's new value costs. (A cache still answers for what the interaction does not
change, e.g. the subgradient method's plots when x₀ or g moves: that is the point of it.)

The regression stepper is an ``st.fragment``: in a browser a step reruns only the fragment.
``AppTest.run`` always reruns the whole script, so the regression page has three rows:

- "whole page": the AppTest click, i.e. the full page rerun (the upper bound);
- "fragment only": a real fragment-scoped rerun, in a session started from w0 = 0.5 (so its
  steps are not the ones the whole-page session has just drawn). The session is asked to rerun
  just the stepper's fragment, the way the browser asks (``RerunData(fragment_id=...)``;
  AppTest has no public call for it, so ``LocalScriptRunner``'s ``RerunData`` is swapped for one
  carrying the fragment id during that run). The run's element tree must hold the stepper and
  nothing from outside it (the page title), or the script stops with an error;
- "fragment body": the time spent inside the fragment function during the whole-page runs
  (a timing wrapper around ``ui.regression.view._stepper``), without Streamlit's own cost of
  starting and finishing a run.

A server compiles each page script once (its ``ScriptCache``); ``AppTest`` makes a new cache
for every run and so compiles the page again each time (6-11 ms for a page script, 1 ms for
the bare app). By default this script gives AppTest one shared ``ScriptCache``, as a server
has; ``--recompile`` keeps AppTest's own behaviour.

Usage: ``python benchmarks/bench_interactions.py [--repeats N] [--recompile]`` prints, per row,
the median wall-clock ms per interaction (and min-max) with its ratio to the bare app's rerun,
and the median process CPU ms with its ratio (steadier on a busy machine); exit status 1 when
a page's wall ratio is above GOAL_RATIO (4×) (for regression, its fragment-only row). ``--rows
NAME ...`` times only those rows beside the bare app. ``--profile NAME``
(a row name such as ``derivatives``) instead runs that interaction under cProfile and prints
its own time by module or package, then the 30 most expensive calls by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 4.0
DEFAULT_REPEATS = 15
TIMEOUT_S = 120

BARE_APP = '''
import numpy as np
import plotly.graph_objects as go
import streamlit as st

xs = np.linspace(-4.0, 4.0, 801)
x0 = st.slider("Point x0", -3.0, 3.0, 1.0, step=0.05, key="x0")
figure = go.Figure([go.Scatter(x=xs, y=xs ** 2, mode="lines", name="f"),
                    go.Scatter(x=[x0], y=[x0 ** 2], mode="markers", name="x0")])
st.plotly_chart(figure, width="stretch", key="fig")
st.latex(r"f(x) = x^{2}")
st.metric("f(x0)", f"{x0 ** 2:.4g}")
'''


def walk(low: float, high: float, step: float, start: float, count: int) -> list[float]:
    """`count` distinct values on the slider's grid, spread over [low, high], none = start."""
    grid = [round(low + i * step, 10) for i in range(int(round((high - low) / step)) + 1)]
    grid = [value for value in grid if abs(value - start) > step / 2]
    if count > len(grid):
        raise SystemExit(f"only {len(grid)} distinct values on this slider; use fewer repeats")
    stride = len(grid) / count
    return [grid[int(i * stride)] for i in range(count)]


@dataclass
class Row:
    """One measured interaction: how to open its session and how to do repeat i."""

    name: str
    what: str
    open: Callable[[], AppTest]
    act: Callable[[AppTest, int], None]
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    at: AppTest | None = None

    def start(self) -> None:
        self.at = self.open()
        fail_on_problems(self.at, self.name)

    def once(self, i: int) -> None:
        start, cpu_start = time.perf_counter(), time.process_time()
        self.act(self.at, i)
        self.times.append(time.perf_counter() - start)
        self.cpu_times.append(time.process_time() - cpu_start)
        fail_on_problems(self.at, self.name)


def fail_on_problems(at: AppTest, name: str) -> None:
    if at.exception:
        raise SystemExit(f"{name}: the page raised: {[e.value for e in at.exception]}")


def open_bare() -> AppTest:
    at = AppTest.from_string(BARE_APP, default_timeout=TIMEOUT_S)
    return at.run()


def open_page(script: str, **params: str) -> AppTest:
    """A session on `script` (run once: the interactions are timed warm)."""
    at = AppTest.from_file(str(ROOT / "home.py"), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(script)
    at.query_params.update(params)
    at.run()
    return at.run()


def set_slider(key: str, values: list[float]) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.slider(key=key).set_value(values[i]).run()


def set_number(key: str, values: list[float]) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.number_input(key=key).set_value(values[i]).run()


def step_forward(at: AppTest, i: int) -> None:
    before = step_shown(at)
    at.button(key="k_forward").click().run()
    if step_shown(at) == before:
        raise SystemExit(f"the step did not move from {before}: use fewer repeats")


@contextmanager
def fragment_scoped(fragment_id: str):
    """While inside, every AppTest run asks for a rerun of this fragment only."""
    original = local_script_runner.RerunData
    local_script_runner.RerunData = functools.partial(original, fragment_id=fragment_id)
    try:
        yield
    finally:
        local_script_runner.RerunData = original


def step_forward_fragment_only(at: AppTest, i: int) -> None:
    fragments = list(at._fragment_storage._fragments)
    if len(fragments) != 1:
        raise SystemExit(f"expected the stepper as the page's one fragment, found {fragments}")
    before = step_shown(at)
    with fragment_scoped(fragments[0]):
        at.button(key="k_forward").click().run()
    if at.title or step_shown(at) == before:
        raise SystemExit("the fragment-scoped run did not rerun the stepper alone "
                         f"(title drawn: {bool(at.title)}, step {before} -> {step_shown(at)})")


def step_shown(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "step k")


class FragmentBodyTimer:
    """Wall and CPU seconds spent inside ``ui.regression.view._stepper`` (the fragment), per
    whole-page run while `active`."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cpu_times: list[float] = []
        self.installed = False
        self.active = False

    def install(self) -> None:
        import ui.regression.view as view

        if self.installed:
            return
        fragment = view._stepper

        @functools.wraps(fragment)
        def timed(*args, **kwargs):
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                return fragment(*args, **kwargs)
            finally:
                if self.active:
                    self.times.append(time.perf_counter() - start)
                    self.cpu_times.append(time.process_time() - cpu_start)

        view._stepper = timed
        self.installed = True


def rows(repeats: int) -> list[Row]:
    x_walk = walk(-3.0, 3.0, 0.05, 1.0, repeats)
    return [
        Row("bare app", "move the slider", open_bare, set_slider("x0", x_walk)),
        Row("derivatives", "move x₀", lambda: open_page("pages/derivatives.py"),
            set_slider("x0", x_walk)),
        Row("gradients", "change the point (x)", lambda: open_page("pages/gradients.py"),
            set_number("p_x", walk(-10.0, 10.0, 0.5, 1.0, repeats))),
        Row("subgradient x0", "move x₀", lambda: open_page("pages/subgradient.py"),
            set_slider("x0", walk(-3.0, 3.0, 0.05, 0.0, repeats))),
        Row("subgradient g", "move g", lambda: open_page("pages/subgradient.py"),
            set_slider("g", walk(-3.0, 3.0, 0.05, 0.5, repeats))),
        Row("chain-rule", "move x", lambda: open_page("pages/chain-rule.py"),
            set_slider("x", x_walk)),
        Row("regression", "step forward: whole page",
            lambda: open_page("pages/linear-regression.py"), step_forward),
        Row("regression fragment", "step forward: fragment only",
            lambda: open_page("pages/linear-regression.py", w0="0.5"),
            step_forward_fragment_only),
    ]


def measure(repeats: int, names: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    table = [row for row in rows(repeats) if row.name == "bare app" or not names
             or row.name in names]
    body = FragmentBodyTimer()
    for row in table:
        row.start()
    body.install()
    for i in range(repeats):
        for row in table:
            body.active = row.name == "regression"
            row.once(i)
        body.active = False
    bare = statistics.median(table[0].times)
    bare_cpu = statistics.median(table[0].cpu_times)
    print(f"{repeats} interactions each, warm, interleaved. Wall: median (min-max) ms per "
          "interaction and its ratio to the bare app; CPU: median process CPU ms and ratio.")
    print(f"{'row':<21}{'interaction':<29}{'wall ms':>9}{'min-max':>14}{'ratio':>7}"
          f"{'CPU ms':>9}{'ratio':>7}")
    worst = 0.0
    results = [(row.name, row.what, row.times, row.cpu_times) for row in table]
    if body.times:
        results.append(("regression body", "step forward: fragment body", body.times,
                        body.cpu_times))
    for name, what, times, cpu_times in results:
        median, cpu = statistics.median(times), statistics.median(cpu_times)
        ratio = median / bare
        if name not in ("bare app", "regression", "regression body"):
            worst = max(worst, ratio)
        print(f"{name:<21}{what:<29}{median * 1e3:>9.1f}"
              f"{f'{min(times) * 1e3:.0f}-{max(times) * 1e3:.0f}':>14}{ratio:>6.1f}×"
              f"{cpu * 1e3:>9.1f}{cpu / bare_cpu:>6.1f}×")
    print(f"goal: every page's ordinary interaction <= {GOAL_RATIO:g}× the bare app's rerun "
          "(for regression: the fragment-only rerun, what a browser's step costs); "
          f"worst wall ratio here {worst:.1f}×")
    return 0 if worst <= GOAL_RATIO else 1


def profile(name: str, repeats: int) -> int:
    sys.path.insert(0, str(ROOT))
    row = next((row for row in rows(repeats) if row.name == name), None)
    if row is None:
        raise SystemExit(f"no row called {name!r}; rows: {[r.name for r in rows(repeats)]}")
    row.start()
    profiler = cProfile.Profile()
    # AppTest runs the script in its own thread, which cProfile does not follow: profile the
    # thread the script runs in by wrapping the runner's thread body.
    original = local_script_runner.LocalScriptRunner._run_script_thread

    def profiled(runner):
        profiler.enable()
        try:
            return original(runner)
        finally:
            profiler.disable()

    local_script_runner.LocalScriptRunner._run_script_thread = profiled
    try:
        for i in range(repeats):
            row.once(i)
    finally:
        local_script_runner.LocalScriptRunner._run_script_thread = original
    print(f"{name}: {row.what}, {repeats} runs, median {statistics.median(row.times) * 1e3:.1f} ms "
          "(under the profiler)")
    stats = pstats.Stats(profiler)
    print_areas(stats, len(row.times))
    stats.sort_stats("cumulative").print_stats(30)
    return 0


def area(filename: str) -> str:
    """Where a profiled function lives: this app's module, or the package it comes from."""
    path = Path(filename)
    if ROOT in path.parents and ".venv" not in path.parts:
        return str(path.relative_to(ROOT))
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return "python" if filename.startswith("/") else filename


def print_areas(stats: pstats.Stats, runs: int) -> None:
    """Own time (tottime) per interaction, summed by module of the app or by package."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        totals[area(filename)] = totals.get(area(filename), 0.0) + own
    print("own time per interaction by place (ms, under the profiler):")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1])[:15]:
        print(f"  {name:<40}{seconds / runs * 1e3:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    parser.add_argument("--profile", metavar="NAME")
    parser.add_argument("--rows", nargs="+", metavar="NAME",
                        help="time only these rows (beside the bare app), e.g. gradients")
    parser.add_argument("--recompile", action="store_true",
                        help="compile the page script on every run, as AppTest does by itself")
    args = parser.parse_args()
    if not args.recompile:
        # AppTest's PagesManager (the page script) and its LocalScriptRunner (the entry script,
        # app.py) each make their own cache per run: share one for both, as a server does.
        shared = ScriptCache()
        app_test.ScriptCache = lambda: shared
        local_script_runner.ScriptCache = lambda: shared
    print("script bytecode: " + ("compiled on every run (AppTest's own behaviour)" if args.recompile
                                 else "compiled once and shared, as a server does"))
    if args.profile:
        return profile(args.profile, args.repeats)
    return measure(args.repeats, args.rows)


if __name__ == "__main__":
    raise SystemExit(main())
