"""The exercises of the four calculus lessons: derivatives, gradients, subgradient, chain rule.

Each public function here is the ``build`` of one :class:`~gradcore.exercises.catalogue.Exercise`
(``gradcore.exercises.catalogue.EXERCISES`` lists them with their ids and pages): given a seed it returns
``(prompt, link, solution, check)``. Every expected number, and the typical wrong answers the
checker names, come from the catalogue function the link opens (``CATALOGUE`` values and
gradients, its kinks, ``subdifferential``, ``Expression.compose``), not from numbers typed here,
so an exercise cannot disagree with the page it opens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np

from gradcore.calculus.functions import CATALOGUE, DOT_X
from gradcore.calculus.subgradients import subdifferential
from gradcore.exercises import answers
from gradcore.exercises.checks import (
    Feedback,
    angle_checker,
    close,
    interval_checker,
    number_checker,
    param,
    vector_checker,
    yes_no_checker,
)
from gradcore.exercises.seeds import DEFAULT_SEED, pick, rng
from gradcore.expressions.expression import trusted_expression
from gradcore.number_text import fmt_vector, significant

# The components of a 3-D point in the page's order; its widgets are keyed p_<name>.
XYZ = ("x", "y", "z")
W123 = ("w1", "w2", "w3")


# -- derivatives ----------------------------------------------------------------------------

def square_slope(seed: int):
    x0 = pick("square", seed, 1.5, (-3.0, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.0))
    f = CATALOGUE["square"]
    slope, height = float(f.gradient(x0)), float(f.value(x0))
    prompt = (f"f(x) = x², the article's example. What is the slope f′(x₀) of the tangent line "
              f"at x₀ = {significant(x0)}?")
    check = number_checker(slope, f"Right: f′(x) = 2x, so f′({significant(x0)}) = {significant(slope)}.",
                           [(height, f"{significant(height)} is f(x₀), the height of the curve; the "
                                     "slope is f′(x₀) = 2x₀."),
                            (x0, "That is x₀ itself: the power rule gives d/dx x² = 2x, so "
                                 "multiply by 2.")],
                           "Use f′(x) = 2x.")
    return prompt, {"fn": "square", "x0": param(x0)}, significant(slope), check


def secant_slope(seed: int):
    if seed == DEFAULT_SEED:
        x0, h = 1.5, "0.5"
    else:
        draw = rng("secant", seed)
        x0, h = draw.choice((-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)), draw.choice(("1", "0.5"))
    f, step = CATALOGUE["square"], float(h)
    rise = float(f.value(x0 + step) - f.value(x0))
    secant, tangent = rise / step, float(f.gradient(x0))
    prompt = (f"f(x) = x². With the step h = {h}, what is the secant slope "
              f"(f(x₀ + h) − f(x₀)) / h at x₀ = {significant(x0)}?")
    mistakes = [(tangent, f"{significant(tangent)} is the tangent slope f′(x₀), the limit as h → 0; "
                          f"with h = {h} the secant slope is 2x₀ + h.")]
    if step != 1:
        mistakes.append((rise, f"{significant(rise)} is the rise f(x₀ + h) − f(x₀); divide it by the run "
                               f"h = {h}."))
    check = number_checker(secant, f"Right: ({significant(f.value(x0 + step))} − {significant(f.value(x0))}) / "
                                   f"{h} = {significant(secant)}, close to the tangent slope "
                                   f"{significant(tangent)}.", mistakes,
                           "Compute f(x₀ + h) and f(x₀), subtract, divide by h.")
    return prompt, {"fn": "square", "x0": param(x0), "h": h}, significant(secant), check


def kink_derivative(seed: int):
    cases = (("abs", 0.0), ("relu", 0.0), ("hinge", 1.0), ("abs", 1.5), ("relu", -1.0))
    name, x0 = pick("kink", seed, cases[0], cases)
    f = CATALOGUE[name]
    kink = f.kink_at(x0)
    prompt = (f"f(x) = {f.label}. Does f have a derivative (a single tangent slope) at "
              f"x₀ = {significant(x0)}? Answer yes or no.")
    if kink is None:
        slope = significant(f.gradient(x0))
        right = f"Right: f is smooth near x₀ = {significant(x0)}; its slope there is {slope}."
        wrong = (f"f has a kink only at x = {', '.join(significant(k) for k in f.kinks)}; near "
                 f"x₀ = {significant(x0)} it is a straight piece with slope {slope}: yes.")
    else:
        right = (f"Right: the slope is {significant(kink.left)} from the left and {significant(kink.right)} "
                 "from the right, so no single tangent exists; there is an interval of "
                 "subgradients instead.")
        wrong = (f"Look at both sides of x₀: the slope is {significant(kink.left)} from the left and "
                 f"{significant(kink.right)} from the right. They differ, so f′(x₀) does not exist.")
    solution = "yes" if kink is None else "no"
    return prompt, {"fn": name, "x0": param(x0)}, solution, \
        yes_no_checker(kink is None, right, wrong)


def sigmoid_slope(seed: int):
    f = CATALOGUE["sigmoid"]
    slope, height = float(f.gradient(0.0)), float(f.value(0.0))
    prompt = "f(x) = σ(x) = 1/(1 + e⁻ˣ), the sigmoid. What is its slope f′(0)?"
    check = number_checker(slope, f"Right: σ′(x) = σ(x)(1 − σ(x)), so σ′(0) = 1/2 · 1/2 = "
                                  f"{significant(slope)}.",
                           [(height, f"{significant(height)} is σ(0), the value; the slope is "
                                     "σ′(0) = σ(0)(1 − σ(0))."),
                            (1.0, "The sigmoid is flatter than the line y = x at 0: use "
                                  "σ′(x) = σ(x)(1 − σ(x)).")],
                           "Use σ′(x) = σ(x)(1 − σ(x)).")
    return prompt, {"fn": "sigmoid", "x0": param(0.0)}, significant(slope), check


# -- gradients ------------------------------------------------------------------------------

def _point(name: str, seed: int, default: tuple[float, ...], size: int) -> tuple[float, ...]:
    """`default` for seed 0, else `size` nonzero integers of distinct sizes, so that a sign
    error or two swapped components always changes the answer."""
    if seed == DEFAULT_SEED:
        return default
    draw = rng(name, seed)
    while True:
        point = tuple(float(draw.choice((-3, -2, -1, 1, 2, 3))) for _ in range(size))
        if len({abs(v) for v in point}) == size:
            return point


def _point_params(names: Sequence[str], point: Sequence[float]) -> dict[str, str]:
    """The link entries that put the page's point widgets (``p_<name>``) at `point`."""
    return {f"p_{name}": param(value) for name, value in zip(names, point, strict=True)}


def _gradient_at(name: str, seed: int, default: tuple[float, ...]):
    """A seeded 3-D point for the catalogue function `name`, with ∇f and f there."""
    point = _point(name, seed, default, 3)
    f = CATALOGUE[name]
    return point, f.gradient(np.array(point)), f.value(np.array(point))


def gradient_3d(seed: int):
    point, grad, value = _gradient_at("article3d", seed, (1.0, 2.0, 3.0))
    coefficients = [1.0, 2.0, 3.0]
    prompt = (f"f(x, y, z) = x² + 2y² + 3z² (the article's 3-D example). What is the gradient "
              f"∇f = (∂f/∂x, ∂f/∂y, ∂f/∂z) at the point {fmt_vector(point)}?")
    mistakes = [
        (value, f"{significant(value)} is the value f{fmt_vector(point)}; the gradient is a vector of three "
                "partial derivatives, like (2, 8, 18)."),
        ([2 * p for p in point], "Each term's coefficient is missing: ∂/∂y 2y² = 4y and "
                                 "∂/∂z 3z² = 6z, not 2y and 2z."),
        ([c * p for c, p in zip(coefficients, point, strict=True)],
         "The factor 2 from the power rule is missing: ∂/∂x x² = 2x, ∂/∂y 2y² = 4y."),
        (list(point), "That is the point itself; the gradient is (2x, 4y, 6z) at the point."),
    ]
    link = {"fn": "article3d", **_point_params(XYZ, point)}
    check = vector_checker(grad, XYZ, f"Right: ∇f = (2x, 4y, 6z) = {fmt_vector(grad)}.",
                           mistakes, "∇f = (2x, 4y, 6z): differentiate each term in its own "
                                     "variable.")
    return prompt, link, fmt_vector(grad), check


def gradient_sqnorm(seed: int):
    point, grad, value = _gradient_at("sqnorm", seed, (1.0, -2.0, 3.0))
    prompt = (f"f(w) = ‖w‖² = w₁² + w₂² + w₃² (article, section 5.1). What is ∇f at "
              f"w = {fmt_vector(point)}?")
    mistakes = [(value, f"{significant(value)} is ‖w‖², the value; its gradient is the vector 2w."),
                (list(point), "That is w itself: each ∂/∂wᵢ wᵢ² = 2wᵢ, so ∇‖w‖² = 2w.")]
    link = {"fn": "sqnorm", "n": "3", **_point_params(W123, point)}
    check = vector_checker(grad, W123, f"Right: ∇‖w‖² = 2w = {fmt_vector(grad)}.",
                           mistakes, "Only wᵢ² depends on wᵢ, and d/dwᵢ wᵢ² = 2wᵢ.")
    return prompt, link, fmt_vector(grad), check


def gradient_dot(seed: int):
    point, grad, value = _gradient_at("dot", seed, (2.0, 1.0, -3.0))
    prompt = (f"f(w) = w·x with the fixed x = {fmt_vector(DOT_X)} (article, section 5.2). What is "
              f"∇_w f at w = {fmt_vector(point)}?")
    mistakes = [(value, f"{significant(value)} is the value w·x; its gradient with respect to w is a "
                        "vector."),
                (list(point), "That is w: the gradient of w·x with respect to w is x, whatever "
                              "w is (∂/∂wᵢ of wᵢxᵢ is xᵢ)."),
                ([2 * v for v in grad], "No factor 2 here: w·x is linear in w, "
                                        "∂/∂wᵢ (wᵢxᵢ) = xᵢ.")]
    link = {"fn": "dot", **_point_params(W123, point)}
    check = vector_checker(grad, W123, f"Right: ∇_w (w·x) = x = {fmt_vector(grad)}, the same at "
                                       "every w.",
                           mistakes, "The only term with wᵢ is wᵢxᵢ.")
    return prompt, link, fmt_vector(grad), check


def _slice_setup(name: str, seed: int):
    point = _point(name, seed, (1.0, 1.0), 2) + (1.0,)
    grad = CATALOGUE["article3d"].gradient(np.array(point))
    theta = math.degrees(math.atan2(grad[1], grad[0])) % 360.0
    swapped = math.degrees(math.atan2(grad[0], grad[1])) % 360.0
    link = {"fn": "article3d", **_point_params(XYZ, point), "sx": "x", "sy": "y"}
    where = (f"f(x, y, z) = x² + 2y² + 3z² at the point {fmt_vector(point)}, in the (x, y) slice "
             "(z held fixed)")
    return point, grad, theta, swapped, link, where


def steepest_ascent(seed: int):
    point, grad, theta, swapped, link, where = _slice_setup("steepest", seed)
    level = ("Along that direction ∇f·v = 0: it follows the level curve, where f does not "
             "change. Steepest ascent is perpendicular to it, along ∇f.")
    prompt = (f"{where}: for which direction angle θ (in degrees, from the x axis) is the rate of "
              "change ∇f·v largest?")
    mistakes = [((theta + 180) % 360, "That is the direction of −∇f: there f decreases fastest "
                                      "(steepest descent). Steepest ascent is along ∇f."),
                ((theta + 90) % 360, level),
                ((theta - 90) % 360, level),
                (swapped, "The components are swapped: tan θ = (∂f/∂y)/(∂f/∂x), with "
                          "∂f/∂x = 2x on the horizontal axis.")]
    check = angle_checker([theta], f"Right: ∇f·v = ‖∇f‖ cos(angle between them) is largest "
                                   f"along ∇f = ({significant(grad[0])}, {significant(grad[1])}) in this plane, "
                                   f"θ = {theta:.1f}°.", mistakes,
                          "Steepest ascent points along ∇f = (2x, 4y) in this plane: "
                          "θ = atan2(∂f/∂y, ∂f/∂x).")
    return prompt, link, f"{theta:.1f}", check


def level_curve(seed: int):
    point, grad, theta, _, link, where = _slice_setup("level", seed)
    along = ((theta + 90) % 360, (theta - 90) % 360)
    prompt = (f"{where}: the level curve of f through the point runs along which direction "
              "angle θ (in degrees, from the x axis)? Either of its two directions is fine.")
    mistakes = [(theta, "That is the direction of ∇f, straight across the level curves (steepest "
                        "ascent). The level curve is perpendicular to ∇f: ∇f·v = 0 along it."),
                ((theta + 180) % 360, "That is −∇f, straight across the level curves (steepest "
                                      "descent). Along the level curve ∇f·v = 0.")]
    check = angle_checker(along, f"Right: along the level curve f does not change, so "
                                 f"∇f·v = 0: v ⟂ ∇f, θ = {along[0]:.1f}° or {along[1]:.1f}°.",
                          mistakes, "Find ∇f = (2x, 4y) in this plane first, then turn it "
                                    "by 90°.")
    return prompt, link, f"{along[0]:.1f}", check


# -- subgradients ---------------------------------------------------------------------------

def _is_subgradient(name: str, candidates: Sequence[float]):
    """The build of "is g a subgradient of f at 0?" for the kinked function `name`."""
    def build(seed: int):
        g = pick(name, seed, 0.3, candidates)
        f = CATALOGUE[name]
        lo, hi = subdifferential(name, 0.0)
        inside = lo <= g <= hi
        prompt = (f"f(x) = {f.label}. Is g = {significant(g)} a subgradient of f at x₀ = 0, that is, "
                  "does the line f(0) + g·y stay below f for every y? Answer yes or no.")
        side = "right (y > 0)" if g > hi else "left (y < 0)"
        right = (f"Right: ∂f(0) = [{significant(lo)}, {significant(hi)}] " +
                 ("contains g, so its line supports f." if inside else
                  f"does not contain g, so the line rises above f on the {side}."))
        wrong = (f"∂f(0) = [{significant(lo)}, {significant(hi)}], the slopes between the left slope {significant(lo)} "
                 f"and the right slope {significant(hi)}. " +
                 (f"{significant(g)} lies inside, so its line stays below f." if inside else
                  f"{significant(g)} lies outside: its line rises above f on the {side}."))
        link = {"fn": name, "x0": param(0.0), "g": param(g)}
        return prompt, link, "yes" if inside else "no", yes_no_checker(inside, right, wrong)
    return build


subgradient_abs = _is_subgradient("abs", (-1.5, -1.2, -0.8, -0.5, -0.3, 0.3, 0.5, 0.8, 1.2, 1.5))
subgradient_relu = _is_subgradient("relu", (-0.8, -0.5, -0.3, 0.3, 0.5, 0.8, 1.2, 1.5))


_KINK_CASES = (("abs", 0.0), ("relu", 0.0), ("hinge", 1.0), ("abs_shift", 1.0),
               ("maxlin", 0.0), ("maxlin", 2.0))


def subdifferential_kink(seed: int):
    name, x0 = pick("interval", seed, _KINK_CASES[0], _KINK_CASES)
    f = CATALOGUE[name]
    lo, hi = subdifferential(name, x0)
    prompt = (f"f(x) = {f.label} has a kink at x₀ = {significant(x0)}. Write its subdifferential "
              "∂f(x₀), the set of all subgradients, as an interval [a, b].")
    mistakes = []
    if name != "abs":
        abs_lo, abs_hi = subdifferential("abs", 0.0)
        mistakes.append(((abs_lo, abs_hi), f"[{significant(abs_lo)}, {significant(abs_hi)}] is ∂|x| at 0. Here "
                                           f"the slopes on the two sides are {significant(lo)} and "
                                           f"{significant(hi)}."))
    check = interval_checker((lo, hi), f"Right: the slope is {significant(lo)} on the left and "
                                       f"{significant(hi)} on the right, and every g between them is a "
                                       f"subgradient: ∂f({significant(x0)}) = [{significant(lo)}, {significant(hi)}].",
                             mistakes, "The ends are the slopes just left and just right of x₀.")
    return prompt, {"fn": name, "x0": param(x0)}, f"[{significant(lo)}, {significant(hi)}]", check


def subdifferential_smooth(seed: int):
    cases = (("abs", 2.0), ("abs", -1.5), ("relu", 1.0), ("relu", -2.0), ("hinge", 2.0),
             ("hinge", -0.5), ("abs_shift", 0.0))
    name, x0 = pick("smooth", seed, cases[0], cases)
    f = CATALOGUE[name]
    lo, hi = subdifferential(name, x0)
    kink = f.kinks[0]
    k_lo, k_hi = subdifferential(name, kink)
    value = float(f.value(x0))
    prompt = (f"f(x) = {f.label}. What is the subdifferential ∂f(x₀) at x₀ = {significant(x0)}, away "
              "from the kink? Give it as an interval or a single number.")
    mistakes = [((k_lo, k_hi), f"[{significant(k_lo)}, {significant(k_hi)}] is ∂f at the kink x = {significant(kink)}. "
                               f"At x₀ = {significant(x0)} f is differentiable, so ∂f(x₀) holds one "
                               "slope only.")]
    right = (f"Right: f is differentiable at {significant(x0)}, so ∂f(x₀) = {{f′(x₀)}} = {{{significant(lo)}}}: "
             f"a single slope, [{significant(lo)}, {significant(hi)}] if written as an interval.")
    inner = interval_checker((lo, hi), right, mistakes, "Away from a kink f has one slope.")

    def check(text: str) -> Feedback:
        reading = answers.read(text)
        if len(reading.numbers) == 1 and not close(reading.numbers[0], lo) and \
                close(reading.numbers[0], value):
            return Feedback(False, f"{significant(value)} is f(x₀), the value; ∂f(x₀) holds slopes.")
        if len(reading.numbers) == 1 and not close(reading.numbers[0], lo):
            return Feedback(False, f"Not {significant(reading.numbers[0])}: f is a straight piece near "
                                   f"x₀ = {significant(x0)}; its slope there is the only subgradient.")
        return inner(text)
    return prompt, {"fn": name, "x0": param(x0)}, significant(lo), check


# -- chain rule -----------------------------------------------------------------------------

@cache
def _inner(text: str):
    return trusted_expression(text, ("x",))


def _chain_numbers(outer: str, inner: str, x: float):
    f, g = CATALOGUE[outer].expression, _inner(inner)
    gx = float(g.value([x]))
    return (gx, float(f.value([gx])), float(f.gradient([gx])[0]), float(g.gradient([x])[0]),
            float(f.compose(g).gradient([x])[0]))


def _chain_link(outer: str, inner: str, x: float) -> dict[str, str]:
    """The chain-rule page with the catalogue's `outer`, the typed `inner` and the point x."""
    return {"fn": outer, "gn": "typed", "g": inner, "x": param(x)}


def chain_article(seed: int):
    x = pick("chain", seed, 2.0, (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.0))
    gx, fg, df, dg, total = _chain_numbers("square", "x + 1", x)
    prompt = (f"The article's example: f(u) = u² and g(x) = x + 1. Using the chain rule "
              f"f′(g(x))·g′(x), what is d/dx f(g(x)) = d/dx (x + 1)² at x = {significant(x)}?")
    mistakes = [(2 * x, f"{significant(2 * x)} is f′ evaluated at x. The outer derivative is taken at the "
                        f"inner value u = g(x) = {significant(gx)}: f′(g(x)) = 2(x + 1)."),
                (gx, f"{significant(gx)} is g(x); the outer derivative f′(u) = 2u brings a factor 2."),
                (fg, f"{significant(fg)} is the value f(g(x)) = (x + 1)², not its derivative.")]
    check = number_checker(total, f"Right: f′(g(x))·g′(x) = 2({significant(x)} + 1)·1 = {significant(total)}.",
                           mistakes, "d/dx (x + 1)² = 2(x + 1)·1.")
    return prompt, _chain_link("square", "x + 1", x), significant(total), check


def chain_inner_slope(seed: int):
    # x = 1 (g = 2) and x = 1/3 (g = 0) are left out: there f(g) = f′(g), one number, two mistakes
    x = pick("chain-linear", seed, 1.5, (-2.0, -1.5, -1.0, -0.5, 0.5, 1.5, 2.0, 2.5))
    gx, fg, df, dg, total = _chain_numbers("square", "3*x - 1", x)
    prompt = (f"f(u) = u² and g(x) = 3x − 1. What is d/dx f(g(x)) = d/dx (3x − 1)² at "
              f"x = {significant(x)}?")
    mistakes = [(df, f"{significant(df)} is f′(g(x)) alone: multiply by the inner derivative "
                     f"g′(x) = {significant(dg)}."),
                (2 * x * dg, f"{significant(2 * x * dg)} uses f′ at x; the outer derivative is taken at "
                             f"u = g(x) = {significant(gx)}."),
                (fg, f"{significant(fg)} is the value (3x − 1)², not its derivative.")]
    check = number_checker(total, f"Right: f′(g(x))·g′(x) = 2·{significant(gx)}·{significant(dg)} = "
                                  f"{significant(total)}.", mistakes,
                           "Outer derivative at the inner value, times the inner derivative.")
    return prompt, _chain_link("square", "3*x - 1", x), significant(total), check


def chain_relu(seed: int):
    x = pick("chain-relu", seed, 0.0, (-1.5, -1.0, -0.5, 0.0, 1.0, 1.5, 2.0, 2.5))
    gx, fg, df, dg, total = _chain_numbers("relu", "2*x - 1", x)
    prompt = (f"f(u) = ReLU(u) = max(u, 0) and g(x) = 2x − 1, a tiny neuron. What is "
              f"d/dx f(g(x)) at x = {significant(x)}?")
    active = gx > 0
    mistakes = [(dg, f"g(x) = {significant(gx)} < 0, so the ReLU is flat there: f′(g(x)) = 0 and the "
                     "product is 0 (an inactive unit passes no gradient back).")] if not active \
        else [(df, f"{significant(df)} is f′(g(x)) alone; multiply by g′(x) = {significant(dg)}."),
              (0.0, f"g(x) = {significant(gx)} > 0, so the ReLU passes the gradient: f′(g(x)) = 1.")]
    check = number_checker(total, f"Right: g(x) = {significant(gx)}, f′(g(x)) = {significant(df)}, "
                                  f"g′(x) = {significant(dg)}: the product is {significant(total)}.", mistakes,
                           "First find g(x): is the ReLU active (g(x) > 0) or not?")
    return prompt, _chain_link("relu", "2*x - 1", x), significant(total), check

