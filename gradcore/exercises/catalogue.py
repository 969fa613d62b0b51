"""Exercises for the five lessons: the catalogue, its types and how a link finds a task.

``EXERCISES`` is a tuple of :class:`Exercise` (names fixed in DESIGN.md): ``id`` (unique,
URL-safe), ``page`` (the page's url path: "derivatives", "gradients", "subgradient",
"chain-rule", "linear-regression"), ``prompt``, ``link`` (query parameters that set the page
up: only keys and values the page's ``ui.shell.state.Link`` widgets accept), ``solution`` (an
accepted answer) and ``check(text) -> Feedback``.

**Seeds.** An exercise with numbers is regenerated from an integer seed in [0, ``MAX_SEED``]
(``gradcore.exercises.seeds``): ``exercise.instance(seed)`` is a :class:`Task` with the same
``prompt``/``link``/``solution``/``check`` for that seed, and ``exercise.check(text, seed=...)``
checks against it. The plain attributes of an Exercise are those of ``DEFAULT_SEED`` (0), which
is the article's own example. A link carries the seed in the query parameter ``SEED_PARAM``
("exseed", never a page widget key: the regression page already uses "seed" for its data
generator); ``Task.query()`` is the whole query string (``ex``, ``exseed`` when not the
default, and the page's link). ``parse_seed`` reads it back.

**What an answer depends on.** A task's expected answer is right for the page set up by its
``link``; ``Exercise.depends`` names further page settings whose *default* the answer assumes
(the loss, the data generator's other settings) and ``Exercise.free`` the link keys the answer
does not depend on (a setting the student may change to explore). ``ui.shell.exercise_panel`` closes
an open exercise, with a note, when the page stops showing that set-up.

**Where the rest lives.** Each exercise's ``build`` (seed -> prompt, link, solution, checker)
is in ``gradcore.exercises.calculus`` or ``gradcore.exercises.regression``, which compute
every expected number with gradcore; the checkers that name the student's mistake are in
``gradcore.exercises.checks``. This module only lists them, so callers import from here alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from gradcore.exercises import calculus, curvature, penalties, regression
from gradcore.exercises import frameworks as kink_frameworks
from gradcore.exercises import generalisation as degree_exercises
from gradcore.exercises.answers import AnswerError
from gradcore.exercises.checks import Checker, Feedback
from gradcore.exercises.regression import page_data
from gradcore.exercises.seeds import DEFAULT_SEED, MAX_SEED, check_seed, parse_seed

__all__ = [
    "BY_ID", "DEFAULT_SEED", "EXERCISES", "EXERCISE_PARAM", "MAX_SEED", "SEED_PARAM", "Exercise",
    "Feedback", "Task", "check_seed", "for_page", "get_exercise", "page_data", "parse_seed",
]

SEED_PARAM = "exseed"
EXERCISE_PARAM = "ex"


@dataclass(frozen=True)
class Task:
    """One exercise at one seed: what the page shows and how an answer is checked."""

    exercise_id: str
    page: str
    seed: int
    prompt: str
    link: dict[str, str]
    solution: str
    checker: Checker = field(repr=False, compare=False)

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
    build: Callable[[int], tuple[str, dict[str, str], str, Checker]] = \
        field(repr=False, compare=False)
    seeded: bool = True
    depends: tuple[str, ...] = ()
    free: tuple[str, ...] = ()

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


# The regression exercises' answers come from the data the link generates (or loads) and the
# article's MSE with plain gradient descent: every other data, column, loss and optimizer
# setting must stay at its default.
_DATA = ("d", "noise", "tw", "tb", "target", "feats", "onehot", "loss")
# The split and the polynomial columns change the rows and columns GD fits.
_DATA = (*_DATA, "deg", "test", "tseed")
_RUN = (*_DATA, "opt", "sched")
# The curvature exercises open the Gradients page's curvature view; turning it off or moving Δ
# changes nothing about their answers.
_CURVATURE_VIEW = ("curv", "da", "db")
# The regression page's tab an answer is checked on (its link opens it): the student may
# look at the other tabs without closing the exercise.
_ANSWER_VIEW = ("tab",)

EXERCISES: tuple[Exercise, ...] = (
    Exercise("square-slope", "derivatives", calculus.square_slope),
    Exercise("secant-slope", "derivatives", calculus.secant_slope),
    Exercise("kink-derivative", "derivatives", calculus.kink_derivative),
    Exercise("sigmoid-slope", "derivatives", calculus.sigmoid_slope, seeded=False),
    Exercise("kink-convention", "derivatives", kink_frameworks.project_choice),
    Exercise("gradient-3d", "gradients", calculus.gradient_3d),
    Exercise("gradient-sqnorm", "gradients", calculus.gradient_sqnorm),
    Exercise("gradient-dot", "gradients", calculus.gradient_dot),
    Exercise("steepest-ascent", "gradients", calculus.steepest_ascent),
    Exercise("level-curve", "gradients", calculus.level_curve),
    Exercise("hessian-classify", "gradients", curvature.classify_point, free=_CURVATURE_VIEW),
    Exercise("hessian-mixed", "gradients", curvature.mixed_partial, free=_CURVATURE_VIEW),
    Exercise("subgradient-abs", "subgradient", calculus.subgradient_abs),
    Exercise("subgradient-relu", "subgradient", calculus.subgradient_relu),
    Exercise("subdifferential-kink", "subgradient", calculus.subdifferential_kink),
    Exercise("subdifferential-smooth", "subgradient", calculus.subdifferential_smooth),
    Exercise("kink-framework", "subgradient", kink_frameworks.which_framework, free=("x0",)),
    Exercise("chain-article", "chain-rule", calculus.chain_article),
    Exercise("chain-inner-slope", "chain-rule", calculus.chain_inner_slope),
    Exercise("chain-relu", "chain-rule", calculus.chain_relu),
    Exercise("bias-gradient-sign", "linear-regression", regression.bias_gradient_sign,
             depends=_DATA, free=_ANSWER_VIEW),
    Exercise("bias-gradient-value", "linear-regression", regression.bias_gradient_value,
             depends=_DATA, free=_ANSWER_VIEW),
    Exercise("learning-rate", "linear-regression", regression.learning_rate, depends=_RUN),
    Exercise("standardise-kappa", "linear-regression", regression.standardise_kappa,
             seeded=False, depends=_DATA, free=("std",)),
    Exercise("standardise-trend", "linear-regression", regression.standardise_trend,
             seeded=False, depends=_DATA, free=("std",)),
    Exercise("slowest-direction", "linear-regression", regression.slowest_direction_factor,
             depends=_RUN),
    Exercise("momentum-converges", "linear-regression", regression.momentum_converges,
             depends=(*_DATA, "sched")),
    Exercise("momentum-best", "linear-regression", regression.momentum_best, seeded=False,
             depends=_DATA, free=("lr", "mom")),
    Exercise("l1-stays-zero", "linear-regression", penalties.l1_stays_zero,
             depends=(*_DATA, "std", "w0"), free=("lr", "b0", *_ANSWER_VIEW)),
    Exercise("lowest-test-degree", "linear-regression", degree_exercises.lowest_test_degree,
             depends=_DATA, free=("deg",)),
)
BY_ID: dict[str, Exercise] = {exercise.id: exercise for exercise in EXERCISES}


def for_page(page: str) -> tuple[Exercise, ...]:
    """The exercises of the page with this url path, in course order."""
    return tuple(exercise for exercise in EXERCISES if exercise.page == page)


def get_exercise(exercise_id: str) -> Exercise | None:
    """The exercise with this id (as a link carries it), or None for an unknown id."""
    return BY_ID.get(exercise_id) if isinstance(exercise_id, str) else None
