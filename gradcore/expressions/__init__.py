"""Typed formulas: the safe parser (``parsing``, ``tree``), exact evaluation and constant
folding (``evaluation``, ``folding``), the symbolic derivatives (``symbolic``) computed by
bounded, fair worker processes (``worker``, ``worker_server``, ``scheduling``), notation and
advice for the student (``notation``, ``advice``), the kinks of a formula (``kinks``), and
``Expression``, what a page holds (``expression``). Never calls ``eval``/``sympify`` on user text.

The names of the round-2 module ``gradcore.expressions`` stay importable from here.
"""

from gradcore.expressions.expression import (
    MAX_SWITCH_NODES,
    TRUSTED_CACHE_SIZE,
    Expression,
    kink_at,
    parse_expression,
    trusted_expression,
)

__all__ = ["MAX_SWITCH_NODES", "TRUSTED_CACHE_SIZE", "Expression", "kink_at",
           "parse_expression", "trusted_expression"]
