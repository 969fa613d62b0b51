"""The catalogue of named functions the pages and the article use, each with its derivative.

Every entry keeps its value and its hand-written analytic gradient side by side (and, for a
function with kinks, its subdifferential), so the lesson "this is the function, this is its
derivative" is visible in the code too. Two kinds of entry:

- one variable (``dimension == 1``): ``value(x)`` and ``gradient(x)`` work elementwise on a float
  or an array of any shape (so pages can plot them); ``subdifferential(x) -> (lo, hi)``.
- n variables: ``value(point)`` takes shape (n,) and returns a float; ``gradient(point)`` returns
  shape (n,). ``"sqnorm"`` accepts any n (``dimension is None``).

``text`` is the same function as a formula ``parse_expression`` accepts (None for ``"sqnorm"``,
whose length varies: use ``squared_norm_text(n)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

KINK_TOL = 1e-12
DOT_X = np.array([1.0, -2.0, 3.0])


@dataclass(frozen=True)
class CatalogueFunction:
    """One named function: see the module docstring for the shapes of ``value`` / ``gradient``.

    ``kinks`` lists the points where a one-variable entry is not differentiable; ``gradient``
    there returns the subgradient named in ``kink_choice``. ``minimum_value`` is min f (None if
    f has no minimum), used to show the gap f(x_k) − f* in the subgradient method.
    """

    key: str
    label: str
    latex: str
    gradient_latex: str
    variables: tuple[str, ...]
    value: Callable
    gradient: Callable
    text: str | None
    dimension: int | None
    subdifferential: Callable[[float], tuple[float, float]] | None = None
    kinks: tuple[float, ...] = ()
    kink_choice: str = ""
    convex: bool = True
    minimum_value: float | None = 0.0


def _at_kinks(x: float, kinks: dict[float, tuple[float, float]],
              derivative: Callable[[float], float]) -> tuple[float, float]:
    """∂f(x): the interval stored for a kink within KINK_TOL of x, else (f'(x), f'(x))."""
    for kink, interval in kinks.items():
        if abs(x - kink) <= KINK_TOL:
            return interval
    slope = float(derivative(x))
    return slope, slope


def _square(x):
    return np.square(x)


def _square_gradient(x):
    return 2.0 * np.asarray(x, dtype=float)


def _abs(x):
    return np.abs(x)


def _abs_gradient(x):
    return np.sign(np.asarray(x, dtype=float))


def _relu(x):
    return np.maximum(0.0, x)


def _relu_gradient(x):
    return np.where(np.asarray(x, dtype=float) > 0, 1.0, 0.0)


def _hinge(x):
    return np.maximum(0.0, 1.0 - np.asarray(x, dtype=float))


def _hinge_gradient(x):
    return np.where(np.asarray(x, dtype=float) < 1, -1.0, 0.0)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _sigmoid_gradient(x):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _maxlin(x):
    x = np.asarray(x, dtype=float)
    return np.maximum(np.maximum(-x, 0.5 * x), 2.0 * x - 3.0)


def _maxlin_gradient(x):
    x = np.asarray(x, dtype=float)
    slopes = np.select([x < 0, x < 2, x > 2], [-1.0, 0.5, 2.0], default=1.25)
    return np.where(x == 0, -0.25, slopes)


def _abs_shift(x):
    x = np.asarray(x, dtype=float)
    return np.abs(x - 1.0) + 0.5 * x


def _abs_shift_gradient(x):
    return np.sign(np.asarray(x, dtype=float) - 1.0) + 0.5


def _vector(point, n: int | None = None) -> np.ndarray:
    w = np.asarray(point, dtype=float).reshape(-1)
    if n is not None and w.size != n:
        raise ValueError(f"this function takes {n} numbers, got {w.size}")
    return w


def _article3d(point):
    x, y, z = _vector(point, 3)
    return float(x**2 + 2 * y**2 + 3 * z**2)


def _article3d_gradient(point):
    x, y, z = _vector(point, 3)
    return np.array([2 * x, 4 * y, 6 * z])


def _article4d(point):
    return float(np.sum(_vector(point, 4) ** 2))


def _article4d_gradient(point):
    return 2.0 * _vector(point, 4)


def _sqnorm(point):
    w = _vector(point)
    return float(w @ w)


def _sqnorm_gradient(point):
    return 2.0 * _vector(point)


def _dot(point):
    return float(_vector(point, DOT_X.size) @ DOT_X)


def _dot_gradient(point):
    _vector(point, DOT_X.size)
    return DOT_X.copy()


def squared_norm_text(n: int) -> str:
    """‖w‖² in n variables as typed text: ``"w1^2 + w2^2 + ... + wn^2"``."""
    return " + ".join(f"w{i}^2" for i in range(1, n + 1))


_ONE = ("x",)
CATALOGUE: dict[str, CatalogueFunction] = {entry.key: entry for entry in [
    CatalogueFunction("square", "x²", "x^2", "2x", _ONE, _square, _square_gradient, "x^2", 1,
                      lambda x: _at_kinks(x, {}, _square_gradient)),
    CatalogueFunction("abs", "|x|", "|x|", r"\operatorname{sign}(x)", _ONE, _abs, _abs_gradient,
                      "abs(x)", 1, lambda x: _at_kinks(x, {0.0: (-1.0, 1.0)}, _abs_gradient),
                      (0.0,), "0 at x = 0, the middle of [-1, 1] (numpy's sign(0))"),
    CatalogueFunction("relu", "ReLU(x) = max(x, 0)", r"\max(x, 0)", r"\mathbb{1}[x > 0]", _ONE,
                      _relu, _relu_gradient, "relu(x)", 1,
                      lambda x: _at_kinks(x, {0.0: (0.0, 1.0)}, _relu_gradient), (0.0,),
                      "0 at x = 0, as PyTorch and TensorFlow choose"),
    CatalogueFunction("hinge", "hinge max(0, 1 − x)", r"\max(0, 1 - x)", r"-\mathbb{1}[x < 1]",
                      _ONE, _hinge, _hinge_gradient, "max(0, 1 - x)", 1,
                      lambda x: _at_kinks(x, {1.0: (-1.0, 0.0)}, _hinge_gradient), (1.0,),
                      "0 at x = 1, the ReLU convention applied to 1 − x"),
    CatalogueFunction("sigmoid", "sigmoid σ(x)", r"\sigma(x) = \frac{1}{1 + e^{-x}}",
                      r"\sigma(x)\,(1 - \sigma(x))", _ONE, _sigmoid, _sigmoid_gradient,
                      "sigmoid(x)", 1, lambda x: _at_kinks(x, {}, _sigmoid_gradient),
                      convex=False, minimum_value=None),
    CatalogueFunction("maxlin", "max(−x, x/2, 2x − 3)", r"\max(-x, \tfrac{x}{2}, 2x - 3)",
                      r"-1,\ \tfrac12,\ 2 \text{ on } x<0,\ 0<x<2,\ x>2", _ONE, _maxlin,
                      _maxlin_gradient, "max(-x, 0.5*x, 2*x - 3)", 1,
                      lambda x: _at_kinks(x, {0.0: (-1.0, 0.5), 2.0: (0.5, 2.0)},
                                          _maxlin_gradient), (0.0, 2.0),
                      "the middle of the interval: -0.25 at x = 0, 1.25 at x = 2"),
    CatalogueFunction("abs_shift", "|x − 1| + x/2", r"|x - 1| + \tfrac{x}{2}",
                      r"\operatorname{sign}(x - 1) + \tfrac12", _ONE, _abs_shift,
                      _abs_shift_gradient, "abs(x - 1) + 0.5*x", 1,
                      lambda x: _at_kinks(x, {1.0: (-0.5, 1.5)}, _abs_shift_gradient), (1.0,),
                      "0.5 at x = 1, the middle of [-0.5, 1.5]", minimum_value=0.5),
    CatalogueFunction("article3d", "x² + 2y² + 3z²", "x^2 + 2y^2 + 3z^2", "(2x,\\ 4y,\\ 6z)",
                      ("x", "y", "z"), _article3d, _article3d_gradient, "x^2 + 2*y^2 + 3*z^2", 3),
    CatalogueFunction("article4d", "w² + x² + y² + z²", "w^2 + x^2 + y^2 + z^2",
                      "(2w,\\ 2x,\\ 2y,\\ 2z)", ("w", "x", "y", "z"), _article4d,
                      _article4d_gradient, "w^2 + x^2 + y^2 + z^2", 4),
    CatalogueFunction("sqnorm", "‖w‖²", r"\|\mathbf{w}\|^2 = \sum_i w_i^2", r"2\mathbf{w}",
                      (), _sqnorm, _sqnorm_gradient, None, None),
    CatalogueFunction("dot", "w · x with x = (1, −2, 3)", r"\mathbf{w} \cdot \mathbf{x}",
                      r"\mathbf{x} = (1, -2, 3)", ("w1", "w2", "w3"), _dot, _dot_gradient,
                      "w1 - 2*w2 + 3*w3", 3, convex=True, minimum_value=None),
]}

ONE_D_KEYS = tuple(key for key, entry in CATALOGUE.items() if entry.dimension == 1)
KINK_KEYS = tuple(key for key, entry in CATALOGUE.items() if entry.kinks)


def get_function(key: str) -> CatalogueFunction:
    """The catalogue entry called ``key``; ValueError naming the known keys if there is none."""
    try:
        return CATALOGUE[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown function {key!r}: choose one of "
                         f"{', '.join(CATALOGUE)}") from None
