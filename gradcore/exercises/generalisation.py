"""The generalisation exercise of the linear-regression lesson: which polynomial degree has
the lowest test loss on a held-out part of the rows.

The expected answer comes from ``gradcore.degree_losses`` on the very rows the page builds
from the link (``gradcore.exercises.regression.page_data``'s table, split by
``gradcore.train_test_split_rows`` as ``ui.regression.generalisation.shape`` does), so it is
right on the page the student is looking at: its caption shows scikit-learn's test loss for
the degree chosen.
"""

from __future__ import annotations

import numpy as np

from gradcore.data.features import MAX_DEGREE, degree_losses, train_test_split_rows
from gradcore.exercises import answers
from gradcore.exercises.checks import Checker, Feedback, param
from gradcore.exercises.regression import page_data
from gradcore.exercises.seeds import DEFAULT_SEED, pick, rng
from gradcore.number_text import significant

__all__ = ["TIE_RTOL", "best_degree", "lowest_test_degree", "page_rows"]

TEST_FRACTION = 0.3
# Two degrees whose test losses differ by less than this (relative) are both accepted.
TIE_RTOL = 0.01
# A split is used only when the best degree beats the next by this much (so the lesson is
# not decided by rounding); otherwise the next split seed is tried.
CLEAR_MARGIN = 0.05


def page_rows(link: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """x (N,) and y (N,) of the page's one-feature table for `link`, before the split and the
    polynomial (``page_data`` with the columns as they are)."""
    X, y = page_data({**link, "std": "false"})
    return X[:, 0], y


def best_degree(losses: dict[int, tuple[float, float]]) -> tuple[int, float]:
    """(degree with the lowest test loss, its margin over the next: next / best − 1)."""
    ranked = sorted(losses, key=lambda d: losses[d][1])
    best, second = losses[ranked[0]][1], losses[ranked[1]][1]
    return ranked[0], second / best - 1 if best > 0 else float("inf")


def _link(n: int, seed: int, split_seed: int) -> dict[str, str]:
    return {"src": "generate", "n": str(n), "seed": str(seed), "test": param(TEST_FRACTION),
            "tseed": str(split_seed)}


def _degree_checker(losses: dict[int, tuple[float, float]], best: int) -> Checker:
    """A whole degree in 1 … MAX_DEGREE; the mistakes: the degree with the lowest training
    loss, and any other degree (its test loss against the best one's)."""
    test_best = losses[best][1]
    by_training = min(losses, key=lambda d: losses[d][0])
    why = (f"Degree {best}: scikit-learn's fit has test loss {significant(test_best, 4)}, the "
           "lowest of the twelve.")

    def check(text: str) -> Feedback:
        value = answers.parse_number(text)
        if value != int(value) or not 1 <= value <= MAX_DEGREE:
            return Feedback(False, f"Give a whole degree from 1 to {MAX_DEGREE}.")
        degree = int(value)
        train, test = losses[degree]
        if test <= test_best * (1 + TIE_RTOL):
            return Feedback(True, f"Right. {why} A higher degree fits the training rows more "
                                  "closely but bends to their noise, so the held-out rows "
                                  "are predicted worse.")
        if degree == 1:
            return Feedback(False, "The data come from a straight line, so degree 1 is a fair "
                                   f"guess; but on these held-out rows its test loss is "
                                   f"{significant(test, 4)}, and degree {best}'s is lower: "
                                   f"{significant(test_best, 4)}. The answer is what the test "
                                   "rows say, for this split.")
        if degree == by_training:
            return Feedback(False, f"Degree {degree} has the lowest training loss "
                                   f"({significant(train, 4)}): more columns let the curve follow "
                                   "the training rows more closely. But its test loss is "
                                   f"{significant(test, 4)}: it has learnt the noise. Look at "
                                   "the test loss, not the training loss.")
        return Feedback(False, f"Degree {degree}'s test loss is {significant(test, 4)}, higher "
                               f"than the best degree's {significant(test_best, 4)}. Try every "
                               "degree and read the test loss of scikit-learn's fit.")
    return check


def lowest_test_degree(seed: int):
    """Which degree from 1 to 12 has the lowest test loss on a small generated table?"""
    n = pick("degree-rows", seed, 30, (25, 30, 40, 50))
    data_seed = 0 if seed == DEFAULT_SEED else rng("degree-data", seed).randrange(1000)
    x, y = page_rows(_link(n, data_seed, 0))
    for split_seed in range(50):
        train, test = train_test_split_rows(n, TEST_FRACTION, split_seed)
        losses = degree_losses(x, y, train, test)
        best, margin = best_degree(losses)
        if margin >= CLEAR_MARGIN:
            break
    link = _link(n, data_seed, split_seed)
    prompt = (f"The page holds out {TEST_FRACTION:g} of the {n} rows for testing (the line "
              "y = 2x + 1 plus noise). Set the polynomial degree to each of 1 … 12 (under "
              "'Generalisation'): which degree gives scikit-learn's fit the lowest test loss "
              "(the caption under the run)?")
    return prompt, link, str(best), _degree_checker(losses, best)
