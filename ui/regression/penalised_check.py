"""The check of a penalised run: the optimum of loss + P(w) by ``reference_fit``, and how far the
run's objective is from it.

A penalised run minimises J(w, b) = L(w, b) + P(w) (``fit``'s ``trajectory.loss`` is J), so it
is compared with the optimum of J, not with least squares: for the MSE scikit-learn's ``Ridge`` /
``Lasso`` with their alphas rescaled to this objective, for the MAE a linear (L1) or quadratic
(L2) programme, for the Huber loss L-BFGS (``gradcore.reference_fit(..., penalty=, alpha=)``).
The penalty applies to the weights of the columns the run uses, standardised when the page
standardises, so the reference is asked for the same (``standardize=``).
"""

from __future__ import annotations

import numpy as np

from gradcore import PENALTY_TABLE, ReferenceGap, loss_value, reference_fit

# The MAE with a penalty is a linear or quadratic programme per reference: up to this many
# values (rows x (features + 1)) it takes well under a second on this machine; above, the page
# shows the run without a check against it (and says why), as for the plain MAE's larger bound.
PENALISED_MAE_VALUES = 20_000
GAP_RTOL = 1e-6


def penalised_skipped(loss: str, rows: int, features: int) -> str | None:
    """Why a penalised `loss` gets no reference on this table (the MAE's programme above
    PENALISED_MAE_VALUES), else None."""
    if loss == "mae" and rows * (features + 1) > PENALISED_MAE_VALUES:
        most = PENALISED_MAE_VALUES // (features + 1)
        return (f"The MAE with a penalty has its reference (a linear or quadratic programme) "
                f"for up to {most:,} rows with {features} feature(s); this table has "
                f"{rows:,} rows, so there is no check against it here. The charts show the "
                "least-squares fit instead.")
    return None


def objective(problem, w_fit, b_fit, loss: str, loss_key: tuple, penalty: str,
              alpha: float) -> float:
    """J = L + P at (w, b) in the units the run uses (P on those weights)."""
    data = loss_value(problem.X_fit, problem.y, w_fit, b_fit, loss, **dict(loss_key))
    return float(data + PENALTY_TABLE[penalty].value(np.asarray(w_fit, dtype=float), alpha, {}))


def penalised_reference(problem, loss: str, loss_key: tuple, penalty: str, alpha: float,
                        optimum_of):
    """The optimum of loss + P as ``optimum_of(coef, intercept, value)`` builds a
    ``LossReference`` (value: the objective there)."""
    coef, intercept = reference_fit(problem.X, problem.y, loss, penalty=penalty, alpha=alpha,
                                    standardize=problem.scaler is not None, **dict(loss_key))
    fit_coef, fit_intercept = (problem.scaler.from_original(coef, intercept)
                               if problem.scaler else (coef, intercept))
    return optimum_of(coef, intercept, objective(problem, fit_coef, fit_intercept, loss,
                                                 loss_key, penalty, alpha))


def penalised_gap(trajectory, optimum, penalty_label: str) -> ReferenceGap:
    """The run's last objective against the reference's (both in the run's units)."""
    value, reference = float(trajectory.loss[-1]), float(optimum.loss)
    ref_w, ref_b = optimum.reference_fit
    floor = max(1e-12 * abs(reference), np.finfo(float).tiny)
    gap = (value - reference) / max(abs(reference), floor)
    coef_gap = float(np.linalg.norm(np.append(trajectory.w[-1] - ref_w, trajectory.b[-1] - ref_b))
                     / max(float(np.linalg.norm(np.append(ref_w, ref_b))), floor))
    agrees = bool(gap <= GAP_RTOL)
    verdict = ("reaches the reference's objective" if agrees
               else "has a higher objective than the reference")
    return ReferenceGap(loss=value, reference_loss=reference, relative_coef_gap=coef_gap,
                        relative_loss_gap=float(gap), agrees=agrees,
                        message=(f"The run {verdict} (loss + {penalty_label}): relative gap "
                                 f"{gap:.2e} (tolerance {GAP_RTOL:.0e}), relative coefficient "
                                 f"gap {coef_gap:.2e}."))
