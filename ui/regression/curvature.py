"""The regression page's section "Curvature: why gradient descent zig-zags" (issue 28).

One call, :func:`curvature_panel`, with plain values: the run's statistics and trajectory and
its settings. A lazy expander (``on_change="rerun"``): closed, it costs one element; open, it
shows the eigenvalues of S (the MSE's Hessian is 2S) with each direction's convergence factor,
the run's error split along the eigen-directions against the decay the factors predict, Distill's
map of where momentum converges for this data, and (one feature) the loss surface in 3-D.

The analysis is of the MSE, whatever loss the run uses: it is the loss with one curvature
everywhere. The MAE has none (its Hessian is 0 wherever it exists, undefined at a kink), and
the Huber loss curves like rho = r^2 / 2, i.e. with Hessian S restricted to the rows inside
delta (at most half the MSE's). So for another loss the section shows the MSE's curvature and
map for this data, says so, and leaves out the run's error split and path, which would compare
that run with the wrong optimum.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from gradcore import (
    OPTIMIZER_TABLE,
    DataError,
    RegressionStatistics,
    Trajectory,
    best_momentum,
    convergence_factors,
    eigen_errors,
    factor_grid,
    flat_directions,
    predicted_errors,
    slowest_direction,
    steps_per_tenfold,
)
from gradcore.number_text import fmt
from gradcore.regression.optimizers import step_size
from ui.charts import alt_text
from ui.charts.cache import cached
from ui.regression import curvature_figures as figures
from ui.shell.text import inert

PANEL_KEY = "curvature_panel"
TITLE = "Curvature: why gradient descent zig-zags"
# Errors below this many machine epsilons of the parameters' size are rounding noise.
FLOOR_EPS = 64
NON_MSE_NOTE = {
    "mae": ("This analysis is of the MSE. The MAE has no curvature: its Hessian is 0 wherever "
            "it exists and undefined at a kink, so no step size has a factor per direction; "
            "shown here is the MSE's curvature for the same data."),
    "huber": ("This analysis is of the MSE. Inside δ the Huber loss is r²/2, so its Hessian "
              "is S restricted to the rows with |r| ≤ δ (at most half the MSE's 2S) and its "
              "factors are at most |1 − ηλᵢ|; beyond δ it is flat. Shown here is the MSE's "
              "curvature for the same data."),
}


def direction_words(vector: np.ndarray, features: tuple[str, ...]) -> str:
    """An eigenvector as a combination of the parameters, its (up to three) largest parts
    first, in plain text (pass it through ``inert`` for Markdown)."""
    names = ([f"w({f})" for f in features] if len(features) == len(vector) - 1
             else [f"w{j + 1}" for j in range(len(vector) - 1)])
    names.append("b")
    vector = vector * (1 if vector[np.argmax(np.abs(vector))] >= 0 else -1)  # q and -q alike
    order = np.argsort(-np.abs(vector))
    parts = [(vector[j], names[j]) for j in order[:3] if abs(vector[j]) >= 0.1]
    text = " ".join(f"{'−' if c < 0 else '+'} {fmt(abs(c))}·{name}" for c, name in parts)
    return text.removeprefix("+ ")


def _show(where, title: str, figure, key: str, text: alt_text.ChartText,
          note: str = "") -> None:
    where.markdown(f"**{title}**")
    where.plotly_chart(figure, width="stretch", key=key, alt=text.alt, config=alt_text.CONFIG)
    if note:
        where.caption(note)
    alt_text.show(where, text)


def _predicted(start: np.ndarray, lam: np.ndarray, learning_rate: float, optimizer: str,
               momentum: float, schedule: str, steps: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The predicted |z_k| at the drawn steps and its legend label, or None with why not."""
    if optimizer in ("gd", "sgd"):
        label = "predicted" if optimizer == "gd" else "full-batch GD's rate"
        if schedule == "constant":
            factors = convergence_factors(lam, learning_rate)
            return predicted_errors(start, factors, int(steps[-1]))[steps], label
        etas = step_size(learning_rate, schedule, np.arange(1, int(steps[-1]) + 1))
        with np.errstate(divide="ignore"):
            logs = np.log(np.abs(1 - 2 * etas[:, None] * lam[None, :]))
        cumulative = np.vstack([np.zeros(lam.size), np.cumsum(logs, axis=0)])
        return np.abs(start) * np.exp(cumulative[steps]), label
    if optimizer in ("momentum", "nesterov") and schedule == "constant":
        factors = convergence_factors(lam, learning_rate, optimizer, momentum)
        return predicted_errors(start, factors, int(steps[-1]))[steps], "rate ρᵢᵏ"
    return None, ""


def _error_section(stats: RegressionStatistics, trajectory: Trajectory, learning_rate: float,
                   optimizer: str, momentum: float, schedule: str, factors: np.ndarray,
                   slowest: int, flat: np.ndarray) -> None:
    _show(st, *cached(_error_parts, stats, trajectory, learning_rate, optimizer, momentum,
                      schedule, factors, slowest, flat))


def _error_parts(stats: RegressionStatistics, trajectory: Trajectory, learning_rate: float,
                 optimizer: str, momentum: float, schedule: str, factors: np.ndarray,
                 slowest: int, flat: np.ndarray) -> tuple:
    """(title, figure, key, text, note) of the error chart: a pure function of its values, so
    ``ui.charts.cache.cached`` keeps it (a rerun with the box open redraws nothing new)."""
    steps = figures.thinned(len(trajectory.b))
    z = eigen_errors(stats.eigenvectors, stats.w_opt, stats.b_opt, trajectory.w[steps],
                     trajectory.b[steps])
    lam = stats.eigenvalues
    scale = max(float(np.abs(np.append(stats.w_opt, stats.b_opt)).max()),
                float(np.abs(z[0]).max()), 1e-300)
    floor = FLOOR_EPS * np.finfo(float).eps * scale
    predicted, label = _predicted(z[0], lam, learning_rate, optimizer, momentum, schedule, steps)
    directions = figures.drawn_directions(factors, flat, slowest)
    note = ("Solid: the run's error θₖ − θ* along each eigenvector qᵢ of S; dotted: where "
            "the factor per step says it should be. ")
    if optimizer == "gd" and schedule == "constant":
        note += "For gradient descent the two coincide: the decay is exactly |1 − 2ηλᵢ|ᵏ. "
    if optimizer in ("momentum", "nesterov"):
        note += ("With momentum the error follows the rate ρᵢᵏ up to a constant and an "
                 "oscillation (complex roots swing it back and forth). ")
    elif optimizer == "sgd":
        note += ("Mini-batch SGD's mean error follows full-batch GD's factors; its noise "
                 "does not. ")
    if optimizer == "adam":
        note += ("Adam rescales each coordinate by its running gradient size, so its step is "
                 "not one fixed linear map: no prediction is drawn. ")
    elif predicted is None:
        note += (f"With the schedule {inert(schedule)} momentum's map changes at every step: "
                 "no single rate is drawn. ")
    if len(directions) < int((~flat).sum()):
        note += f"{len(directions)} of {int((~flat).sum())} directions drawn (the extremes). "
    if flat.any():
        note += (f"{int(flat.sum())} flat direction(s) (λ = 0) not drawn: the loss does not "
                 "change along them, so no step moves them and every value there is optimal. ")
    note += f"Errors below {fmt(floor)} are rounding noise and not drawn."
    text = figures.error_text(steps, z, predicted, factors, lam, directions, slowest, floor)
    return ("The run's error along each eigen-direction (log scale)",
            figures.error_figure(steps, z, predicted, lam, directions, floor, label or
                                 "predicted"), "fig_curv_error", text, note)


def _map_section(where, stats: RegressionStatistics, learning_rate: float, optimizer: str,
                 momentum: float) -> None:
    _show(where, *cached(_map_parts, stats, learning_rate, optimizer, momentum))


def _map_parts(stats: RegressionStatistics, learning_rate: float, optimizer: str,
               momentum: float) -> tuple:
    """(title, figure, key, text, note) of the momentum map (pure, kept by ``cached``)."""
    method, kind = "heavy-ball momentum", "momentum"
    lam = stats.eigenvalues
    best = best_momentum(lam)  # DataError if no direction is curved
    curved = lam[~flat_directions(lam)]
    kappa = float(curved.max() / curved.min())  # the flat directions never move: left out
    chosen_mu = momentum if optimizer in ("momentum", "nesterov") else 0.0
    rates, momenta = figures.map_axes(float(lam[-1]), learning_rate)
    grid = factor_grid(lam, rates, momenta, kind)
    best_factor = float(factor_grid(lam, [best.learning_rate], [best.momentum], kind)[0, 0])
    best_factor = best_factor if best_factor > 1e-12 else 0.0  # kappa = 1: one step, rounding
    chosen_factor = float(factor_grid(lam, [learning_rate], [chosen_mu], kind)[0, 0])
    label = ("your (η, μ)" if optimizer in ("momentum", "nesterov") else "your η (μ = 0: GD)")
    text = figures.momentum_map_text(rates, momenta, grid, (learning_rate, chosen_mu),
                                     chosen_factor, (best.learning_rate, best.momentum),
                                     best_factor, float(lam[-1]), kappa, method)
    note = (f"Polyak's best heavy ball for κ = {fmt(kappa)}: η = "
            f"2/(√λmin + √λmax)² = {fmt(best.learning_rate)}, μ = ((√κ − 1)/(√κ + 1))² = "
            f"{fmt(best.momentum)}, factor (√κ − 1)/(√κ + 1) = {fmt(best.factor)}: √κ where "
            "GD has κ.")
    if optimizer == "nesterov":
        note += " This is heavy ball's map; Nesterov's own factors differ a little."
    elif optimizer != "momentum":
        note = f"What momentum would do on this data. {note}"
    return (f"Where {method} converges: steps to shrink the error 10×",
            figures.momentum_map_figure(rates, momenta, grid, (learning_rate, chosen_mu),
                                        (best.learning_rate, best.momentum), label),
            "fig_curv_map", text, note)


def _surface_section(where, stats: RegressionStatistics, trajectory: Trajectory,
                     standardised: bool) -> None:
    _show(where, *cached(_surface_parts, stats, trajectory, standardised))


def _surface_parts(stats: RegressionStatistics, trajectory: Trajectory,
                   standardised: bool) -> tuple:
    """(title, figure, key, text, note) of the 3-D loss surface (pure, kept by ``cached``)."""
    w_path, b_path = trajectory.w[:, 0], trajectory.b
    optimum = (float(stats.w_opt[0]), float(stats.b_opt), float(stats.loss_opt))
    (w_lo, w_hi), (b_lo, b_hi) = figures.surface_window(w_path, b_path, optimum[:2])
    w_grid = np.linspace(w_lo, w_hi, figures.SURFACE_GRID)
    b_grid = np.linspace(b_lo, b_hi, figures.SURFACE_GRID)
    ww, bb = np.meshgrid(w_grid, b_grid)
    loss_grid = stats.loss_at(ww[..., None], bb)
    loss_path = stats.loss_at(trajectory.w, b_path)
    units = "standardised" if standardised else "original units"
    text = figures.surface_text(w_grid, b_grid, loss_grid, w_path, b_path, loss_path, optimum,
                                stats.eigenvalues, stats.eigenvectors)
    return ("The MSE over (w, b) in 3-D, with the run's path",
            figures.surface_figure(w_grid, b_grid, loss_grid, w_path, b_path, loss_path,
                                   optimum, units),
            "fig_curv_surface", text,
            "Drag to turn the bowl; Reset view puts it back. A long, narrow valley (large κ) is "
            "where gradient descent zig-zags across and crawls along.")


def curvature_panel(stats: RegressionStatistics, trajectory: Trajectory, learning_rate: float,
                    optimizer: str, momentum: float, standardised: bool, *,
                    loss: str = "mse", schedule: str = "constant",
                    features: tuple[str, ...] = ()) -> None:
    """The lazy curvature section for a run on the problem with statistics `stats` (in the
    units gradient descent works in, as `trajectory`). Costs one closed expander until opened.
    """
    box = st.expander(TITLE, icon=":material/landscape:", key=PANEL_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        try:
            _panel(stats, trajectory, learning_rate, optimizer, momentum, standardised, loss,
                   schedule, features)
        except DataError as error:
            st.error(f"The curvature analysis could not be made: {inert(error)}")


def _panel(stats, trajectory, learning_rate, optimizer, momentum, standardised, loss,
           schedule, features) -> None:
    lam = stats.eigenvalues
    linear = optimizer if optimizer in ("gd", "momentum", "nesterov") else "gd"
    factors = convergence_factors(lam, learning_rate, linear,
                                  momentum if linear != "gd" else 0.9)
    flat = flat_directions(lam)
    slowest = slowest_direction(lam, learning_rate, linear, momentum if linear != "gd" else 0.9)
    factor_name = "|1 − 2ηλᵢ|" if linear == "gd" else "ρᵢ (spectral radius)"
    st.markdown(
        "The MSE is a bowl: L(θ) = L* + (θ − θ*)ᵀ S (θ − θ*), so its Hessian is **2S** "
        "everywhere. Along an eigenvector qᵢ of S the loss curves by 2λᵢ, and one gradient "
        "step multiplies the error along qᵢ by **1 − 2ηλᵢ**. A steep direction (large λ) "
        "overshoots and flips sign each step (the zig-zag) while a flat one (small λ) "
        "crawls: one η cannot suit both when κ = λmax/λmin is large."
        + (" Standardising the features makes S close to the identity, so every factor is "
           "alike." if not standardised else ""))
    if loss != "mse":
        st.info(NON_MSE_NOTE.get(loss, "This analysis is of the MSE."))
    if linear != optimizer:
        label = OPTIMIZER_TABLE[optimizer].label if optimizer in OPTIMIZER_TABLE else optimizer
        st.caption(f"{inert(label)} is not one fixed linear step, so the factors below are "
                   "plain gradient descent's at the same η, for comparison.")
    row = st.container(horizontal=True, gap="medium")
    curved = lam[~flat]
    row.metric("λmin(S)", fmt(curved.min() if curved.size else 0.0), width="content")
    row.metric("λmax(S)", fmt(lam[-1]), width="content")
    kappa = stats.condition_number
    row.metric("Condition number κ", fmt(kappa) if np.isfinite(kappa) else "∞ (S is singular)",
               width="content")
    row.metric(f"Slowest factor {factor_name}", fmt(factors[slowest]), width="content")
    tenfold = steps_per_tenfold(factors)
    verdict = ("grows: this direction diverges" if factors[slowest] >= 1 else
               f"shrinks by {fmt(factors[slowest])} per step, "
               f"{fmt(tenfold[slowest])} steps per tenfold")
    st.markdown(f"Slowest direction: **q{slowest + 1}**, λ = {fmt(lam[slowest])}, "
                f"q = {inert(direction_words(stats.eigenvectors[:, slowest], features))}; its error "
                f"{verdict}.")
    st.dataframe({
        "direction": [f"q{i + 1}" for i in range(lam.size)],
        "λᵢ of S": lam, "curvature 2λᵢ": 2 * lam,
        "along": [direction_words(stats.eigenvectors[:, i], features) for i in range(lam.size)],
        f"factor {factor_name}": factors,
        "steps per 10×": np.where(flat, np.nan, tenfold),
    }, hide_index=True, width="stretch",
        column_config={name: st.column_config.NumberColumn(format="%.4g") for name in (
            "λᵢ of S", "curvature 2λᵢ", f"factor {factor_name}", "steps per 10×")})
    if loss == "mse":
        _error_section(stats, trajectory, learning_rate, optimizer, momentum, schedule,
                       factors, slowest, flat)
    one = stats.n_features == 1 and loss == "mse"
    left, right = st.columns(2) if one else (st, None)
    _map_section(left, stats, learning_rate, optimizer, momentum)
    if one:
        _surface_section(right, stats, trajectory, standardised)
