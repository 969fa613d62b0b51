"""How numbers are written for people: one home for the pages, their charts' sentences, the
exercises and gradcore's own notes, so the same number reads the same everywhere.

- :func:`significant`: `digits` significant figures (4 unless asked), never "-0"; nan and
  ±inf as Python writes them. Chart labels, kink notes and exercise prompts.
- :func:`fmt`: the same, but "undefined" where the value is not finite: what a page's metric
  or a chart's sentence says.
- :func:`fmt_vector`: "(2, 8, 18)" with :func:`fmt` components.
- :func:`factor`: a right-hand factor of a product, a negative one in parentheses: 3 × (-2).
- :func:`tex`: the LaTeX form, 1.2\\times10^{-5} for 1.2e-05, a negative value in parentheses.
- :func:`distinguishable`: two numbers with enough digits that different values differ.
- :func:`address`: what a link carries, the shortest form that reads back to the same float
  (0.1, 1e-06, 200.0), an integer setting as an integer.

No streamlit or plotly here: gradcore writes numbers into its messages with the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DIGITS = 4
UNDEFINED = "undefined"


def significant(value: float, digits: int = DIGITS) -> str:
    """`value` to `digits` significant figures (0.3333, 1.235e+04, 1e-05), "0" for -0.0."""
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


def fmt(value: float, digits: int = DIGITS) -> str:
    """:func:`significant`, or "undefined" for nan and ±inf."""
    return significant(value, digits) if math.isfinite(float(value)) else UNDEFINED


def fmt_vector(values: Sequence[float], digits: int = DIGITS) -> str:
    """A vector as "(2, 8, 18)" with :func:`fmt` components."""
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"


def factor(value: float, digits: int = DIGITS) -> str:
    """:func:`significant` as the right-hand factor of a product: "(-2)" for -2."""
    text = significant(value, digits)
    return f"({text})" if text.startswith("-") else text


def tex(value: float, digits: int = DIGITS, wrap: bool = True) -> str:
    """:func:`significant` for LaTeX: 1.2e-05 -> 1.2\\times10^{-5}; a negative value in
    parentheses if `wrap` (it follows an operator: 2 \\cdot (-3))."""
    text = significant(value, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times10^{{{int(exponent)}}}"
    return f"({text})" if wrap and text.startswith("-") else text


def distinguishable(a: float, b: float) -> tuple[str, str]:
    """`a` and `b` with 4 significant figures, or as many more (up to 17) as it takes for
    different values to read differently (a learning rate just under its bound)."""
    gap = abs(a - b) / max(abs(a), abs(b))
    digits = DIGITS if gap == 0 else int(min(max(math.ceil(-math.log10(gap)) + 2, DIGITS), 17))
    return significant(a, digits), significant(b, digits)


def address(value: float, integer: bool = False) -> str:
    """How a number is written into the address: the shortest round-trip form (0.1, 1e-06,
    200.0); an integer setting as an integer (3)."""
    return str(int(value)) if integer else repr(float(value))
