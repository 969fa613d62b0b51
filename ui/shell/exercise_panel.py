"""The exercise panel of a lesson page: a question from ``gradcore.exercises.catalogue`` and its answer box.

A link with ``?ex=<id>`` (and ``exseed=<int>`` for other numbers) opens the exercise on its
page: :func:`show` (called by ``ui.shell.lessons.page_frame`` before the page body) draws the prompt,
an answer box (widget key ``answer``) in a form with a Check button, "New numbers", "Show the
answer" and "Close", and the feedback of the last check. :func:`footer` (after the body) lists
the page's exercises, marking those answered correctly in this session.

Predict, then reveal: while an exercise is open and neither answered correctly nor given up,
:func:`revealed` is False and the page shows :func:`hidden` in place of the numbers that
would give the answer away. Without an exercise it is True, unless a teacher's lesson link
holds the answers back: then it is False until the student presses Reveal.

In a lesson (``ui.shell.teacher``): the lesson's exercise opens when the address names none; every
button keeps the lesson's parameter in the address (New numbers, Show the answer, Check and
opening another exercise replace only the view; Close of the lesson's exercise writes
``ex=`` so the lesson's exercise stays closed); New numbers is offered only where the teacher
did not fix the numbers.

The answer always matches the page: the verdict of a check is drawn at the end of the run
(:func:`settle`, called by ``ui.shell.lessons`` after the page's body), once the page's controls have
their values. When a setting the exercise depends on (its link, ``Exercise.depends``) shows
another value, the exercise is closed with a note that says which and how to get it back;
"Right" is never drawn beside numbers that contradict it.

Everything a student did lives in ``st.session_state`` (nothing is stored on the server), and
every question and answer goes through ``gradcore.exercises.catalogue`` (``Task.check`` parses the text
with ``gradcore.exercises.answers``; nothing here evaluates it).
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable

import streamlit as st

from gradcore.exercises.catalogue import (
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
from ui.shell import class_mode, teacher
from ui.shell.address import flush_address, replace_params, set_params
from ui.shell.exercise_setup import differs, lesson_clash, setup_of
from ui.shell.state import CURRENT_LINK, forget
from ui.shell.text import inert

ANSWER_KEY = "answer"
CHECK_KEY = "ex_check"
NEW_KEY = "ex_new"
SHOW_KEY = "ex_show"
CLOSE_KEY = "ex_close"
OPEN_PREFIX = "ex_open_"
EXERCISES_PANEL = "exercises_panel"
HIDDEN_TEXT = "Answer the exercise above to see {what}."
HELD_TEXT = "Press Reveal the answers above to see {what}."
REVEAL_KEY = "ex_reveal"
# What an exercise's link never replaces: the teacher's lesson and a class code (DESIGN.md
# "Class mode": kept on every lesson page of that class).
KEPT_PARAMS = (*teacher.LESSON_PARAMS, "class")
MAX_ANSWER_CHARS = 200
LABEL_CHARS = 110

_ACTIVE = "_exercise_active"      # (id, seed) open in this run, or None
_DONE = "_exercise_done"          # {(id, seed)}: answered correctly or given up: revealed
_SOLVED = "_exercise_solved"      # {id}: answered correctly in this session (any seed)
_FEEDBACK = "_exercise_feedback"  # ((id, seed), Feedback) of the last check
_TEACHER_REVEALED = "_exercise_teacher_revealed"  # (id, seed) a class teacher revealed
_ANSWERED = "_exercise_answered"  # {(id, seed)}: checked at least once (a class reveal needs it)
_OPENED = "_exercise_opened"      # {page: (id, seed)}: whose link the page's widgets follow
_HELD = "_exercise_held"          # True while a lesson holds the answers back (no exercise)
_REVEALED = "_lesson_revealed"    # {lesson token}: the student pressed Reveal
_SLOTS = "_exercise_slots"        # this run's panel: (page, task, panel slot, verdict slot)
_CLOSED = "_exercise_closed"      # (page, note, runs shown): why the last one was closed
CLOSED_NOTE_RUNS = 2              # the note stays for the page's next interaction, then goes
_LOGGER = logging.getLogger("gradlab")


# -- what the address asks for ----------------------------------------------------------------

def requested_task(page: str, lesson: teacher.LessonSettings | None = None
                   ) -> tuple[Task | None, list[str]]:
    """The task the address opens on `page` (None without ``ex``) and notes on what was wrong.

    Without ``ex`` a lesson's exercise opens; ``ex=`` (empty) is a closed one. An unknown id
    or another page's exercise opens nothing; an unusable seed falls back to the default
    numbers; a lesson that fixed the exercise's numbers wins over ``exseed``. Bad parameters
    are removed from the address, so the share link is clean.
    """
    lesson = lesson or teacher.LessonSettings()
    raw_id = st.query_params.get(EXERCISE_PARAM)
    if raw_id is None:
        raw_id = lesson.exercise
    if not raw_id:
        if raw_id == "" and not lesson.exercise:
            set_params({EXERCISE_PARAM: None})
        return None, []
    exercise = get_exercise(raw_id)
    if exercise is None:
        set_params({EXERCISE_PARAM: None, SEED_PARAM: None})
        return None, [f"There is no exercise called “{inert(raw_id[:40])}”: choose one from "
                      "**Exercises** at the bottom of this page."]
    if exercise.page != page:
        set_params({EXERCISE_PARAM: None, SEED_PARAM: None})
        return None, [f"The exercise “{inert(raw_id)}” belongs to another lesson "
                      f"(/{inert(exercise.page)}); open it there."]
    notes = []
    if exercise.id == lesson.exercise and lesson.seed is not None:
        return exercise.instance(lesson.seed), notes
    raw_seed = st.query_params.get(SEED_PARAM)
    seed = DEFAULT_SEED if raw_seed is None else parse_seed(raw_seed)
    if seed is None:
        notes.append(f"exseed={inert(raw_seed[:40])} in the link is not usable (a whole number "
                     f"from 0 to {MAX_SEED}); showing the exercise with its default numbers.")
        set_params({SEED_PARAM: None})
        seed = DEFAULT_SEED
    return exercise.instance(seed), notes


def numbers_fixed(task: Task, lesson: teacher.LessonSettings) -> bool:
    """True when the lesson fixed this exercise's numbers (no New numbers then)."""
    return task.exercise_id == lesson.exercise and lesson.seed is not None


def _follow_link(page: str, task: Task | None) -> None:
    """When a task is newly opened on `page`, the address sets the page up, as a fresh visit.

    The page's URL-bound widgets forget their kept values (``ui.shell.state.forget``), so they read
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
        # The exercise sets the page up: its link's values replace what the address holds (a
        # hand-made ``?ex=subgradient-abs&g=0.3`` still asks about the exercise's own g).
        set_params({name: [value] for name, value in task.link.items()})
        st.session_state.pop(_CLOSED, None)
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
    """Replace the address with `task`'s link: the page's other settings go back to their
    defaults (the answer assumes them), a teacher's lesson parameters stay."""
    kept = {key: st.query_params.get_all(key) for key in KEPT_PARAMS
            if st.query_params.get_all(key)}
    replace_params({**kept, **{key: [value] for key, value in task.query().items()}})
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
def _close(page: str) -> None:
    _close_now(page)


def _close_now(page: str | None) -> None:
    """Close the open exercise; `page`'s lesson exercise stays closed through ``ex=``."""
    closed = [""] if page and teacher.lesson_settings(page).exercise else None
    set_params({EXERCISE_PARAM: closed, SEED_PARAM: None})


@_guarded
def _reveal(token: str) -> None:
    st.session_state.setdefault(_REVEALED, set()).add(token)


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
    """The exercise the address opens on `page`, if any (call before the page's body); its
    verdict is drawn by :func:`settle` after the body."""
    state = st.session_state
    state.pop(CURRENT_LINK, None)
    state.pop(_SLOTS, None)
    lesson = teacher.lesson_settings(page)
    task, notes = requested_task(page, lesson)
    _follow_link(page, task)
    state[_ACTIVE] = None if task is None else (task.exercise_id, task.seed)
    state[_HELD] = bool(lesson.hold and lesson.token not in state.get(_REVEALED, set()))
    for note in notes:
        st.info(note, icon=":material/info:")
    if task is None:
        closed = state.get(_CLOSED)
        if closed and closed[0] == page and closed[2] < CLOSED_NOTE_RUNS:
            st.info(closed[1], icon=":material/info:")
            state[_CLOSED] = (page, closed[1], closed[2] + 1)
        if state[_HELD] and lesson.token:
            with st.container(border=True, key="reveal_panel"):
                st.markdown("**Work it out first.** Your teacher holds this page's answers back: "
                            "the numbers, the check and the chart sentences appear when you "
                            "press Reveal.")
                st.button("Reveal the answers", key=REVEAL_KEY, icon=":material/visibility:",
                          on_click=_reveal, args=(lesson.token,))
        return
    key = (task.exercise_id, task.seed)
    done, solved = state.setdefault(_DONE, set()), state.setdefault(_SOLVED, set())
    slot = st.empty()
    with slot.container(border=True, key="exercise_panel"):
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
            state.setdefault(_ANSWERED, set()).add(key)
            not_shared = class_mode.share_answer(
                task.exercise_id, answer, feedback.correct,
                None if feedback.correct else class_mode.mistake_kind(feedback.message))
            if not_shared:
                st.caption(inert(not_shared))
        if key in state.get(_ANSWERED, set()) and key not in done \
                and class_mode.current_code() is not None:
            _await_reveal(task, key)
        if state.get(_TEACHER_REVEALED) == key:
            st.info(f"Your teacher revealed the answer: **{inert(task.solution)}**. Discuss it "
                    "with the class; the page below now shows the numbers.",
                    icon=":material/campaign:")
        exercise = get_exercise(task.exercise_id)
        buttons = st.columns(3)
        if exercise.seeded and not numbers_fixed(task, lesson):
            buttons[0].button("New numbers", key=NEW_KEY, icon=":material/casino:",
                              on_click=_new_numbers, args=(task.exercise_id, task.seed),
                              help="The same question with other numbers (a new link).")
        if key not in done and buttons[1].button("Show the answer", key=SHOW_KEY,
                                                 icon=":material/visibility:"):
            done.add(key)
            state[_FEEDBACK] = (key, None)
        buttons[2].button("Close the exercise", key=CLOSE_KEY, icon=":material/close:",
                          on_click=_close, args=(page,))
        verdict = st.empty()
    state[_SLOTS] = (page, task, slot, verdict)


@st.fragment(run_every=class_mode.REVEAL_POLL_S)
def _await_reveal(task: Task, key: tuple[str, int]) -> None:
    """A student in a class who answered: every few seconds, has the teacher revealed this
    exercise? Then the whole page runs again with the answer and the numbers. Only this small
    part reruns meanwhile (one database read)."""
    state = st.session_state
    if key in state.get(_DONE, set()) or not class_mode.teacher_revealed(task.exercise_id):
        return
    state.setdefault(_DONE, set()).add(key)
    state[_FEEDBACK] = (key, None)
    state[_TEACHER_REVEALED] = key
    st.rerun(scope="app")


def settle(page: str) -> None:
    """After the page's body: the verdict of the last check, or, when the page no longer shows
    the set-up the exercise asks about, the exercise closed with a note (call once per run)."""
    state = st.session_state
    slots, link = state.pop(_SLOTS, None), state.get(CURRENT_LINK)
    if slots is None or slots[0] != page:
        return
    _, task, slot, verdict = slots
    changed = differs(link, setup_of(task)) if link is not None and link.page == page else []
    if not changed:
        with verdict.container():
            _feedback(task, state.get(_FEEDBACK))
        return
    label, wanted, current = changed[0]
    note = (f"The exercise was closed because the page no longer shows its set-up "
            f"({inert(label)} is {inert(current)}; the exercise asks about {inert(wanted)}): "
            "open it again from Exercises below, which sets the page up for it.")
    state[_CLOSED] = (page, note, 0)
    state[_ACTIVE] = None
    state.get(_OPENED, {}).pop(page, None)
    _close_now(page)
    slot.info(note, icon=":material/info:")
    # The page's body ran with the exercise open (its answers hidden): run it again without,
    # so the numbers appear beside the note at once (the note is shown by :func:`show`). The
    # address goes first: a rerun starts from the address the browser was last sent.
    flush_address()
    st.rerun()


def close_after_failure(page: str | None = None) -> None:
    """After :func:`show` failed: no exercise open, nothing hidden, no ``ex`` in the address."""
    st.session_state[_ACTIVE] = None
    st.session_state.pop(_SLOTS, None)
    _close_now(page)


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


def exercise_open() -> bool:
    """True while an exercise is open on this page (whatever its state)."""
    return st.session_state.get(_ACTIVE) is not None


def revealed() -> bool:
    """False while an exercise is open and neither answered correctly nor given up, or while
    a lesson holds the answers back and the student has not pressed Reveal."""
    active = st.session_state.get(_ACTIVE)
    if active is None:
        return not st.session_state.get(_HELD, False)
    return active in st.session_state.get(_DONE, set())


def hidden(what: str, where=None) -> None:
    """Say what is hidden until the exercise is answered (in `where`, default the page)."""
    text = HIDDEN_TEXT if st.session_state.get(_ACTIVE) is not None else HELD_TEXT
    (st if where is None else where).caption(text.format(what=what))


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
    lesson = teacher.lesson_settings(page)
    count = sum(exercise.id in solved for exercise in exercises)
    # Lazy, like the share box: the exercises (each set up for its link) are made only while
    # the list is open.
    box = st.expander(f"Exercises: {count} of {len(exercises)} answered",
                      icon=":material/edit_note:", key=EXERCISES_PANEL, on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("Each opens with the page set up for it. Answers are checked here and "
                   "remembered only in this browser tab.")
        link = st.session_state.get(CURRENT_LINK)
        for exercise in exercises:
            done = exercise.id in solved
            task = exercise.instance(lesson.seed if exercise.id == lesson.exercise
                                     and lesson.seed is not None else DEFAULT_SEED)
            clash = lesson_clash(link, lesson, task)
            st.button(inert(_label(exercise.prompt)), key=OPEN_PREFIX + exercise.id,
                      type="tertiary", on_click=_open, args=(task,), disabled=bool(clash),
                      icon=":material/check_circle:" if done else ":material/edit:",
                      help=clash or ("Answered correctly" if done else "Not answered yet"))
