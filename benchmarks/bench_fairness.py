"""Attackers against a victim: does one session's trivial formula stay fast while many others
type slow ones, and how soon after the attack is the backlog gone?

N attacker sessions each type distinct slow-but-legal formulas, one after the other as soon as
the previous one is answered (``--retry`` 0.2 s after a refusal, which comes back at once:
over the websocket every refusal is a page rerun, so this sets how hard the attackers load the
app server itself) (``max(min(x-1, 1-x^2), min(x-2, 2-x^2), ..., x-c)``: about 0.35 s
of sympy each, a new c every time so no cache helps); one victim session types a new trivial
formula (``x^2 + k*x``) every ``--every`` seconds (and typed one before the attack began). For ``--attack`` seconds, then ``--after``
seconds with the attackers stopped, it prints the victim's p50/p95 and its refusals ("busy"),
and the backlog: how long after the attack stopped a victim's formula was last slower than
0.5 s (0 when none was), and when the attackers' last answers came back.

Two ways, printed one after the other (``--mode both``, the default):

- ``api``: in a fresh process, threads call ``parse_expression`` as N + 1 sessions (each passes
  its own ``owner`` when the checkout's API has one);
- ``ws``: a ``streamlit run app.py`` of the checkout on a free port, N + 1 browserless sessions
  (benchmarks/st_client.py) on the Derivatives page typing into its formula box; the victim's
  time is the whole page rerun, and after each formula it also moves the x₀ slider, whose
  rerun (no new formula) shows what the page itself costs while the attackers' reruns load
  the server.

``--root`` points at another checkout (e.g. ``git worktree add ../before main``) to measure the
code before a change with the same script. The machine's other load counts: compare the
figures of one run, and run before and after back to back. Usage:
``python benchmarks/bench_fairness.py [--root PATH] [--mode api|ws|both] [--attackers 20]``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOW_LIMIT_S = 0.5


def attack_formula(attacker: int, round_: int) -> str:
    """A distinct slow-but-legal formula: nine min(...) terms and a last term no cache knows."""
    terms = ", ".join(f"min(x-{j}, {j}-x^2)" for j in range(1, 9))
    return f"max({terms}, x-{10 + 1000 * attacker + round_})"


def victim_formula(round_: int) -> str:
    return f"x^2 + {round_ + 2}*x"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Run:
    """Drives attackers and a victim with `ask(session, text) -> (seconds, outcome)`."""

    def __init__(self, ask, attackers: int, attack_s: float, after_s: float, every_s: float,
                 retry_s: float = 0.2, slide=None):
        self.ask, self.attackers, self.retry_s, self.slide = ask, attackers, retry_s, slide
        self.slides: list[tuple[float, float]] = []  # (started after start, seconds)
        self.attack_s, self.after_s, self.every_s = attack_s, after_s, every_s
        self.stop = threading.Event()
        self.victim: list[tuple[float, float, str]] = []  # (started after start, seconds, outcome)
        self.attacks: list[tuple[float, str]] = []  # (answered after start, outcome)
        self.lock = threading.Lock()

    def attacker(self, index: int, start: float) -> None:
        round_ = 0
        while not self.stop.is_set():
            _seconds, outcome = self.ask(f"attacker-{index}", attack_formula(index, round_))
            with self.lock:
                self.attacks.append((time.perf_counter() - start, outcome))
            round_ += 1
            if outcome != "ok":  # a refusal comes back at once: a student retypes, a script
                self.stop.wait(self.retry_s)  # would rerun the page, neither in no time

    def run(self) -> dict:
        self.ask("victim", victim_formula(-1))  # the victim was on the page before the attack
        start = time.perf_counter()
        threads = [threading.Thread(target=self.attacker, args=(i, start), daemon=True)
                   for i in range(self.attackers)]
        for thread in threads:
            thread.start()
        round_, end = 0, start + self.attack_s + self.after_s
        stopped_at = None
        while time.perf_counter() < end:
            now = time.perf_counter()
            if stopped_at is None and now - start >= self.attack_s:
                self.stop.set()
                stopped_at = now - start
            seconds, outcome = self.ask("victim", victim_formula(round_))
            self.victim.append((now - start, seconds, outcome))
            if self.slide is not None:  # the same page rerun without a new formula
                moved = time.perf_counter()
                self.slides.append((moved - start, self.slide(round_)))
                seconds += time.perf_counter() - moved
            round_ += 1
            time.sleep(max(0.0, self.every_s - seconds))
        self.stop.set()
        for thread in threads:
            thread.join(60)
        return self.summary(stopped_at if stopped_at is not None else self.attack_s)

    def summary(self, stopped_at: float) -> dict:
        during = [s for t, s, _ in self.victim if 1.0 <= t < stopped_at]  # 1 s to ramp up
        after = [s for t, s, _ in self.victim if t >= stopped_at]
        refused = sum(1 for _, _, o in self.victim if o != "ok")
        slow_after = [t + s - stopped_at for t, s, _ in self.victim
                      if t >= stopped_at and (s >= SLOW_LIMIT_S)]
        last_attack = max((t for t, _ in self.attacks), default=stopped_at)
        outcomes: dict[str, int] = {}
        for _, outcome in self.attacks:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        slides_during = [s for t, s in self.slides if 1.0 <= t < stopped_at]
        return {
            "slider_p50": statistics.median(slides_during) if slides_during else float("nan"),
            "slider_p95": percentile(slides_during, 0.95),
            "during_p50": statistics.median(during) if during else float("nan"),
            "during_p95": percentile(during, 0.95), "during_n": len(during),
            "after_p50": statistics.median(after) if after else float("nan"),
            "after_p95": percentile(after, 0.95), "after_n": len(after),
            "victim_refused": refused, "victim_n": len(self.victim),
            "victim_refusals": sorted({o for _, _, o in self.victim if o != "ok"})[:3],
            "backlog_cleared_s": max(slow_after, default=0.0),
            "attackers_last_answer_s": max(0.0, last_attack - stopped_at),
            "attack_outcomes": outcomes,
        }


def outcome_of(message: str | None) -> str:
    if message is None:
        return "ok"
    lowered = message.lower()
    for word in ("busy", "too complex", "stopped", "replaced"):
        if word in lowered:
            return f"refused: {word}"
    return "refused: other"


# -- api mode: in a child process, with the checkout's gradcore ------------------------------

def api_child(job: dict) -> None:
    sys.path.insert(0, job["root"])
    from gradcore import ExpressionError, parse_expression, worker

    worker.warm_up()
    parse_expression("x^2 + 1").gradient([1.0])
    has_owner = "owner" in inspect.signature(parse_expression).parameters

    def ask(session: str, text: str) -> tuple[float, str]:
        start = time.perf_counter()
        try:
            if has_owner:
                parse_expression(text, owner=session)
            else:
                parse_expression(text)
            message = None
        except ExpressionError as error:
            message = str(error)
        return time.perf_counter() - start, outcome_of(message)

    result = Run(ask, job["attackers"], job["attack"], job["after"], job["every"],
                 job["retry"]).run()
    result["owner_api"] = has_owner
    print(json.dumps(result))


def run_api(args, root: str) -> dict:
    job = {"root": root, "attackers": args.attackers, "attack": args.attack,
           "after": args.after, "every": args.every, "retry": args.retry}
    done = subprocess.run([sys.executable, __file__, "--child-api", json.dumps(job)],
                          capture_output=True, text=True, check=False,
                          timeout=args.attack + args.after + 180)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"the api run failed:\n{done.stderr[-2000:]}") from None


# -- ws mode: a real server of the checkout, browserless sessions ---------------------------

def start_server(root: str, log: Path):
    sys.path.insert(0, str(ROOT))
    from tests.e2e.browser import AppServer, free_port, wait_http_ok

    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = AppServer(f"http://127.0.0.1:{port}", process, log)
    wait_http_ok(f"{server.url}/_stcore/health", 90, process)
    return server


def run_ws(args, root: str) -> dict:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    from benchmarks.st_client import Session
    from tests.e2e.browser import stop_process_group

    server = start_server(root, Path(f"/tmp/bench_fairness_{os.getpid()}.log"))
    sessions: dict[str, Session] = {}
    try:
        def session_for(name: str) -> Session:
            if name not in sessions:
                session = Session(server.url, timeout_s=120)
                session.open("derivatives", "fn=typed&f=x%5E2")
                sessions[name] = session
            return sessions[name]

        for name in ["victim", *(f"attacker-{i}" for i in range(args.attackers))]:
            session_for(name)

        def ask(name: str, text: str) -> tuple[float, str]:
            session = sessions[name]
            widget = session.widget("f")
            state = WidgetState(id=widget.id)
            state.string_value = text
            session._states[widget.id] = state
            page = session.rerun()
            shown = [e for e in page.errors if "last valid function" in e] + page.exceptions
            return page.seconds, outcome_of(shown[0] if shown else None)

        def slide(round_: int) -> float:
            return sessions["victim"].set_value("x0", round(-2 + (round_ % 40) * 0.1, 2)).seconds

        return Run(ask, args.attackers, args.attack, args.after, args.every, args.retry,
                   slide=slide).run()
    finally:
        for session in sessions.values():
            try:
                session.close()
            except Exception:  # noqa: BLE001 - closing what is left after a failed run
                pass
        stop_process_group(server.process)


def show(label: str, result: dict) -> None:
    print(f"[{label}] victim during the attack: p50 {result['during_p50']:.3f} s, "
          f"p95 {result['during_p95']:.3f} s ({result['during_n']} formulas); after: "
          f"p50 {result['after_p50']:.3f} s, p95 {result['after_p95']:.3f} s "
          f"({result['after_n']})")
    print(f"[{label}] victim refused {result['victim_refused']} of {result['victim_n']} "
          f"{result['victim_refusals']}; backlog: last victim formula slower than "
          f"{SLOW_LIMIT_S} s ended {result['backlog_cleared_s']:.2f} s after the attack "
          f"stopped; attackers' last answers {result['attackers_last_answer_s']:.2f} s after")
    if result["slider_p50"] == result["slider_p50"]:  # not nan: the ws run moves a slider too
        print(f"[{label}] the victim's slider (page rerun, no new formula) during the attack: "
              f"p50 {result['slider_p50']:.3f} s, p95 {result['slider_p95']:.3f} s")
    print(f"[{label}] attackers' answers: {result['attack_outcomes']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT), help="checkout whose app to measure")
    parser.add_argument("--mode", choices=("api", "ws", "both"), default="both")
    parser.add_argument("--attackers", type=int, default=20)
    parser.add_argument("--attack", type=float, default=20.0, help="seconds of attack")
    parser.add_argument("--after", type=float, default=8.0, help="seconds watched after it")
    parser.add_argument("--every", type=float, default=0.25, help="victim's pace, seconds")
    parser.add_argument("--retry", type=float, default=0.2,
                        help="seconds an attacker waits after a refusal before the next formula")
    parser.add_argument("--child-api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_api:
        api_child(json.loads(args.child_api))
        return 0
    root = str(Path(args.root).resolve())
    print(f"app from {root}; {args.attackers} attackers for {args.attack:g} s (retrying "
          f"{args.retry:g} s after a refusal), then {args.after:g} s after; {os.cpu_count()} cores (shared with whatever else runs)")
    if args.mode in ("api", "both"):
        show("api", run_api(args, root))
    if args.mode in ("ws", "both"):
        sys.path.insert(0, str(ROOT))
        show("ws", run_ws(args, root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
