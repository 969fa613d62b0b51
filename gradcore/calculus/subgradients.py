"""Subgradients of one-variable convex functions: intervals, supporting lines, the method.

g is a subgradient of a convex f at x₀ when the line through (x₀, f(x₀)) with slope g stays
below f everywhere: f(y) >= f(x₀) + g·(y − x₀) for all y. At a point where f is differentiable
the only subgradient is f′(x₀); at a kink the subgradients fill an interval [lo, hi] between the
slopes from the left and from the right (|x| at 0: [-1, 1]; ReLU at 0: [0, 1]).

The interval comes from the catalogue entry's formula (``CatalogueFunction.subdifferential``,
``gradcore.expressions.kinks``); the subgradient gradcore reports at a kink is its midpoint, which is
``kink_choice="mid"`` of the subgradient method (see ``gradcore.expressions.kinks`` for why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gradcore.calculus.functions import get_function

SUPPORT_TOL = 1e-9
STEP_RULES = ("constant", "1/k", "1/sqrt(k)")
KINK_CHOICES = ("lo", "mid", "hi")
MAX_ITERATIONS = 10_000
DIVERGED_AT = 1e12
# Values of catalogue functions kept per (name, points): the Subgradients page tests 601 slopes
# at one x0 on one grid, and each test needs the same f(x0) and f on the grid.
VALUES_CACHE_SIZE = 64
SUBDIFFERENTIAL_CACHE_SIZE = 4096


def _finite(x, what: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number") from None
    if not np.isfinite(value):
        raise ValueError(f"{what} must be finite")
    return value


def subdifferential(name: str, x: float) -> tuple[float, float]:
    """∂f(x) as (lo, hi) for a one-variable catalogue function (``"abs"``, ``"relu"``, ...).

    At a kink (within kinks.KINK_TOL·max(1, |x|) = 1e-10·max(1, |x|) of it) it is the whole
    interval of slopes [f′₋(x), f′₊(x)]; elsewhere the derivative twice, (f′(x), f′(x)).
    ValueError for an unknown name or an entry with more than one variable.
    """
    return _subdifferential(name, _finite(x, "x"))


@lru_cache(maxsize=SUBDIFFERENTIAL_CACHE_SIZE)
def _subdifferential(name: str, x: float) -> tuple[float, float]:
    # Kept per (name, x): the subgradient method passes the same iterates again when only the
    # choice at a kink changed (the Subgradients page's g slider).
    entry = get_function(name)
    if entry.dimension != 1:
        raise ValueError(f"'{name}' is not a one-variable catalogue function")
    lo, hi = entry.subdifferential(x)
    return float(lo), float(hi)


@dataclass(frozen=True)
class SupportCheck:
    """Outcome of the supporting-line test of slope g at x0 over the grid ``ys``.

    ``gap`` = line − f on the grid (positive where the line is above f). ``supporting`` is true
    when no gap exceeds the tolerance. Otherwise ``nearest_failure`` is the grid point closest
    to x0 where the line is above f, ``side`` is "left" or "right" of x0 (where it first fails),
    and ``failure_range`` = (first, last) failing grid point on that side.
    """

    x0: float
    g: float
    fx0: float
    ys: np.ndarray
    gap: np.ndarray
    supporting: bool
    nearest_failure: float | None
    side: str | None
    failure_range: tuple[float, float] | None

    @property
    def message(self) -> str:
        if self.supporting:
            return (f"g = {self.g:g} is a subgradient at x₀ = {self.x0:g}: the line stays below "
                    f"f for every y in [{self.ys.min():g}, {self.ys.max():g}]")
        return (f"g = {self.g:g} is not a subgradient at x₀ = {self.x0:g}: the line rises above "
                f"f at y = {self.nearest_failure:g}, to the {self.side} of x₀")


def _values(f: Callable, ys: np.ndarray) -> np.ndarray:
    try:
        out = np.asarray(f(ys), dtype=float)
        if out.shape == ys.shape:
            return out
    except (TypeError, ValueError):
        pass
    return np.array([float(f(float(y))) for y in ys])


@lru_cache(maxsize=VALUES_CACHE_SIZE)
def _catalogue_values_cached(name: str, points: bytes) -> np.ndarray:
    values = _values(get_function(name).value, np.frombuffer(points, dtype=float))
    values.flags.writeable = False
    return values


def _values_of(f: str | Callable, ys: np.ndarray) -> np.ndarray:
    """f at the float64 points `ys` (1-D): for a catalogue key from a small cache keyed on
    the points' bytes (read-only), for a callable computed each time."""
    if isinstance(f, str):
        get_function(f)
        return _catalogue_values_cached(f, np.ascontiguousarray(ys, dtype=float).tobytes())
    return _values(f, ys)


def supporting_line_check(f: str | Callable, x0: float, g: float, ys=None,
                          tol: float = SUPPORT_TOL) -> SupportCheck:
    """Test f(y) >= f(x0) + g·(y − x0) − tol·(1 + |f(y)|) for every y in ``ys``.

    ``f`` is a catalogue key or a callable of one float (or of an array, elementwise); ``ys``
    defaults to 601 points on [x0 − 3, x0 + 3]. For a convex f, the line fails on one side only
    (right when g > hi, left when g < lo), on an interval that starts at x0.
    """
    x0, g = _finite(x0, "x0"), _finite(g, "g")
    grid = np.linspace(x0 - 3.0, x0 + 3.0, 601) if ys is None else \
        np.asarray(ys, dtype=float).reshape(-1)
    fx0 = float(_values_of(f, np.array([x0]))[0])
    f_grid = _values_of(f, grid)
    gap = fx0 + g * (grid - x0) - f_grid
    failing = gap > tol * (1.0 + np.abs(f_grid))
    if not failing.any():
        return SupportCheck(x0, g, fx0, grid, gap, True, None, None, None)
    nearest = float(grid[failing][np.argmin(np.abs(grid[failing] - x0))])
    side = "right" if nearest > x0 else "left"
    on_side = grid[failing & ((grid > x0) if side == "right" else (grid < x0))]
    return SupportCheck(x0, g, fx0, grid, gap, False, nearest, side,
                        (float(on_side.min()), float(on_side.max())))


def supporting(f: str | Callable, x0: float, slopes, ys, tol: float = SUPPORT_TOL) -> np.ndarray:
    """For each slope g in ``slopes``: does :func:`supporting_line_check` pass on ``ys``?

    The same test, f(y) >= f(x0) + g·(y − x0) − tol·(1 + |f(y)|), for all slopes at once: a
    boolean array shaped like ``slopes``. With a(y) = f(y) − f(x0) + tol·(1 + |f(y)|) the test
    is g ≤ a(y)/(y − x0) for every y > x0 and g ≥ a(y)/(y − x0) for every y < x0 (and
    a(x0) ≥ 0), so the passing slopes are an interval [lo, hi]: O(len(ys)) work, not
    len(slopes) × len(ys).
    """
    x0 = _finite(x0, "x0")
    slopes = np.asarray(slopes, dtype=float)
    grid = np.asarray(ys, dtype=float).reshape(-1)
    fx0 = float(_values_of(f, np.array([x0]))[0])
    f_grid = _values_of(f, grid)
    allowed = tol * (1.0 + np.abs(f_grid)) + f_grid - fx0
    run = grid - x0
    defined = ~np.isnan(allowed)  # where f is undefined the test has nothing to say
    right, left = defined & (run > 0), defined & (run < 0)
    hi = np.min(allowed[right] / run[right], initial=np.inf)
    lo = np.max(allowed[left] / run[left], initial=-np.inf)
    if (allowed[defined & (run == 0)] < 0).any():
        return np.zeros(slopes.shape, dtype=bool)
    return (slopes >= lo) & (slopes <= hi)


@dataclass(frozen=True)
class SubgradientRun:
    """Iterates of x_{k+1} = x_k − t_k·g_k.

    ``x``, ``f``, ``best_x``, ``best_f`` have one entry per iterate (the start included);
    ``g`` and ``step`` one per step taken. ``best_f`` is the lowest f so far (the method is not
    a descent method: f(x_k) can go up). ``stop_reason`` is "max_iterations" or "diverged"
    (|x| > DIVERGED_AT or f not finite; the bad iterate is not stored).
    """

    x: np.ndarray
    f: np.ndarray
    g: np.ndarray
    step: np.ndarray
    best_x: np.ndarray
    best_f: np.ndarray
    stop_reason: str


def _choose(interval: tuple[float, float], kink_choice: str | float) -> float:
    lo, hi = interval
    if kink_choice == "lo":
        return lo
    if kink_choice == "hi":
        return hi
    if kink_choice == "mid":
        return 0.5 * (lo + hi)
    return float(np.clip(kink_choice, lo, hi))


def subgradient_method(f: str | Callable, x0: float, *, step_rule: str = "constant",
                       step_size: float = 0.1, iterations: int = 50,
                       kink_choice: str | float = "mid",
                       subgradient: Callable | None = None) -> SubgradientRun:
    """Run the subgradient method on a one-variable function.

    ``f``: a catalogue key (its subdifferential is used), or a callable f(x) together with
    ``subgradient(x)`` returning a slope g or an interval (lo, hi). At a kink g is picked from
    the interval by ``kink_choice``: "lo", "mid", "hi", or a number (clipped into [lo, hi]).
    Step t_k (k = 1, 2, ...): ``"constant"`` t_k = step_size; ``"1/k"`` step_size/k;
    ``"1/sqrt(k)"`` step_size/√k. ValueError for a bad argument.
    """
    if isinstance(f, str):
        function, slopes = get_function(f).value, (lambda x: subdifferential(f, x))
    elif subgradient is None:
        raise ValueError("give subgradient=... together with a callable f")
    else:
        function, slopes = f, subgradient
    if step_rule not in STEP_RULES:
        raise ValueError(f"unknown step rule {step_rule!r}: choose one of {', '.join(STEP_RULES)}")
    if not isinstance(kink_choice, str):
        kink_choice = _finite(kink_choice, "the choice of g at a kink")
    elif kink_choice not in KINK_CHOICES:
        raise ValueError(f"kink_choice must be a number or one of {', '.join(KINK_CHOICES)}")
    step_size = _finite(step_size, "the step size")
    if step_size <= 0:
        raise ValueError("the step size must be positive")
    if not isinstance(iterations, int | np.integer) or not 0 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be a whole number from 0 to {MAX_ITERATIONS}")
    xs, fs = [_finite(x0, "x0")], [float(function(_finite(x0, "x0")))]
    gs, steps, stop_reason = [], [], "max_iterations"
    for k in range(1, int(iterations) + 1):
        interval = slopes(xs[-1])
        g = _choose(interval, kink_choice) if np.ndim(interval) else float(interval)
        t = step_size / {"constant": 1.0, "1/k": k, "1/sqrt(k)": np.sqrt(k)}[step_rule]
        x_next = xs[-1] - t * g
        f_next = float(function(x_next)) if abs(x_next) <= DIVERGED_AT else np.inf
        if not np.isfinite(f_next):
            stop_reason = "diverged"
            break
        xs.append(x_next)
        fs.append(f_next)
        gs.append(g)
        steps.append(t)
    x, fx = np.array(xs), np.array(fs)
    best_index = np.zeros(fx.size, dtype=int)
    for i in range(1, fx.size):
        best_index[i] = i if fx[i] < fx[best_index[i - 1]] else best_index[i - 1]
    return SubgradientRun(x, fx, np.array(gs), np.array(steps), x[best_index],
                          np.minimum.accumulate(fx), stop_reason)
