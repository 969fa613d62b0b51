"""Why a run stops, decided in one place for every loss and optimizer, and the sentence saying so.

A run stops at the first of: "diverged" (the full-data loss at an iterate passes
``divergence_bound``; the run keeps the last iterate before, so no stored value is inf or
nan), "converged" (the gradient norm at an iterate is below tol x ``gradient_scale``) or
"max_steps". ``divergence_bound`` and the loss row's ``scale`` use numpy only:
``export_script`` copies their source, so the exported script stops where the engine does.
"""

from __future__ import annotations

import numpy as np

STOP_REASONS = ("converged", "diverged", "max_steps")
# A run counts as diverged once its loss exceeds this factor times (start loss + loss at 0).
DIVERGENCE_FACTOR = 1e12


def divergence_bound(start_loss, zero_loss):
    """DIVERGENCE_FACTOR (1e12) x (loss at the start + loss at theta = 0), at most 1e300.

    For the MSE, the loss at theta = 0 is mean(y^2): the bound ``gradient_descent`` uses.
    """
    return min(DIVERGENCE_FACTOR * max(start_loss + zero_loss, np.finfo(float).tiny), 1e300)


def measured_scale(zero_gradient_norm):
    """The convergence scale of a loss whose row gives none: its gradient norm at theta = 0,
    or 1 when that is 0."""
    return float(zero_gradient_norm) if zero_gradient_norm > 0 else 1.0


def without_rounding_noise(g, rows, derivative_rms, column_rms):
    """The step's gradient g (d+1,) with each component that rounding alone can produce set
    to 0.

    A component is a mean of ``rows`` products rho'(r_i) a_ij; summing them in floating point
    can be off by rows x eps x mean |rho'(r_i) a_ij| <= rows x eps x ``derivative_rms`` x
    ``column_rms[j]`` (Cauchy-Schwarz; ``column_rms`` = sqrt of the diagonal of A^T A / N).
    A component below that is rounding, not slope: at w = 0 on standardised columns every
    sign(r_i) is the same and the MAE's dL/dw_j = -mean(z_j) is such noise (~1e-16), which
    Adam (or any step that divides by the gradient's size) would turn into a full step whose
    direction depends on how the sum was rounded. Taking it as 0, in ``fit`` and in the
    exported script alike, makes the run repeat wherever the sums are rounded differently.
    """
    if derivative_rms is None:  # the loss's row gives no bound: nothing is taken as rounding
        return g
    floor = rows * np.finfo(float).eps * derivative_rms * np.asarray(column_rms)
    return np.where(np.abs(g) <= floor, 0.0, g)


def decide_stop(loss, grad_norm, bound, threshold, steps) -> tuple[int, str]:
    """(last kept iterate, reason) for the recorded ``loss`` and ``grad_norm`` (one per iterate).

    The first iterate whose loss is not <= ``bound`` (inf and nan included) ends the run at the
    one before ("diverged"); an earlier iterate with grad_norm < ``threshold`` ends it there
    ("converged"); otherwise the last recorded iterate is kept, "max_steps" when it is step
    ``steps``.
    """
    loss, grad_norm = np.asarray(loss), np.asarray(grad_norm)
    over = np.flatnonzero(~(loss <= bound))
    end, reason = len(loss) - 1, "max_steps"
    if over.size:
        end, reason = int(over[0]) - 1, "diverged"
    below = np.flatnonzero(grad_norm[: end + 1] < threshold)
    if below.size:
        return int(below[0]), "converged"
    if reason == "max_steps" and end < steps:
        reason = "diverged"
    return end, reason


def stop_message(reason, *, end, steps, grad_norm, threshold, rate, loss_row, optimizer_row,
                 schedule, max_stable_rate, detail="", measure="gradient norm") -> str:
    """The sentence a page shows for a stop ``reason`` of a run of ``optimizer_row`` (an
    ``Optimizer``) on ``loss_row`` (a ``Loss``): written here once for every row, and shown as
    is. ``detail`` is added after a step-limit sentence (the MSE's closed form knows more);
    ``measure`` names what ``grad_norm`` measures (a penalty with a kink: the minimum-norm
    subgradient's norm)."""
    if reason == "converged":
        return (f"Converged after {end} steps: the {measure} {grad_norm:.3g} is below "
                f"tol x scale = {threshold:.3g}.")
    if reason == "diverged":
        text = (f"Diverged: the loss grew past {DIVERGENCE_FACTOR:.0e} x its starting size, so "
                f"the learning rate {rate:.3g} is too large for {optimizer_row.label} here. "
                f"Stopped at step {end}, the last iterate before.")
        curvature = getattr(loss_row, "curvature", None)
        if optimizer_row.name == "gd" and schedule == "constant" and curvature:
            factor = 2.0 / curvature
            limit = factor * max_stable_rate
            text += (f" The stable limit of constant-step gradient descent on the "
                     f"{loss_row.label} is {factor:g}/λmax = {limit:.3g}"
                     + ("." if factor == 1 else (" (its curvature is at most half the MSE's)."
                                                  if factor == 2 else
                        f" (its curvature is at most {curvature / 2:g} x the MSE's)."))
                     + f" Choose η below {limit:.3g}.")
            return text
        return text + " Choose a smaller learning rate."
    text = f"Stopped at the step limit ({steps} steps); the {measure} is {grad_norm:.3g}."
    if getattr(loss_row, "stop_note", ""):
        text += " " + loss_row.stop_note
    if getattr(loss_row, "kinked", False) and schedule == "constant":
        text += (" With a constant step the iterates keep jumping across the kinks: a "
                 "decaying schedule (1/sqrt(k) or 1/k) lets them settle.")
    elif optimizer_row.minibatch and schedule == "constant":
        text += (" A mini-batch gradient is noisy, so with a constant step SGD wanders around "
                 "the optimum instead of settling: a decaying schedule or a larger batch helps.")
    return text + detail
