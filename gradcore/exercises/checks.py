"""Answer checkers of the exercises: accept the right answer, then name the mistake.

A checker is made once per task from the expected answer, computed by the exercise, and is
called with the text the student typed. It parses that text (``gradcore.exercises.answers``; an
unreadable answer raises :class:`~gradcore.exercises.answers.AnswerError`, which ``Task.check`` turns
into the parser's advice), accepts it within a tolerance (``RTOL``, ``ATOL``; angles within
``ANGLE_TOL`` degrees) and otherwise compares it first with the typical wrong answers of that
exercise (``Mistakes``, each computed too: f(x₀) for f′(x₀), the gradient without its factor 2,
the descent direction, ...) and then with generic ones (a sign error, a factor 2, components in
the wrong order, a point instead of an interval), so the feedback says what went wrong rather
than only "no".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gradcore.exercises import answers
from gradcore.number_text import fmt_vector, significant

RTOL, ATOL = 0.01, 0.005
ANGLE_TOL = 1.0


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` and a ``message`` for the student."""

    correct: bool
    message: str


Checker = Callable[[str], Feedback]
Mistakes = Sequence[tuple[object, str]]
"""(wrong answer, message) pairs: a number, a vector or an interval, as the checker reads it."""


# -- numbers as the page and the student write them -------------------------------------------


def param(value: float) -> str:
    """A number as the page's Link writes it into the address (shortest round trip)."""
    return repr(float(value))


def close(a: float, b: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|a − b| ≤ atol + rtol·|b|: the student rounds, and `b` may be 0."""
    return abs(a - b) <= atol + rtol * abs(b)


def all_close(a: Sequence[float], b: Sequence[float]) -> bool:
    """Same length and :func:`close` component by component."""
    return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))


# -- checkers: the right answer first, then the exercise's own mistakes, then generic ones -----

def number_checker(expected: float, right: str, mistakes: Mistakes, hint: str) -> Checker:
    """A single number; generic mistakes: the wrong sign, a factor 2 too many or too few."""
    def check(text: str) -> Feedback:
        value = answers.parse_number(text)
        if close(value, expected):
            return Feedback(True, right)
        for wrong, message in mistakes:
            if close(value, float(wrong)):
                return Feedback(False, message)
        if expected != 0 and close(value, -expected):
            return Feedback(False, f"Check the sign: {significant(value)} has the right size but the "
                                   f"wrong sign. {hint}")
        if expected != 0 and (close(value, expected / 2) or close(value, 2 * expected)):
            return Feedback(False, f"Off by a factor 2: look for a missing or extra 2. {hint}")
        return Feedback(False, f"Not {significant(value)}. {hint}")
    return check


def vector_checker(expected: Sequence[float], names: Sequence[str], right: str,
                   mistakes: Mistakes, hint: str) -> Checker:
    """A vector with components named `names`; a lone number is compared with the scalar
    mistakes first (the value instead of the gradient). Generic mistakes: −∇f, the wrong order,
    a missing factor 2, some components right."""
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
        return Feedback(False, f"Not {fmt_vector(value)}. {hint}")
    return check


def interval_checker(expected: tuple[float, float], right: str, mistakes: Mistakes,
                     hint: str) -> Checker:
    """An interval [lo, hi]; a single number is accepted only when lo == hi (a smooth point).
    Generic mistakes: one subgradient instead of all, flipped signs, one end right."""
    lo, hi = map(float, expected)

    def check(text: str) -> Feedback:
        reading = answers.read(text)
        if len(reading.numbers) == 1:
            point = answers.parse_number(text)
            if lo == hi and close(point, lo):
                return Feedback(True, right)
            if lo < hi and lo <= point <= hi:
                return Feedback(False, f"{significant(point)} is one subgradient, but at a kink there is "
                                       "a whole interval of them: give both ends, like "
                                       f"[a, b]. {hint}")
            if lo < hi:
                return Feedback(False, f"A single number is a point, not an interval, and "
                                       f"{significant(point)} is not even in it. {hint}")
        a, b = answers.parse_interval(text)
        if close(a, lo) and close(b, hi):
            return Feedback(True, right)
        if close(a, hi) and close(b, lo) and lo != hi:
            return Feedback(False, f"Those are the right ends, but [{significant(a)}, {significant(b)}] has the "
                                   "larger one first: as written it is an empty interval. "
                                   f"Write the smaller end first: [{significant(lo)}, {significant(hi)}].")
        for wrong, message in mistakes:
            if close(a, wrong[0]) and close(b, wrong[1]):
                return Feedback(False, message)
        if close(a, -hi) and close(b, -lo) and lo != -hi:
            return Feedback(False, f"The signs are flipped. {hint}")
        if close(a, lo) or close(b, hi):
            side = "left" if close(a, lo) else "right"
            return Feedback(False, f"The {side} end is right; check the slope on the other "
                                   f"side of x₀. {hint}")
        return Feedback(False, f"Not [{significant(a)}, {significant(b)}]. {hint}")
    return check


def yes_no_checker(expected: bool, right: str, wrong: str) -> Checker:
    """Yes or no; the one `wrong` message explains the right answer."""
    def check(text: str) -> Feedback:
        said = answers.parse_yes_no(text)
        return Feedback(True, right) if said == expected else Feedback(False, wrong)
    return check


def choice_checker(options: dict[str, tuple[str, ...]], expected: str, right: str,
                   wrong: dict[str, str]) -> Checker:
    """One of the keys of `options` (each with its accepted words); `wrong` has a message
    for every key."""
    def check(text: str) -> Feedback:
        said = answers.parse_choice(text, options)
        return Feedback(True, right) if said == expected else Feedback(False, wrong[said])
    return check


def angle_checker(expected: Sequence[float], right: str, mistakes: Mistakes, hint: str
                  ) -> Checker:
    """An angle in degrees, any of `expected`, compared modulo 360°; generic mistake:
    the angle in radians."""
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
        return Feedback(False, f"Not {significant(value)}°. {hint}")
    return check
