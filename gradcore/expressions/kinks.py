"""Kinks of one-variable formulas: one-sided slopes, the local subdifferential, gradcore's choice.

A kink is a point x where f is continuous but its slope jumps: the slope from the left
f′₋(x) differs from the slope from the right f′₊(x) (|x| at 0: −1 and 1).

**The convention: at a kink gradcore's slope is the midpoint g = (f′₋ + f′₊)/2**, for every
formula, typed or from the catalogue (|x| at 0: 0; ReLU at 0: 1/2; max(0, 1 − x) at 1: −1/2).
``Expression.gradient`` returns it, the figures draw it and the pages print it. Why the midpoint:

- it is the limit of the central difference (f(x + h) − f(x − h))/(2h), so the page's
  finite-difference check agrees with the analytic value at a kink too;
- it is what sympy's derivative the page displays gives there (d|x|/dx = sign(x), sign(0) = 0;
  d max(a, b) = Heaviside(a − b)·a′ + ..., Heaviside(0) = 1/2), so the f′ formula and the
  number shown agree; we compute it from the one-sided slopes, so it stays the midpoint even
  where sympy's rules give something else (a three-way tie: max(0, x/2, x) at 0 gives 3/4);
- where f is convex near x it lies in the subdifferential [f′₋, f′₊], it favours neither side,
  and it is the subgradient method's default choice ``kink_choice="mid"``;
- for |x| it is sign(0) = 0, the convention DESIGN.md fixes for the MAE loss's gradient.
  (PyTorch and TensorFlow instead use relu′(0) = 0, the lower end of [0, 1].)

How a kink is found, cheaply (this runs on every slider move): the only places a formula of
the parser's functions can bend are zeros of the *switches*, the arguments of abs, sign and
Heaviside and the pairwise differences of the arguments of max and min (relu is max(0, ·)).
If no switch changes sign within x ± KINK_TOL·max(1, |x|), f is smooth at x. Otherwise the
one-sided slopes are the one-sided limits of the analytic derivative (for a continuous,
piecewise smooth f these are equal), read at x ± PROBE·max(1, |x|) and x ± 2·PROBE·max(1, |x|)
and extrapolated to x (Richardson: 2·f′(x ± δ) − f′(x ± 2δ), error O(δ²·f‴)): exact for
piecewise linear f, about 1e-12 relative otherwise. No sympy solver is called.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradcore.expressions.tree import (
    NUMBER_NODES,
    SWITCH_NODES,
    Tree,
    difference,
    polynomial,
    variables_in,
)
from gradcore.number_text import factor, significant

KINK_TOL = 1e-10
PROBE = 1e-6
SAME_SLOPE = 1e-7
CONVERGED = 1e-3
MAX_KINK_DEGREE = 50


@dataclass(frozen=True)
class Kink:
    """A kink of a one-variable f at ``x``: f(x) = ``value``, slopes ``left`` = f′₋(x), ``right``.

    ``convex_here``: f′₋ < f′₊, a convex corner (|x| at 0). Then ``interval`` = [f′₋, f′₊] is
    the set of slopes g whose line f(x) + g·(y − x) stays below f near x (the subdifferential
    ∂f(x) when f is convex, where the line stays below f everywhere) and ``subgradient`` is
    gradcore's choice in it. At a concave corner (−|x| at 0) no line stays below f on both
    sides: ``interval`` and ``subgradient`` are None. ``slope`` is what ``Expression.gradient``
    returns here in both cases: the midpoint (f′₋ + f′₊)/2 (see the module docstring for why).
    """

    x: float
    value: float
    left: float
    right: float

    @property
    def convex_here(self) -> bool:
        return self.left < self.right

    @property
    def slope(self) -> float:
        return 0.5 * (self.left + self.right)

    @property
    def interval(self) -> tuple[float, float] | None:
        return (self.left, self.right) if self.convex_here else None

    @property
    def subgradient(self) -> float | None:
        return self.slope if self.convex_here else None

    def sides(self, function: str = "f", variable: str = "x") -> str:
        """Plain text: the two one-sided slopes of `function` (its name in the text) at the
        kink, in its `variable`, and that the derivative does not exist there."""
        where = significant(self.x)
        return (f"{function} has a kink at {variable} = {where}: its slope is "
                f"{significant(self.left)} from the left and {significant(self.right)} from the "
                f"right, so {function}′({where}) does not exist.")

    @property
    def note(self) -> str:
        """Plain text for the page: why there is no derivative here and what is shown instead."""
        where = significant(self.x)
        sides = self.sides()
        if self.convex_here:
            return (f"{sides} Every g in [{significant(self.left)}, {significant(self.right)}] "
                    f"is a subgradient (its line stays below f near x = {where}); gradcore uses "
                    f"the middle one, g = {significant(self.slope)}.")
        return (f"{sides} f bends down here, so no line through this point stays below f: "
                f"there is no subgradient. gradcore reports the midpoint of the two slopes, "
                f"{significant(self.slope)}.")


def switch_arguments(tree: Tree) -> tuple[Tree, ...]:
    """The trees whose sign change can bend ``tree``: see the module docstring."""
    switches, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node[0] in NUMBER_NODES or node[0] == "var":
            continue
        if node[0] in SWITCH_NODES:
            switches.append(node[1])
        elif node[0] in ("max", "min"):
            switches.extend(difference(a, b) for a, b in itertools.combinations(node[1:], 2))
        stack.extend(reversed(node[1:]))
    return tuple(dict.fromkeys(s for s in switches if variables_in(s)))


def _scale(x) -> np.ndarray:
    return np.maximum(1.0, np.abs(x))


def on_switch(switches: Callable, x) -> np.ndarray:
    """True where some switch is 0 or changes sign within x ± KINK_TOL·max(1, |x|).

    ``switches`` maps an array of points to an array of shape (number of switches, *x.shape).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:  # the slider's case, kept cheap: plain floats in, one small array
        width = KINK_TOL * max(1.0, abs(float(x)))
        points = np.array([float(x) - width, float(x), float(x) + width])
    else:
        width = KINK_TOL * _scale(x)
        points = np.stack([x - width, x, x + width])
    with np.errstate(all="ignore"):
        values = np.asarray(switches(points), dtype=float).reshape(-1, 3, *x.shape)
        below, at, above = values[:, 0], values[:, 1], values[:, 2]
        hit = ((at == 0) | (below * above <= 0)) & np.isfinite(below * above)
    return hit.any(axis=0)


def one_sided_slopes(derivative: Callable, x: float) -> tuple[float, float] | None:
    """(f′₋(x), f′₊(x)) from the analytic derivative ``derivative`` (vectorised) near x.

    Richardson-extrapolated one-sided limits (module docstring). None when a side has no
    finite limit (f undefined there, or an infinite slope such as sqrt(|x|) at 0).
    """
    delta = PROBE * float(_scale(x))
    probes = x + delta * np.array([-2.0, -1.0, 1.0, 2.0])
    with np.errstate(all="ignore"):
        far_left, near_left, near_right, far_right = np.broadcast_to(
            np.asarray(derivative(probes), dtype=float), probes.shape)
    slopes = []
    for near, far in ((near_left, far_left), (near_right, far_right)):
        if not (np.isfinite(near) and np.isfinite(far)) or \
                abs(near - far) > CONVERGED * max(1.0, abs(near)):
            return None
        slopes.append(float(2.0 * near - far))
    return slopes[0], slopes[1]


def same_slope(left: float, right: float) -> bool:
    """True when the two one-sided slopes agree: f is differentiable there."""
    return abs(right - left) <= SAME_SLOPE * max(1.0, abs(left), abs(right))


def polynomial_kink_candidates(tree: Tree, variable: str) -> tuple[float, ...]:
    """Real zeros of the switches of ``tree`` that are polynomials in ``variable`` (np.roots).

    Switches that are not polynomials (abs(sin(x))) or of degree above ``MAX_KINK_DEGREE`` are
    skipped. A candidate is a kink only if the one-sided slopes differ there: check each with
    ``Expression.kink``.
    """
    candidates = set()
    for switch in switch_arguments(tree):
        coefficients = polynomial(switch, variable, MAX_KINK_DEGREE)
        if coefficients is None or len(coefficients) < 2:
            continue
        if len(coefficients) == 2:  # a line: its root exactly, not via a companion matrix
            candidates.add(-coefficients[1] / coefficients[0] + 0.0)
            continue
        for root in np.roots(coefficients):
            if abs(root.imag) <= KINK_TOL * _scale(root.real):
                candidates.add(float(root.real) + 0.0)
    return tuple(sorted(candidates))


@dataclass(frozen=True)
class PartialKink:
    """A kink of f along one coordinate at a point: f(p + t·e_i) bends at t = 0.

    ``variable`` names the coordinate; ``left`` and ``right`` are the one-sided partial
    derivatives ∂f/∂x_i from below and from above; ``reported`` is the value gradcore's
    gradient gives there (the midpoint of the two for the parser's max, min, abs and relu,
    as ``Expression.gradient`` follows sympy's Heaviside(0) = 1/2 and sign(0) = 0).
    """

    variable: str
    left: float
    right: float
    reported: float

    @property
    def note(self) -> str:
        middle = 0.5 * (self.left + self.right)
        said = (f"along {self.variable}, f has a kink here: ∂f/∂{self.variable} is "
                f"{significant(self.left)} from below and {significant(self.right)} from above, "
                "so it does not exist at this point")
        if self.left < self.right:
            said += (f"; every value in [{significant(self.left)}, {significant(self.right)}] "
                     "gives a line along this coordinate that stays below f")
        reported = significant(self.reported)
        if abs(self.reported - middle) <= SAME_SLOPE * max(1.0, abs(middle)):
            return said + f". gradcore reports the midpoint, {reported}."
        return said + f". gradcore reports {reported} (sympy's rule for this formula)."


def partial_kinks(expression, point) -> tuple[PartialKink, ...]:
    """The coordinates along which f has a kink at ``point`` (see ``PartialKink``).

    The same cheap test as for one variable (module docstring), on each line p + t·e_i: a
    switch of f that changes sign within t ± KINK_TOL·max(1, |p_i|), then the one-sided limits
    of the analytic ∂f/∂x_i. Coordinates where f is smooth, or whose slope is infinite or
    undefined on a side, are left out. ``expression`` is a parsed ``Expression``.
    """
    from gradcore.expressions.evaluation import Program

    point = np.asarray(point, dtype=float)
    switches = switch_arguments(expression.tree)
    if not switches:
        return ()
    program = Program(("list", *switches), expression.variables)
    reported = np.asarray(expression.gradient(point), dtype=float)
    found = []
    for i, variable in enumerate(expression.variables):
        def along(ts, i=i):
            arrays = [np.full(np.shape(ts), value) for value in point]
            arrays[i] = point[i] + np.asarray(ts, dtype=float)
            return arrays

        def switch_values(ts, along=along):
            return program.run(tuple(along(ts)))[0]

        if not on_switch(lambda xs, f=switch_values, p=point[i]: f(xs - p), point[i]):
            continue

        def partial(ts, i=i, along=along):
            return expression.evaluate_gradient(*along(np.asarray(ts) - point[i]))[i]

        sides = one_sided_slopes(partial, float(point[i]))
        if sides is None or same_slope(*sides):
            continue
        found.append(PartialKink(variable, sides[0], sides[1], float(reported[i])))
    return tuple(found)


@dataclass(frozen=True)
class ChainKink:
    """The chain rule at x where f has a kink at u = g(x) or g has one at x.

    ``outer``: f's kink at u (None where f is differentiable there); ``inner``: g's kink at x;
    ``composite``: f(g(x))'s kink at x (None where f(g(x)) is differentiable there, as when
    g′(x) = 0); ``outer_slope``, ``inner_slope`` and ``direct``: f′(u), g′(x) and
    d/dx f(g(x)) as gradcore reports them (each the midpoint of its one-sided slopes at a
    kink); ``names``: the page's (x, u).

    Each one-sided slope of f(g(x)) is a one-sided slope of f times g′ (or f′ times a
    one-sided slope of g), so the product of the two midpoints is neither side's slope. Where
    only one of f and g has a kink it is the midpoint of f(g(x))'s slopes, the direct value;
    where both do it may not even be that (relu(x − |x|) at 0: the product is ½, f(g(x)) = 0).
    """

    x: float
    u: float
    outer: Kink | None
    inner: Kink | None
    composite: Kink | None
    outer_slope: float
    inner_slope: float
    direct: float
    names: tuple[str, str] = ("x", "u")

    @property
    def product(self) -> float:
        return self.outer_slope * self.inner_slope

    def _why_sides(self) -> str:
        """How f(g(x))'s one-sided slopes come from f's and g's, where one of them is smooth."""
        x, u = self.names
        g, f = factor(self.inner_slope), factor(self.outer_slope)
        if self.outer is not None and self.inner is None and self.inner_slope != 0:
            first, second = ((self.outer.left, self.outer.right) if self.inner_slope > 0
                             else (self.outer.right, self.outer.left))
            swap = ("" if self.inner_slope > 0 else
                    f" (g′ < 0: as {x} grows, {u} falls, so f′'s sides swap)")
            return (" Each is a one-sided slope of f times g′ = "
                    f"{significant(self.inner_slope)}: {significant(first)} × {g} and "
                    f"{significant(second)} × {g}{swap}.")
        if self.inner is not None and self.outer is None:
            return (f" Each is f′ = {significant(self.outer_slope)} times a one-sided slope of "
                    f"g: {f} × {factor(self.inner.left)} and {f} × {factor(self.inner.right)}.")
        return ""

    @property
    def lines(self) -> tuple[str, ...]:
        """Plain text for the page, one line per point made: f's kink, g's, f(g(x))'s, and
        what the product is there."""
        x, u = self.names
        at_x, at_u = significant(self.x), significant(self.u)
        product = (f"f′(g({x}))·g′({x}) = {significant(self.outer_slope)} × "
                   f"{factor(self.inner_slope)} = {significant(self.product)}")
        lines = []
        if self.outer is not None:
            lines.append(self.outer.sides("f", f"{u} = g({at_x})") + " gradcore reports the "
                         f"midpoint, f′({at_u}) = {significant(self.outer_slope)}.")
        if self.inner is not None:
            lines.append(self.inner.sides("g", x) + " gradcore reports the midpoint, "
                         f"g′({at_x}) = {significant(self.inner_slope)}.")
        if self.composite is None:
            why = f", because g′({at_x}) = 0" if self.inner_slope == 0 and self.outer else ""
            said = (f"f(g({x})) is differentiable here all the same{why}: its slope is "
                    f"{significant(self.direct)} from both sides")
            if same_slope(self.product, self.direct):
                return (*lines, said + f", and the product {product} is that derivative.")
            return (*lines, said + f", but the product {product} is not: with a kink in f "
                    "or g the product of the midpoints need not be the derivative.")
        said = (f"So f(g({x})) has a kink at {x} = {at_x} too: its slope is "
                f"{significant(self.composite.left)} from the left and "
                f"{significant(self.composite.right)} from the right, so it has no derivative "
                f"here.{self._why_sides()}")
        if same_slope(self.product, self.direct):
            both = "s" if self.outer is not None and self.inner is not None else ""
            return (*lines, said, f"The product {product} multiplies gradcore's "
                    f"midpoint{both}, so it is neither one-sided slope but their midpoint, the "
                    f"same as the direct value (gradcore's midpoint for f(g({x}))). The Check "
                    "agrees because central differences give the midpoint at a kink too; that "
                    f"does not make f(g({x})) differentiable here.")
        return (*lines, said, f"The product {product} multiplies two midpoints and is not "
                f"even the midpoint of these slopes ({significant(self.direct)}, the direct "
                f"value): with kinks in both f and g it is no slope of f(g({x})).")

def chain_kink(outer, inner, composite, x: float,
               names: tuple[str, str] = ("x", "u")) -> ChainKink | None:
    """The chain rule's kinks at x (``ChainKink``): f (``outer``, one variable) at u = g(x),
    g (``inner``) at x, and f(g(x)) (``composite``, one ``Expression`` in g's variable) at x.

    None where f is differentiable at g(x) and g at x: there the product is the derivative.
    Raises ExpressionError where a value or a one-sided slope is undefined or infinite.
    """
    u = float(inner.value([x]))
    outer_kink = outer.kink(u) if outer.variables else None
    inner_kink = inner.kink(x) if inner.variables else None
    if outer_kink is None and inner_kink is None:
        return None
    composite_kink = composite.kink(x) if composite.variables else None
    outer_slope = float(outer.gradient([u])[0]) if outer.variables else 0.0
    inner_slope = float(inner.gradient([x])[0]) if inner.variables else 0.0
    direct = float(composite.gradient([x])[0]) if composite.variables else 0.0
    return ChainKink(float(x), u, outer_kink, inner_kink, composite_kink, outer_slope,
                     inner_slope, direct, names)
