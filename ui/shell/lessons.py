"""The lessons table: one place for each page's script, title, address and icon.

Routing is Streamlit's folder-based multipage mode: ``home.py`` is the home page and every
script in ``pages/`` is a page whose address is its file name (``pages/chain-rule.py`` is
``/chain-rule``). That mode is chosen once per server process, from the folder alone, so a
fresh server serves the same pages as a warm one: ``st.navigation`` next to a ``pages/``
folder did not (the first visitor of a fresh server got the folder pages and "Page not
found"). So nothing here calls ``st.navigation``; the sidebar is ours (:func:`page_frame`,
with ``client.showSidebarNavigation = false``) and so titles and icons stay ours.

Icons are Material Symbols (``:material/...:``), which Streamlit ships with its own font, so
they render the same in every browser (emoji need an emoji font that many machines lack).

Addresses must never end with another page's address: Streamlit 1.67 trims the first page
address that ``st.context.url`` ends with, so "subgradients" after "gradients" gave the share
box a wrong link. ``tests/test_app_smoke.py`` checks this and that each script's file name is
its address.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple, NoReturn

import streamlit as st

from ui.shell import class_mode, exercise_panel, style, teacher
from ui.shell.address import flush_address

_LOGGER = logging.getLogger("gradlab")
# GRADLAB_TRACE_RUNS=1 in the server's environment: every page run, stepper fragment run and
# scikit-learn fit writes one line to the server's log (tests/e2e/test_fragment_rerun.py).
TRACE_ENV = "GRADLAB_TRACE_RUNS"
TRACE_PREFIX = "gradlab trace:"
_TRACE = logging.getLogger("gradlab.trace")
_TRACE_SETUP = threading.Lock()
_FAILED = "_page_failed"
# Session state that survives a reset: the student's uploaded table (ui/regression/data_source.py).
KEPT_STATE_PREFIX = "reg_upload"
RESET_MESSAGE = ("Something went wrong with this page's settings, so it has been reset to its "
                 "defaults. If it happens again, please tell your teacher which link you used.")
FAILED_MESSAGE = ("This page could not be shown, even with its defaults. Please reload it; if "
                  "that does not help, tell your teacher.")


class Lesson(NamedTuple):
    script: str
    title: str
    url_path: str
    icon: str
    line: str


HOME = Lesson("home.py", "Home", "", ":material/home:", "")

LESSONS = [
    Lesson("pages/derivatives.py", "Derivatives", "derivatives", ":material/show_chart:",
           "The slope of f at a point: a secant that turns into the tangent as the step h "
           "shrinks."),
    Lesson("pages/gradients.py", "Gradients", "gradients", ":material/explore:",
           "Partial derivatives of f(x, y, z, ...) as one vector; contour maps, arrows and the "
           "direction of steepest ascent."),
    Lesson("pages/subgradient.py", "Subgradients", "subgradient", ":material/change_history:",
           "What replaces the derivative at a kink such as |x| at 0: a whole interval of "
           "supporting lines, and the subgradient method."),
    Lesson("pages/chain-rule.py", "Chain rule", "chain-rule", ":material/link:",
           "Derivatives of composed functions f(g(x)), step by step, as a tiny computation "
           "graph (the seed of backpropagation)."),
    Lesson("pages/linear-regression.py", "Linear regression", "linear-regression",
           ":material/scatter_plot:",
           "Gradient descent on the mean squared error with your own CSV or generated data, "
           "step by step, checked against scikit-learn."),
]

# Not a lesson: the teacher's live view of a class (ui/shell/class_view.py), reached by its link only.
CLASS_VIEW = Lesson("pages/class.py", "Class live view", "class", ":material/groups:", "")

BY_SCRIPT = {lesson.script: lesson for lesson in [HOME, *LESSONS, CLASS_VIEW]}
BY_PATH = {lesson.url_path: lesson for lesson in LESSONS}
ICON = {script: lesson.icon for script, lesson in BY_SCRIPT.items()}
# script -> st.Page, made on a page run's first link to it and kept for the process (see page_link).
_PAGES: dict[str, st.Page] = {}


def page_link(where, script: str, **kwargs) -> None:
    """``where.page_link`` to the page of `script` (Home or a page in ``pages/``), `kwargs` as
    Streamlit's (label, icon, query_params).

    Streamlit's link to a script path resolves the path on disk (``os.path.realpath``: a
    ``lstat`` per folder) and compares it with every page, at every link of every run: with
    the sidebar's six and Previous / Next, 4-5 % of the server's CPU per student action. A
    ``st.Page`` of the same script is resolved once, when it is made; Streamlit checks it
    against the registered page (same file, same address) and links it by its address.
    ``tests/test_app_smoke.py`` checks that both links are the same."""
    page = _PAGES.get(script)
    if page is None:
        # Home is the app's main script: Streamlit registers it as the default page ("/").
        page = _PAGES[script] = st.Page(script, default=script == HOME.script)
    where.page_link(page, **kwargs)


def _page_end(lesson: Lesson) -> None:
    """A lesson page's last part: the open exercise's verdict (``exercise_panel.settle``), its
    exercises and the course's Previous / Next links; then the run's address goes to the
    browser, once (``ui.shell.address``)."""
    if lesson in LESSONS:
        try:
            exercise_panel.settle(lesson.url_path)
        except Exception:
            _LOGGER.exception("Exercise verdict of %s failed", lesson.script)
            exercise_panel.close_after_failure(lesson.url_path)
        exercise_panel.footer(lesson.url_path)
        guide(lesson)
    flush_address()


def stop_page(lesson: Lesson) -> NoReturn:
    """``st.stop()`` for a page that cannot go on (no data yet, an impossible composition),
    after its end (:func:`_page_end`), so the student still has the exercises and the way on.
    (Drawing the end after ``st.stop()`` is not possible: Streamlit stops at the next element.)"""
    _page_end(lesson)
    st.stop()


@contextmanager
def page_frame(script: str) -> Iterator[Lesson]:
    """Tab title, wide layout and the sidebar of lesson links, then the page body, guarded.

    Every page runs its body inside ``with page_frame("pages/<name>.py"):``. An exception the
    body did not handle (a bug, never a student's mistake: those are ExpressionError and
    DataError, caught where they happen) is logged with its traceback, the page's settings
    are reset to the defaults (the address and the widget state; an uploaded table is kept)
    and the page runs again with a short message at the top, so no student sees "This app
    has encountered an error". If the defaults fail too, the page says so and stops there.

    On a lesson page the body sits between the exercise that the address opens
    (``ui.shell.exercise_panel.show``, on top) and, at the end, the page's exercises and the
    "Previous" / "Next" links of the course (:func:`guide`). A page that stops early (no data
    yet, an impossible composition) calls :func:`stop_page` instead of ``st.stop()``, so that it
    has the same end.
    """
    lesson = BY_SCRIPT[script]
    trace_run(f"page {script}")
    title = "Gradient Lab" if lesson is HOME else f"{lesson.title} · Gradient Lab"
    # The tab icon is an emoji: a Material icon here makes the browser fetch its picture from
    # an outside font server, which a school network (and the e2e tests) may not reach.
    st.set_page_config(page_title=title, page_icon="📉", layout="wide")
    style.apply()
    with st.sidebar:
        st.markdown("**Gradient Lab**")
        carried = teacher.carried()
        for entry in [HOME, *LESSONS]:
            page_link(st, entry.script, label=entry.title, icon=entry.icon,
                      query_params=carried if entry is not HOME else None)
    failed_before = st.session_state.pop(_FAILED, None) == script
    if failed_before:
        st.warning(RESET_MESSAGE, icon=":material/restart_alt:")
    try:
        if lesson in LESSONS:
            _class_line(lesson)
            _exercise_panel(lesson)
        yield lesson
        _page_end(lesson)
    except Exception:
        _LOGGER.exception("Page %s failed; resetting it to its defaults", script)
        if failed_before:
            st.error(FAILED_MESSAGE)
            return
        _reset_to_defaults()
        st.session_state[_FAILED] = script
        st.rerun()


def _class_line(lesson: Lesson) -> None:
    """The class this student is in, if any (``ui.shell.class_mode``); a failure there is logged
    and the lesson goes on as without a class."""
    try:
        class_mode.student_line()
    except Exception:
        _LOGGER.exception("Class line of %s failed", lesson.script)


def _exercise_panel(lesson: Lesson) -> None:
    """The exercise the address opens (``ui.shell.exercise_panel``); a failure there is logged and
    leaves the page itself working, with no exercise open."""
    try:
        exercise_panel.show(lesson.url_path)
    except Exception:
        _LOGGER.exception("Exercise panel of %s failed", lesson.script)
        exercise_panel.close_after_failure(lesson.url_path)
        st.warning("This exercise could not be shown. The page works as usual; choose an "
                   "exercise again from **Exercises** at the bottom.")


def guide(lesson: Lesson) -> None:
    """"Previous" and "Next" in the course order of ``LESSONS`` (Home before the first and
    after the last). A signed lesson goes along (``ui.shell.teacher.carried``): the page it is not
    for shows a link back to it, so a student who looks around can return to the lesson."""
    carried = teacher.carried() or None
    index = LESSONS.index(lesson)
    before = LESSONS[index - 1] if index > 0 else None
    after = LESSONS[index + 1] if index + 1 < len(LESSONS) else None
    left, right = st.columns(2)
    if before is None:
        page_link(left, HOME.script, label="Previous: the course outline", icon=HOME.icon)
    else:
        page_link(left, before.script, label=f"Previous: {before.title}",
                  icon=":material/arrow_back:", query_params=carried)
    if after is None:
        page_link(right, HOME.script, label="Next: back to the course outline", icon=HOME.icon)
    else:
        page_link(right, after.script, label=f"Next: {after.title}",
                  icon=":material/arrow_forward:", query_params=carried)


def trace_run(what: str) -> None:
    """With ``GRADLAB_TRACE_RUNS=1`` set, log "gradlab trace: <what>" on the server's stderr;
    otherwise nothing (the default: a deployed app logs no line per click)."""
    if os.environ.get(TRACE_ENV) != "1":
        return
    with _TRACE_SETUP:
        if not _TRACE.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            _TRACE.addHandler(handler)
            _TRACE.setLevel(logging.INFO)
            _TRACE.propagate = False
    _TRACE.info("%s %s", TRACE_PREFIX, what)


def _reset_to_defaults() -> None:
    """Forget the address's settings and every widget's state; keep an uploaded table."""
    st.query_params.clear()
    for key in list(st.session_state.keys()):
        if not str(key).startswith(KEPT_STATE_PREFIX):
            del st.session_state[key]
