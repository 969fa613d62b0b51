"""Locust user for Gradient Lab: a student driving the server without a browser.

Each simulated student is one browser tab (:class:`benchmarks.st_client.Session`: Streamlit's
websocket protocol, ``BackMsg``/``ForwardMsg``) that goes through the lessons in turn,
starting at a different one per student:

- ``open /derivatives?fn=square&x0=1.5``, then moves the x₀ slider ("derivatives: move x0");
  checked: the "Tangent slope f′(x₀)" metric is 2·x₀ for the new x₀;
- ``open /gradients?fn=article3d``, then types a new x coordinate of the point ("gradients:
  change point"); checked: the "∂f/∂x" metric is 2·x;
- ``open /linear-regression?src=upload&lr=0.1``, uploads a small CSV of its own ("regression:
  upload CSV"; checked: the page says it uses that file and shows "step k" = "0 of N"), then
  clicks the stepper's forward button ("regression: step forward", a fragment rerun; checked:
  "step k" went from k to k + 1; at the last step the student clicks "start" instead and
  expects 0).

When the server's line for large tables is full, the heavy open shows "Your table was not
started" and a **Try again** button: that open is reported as "open /linear-regression: line
full", and the student's next action clicks the button ("regression: try again", or "...: line
full" when refused again) until the table is made.

``--mix heavy`` is the class that strains the server (issue 24) instead; a student goes
through:

- ``open /derivatives?fn=typed&f=x^2&x0=1.5`` and types formulas of its own, each new
  (``a*x^3 + sin(b*x) + x^k`` with its own a, b, k: a symbolic derivative each; "derivatives:
  type a formula"; checked: "f(x₀)" is the formula's value at x₀ = 1.5);
- ``open /linear-regression?src=generate&n=1000000&d=10&seed=S`` with a seed of its own per
  visit (a new 1e6 x 10 table: 256 MB in the server's cache) and steps forward;
- ``open /linear-regression?src=upload&lr=0.1``, uploads a CSV of ``--upload-rows`` rows
  (default 20,000: about 0.4 MB) and steps forward.

A class (issue 27: students answering one class's exercise, the teacher's live view refreshing
every 2 s, all on one database) is its own locustfile, ``benchmarks/locust_class.py``, which
uses this file's options, reporting and ``--summary-json``.

Widget ids are read from the deltas by their keys (``x0``, ``p_x``, ``reg_upload``,
``k_forward``, ``k_start``). On each lesson a student does ``--actions-per-page`` actions
(default 3-6, the upload counts as one), with a think time of ``--think-min`` to
``--think-max`` seconds (default 2-4, mean 3 s) between actions, then opens the next lesson.
With ``--lessons N`` each student stops after N lessons and Locust ends when every student has
stopped (a fixed amount of work, for the smoke test); by default they go on until the run time
is over.

Every action is timed from the BackMsg (for an upload: from the request for an upload URL,
through the PUT of the file) to ``script_finished`` and reported to Locust as a request of type
"WS" named after the action. A run that shows an exception or an error alert, misses the
expected number, or does not finish within ``--action-timeout`` seconds (default 60) is a
Locust failure, so a broken page cannot look fast. Opening a lesson is timed too ("open
/<page>"; checked: no exception or error, the widget the student needs is there), and opening
the websocket (one ``/_stcore/health`` request for the cookies, then the upgrade) is reported as
"WS connect". Like a browser, the client keeps large unchanged elements in its message cache
and tells the server so, which then sends a short reference instead (see ``st_client``).

``--summary-json PATH`` writes the final figures when Locust exits, after the actions still in
progress have finished (Locust's own ``--csv`` files are snapshots taken every second and can
miss the last one): per action and in total, the count, failures and p50/p95/p99 (ms), and
each distinct failure with its count.

Not simulated: the page's static files (HTML, JavaScript, fonts), which a browser loads once
per class and then caches.

Run: ``locust -f benchmarks/locustfile.py --headless -u 10 -r 2 -t 60s --host
http://127.0.0.1:8501`` (``benchmarks/bench_capacity.py`` runs it in steps against one server
and two replicas behind nginx).
"""

from __future__ import annotations

import itertools
import json
import math
import random
import sys
import time
from pathlib import Path

import gevent
from locust import User, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.st_client import TEACHER_LINKS, PageRun, Session, student_csv  # noqa: E402

# (page, link) in the order a student goes through them; the heavy mix's "{seed}" is the
# student's own per visit.
MIXES = {
    "light": tuple(TEACHER_LINKS.items()),
    "heavy": (("derivatives", "fn=typed&f=x%5E2&x0=1.5"),
              ("linear-regression", "src=generate&n=1000000&d=10&seed={seed}"),
              ("linear-regression", "src=upload&lr=0.1")),
}
TYPED_X0 = 1.5
CONNECT = "WS connect"
MOVE_X0 = "derivatives: move x0"
CHANGE_POINT = "gradients: change point"
TYPE_FORMULA = "derivatives: type a formula"
UPLOAD = "regression: upload CSV"
STEP = "regression: step forward"
# A new large table refused because the server's line for them was full (the page says so and
# shows "Try again"): reported under its own names, so refusals are counted, not hidden.
REFUSED_OPEN = "open /linear-regression: line full"
RETRY = "regression: try again"
REFUSED_RETRY = "regression: try again: line full"
SLOPE = "Tangent slope f′(x₀)"
PARTIAL_X = "∂f/∂x"
STEP_K = "step k"


class CheckFailed(AssertionError):
    """The page answered, but not with what a student should see."""


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--think-min", type=float, default=2.0,
                        help="shortest think time between a student's actions (s)")
    parser.add_argument("--think-max", type=float, default=4.0,
                        help="longest think time between a student's actions (s)")
    parser.add_argument("--actions-per-page", default="3-6",
                        help="actions on a lesson before the next one: N or MIN-MAX")
    parser.add_argument("--action-timeout", type=float, default=60.0,
                        help="seconds an action may take before it counts as failed")
    parser.add_argument("--summary-json", default="",
                        help="write the final per-action figures to this file on exit")
    parser.add_argument("--mix", default="light", choices=sorted(MIXES),
                        help="light: the teacher's links; heavy: typed formulas, generated "
                             "1e6-row tables, larger uploads")
    parser.add_argument("--upload-rows", type=int, default=20_000,
                        help="rows of the heavy mix's uploaded CSV")
    parser.add_argument("--lessons", type=int, default=0,
                        help="lessons each student opens before stopping; Locust quits when "
                             "every student has stopped (0: go on until the run time is over)")


_environment = None


@events.init.add_listener
def _remember(environment, **_kwargs) -> None:
    global _environment
    _environment = environment


def _figures(entry) -> dict[str, float]:
    return {"requests": entry.num_requests, "failures": entry.num_failures,
            **{f"p{round(q * 100)}": entry.get_response_time_percentile(q) if entry.num_requests
               else 0.0 for q in (0.5, 0.95, 0.99)},
            "max": entry.max_response_time}


@events.quitting.add_listener
def _write_early_summary(**_kwargs) -> None:
    """The figures when Locust starts to quit: kept if it cannot finish (the final ones, with
    the actions that were still running, replace them)."""
    _write_summary(None, final=False)


@events.quit.add_listener
def _write_summary(exit_code: int | None, final: bool = True, **_kwargs) -> None:
    """--summary-json: the final figures, written after the last action has finished."""
    options = getattr(_environment, "parsed_options", None)
    path = getattr(options, "summary_json", "")
    if not path:
        return
    stats = _environment.stats
    summary = {
        "final": final,
        "exit_code": exit_code,
        "total": _figures(stats.total),
        "actions": {entry.name: _figures(entry) for entry in stats.entries.values()
                    if entry.num_requests},
        "failures": [{"name": error.name, "error": str(error.error),
                      "occurrences": error.occurrences} for error in stats.errors.values()],
    }
    Path(path).write_text(json.dumps(summary, indent=1, ensure_ascii=False))


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def _unescape(markdown: str) -> str:
    return markdown.replace("\\", "")


class Student(User):
    """One student in one browser tab, going through the lessons."""

    _numbers = itertools.count()
    _done = 0  # students that have opened their --lessons lessons

    def wait_time(self) -> float:
        options = self.environment.parsed_options
        low = getattr(options, "think_min", 2.0)
        high = getattr(options, "think_max", 4.0)
        return random.uniform(low, high)

    def on_start(self) -> None:
        self.number = next(Student._numbers)
        self.rng = random.Random(self.number)
        self.lessons_of_mix = MIXES[self._option("mix", "light")]
        self.lesson = self.number % len(self.lessons_of_mix) - 1  # _next_lesson() adds one
        self.visits = 0
        self.session: Session | None = None
        self.left = 0
        self.lessons = 0
        self.uploads = 0
        self.step: tuple[int, int] | None = None
        self.current: dict[str, float] = {}

    def on_stop(self) -> None:
        self._drop_session()

    # -- options ------------------------------------------------------------------------------

    def _option(self, name: str, default):
        return getattr(self.environment.parsed_options, name, default)

    def _actions_per_page(self) -> int:
        text = str(self._option("actions_per_page", "3-6"))
        low, _, high = text.partition("-")
        return self.rng.randint(int(low), int(high or low))

    # -- reporting ----------------------------------------------------------------------------

    def _report(self, name: str, start: float, length: int = 0,
                exception: BaseException | None = None) -> None:
        self.environment.events.request.fire(
            request_type="WS", name=name, response_time=(time.perf_counter() - start) * 1000,
            response_length=length, exception=exception, context={"student": self.number})

    def _timed(self, name: str, action, refused_name: str = "") -> PageRun | None:
        """Run `action` (returns a PageRun, raises CheckFailed), report it (as `refused_name`
        when the page refused a new table); None on failure."""
        start = time.perf_counter()
        try:
            page = action()
        except CheckFailed as failure:
            self._report(name, start, exception=failure)
            return None
        except Exception as error:  # a lost connection, a timeout: start a new tab
            self._report(name, start, exception=error)
            self._drop_session()
            return None
        refused = refused_name and "reg_table_retry" in page.widgets
        self._report(refused_name if refused else name, start, page.received_bytes)
        return page

    def _drop_session(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except Exception:  # noqa: S110 - the connection may already be gone
                pass
        self.session, self.left = None, 0

    # -- the student --------------------------------------------------------------------------

    @task
    def act(self) -> None:
        if self.session is None:
            start = time.perf_counter()
            try:
                self.session = Session(self.host, timeout_s=self._option("action_timeout", 60.0))
            except Exception as error:
                self._report(CONNECT, start, exception=error)
                return
            self._report(CONNECT, start)
        if self.left <= 0:
            self._next_lesson()
            return
        self.left -= 1
        page = self.session.page
        if page == "derivatives" and "typed" in self.session.query:
            self._timed(TYPE_FORMULA, self._type_formula)
        elif page == "derivatives":
            self._timed(MOVE_X0, self._move_x0)
        elif page == "gradients":
            self._timed(CHANGE_POINT, self._change_point)
        elif self.step is None and "src=generate" in self.session.query:
            self._timed(RETRY, self._try_again, REFUSED_RETRY)
        elif self.step is None:
            self._timed(UPLOAD, self._upload)
        else:
            self._timed(STEP, self._step_forward)

    def _next_lesson(self) -> None:
        limit = int(self._option("lessons", 0))
        if limit and self.lessons >= limit:
            self._finish()
        self.lessons += 1
        self.lesson = (self.lesson + 1) % len(self.lessons_of_mix)
        page, link = self.lessons_of_mix[self.lesson]
        if self.session.page == page:
            # Another link to the page the tab shows: a browser loads it afresh (a new
            # session); in the same session the page's widgets would keep their values.
            self._drop_session()
            start = time.perf_counter()
            try:
                self.session = Session(self.host, timeout_s=self._option("action_timeout", 60.0))
            except Exception as error:
                self._report(CONNECT, start, exception=error)
                return
            self._report(CONNECT, start)
        self.visits += 1
        link = link.replace("{seed}", str(1000 * self.number + self.visits))
        self.step, self.current = None, {}

        def open_page() -> PageRun:
            run = self._checked(self.session.open(page, link))
            generated = "src=generate" in link
            need = {"derivatives": "f" if "typed" in link else "x0", "gradients": "p_x",
                    "linear-regression": "k_forward" if generated else "reg_upload"}[page]
            if generated and "reg_table_retry" in run.widgets:
                return run  # refused at once: the next action tries again
            if need not in run.widgets:
                raise CheckFailed(f"/{page}: no widget '{need}' in the first run")
            if page == "derivatives" and need == "x0":
                self.current["x0"] = _number(self._metric(run, "f(x₀)")) ** 0.5
            elif page == "gradients":
                self.current["p_x"] = _number(self._metric(run, PARTIAL_X)) / 2
            elif generated:
                self.step = self._step_k(run)
            return run

        refused = REFUSED_OPEN if "src=generate" in link else ""
        if self._timed(f"open /{page}", open_page, refused) is not None:
            self.left = self._actions_per_page()

    def _finish(self) -> None:
        """This student is done; the last one to finish ends the run (as -t would)."""
        Student._done += 1
        runner = self.environment.runner
        if runner is not None and Student._done >= runner.target_user_count:
            gevent.spawn(runner.quit)
        raise StopUser

    @staticmethod
    def _checked(run: PageRun) -> PageRun:
        problems = run.problems()
        if problems:
            raise CheckFailed("; ".join(problems)[:300])
        return run

    @staticmethod
    def _metric(run: PageRun, label: str) -> str:
        if label not in run.metrics:
            raise CheckFailed(f"no metric {label!r} (shown: {', '.join(run.metrics) or 'none'})")
        return run.metrics[label]

    def _new_value(self, key: str, low: float, high: float, step: float) -> float:
        """A value on the control's grid, within its bounds, that changes what the page shows
        (a different |value|: the checked numbers are 2·value)."""
        proto = self.session.widget(key).proto
        if getattr(proto, "has_min", True):
            low = max(low, proto.min)
        if getattr(proto, "has_max", True):
            high = min(high, proto.max)
        old = self.current.get(key)
        while True:
            value = round(round(self.rng.uniform(low, high) / step) * step, 10)
            if old is None or abs(abs(value) - abs(old)) > step / 2:
                return value

    def _move_x0(self) -> PageRun:
        x0 = self._new_value("x0", -3.0, 3.0, 0.05)
        run = self._checked(self.session.set_value("x0", x0))
        shown = _number(self._metric(run, SLOPE))
        if abs(shown - 2 * x0) > 1e-3 * max(1.0, abs(x0)):
            raise CheckFailed(f"x0={x0}: slope shown {shown}, expected {2 * x0:g}")
        self.current["x0"] = x0
        return run

    def _change_point(self) -> PageRun:
        x = self._new_value("p_x", -5.0, 5.0, 0.5)
        run = self._checked(self.session.set_value("p_x", x))
        shown = _number(self._metric(run, PARTIAL_X))
        if abs(shown - 2 * x) > 1e-6:
            raise CheckFailed(f"x={x}: ∂f/∂x shown {shown}, expected {2 * x:g}")
        self.current["p_x"] = x
        return run

    def _type_formula(self) -> PageRun:
        """A formula of this student's own (a, b, k drawn anew each time), checked at x₀."""
        a, b, k = self.rng.randint(2, 9), self.rng.randint(2, 9), self.rng.randint(2, 7)
        formula = f"{a}*x^3 + sin({b}*x) + x^{k}"
        expected = a * TYPED_X0**3 + math.sin(b * TYPED_X0) + TYPED_X0**k
        run = self._checked(self.session.set_text("f", formula))
        shown = _number(self._metric(run, "f(x₀)"))
        if abs(shown - expected) > 1e-3 * max(1.0, abs(expected)):
            raise CheckFailed(f"f = {formula}: f(x₀) shown {shown}, expected {expected:g}")
        return run

    def _upload(self) -> PageRun:
        self.uploads += 1
        tag = f"s{self.number}v{self.uploads}"
        name = f"class_{tag}.csv"
        rows = self._option("upload_rows", 20_000) if self._option("mix", "light") == "heavy" \
            else 40
        run = self._checked(self.session.upload("reg_upload", name,
                                                student_csv(tag, self.rng, rows)))
        using = [c for c in map(_unescape, run.captions) if c.startswith("Using")]
        if not using or name not in using[0]:
            raise CheckFailed(f"after uploading {name} the page says {using[:1] or 'nothing'}")
        self.step = self._step_k(run)
        if self.step[0] != 0:
            raise CheckFailed(f"after an upload the stepper is at {self.step}, not at 0")
        return run

    def _step_k(self, run: PageRun) -> tuple[int, int]:
        text = self._metric(run, STEP_K)
        k, _, last = text.partition(" of ")
        try:
            return int(k), int(last)
        except ValueError:
            raise CheckFailed(f"step k shows {text!r}") from None

    def _try_again(self) -> PageRun:
        """Click "Try again" under a refused table; once it is made, the stepper is there."""
        run = self._checked(self.session.click("reg_table_retry"))
        if "reg_table_retry" not in run.widgets:
            self.step = self._step_k(run)
        return run

    def _step_forward(self) -> PageRun:
        k, last = self.step
        button, expected = ("k_forward", k + 1) if k < last else ("k_start", 0)
        run = self._checked(self.session.click(button))
        self.step = self._step_k(run)
        if self.step != (expected, last):
            raise CheckFailed(f"{button} at step {k} of {last} shows {self.step[0]} of "
                              f"{self.step[1]}, expected {expected}")
        return run
