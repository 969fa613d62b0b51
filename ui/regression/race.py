"""The race: the chosen optimizer and up to MAX_RIVALS more on the same data, loss, step size,
steps and start, in one loss chart and (one feature) one contour chart with every path."""

from __future__ import annotations

import streamlit as st

from gradcore import OPTIMIZER_TABLE, DataError, RunSettings
from ui.regression import race_figures
from ui.regression.build import Problem, Run, contour_note, race_window
from ui.regression.cache import race_grid, race_run
from ui.regression.penalties import race_zeros
from ui.shell.state import inert


def split_shared_ending(messages: list[str]) -> tuple[list[str], str]:
    """Each message without the sentences that end all of them, and those sentences once.

    The racers' stop messages often end with the same explanation (e.g. why the MAE's
    subgradient norm need not shrink); the race says it once instead of once per optimizer."""
    split = [[s for s in message.replace(". ", ".\n").split("\n") if s] for message in messages]
    shared: list[str] = []
    while len(messages) > 1 and all(len(s) > len(shared) + 1 for s in split) and \
            len({tuple(s[len(s) - len(shared) - 1:]) for s in split}) == 1:
        shared = split[0][len(split[0]) - len(shared) - 1:]
    heads = [" ".join(s[:len(s) - len(shared)]) for s in split]
    return heads, " ".join(shared)


def race_panel(problem: Problem, run: Run, rivals: tuple[RunSettings, ...], units: str,
               titled, link=None) -> None:
    """The chosen run and its rivals (same data, loss, step size, steps and start): the loss
    against the step for all, and for one feature their paths over the loss contours with the
    loss's reference optimum. `titled(column, title, figure, key, note, about=...)` draws a
    chart with its text alternative (``regression_view._titled``)."""
    if not rivals:
        return
    try:
        with st.spinner("Running the race…"):
            runs = [run, *(race_run(problem, rival) for rival in rivals)]
    except DataError as error:
        st.error(f"The race could not run: {inert(error)}")
        return
    names = [OPTIMIZER_TABLE[r.settings.optimizer].label for r in runs]
    st.header("Race: " + " vs ".join(names))
    st.caption("Each optimizer runs from the same start with the same loss, step size, "
               "schedule and settings; each keeps one colour, dash and marker in both charts.")
    losses = [r.trajectory.loss for r in runs]
    left, right = st.columns(2)
    log_y = link is not None and link.flag("racelog", "log-scale race loss axis", False,
                                           toggle=True, where=left)
    titled(left, "Loss against step, every optimizer", race_figures.race_loss_figure(
        losses, names, log_y), "fig_race_loss",
        about=lambda table: race_figures.race_loss_text(losses, names, table))
    heads, shared = split_shared_ending([r.trajectory.message for r in runs])
    left.caption("\n".join(f"- {name}: {head}" for name, head in zip(names, heads,
                                                                      strict=True)))
    if shared:
        left.caption(shared)
    zeros = race_zeros(runs, names)
    if zeros:
        left.caption(zeros)
    if len(problem.features) == 1:
        paths = [(r.trajectory.w[:, 0], r.trajectory.b) for r in runs]
        optimum = (float(run.optimum.reference_fit[0][0]), float(run.optimum.reference_fit[1]))
        w_grid, b_grid, grid = race_grid(problem, run.settings.loss, run.settings.loss_key,
                                         race_window(paths, optimum), run.settings.penalty,
                                         run.settings.alpha)
        titled(right, "Every path over the loss contours, and the optimum",
               race_figures.race_contour_figure(w_grid, b_grid, grid, paths, names, optimum,
                                                "reference optimum"), "fig_race_contour",
               f"In {units}, the units GD works in. "
               + (contour_note(problem, run.settings.loss) or ""),
               about=lambda table: race_figures.race_contour_text(paths, names, optimum, units,
                                                                   table))
