"""The linear-regression lesson's page: data, settings, the run, the race and the stepper.

``render`` is the one entry point (``pages/linear-regression.py`` calls it inside its frame):
gradient descent on the chosen loss, step by step, checked against a reference fit."""


import streamlit as st

from gradcore import FIT_DEFAULTS, LOSS_TABLE, MAX_FEATURES, DataError
from gradcore.regression.descent import LEARNING_RATES
from gradcore.regression.optimizers import MOMENTUM
from ui.regression import cache as cache
from ui.regression import data_source, penalties
from ui.regression.curvature import curvature_panel
from ui.regression.data import columns_after_switch, reference_note
from ui.regression.engine import (
    ENGINE_BOX,
    ENGINE_KEY,
    bounded_steps,
    engine_settings,
    engine_summary,
    far_from_optimum,
    intro,
    rate_note,
    start_at_centre_button,
    stop_shown,
)
from ui.regression.export import data_download, script_download, trajectory_download
from ui.regression.generalisation_panel import generalisation_controls, generalisation_summary
from ui.regression.heavy_line import page_run
from ui.regression.race import race_panel
from ui.regression.tables import gd_units, glossary
from ui.regression.view import STEPPER_KEYS, learning_rate_note, stepper, titled
from ui.shell import exercise_panel
from ui.shell.lessons import stop_page
from ui.shell.state import Link, inert, share_box

MAX_STEPS = 100_000
DOWNLOADS_TITLE = "Downloads: trajectory, Python script, data"
DOWNLOADS_KEY = "downloads_panel"
START_LIMIT = 1e6


def rate_label(rate: float) -> str:
    """How a learning rate is written on the control and in the URL."""
    return f"{rate:g}"


def reset_columns_for_a_new_table(columns: list[str], target: str,
                                  features: tuple[str, ...]) -> None:
    """When the student switches to a table with other columns, set the target and feature
    boxes, before they exist, to what fits it (``columns_after_switch``: the same table with
    text columns encoded keeps the student's target; another table starts from its defaults).
    A teacher's link, the session's first run, is left alone."""
    seen = st.session_state.get("reg_columns")
    st.session_state["reg_columns"] = tuple(columns)
    if seen is not None and seen != tuple(columns):
        st.session_state["target"], chosen = columns_after_switch(
            seen, tuple(columns), st.session_state.get("target"),
            st.session_state.get("feats"), target, features)
        st.session_state["feats"] = list(chosen)


def render(lesson) -> None:
    """The whole page, in `lesson`'s frame (``ui.shell.lessons.page_frame``); its heavy turns
    go before those of pages opened after this run began (``heavy_line.page_run``)."""
    with page_run():
        _render(lesson)


def _render(lesson) -> None:
    st.title("Gradient descent for linear regression")
    # The chosen loss's introduction. The loss box comes further down, so the slot is filled
    # with the loss it will most likely show (this session's choice, else the link's) and
    # redrawn only if the box then says otherwise: a rerun neither flashes another loss's
    # formula nor leaves the slot empty for a moment.
    intro_slot = st.empty()
    expected = st.session_state.get("loss", st.query_params.get("loss"))
    shown_loss = expected if expected in LOSS_TABLE else "mse"

    shown_penalty = penalties.expected_penalty()

    def show_intro(loss: str, penalty: tuple[str, float]) -> None:
        with intro_slot.container():
            for kind, body in penalties.objective(*intro(loss), *penalty):
                getattr(st, kind)(body)

    show_intro(shown_loss, shown_penalty)

    def stop_early(note: str | None = None) -> None:
        share_box(link, note)
        stop_page(lesson)

    link = Link("linear-regression")

    rate_names = [rate_label(r) for r in LEARNING_RATES]

    data_col, settings_col = st.columns(2, gap="large")
    with data_col:
        st.header("1 · Data")
        data = data_source.pick_data(link)
    if data is None:
        stop_early()

    columns = [str(c) for c in data.frame.columns]
    with data_col:
        st.caption(f"Using {inert(data.label)}: {len(data.frame):,} rows." +
                   (f" Generated with {inert(data.truth)}." if data.truth else ""))
        if data.notes:
            st.info("\n".join(f"- {inert(note)}" for note in data.notes))
        reset_columns_for_a_new_table(columns, data.default_target, data.default_features)
        target = link.choice("target", "Target y", columns, data.default_target)
        options = [c for c in columns if c != target]
        defaults = [f for f in data.default_features if f in options] or options[:1]
        features = tuple(link.choices("feats", "Features x", options, defaults,
                                       max_selections=MAX_FEATURES))
        reference = reference_note(data.frame.attrs, features)
        if reference:
            st.caption(inert(reference))
        standardise = link.flag("std", "Standardise the features (z = (x − mean) / sd)", True)
        shaping = generalisation_controls(link, features)

    upload_note = ("The link carries the settings, not the file: whoever opens it must upload the "
                   "same file." if st.session_state.get("src") == "upload" else None)
    if not features:
        data_col.warning("Choose at least one feature.")
        stop_early(upload_note)

    try:
        problem = cache.spun(cache.prepare, data, target, features, standardise, shaping,
                             text="Preparing the data: statistics and the scikit-learn fit…")
    except DataError as error:
        data_col.error(inert(error))
        stop_early(upload_note)
    for warning in problem.warnings:
        data_col.warning(inert(warning))

    bound = problem.stats.max_stable_learning_rate
    reveal = exercise_panel.revealed()
    with settings_col:
        st.header("2 · Gradient descent")
        rate = float(link.choice("lr", "Learning rate η (log scale)", rate_names,
                                 rate_label(FIT_DEFAULTS["learning_rate"]),
                                 widget="select_slider"))
        rate_slot = st.empty()
        steps = link.number("steps", "Steps", 0, MAX_STEPS, FIT_DEFAULTS["steps"], step=50,
                            integer=True)
        c1, c2 = st.columns(2)
        w0 = link.number("w0", "start w0 (every weight)", -START_LIMIT, START_LIMIT,
                         FIT_DEFAULTS["w0"], where=c1)
        b0 = link.number("b0", "start b0", -START_LIMIT, START_LIMIT, FIT_DEFAULTS["b0"],
                         where=c2)
        # The loss, optimizer, penalty, race and schedule in a box built only while open
        # (closed, their values are kept and the line above it says what is in effect): a
        # dozen controls fewer on every load of the page.
        summary = st.empty()
        engines_box = st.expander(ENGINE_BOX, icon=":material/tune:", key=ENGINE_KEY,
                                  on_change="rerun")
        try:
            with link.folded(not engines_box.open), engines_box:
                chosen, rivals = engine_settings(link, len(problem.y), learning_rate=rate,
                                                 steps=int(steps), w0=float(w0), b0=float(b0))
            chosen, *rivals = bounded_steps((chosen, *rivals), len(problem.y),
                                            len(problem.features))
        except DataError as error:  # a row's own default outside its range
            st.error(inert(error))
            stop_early(upload_note)
        summary.caption(engine_summary(chosen, tuple(rivals)))
        start_at_centre_button(problem.y, chosen.loss, c2)
        chosen_penalty = penalties.of_settings(chosen)
        if (chosen.loss, chosen_penalty) != (shown_loss, shown_penalty):
            show_intro(chosen.loss, chosen_penalty)
        if reveal:
            rate_slot.markdown(rate_note(chosen, rate, bound) or learning_rate_note(
                rate, bound, problem.stats.condition_number, standardise))
        try:
            run = cache.spun(cache.descend, problem, chosen, text="Running gradient descent…")
        except DataError as error:
            st.error(inert(error))
            share_box(link, upload_note)
            stop_page(lesson)
        trajectory = run.trajectory
        if not reveal:
            exercise_panel.hidden("the stability verdict, the run's outcome and its steps")
        elif not stop_shown(run, len(problem.y)):
            if trajectory.stop_reason == "diverged":
                st.error(f"{trajectory.message} The plots show only those steps.")
            elif trajectory.stop_reason == "converged":
                st.success(trajectory.message)
            else:
                st.warning(trajectory.message)
        if reveal:
            far_from_optimum(run, problem.y, rate, float(b0))
        generalisation_summary(problem, run)
        downloads = st.expander(DOWNLOADS_TITLE, icon=":material/download:",
                                key=DOWNLOADS_KEY, on_change="rerun")
        if downloads.open:  # built only while open: three buttons fewer on every load
            with downloads:
                st.download_button(
                    f"Download the trajectory (CSV, {trajectory.steps_taken + 1:,} rows)",
                    data=trajectory_download(problem, run), file_name="trajectory.csv",
                    mime="text/csv", on_click="ignore", key="download",
                )
                script_download(problem, run, data.source)
                data_download(data.source, len(data.frame), len(data.frame.columns))
        glossary()

    if reveal:
        race_panel(problem, run, tuple(rivals), gd_units(problem), titled, link)
        curvature_panel(problem.stats, trajectory, rate, chosen.optimizer,
                        dict(chosen.hyper).get("momentum", MOMENTUM.default), standardise,
                        loss=chosen.loss, schedule=chosen.schedule, features=problem.features)
        penalties.path_panel(problem, chosen, gd_units(problem))
    st.divider()
    st.header("3 · Step through gradient descent")
    if reveal:
        stepper(problem, run, link, upload_note)
    else:
        exercise_panel.hidden("the steps: residuals, gradient and loss")
        link.keep(*STEPPER_KEYS)  # the exercise's link may open a tab for after the answer
        share_box(link, upload_note)
