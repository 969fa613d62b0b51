"""Penalties as rows of a table: the objective of ``fit`` is the loss plus alpha x penalty(w).

    objective(w, b) = L(w, b) + P(w),   P(w) = 0 ("none"), alpha ||w||^2 ("l2"), alpha ||w||_1 ("l1")

The bias b is never penalised: every function here takes the weights w only. alpha is ``fit``'s
keyword ``alpha`` (one number for every penalty, checked against ``ALPHA``); a penalty row may
declare more settings as ``hyper_parameters`` (``settings`` maps their names to values).

L1 has a kink at every w_j = 0: there its subdifferential is alpha * [-1, 1]. ``l1_gradient``
returns the subgradient alpha * sign(w) with sign(0) = 0, the midpoint of that interval (as
gradcore does at every kink); it is what the subgradient method (``optimizer="gd"``) steps with,
so its iterates jitter around 0 instead of landing on it. The proximal step (``l1_prox``,
soft-thresholding) lands on exact zeros. Whether a point is optimal is read from the
minimum-norm element of grad L + dP(w) (``l1_minimum_norm``): at w_j = 0 it is
max(|dL/dw_j| - alpha, 0) in size, so the optimality condition there is |dL/dw_j| <= alpha.

Every function uses numpy only and works on w of shape (d,) or (K, d) (one point per row):
``export_script`` copies their source into the script it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.rows import HyperParameter, row_settings

ALPHA = HyperParameter(
    "alpha", "penalty weight α", 0.0, 0.0, 1e12, step=0.01,
    help="How much the penalty counts against the loss; the bias is never penalised.")
"""The range of ``fit``'s ``alpha`` (the same for every penalty): [0, 1e12)."""


def no_penalty_value(w, alpha, settings):
    """P(w) = 0 (one value per row of a 2-D w)."""
    return np.zeros(np.shape(w)[:-1])


def no_penalty_gradient(w, alpha, settings):
    """grad P(w) = 0."""
    return np.zeros_like(w)


def l2_value(w, alpha, settings):
    """P(w) = alpha ||w||^2 = alpha sum_j w_j^2 (per row of a 2-D w)."""
    return alpha * np.einsum("...i,...i->...", w, w)


def l2_gradient(w, alpha, settings):
    """grad P(w) = 2 alpha w."""
    return 2.0 * alpha * w


def l2_prox(w, step, alpha, settings):
    """argmin_v ||v - w||^2 / 2 + step alpha ||v||^2 = w / (1 + 2 step alpha): a shrink, never 0."""
    return w / (1.0 + 2.0 * step * alpha)


def l1_value(w, alpha, settings):
    """P(w) = alpha ||w||_1 = alpha sum_j |w_j| (per row of a 2-D w)."""
    return alpha * np.abs(w).sum(axis=-1)


def l1_gradient(w, alpha, settings):
    """The subgradient alpha sign(w) with sign(0) = 0: at w_j = 0 the midpoint of the
    subdifferential alpha [-1, 1] (elsewhere the derivative alpha sign(w_j))."""
    return alpha * np.sign(w)


def l1_prox(w, step, alpha, settings):
    """Soft-thresholding, argmin_v ||v - w||^2 / 2 + step alpha ||v||_1:
    sign(w_j) max(|w_j| - step alpha, 0). Every |w_j| <= step alpha becomes exactly 0."""
    # + 0.0 turns the -0.0 of a negative w_j thresholded to 0 into 0.0 (the same zero, printed
    # without a sign)
    return np.sign(w) * np.maximum(np.abs(w) - step * alpha, 0.0) + 0.0


def l1_minimum_norm(grad_w, w, alpha, settings):
    """The minimum-norm element of grad_w + alpha d||w||_1, per coordinate: at w_j = 0 the
    point of grad_w_j + alpha [-1, 1] nearest 0, sign(g_j) max(|g_j| - alpha, 0); elsewhere
    g_j + alpha sign(w_j). All zero exactly at the lasso's optimum (grad_w = dL/dw)."""
    at_zero = np.sign(grad_w) * np.maximum(np.abs(grad_w) - alpha, 0.0)
    return np.where(w == 0, at_zero, grad_w + alpha * np.sign(w))


@dataclass(frozen=True)
class Penalty:
    """One penalty: ``value(w, alpha, settings)`` = P(w), ``gradient(w, alpha, settings)`` its
    gradient (a subgradient at a kink: say which), ``prox(w, step, alpha, settings)`` =
    argmin_v ||v - w||^2 / 2 + step P(v) (None: no proximal step, the identity), ``formula``
    P(w) in LaTeX, ``hyper_parameters`` its settings beyond alpha. ``minimum_norm(grad_w, w,
    alpha, settings)`` is the minimum-norm element of grad_w + dP(w), which the stop test
    reads (None: P is differentiable, grad_w + gradient). w is (d,) or (K, d)."""

    name: str
    label: str
    value: Callable
    gradient: Callable
    prox: Callable | None = None
    formula: str = ""
    hyper_parameters: tuple[HyperParameter, ...] = ()
    minimum_norm: Callable | None = None

    def stationarity(self, grad_w, w, alpha, settings):
        """The minimum-norm element of grad_w + dP(w) (see ``minimum_norm``)."""
        if self.minimum_norm is not None:
            return self.minimum_norm(grad_w, w, alpha, settings)
        return grad_w + self.gradient(w, alpha, settings)

    def proximal(self, w, step, alpha, settings):
        """``prox`` of w, or w itself for a penalty without one."""
        return w if self.prox is None else self.prox(w, step, alpha, settings)


PENALTY_TABLE: dict[str, Penalty] = {
    "none": Penalty("none", "no penalty", no_penalty_value, no_penalty_gradient,
                    formula="0"),
    "l2": Penalty("l2", "L2 (ridge)", l2_value, l2_gradient, prox=l2_prox,
                  formula=r"\alpha \lVert w \rVert_2^2 = \alpha \sum_j w_j^2"),
    "l1": Penalty("l1", "L1 (lasso)", l1_value, l1_gradient, prox=l1_prox,
                  formula=r"\alpha \lVert w \rVert_1 = \alpha \sum_j |w_j|",
                  minimum_norm=l1_minimum_norm),
}
PENALTIES = tuple(PENALTY_TABLE)


def get_penalty(penalty: str) -> Penalty:
    """The table row of ``penalty``; DataError naming the choices for an unknown name."""
    try:
        return PENALTY_TABLE[penalty]
    except (KeyError, TypeError):
        raise DataError(f"Unknown penalty {penalty!r}: choose one of "
                        f"{', '.join(PENALTY_TABLE)}.") from None


def check_alpha(alpha) -> float:
    """``alpha`` as a float in ``ALPHA``'s range [0, 1e12); DataError otherwise."""
    return float(ALPHA.check(alpha))


def penalty_settings(penalty: str, alpha, settings: Mapping) -> tuple[Penalty, float, dict]:
    """(penalty row, alpha, the row's settings) for ``fit``'s ``penalty``, ``alpha`` and keyword
    ``settings``. DataError for an unknown penalty (naming the choices), alpha outside
    [0, 1e12) (``penalties.ALPHA``) or a setting of the row out of its range."""
    row = get_penalty(penalty)
    given = {name: value for name, value in settings.items() if value is not None}
    return row, check_alpha(alpha), row_settings(row, given)


class PenaltyTerm:
    """The penalty of one ``fit`` run at K points theta (K, d+1) or one (d+1,): P(w), grad P
    (on w; 0 on b), the minimum-norm subgradient of the objective given the data loss's
    gradients, and the proximal step on w (in place)."""

    def __init__(self, row: Penalty, alpha: float, settings: Mapping, d: int):
        self.row, self.alpha, self.settings, self.d = row, alpha, settings, d

    def value(self, points):
        return self.row.value(points[..., : self.d], self.alpha, self.settings)

    def gradient(self, points):
        grad = np.zeros_like(points)
        grad[..., : self.d] = self.row.gradient(points[..., : self.d], self.alpha, self.settings)
        return grad

    def stationarity(self, loss_grads, points):
        result = loss_grads.copy()
        result[..., : self.d] = self.row.stationarity(loss_grads[..., : self.d],
                                                      points[..., : self.d], self.alpha,
                                                      self.settings)
        return result

    def prox(self, theta, step):
        theta[: self.d] = self.row.proximal(theta[: self.d], step, self.alpha, self.settings)
