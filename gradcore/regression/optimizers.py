"""Optimizers as rows of a table: one update function each, plus the step-size schedules.

theta = (w, b) is one vector of d + 1 numbers; g is the gradient the step uses (the full-data
gradient at theta, or a mini-batch's), eta_k the step size of step k = 1, 2, ...
(``step_size``). The updates, with mu = ``momentum`` (beta1 for Adam):

- gd:        theta <- theta - eta_k g
- momentum:  z <- mu z + g;  theta <- theta - eta_k z                (heavy ball, as in Distill)
- nesterov:  z <- mu z + g;  theta <- theta - eta_k (g + mu z)     (at the look-ahead point)
- adam:      m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
             theta <- theta - eta_k m_hat / (sqrt(v_hat) + epsilon),  m_hat = m / (1 - beta1^k),
             v_hat = v / (1 - beta2^k)
- proximal:  theta <- theta - eta_k grad L;  w <- prox_{eta_k P}(w)   (the penalty's prox,
             applied by the engine after the step: ``Optimizer.proximal``; for the L1
             penalty soft-thresholding, ISTA)
- sgd:       the gd update with g the gradient of a random mini-batch of ``batch_size`` rows

Adding an optimizer: write its update ``step(theta, g, state, rate, k, settings)`` (in place on
theta and the state vectors named in its row; ``settings`` maps each of the row's
hyper-parameters to its value) and add a row to ``OPTIMIZER_TABLE`` listing its
``HyperParameter``s; nothing else changes (the engine, ``export_script`` and a page read the table). The step functions use
numpy only: ``export_script`` copies their source into the script it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError
from gradcore.regression.rows import HyperParameter

SCHEDULES = ("constant", "1/sqrt(k)", "1/k")
ADAM_EPSILON = 1e-8
DEFAULT_BATCH_SIZE = 32
# The largest mini-batch (rows drawn per step).
MAX_BATCH = 100_000


def step_size(learning_rate, schedule, k):
    """eta_k for step k = 1, 2, ...: eta, eta / sqrt(k) or eta / k."""
    if schedule == "1/sqrt(k)":
        return learning_rate / np.sqrt(k)
    if schedule == "1/k":
        return learning_rate / k
    return learning_rate


def gd_step(theta, g, state, rate, k, settings):
    """theta <- theta - rate g."""
    theta -= rate * g


def momentum_step(theta, g, state, rate, k, settings):
    """z <- mu z + g; theta <- theta - rate z (z is state["velocity"], mu settings["momentum"])."""
    velocity = state["velocity"]
    velocity *= settings["momentum"]
    velocity += g
    theta -= rate * velocity


def nesterov_step(theta, g, state, rate, k, settings):
    """z <- mu z + g; theta <- theta - rate (g + mu z): Nesterov written at the look-ahead point.

    Sutskever's form takes the gradient at theta' + mu v, ahead of the iterate theta', where
    momentum is about to carry it. Here theta is that look-ahead point itself (theta = theta' +
    mu v, v = -rate z), so the gradient at the iterate is the look-ahead gradient and one pass
    over the data serves both the step and the record.
    """
    velocity = state["velocity"]
    velocity *= settings["momentum"]
    velocity += g
    theta -= rate * (g + settings["momentum"] * velocity)


def adam_step(theta, g, state, rate, k, settings):
    """Adam with bias correction; beta1 = settings["momentum"], beta2 = settings["beta2"]."""
    beta1, beta2 = settings["momentum"], settings["beta2"]
    m, v = state["m"], state["v"]
    m *= beta1
    m += (1.0 - beta1) * g
    v *= beta2
    v += (1.0 - beta2) * g * g
    m_hat = m / (1.0 - beta1**k)
    v_hat = v / (1.0 - beta2**k)
    theta -= rate * m_hat / (np.sqrt(v_hat) + settings["epsilon"])


MOMENTUM = HyperParameter(
    "momentum", "momentum μ (β₁ for Adam)", 0.9, 0.0, 1.0, key="mom", step=0.05,
    help="How much of the previous step each step keeps (Adam: the decay of its mean of g).")
BETA2 = HyperParameter("beta2", "β₂ (Adam)", 0.999, 0.0, 1.0, step=0.001,
                       help="Adam's decay of its mean of g².")
EPSILON = HyperParameter("epsilon", "ε (Adam)", ADAM_EPSILON, 1e-12, 1.0, step=1e-8,
                         help="Added to Adam's √v̂ so that a step never divides by 0.")
BATCH_SIZE = HyperParameter("batch_size", "batch size", DEFAULT_BATCH_SIZE, 1, MAX_BATCH + 1,
                            integer=True, key="batch", step=1,
                            help="Rows drawn (with replacement) for each step's gradient; at "
                                 "most the table's rows.")
SEED = HyperParameter("seed", "batch seed", 0, 0, 2**31, integer=True, key="bseed", step=1,
                      help="The seed of the random batches: the same seed repeats the run.")


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its update ``step(theta, g, state, rate, k, settings)``, the names of
    its ``state`` vectors (zeros at the start), its ``hyper_parameters`` (``HyperParameter``s;
    the learning rate and schedule are common to all and not listed), whether it uses a random
    ``minibatch`` of ``batch_size`` rows instead of the full-data gradient at theta (it then
    lists ``batch_size`` and ``seed``), and its update as LaTeX.

    ``proximal``: the step takes the gradient of the LOSS alone, and the engine (and the
    exported script) then applies the penalty's ``prox`` with that step's eta_k to w (never to
    b): w <- prox_{eta_k P}(w). Every other optimizer steps with the gradient of the loss plus
    the penalty's (sub)gradient. The penalty reaches no step function: their signature stays
    ``step(theta, g, state, rate, k, settings)``, and with no penalty (prox = identity) a
    proximal row is its step's plain optimizer."""

    name: str
    label: str
    step: Callable
    state: tuple[str, ...] = ()
    hyper_parameters: tuple[HyperParameter, ...] = ()
    minibatch: bool = False
    formula: str = ""
    proximal: bool = False


OPTIMIZER_TABLE: dict[str, Optimizer] = {
    "gd": Optimizer("gd", "gradient descent", gd_step,
                    formula=r"\theta_{k} = \theta_{k-1} - \eta_k\, g_{k-1}"),
    "momentum": Optimizer(
        "momentum", "momentum (heavy ball)", momentum_step, state=("velocity",),
        hyper_parameters=(MOMENTUM,),
        formula=r"\begin{gathered}z_{k} = \mu z_{k-1} + g_{k-1}\\ "
                r"\theta_{k} = \theta_{k-1} - \eta_k z_{k}\end{gathered}"),
    "nesterov": Optimizer(
        "nesterov", "Nesterov momentum", nesterov_step, state=("velocity",),
        hyper_parameters=(MOMENTUM,),
        formula=r"\begin{gathered}z_{k} = \mu z_{k-1} + g_{k-1}\\ "
                r"\theta_{k} = \theta_{k-1} - \eta_k (g_{k-1} + \mu z_{k})\end{gathered}"),
    "adam": Optimizer(
        "adam", "Adam", adam_step, state=("m", "v"),
        hyper_parameters=(MOMENTUM, BETA2, EPSILON),
        formula=r"\begin{gathered}m_k = \beta_1 m_{k-1} + (1-\beta_1) g_{k-1}\\ "
                r"v_k = \beta_2 v_{k-1} + (1-\beta_2) g_{k-1}^2\\ "
                r"\theta_k = \theta_{k-1} - \eta_k \frac{m_k/(1-\beta_1^k)}"
                r"{\sqrt{v_k/(1-\beta_2^k)} + \epsilon}\end{gathered}"),
    "sgd": Optimizer(
        "sgd", "mini-batch SGD", gd_step, minibatch=True,
        hyper_parameters=(BATCH_SIZE, SEED),
        formula=r"\begin{gathered}\theta_{k} = \theta_{k-1} - \eta_k\, g_{k-1}\\ "
                r"g_{k-1} = \frac{1}{|B_k|}\sum_{i \in B_k} \rho'(r_i)\,(x_i, 1)"
                r"\end{gathered}"),
    "proximal": Optimizer(
        "proximal", "proximal gradient (ISTA)", gd_step, proximal=True,
        formula=r"\begin{gathered}v_{k} = \theta_{k-1} - \eta_k\, \nabla L(\theta_{k-1})\\ "
                r"w_{k} = \operatorname{prox}_{\eta_k P}(v_{k,w}),\ b_k = v_{k,b}"
                r"\end{gathered}"),
}
OPTIMIZERS = tuple(OPTIMIZER_TABLE)


def get_optimizer(optimizer: str) -> Optimizer:
    """The table row of ``optimizer``; DataError naming the choices for an unknown name."""
    try:
        return OPTIMIZER_TABLE[optimizer]
    except (KeyError, TypeError):
        raise DataError(
            f"Unknown optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.") from None


def check_schedule(schedule) -> str:
    """``schedule`` if it is one of SCHEDULES, else DataError."""
    if schedule not in SCHEDULES:
        raise DataError(f"Unknown step-size schedule {schedule!r}: choose one of "
                        f"{', '.join(SCHEDULES)}.")
    return schedule
