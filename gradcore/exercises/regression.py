"""The exercises of the linear-regression lesson: the bias gradient, the step size, scaling,
and curvature (the factor per step along an eigen-direction, where momentum converges).

Each public function but :func:`page_data` is the ``build`` of one
:class:`~gradcore.exercises.catalogue.Exercise` (``gradcore.exercises.catalogue.EXERCISES`` lists them): given a
seed it returns ``(prompt, link, solution, check)``. Every expected number comes from gradcore
(``mse_gradient``, ``regression_statistics``, ``learning_rate_verdict``) computed on the very
data the page builds from the link (:func:`page_data`, which mirrors
``ui.regression.cache.prepare``), so an answer is right on the page the student is looking at.
"""

from __future__ import annotations

import numpy as np

from gradcore.data.generate import DATASETS, load_bundled, make_regression_data, select_xy
from gradcore.exercises.checks import choice_checker, number_checker, param, yes_no_checker
from gradcore.exercises.seeds import DEFAULT_SEED, pick, rng
from gradcore.number_text import significant
from gradcore.regression.convergence import (
    best_gd,
    best_momentum,
    convergence_factors,
    slowest_direction,
)
from gradcore.regression.descent import LEARNING_RATES, learning_rate_verdict, mse_gradient
from gradcore.regression.standardize import Standardizer
from gradcore.regression.statistics import regression_statistics

# The regression page's tab (``?tab=``) where an answer about the gradient at a step is seen
# once the exercise is answered (the page hides the steps until then).
ANSWER_TAB = "gradient"


def page_data(link: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(X as gradient descent sees it, y) for a regression link: the same table, columns and
    standardisation as ``ui.regression.cache.prepare`` builds from it (defaults: the page's)."""
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


def _condition_numbers(link: dict[str, str]) -> tuple[float, float]:
    """κ of S for the data of `link` as it is (raw) and after standardising the features."""
    raw = regression_statistics(*page_data(link)).condition_number
    scaled = regression_statistics(*page_data({**link, "std": "true"})).condition_number
    return raw, scaled


SIGNS = {"positive": ("+", "pos", "> 0", ">0", "plus"),
         "negative": ("-", "neg", "< 0", "<0", "minus"),
         "zero": ("0", "none", "nothing")}


def bias_gradient_sign(seed: int):
    b0 = 10.0 if seed == DEFAULT_SEED or rng("bias", seed).random() < 0.5 else -10.0
    link = {"src": "generate", "n": "50", "seed": str(seed), "w0": param(0.0), "b0": param(b0),
            "tab": ANSWER_TAB}
    X, y = page_data(link)
    grad_b = mse_gradient(X, y, np.zeros(X.shape[1]), b0)[1]
    expected = "positive" if grad_b > 0 else "negative" if grad_b < 0 else "zero"
    above = b0 > 0
    prompt = (f"Gradient descent starts at w = 0, b = {significant(b0)}: the line lies "
              f"{'above' if above else 'below'} almost every point, so most residuals "
              f"rᵢ = ŷᵢ − yᵢ are {'positive' if above else 'negative'}. Is ∂L/∂b at step 0 "
              "positive, negative or zero?")
    why = (f"∂L/∂b = 2/N Σ rᵢ = {significant(grad_b)}: the residuals are mostly "
           f"{'positive' if above else 'negative'}, so their sum is too.")
    step = "lowers" if grad_b > 0 else "raises"
    wrong = {name: f"{why} (The update b ← b − η·∂L/∂b then {step} b, towards the points.)"
             for name in SIGNS}
    check = choice_checker(SIGNS, expected, f"Right: {why} The step −η·∂L/∂b {step} b.", wrong)
    return prompt, link, expected, check


def bias_gradient_value(seed: int):
    true_b = pick("bias-value", seed, 3.0, (-3.0, -2.0, 2.0, 3.0, 4.0))
    link = {"src": "generate", "n": "50", "seed": str(seed), "tb": param(true_b),
            "w0": param(0.0), "b0": param(0.0), "tab": ANSWER_TAB}
    X, y = page_data(link)
    grad_b = mse_gradient(X, y, np.zeros(X.shape[1]), 0.0)[1]
    mean = float(y.mean())
    prompt = (f"The targets of this data have mean ȳ = {significant(mean)}. At step 0 (w = 0, b = 0) "
              "every prediction is 0. What is ∂L/∂b = 2/N Σ (ŷᵢ − yᵢ) there?")
    mistakes = [(-mean, "The factor 2 from d/dr r² = 2r is missing: ∂L/∂b = 2/N Σ rᵢ."),
                (2 * mean, "Check the sign: the residual is rᵢ = ŷᵢ − yᵢ = 0 − yᵢ, so the sum is "
                           "−N·ȳ."),
                (mean, "That is ȳ; the residuals are ŷᵢ − yᵢ = −yᵢ, and ∂L/∂b = 2/N Σ rᵢ.")]
    check = number_checker(grad_b, f"Right: 2/N Σ (0 − yᵢ) = −2ȳ = {significant(grad_b)}.", mistakes,
                           "With ŷᵢ = 0 each residual is −yᵢ.")
    return prompt, link, significant(grad_b), check


def learning_rate(seed: int):
    link = {"src": "generate", "n": "20", "seed": str(seed), "std": "false"}
    X, y = page_data(link)
    stats = regression_statistics(X, y)
    bound, lam = stats.max_stable_learning_rate, float(stats.eigenvalues[-1])
    usable = [r for r in LEARNING_RATES if abs(r / bound - 1) > 0.1 and bound / 5 < r < 5 * bound]
    zone = [r for r in usable if bound < r < 2 * bound]
    rate = zone[0] if seed == DEFAULT_SEED and zone else rng("converge", seed).choice(usable)
    verdict = learning_rate_verdict(rate, bound)
    converges = verdict.kind == "stable"
    link = {**link, "lr": f"{rate:g}"}
    prompt = (f"For this data (20 points, raw feature) the matrix S = AᵀA/N has largest "
              f"eigenvalue λmax = {significant(lam)}; the Hessian of the loss is 2S. Will gradient "
              f"descent with the learning rate η = {rate:g} converge? Answer yes or no.")
    if converges:
        wrong = (f"η = {rate:g} is below 1/λmax = {significant(bound)}: each step multiplies the error "
                 f"along the steepest direction by |1 − 2ηλmax| = {significant(verdict.factor)} < 1.")
    elif rate < 2 * bound:
        wrong = (f"The bound is 2/λmax of the Hessian 2S, which is 1/λmax(S) = {significant(bound)}, not "
                 f"2/λmax(S) = {significant(2 * bound)}: η = {rate:g} is above it and "
                 f"|1 − 2ηλmax| = {significant(verdict.factor)} > 1, so it diverges.")
    else:
        wrong = (f"η = {rate:g} is above 1/λmax = {significant(bound)}: each step multiplies the error "
                 f"by |1 − 2ηλmax| = {significant(verdict.factor)} > 1, so it diverges.")
    right = f"Right: {verdict.message}"
    return prompt, link, "yes" if converges else "no", yes_no_checker(converges, right, wrong)


def standardise_kappa(seed: int):
    link = {"src": "bundled", "ds": "tips", "std": "false"}
    raw, scaled = _condition_numbers(link)
    prompt = (f"Tips data, tip against the total bill, raw: the condition number of S is "
              f"κ = λmax/λmin = {significant(raw)}, so gradient descent needs thousands of steps. What is "
              "κ after standardising the feature (z = (x − mean)/sd)?")
    mistakes = [(raw, f"{significant(raw)} is κ before standardising; with z of mean 0 and variance 1, "
                      "S becomes the identity."),
                (0.0, "κ = λmax/λmin is never below 1.")]
    check = number_checker(scaled, f"Right: with mean 0 and variance 1, S = AᵀA/N is the "
                                   f"identity, so κ = {significant(scaled)}: one step size fits every "
                                   "direction.", mistakes,
                           "Work out S = AᵀA/N for A = [z 1] with mean(z) = 0, mean(z²) = 1.")
    return prompt, link, significant(scaled), check


TRENDS = {"down": ("lower", "smaller", "decreases", "goes down", "less", "falls"),
          "up": ("higher", "larger", "bigger", "increases", "goes up", "more", "rises"),
          "same": ("unchanged", "stays", "equal", "no change", "nothing")}


def standardise_trend(seed: int):
    link = {"src": "bundled", "ds": "diabetes", "std": "false"}
    raw, scaled = _condition_numbers(link)
    expected = "down" if scaled < raw else "up" if scaled > raw else "same"
    prompt = ("Diabetes data, ten features, not standardised. Does standardising the features "
              "make the condition number κ of S go down, go up, or stay the same? "
              "(down / up / same)")
    why = (f"κ goes from {significant(raw)} to {significant(scaled)}: the features are tiny numbers next to "
           "the intercept's column of ones, and standardising gives every column the same "
           "scale.")
    wrong = dict.fromkeys(TRENDS, f"{why} Fewer steps are needed after standardising.")
    return prompt, link, expected, choice_checker(TRENDS, expected, f"Right: {why}", wrong)


# --- Curvature (issue 28): the factor per step along each eigen-direction of S ---------------

def _raw_generated(seed: int) -> tuple[dict[str, str], object]:
    """The link of 20 generated points with the raw feature, and their statistics."""
    link = {"src": "generate", "n": "20", "seed": str(seed), "std": "false"}
    return link, regression_statistics(*page_data(link))


def _apart(value: float, others, gap: float = 0.03) -> bool:
    """True when `value` differs from each of `others` by more than `gap` of its size (so the
    checker's tolerance cannot take a typical mistake for the answer)."""
    return all(abs(value - other) > gap * max(abs(value), 0.1) for other in others)


def slowest_direction_factor(seed: int):
    link, stats = _raw_generated(seed)
    lam = stats.eigenvalues
    best_rate = best_gd(lam).factor

    def mistakes(rate: float):
        slow = slowest_direction(lam, rate)
        factors = convergence_factors(lam, rate)
        return slow, factors, [factors[1 - slow], abs(1 - rate * lam[slow]),
                               2 * rate * lam[slow], best_rate]

    usable = [r for r in LEARNING_RATES if r < stats.max_stable_learning_rate
              and convergence_factors(lam, r).max() <= 0.98
              and _apart(mistakes(r)[1].max(), mistakes(r)[2])]
    rate = usable[-2] if seed == DEFAULT_SEED and len(usable) > 1 else \
        rng("slowest", seed).choice(usable)
    slow, factors, _ = mistakes(rate)
    fast = 1 - slow
    link = {**link, "lr": f"{rate:g}"}
    shrink = 1 - 2 * rate * lam[slow]
    prompt = (f"Generated data (20 points, raw feature x1): S = AᵀA/N has eigenvalues "
              f"λ₁ = {significant(lam[0])} and λ₂ = {significant(lam[1])}; the Hessian of the MSE is 2S. "
              f"Gradient descent runs with η = {rate:g}. Along which eigen-direction does its "
              "error shrink slowest, and by what factor per step? Give the factor.")
    why = (f"along q{slow + 1} (λ = {significant(lam[slow])}) one step multiplies the error by "
           f"1 − 2ηλ = {significant(shrink)}, along q{fast + 1} by {significant(1 - 2 * rate * lam[fast])}; "
           f"the larger size, {significant(factors[slow])}, sets the pace")
    pace = ("the flat direction crawls." if slow == int(np.argmin(lam)) else
            "here the steep direction overshoots across the valley (the zig-zag) and is slower.")
    mistakes_said = [
        (factors[fast], f"That is the factor along q{fast + 1} (λ = {significant(lam[fast])}), which "
                        f"converges faster: {why}."),
        (abs(1 - rate * lam[slow]), "That is |1 − ηλ|: the Hessian is 2S (the gradient is "
                                    "2(Sθ − t)), so one step multiplies the error by 1 − 2ηλ."),
        (2 * rate * lam[slow], f"2ηλ = {significant(2 * rate * lam[slow])} is the part of the error one "
                               f"step removes; the factor is what is left, |1 − 2ηλ|."),
        (best_rate, f"That is the factor (κ − 1)/(κ + 1) at GD's best step η = 1/(λmin + λmax); "
                    f"at η = {rate:g} it differs: {why}."),
    ]
    check = number_checker(factors[slow], f"Right: {why}; {pace}", mistakes_said,
                           "Work out |1 − 2ηλ| for both eigenvalues; the slowest direction "
                           "has the larger one.")
    return prompt, link, significant(factors[slow]), check


def momentum_converges(seed: int):
    link, stats = _raw_generated(seed)
    lam, mu = stats.eigenvalues, 0.9
    bound = stats.max_stable_learning_rate
    limit = (1 + mu) * bound
    usable = [r for r in LEARNING_RATES if bound / 5 < r < 3 * bound
              and abs(r / bound - 1) > 0.1 and abs(r / limit - 1) > 0.1]
    # Three kinds of answer, equally likely: below GD's limit, between GD's and momentum's
    # (the surprise: GD diverges, heavy ball converges), above both.
    groups = [g for g in ([r for r in usable if r < bound], [r for r in usable if bound < r < limit],
                          [r for r in usable if r > limit]) if g]
    between = [r for r in usable if bound < r < limit]
    chooser = rng("momentum", seed)
    rate = between[0] if seed == DEFAULT_SEED and between else \
        chooser.choice(chooser.choice(groups))
    factor = float(convergence_factors(lam, rate, "momentum", mu).max())
    converges = factor < 1
    link = {**link, "opt": "momentum", "mom": param(mu), "lr": f"{rate:g}"}
    prompt = (f"Generated data (20 points, raw feature): λmax(S) = {significant(lam[-1])}, so plain "
              f"gradient descent is stable only for η < 1/λmax = {significant(bound)}. Heavy-ball "
              f"momentum (z ← μz + g, θ ← θ − ηz) runs with μ = {mu:g} and η = {rate:g}. Does "
              "it converge on this data? Answer yes or no.")
    rule = (f"Along an eigen-direction with eigenvalue λ heavy ball converges while "
            f"0 < 2ηλ < 2(1 + μ), i.e. for η < (1 + μ)/λmax = {significant(limit)}")
    if converges and rate > bound:
        wrong = (f"Momentum's limit is not GD's 1/λmax = {significant(bound)}. {rule}: at η = {rate:g} "
                 f"the slowest factor (the spectral radius of [[1 − 2ηλ + μ, −μ], [1, 0]]) is "
                 f"{significant(factor)} < 1, so it converges, where plain GD would diverge.")
    elif converges:
        wrong = (f"η = {rate:g} is below 1/λmax = {significant(bound)}, so even plain GD converges; "
                 f"{rule[0].lower()}{rule[1:]}, and the slowest factor is {significant(factor)} < 1.")
    else:
        wrong = (f"{rule}, and η = {rate:g} is above it: along the steepest direction the "
                 f"matrix [[1 − 2ηλ + μ, −μ], [1, 0]] has an eigenvalue of size {significant(factor)} "
                 "> 1, so the error grows. Momentum stretches GD's limit by (1 + μ), no more.")
    verdict = "converges" if converges else "diverges"
    right = (f"Right: {rule}; at η = {rate:g} the slowest factor is {significant(factor)}, so it "
             f"{verdict}.")
    return prompt, link, "yes" if converges else "no", yes_no_checker(converges, right, wrong)


def momentum_best(seed: int):
    link = {"src": "bundled", "ds": "tips", "std": "false", "opt": "momentum", "lr": "0.002"}
    stats = regression_statistics(*page_data(link))
    kappa = stats.condition_number
    best = best_momentum(stats.eigenvalues)
    prompt = (f"Tips data, raw feature: the condition number of S is κ = {significant(kappa)}. Which "
              "momentum μ lets heavy ball converge fastest here (with its best η)? Hint: at the "
              "best setting every eigen-direction shrinks by the same factor, √μ.")
    root = np.sqrt(kappa)
    mistakes = [
        (best.factor, f"{significant(best.factor)} = (√κ − 1)/(√κ + 1) is the factor per step at the "
                      "best setting, √μ; μ itself is its square."),
        ((kappa - 1) / (kappa + 1), "(κ − 1)/(κ + 1) is plain GD's best factor per step; "
                                    "momentum replaces κ by √κ."),
        (0.9, "0.9 is the usual default, not the best for this κ: work out "
              "((√κ − 1)/(√κ + 1))²."),
    ]
    check = number_checker(best.momentum, f"Right: μ = ((√κ − 1)/(√κ + 1))² = "
                                          f"(({significant(root)} − 1)/({significant(root)} + 1))² = "
                                          f"{significant(best.momentum)}, with η = 2/(√λmin + √λmax)² "
                                          f"= {significant(best.learning_rate)}: every direction then "
                                          f"shrinks by {significant(best.factor)} per step (Polyak).",
                           mistakes, "The best μ is ((√κ − 1)/(√κ + 1))².")
    return prompt, link, significant(best.momentum), check
