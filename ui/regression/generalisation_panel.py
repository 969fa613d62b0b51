"""The regression page's generalisation controls and notes: the train/test split, the
polynomial degree, the test loss beside the training fit's numbers, and the fitted-curve chart
(the builders are ``ui.regression.generalisation``, without Streamlit)."""

from __future__ import annotations

import streamlit as st

from gradcore import MAX_DEGREE, MAX_TEST_FRACTION, loss_value
from gradcore.data.features import held_out_rows
from gradcore.number_text import fmt
from ui.regression.build import Problem, Run, reference_source
from ui.regression.generalisation import Shaping, curve_at, curve_text
from ui.shell.state import Link, inert

MAX_SPLIT_SEED = 9999
SPLIT_HELP = ("Rows held out for testing: gradient descent and the reference fit see only the "
              "rest; the loss chart draws the test loss beside the training loss. 0 = no split.")
DEGREE_HELP = (f"1 = the feature as it is. 2 … {MAX_DEGREE}: the columns z, z², …, z^degree of "
               "z = (x − mean) / sd (the training rows' mean and sd), then standardised like "
               "any feature. Only with exactly one feature chosen.")


def generalisation_controls(link: Link, features: tuple[str, ...], where=None) -> Shaping:
    """The split's fraction and seed and the polynomial degree (URL keys ``test``, ``tseed``,
    ``deg``; a value outside its range gets the default and a note, as every Link control).
    A degree above 1 with several features is ignored, with a note."""
    where = st if where is None else where
    box = where.expander("Generalisation: test rows and polynomial features",
                         expanded=bool({"test", "deg"} & set(st.query_params)))
    c1, c2 = box.columns(2)
    test = link.number("test", "Fraction held out for testing", 0.0, MAX_TEST_FRACTION, 0.0,
                       step=0.05, where=c1, help=SPLIT_HELP, format="%.2f")
    seed = link.number("tseed", "Split seed", 0, MAX_SPLIT_SEED, 0, integer=True, where=c2,
                       disabled=test == 0)
    degree = link.number("deg", "Polynomial degree", 1, MAX_DEGREE, 1, integer=True,
                         where=box, help=DEGREE_HELP)
    if degree > 1 and len(features) != 1:
        box.info(f"Polynomial features are made of exactly one feature; with {len(features)} "
                 "chosen the degree is left at 1.")
        degree = 1
    return Shaping(int(degree), float(test), int(seed))


def generalisation_summary(problem: Problem, run: Run, where=None) -> None:
    """What was fitted on which rows, and the test loss of GD's last iterate and of the
    reference (the comparison with the reference is the training fit's)."""
    where = st if where is None else where
    held = problem.held_out
    notes = []
    if problem.curve is not None:
        basis = problem.curve.basis
        notes.append(f"Polynomial of degree {basis.degree} in '{inert(basis.name)}': the "
                     f"columns {', '.join(problem.features)} of z = ({inert(basis.name)} − "
                     f"{fmt(basis.centre)}) / {fmt(basis.scale)} (the training rows' mean and "
                     "sd).")
    if held is not None:
        loss = run.settings.loss
        values = dict(run.settings.loss_key)
        last = run.test_loss[1][-1]
        penalised = run.settings.penalty != "none" and run.settings.alpha > 0
        reference = loss_value(held.X, held.y, *run.optimum.reference, loss, **values)
        notes.append(
            f"Fitted on {len(problem.y):,} training rows; {len(held.y):,} held out. Every "
            "number compared with the reference below is the training fit's. Test loss: "
            f"gradient descent's last step {fmt(last)}, {reference_source(run)}'s fit "
            f"{fmt(reference)} (training {'objective J = L + P' if penalised else 'loss'} "
            f"{fmt(run.trajectory.loss[-1])} and {fmt(run.optimum.loss)}).")
    if notes:
        where.caption(" ".join(notes))


def test_loss_note(problem: Problem, run: Run) -> str | None:
    """The loss chart's note on the dashed test-loss curve, when there is one."""
    if run.test_loss is None:
        return None
    steps, values = run.test_loss
    every = "every step" if steps.size == run.trajectory.loss.size else f"{steps.size} steps"
    held = problem.held_out.rows
    read = held_out_rows(held, run.settings.loss)
    rows = f"{held:,} held-out rows" if read == held else \
        f"{read:,} evenly spaced of the {held:,} held-out rows"
    return f"Dashed: the loss on the {rows} at {every} (at the last, {fmt(values[-1])})."


def curve_chart(titled, column, problem: Problem, run: Run, base, k: int) -> None:
    """The data and the fitted polynomial at step k (``titled`` is the page's chart frame)."""
    curve = problem.curve
    source = reference_source(run)
    reference = run.optimum.reference
    titled(column, f"Data, the curve at step k and {source}'s curve",
           curve_at(base, curve, run.coef, run.intercept, k), "fig_curve",
           "▶ Play replays the run in your browser from step 0; ❚❚ Pause stops it.",
           about=lambda table: curve_text(curve, problem.sample.y, run.coef[k],
                                          float(run.intercept[k]), reference, problem.target,
                                          k, table, source))
