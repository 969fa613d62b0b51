"""Shared test set-up: deterministic hypothesis runs and a fixed random generator."""

import numpy as np
import pytest
from hypothesis import settings

# Property tests must be repeatable: the same examples on every run, no deadline flakiness on
# a shared, noisy machine.
settings.register_profile("gradlab", derandomize=True, deadline=None, max_examples=60)
settings.load_profile("gradlab")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every random test sees the same numbers on every run."""
    return np.random.default_rng(20241126)
