"""Exercises for the five lessons, with an answer checker that names the mistake.

``EXERCISES`` is a tuple of :class:`Exercise` (names fixed in DESIGN.md): ``id`` (unique,
URL-safe), ``page`` (the page's url path: "derivatives", "gradients", "subgradient",
"chain-rule", "linear-regression"), ``prompt``, ``link`` (query parameters that set the page
up: only keys and values the page's ``ui.state.Link`` widgets accept), ``solution`` (an
accepted answer) and ``check(text) -> Feedback``.

**Seeds.** An exercise with numbers (a point, a dataset seed, a learning rate) is regenerated
from an integer seed in [0, ``MAX_SEED``], deterministically: ``exercise.instance(seed)`` is a
:class:`Task` with the same ``prompt``/``link``/``solution``/``check`` for that seed, and
``exercise.check(text, seed=...)`` checks against it. The plain attributes of an Exercise are
those of ``DEFAULT_SEED`` (0), which is the article's own example. A link carries the seed in
the query parameter ``SEED_PARAM`` ("exseed", never a page widget key: the regression page
already uses "seed" for its data generator); ``Task.query()`` is the whole query string
(``ex``, ``exseed`` when not the default, and the page's link). ``parse_seed`` reads it back.

**One source of truth.** Every expected number comes from gradcore (catalogue values and
gradients, ``subdifferential``, ``Expression.compose``, ``mse_gradient``,
``regression_statistics``, ``learning_rate_verdict``), computed on the very data the page
builds from the link (``page_data``, which mirrors ``ui.regression_cache.prepare``).

**Feedback.** ``check`` parses the answer (``gradcore.answers``), accepts it within a tolerance
(``RTOL``, ``ATOL``; angles within ``ANGLE_TOL`` degrees), and otherwise compares it with the
typical wrong answers of that exercise (each computed too: f(x₀) for f′(x₀), the gradient
without its factor 2, the descent direction, ...) and with generic ones (a sign error, a factor
2, components in the wrong order, a point instead of an interval) to say what went wrong.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from gradcore import answers
from gradcore.answers import AnswerError
from gradcore.data import DATASETS, load_bundled, make_regression_data, select_xy
from gradcore.expressions import trusted_expression
from gradcore.functions import CATALOGUE, DOT_X
from gradcore.regression import learning_rate_verdict, mse_gradient
from gradcore.standardize import Standardizer
from gradcore.statistics import regression_statistics
from gradcore.subgradients import subdifferential

SEED_PARAM = "exseed"
EXERCISE_PARAM = "ex"
DEFAULT_SEED = 0
MAX_SEED = 999_999
RTOL, ATOL = 0.01, 0.005
ANGLE_TOL = 1.0
LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-6, 2) for m in (1, 2, 5))
"""The regression page's learning-rate options (its ``lr`` select slider)."""


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` and a ``message`` for the student."""

    correct: bool
    message: str


@dataclass(frozen=True)
class Task:
    """One exercise at one seed: what the page shows and how an answer is checked."""

    exercise_id: str
    page: str
    seed: int
    prompt: str
    link: dict[str, str]
    solution: str
    checker: Callable[[str], Feedback] = field(repr=False, compare=False)

    def check(self, text: str) -> Feedback:
        """Feedback on a typed answer; an unreadable answer gets the parser's advice."""
        try:
            return self.checker(text)
        except AnswerError as error:
            return Feedback(False, str(error))

    def query(self) -> dict[str, str]:
        """The whole query string that opens this task: ex, exseed (if not 0) and the link."""
        seed = {} if self.seed == DEFAULT_SEED else {SEED_PARAM: str(self.seed)}
        return {EXERCISE_PARAM: self.exercise_id, **seed, **self.link}


@dataclass(frozen=True)
class Exercise:
    """An exercise: ``build(seed)`` makes its :class:`Task`; attributes are seed 0's."""

    id: str
    page: str
    build: Callable[[int], tuple[str, dict[str, str], str, Callable[[str], Feedback]]] = \
        field(repr=False, compare=False)
    seeded: bool = True

    def instance(self, seed: int = DEFAULT_SEED) -> Task:
        """The task for `seed` (0 .. MAX_SEED; an unseeded exercise ignores it)."""
        return _task(self, check_seed(seed) if self.seeded else DEFAULT_SEED)

    @property
    def prompt(self) -> str:
        return self.instance().prompt

    @property
    def link(self) -> dict[str, str]:
        return self.instance().link

    @property
    def solution(self) -> str:
        return self.instance().solution

    def check(self, text: str, seed: int = DEFAULT_SEED) -> Feedback:
        return self.instance(seed).check(text)


@lru_cache(maxsize=512)
def _task(exercise: Exercise, seed: int) -> Task:
    prompt, link, solution, checker = exercise.build(seed)
    return Task(exercise.id, exercise.page, seed, prompt, link, solution, checker)


def check_seed(seed) -> int:
    """`seed` as an int in [0, MAX_SEED]; ValueError otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or \
            not 0 <= seed <= MAX_SEED:
        raise ValueError(f"an exercise seed is a whole number from 0 to {MAX_SEED}")
    return int(seed)


def parse_seed(raw: str | None) -> int | None:
    """The seed in a link's text (digits only, at most MAX_SEED), or None when unusable."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    return int(raw)


# -- numbers as the page and the student write them -------------------------------------------

def num(value: float) -> str:
    """A number for prompts and solutions: 4 significant digits, no "-0"."""
    text = f"{float(value):.4g}"
    return "0" if text == "-0" else text


def vec(values: Sequence[float]) -> str:
    return "(" + ", ".join(num(v) for v in values) + ")"


def param(value: float) -> str:
    """A number as the page's Link writes it into the address (shortest round trip)."""
    return repr(float(value))


def close(a: float, b: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def all_close(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))


def _rng(exercise_id: str, seed: int) -> random.Random:
    # A str seed is hashed with SHA-512: the same choice in every process and Python version.
    return random.Random(f"{exercise_id}:{seed}")


# -- checkers: the right answer first, then the exercise's own mistakes, then generic ones -----

Mistakes = Sequence[tuple[object, str]]


def number_checker(expected: float, right: str, mistakes: Mistakes, hint: str
                   ) -> Callable[[str], Feedback]:
    def check(text: str) -> Feedback:
        value = answers.parse_number(text)
        if close(value, expected):
            return Feedback(True, right)
        for wrong, message in mistakes:
            if close(value, float(wrong)):
                return Feedback(False, message)
        if expected != 0 and close(value, -expected):
            return Feedback(False, f"Check the sign: {num(value)} has the right size but the "
                                   f"wrong sign. {hint}")
        if expected != 0 and (close(value, expected / 2) or close(value, 2 * expected)):
            return Feedback(False, f"Off by a factor 2: look for a missing or extra 2. {hint}")
        return Feedback(False, f"Not {num(value)}. {hint}")
    return check


def vector_checker(expected: Sequence[float], names: Sequence[str], right: str,
                   mistakes: Mistakes, hint: str) -> Callable[[str], Feedback]:
    expected = tuple(float(v) for v in expected)
    n = len(expected)

    def check(text: str) -> Feedback:
        reading = answers.read(text)
        if len(reading.numbers) == 1 and not reading.words:
            for wrong, message in mistakes:
                if np.ndim(wrong) == 0 and close(reading.numbers[0], float(wrong)):
                    return Feedback(False, message)
        value = answers.parse_vector(text, n)
        if all_close(value, expected):
            return Feedback(True, right)
        for wrong, message in mistakes:
            if np.ndim(wrong) == 1 and all_close(value, wrong):
                return Feedback(False, message)
        if all_close(value, [-v for v in expected]):
            return Feedback(False, "Every component has the wrong sign: that is −∇f, the "
                                   f"direction of steepest descent. {hint}")
        if all_close(sorted(value), sorted(expected)):
            return Feedback(False, "The right numbers in the wrong order: the components go "
                                   f"in the order {', '.join(names)}. {hint}")
        if all_close(value, [v / 2 for v in expected]):
            return Feedback(False, f"Each component is half the right value: the factor 2 from "
                                   f"d/du u² = 2u is missing. {hint}")
        good = [name for name, v, e in zip(names, value, expected, strict=True) if close(v, e)]
        if good:
            return Feedback(False, f"The component(s) for {', '.join(good)} are right; check "
                                   f"the others. {hint}")
        return Feedback(False, f"Not {vec(value)}. {hint}")
    return check


def interval_checker(expected: tuple[float, float], right: str, mistakes: Mistakes,
                     hint: str) -> Callable[[str], Feedback]:
    lo, hi = map(float, expected)

    def check(text: str) -> Feedback:
        reading = answers.read(text)
        if len(reading.numbers) == 1:
            point = answers.parse_number(text)
            if lo == hi and close(point, lo):
                return Feedback(True, right)
            if lo < hi and lo <= point <= hi:
                return Feedback(False, f"{num(point)} is one subgradient, but at a kink there is "
                                       "a whole interval of them: give both ends, like "
                                       f"[a, b]. {hint}")
            if lo < hi:
                return Feedback(False, f"A single number is a point, not an interval, and "
                                       f"{num(point)} is not even in it. {hint}")
        a, b = answers.parse_interval(text)
        if close(a, lo) and close(b, hi):
            return Feedback(True, right)
        if close(a, hi) and close(b, lo) and lo != hi:
            return Feedback(True, f"{right} (An interval is usually written smaller end "
                                  "first.)")
        for wrong, message in mistakes:
            if close(a, wrong[0]) and close(b, wrong[1]):
                return Feedback(False, message)
        if close(a, -hi) and close(b, -lo) and lo != -hi:
            return Feedback(False, f"The signs are flipped. {hint}")
        if close(a, lo) or close(b, hi):
            side = "left" if close(a, lo) else "right"
            return Feedback(False, f"The {side} end is right; check the slope on the other "
                                   f"side of x₀. {hint}")
        return Feedback(False, f"Not [{num(a)}, {num(b)}]. {hint}")
    return check


def yes_no_checker(expected: bool, right: str, wrong: str) -> Callable[[str], Feedback]:
    def check(text: str) -> Feedback:
        said = answers.parse_yes_no(text)
        return Feedback(True, right) if said == expected else Feedback(False, wrong)
    return check


def choice_checker(options: dict[str, tuple[str, ...]], expected: str, right: str,
                   wrong: dict[str, str]) -> Callable[[str], Feedback]:
    def check(text: str) -> Feedback:
        said = answers.parse_choice(text, options)
        return Feedback(True, right) if said == expected else Feedback(False, wrong[said])
    return check


def angle_checker(expected: Sequence[float], right: str, mistakes: Mistakes, hint: str
                  ) -> Callable[[str], Feedback]:
    def gap(a: float, b: float) -> float:
        return abs((a - b + 180.0) % 360.0 - 180.0)

    def check(text: str) -> Feedback:
        value = answers.parse_number(text)
        if any(gap(value, e) <= ANGLE_TOL for e in expected):
            return Feedback(True, right)
        for wrong, message in mistakes:
            if gap(value, float(wrong)) <= ANGLE_TOL:
                return Feedback(False, message)
        if any(abs(value - math.radians(e) % (2 * math.pi)) <= 0.02 for e in expected):
            return Feedback(False, f"That looks like radians: the angle θ is in degrees. {hint}")
        return Feedback(False, f"Not {num(value)}°. {hint}")
    return check


# -- derivatives ----------------------------------------------------------------------------

def _square_slope(seed: int):
    x0 = 1.5 if seed == DEFAULT_SEED else _rng("square", seed).choice(
        (-3.0, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.0))
    f = CATALOGUE["square"]
    slope, height = float(f.gradient(x0)), float(f.value(x0))
    prompt = (f"f(x) = x², the article's example. What is the slope f′(x₀) of the tangent line "
              f"at x₀ = {num(x0)}?")
    check = number_checker(slope, f"Right: f′(x) = 2x, so f′({num(x0)}) = {num(slope)}.",
                           [(height, f"{num(height)} is f(x₀), the height of the curve; the "
                                     "slope is f′(x₀) = 2x₀."),
                            (x0, "That is x₀ itself: the power rule gives d/dx x² = 2x, so "
                                 "multiply by 2.")],
                           "Use f′(x) = 2x.")
    return prompt, {"fn": "square", "x0": param(x0)}, num(slope), check


def _secant(seed: int):
    if seed == DEFAULT_SEED:
        x0, h = 1.5, "0.5"
    else:
        rng = _rng("secant", seed)
        x0, h = rng.choice((-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)), rng.choice(("1", "0.5"))
    f, step = CATALOGUE["square"], float(h)
    rise = float(f.value(x0 + step) - f.value(x0))
    secant, tangent = rise / step, float(f.gradient(x0))
    prompt = (f"f(x) = x². With the step h = {h}, what is the secant slope "
              f"(f(x₀ + h) − f(x₀)) / h at x₀ = {num(x0)}?")
    mistakes = [(tangent, f"{num(tangent)} is the tangent slope f′(x₀), the limit as h → 0; "
                          f"with h = {h} the secant slope is 2x₀ + h.")]
    if step != 1:
        mistakes.append((rise, f"{num(rise)} is the rise f(x₀ + h) − f(x₀); divide it by the run "
                               f"h = {h}."))
    check = number_checker(secant, f"Right: ({num(f.value(x0 + step))} − {num(f.value(x0))}) / "
                                   f"{h} = {num(secant)}, close to the tangent slope "
                                   f"{num(tangent)}.", mistakes,
                           "Compute f(x₀ + h) and f(x₀), subtract, divide by h.")
    return prompt, {"fn": "square", "x0": param(x0), "h": h}, num(secant), check


def _kink_question(seed: int):
    cases = (("abs", 0.0), ("relu", 0.0), ("hinge", 1.0), ("abs", 1.5), ("relu", -1.0))
    name, x0 = cases[0] if seed == DEFAULT_SEED else _rng("kink", seed).choice(cases)
    f = CATALOGUE[name]
    kink = f.kink_at(x0)
    prompt = (f"f(x) = {f.label}. Does f have a derivative (a single tangent slope) at "
              f"x₀ = {num(x0)}? Answer yes or no.")
    if kink is None:
        slope = num(f.gradient(x0))
        right = f"Right: f is smooth near x₀ = {num(x0)}; its slope there is {slope}."
        wrong = (f"f has a kink only at x = {', '.join(num(k) for k in f.kinks)}; near "
                 f"x₀ = {num(x0)} it is a straight piece with slope {slope}: yes.")
    else:
        right = (f"Right: the slope is {num(kink.left)} from the left and {num(kink.right)} "
                 "from the right, so no single tangent exists; there is an interval of "
                 "subgradients instead.")
        wrong = (f"Look at both sides of x₀: the slope is {num(kink.left)} from the left and "
                 f"{num(kink.right)} from the right. They differ, so f′(x₀) does not exist.")
    solution = "yes" if kink is None else "no"
    return prompt, {"fn": name, "x0": param(x0)}, solution, \
        yes_no_checker(kink is None, right, wrong)


def _sigmoid_zero(seed: int):
    f = CATALOGUE["sigmoid"]
    slope, height = float(f.gradient(0.0)), float(f.value(0.0))
    prompt = "f(x) = σ(x) = 1/(1 + e⁻ˣ), the sigmoid. What is its slope f′(0)?"
    check = number_checker(slope, f"Right: σ′(x) = σ(x)(1 − σ(x)), so σ′(0) = 1/2 · 1/2 = "
                                  f"{num(slope)}.",
                           [(height, f"{num(height)} is σ(0), the value; the slope is "
                                     "σ′(0) = σ(0)(1 − σ(0))."),
                            (1.0, "The sigmoid is flatter than the line y = x at 0: use "
                                  "σ′(x) = σ(x)(1 − σ(x)).")],
                           "Use σ′(x) = σ(x)(1 − σ(x)).")
    return prompt, {"fn": "sigmoid", "x0": param(0.0)}, num(slope), check


# -- gradients ------------------------------------------------------------------------------

def _point(name: str, seed: int, default: tuple[float, ...], size: int) -> tuple[float, ...]:
    if seed == DEFAULT_SEED:
        return default
    rng = _rng(name, seed)
    while True:
        point = tuple(float(rng.choice((-3, -2, -1, 1, 2, 3))) for _ in range(size))
        if len({abs(v) for v in point}) == size:
            return point


def _article3d(seed: int):
    point = _point("article3d", seed, (1.0, 2.0, 3.0), 3)
    f = CATALOGUE["article3d"]
    grad, value = f.gradient(np.array(point)), f.value(np.array(point))
    coefficients = [1.0, 2.0, 3.0]
    prompt = (f"f(x, y, z) = x² + 2y² + 3z² (the article's 3-D example). What is the gradient "
              f"∇f = (∂f/∂x, ∂f/∂y, ∂f/∂z) at the point {vec(point)}?")
    mistakes = [
        (value, f"{num(value)} is the value f{vec(point)}; the gradient is a vector of three "
                "partial derivatives, like (2, 8, 18)."),
        ([2 * p for p in point], "Each term's coefficient is missing: ∂/∂y 2y² = 4y and "
                                 "∂/∂z 3z² = 6z, not 2y and 2z."),
        ([c * p for c, p in zip(coefficients, point, strict=True)],
         "The factor 2 from the power rule is missing: ∂/∂x x² = 2x, ∂/∂y 2y² = 4y."),
        (list(point), "That is the point itself; the gradient is (2x, 4y, 6z) at the point."),
    ]
    link = {"fn": "article3d", "p_x": param(point[0]), "p_y": param(point[1]),
            "p_z": param(point[2])}
    check = vector_checker(grad, ("x", "y", "z"), f"Right: ∇f = (2x, 4y, 6z) = {vec(grad)}.",
                           mistakes, "∇f = (2x, 4y, 6z): differentiate each term in its own "
                                     "variable.")
    return prompt, link, vec(grad), check


def _sqnorm(seed: int):
    point = _point("sqnorm", seed, (1.0, -2.0, 3.0), 3)
    f = CATALOGUE["sqnorm"]
    grad, value = f.gradient(np.array(point)), f.value(np.array(point))
    prompt = (f"f(w) = ‖w‖² = w₁² + w₂² + w₃² (article, section 5.1). What is ∇f at "
              f"w = {vec(point)}?")
    mistakes = [(value, f"{num(value)} is ‖w‖², the value; its gradient is the vector 2w."),
                (list(point), "That is w itself: each ∂/∂wᵢ wᵢ² = 2wᵢ, so ∇‖w‖² = 2w.")]
    link = {"fn": "sqnorm", "n": "3", "p_w1": param(point[0]), "p_w2": param(point[1]),
            "p_w3": param(point[2])}
    check = vector_checker(grad, ("w1", "w2", "w3"), f"Right: ∇‖w‖² = 2w = {vec(grad)}.",
                           mistakes, "Only wᵢ² depends on wᵢ, and d/dwᵢ wᵢ² = 2wᵢ.")
    return prompt, link, vec(grad), check


def _dot(seed: int):
    point = _point("dot", seed, (2.0, 1.0, -3.0), 3)
    f = CATALOGUE["dot"]
    grad, value = f.gradient(np.array(point)), f.value(np.array(point))
    prompt = (f"f(w) = w·x with the fixed x = {vec(DOT_X)} (article, section 5.2). What is "
              f"∇_w f at w = {vec(point)}?")
    mistakes = [(value, f"{num(value)} is the value w·x; its gradient with respect to w is a "
                        "vector."),
                (list(point), "That is w: the gradient of w·x with respect to w is x, whatever "
                              "w is (∂/∂wᵢ of wᵢxᵢ is xᵢ)."),
                ([2 * v for v in grad], "No factor 2 here: w·x is linear in w, "
                                        "∂/∂wᵢ (wᵢxᵢ) = xᵢ.")]
    link = {"fn": "dot", "p_w1": param(point[0]), "p_w2": param(point[1]),
            "p_w3": param(point[2])}
    check = vector_checker(grad, ("w1", "w2", "w3"), f"Right: ∇_w (w·x) = x = {vec(grad)}, "
                                                     "the same at every w.",
                           mistakes, "The only term with wᵢ is wᵢxᵢ.")
    return prompt, link, vec(grad), check


def _slice_setup(name: str, seed: int):
    point = _point(name, seed, (1.0, 1.0), 2) + (1.0,)
    grad = CATALOGUE["article3d"].gradient(np.array(point))
    theta = math.degrees(math.atan2(grad[1], grad[0])) % 360.0
    swapped = math.degrees(math.atan2(grad[0], grad[1])) % 360.0
    link = {"fn": "article3d", "p_x": param(point[0]), "p_y": param(point[1]),
            "p_z": param(point[2]), "sx": "x", "sy": "y"}
    where = (f"f(x, y, z) = x² + 2y² + 3z² at the point {vec(point)}, in the (x, y) slice "
             "(z held fixed)")
    return point, grad, theta, swapped, link, where


def _steepest(seed: int):
    point, grad, theta, swapped, link, where = _slice_setup("steepest", seed)
    prompt = (f"{where}: for which direction angle θ (in degrees, from the x axis) is the rate of "
              "change ∇f·v largest?")
    mistakes = [((theta + 180) % 360, "That is the direction of −∇f: there f decreases fastest "
                                      "(steepest descent). Steepest ascent is along ∇f."),
                ((theta + 90) % 360, "Along that direction ∇f·v = 0: it follows the level curve, "
                                     "where f does not change. Steepest ascent is perpendicular "
                                     "to it, along ∇f."),
                ((theta - 90) % 360, "Along that direction ∇f·v = 0: it follows the level curve, "
                                     "where f does not change. Steepest ascent is perpendicular "
                                     "to it, along ∇f."),
                (swapped, "The components are swapped: tan θ = (∂f/∂y)/(∂f/∂x), with "
                          "∂f/∂x = 2x on the horizontal axis.")]
    check = angle_checker([theta], f"Right: ∇f·v = ‖∇f‖ cos(angle between them) is largest "
                                   f"along ∇f = ({num(grad[0])}, {num(grad[1])}) in this plane, "
                                   f"θ = {theta:.1f}°.", mistakes,
                          "Steepest ascent points along ∇f = (2x, 4y) in this plane: "
                          "θ = atan2(∂f/∂y, ∂f/∂x).")
    return prompt, link, f"{theta:.1f}", check


def _level_curve(seed: int):
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
    def build(seed: int):
        g = 0.3 if seed == DEFAULT_SEED else _rng(name, seed).choice(candidates)
        f = CATALOGUE[name]
        lo, hi = subdifferential(name, 0.0)
        inside = lo <= g <= hi
        prompt = (f"f(x) = {f.label}. Is g = {num(g)} a subgradient of f at x₀ = 0, that is, "
                  "does the line f(0) + g·y stay below f for every y? Answer yes or no.")
        side = "right (y > 0)" if g > hi else "left (y < 0)"
        right = (f"Right: ∂f(0) = [{num(lo)}, {num(hi)}] " +
                 ("contains g, so its line supports f." if inside else
                  f"does not contain g, so the line rises above f on the {side}."))
        wrong = (f"∂f(0) = [{num(lo)}, {num(hi)}], the slopes between the left slope {num(lo)} "
                 f"and the right slope {num(hi)}. " +
                 (f"{num(g)} lies inside, so its line stays below f." if inside else
                  f"{num(g)} lies outside: its line rises above f on the {side}."))
        link = {"fn": name, "x0": param(0.0), "g": param(g)}
        return prompt, link, "yes" if inside else "no", yes_no_checker(inside, right, wrong)
    return build


_KINK_CASES = (("abs", 0.0), ("relu", 0.0), ("hinge", 1.0), ("abs_shift", 1.0),
               ("maxlin", 0.0), ("maxlin", 2.0))


def _interval(seed: int):
    name, x0 = _KINK_CASES[0] if seed == DEFAULT_SEED else \
        _rng("interval", seed).choice(_KINK_CASES)
    f = CATALOGUE[name]
    lo, hi = subdifferential(name, x0)
    prompt = (f"f(x) = {f.label} has a kink at x₀ = {num(x0)}. Write its subdifferential "
              "∂f(x₀), the set of all subgradients, as an interval [a, b].")
    mistakes = []
    if name != "abs":
        abs_lo, abs_hi = subdifferential("abs", 0.0)
        mistakes.append(((abs_lo, abs_hi), f"[{num(abs_lo)}, {num(abs_hi)}] is ∂|x| at 0. Here "
                                           f"the slopes on the two sides are {num(lo)} and "
                                           f"{num(hi)}."))
    check = interval_checker((lo, hi), f"Right: the slope is {num(lo)} on the left and "
                                       f"{num(hi)} on the right, and every g between them is a "
                                       f"subgradient: ∂f({num(x0)}) = [{num(lo)}, {num(hi)}].",
                             mistakes, "The ends are the slopes just left and just right of x₀.")
    return prompt, {"fn": name, "x0": param(x0)}, f"[{num(lo)}, {num(hi)}]", check


def _smooth_point(seed: int):
    cases = (("abs", 2.0), ("abs", -1.5), ("relu", 1.0), ("relu", -2.0), ("hinge", 2.0),
             ("hinge", -0.5), ("abs_shift", 0.0))
    name, x0 = cases[0] if seed == DEFAULT_SEED else _rng("smooth", seed).choice(cases)
    f = CATALOGUE[name]
    lo, hi = subdifferential(name, x0)
    kink = f.kinks[0]
    k_lo, k_hi = subdifferential(name, kink)
    value = float(f.value(x0))
    prompt = (f"f(x) = {f.label}. What is the subdifferential ∂f(x₀) at x₀ = {num(x0)}, away "
              "from the kink? Give it as an interval or a single number.")
    mistakes = [((k_lo, k_hi), f"[{num(k_lo)}, {num(k_hi)}] is ∂f at the kink x = {num(kink)}. "
                               f"At x₀ = {num(x0)} f is differentiable, so ∂f(x₀) holds one "
                               "slope only.")]
    right = (f"Right: f is differentiable at {num(x0)}, so ∂f(x₀) = {{f′(x₀)}} = {{{num(lo)}}}: "
             f"a single slope, [{num(lo)}, {num(hi)}] if written as an interval.")
    inner = interval_checker((lo, hi), right, mistakes, "Away from a kink f has one slope.")

    def check(text: str) -> Feedback:
        reading = answers.read(text)
        if len(reading.numbers) == 1 and not close(reading.numbers[0], lo) and \
                close(reading.numbers[0], value):
            return Feedback(False, f"{num(value)} is f(x₀), the value; ∂f(x₀) holds slopes.")
        if len(reading.numbers) == 1 and not close(reading.numbers[0], lo):
            return Feedback(False, f"Not {num(reading.numbers[0])}: f is a straight piece near "
                                   f"x₀ = {num(x0)}; its slope there is the only subgradient.")
        return inner(text)
    return prompt, {"fn": name, "x0": param(x0)}, num(lo), check


# -- chain rule -----------------------------------------------------------------------------

@cache
def _inner(text: str):
    return trusted_expression(text, ("x",))


def _chain_numbers(outer: str, inner: str, x: float):
    f, g = CATALOGUE[outer].expression, _inner(inner)
    gx = float(g.value([x]))
    return (gx, float(f.value([gx])), float(f.gradient([gx])[0]), float(g.gradient([x])[0]),
            float(f.compose(g).gradient([x])[0]))


def _chain_article(seed: int):
    x = 2.0 if seed == DEFAULT_SEED else _rng("chain", seed).choice(
        (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.0))
    gx, fg, df, dg, total = _chain_numbers("square", "x + 1", x)
    prompt = (f"The article's example: f(u) = u² and g(x) = x + 1. Using the chain rule "
              f"f′(g(x))·g′(x), what is d/dx f(g(x)) = d/dx (x + 1)² at x = {num(x)}?")
    mistakes = [(2 * x, f"{num(2 * x)} is f′ evaluated at x. The outer derivative is taken at the "
                        f"inner value u = g(x) = {num(gx)}: f′(g(x)) = 2(x + 1)."),
                (gx, f"{num(gx)} is g(x); the outer derivative f′(u) = 2u brings a factor 2."),
                (fg, f"{num(fg)} is the value f(g(x)) = (x + 1)², not its derivative.")]
    check = number_checker(total, f"Right: f′(g(x))·g′(x) = 2({num(x)} + 1)·1 = {num(total)}.",
                           mistakes, "d/dx (x + 1)² = 2(x + 1)·1.")
    link = {"fn": "square", "gn": "typed", "g": "x + 1", "x": param(x)}
    return prompt, link, num(total), check


def _chain_linear(seed: int):
    # x = 1 (g = 2) and x = 1/3 (g = 0) are left out: there f(g) = f′(g), one number, two mistakes
    x = 1.5 if seed == DEFAULT_SEED else _rng("chain-linear", seed).choice(
        (-2.0, -1.5, -1.0, -0.5, 0.5, 1.5, 2.0, 2.5))
    gx, fg, df, dg, total = _chain_numbers("square", "3*x - 1", x)
    prompt = (f"f(u) = u² and g(x) = 3x − 1. What is d/dx f(g(x)) = d/dx (3x − 1)² at "
              f"x = {num(x)}?")
    mistakes = [(df, f"{num(df)} is f′(g(x)) alone: multiply by the inner derivative "
                     f"g′(x) = {num(dg)}."),
                (2 * x * dg, f"{num(2 * x * dg)} uses f′ at x; the outer derivative is taken at "
                             f"u = g(x) = {num(gx)}."),
                (fg, f"{num(fg)} is the value (3x − 1)², not its derivative.")]
    check = number_checker(total, f"Right: f′(g(x))·g′(x) = 2·{num(gx)}·{num(dg)} = "
                                  f"{num(total)}.", mistakes,
                           "Outer derivative at the inner value, times the inner derivative.")
    link = {"fn": "square", "gn": "typed", "g": "3*x - 1", "x": param(x)}
    return prompt, link, num(total), check


def _chain_relu(seed: int):
    x = 0.0 if seed == DEFAULT_SEED else _rng("chain-relu", seed).choice(
        (-1.5, -1.0, -0.5, 0.0, 1.0, 1.5, 2.0, 2.5))
    gx, fg, df, dg, total = _chain_numbers("relu", "2*x - 1", x)
    prompt = (f"f(u) = ReLU(u) = max(u, 0) and g(x) = 2x − 1, a tiny neuron. What is "
              f"d/dx f(g(x)) at x = {num(x)}?")
    active = gx > 0
    mistakes = [(dg, f"g(x) = {num(gx)} < 0, so the ReLU is flat there: f′(g(x)) = 0 and the "
                     "product is 0 (an inactive unit passes no gradient back).")] if not active \
        else [(df, f"{num(df)} is f′(g(x)) alone; multiply by g′(x) = {num(dg)}."),
              (0.0, f"g(x) = {num(gx)} > 0, so the ReLU passes the gradient: f′(g(x)) = 1.")]
    check = number_checker(total, f"Right: g(x) = {num(gx)}, f′(g(x)) = {num(df)}, "
                                  f"g′(x) = {num(dg)}: the product is {num(total)}.", mistakes,
                           "First find g(x): is the ReLU active (g(x) > 0) or not?")
    link = {"fn": "relu", "gn": "typed", "g": "2*x - 1", "x": param(x)}
    return prompt, link, num(total), check


# -- linear regression ----------------------------------------------------------------------

def page_data(link: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(X as gradient descent sees it, y) for a regression link: the same table, columns and
    standardisation as ``ui.regression_cache.prepare`` builds from it (defaults: the page's)."""
    if link.get("src", "bundled") == "generate":
        n, d = int(link.get("n", "200")), int(link.get("d", "1"))
        frame = make_regression_data(
            n, d, noise=float(link.get("noise", "1.0")), seed=int(link.get("seed", "0")),
            true_w=[float(link.get("tw", "2.0"))] if d == 1 else None,
            true_b=float(link.get("tb", "1.0")))
        target, features = "y", frame.attrs["features"]
    else:
        name = link.get("ds", "tips")
        frame = load_bundled(name)
        target, features = DATASETS[name].target, list(DATASETS[name].features)
    X, y, _ = select_xy(frame, target, features)
    if link.get("std", "true") == "true":
        X = Standardizer.fit(X).transform(X)
    return X, y


SIGNS = {"positive": ("+", "pos", "> 0", ">0", "plus"),
         "negative": ("-", "neg", "< 0", "<0", "minus"),
         "zero": ("0", "none", "nothing")}


def _bias_sign(seed: int):
    b0 = 10.0 if seed == DEFAULT_SEED or _rng("bias", seed).random() < 0.5 else -10.0
    link = {"src": "generate", "n": "50", "seed": str(seed), "w0": param(0.0), "b0": param(b0)}
    X, y = page_data(link)
    grad_b = mse_gradient(X, y, np.zeros(X.shape[1]), b0)[1]
    expected = "positive" if grad_b > 0 else "negative" if grad_b < 0 else "zero"
    above = b0 > 0
    prompt = (f"Gradient descent starts at w = 0, b = {num(b0)}: the line lies "
              f"{'above' if above else 'below'} almost every point, so most residuals "
              f"rᵢ = ŷᵢ − yᵢ are {'positive' if above else 'negative'}. Is ∂L/∂b at step 0 "
              "positive, negative or zero?")
    why = (f"∂L/∂b = 2/N Σ rᵢ = {num(grad_b)}: the residuals are mostly "
           f"{'positive' if above else 'negative'}, so their sum is too.")
    step = "lowers" if grad_b > 0 else "raises"
    wrong = {name: f"{why} (The update b ← b − η·∂L/∂b then {step} b, towards the points.)"
             for name in SIGNS}
    check = choice_checker(SIGNS, expected, f"Right: {why} The step −η·∂L/∂b {step} b.", wrong)
    return prompt, link, expected, check


def _bias_value(seed: int):
    true_b = 3.0 if seed == DEFAULT_SEED else _rng("bias-value", seed).choice(
        (-3.0, -2.0, 2.0, 3.0, 4.0))
    link = {"src": "generate", "n": "50", "seed": str(seed), "tb": param(true_b),
            "w0": param(0.0), "b0": param(0.0)}
    X, y = page_data(link)
    grad_b = mse_gradient(X, y, np.zeros(X.shape[1]), 0.0)[1]
    mean = float(y.mean())
    prompt = (f"The targets of this data have mean ȳ = {num(mean)}. At step 0 (w = 0, b = 0) "
              "every prediction is 0. What is ∂L/∂b = 2/N Σ (ŷᵢ − yᵢ) there?")
    mistakes = [(-mean, "The factor 2 from d/dr r² = 2r is missing: ∂L/∂b = 2/N Σ rᵢ."),
                (2 * mean, "Check the sign: the residual is rᵢ = ŷᵢ − yᵢ = 0 − yᵢ, so the sum is "
                           "−N·ȳ."),
                (mean, "That is ȳ; the residuals are ŷᵢ − yᵢ = −yᵢ, and ∂L/∂b = 2/N Σ rᵢ.")]
    check = number_checker(grad_b, f"Right: 2/N Σ (0 − yᵢ) = −2ȳ = {num(grad_b)}.", mistakes,
                           "With ŷᵢ = 0 each residual is −yᵢ.")
    return prompt, link, num(grad_b), check


def _converge(seed: int):
    link = {"src": "generate", "n": "20", "seed": str(seed), "std": "false"}
    X, y = page_data(link)
    stats = regression_statistics(X, y)
    bound, lam = stats.max_stable_learning_rate, float(stats.eigenvalues[-1])
    usable = [r for r in LEARNING_RATES if abs(r / bound - 1) > 0.1 and bound / 5 < r < 5 * bound]
    zone = [r for r in usable if bound < r < 2 * bound]
    rate = zone[0] if seed == DEFAULT_SEED and zone else _rng("converge", seed).choice(usable)
    verdict = learning_rate_verdict(rate, bound)
    converges = verdict.kind == "stable"
    link = {**link, "lr": f"{rate:g}"}
    prompt = (f"For this data (20 points, raw feature) the matrix S = AᵀA/N has largest "
              f"eigenvalue λmax = {num(lam)}; the Hessian of the loss is 2S. Will gradient "
              f"descent with the learning rate η = {rate:g} converge? Answer yes or no.")
    if converges:
        wrong = (f"η = {rate:g} is below 1/λmax = {num(bound)}: each step multiplies the error "
                 f"along the steepest direction by |1 − 2ηλmax| = {num(verdict.factor)} < 1.")
    elif rate < 2 * bound:
        wrong = (f"The bound is 2/λmax of the Hessian 2S, which is 1/λmax(S) = {num(bound)}, not "
                 f"2/λmax(S) = {num(2 * bound)}: η = {rate:g} is above it and "
                 f"|1 − 2ηλmax| = {num(verdict.factor)} > 1, so it diverges.")
    else:
        wrong = (f"η = {rate:g} is above 1/λmax = {num(bound)}: each step multiplies the error "
                 f"by |1 − 2ηλmax| = {num(verdict.factor)} > 1, so it diverges.")
    right = f"Right: {verdict.message}"
    return prompt, link, "yes" if converges else "no", yes_no_checker(converges, right, wrong)


def _kappa(seed: int):
    link = {"src": "bundled", "ds": "tips", "std": "false"}
    raw = regression_statistics(*page_data(link)).condition_number
    scaled = regression_statistics(*page_data({**link, "std": "true"})).condition_number
    prompt = (f"Tips data, tip against the total bill, raw: the condition number of S is "
              f"κ = λmax/λmin = {num(raw)}, so gradient descent needs thousands of steps. What is "
              "κ after standardising the feature (z = (x − mean)/sd)?")
    mistakes = [(raw, f"{num(raw)} is κ before standardising; with z of mean 0 and variance 1, "
                      "S becomes the identity."),
                (0.0, "κ = λmax/λmin is never below 1.")]
    check = number_checker(scaled, f"Right: with mean 0 and variance 1, S = AᵀA/N is the "
                                   f"identity, so κ = {num(scaled)}: one step size fits every "
                                   "direction.", mistakes,
                           "Work out S = AᵀA/N for A = [z 1] with mean(z) = 0, mean(z²) = 1.")
    return prompt, link, num(scaled), check


TRENDS = {"down": ("lower", "smaller", "decreases", "goes down", "less", "falls"),
          "up": ("higher", "larger", "bigger", "increases", "goes up", "more", "rises"),
          "same": ("unchanged", "stays", "equal", "no change", "nothing")}


def _kappa_trend(seed: int):
    link = {"src": "bundled", "ds": "diabetes", "std": "false"}
    raw = regression_statistics(*page_data(link)).condition_number
    scaled = regression_statistics(*page_data({**link, "std": "true"})).condition_number
    expected = "down" if scaled < raw else "up" if scaled > raw else "same"
    prompt = ("Diabetes data, ten features, not standardised. Does standardising the features "
              "make the condition number κ of S go down, go up, or stay the same? "
              "(down / up / same)")
    why = (f"κ goes from {num(raw)} to {num(scaled)}: the features are tiny numbers next to "
           "the intercept's column of ones, and standardising gives every column the same "
           "scale.")
    wrong = dict.fromkeys(TRENDS, f"{why} Fewer steps are needed after standardising.")
    return prompt, link, expected, choice_checker(TRENDS, expected, f"Right: {why}", wrong)


EXERCISES: tuple[Exercise, ...] = (
    Exercise("square-slope", "derivatives", _square_slope),
    Exercise("secant-slope", "derivatives", _secant),
    Exercise("kink-derivative", "derivatives", _kink_question),
    Exercise("sigmoid-slope", "derivatives", _sigmoid_zero, seeded=False),
    Exercise("gradient-3d", "gradients", _article3d),
    Exercise("gradient-sqnorm", "gradients", _sqnorm),
    Exercise("gradient-dot", "gradients", _dot),
    Exercise("steepest-ascent", "gradients", _steepest),
    Exercise("level-curve", "gradients", _level_curve),
    Exercise("subgradient-abs", "subgradient",
             _is_subgradient("abs", (-1.5, -1.2, -0.8, -0.5, -0.3, 0.3, 0.5, 0.8, 1.2, 1.5))),
    Exercise("subgradient-relu", "subgradient",
             _is_subgradient("relu", (-0.8, -0.5, -0.3, 0.3, 0.5, 0.8, 1.2, 1.5))),
    Exercise("subdifferential-kink", "subgradient", _interval),
    Exercise("subdifferential-smooth", "subgradient", _smooth_point),
    Exercise("chain-article", "chain-rule", _chain_article),
    Exercise("chain-inner-slope", "chain-rule", _chain_linear),
    Exercise("chain-relu", "chain-rule", _chain_relu),
    Exercise("bias-gradient-sign", "linear-regression", _bias_sign),
    Exercise("bias-gradient-value", "linear-regression", _bias_value),
    Exercise("learning-rate", "linear-regression", _converge),
    Exercise("standardise-kappa", "linear-regression", _kappa, seeded=False),
    Exercise("standardise-trend", "linear-regression", _kappa_trend, seeded=False),
)
BY_ID: dict[str, Exercise] = {exercise.id: exercise for exercise in EXERCISES}


def for_page(page: str) -> tuple[Exercise, ...]:
    """The exercises of the page with this url path, in course order."""
    return tuple(exercise for exercise in EXERCISES if exercise.page == page)


def get_exercise(exercise_id: str) -> Exercise | None:
    """The exercise with this id (as a link carries it), or None for an unknown id."""
    return BY_ID.get(exercise_id) if isinstance(exercise_id, str) else None
