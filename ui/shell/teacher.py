"""Teacher lesson links: a task, hidden or locked controls, an exercise, presentation mode.

A lesson link is an ordinary link to a view (``ui.shell.state``) plus one signed parameter,
``lesson=<payload>.<signature>`` (``ui.shell.signing``): the payload names the page it is for, the
task text, the exercise (and its seed when the teacher fixed the numbers), the hidden and the
locked controls **with their values**, presentation mode and whether the answers are held back
until the student presses Reveal. :func:`lesson_query` builds it. On every run
``ui.shell.state.Link`` takes a hidden or locked control's value from the signed part, so an edited
address (a deleted ``lock``, an edited ``x0=``, an appended ``&h=``) changes nothing; the
readable parameters carry only what the student may change.

What a student can meet:

- an altered, forged, truncated or doubled lesson parameter: the page opens without the
  lesson and one sentence says why (:mod:`ui.shell.signing`'s messages);
- a signed lesson for another page (the student went on with Previous / Next, which carry
  it): that page is ordinary, with a link back to the lesson's page;
- an old unsigned link (``task``, ``hide``, ``lock``, ``present`` as readable parameters, made
  before links were signed): still honoured as it was (task, hidden and locked controls,
  presentation mode, values from the address), with a note that its locks are advisory: such
  a link cannot say which values its teacher set.

:func:`header` shows the task and applies presentation mode; :func:`panel` (collapsed, at the
end of every lesson) is where the teacher builds the link from the current view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import streamlit as st

from gradcore import EXERCISE_PARAM, SEED_PARAM
from gradcore.exercises.catalogue import DEFAULT_SEED, MAX_SEED, get_exercise
from ui.shell import signing
from ui.shell.text import inert

LESSON_PARAM = "lesson"
TASK_PARAM, HIDE_PARAM, LOCK_PARAM, PRESENT_PARAM = "task", "hide", "lock", "present"
LEGACY_PARAMS = (TASK_PARAM, HIDE_PARAM, LOCK_PARAM, PRESENT_PARAM)
LESSON_PARAMS = (LESSON_PARAM, *LEGACY_PARAMS)
NOT_VIEW = (*LESSON_PARAMS, EXERCISE_PARAM, SEED_PARAM)
MAX_TASK_CHARS = 500
MAX_CONTROLS = 30
MAX_VALUES = 20
MAX_VALUE_CHARS = 300
_KEY = re.compile(r"[A-Za-z0-9_]{1,32}")
_PAGE = re.compile(r"[a-z0-9-]{1,40}")
_NO_EXERCISE = "(none)"
_PROMPT_CHARS = 60
UNSIGNED_NOTE = ("This lesson link was made before lesson links were signed, so its locks are "
                 "advisory: editing the address can change them.")
IGNORED_NOTE = ("The task, hide, lock and present parameters in this address are ignored: the "
                "lesson comes from the signed part of the link.")

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
    """What a lesson link asks of this page (all empty for an ordinary link).

    `values` holds a signed lesson's value of each hidden or locked control as the address
    would write it (an empty tuple: the control's default); it is empty for an unsigned link,
    whose values come from the address. `seed` is None when students may ask for new numbers.
    `token` is the signed parameter (carried by Previous / Next); `elsewhere` the page a valid
    signed lesson is for when that is not this page.
    """

    task: str = ""
    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    present: bool = False
    notes: tuple[str, ...] = field(default=())
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exercise: str | None = None
    seed: int | None = None
    hold: bool = False
    signed: bool = False
    token: str | None = None
    elsewhere: str | None = None
    refused: str = ""

    @property
    def fixed(self) -> frozenset[str]:
        """The controls whose value the lesson sets (hidden or locked)."""
        return self.hidden | self.locked


def _clean_task(text: object) -> tuple[str, list[str]]:
    task = " ".join(str(text or "").split())
    if len(task) > MAX_TASK_CHARS:
        return (task[:MAX_TASK_CHARS - 1] + "…",
                [f"The task text was longer than {MAX_TASK_CHARS} characters and is cut."])
    return task, []


def _keys(raw: list[str]) -> frozenset[str]:
    """Control keys from repeated or comma-separated values; anything else is ignored."""
    names = [name.strip() for value in raw for name in value.split(",")]
    return frozenset(name for name in names if _KEY.fullmatch(name))


def _legacy(params: dict[str, list[str]]) -> LessonSettings:
    """An unsigned lesson link, read as before links were signed (with a note that says so)."""
    task, notes = _clean_task((params.get(TASK_PARAM) or [""])[-1])
    hidden = _keys(params.get(HIDE_PARAM, []))
    locked = _keys(params.get(LOCK_PARAM, [])) - hidden
    if len(hidden) + len(locked) > MAX_CONTROLS:
        hidden, locked = frozenset(), frozenset()
        notes.append(f"The link names more than {MAX_CONTROLS} controls to hide or lock; "
                     "none is hidden or locked.")
    present = (params.get(PRESENT_PARAM) or [""])[-1].lower() == "true"
    if hidden or locked:
        notes.append(UNSIGNED_NOTE)
    return LessonSettings(task, hidden, locked, present, tuple(notes))


def _controls(raw: object) -> dict[str, tuple[str, ...]]:
    """{key: values} of a signed payload's control map, checked (bad entries are dropped)."""
    if not isinstance(raw, dict):
        return {}
    kept = {}
    for key, values in list(raw.items())[:MAX_CONTROLS]:
        if (isinstance(key, str) and _KEY.fullmatch(key) and isinstance(values, list)
                and len(values) <= MAX_VALUES
                and all(isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in values)):
            kept[key] = tuple(values)
    return kept


def _signed(payload: dict, token: str, page: str | None) -> LessonSettings:
    """The settings of a verified payload (for `page`; another page's lesson is not applied)."""
    lesson_page = payload.get("p")
    if page is not None and lesson_page != page:
        shown = lesson_page if isinstance(lesson_page, str) and _PAGE.fullmatch(lesson_page) \
            else None
        return LessonSettings(token=token, elsewhere=shown, signed=True)
    task, notes = _clean_task(payload.get("t", ""))
    hidden, locked = _controls(payload.get("h")), _controls(payload.get("l"))
    locked = {key: value for key, value in locked.items() if key not in hidden}
    exercise = payload.get("x")
    exercise = exercise if isinstance(exercise, str) and get_exercise(exercise) else None
    seed = payload.get("s")
    seed = seed if isinstance(seed, int) and 0 <= seed <= MAX_SEED else None
    return LessonSettings(task, frozenset(hidden), frozenset(locked),
                          payload.get("pr") is True, tuple(notes), {**hidden, **locked},
                          exercise, seed, payload.get("r") is True, True, token)


def read_settings(params: dict[str, list[str]], page: str | None = None) -> LessonSettings:
    """The lesson settings in a query string (``{key: [values]}``), checked; never raises.

    A signed ``lesson`` parameter wins over the readable ones; a lesson part that does not
    verify gives no lesson and one note that says why.
    """
    tokens = [token for token in params.get(LESSON_PARAM, []) if token]
    if not tokens:
        return _legacy(params)
    if len(set(tokens)) > 1:
        return LessonSettings(refused="This link holds more than one lesson, so the page opens "
                                      "without one: ask your teacher for the link again.")
    try:
        payload = signing.verify(tokens[0])
    except signing.SignatureError as error:
        return LessonSettings(refused=str(error))
    settings = _signed(payload, tokens[0], page)
    if settings.elsewhere is None and any(params.get(key) for key in LEGACY_PARAMS):
        settings = replace(settings, notes=(*settings.notes, IGNORED_NOTE))
    return settings


def lesson_settings(page: str | None = None) -> LessonSettings:
    """This run's lesson settings for `page`, from the address."""
    return read_settings({key: st.query_params.get_all(key) for key in LESSON_PARAMS}, page)


def _values(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def lesson_query(page: str, view: Mapping[str, str | list[str]], *, task: str = "",
                 hide: Iterable[str] = (), lock: Iterable[str] = (), exercise: str | None = None,
                 present: bool = False, seed: int | None = None,
                 hold: bool = False) -> dict[str, str | list[str]]:
    """The query parameters of the lesson link for `page` (its url path) set up as `view`.

    `view` maps the page's control keys to their values as the address writes them (a control
    left out is at its default). `exercise` (an id of this page's exercises) opens with the
    lesson; its link sets the page up (its values replace the view's). `seed` fixes the
    exercise's numbers; None lets students press New numbers, except when the lesson hides or
    locks a setting the exercise sets (then its default numbers are fixed). `hold` holds the
    answers back until the student presses Reveal (a lesson without an exercise).

    Returns the readable view (every control that is neither hidden nor locked, one string per
    value, a list for a control with several) and ``lesson``, the signed part. Raises
    ValueError for an exercise that is not one of `page`'s.
    """
    if not _PAGE.fullmatch(page or ""):
        raise ValueError(f"{page!r} is not a page's url path")
    params = {key: _values(value) for key, value in view.items()
              if key not in NOT_VIEW and _KEY.fullmatch(key)}
    hidden = [key for key in dict.fromkeys(hide) if _KEY.fullmatch(key)][:MAX_CONTROLS]
    locked = [key for key in dict.fromkeys(lock) if _KEY.fullmatch(key) and key not in hidden]
    locked = locked[:MAX_CONTROLS - len(hidden)]
    payload: dict[str, object] = {"v": 1, "p": page}
    if exercise:
        found = get_exercise(exercise)
        if found is None or found.page != page:
            raise ValueError(f"{exercise!r} is not an exercise of /{page}")
        if seed is None and set(found.link) & {*hidden, *locked}:
            seed = DEFAULT_SEED
        chosen = found.instance(DEFAULT_SEED if seed is None else seed)
        params.update({key: [value] for key, value in chosen.link.items()})
        payload["x"] = found.id
        if seed is not None or not found.seeded:
            payload["s"] = chosen.seed
    text, _ = _clean_task(task)
    if text:
        payload["t"] = text
    if hidden:
        payload["h"] = {key: params.get(key, []) for key in hidden}
    if locked:
        payload["l"] = {key: params.get(key, []) for key in locked}
    if present:
        payload["pr"] = True
    if hold and not exercise:
        payload["r"] = True
    query: dict[str, str | list[str]] = {
        key: values[0] if len(values) == 1 else values
        for key, values in params.items() if key not in hidden and key not in locked}
    query[LESSON_PARAM] = signing.sign(payload)
    return query


def link_address(base: str, query: Mapping[str, str | list[str]]) -> str:
    """`base` (the page's address) with `query` as its query string."""
    text = urlencode({key: _values(value) for key, value in query.items()}, doseq=True)
    return f"{base}?{text}" if text else base


def carried() -> dict[str, str]:
    """The query parameters that Previous / Next and the sidebar carry: a valid signed lesson
    (so a student who looks at another page can come back to it); nothing otherwise."""
    settings = lesson_settings()
    return {LESSON_PARAM: settings.token} if settings.signed and settings.token else {}


def header(settings: LessonSettings) -> None:
    """The teacher's task (plain text), presentation mode and the lesson's notes."""
    if settings.present:
        st.html(PRESENTATION_CSS)
    if settings.task:
        st.info(f"**Task from your teacher:** {inert(settings.task)}", icon=":material/school:")
    if settings.refused:
        st.warning(inert(settings.refused), icon=":material/link_off:")
    for note in settings.notes:
        st.caption(inert(note))
    if settings.elsewhere:
        # The lessons table imports this module's users.
        from ui.shell.lessons import BY_PATH, page_link
        lesson = BY_PATH.get(settings.elsewhere)
        if lesson is not None:
            page_link(st, lesson.script, label=f"Back to your teacher's lesson: {lesson.title}",
                      icon=":material/school:", query_params={LESSON_PARAM: settings.token})
