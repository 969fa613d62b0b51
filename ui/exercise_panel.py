"""The exercise panel of a lesson page: a question from ``gradcore.exercises`` and its answer box.

A link with ``?ex=<id>`` (and ``exseed=<int>`` for other numbers) opens the exercise on its
page: :func:`show` (called by ``ui.lessons.page_frame`` before the page body) draws the prompt,
an answer box (widget key ``answer``) in a form with a Check button, "New numbers", "Show the
answer" and "Close", and the feedback of the last check. :func:`footer` (after the body) lists
the page's exercises, marking those answered correctly in this session.

Predict, then reveal: while an exercise is open and neither answered correctly nor given up,
:func:`revealed` is False and the page shows :func:`hidden` in place of the numbers that
would give the answer away. Without an exercise it is always True.

Everything a student did lives in ``st.session_state`` (nothing is stored on the server), and
every question and answer goes through ``gradcore.exercises`` (``Task.check`` parses the text
with ``gradcore.answers``; nothing here evaluates it).
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable

import streamlit as st

from gradcore.exercises import (
    DEFAULT_SEED,
    EXERCISE_PARAM,
    MAX_SEED,
    SEED_PARAM,
    Exercise,
    Feedback,
    Task,
    for_page,
    get_exercise,
    parse_seed,
)
from ui.state import forget
from ui.text import inert

ANSWER_KEY = "answer"
CHECK_KEY = "ex_check"
NEW_KEY = "ex_new"
SHOW_KEY = "ex_show"
CLOSE_KEY = "ex_close"
OPEN_PREFIX = "ex_open_"
HIDDEN_TEXT = "Answer the exercise above to see {what}."
MAX_ANSWER_CHARS = 200
LABEL_CHARS = 110

_ACTIVE = "_exercise_active"      # (id, seed) open in this run, or None
_DONE = "_exercise_done"          # {(id, seed)}: answered correctly or given up: revealed
_SOLVED = "_exercise_solved"      # {id}: answered correctly in this session (any seed)
_FEEDBACK = "_exercise_feedback"  # ((id, seed), Feedback) of the last check
_OPENED = "_exercise_opened"      # {page: (id, seed)}: whose link the page's widgets follow
_LOGGER = logging.getLogger("gradlab")


# -- what the address asks for ----------------------------------------------------------------

def requested_task(page: str) -> tuple[Task | None, list[str]]:
    """The task the address opens on `page` (None without ``ex``) and notes on what was wrong.

    An unknown id or another page's exercise opens nothing; an unusable seed falls back to the
    default numbers. Bad parameters are removed from the address, so the share link is clean.
    """
    raw_id = st.query_params.get(EXERCISE_PARAM)
    if raw_id is None:
        return None, []
    exercise = get_exercise(raw_id)
    if exercise is None:
        del st.query_params[EXERCISE_PARAM]
        st.query_params.pop(SEED_PARAM, None)
        return None, [f"There is no exercise called “{inert(raw_id[:40])}”: choose one from "
                      "**Exercises** at the bottom of this page."]
    if exercise.page != page:
        del st.query_params[EXERCISE_PARAM]
        st.query_params.pop(SEED_PARAM, None)
        return None, [f"The exercise “{inert(raw_id)}” belongs to another lesson "
                      f"(/{inert(exercise.page)}); open it there."]
    notes = []
    raw_seed = st.query_params.get(SEED_PARAM)
    seed = DEFAULT_SEED if raw_seed is None else parse_seed(raw_seed)
    if seed is None:
        notes.append(f"exseed={inert(raw_seed[:40])} in the link is not usable (a whole number "
                     f"from 0 to {MAX_SEED}); showing the exercise with its default numbers.")
        del st.query_params[SEED_PARAM]
        seed = DEFAULT_SEED
    return exercise.instance(seed), notes


def _follow_link(page: str, task: Task | None) -> None:
    """When a task is newly opened on `page`, the address sets the page up, as a fresh visit.

    The page's URL-bound widgets forget their kept values (``ui.state.forget``), so they read
    the address (``Task.query()``: the exercise and its link) on their next appearance. A
    parameter missing from the address means its default, as for any link: the page leaves
    out defaults when it writes the address, so filling in the exercise's value would make a
    shared link show something else than its sender saw.
    """
    opened = st.session_state.setdefault(_OPENED, {})
    key = None if task is None else (task.exercise_id, task.seed)
    if opened.get(page) == key:
        return
    opened[page] = key
    if task is not None:
        forget(page)


# -- callbacks: they change the address before the next run ----------------------------------

def _guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """A button callback runs before the page, outside ``page_frame``'s guard: a failure is
    logged and leaves the address as it was, instead of reaching the student."""
    @functools.wraps(callback)
    def run(*args) -> None:
        try:
            callback(*args)
        except Exception:
            _LOGGER.exception("Exercise button %s failed", callback.__name__)
    return run


def _replace_address(task: Task) -> None:
    """Replace the address with `task`'s link (the page's other settings go back to defaults)."""
    st.query_params.clear()
    st.query_params.update(task.query())
    st.session_state[ANSWER_KEY] = ""


@_guarded
def _open(task: Task) -> None:
    _replace_address(task)


@_guarded
def _new_numbers(exercise_id: str, seed: int) -> None:
    exercise = get_exercise(exercise_id)
    if exercise is not None:
        _replace_address(exercise.instance(next_seed(exercise, seed)))


@_guarded
def _close() -> None:
    st.query_params.pop(EXERCISE_PARAM, None)
    st.query_params.pop(SEED_PARAM, None)


def next_seed(exercise: Exercise, seed: int) -> int:
    """A seed after `seed` whose prompt differs (same sequence for everyone: links repeat)."""
    rng = random.Random(f"{exercise.id}:{seed}:next")
    current = exercise.instance(seed).prompt
    candidate = seed
    for _ in range(50):
        candidate = rng.randint(1, MAX_SEED)
        if exercise.instance(candidate).prompt != current:
            break
    return candidate


# -- the panel ---------------------------------------------------------------------------------

def show(page: str) -> None:
    """The exercise the address opens on `page`, if any (call before the page's body)."""
    task, notes = requested_task(page)
    _follow_link(page, task)
    state = st.session_state
    state[_ACTIVE] = None if task is None else (task.exercise_id, task.seed)
    for note in notes:
        st.info(note, icon=":material/info:")
    if task is None:
        return
    key = (task.exercise_id, task.seed)
    done, solved = state.setdefault(_DONE, set()), state.setdefault(_SOLVED, set())
    with st.container(border=True, key="exercise_panel"):
        st.markdown("**Exercise** · predict first, then check your answer")
        st.markdown(inert(task.prompt))
        with st.form("exercise_form", border=False, enter_to_submit=True):
            answer = st.text_input("Your answer", key=ANSWER_KEY, max_chars=MAX_ANSWER_CHARS)
            submitted = st.form_submit_button("Check", key=CHECK_KEY, type="primary")
        if submitted:
            feedback = task.check(answer)
            state[_FEEDBACK] = (key, feedback)
            if feedback.correct:
                done.add(key)
                solved.add(task.exercise_id)
        exercise = get_exercise(task.exercise_id)
        buttons = st.columns(3)
        if exercise.seeded:
            buttons[0].button("New numbers", key=NEW_KEY, icon=":material/casino:",
                              on_click=_new_numbers, args=(task.exercise_id, task.seed),
                              help="The same question with other numbers (a new link).")
        if key not in done and buttons[1].button("Show the answer", key=SHOW_KEY,
                                                 icon=":material/visibility:"):
            done.add(key)
            state[_FEEDBACK] = (key, None)
        buttons[2].button("Close the exercise", key=CLOSE_KEY, icon=":material/close:",
                          on_click=_close)
        _feedback(task, state.get(_FEEDBACK))


def close_after_failure() -> None:
    """After :func:`show` failed: no exercise open, nothing hidden, no ``ex`` in the address."""
    st.session_state[_ACTIVE] = None
    _close()


def _feedback(task: Task, last: tuple[tuple[str, int], Feedback | None] | None) -> None:
    """The verdict of the last check of this task, or the answer after "Show the answer"."""
    if last is None or last[0] != (task.exercise_id, task.seed):
        return
    feedback = last[1]
    if feedback is None:
        st.info(f"The answer: **{inert(task.solution)}**. The page below now shows the numbers.")
    elif feedback.correct:
        st.success(inert(feedback.message), icon=":material/check_circle:")
    else:
        st.warning(inert(feedback.message), icon=":material/lightbulb:")


def revealed() -> bool:
    """False while an exercise is open and neither answered correctly nor given up."""
    active = st.session_state.get(_ACTIVE)
    return active is None or active in st.session_state.get(_DONE, set())


def hidden(what: str, where=None) -> None:
    """Say what is hidden until the exercise is answered (in `where`, default the page)."""
    (st if where is None else where).caption(HIDDEN_TEXT.format(what=what))


def solved_ids() -> set[str]:
    """The ids of the exercises answered correctly in this session."""
    return set(st.session_state.get(_SOLVED, set()))


def _label(prompt: str) -> str:
    if len(prompt) <= LABEL_CHARS:
        return prompt
    return prompt[:LABEL_CHARS].rsplit(" ", 1)[0] + " …"


def footer(page: str) -> None:
    """The page's exercises (each opens its link), with this session's progress."""
    exercises = for_page(page)
    if not exercises:
        return
    solved = solved_ids()
    count = sum(exercise.id in solved for exercise in exercises)
    with st.expander(f"Exercises: {count} of {len(exercises)} answered",
                     icon=":material/edit_note:"):
        st.caption("Each opens with the page set up for it. Answers are checked here and "
                   "remembered only in this browser tab.")
        for exercise in exercises:
            done = exercise.id in solved
            st.button(inert(_label(exercise.prompt)), key=OPEN_PREFIX + exercise.id,
                      type="tertiary", on_click=_open, args=(exercise.instance(),),
                      icon=":material/check_circle:" if done else ":material/edit:",
                      help="Answered correctly" if done else "Not answered yet")
