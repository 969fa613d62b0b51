"""Shared test set-up: deterministic hypothesis runs and a fixed random generator."""

import contextlib

import numpy as np
import pytest
from hypothesis import settings

from gradcore.expressions import symbolic, worker
from tests import timing

# Property tests must be repeatable: the same examples on every run, no deadline flakiness on
# a shared, noisy machine.
settings.register_profile("gradlab", derandomize=True, deadline=None, max_examples=60)
settings.load_profile("gradlab")


def pytest_addoption(parser) -> None:
    parser.addoption(timing.TIMING_OPTION, action="store_true", default=False,
                     help="also run the tests marked `timing` (wall-clock bounds)")


def pytest_collection_modifyitems(config, items) -> None:
    timing.skip_unless_wanted(config, items)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every random test sees the same numbers on every run."""
    return np.random.default_rng(20241126)


@pytest.fixture
def derivative_out_of_time(monkeypatch) -> None:
    """Typed formulas are analysed with a derivative stage whose time is up at once.

    Whether sympy differentiates a given formula within DERIVATIVE_SECONDS depends on the
    machine and the sympy version (max(x^1, ..., x^10) needed more than 0.25 s with sympy 1.13
    and less with 1.14), so tests of what a student sees then replace the worker's analysis by
    the same ``symbolic.analyse`` with such a budget (in this process: AppTest runs pages here).
    """

    def budget(seconds):
        if seconds == symbolic.DERIVATIVE_SECONDS:
            raise symbolic.OutOfTime
        return contextlib.nullcontext()

    monkeypatch.setattr(worker, "analyse", lambda tree, variables, owner=None: symbolic.analyse(
        tree, variables, budget=budget))
