"""The exercises: the catalogue (``catalogue``: ``EXERCISES``, ``Exercise``, ``Task``), the
calculus and regression tasks (``calculus``, ``regression``), reading a typed answer
(``answers``), mistake-specific feedback (``checks``) and seeds (``seeds``).

``gradcore.exercises.EXERCISES`` and the other names of the round-2 module stay importable
from here.
"""

from gradcore.exercises.answers import AnswerError
from gradcore.exercises.catalogue import (
    BY_ID,
    EXERCISE_PARAM,
    EXERCISES,
    SEED_PARAM,
    Exercise,
    Task,
    for_page,
    get_exercise,
)
from gradcore.exercises.checks import Checker, Feedback
from gradcore.exercises.seeds import DEFAULT_SEED, MAX_SEED, check_seed, parse_seed

__all__ = ["BY_ID", "DEFAULT_SEED", "EXERCISES", "EXERCISE_PARAM", "MAX_SEED", "SEED_PARAM",
           "AnswerError", "Checker", "Exercise", "Feedback", "Task", "check_seed", "for_page",
           "get_exercise", "parse_seed"]
