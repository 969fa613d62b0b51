"""The exercises of the penalties (issue 29): when does the L1 penalty keep a coefficient at
exactly 0?

:func:`l1_stays_zero` is the ``build`` of one :class:`~gradcore.exercises.catalogue.Exercise`:
given a seed it returns ``(prompt, link, solution, check)``. The expected answer comes from
gradcore (``mse_gradient`` on the data the page builds from the link, ``page_data``): one
proximal step from w = 0 is w ← soft(−η·∂L/∂w, η·α), which leaves wⱼ exactly 0 if and only if
|∂L/∂wⱼ| ≤ α (η cancels). That is the optimality condition of a zero coefficient, 0 ∈ ∂L/∂wⱼ +
α·[−1, 1], which the page's L1 panel shows at every step.
"""

from __future__ import annotations

import numpy as np

from gradcore.exercises import answers
from gradcore.exercises.checks import Checker, Feedback
from gradcore.exercises.regression import ANSWER_TAB, page_data
from gradcore.exercises.seeds import DEFAULT_SEED, rng
from gradcore.number_text import significant
from gradcore.regression.descent import mse_gradient

# α values the page's α control offers (ui.regression.penalties.ALPHAS; a test checks that
# each is one of them), from which an exercise picks one.
ALPHA_CHOICES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
# |∂L/∂w₂| and α at least this factor apart, so that rounding cannot flip the answer.
MARGIN = 1.25
LEARNING_RATE = 0.1
"""The page's default learning rate, which the prompt's step writes out (η cancels)."""


def _alpha_text(alpha: float) -> str:
    return f"{alpha:g}"


def _pick_alpha(seed: int, grad: float) -> float:
    """An α clearly above or below |grad| (by MARGIN). Seed 0 takes the largest α below
    |grad|, so that a negative ∂L/∂w₂ lies below α while its size is above it."""
    size = abs(grad)
    below = [a for a in ALPHA_CHOICES if a * MARGIN <= size]
    above = [a for a in ALPHA_CHOICES if a >= size * MARGIN]
    if seed == DEFAULT_SEED and below:
        return below[-1]
    groups = [g for g in (below, above) if g]
    chooser = rng("l1-zero", seed)
    return float(chooser.choice(chooser.choice(groups)))


def _checker(stays: bool, grad: float, alpha: float, right: str) -> Checker:
    """Yes or no; a wrong answer is told which comparison would have given it."""
    eta = LEARNING_RATE
    moved = -eta * grad
    threshold = eta * alpha
    rule = (f"The proximal step first moves w₂ to −η·∂L/∂w₂ = {significant(moved)}, then "
            f"soft-thresholds by η·α = {significant(threshold)}: w₂ becomes 0 exactly when "
            f"|η·∂L/∂w₂| ≤ η·α, i.e. |∂L/∂w₂| ≤ α (η cancels).")
    if stays:
        wrong = (f"A gradient that is not 0 does move w₂ in the gradient step, but the L1 "
                 f"penalty's subdifferential at 0 is α·[−1, 1]: any |∂L/∂w₂| ≤ α keeps 0 "
                 f"optimal. {rule} Here |∂L/∂w₂| = {significant(abs(grad))} ≤ α = "
                 f"{_alpha_text(alpha)}.")
    elif grad < 0:
        wrong = (f"∂L/∂w₂ = {significant(grad)} is below α, but its sign does not matter: the "
                 f"condition is on its size, |∂L/∂w₂| = {significant(abs(grad))} > α = "
                 f"{_alpha_text(alpha)}. {rule}")
    elif eta * abs(grad) <= alpha:
        wrong = (f"η·|∂L/∂w₂| = {significant(eta * abs(grad))} is below α, but the threshold "
                 f"is η·α = {significant(threshold)}, not α. {rule}")
    else:
        wrong = f"|∂L/∂w₂| = {significant(abs(grad))} > α = {_alpha_text(alpha)}. {rule}"

    def check(text: str) -> Feedback:
        said = answers.parse_yes_no(text)
        return Feedback(True, right) if said == stays else Feedback(False, wrong)
    return check


def l1_stays_zero(seed: int):
    base = {"src": "generate", "n": "50", "d": "3", "seed": str(seed)}
    X, y = page_data(base)
    grad = float(mse_gradient(X, y, np.zeros(X.shape[1]), 0.0)[0][1])
    alpha = _pick_alpha(seed, grad)
    stays = abs(grad) <= alpha
    link = {**base, "pen": "l1", "alpha": _alpha_text(alpha), "opt": "proximal",
            "tab": ANSWER_TAB}
    prompt = (f"Generated data (50 rows, three standardised features), the MSE with the L1 "
              f"penalty α‖w‖₁, α = {_alpha_text(alpha)}, and proximal gradient descent "
              f"(η = {LEARNING_RATE:g}) from w = 0. At step 0 the loss's gradient has "
              f"∂L/∂w₂ = {significant(grad)}. Does w₂ stay exactly 0 after the first step? "
              "(Compare |∂L/∂w₂| with α.) Answer yes or no.")
    if stays:
        right = (f"Right: |∂L/∂w₂| = {significant(abs(grad))} ≤ α = {_alpha_text(alpha)}, so "
                 "0 ∈ ∂L/∂w₂ + α·[−1, 1]: soft-thresholding puts w₂ back on exactly 0.")
    else:
        right = (f"Right: |∂L/∂w₂| = {significant(abs(grad))} > α = {_alpha_text(alpha)}, so "
                 f"no point of ∂L/∂w₂ + α·[−1, 1] is 0: w₂ leaves 0, to "
                 f"{significant(-LEARNING_RATE * (grad - alpha * np.sign(grad)))}.")
    return prompt, link, "yes" if stays else "no", _checker(stays, grad, alpha, right)
