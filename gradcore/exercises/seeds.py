"""Seeds of the exercises: which integers are seeds, and the numbers each one picks.

An exercise with numbers (a point, a dataset seed, a learning rate) is regenerated from an
integer seed in [0, ``MAX_SEED``]. ``DEFAULT_SEED`` (0) is the article's own example, so every
exercise keeps a hand-written default and draws from its options only for the other seeds.
The draws come from :func:`rng`, seeded by text, so a seed gives the same task in every process
and Python version and a link with ``exseed`` reopens the very task it was made from.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

DEFAULT_SEED = 0
MAX_SEED = 999_999

T = TypeVar("T")


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


def rng(key: str, seed: int) -> random.Random:
    """The random source of one exercise (named by `key`) at `seed`."""
    # A str seed is hashed with SHA-512: the same choice in every process and Python version.
    return random.Random(f"{key}:{seed}")


def pick(key: str, seed: int, default: T, options: Sequence[T]) -> T:
    """`default` for the article's seed, otherwise one of `options` drawn by ``rng(key, seed)``."""
    return default if seed == DEFAULT_SEED else rng(key, seed).choice(options)
