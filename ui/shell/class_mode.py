"""Class mode in the lessons: a student in a class, a teacher starting one.

A student opens the class link (the teacher's lesson link plus ``class=<code>``): the code is
checked against the store (:mod:`classroom`), kept in the session, so it stays on every lesson
page the student opens from there, and the page says in one line which class they are in and
that their answers go to the teacher anonymously, with a button to leave. Every answer they
check is then shared (:func:`share_answer`); when the teacher reveals an exercise, a student who
answered it sees the answer (:func:`teacher_revealed`).

Nothing here may stop a lesson: a wrong code, a full class or a database that cannot be
reached each give a one-line note and the page works as without a class.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from urllib.parse import urlencode

import streamlit as st

import classroom
from classroom import ClassError, StoreUnavailable, WrongCodeLimiter, new_student_id, read_code
from ui.shell.address import set_params
from ui.shell.text import inert

CLASS_PARAM, TEACHER_PARAM = "class", "teacher"
PURGE_EVERY_S = 3600.0
REVEAL_POLL_S = 3.0
"""How often a student who answered asks whether the teacher has revealed the answer."""
_CODE_KEY, _STUDENT_KEY, _LIMITER_KEY = "_class_code", "_class_student", "_class_wrong_codes"
_NOTE_KEY = "_class_note"
_LOGGER = logging.getLogger("gradlab")
_LOCK = threading.Lock()
_STATE: dict = {"store": None, "purged": 0.0, "failed_at": 0.0}
RETRY_AFTER_FAILURE_S = 10.0
UNREACHABLE_STUDENT = ("The class database cannot be reached right now, so your answers are "
                       "not being shared with your teacher. Everything else works as usual.")


def store() -> classroom.Store:
    """The server's store (opened once per process; ended classes purged every hour).

    Raises StoreUnavailable when the database cannot be reached; a failed open is tried again
    after ``RETRY_AFTER_FAILURE_S``, not on every click of a whole class.
    """
    with _LOCK:
        now = time.monotonic()
        if _STATE["store"] is None:
            if now - _STATE["failed_at"] < RETRY_AFTER_FAILURE_S:
                raise StoreUnavailable(StoreUnavailable.MESSAGE)
            try:
                _STATE["store"] = classroom.open_store()
            except StoreUnavailable:
                _STATE["failed_at"] = now
                _LOGGER.warning("Class store unreachable")
                raise
        opened = _STATE["store"]
        if now - _STATE["purged"] >= PURGE_EVERY_S:
            _STATE["purged"] = now
            try:
                purged = opened.purge()
                if purged:
                    _LOGGER.info("Purged %d ended classes", purged)
            except StoreUnavailable:
                _LOGGER.warning("Class store unreachable during purge")
        return opened


def purge_ended_classes() -> int | None:
    """Open the store and delete the classes that have ended; how many, or None when the
    database cannot be reached (logged, never raised: the lessons work without it)."""
    with _LOCK:
        _STATE["purged"] = time.monotonic()  # store() leaves the purge to this function
    try:
        purged = store().purge()
    except StoreUnavailable:
        _LOGGER.warning("Class store unreachable at start-up: ended classes are purged later")
    except Exception as error:  # noqa: BLE001 - e.g. a malformed GRADLAB_DATABASE_URL
        _LOGGER.warning("Class store not opened at start-up: %s", error)
    else:
        _LOGGER.info("Start-up: purged %d ended classes", purged)
        return purged
    with _LOCK:
        _STATE["purged"] = 0.0  # the hourly purge tries again on the next use
    return None


def purge_at_start() -> threading.Thread:
    """:func:`purge_ended_classes` in a daemon thread: a slow or unreachable database (a
    PostgreSQL connect waits up to 5 s) never delays the server's start."""
    thread = threading.Thread(target=purge_ended_classes, name="gradlab-class-purge",
                              daemon=True)
    thread.start()
    return thread


def reset_store() -> None:
    """Forget the opened store (tests; a changed ``GRADLAB_DATABASE_URL``)."""
    with _LOCK:
        if _STATE["store"] is not None:
            _STATE["store"].engine.dispose()
        _STATE.update(store=None, purged=0.0, failed_at=0.0)


# -- the student's side ----------------------------------------------------------------------

def current_code() -> str | None:
    """The class this session is in, or None."""
    return st.session_state.get(_CODE_KEY)


def _student_id() -> str:
    return st.session_state.setdefault(_STUDENT_KEY, new_student_id())


def _leave() -> None:
    st.session_state.pop(_CODE_KEY, None)
    set_params({CLASS_PARAM: None})


def join_from_address() -> None:
    """Join the class the address names (once per code); say what was wrong, if anything."""
    raw = st.query_params.get(CLASS_PARAM)
    if raw is None or raw == current_code():
        return
    code = read_code(raw)
    limiter = st.session_state.setdefault(_LIMITER_KEY, WrongCodeLimiter())
    if not limiter.allowed():
        st.session_state[_NOTE_KEY] = (
            f"Too many wrong class codes: wait {limiter.wait_seconds():.0f} s before trying "
            "another one.")
        return
    try:
        if code is None:
            raise ClassError("That is not a class code (it looks like K7QM-2XAB).")
        store().join(code, _student_id())
    except ClassError as problem:
        limiter.wrong()
        st.session_state[_NOTE_KEY] = f"{problem} You are working on your own."
        set_params({CLASS_PARAM: None})
        return
    except StoreUnavailable:
        st.session_state[_NOTE_KEY] = UNREACHABLE_STUDENT
        return
    st.session_state[_CODE_KEY] = code
    set_params({CLASS_PARAM: [code]})


def student_line() -> None:
    """One line: the class this student is in and that answers go to the teacher
    anonymously, with "Leave the class"; or the note on a class that could not be joined."""
    join_from_address()
    note = st.session_state.pop(_NOTE_KEY, None)
    if note:
        st.caption(inert(note))
    code = current_code()
    if code is None:
        return
    text, button = st.columns([5, 1], vertical_alignment="center")
    text.caption(f"You are in class **{code}**: your answers to the exercises go to your "
                 "teacher anonymously (no name, just the answer).")
    button.button("Leave the class", key="class_leave", on_click=_leave,
                  icon=":material/logout:", type="tertiary")


MISTAKE_CHARS = 60


def mistake_kind(message: str) -> str:
    """The kind of mistake a feedback message names, for the teacher's tally: its first
    sentence (the checkers name the mistake first: "The signs are flipped.")."""
    first = message.split(". ")[0].split(": ")[0].strip().rstrip(".")
    return first if len(first) <= MISTAKE_CHARS else first[:MISTAKE_CHARS - 1] + "…"


def share_answer(exercise_id: str, answer: str, correct: bool,
                 mistake: str | None = None) -> str | None:
    """Send one checked answer to the class, if this session is in one. Returns a note for
    the student when it could not be shared (None when shared or not in a class)."""
    code = current_code()
    if code is None:
        return None
    try:
        store().record(code, _student_id(), exercise_id, answer, correct, mistake)
    except ClassError as problem:
        return str(problem)
    except StoreUnavailable:
        return UNREACHABLE_STUDENT
    return None


def teacher_revealed(exercise_id: str) -> bool:
    """Whether this session's teacher has revealed `exercise_id` to the class."""
    code = current_code()
    if code is None:
        return False
    try:
        return exercise_id in store().revealed(code)
    except (ClassError, StoreUnavailable):
        return False


# -- the teacher's side ----------------------------------------------------------------------

def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes, large enough to read from the back of a room."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def start_class(lesson: dict[str, str], base_url: str, hours: float,
                query: dict[str, str]) -> None:
    """"Start a class with this lesson": the code, the student link (`query`, the lesson
    link's parameters, plus the code) and its QR code, and the teacher's live-view link (shown
    in this tab only). `lesson` is what the class keeps of the lesson (its exercise)."""
    try:
        room = store().create_class(lesson, hours=hours)
    except (ClassError, StoreUnavailable) as problem:
        st.error(f"The class could not be started: {inert(problem)}")
        return
    student_link = f"{base_url}?{urlencode({**query, CLASS_PARAM: room.code})}"
    origin = base_url.rsplit("/", 1)[0] if "/" in base_url else base_url
    teacher_link = (f"{origin}/class?"
                    f"{urlencode({CLASS_PARAM: room.code, TEACHER_PARAM: room.teacher_key})}")
    st.session_state["_class_started"] = (room.code, student_link, teacher_link)


def started_class_box() -> None:
    """What :func:`start_class` made, for as long as this tab lives."""
    started = st.session_state.get("_class_started")
    if not started:
        return
    code, student_link, teacher_link = started
    st.success(f"Class **{code}** is open. Read the code aloud or show the QR code.")
    st.markdown("**Link for the students**")
    st.code(student_link, language=None, wrap_lines=True)
    st.image(qr_png(student_link), caption=f"QR code of the student link (class {code})",
             width=260)
    st.markdown("**Your live view** (keep it to yourself)")
    st.warning("This link shows the class's answers and can end the class: do not share it. "
               "It is shown only here, in this tab.", icon=":material/key:")
    st.code(teacher_link, language=None, wrap_lines=True)
    st.link_button("Open the live view", teacher_link, icon=":material/open_in_new:")
