"""Time per typed formula for the hostile corpus: parse + LaTeX + value + gradient + plots.

For every formula of tests/test_hostile_expressions.py (FOLDING_CORPUS: refused after sympy
folds them; SLOW_CORPUS and COMPOSITE_CORPUS: slow but legal; plus a few ordinary formulas)
it does what a page does, from a cold cache: parse (and compose), ``latex``,
``gradient_latex``, ``value`` and ``gradient`` at 0.5, ``evaluate`` and ``evaluate_gradient``
on 801 points and ``kink`` for one variable; an ExpressionError anywhere is an answer. It
prints the time of each formula, the median per group and the worst case, then how long a
trivial parse + evaluation takes in this process while another thread submits a heavy one.

Each formula runs in a fresh child process (``--timeout`` seconds, 4 GB of address space), so
``--root`` can point at another checkout (e.g. ``git archive HEAD~1``) to measure the code
before a change with the same script. Usage:
``python benchmarks/bench_formulas.py [--root PATH] [--timeout 60]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDINARY = ["x^2 + 3*sin(y)", "x^3 - 2*x", "sigmoid(2*x + y)", "abs(x - 1) + x/2",
            "max(-x, x/2, 2*x - 3)", "log(1 + x^2 + y^2)", "x*exp(-x^2 - y^2)"]
HEAVY = ["(x-x+3)^(100*(x-x+1000000))", "max(" + ", ".join(f"x^{k}" for k in range(1, 11)) + ")"]
MEMORY_BYTES = 4 << 30


def corpus() -> dict[str, list[tuple[str, str | None]]]:
    """Group -> [(formula, inner formula or None)], from the hostile tests of this checkout."""
    sys.path.insert(0, str(ROOT))
    from tests.test_hostile_expressions import COMPOSITE_CORPUS, FOLDING_CORPUS, SLOW_CORPUS

    return {"ordinary": [(t, None) for t in ORDINARY],
            "folding": [(t, None) for t in FOLDING_CORPUS],
            "slow": [(t, None) for t in SLOW_CORPUS], "composite": list(COMPOSITE_CORPUS)}


def work_through(text: str, inner: str | None) -> str:
    """What a page does with one formula (the hostile tests' ``as_a_page_does``, of the checkout
    measured); returns "ok", "refused" (an ExpressionError) or "crash: <exception>" (any other
    exception, which a page would not catch)."""
    from gradcore import ExpressionError

    sys.path.insert(0, str(ROOT))
    from tests.test_hostile_expressions import as_a_page_does

    try:
        as_a_page_does(text, inner)
    except ExpressionError:
        return "refused"
    except Exception as error:  # what a page would show as a traceback
        return f"crash: {type(error).__name__}"
    return "ok"


def responsiveness(heavy: str, seconds: float) -> float:
    """The slowest trivial parse + evaluation (a cached formula) while a thread works on
    ``heavy``, watched for at most ``seconds``."""
    from gradcore import parse_expression

    trivial = parse_expression("x^2 + 1")
    thread = threading.Thread(target=work_through, args=(heavy, None), daemon=True)
    thread.start()
    slowest, end = 0.0, time.perf_counter() + seconds
    while thread.is_alive() and time.perf_counter() < end:
        start = time.perf_counter()
        trivial.value([3.0]), trivial.gradient([3.0]), parse_expression("x^2 + 1")
        slowest = max(slowest, time.perf_counter() - start)
        time.sleep(0.01)
    return slowest


def child(job: dict) -> None:
    """In the child process: warm up, time one job, print the result as JSON."""
    sys.path.insert(0, job["root"])
    from gradcore import parse_expression

    try:
        from gradcore import worker
        worker.warm_up()
    except ImportError:  # a checkout from before the worker
        pass
    parse_expression("x^2 + 1").gradient([1.0])
    start = time.perf_counter()
    if job["kind"] == "responsiveness":
        outcome = f"{responsiveness(job['text'], job['timeout']):.3f}"
    else:
        outcome = work_through(job["text"], job["inner"])
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome}))


def run(job: dict, timeout: float) -> tuple[float, str]:
    """(seconds, outcome) of ``job`` in a fresh process; (timeout, "timeout") if killed."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))

    try:
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps(job)],
                              capture_output=True, text=True, timeout=timeout + 10,
                              preexec_fn=limit, check=False)
    except subprocess.TimeoutExpired:
        return timeout, "timeout"
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return float("nan"), "memory" if "MemoryError" in done.stderr else "died"
    return result["seconds"], result["outcome"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout whose gradcore to time")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per formula")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return 0
    root = str(Path(args.root).resolve())
    print(f"gradcore from {root}; a fresh process per formula, {args.timeout:g} s at most")
    everything = []
    for group, formulas in corpus().items():
        seconds = []
        for text, inner in formulas:
            job = {"kind": "formula", "text": text, "inner": inner, "root": root,
                   "timeout": args.timeout}
            took, outcome = run(job, args.timeout)
            seconds.append(took)
            everything.append((took, group, text if inner is None else f"{text} ∘ {inner}"))
            shown = f"{took:8.3f} s" if outcome != "timeout" else f"> {args.timeout:5.0f} s"
            print(f"{shown}  {outcome:12}  {group:9}  {everything[-1][2][:64]}")
        print(f"-- {group}: median {statistics.median(seconds):.3f} s, worst {max(seconds):.3f} s "
              f"over {len(seconds)} formulas")
    worst = max(everything, key=lambda item: item[0])
    print(f"== all {len(everything)}: median {statistics.median(t for t, *_ in everything):.3f} s;"
          f" worst {worst[0]:.3f} s ({worst[1]}: {worst[2][:60]})")
    for heavy in HEAVY:
        job = {"kind": "responsiveness", "text": heavy, "root": root, "timeout": args.timeout}
        took, outcome = run(job, args.timeout)
        slowest = f"> {args.timeout:g} s (the process froze)" if outcome == "timeout" else \
            f"{outcome} s (watched for {took:.1f} s)"
        print(f"slowest trivial parse + evaluation while a thread works on {heavy[:40]}: "
              f"{slowest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
