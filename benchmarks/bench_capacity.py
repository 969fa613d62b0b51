"""Classroom capacity: how many students one server process, and two replicas behind nginx, hold.

No browsers: the students are Locust users (``benchmarks/locustfile.py``) that speak
Streamlit's websocket protocol, so the figures describe the server, not Chromium. Each student
goes through the lessons (derivatives: move x₀; gradients: change the point; linear regression:
upload a small CSV, then step forward), one action every 2-4 s (mean 3 s), and every action is
checked for the number it should show.

For each setup, (a) one ``streamlit run app.py`` process and (b) two processes behind nginx
running ``deploy/nginx.conf`` (ports rewritten as in ``tests/e2e/test_proxy.py``; sticky
sessions by cookie), the class grows in steps (``--steps``, default 5, 10, 15, 20, 30, 45, 60,
80, 100, 120). Each step is its own headless Locust run: ``--spawn-seconds`` (10) for the
students to arrive and open their first lesson, then ``--step-seconds`` (60) measured (Locust's
``--reset-stats``). The ramp stops after the first step whose p95 is above ``--p95-limit``
(1 s) or that had any failed action.

Printed per step: students, actions and actions/s, p50/p95/p99 (ms, from BackMsg to
``script_finished``), failures, each server process's CPU (% of one core) and resident memory
(VmRSS, largest sample), nginx's CPU, the CPU of Locust itself, what every other process on the
machine used meanwhile (the machine is shared), the server CPU per action, and the slowest
action by p95. At the end, for each setup: the students held at p95 ≤ 1 s with 0 errors, the
figures of that step (p50/p95/p99, errors, CPU and RSS per server process, other processes'
CPU) and those of the first step that was not held, with the reason. Before each step the
script waits (at most ``--quiet-timeout`` s, 300) until the other processes on the machine use
less than ``--quiet-below`` % of one core (50); it says when it had to wait.

Locust runs on the same cores as the servers, under ``nice -n 10`` (``--locust-nice``) so that
the servers win the CPU when both want it; its own CPU use is measured and printed.

``--mix heavy`` runs the locustfile's heavy class instead (typed formulas, generated 1e6-row
tables, 0.4 MB uploads); for each step it also prints the servers' resident memory every
``--rss-every`` s (60) and how flat it stayed over the last ``--flat-seconds`` (180): (largest
- smallest) / median of the samples, the issue's goal being within ±15 %; and the same spread
of their proportional memory (Pss: a page shared by the server and its forked formula workers
counts once, where the sum of their VmRSS counts it in each) with ``--pss``. The heavy class of
30 for 5 minutes: ``--setups one --mix heavy --steps 30 --step-seconds 300``.

``--mix class`` runs a class (``benchmarks/locust_class.py``, ``benchmarks/class_load.py``):
each step's students answer one class's exercise every 2-4 s and one teacher's live view
refreshes every 2 s, every replica on one database (``$GRADLAB_DATABASE_URL``, else a SQLite
file in the output folder); a new class per step. Printed besides the figures: the answers
the students sent and those the store counted; a step holds only if they are equal. 60
students on two replicas: ``--setups two --mix class --steps 60 --step-seconds 60``.

Usage: ``python benchmarks/bench_capacity.py [--setups one,two] [--mix light|heavy] [--steps 5,10,...]
[--step-seconds 60] [--spawn-seconds 10] [--p95-limit 1.0] [--server-env KEY=VALUE ...]``;
a shorter ramp: ``--steps 20,40,60,80 --step-seconds 30``. Each step's Locust log and final
figures (``<setup>-<students>.log``/``.json``), the server and nginx logs and a
``summary.json`` of every step go to ``--output`` (default ``test-output/capacity-<time>``).
``--server-env STREAMLIT_RUNNER_POST_SCRIPT_GC=false`` (for example) starts the servers with
a configuration change, to measure it before making it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks import class_load, serving  # noqa: E402
from benchmarks.st_client import (  # noqa: E402
    cpu_model,
    cpu_seconds,
    machine_cpu_ticks,
    machine_steal_ticks,
    tree_pss_bytes,
    tree_rss_bytes,
)

LOCUSTFILE = REPO_ROOT / "benchmarks" / "locustfile.py"
MB = 2**20
SETUPS = {"one": serving.start_one, "two": serving.start_two_behind_nginx}


@dataclass
class Step:
    students: int
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # label -> % of one core
    rss_mb: dict[str, float] = field(default_factory=dict)  # label -> largest VmRSS
    rss_trace: list[tuple[float, float]] = field(default_factory=list)  # (s, servers' MB)
    pss_trace: list[tuple[float, float]] = field(default_factory=list)  # (s, servers' Pss MB)
    machine_cpu: float = 0.0  # % of one core, all processes
    steal_cpu: float = 0.0  # % of one core the hypervisor gave other machines (in machine_cpu)
    per_action: dict[str, dict[str, float]] = field(default_factory=dict)
    failure_messages: list[str] = field(default_factory=list)
    class_counts: dict | None = None  # --mix class: answers sent and counted

    def held(self, p95_limit_ms: float) -> bool:
        counted = self.class_counts is None or class_load.counted_once(self.class_counts)
        return self.requests > 0 and self.failures == 0 and self.p95 <= p95_limit_ms \
            and counted

    def server_cpu(self) -> float:
        return sum(v for k, v in self.cpu.items() if k.startswith(("server", "replica")))

    def cpu_ms_per_action(self) -> float:
        actions = self.rps * self.seconds
        return self.server_cpu() / 100 * self.seconds / actions * 1000 if actions else 0.0


class Watcher(threading.Thread):
    """Samples resident memory of the watched processes every second; CPU on demand."""

    def __init__(self, pids: dict[str, int], pss: bool = False) -> None:
        super().__init__(daemon=True)
        self.pids, self.sample_pss = pids, pss
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self.samples: list[tuple[float, int]] = []  # (monotonic time, RSS of the servers)
        self.pss: list[tuple[float, int]] = []  # (monotonic time, Pss of the servers)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            servers = pss = 0
            for label, pid in self.pids.items():
                rss = tree_rss_bytes(pid)
                self.peak[label] = max(self.peak[label], rss)
                if label.startswith(("server", "replica")):
                    servers += rss
                    pss += tree_pss_bytes(pid) if self.sample_pss else 0
            now = time.monotonic()
            self.samples.append((now, servers))
            self.pss.append((now, pss))
            self._stop_event.wait(1.0)

    def snapshot(self) -> tuple[float, dict[str, float], tuple[int, int], int]:
        return (time.monotonic(), {label: cpu_seconds(pid) for label, pid in self.pids.items()},
                machine_cpu_ticks(), machine_steal_ticks())

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def read_stats(path: Path, step: Step) -> None:
    """Fill `step` from the locustfile's --summary-json file (written when Locust exits)."""
    summary = json.loads(path.read_text())
    total = summary["total"]
    step.requests, step.failures = total["requests"], total["failures"]
    step.p50, step.p95, step.p99 = total["p50"], total["p95"], total["p99"]
    step.per_action = summary["actions"]
    step.failure_messages = [f"{f['occurrences']}× {f['name']}: {f['error'][:200]}"
                             for f in summary["failures"]]
    step.class_counts = summary.get("class")


def run_step(setup: serving.Setup, students: int, args, output: Path) -> Step:
    """One Locust run of `students` at once; measured after they have all arrived."""
    prefix = output / f"{setup.name.split()[0]}-{students:03d}"
    rate = max(students / args.spawn_seconds, 0.5)
    in_class = args.mix == "class"
    users = students + 1 if in_class else students  # the class's teacher
    command = [
        "nice", "-n", str(args.locust_nice), sys.executable, "-m", "locust",
        "-f", str(class_load.LOCUSTFILE if in_class else LOCUSTFILE), "--headless",
        "--host", setup.url, "-u", str(users), "-r", f"{rate:g}",
        "-t", f"{round(args.spawn_seconds + args.step_seconds) + 120}s",
        # A student's action in progress when the step ends is finished, not cut off (and
        # killing a greenlet inside a websocket read once crashed gevent's event loop).
        "--reset-stats", "--summary-json", f"{prefix}.json", "--only-summary",
        "--stop-timeout", f"{args.action_timeout + 5:g}",
        "--exit-code-on-error", "0",
        "--think-min", str(args.think_min), "--think-max", str(args.think_max),
        "--actions-per-page", args.actions_per_page,
        "--action-timeout", str(args.action_timeout),
    ]
    command += (class_load.locust_arguments(*class_load.new_class()) if in_class
                else ["--mix", args.mix, "--upload-rows", str(args.upload_rows)])
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    pids = dict(setup.pids, locust=process.pid)
    watcher = Watcher(pids, pss=args.pss)
    watcher.start()
    marks: dict[str, tuple] = {}

    def finish() -> None:
        # The measured window is timed here, from the moment every student has arrived (and
        # Locust has reset its statistics), not by Locust's -t (which counts from the start of
        # the arrivals); SIGTERM ends Locust like its run time would: the actions in progress
        # finish, then the summary is written.
        marks["end"] = watcher.snapshot()
        process.terminate()

    timer = threading.Timer(args.step_seconds, finish)
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "begin" not in marks and "All users spawned" in line:
                marks["begin"] = watcher.snapshot()
                watcher.peak = dict.fromkeys(pids, 0)
                timer.start()
        process.wait()
    finally:
        timer.cancel()
        watcher.stop()
        if process.poll() is None:
            process.kill()
            process.wait()
    Path(f"{prefix}.log").write_text("".join(lines))
    begin, end = marks.get("begin"), marks.get("end")
    step = Step(students)
    summary = Path(f"{prefix}.json")
    if begin is None or end is None or not summary.exists():
        step.failures = -1
        step.failure_messages = ["Locust did not run to the end: see " + f"{prefix}.log"]
        return step
    read_stats(summary, step)
    if process.returncode != 0:  # after the measured window: the figures are those at its end
        print(f"{'':>10}note: Locust exited with code {process.returncode} while stopping (see "
              f"{prefix}.log); figures as of the end of the window", flush=True)
    step.seconds = end[0] - begin[0]
    step.rps = step.requests / step.seconds if step.seconds > 0 else 0.0
    step.cpu = {label: (end[1][label] - begin[1][label]) / step.seconds * 100 for label in pids}
    busy = end[2][0] - begin[2][0]
    total = end[2][1] - begin[2][1]
    step.machine_cpu = busy / total * (os.cpu_count() or 1) * 100 if total else 0.0
    step.steal_cpu = (end[3] - begin[3]) / total * (os.cpu_count() or 1) * 100 if total else 0.0
    step.rss_mb = {label: watcher.peak[label] / MB for label in setup.pids
                   if not label.startswith("nginx")}
    step.rss_trace = [(t - begin[0], rss / MB) for t, rss in watcher.samples
                      if begin[0] <= t <= end[0]]
    step.pss_trace = [(t - begin[0], pss / MB) for t, pss in watcher.pss
                      if begin[0] <= t <= end[0] and pss > 0]
    return step


def _spread(trace: list[tuple[float, float]], seconds: float,
            flat_seconds: float) -> tuple[float, float, float, float]:
    """(smallest, largest, median, spread %) of the samples in the last `flat_seconds`."""
    last = sorted(mb for t, mb in trace if t >= seconds - flat_seconds)
    middle = last[len(last) // 2]
    return last[0], last[-1], middle, (last[-1] - last[0]) / middle * 100 if middle else 0.0


def rss_lines(step: Step, every: float, flat_seconds: float) -> list[str]:
    """The servers' RSS every `every` s of the window, and its spread over the last
    `flat_seconds`: (largest - smallest) / median; then the same spread of their Pss (the
    forked formula workers' shared pages counted once, not once per process)."""
    if not step.rss_trace:
        return []
    marks, next_mark = [], 0.0
    for t, mb in step.rss_trace:
        if t >= next_mark:
            marks.append(f"{t:.0f} s {mb:.0f}")
            next_mark += every
    marks.append(f"{step.rss_trace[-1][0]:.0f} s {step.rss_trace[-1][1]:.0f}")
    low, high, middle, spread = _spread(step.rss_trace, step.seconds, flat_seconds)
    # Each minute of that window apart: a table being built adds its temporaries (a few
    # hundred MB, returned when it is done) to the samples taken meanwhile; a floor (smallest)
    # or median that climbs from minute to minute is memory kept, one that does not is not.
    minutes = []
    for minute in range(int(-(-flat_seconds // 60))):
        start = step.seconds - flat_seconds + 60.0 * minute
        window = sorted(mb for t, mb in step.rss_trace if start <= t < start + 60.0)
        if window:
            minutes.append(f"{window[0]:.0f}/{window[len(window) // 2]:.0f}/{window[-1]:.0f}")
    lines = [f"{'':>10}servers' RSS (MB) at: {', '.join(marks)}",
             f"{'':>10}over the last {flat_seconds:.0f} s: {low:.0f}-{high:.0f} MB, "
             f"median {middle:.0f} MB, spread {spread:.0f} % of the median "
             f"({'flat' if spread <= 30 else 'NOT flat'} within ±15 %)",
             f"{'':>10}each minute of it, smallest/median/largest MB: {', '.join(minutes)}"]
    if step.pss_trace:
        low, high, middle, spread = _spread(step.pss_trace, step.seconds, flat_seconds)
        lines.append(f"{'':>10}their Pss over the last {flat_seconds:.0f} s: {low:.0f}-{high:.0f} "
                     f"MB, median {middle:.0f} MB, spread {spread:.0f} % of the median")
    return lines


HEADER = (f"{'students':>8} {'secs':>4} {'actions':>7} {'act/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} "
          f"{'fail':>4}  {'server CPU %':<13} {'RSS MB':<11} {'nginx':>5} {'locust':>6} "
          f"{'others':>6} {'CPU ms/act':>10}  slowest action (p95)")


def format_step(step: Step) -> str:
    servers = [k for k in step.cpu if k.startswith(("server", "replica"))]
    cpu = "/".join(f"{step.cpu[k]:.0f}" for k in servers)
    rss = "/".join(f"{step.rss_mb.get(k, 0):.0f}" for k in servers)
    others = step.machine_cpu - sum(step.cpu.values())
    slowest = max(step.per_action.items(), key=lambda item: item[1]["p95"], default=None)
    slow = f"{slowest[0]} {slowest[1]['p95']:.0f} ms" if slowest else "-"
    return (f"{step.students:>8} {step.seconds:>4.0f} {step.requests:>7} {step.rps:>6.1f} {step.p50:>6.0f} "
            f"{step.p95:>6.0f} {step.p99:>6.0f} {step.failures:>4}  {cpu:<13} {rss:<11} "
            f"{step.cpu.get('nginx', 0):>5.0f} {step.cpu.get('locust', 0):>6.0f} "
            f"{others:>6.0f} {step.cpu_ms_per_action():>10.0f}  {slow}")


def machine_busy(seconds: float) -> float:
    """CPU used by all processes over the next `seconds`, in % of one core."""
    busy0, total0 = machine_cpu_ticks()
    time.sleep(seconds)
    busy1, total1 = machine_cpu_ticks()
    return (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1) * 100


def wait_for_quiet(args) -> None:
    """The machine is shared: before a step, wait (at most --quiet-timeout s) until the other
    processes use less than --quiet-below % of one core (our servers are idle then)."""
    if args.quiet_below <= 0:
        return
    start = time.monotonic()
    busy = machine_busy(5)
    while busy >= args.quiet_below and time.monotonic() - start < args.quiet_timeout:
        busy = machine_busy(5)
    waited = time.monotonic() - start
    if waited > 6:
        print(f"{'':>10}(waited {waited:.0f} s for the machine to calm down: other processes "
              f"at {busy:.0f}% of one core)", flush=True)


def run_setup(name: str, args, output: Path) -> tuple[str, list[Step], int]:
    setup = SETUPS[name](output / name)
    print(f"\n== {setup.name}: {setup.url} (pids {setup.pids}) ==", flush=True)
    print(HEADER, flush=True)
    steps, held = [], 0
    try:
        for students in args.steps:
            wait_for_quiet(args)
            step = run_step(setup, students, args, output)
            steps.append(step)
            print(format_step(step), flush=True)
            for line in rss_lines(step, args.rss_every, args.flat_seconds):
                print(line, flush=True)
            if args.mix == "class":
                print(f"{'':>10}{class_load.describe(step.class_counts)}", flush=True)
            for message in step.failure_messages[:5]:
                print(f"{'':>10}failure: {message}", flush=True)
            if not step.held(args.p95_limit * 1000):
                break
            held = students
            time.sleep(args.pause)
        if setup.proxy is not None:
            routes = serving.affinity(setup)
            split: dict[str, int] = {}
            for upstreams in routes.values():
                for upstream in upstreams:
                    split[upstream] = split.get(upstream, 0) + 1
            broken = sum(len(u) > 1 for u in routes.values())
            print(f"nginx affinity: {len(routes)} cookies; per replica {split}; cookies seen "
                  f"on more than one replica: {broken}", flush=True)
    finally:
        setup.stop()
    return setup.name, steps, held


def _cpu_rss(step: Step) -> str:
    servers = [k for k in step.cpu if k.startswith(("server", "replica"))]
    cpu = ", ".join(f"{k} {step.cpu[k]:.0f}%" for k in servers)
    rss = ", ".join(f"{k} {step.rss_mb.get(k, 0):.0f} MB" for k in servers)
    others = step.machine_cpu - sum(step.cpu.values())
    return (f"server CPU {cpu} (of one core; {step.cpu_ms_per_action():.0f} ms per action); "
            f"RSS {rss}; nginx {step.cpu.get('nginx', 0):.0f}%, Locust "
            f"{step.cpu.get('locust', 0):.0f}%, other processes {others:.0f}% (of which the "
            f"host's steal {step.steal_cpu:.0f}%)")


def _figures(step: Step) -> str:
    return (f"{step.requests} actions in {step.seconds:.0f} s ({step.rps:.1f}/s), p50 "
            f"{step.p50:.0f} ms, p95 {step.p95:.0f} ms, p99 {step.p99:.0f} ms, "
            f"errors {max(step.failures, 0)}")


def summarize(name: str, steps: list[Step], held: int, args) -> str:
    """The setup's result: students held, the figures at that step, and why the next failed."""
    lines = [f"{name}: {held} students" + (" (the largest step tried)"
                                           if steps and held == steps[-1].students else "")]
    good = next((s for s in steps if s.students == held), None)
    if good is not None:
        lines += [f"  at {held}: {_figures(good)}", f"         {_cpu_rss(good)}"]
        if good.class_counts is not None:
            lines.append(f"         {class_load.describe(good.class_counts)}")
    failed = steps[-1] if steps and steps[-1].students != held else None
    if failed is not None:
        reasons = []
        if failed.p95 > args.p95_limit * 1000:
            reasons.append(f"p95 {failed.p95:.0f} ms > {args.p95_limit * 1000:.0f} ms")
        if failed.failures:
            reasons.append(f"{failed.failures} errors" if failed.failures > 0
                           else "Locust failed")
        if failed.class_counts is not None and not class_load.counted_once(failed.class_counts):
            reasons.append("answers sent and counted differ")
        lines += [f"  at {failed.students} (not held: {', '.join(reasons)}): "
                  f"{_figures(failed)}", f"         {_cpu_rss(failed)}"]
        if failed.class_counts is not None:
            lines.append(f"         {class_load.describe(failed.class_counts)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="one,two", help="comma-separated: one, two")
    parser.add_argument("--steps", default="5,10,15,20,30,45,60,80,100,120",
                        type=lambda text: [int(v) for v in text.split(",")])
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--spawn-seconds", type=float, default=10.0)
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between steps")
    parser.add_argument("--p95-limit", type=float, default=1.0, help="seconds")
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=4.0)
    parser.add_argument("--actions-per-page", default="3-6")
    parser.add_argument("--action-timeout", type=float, default=30.0,
                        help="seconds after which an action counts as failed")
    parser.add_argument("--mix", default="light", choices=("light", "heavy", "class"))
    parser.add_argument("--upload-rows", type=int, default=20_000,
                        help="rows of the heavy mix's uploaded CSV")
    parser.add_argument("--rss-every", type=float, default=60.0)
    parser.add_argument("--flat-seconds", type=float, default=180.0)
    parser.add_argument("--pss", action="store_true",
                        help="also sample the servers' Pss (reading smaps_rollup walks each "
                             "process's page tables under its memory lock: it may slow them)")
    parser.add_argument("--locust-nice", type=int, default=10)
    parser.add_argument("--quiet-below", type=float, default=50.0,
                        help="before a step, wait until other processes use less than this "
                             "%% of one core (0: do not wait)")
    parser.add_argument("--quiet-timeout", type=float, default=300.0,
                        help="wait at most this many seconds for that")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment for the app servers (e.g. STREAMLIT_... options)")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    # A SIGTERM (timeout, kill) still stops the servers, nginx and Locust (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for item in args.server_env:
        key, _, value = item.partition("=")
        os.environ[key] = value
    output = args.output or REPO_ROOT / "test-output" / time.strftime(
        "capacity-%Y%m%d-%H%M%S")
    output = output.resolve()  # nginx runs with this as its prefix
    output.mkdir(parents=True, exist_ok=True)
    if args.mix == "class":  # before the servers start: they inherit the database URL
        url = class_load.prepare_database(output)
        print(f"Class database shared by the servers: {url.split(':', 1)[0]} "
              f"({'a file in the output folder' if url.startswith('sqlite') else 'from $GRADLAB_DATABASE_URL'})")
    print(f"Gradient Lab capacity, {time.strftime('%Y-%m-%d %H:%M')}: {os.cpu_count()} CPUs "
          f"({cpu_model()}), "
          f"load average {os.getloadavg()[0]:.2f} before the start; think time "
          f"{args.think_min:g}-{args.think_max:g} s; steps of {args.step_seconds:g} s after "
          f"{args.spawn_seconds:g} s of arrivals; {args.mix} mix; Locust under nice -n "
          f"{args.locust_nice}; "
          f"server env {args.server_env or 'as shipped'}; output {output}")
    print("CPU % is of one core (the machine has "
          f"{(os.cpu_count() or 1) * 100}%); 'others' is every other process on the machine and "
          "the host's steal (CPU time it gave other machines).")
    results = [run_setup(name, args, output) for name in args.setups.split(",")]
    print(f"\n== summary: students held at p95 ≤ {args.p95_limit:g} s with 0 errors ==")
    for name, steps, held in results:
        print(summarize(name, steps, held, args))
    summary = {"args": {k: str(v) for k, v in vars(args).items()}, "cpu_model": cpu_model(),
               "setups": [{"name": n, "held": h, "steps": [asdict(s) for s in steps]}
                          for n, steps, h in results]}
    (output / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
