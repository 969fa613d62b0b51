"""Locust users for a class (issue 27): students answering the class's exercise and one teacher
whose live view refreshes every 2 s, all sharing one class database.

Run as the locustfile of ``bench_capacity.py --mix class``, or by hand::

    locust -f benchmarks/locust_class.py --headless -u 61 -r 6 -t 70s --host http://127.0.0.1:8080 \\
        --class-code K7QM-2XAB --class-key <key> --summary-json class.json

(the class is made first, through the store's API: ``benchmarks/class_load.py``). The options,
the reporting and ``--summary-json`` are the main locustfile's (``benchmarks/locustfile.py``).

- :class:`ClassStudent`, one browser tab: opens
  ``/derivatives?ex=square-slope&x0=1.5&class=<code>`` (checked: the page says the student is
  in the class, the ``answer`` box is there), then every ``--think-min`` to ``--think-max``
  seconds (2-4) types an answer (right, "3", one time in three; else a slip such as "2.25") and
  presses Check, one form submit (checked: the verdict is shown, green for "3", a hint else).
  A student whose last answer was wrong polls, as the browser does, the small fragment that
  asks every 3 s whether the teacher revealed the answer. After the store's 50 answers per
  student and exercise the student moves on to the next exercise of the page (then to a new
  tab), so that no answer is refused.
- :class:`ClassTeacher`, exactly one: opens ``/class?class=<code>&teacher=<key>`` and reruns
  its live fragment every 2 s (``st.fragment(run_every=2.0)``; the fragment id is read from the
  first run's deltas), checked: "Students joined" is shown.

Every answer is counted: sent (the submit went out), confirmed (its run finished with a
verdict), refused (the page said it was not shared), failed, or cut off (Locust's stop killed
the tab during the check: such an answer may or may not have been stored). When Locust quits, the store's summary of
the class (answers per exercise, summed) is read and written beside these counts into the
summary JSON under ``"class"``: every answer sent must be counted exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

from locust import User, events, task
from locust.user.wait_time import constant_pacing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import locustfile as common  # noqa: E402  (options, reporting, summary)
from benchmarks.st_client import PageRun, Session  # noqa: E402

CODE_ENV, KEY_ENV = "GRADLAB_CLASS_CODE", "GRADLAB_CLASS_KEY"
EXERCISES = ("square-slope", "secant-slope", "kink-derivative", "sigmoid-slope")
RIGHT = "3"  # the slope of x² at x₀ = 1.5
SLIPS = ("2.25", "1.5", "-3", "6", "3.5", "2*x")
MAX_PER_EXERCISE = 50  # classroom.store.MAX_ANSWERS_PER_EXERCISE
REVEAL_POLL_S = 3.0  # ui.shell.class_mode.REVEAL_POLL_S
REFRESH_S = 2.0  # ui.shell.class_view.REFRESH_S
OPEN, ANSWER, POLL, REFRESH = ("class: open the link", "class: check an answer",
                               "class: reveal poll", "teacher: live view refresh")
COUNTS = {"sent": 0, "confirmed": 0, "refused": 0, "failed": 0, "cut_off": 0, "tabs": 0}
PROBLEMS: list[str] = []  # the first answers that failed, over the whole run
REPLICAS: dict[str, int] = {}  # affinity cookie (the replica nginx pinned a tab to) -> tabs

AFFINITY_COOKIE = "gradlab_replica"  # deploy/nginx.conf's: the replica a tab is pinned to


@events.init_command_line_parser.add_listener
def _class_options(parser) -> None:
    parser.add_argument("--class-code", default=os.environ.get(CODE_ENV, ""),
                        help=f"the class's code (default ${CODE_ENV})")
    parser.add_argument("--class-key", default=os.environ.get(KEY_ENV, ""),
                        help=f"the teacher's key (default ${KEY_ENV})")


def store_count(code: str, key: str) -> dict:
    """The store's view of the class: students, and answers per exercise summed."""
    from classroom import open_store

    store = open_store()  # $GRADLAB_DATABASE_URL, else the data directory's SQLite file
    try:
        summary = store.summary(code, key)
    finally:
        store.engine.dispose()
    return {"students": summary.students,
            "answers": sum(sum(e.answers.values()) for e in summary.exercises.values()),
            "per_exercise": {k: sum(e.answers.values()) for k, e in summary.exercises.items()}}


@events.quit.add_listener
def _write_class_counts(**_kwargs) -> None:
    """After the main locustfile has written the summary: add the class's counts to it."""
    options = getattr(common._environment, "parsed_options", None)
    path = getattr(options, "summary_json", "")
    if not path or not options.class_code:
        return
    summary = json.loads(Path(path).read_text()) if Path(path).exists() else {}
    figures = {"code": options.class_code, "tabs": COUNTS["tabs"], "replicas": REPLICAS,
               "problems": PROBLEMS,
               **{f"answers_{k}": COUNTS[k] for k in ("sent", "confirmed", "refused", "failed", "cut_off")}}
    try:
        figures["store"] = store_count(options.class_code, options.class_key)
    except Exception as error:  # noqa: BLE001 - the summary must say why, not crash Locust
        figures["store_error"] = f"{type(error).__name__}: {error}"
    summary["class"] = figures
    Path(path).write_text(json.dumps(summary, indent=1, ensure_ascii=False))


class _Tab(User):
    """What the class's users share: a Session, timed and checked actions."""

    abstract = True
    _numbers = itertools.count()

    def on_start(self) -> None:
        self.number = next(_Tab._numbers)
        self.rng = random.Random(self.number)
        self.session: Session | None = None
        options = self.environment.parsed_options
        self.code, self.key = options.class_code, options.class_key
        if not self.code:
            raise RuntimeError(f"no class: give --class-code (or ${CODE_ENV})")

    def on_stop(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except Exception:  # noqa: S110 - the connection may already be gone
                pass
        self.session = None

    def _report(self, name: str, start: float, length: int = 0, exception=None) -> None:
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - start) * 1000,
            response_length=length, exception=exception, context={"user": self.number})

    def _timed(self, name: str, action) -> PageRun | None:
        start = time.perf_counter()
        try:
            run = action()
        except common.CheckFailed as failure:
            self._report(name, start, exception=failure)
            return None
        except Exception as error:  # a lost connection, a timeout: a new tab next time
            self._report(name, start, exception=error)
            self._drop()
            return None
        self._report(name, start, run.received_bytes)
        return run

    def _connect(self) -> bool:
        start = time.perf_counter()
        try:
            self.session = Session(self.host, timeout_s=self.environment.parsed_options
                                   .action_timeout)
        except Exception as error:
            self._report(common.CONNECT, start, exception=error)
            return False
        self._report(common.CONNECT, start)
        return True


class ClassStudent(_Tab):
    """A student in the class: answers the exercise every 2-4 s; polls for a reveal while
    the last answer was wrong."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.exercise = -1
        self.given = 0
        self.reveal_fragment = ""
        self.next_answer = self.next_poll = 0.0

    def wait_time(self) -> float:
        due = self.next_answer if not self.reveal_fragment else min(self.next_answer,
                                                                     self.next_poll)
        return max(0.0, due - time.monotonic())

    def _think(self) -> float:
        options = self.environment.parsed_options
        return self.rng.uniform(options.think_min, options.think_max)

    @task
    def act(self) -> None:
        now = time.monotonic()
        if self.session is None or self.given >= MAX_PER_EXERCISE:
            self._open_next()
        elif self.reveal_fragment and self.next_poll <= now < self.next_answer:
            self.next_poll = now + REVEAL_POLL_S
            self._timed(POLL, lambda: common.Student._checked(
                self.session.rerun(fragment_id=self.reveal_fragment)))
        else:
            self._timed(ANSWER, self._answer)
            self.next_answer = time.monotonic() + self._think()

    def _open_next(self) -> None:
        self.exercise += 1
        if self.exercise % len(EXERCISES) == 0:  # a new tab: a new (anonymous) student
            self._drop()
        if self.session is None and not self._connect():
            return
        if self.exercise % len(EXERCISES) == 0:
            COUNTS["tabs"] += 1
            replica = self.session.http.cookies.get(AFFINITY_COOKIE, "direct")
            REPLICAS[replica] = REPLICAS.get(replica, 0) + 1
        exercise = EXERCISES[self.exercise % len(EXERCISES)]
        self.given, self.reveal_fragment = 0, ""

        def open_link() -> PageRun:
            run = common.Student._checked(
                self.session.open("derivatives", f"ex={exercise}&x0=1.5&class={self.code}"))
            if not any(f"You are in class **{self.code}**" in c for c in run.captions):
                raise common.CheckFailed(f"not in class {self.code}: {run.captions[:3]}")
            if "answer" not in run.widgets or "ex_check" not in run.widgets:
                raise common.CheckFailed("no answer box or Check button")
            return run

        if self._timed(OPEN, open_link) is not None:
            self.next_answer = time.monotonic() + self._think()

    def _answer(self) -> PageRun:
        try:
            return self._check_an_answer()
        except BaseException as problem:
            # A GreenletExit: Locust's stop killed the tab during the check (a browser closed
            # mid-request); the server may or may not have stored that answer.
            COUNTS["failed" if isinstance(problem, Exception) else "cut_off"] += 1
            if len(PROBLEMS) < 10:
                PROBLEMS.append(f"{type(problem).__name__}: {str(problem)[:200]}")
            raise

    def _check_an_answer(self) -> PageRun:
        text = RIGHT if self.rng.random() < 1 / 3 else self.rng.choice(SLIPS)
        self.session.set_text("answer", text, rerun=False)
        COUNTS["sent"] += 1
        self.given += 1
        run = common.Student._checked(self.session.click("ex_check"))
        if any("not shared" in c or "not being shared" in c for c in run.captions):
            COUNTS["refused"] += 1
            raise common.CheckFailed(f"answer not shared: {run.captions[-1][:160]}")
        right = any(s.startswith("Right") for s in run.successes)
        if not right and not run.warnings:
            raise common.CheckFailed(f"no verdict after checking {text!r}")
        if EXERCISES[self.exercise % len(EXERCISES)] == "square-slope" and \
                right != (text == RIGHT):
            raise common.CheckFailed(f"{text!r}: verdict {run.successes or run.warnings}")
        COUNTS["confirmed"] += 1
        # After a wrong answer the page asks the browser to rerun its reveal poll.
        polls = [f for f, every in run.auto_reruns.items() if every == REVEAL_POLL_S]
        self.reveal_fragment = "" if right else next(iter(polls), "")
        self.next_poll = time.monotonic() + REVEAL_POLL_S
        return run


class ClassTeacher(_Tab):
    """The teacher's live view, its fragment rerun every 2 s (as the browser's timer does)."""

    fixed_count = 1
    wait_time = constant_pacing(REFRESH_S)

    def on_start(self) -> None:
        super().on_start()
        self.fragment = ""

    @task
    def refresh(self) -> None:
        if self.session is None:
            if not self._connect():
                return
            self.fragment = ""
        if not self.fragment:
            self._timed("teacher: open the live view", self._open_view)
            return
        self._timed(REFRESH, lambda: self._checked_view(
            self.session.rerun(fragment_id=self.fragment)))

    def _open_view(self) -> PageRun:
        run = self._checked_view(self.session.open("class",
                                                   f"class={self.code}&teacher={self.key}"))
        timers = [f for f, every in run.auto_reruns.items() if every == REFRESH_S]
        if len(timers) != 1:
            raise common.CheckFailed(f"the live view asks for reruns {run.auto_reruns}")
        self.fragment = timers[0]
        return run

    @staticmethod
    def _checked_view(run: PageRun) -> PageRun:
        common.Student._checked(run)
        if "Students joined" not in run.metrics:
            raise common.CheckFailed(f"no 'Students joined' (shown: {list(run.metrics)})")
        return run
