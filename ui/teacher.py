"""Teacher lesson links: a task text, hidden or locked controls and a presentation mode.

A lesson link is an ordinary link to a view (``ui.state``) with up to four more parameters:

- ``task``: a text the teacher writes, shown at the top of the lesson as plain text (made inert,
  at most ``MAX_TASK_CHARS`` characters; a longer one is cut with a note);
- ``hide``: controls (their URL keys, comma-separated) the student does not see; their values
  come from the link;
- ``lock``: controls drawn but disabled, their values from the link on every run;
- ``present=true``: presentation mode for a projector: larger text, no sidebar, no teacher
  panel.

``ui.state.Link`` applies ``hide`` and ``lock`` to each control as it draws it, and checks a
hidden or locked control's value from the link like any other link value, so a hand-edited
address cannot set one to a value the control itself would not allow. :func:`header` shows the
task and applies presentation mode; :func:`panel` (collapsed, at the end of every lesson) is
where the teacher builds such a link from the current view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from gradcore import EXERCISE_PARAM, SEED_PARAM, for_page
from ui.text import inert

TASK_PARAM, HIDE_PARAM, LOCK_PARAM, PRESENT_PARAM = "task", "hide", "lock", "present"
LESSON_PARAMS = (TASK_PARAM, HIDE_PARAM, LOCK_PARAM, PRESENT_PARAM)
MAX_TASK_CHARS = 500
MAX_CONTROLS = 30
_KEY = re.compile(r"[A-Za-z0-9_]{1,32}")
_NO_EXERCISE = "(none)"
_PROMPT_CHARS = 60

PRESENTATION_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 3rem; padding-right: 3rem; }
</style>
"""


@dataclass(frozen=True)
class LessonSettings:
    """What a lesson link asks of this page (all empty for an ordinary link)."""

    task: str = ""
    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    present: bool = False
    notes: tuple[str, ...] = field(default=())


def _keys(raw: list[str]) -> frozenset[str]:
    """Control keys from repeated or comma-separated values; anything else is ignored."""
    names = [name.strip() for value in raw for name in value.split(",")]
    return frozenset(name for name in names if _KEY.fullmatch(name))


def read_settings(params: dict[str, list[str]]) -> LessonSettings:
    """The lesson settings in a query string (``{key: [values]}``), checked."""
    notes = []
    task = " ".join((params.get(TASK_PARAM) or [""])[-1].split())
    if len(task) > MAX_TASK_CHARS:
        task = task[:MAX_TASK_CHARS - 1] + "…"
        notes.append(f"The task text was longer than {MAX_TASK_CHARS} characters and is cut.")
    hidden = _keys(params.get(HIDE_PARAM, []))
    locked = _keys(params.get(LOCK_PARAM, [])) - hidden
    if len(hidden) + len(locked) > MAX_CONTROLS:
        hidden, locked = frozenset(), frozenset()
        notes.append(f"The link names more than {MAX_CONTROLS} controls to hide or lock; "
                     "none is hidden or locked.")
    present = (params.get(PRESENT_PARAM) or [""])[-1].lower() == "true"
    return LessonSettings(task, hidden, locked, present, tuple(notes))


def lesson_settings() -> LessonSettings:
    """This run's lesson settings, from the address."""
    return read_settings({key: st.query_params.get_all(key) for key in LESSON_PARAMS})


def header(settings: LessonSettings) -> None:
    """The teacher's task (plain text) and presentation mode, at the top of the lesson."""
    if settings.present:
        st.html(PRESENTATION_CSS)
    if settings.task:
        st.info(f"**Task from your teacher:** {inert(settings.task)}", icon=":material/school:")
    for note in settings.notes:
        st.caption(note)


def lesson_link(base: str, view: dict[str, list[str]], *, task: str = "",
                hidden: list[str] = (), locked: list[str] = (), exercise: str | None = None,
                present: bool = False) -> str:
    """The address of the current view (`view`, without any lesson parameters) plus these."""
    params = {key: values for key, values in view.items()
              if key not in LESSON_PARAMS and key not in (EXERCISE_PARAM, SEED_PARAM)}
    task = " ".join(task.split())[:MAX_TASK_CHARS]
    if task:
        params[TASK_PARAM] = [task]
    if hidden:
        params[HIDE_PARAM] = [",".join(hidden)]
    locked = [key for key in locked if key not in hidden]
    if locked:
        params[LOCK_PARAM] = [",".join(locked)]
    if exercise:
        params[EXERCISE_PARAM] = [exercise]
    if present:
        params[PRESENT_PARAM] = ["true"]
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def panel(page: str, controls: dict[str, str], settings: LessonSettings) -> None:
    """The collapsed "make a lesson link" panel; nothing in presentation mode.

    `controls` maps the URL key of each control drawn on this page to its label. The panel's
    own widgets are not in the address: what they build is the link shown at the bottom.
    """
    if settings.present:
        return
    with st.expander("For teachers: make a lesson link", icon=":material/school:"):
        st.caption("Set the page up as your students should see it, then add a task, choose "
                   "controls to hide (their values stay as set) or lock (shown, but cannot be "
                   "changed), and copy the link.")
        task = st.text_area("Task for the students (plain text)", max_chars=MAX_TASK_CHARS,
                            key="teacher_task", height=80)
        names = list(controls)

        def label(key: str) -> str:
            return f"{controls[key]} ({key})"

        hidden = st.multiselect("Hide these controls", names, key="teacher_hide",
                                format_func=label)
        locked = st.multiselect("Lock these controls", [n for n in names if n not in hidden],
                                key="teacher_lock", format_func=label)
        exercises = {exercise.id: exercise for exercise in for_page(page)}
        options = [_NO_EXERCISE, *exercises]
        chosen = st.selectbox(
            "Open with this exercise", options, key="teacher_ex",
            format_func=lambda key: key if key == _NO_EXERCISE else
            f"{key}: {exercises[key].prompt[:_PROMPT_CHARS]}…")
        present = st.checkbox("Presentation mode (larger text, no sidebar, for a projector)",
                              key="teacher_present")
        view = {key: st.query_params.get_all(key) for key in st.query_params}
        if chosen != _NO_EXERCISE:
            view.update({key: [value] for key, value in exercises[chosen].link.items()})
        link = lesson_link(st.context.url or "", view, task=task, hidden=hidden,
                           locked=locked, exercise=None if chosen == _NO_EXERCISE else chosen,
                           present=present)
        st.markdown("**The lesson link**")
        st.code(link, language=None, wrap_lines=True)
