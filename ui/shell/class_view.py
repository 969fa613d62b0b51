"""The teacher's live view of a class (``pages/class.py``, ``/class?class=<code>&teacher=<key>``).

Refreshed every ``REFRESH_S`` seconds without a page reload (``st.fragment(run_every=...)``):
students joined; per exercise the students who answered, who got it right and who got it right
at the first try; a chart of the answers given (the ``TOP_ANSWERS`` most frequent normalised
answers, the rest grouped) with its numbers as a table; the mistakes by the exercise's own
feedback categories. "Reveal to the class" shows an exercise's answer to the students who
answered it; the answers download as an anonymous CSV; "End the class" deletes it. Student
text is shown inert: in plotly labels through :func:`ui.shell.text.plotly_inert`, in tables as cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from classroom import ClassError, StoreUnavailable, read_code
from gradcore.exercises.catalogue import get_exercise
from ui.shell import class_mode
from ui.shell.text import inert, plotly_inert

REFRESH_S = 2.0
TOP_ANSWERS = 8
OTHER = "(other answers)"
LABEL_CHARS = 40


def answer_counts(counter, top: int = TOP_ANSWERS) -> pd.DataFrame:
    """The `top` most frequent answers with their counts, then one row for all the others."""
    common = counter.most_common(top)
    rest = sum(counter.values()) - sum(count for _, count in common)
    rows = [(answer or "(empty)", count) for answer, count in common]
    if rest:
        rows.append((OTHER, rest))
    return pd.DataFrame(rows, columns=["answer", "times given"])


def answers_figure(table: pd.DataFrame) -> go.Figure:
    """Horizontal bars, most frequent on top; labels made inert and cut to LABEL_CHARS."""
    labels = [plotly_inert(text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…")
              for text in table["answer"]]
    figure = go.Figure(go.Bar(x=table["times given"], y=labels, orientation="h",
                              marker_color="#0072B2", hovertemplate="%{y}: %{x}<extra></extra>"))
    figure.update_layout(height=60 + 28 * len(labels), margin=dict(l=10, r=10, t=10, b=30),
                         yaxis=dict(autorange="reversed", type="category"),
                         xaxis=dict(title="times given", tickformat="d", rangemode="tozero",
                                    dtick=max(1, -(-int(table["times given"].max()) // 6))))
    return figure


def _title(exercise_id: str) -> str:
    exercise = get_exercise(exercise_id)
    if exercise is None:
        return inert(exercise_id)
    prompt = exercise.prompt if len(exercise.prompt) <= 90 else exercise.prompt[:89] + "…"
    return f"{inert(exercise_id)}: {inert(prompt)}"


def _exercise_block(code: str, key: str, exercise_id: str, summary, revealed: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{_title(exercise_id)}**")
        answered, right, first = st.columns(3)
        answered.metric("Answered", summary.answered)
        right.metric("Right", summary.correct)
        first.metric("Right at the first try", summary.first_try)
        table = answer_counts(summary.answers)
        if not table.empty:
            answer, times = table.iloc[0]["answer"], int(table.iloc[0]["times given"])
            st.plotly_chart(answers_figure(table), width="stretch", key=f"answers_{exercise_id}",
                            config={"displaylogo": False, "displayModeBar": False})
            st.caption(f"Answers given: {sum(summary.answers.values())}; the most frequent is "
                       f"“{inert(answer)}” ({times} time{'' if times == 1 else 's'}).")
            with st.expander("Numbers behind this chart"):
                st.dataframe(table, hide_index=True, width="stretch")
        if summary.mistakes:
            mistakes = pd.DataFrame(summary.mistakes.most_common(),
                                    columns=["mistake", "times"])
            st.markdown("Mistakes by kind")
            st.dataframe(mistakes, hide_index=True, width="stretch")
        label = "Hide the answer again" if revealed else "Reveal to the class"
        if st.button(label, key=f"reveal_{exercise_id}",
                     icon=":material/visibility_off:" if revealed else ":material/visibility:",
                     help="Students who answered this exercise see its answer and the check."):
            try:
                class_mode.store().reveal(code, key, exercise_id, revealed=not revealed)
            except (ClassError, StoreUnavailable) as problem:
                st.error(inert(problem))
            st.rerun(scope="fragment")


def _live(code: str, key: str) -> None:
    """The refreshed part of the view."""
    try:
        summary = class_mode.store().summary(code, key)
    except StoreUnavailable:
        st.error("The class database cannot be reached. This view tries again every "
                 f"{REFRESH_S:g} s; the answers already stored are kept.")
        return
    except ClassError as problem:
        st.error(inert(problem))
        return
    ends = dt.datetime.fromtimestamp(summary.expires_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    joined, ending = st.columns(2)
    joined.metric("Students joined", summary.students)
    ending.metric("The class ends", ends)
    lesson_exercise = summary.lesson.get("exercise") or summary.lesson.get("ex")
    order = [e for e in [lesson_exercise] if e] + sorted(
        e for e in summary.exercises if e != lesson_exercise)
    if not summary.exercises:
        st.info("No answers yet. Students who open the class link and check an answer "
                "appear here within a few seconds.")
    for exercise_id in order:
        if exercise_id in summary.exercises:
            _exercise_block(code, key, exercise_id, summary.exercises[exercise_id],
                            exercise_id in summary.revealed)


def _end_class(code: str, key: str) -> None:
    try:
        class_mode.store().end_class(code, key)
    except (ClassError, StoreUnavailable) as problem:
        st.session_state["_class_end_problem"] = str(problem)
        return
    st.session_state["_class_ended"] = code


def live_view() -> None:
    """The whole page: check the address, then the live part, the download and the end."""
    st.title("Class live view")
    if st.session_state.get("_class_ended"):
        st.success(f"Class {st.session_state['_class_ended']} has ended; its answers are "
                   "deleted.")
        return
    code = read_code(st.query_params.get(class_mode.CLASS_PARAM, ""))
    key = st.query_params.get(class_mode.TEACHER_PARAM, "")
    if code is None or not key:
        st.info("This page is the teacher's live view of a class. Start a class from the "
                "**For teachers** panel at the end of a lesson; the live-view link it gives "
                "opens here.")
        return
    st.caption(f"Class **{code}**: answers are anonymous; refreshed every {REFRESH_S:g} s.")
    st.fragment(run_every=REFRESH_S)(_live)(code, key)
    try:
        rows = class_mode.store().answers_table(code, key)
    except (ClassError, StoreUnavailable):
        return
    if rows:
        st.download_button("Download the answers (CSV, anonymous)",
                           pd.DataFrame(rows).to_csv(index=False).encode("utf-8"),
                           file_name=f"class-{code}-answers.csv", mime="text/csv",
                           icon=":material/download:")
    with st.expander("End the class"):
        st.caption("Ending the class deletes its answers for good; students then work on "
                   "their own. Download the answers first if you want to keep them.")
        sure = st.checkbox("Yes, delete this class and its answers", key="class_end_sure")
        st.button("End the class", key="class_end", disabled=not sure, type="primary",
                  on_click=_end_class, args=(code, key))
        problem = st.session_state.pop("_class_end_problem", None)
        if problem:
            st.error(inert(problem))
