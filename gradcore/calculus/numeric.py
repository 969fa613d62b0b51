"""Finite differences: an independent check of every analytic derivative the app shows.

Central differences, ∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ), with the step scaled to the
point, hᵢ = STEP_SCALE · max(1, |xᵢ|), STEP_SCALE = ε^(1/3) ≈ 6.1e-6 (ε = machine epsilon): the
step that balances the O(h²) truncation error against the O(ε/h) rounding error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

STEP_SCALE = float(np.finfo(float).eps) ** (1 / 3)
RTOL = 1e-6
SCALE_FLOOR = 1.0


def _scalar(value) -> float:
    result = np.asarray(value, dtype=float)
    if result.size != 1:
        raise ValueError(f"f must return one number, got an array of shape {result.shape}")
    return float(result.reshape(-1)[0])


def numeric_gradient(f: Callable, point, h=None) -> np.ndarray:
    """Central-difference gradient of f: Rⁿ -> R at ``point``.

    Parameters: ``f`` takes an array of shape (n,) and returns a number (or a size-1 array);
    ``point`` has n numbers; ``h`` is None (hᵢ = STEP_SCALE·max(1, |xᵢ|)), a number, or n numbers.
    Returns a float array of shape (n,). The difference is divided by the step actually taken,
    (x + h) − (x − h), which removes the error of rounding x ± h. Raises ValueError if f is not
    finite next to the point (the numeric slope is then undefined).
    """
    x = np.asarray(point, dtype=float).reshape(-1)
    steps = STEP_SCALE * np.maximum(1.0, np.abs(x)) if h is None else \
        np.broadcast_to(np.asarray(h, dtype=float), x.shape)
    if np.any(steps <= 0) or not np.all(np.isfinite(steps)):
        raise ValueError("the step h must be positive and finite")
    gradient = np.empty_like(x)
    for i in range(x.size):
        forward, backward = x.copy(), x.copy()
        forward[i] += steps[i]
        backward[i] -= steps[i]
        difference = _scalar(f(forward)) - _scalar(f(backward))
        gradient[i] = difference / (forward[i] - backward[i])
    if not np.all(np.isfinite(gradient)):
        raise ValueError("f is not finite next to this point, so its numeric slope is undefined")
    return gradient


def derivative_1d(f: Callable[[float], float], x: float, h: float | None = None) -> float:
    """Central-difference f'(x) of a one-variable f that takes and returns a float."""
    return float(numeric_gradient(lambda p: f(float(p[0])), [x], h)[0])


def one_sided_derivatives(f: Callable[[float], float], x: float,
                          h: float | None = None) -> tuple[float, float]:
    """(f′₋(x), f′₊(x)) of a one-variable f by one-sided differences: the check of a kink.

    Second-order one-sided formulas that use f only on one side of x (and at x):
    f′₊ ≈ (−3f(x) + 4f(x + h) − f(x + 2h)) / (2h), f′₋ ≈ (3f(x) − 4f(x − h) + f(x − 2h)) / (2h),
    with h = STEP_SCALE·max(1, |x|) unless given. Exact for a piecewise linear f whose other
    kinks are more than 2h away (up to rounding, about ε/h ≈ 4e-11). ValueError if a value is
    not finite.
    """
    h = STEP_SCALE * max(1.0, abs(x)) if h is None else float(h)
    if not (h > 0 and np.isfinite(h)):
        raise ValueError("the step h must be positive and finite")
    values = {k: _scalar(f(x + k * h)) for k in (-2, -1, 0, 1, 2)}
    if not all(np.isfinite(v) for v in values.values()):
        raise ValueError("f is not finite next to this point, so its one-sided slopes are "
                         "undefined")
    left = (3 * values[0] - 4 * values[-1] + values[-2]) / (2 * h)
    right = (-3 * values[0] + 4 * values[1] - values[2]) / (2 * h)
    return float(left), float(right)


@dataclass(frozen=True)
class GradientCheck:
    """Analytic beside numeric gradient.

    ``relative_error`` = ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖, SCALE_FLOOR): relative
    for gradients of size ≥ 1, absolute below that (so a zero gradient at a minimum, where the
    numeric one is ~1e-11, does not read as a 100% error). ``passed`` is relative_error <= rtol.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: float
    rtol: float = RTOL

    @property
    def passed(self) -> bool:
        return bool(self.relative_error <= self.rtol)

    def __str__(self) -> str:
        verdict = "agree" if self.passed else "DISAGREE"
        return (f"analytic {np.array2string(self.analytic, precision=8)} vs numeric "
                f"{np.array2string(self.numeric, precision=8)}: relative error "
                f"{self.relative_error:.2e} ({verdict} at rtol {self.rtol:g})")


def relative_error(analytic, numeric) -> float:
    """‖a − n‖ / max(‖a‖, ‖n‖, SCALE_FLOOR) for two gradients of the same shape."""
    a = np.asarray(analytic, dtype=float).reshape(-1)
    n = np.asarray(numeric, dtype=float).reshape(-1)
    if a.shape != n.shape:
        raise ValueError(f"gradients differ in shape: {a.shape} vs {n.shape}")
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)), SCALE_FLOOR)
    return float(np.linalg.norm(a - n) / scale)


def gradient_check(f: Callable, grad: Callable, point, rtol: float = RTOL,
                   h=None) -> GradientCheck:
    """Compare ``grad(point)`` (analytic, shape (n,)) with ``numeric_gradient(f, point, h)``."""
    analytic = np.asarray(grad(np.asarray(point, dtype=float)), dtype=float).reshape(-1)
    numeric = numeric_gradient(f, point, h)
    return GradientCheck(analytic, numeric, relative_error(analytic, numeric), rtol)
