"""The teacher panel: "For teachers: make a lesson link", at the end of every lesson.

The teacher sets the page up as students should see it, then writes a task, picks the controls
to hide or lock (every control drawn on this page: ``ui.shell.state.Link.labels``), an exercise, the
reveal switch and presentation mode. The link is :func:`ui.shell.teacher.lesson_query` of the view
the page shows (``Link.view``), so it is exactly what the teacher sees. The panel's own widgets
are not in the address. Choosing an exercise never silently changes the set-up: before the
link is built the panel says which settings the exercise will set, and to which values.
"""

from __future__ import annotations

import streamlit as st

from gradcore import SEED_PARAM, for_page
from gradcore.exercises.catalogue import DEFAULT_SEED, parse_seed
from ui.shell import class_mode, teacher
from ui.shell.text import inert

NO_EXERCISE = "(none)"
PROMPT_CHARS = 60


def _shown(link, key: str, raw: str) -> str:
    """How the page's control `key` shows the link value `raw` ("x²" for fn=square)."""
    try:
        value = link.parsers[key]([raw])
    except (KeyError, ValueError):
        return raw
    formatted = link.formats.get(key)
    return formatted(value) if formatted else raw


def exercise_changes(link, exercise_link: dict[str, str]) -> list[str]:
    """"label → value" for each setting the exercise's link sets to another value than the
    page shows now (settings this view does not draw count as changes too)."""
    view = link.view()
    changes = []
    for key, raw in exercise_link.items():
        if key in link.current:
            try:
                if link.parsers[key]([raw]) == link.current[key]:
                    continue
            except ValueError:
                pass
        elif view.get(key) == [raw]:
            continue
        changes.append(f"{link.labels.get(key, key)} → {_shown(link, key, raw)}")
    return changes


TEACHER_PANEL = "teacher_panel"


def panel(link) -> None:
    """The collapsed panel for `link`'s page (nothing in presentation mode)."""
    settings = link.lesson
    if settings.present:
        return
    controls = link.labels
    # Lazy, like the share box: its dozen controls are made only while a teacher has it open.
    box = st.expander("For teachers: make a lesson link", icon=":material/school:",
                      key=TEACHER_PANEL, on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("Set the page up as your students should see it, then add a task, choose "
                   "controls to hide (their values stay as set) or lock (shown, but cannot be "
                   "changed), and copy the link. The lesson part of the link is signed: editing "
                   "the address cannot unlock a control.")
        task = st.text_area("Task for the students (plain text)", max_chars=teacher.MAX_TASK_CHARS,
                            key="teacher_task", height=80)
        names = list(controls)

        def label(key: str) -> str:
            return f"{controls[key]} ({key})"

        hidden = st.multiselect("Hide these controls", names, key="teacher_hide",
                                format_func=label)
        locked = st.multiselect("Lock these controls", [n for n in names if n not in hidden],
                                key="teacher_lock", format_func=label)
        exercises = {exercise.id: exercise for exercise in for_page(link.page)}
        chosen = st.selectbox(
            "Open with this exercise", [NO_EXERCISE, *exercises], key="teacher_ex",
            format_func=lambda key: key if key == NO_EXERCISE else
            f"{key}: {exercises[key].prompt[:PROMPT_CHARS]}…")
        exercise = exercises.get(chosen)
        seed, hold = None, False
        if exercise is not None:
            own = parse_seed(st.query_params.get(SEED_PARAM, "")) \
                if st.query_params.get("ex") == exercise.id else None
            seed = DEFAULT_SEED if own is None else own
            task_link = exercise.instance(seed).link
            changes = exercise_changes(link, task_link)
            if changes:
                st.warning("This exercise sets: " + inert(", ".join(changes)) + ". The link "
                           "opens the page with these values, not the ones you set.",
                           icon=":material/tune:")
            else:
                st.caption("This exercise uses the page as you set it up.")
            free = exercise.seeded and not set(task_link) & {*hidden, *locked}
            if free and st.checkbox("Students may ask for new numbers", key="teacher_new",
                                    help="Off: every student gets these numbers."):
                seed = None
        else:
            hold = st.checkbox("Hold the answers back until the student presses Reveal",
                               key="teacher_hold",
                               help="The page's numbers, check panel and chart sentences stay "
                                    "hidden until the student presses Reveal.")
        present = st.checkbox("Presentation mode (larger text, no sidebar, for a projector)",
                              key="teacher_present")
        query = teacher.lesson_query(link.page, link.view(), task=task, hide=hidden,
                                     lock=locked, exercise=chosen if exercise else None,
                                     present=present, seed=seed, hold=hold)
        address = teacher.link_address(st.context.url or "", query)
        st.markdown("**The lesson link**")
        st.code(address, language=None, wrap_lines=True)
        st.link_button("Preview as a student", address, icon=":material/open_in_new:",
                       help="Opens the link in a new tab, as a student sees it.")
        _class_box(link.page, query, chosen if exercise else None)


def _class_box(page: str, query: dict[str, str], exercise_id: str | None) -> None:
    """"Start a class with this lesson": a class code, the student link with its QR code and
    the teacher's live view (``ui.shell.class_mode``)."""
    st.markdown("**Class mode**: see your students' answers live, anonymously.")
    hours = st.number_input("The class stays open for (hours)", 1.0, 168.0, 24.0, step=1.0,
                            format="%.0f", key="class_hours")
    if st.button("Start a class with this lesson", key="class_start", icon=":material/groups:"):
        lesson = dict(query) | ({"exercise": exercise_id} if exercise_id else {})
        class_mode.start_class(lesson, st.context.url or "", hours, query)
    class_mode.started_class_box()
