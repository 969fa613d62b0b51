"""The chain rule written out: d/dx f(g(x)) = f′(g(x))·g′(x), with one name for the inner value.

``chain_rule(outer, inner)`` gives what the Chain rule page shows, from one definition of f and
g (two ``Expression``): the outer function written in the inner value's name u (f(u) = u², not
f(x) = x² next to a graph that says u = g(x)), the product f′(g(x))·g′(x) as LaTeX *before* it
is simplified (f′ with g put in for u, times g′), and the composite f(g(x)) itself, whose
derivative sympy simplifies ("expanded") and whose numbers the page checks against the product.

The symbolic work goes where each formula's already goes (``gradcore.expressions.expression``: the worker
process for typed formulas, this process for the catalogue's), cached per formula; the result
of ``chain_rule`` is kept per (f, g) too, so a slider move builds nothing again.

When only the symbolic step is too complex (f′ or g′ could not be written, or sympy runs out
of its CPU budget folding f(g(x))), the chain is still built, as the Derivatives page does for
one formula: the LaTeX that could not be made is a placeholder, ``notes`` says why, and every
number (values, slopes, the product, the direct derivative) is exact, evaluated node by node
from the trees of f and g (``gradcore.expressions.evaluation``). A real refusal (a limit broken, undefined
everywhere, a busy server) is still an ExpressionError.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from gradcore.errors import ExpressionError
from gradcore.expressions.expression import Expression, _analyse
from gradcore.expressions.symbolic import (
    NOT_DIFFERENTIATED,
    TOO_LONG_TO_SHOW,
    Analysis,
    too_complex,
)
from gradcore.expressions.tree import NUMBER_NODES, Tree, show, substitute

INNER_NAME = "u"
SPARE_NAME = "w"
# A variable name no LaTeX of a formula contains (sympy prints a symbol's name as it is), put
# in for u in f′ and then replaced by g's LaTeX, so sympy never sees f′(g(x)) and cannot
# multiply it out.
_SLOT = "QQSLOTQQ"
CACHE_SIZE = 256
PRODUCT_NOTE = ("f′ or g′ is too complex to write symbolically here, so the product is not "
                "shown as a formula; its numbers are still exact (computed node by node).")
COMPOSITE_NOTE = ("f(g(x)) is too complex for sympy to simplify here, so it is not shown as a "
                  "formula; its values and slopes are still exact (computed node by node).")

_cache: OrderedDict[tuple, ChainRule] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class ChainRule:
    """f ∘ g written out. ``variable``: g's variable (x); ``inner_name``: u, the name of g(x);
    ``outer``: f written in u; ``composite``: f(g(x)) as one formula in x; ``product_latex``:
    f′(g(x))·g′(x) with this f and g, not simplified (e.g. ``2 \\left(x + 1\\right) \\cdot 1``),
    or a placeholder when f′ or g′ was too complex to write; ``notes``: why something is not
    shown as a formula (plain text; empty when all is shown).
    """

    variable: str
    inner_name: str
    outer: Expression
    inner: Expression
    composite: Expression
    product_latex: str
    notes: tuple[str, ...] = ()


def _key(expression: Expression) -> tuple:
    return (expression.tree, expression.variables, expression.text, expression._trusted,
            expression.notes)


def _atomic(tree: Tree) -> bool:
    return tree[0] in NUMBER_NODES or tree[0] in ("var", "pi", "e")


def _factor(latex: str, tree: Tree) -> str:
    """LaTeX of a factor of a product: a sum or a leading minus in parentheses."""
    return rf"\left({latex}\right)" if tree[0] == "add" or latex.startswith("-") else latex


def _put_in(latex: str, inner_latex: str, inner_tree: Tree) -> str:
    """`latex` with g's LaTeX in place of the slot: bare where brackets or braces already
    hold the slot alone (sin(·), a fraction), in parentheses elsewhere unless g is atomic."""
    for left, right in ((r"\left(", r" \right)"), ("{", "}")):
        latex = latex.replace(left + _SLOT + right, left + inner_latex + right)
    grouped = inner_latex if _atomic(inner_tree) else rf"\left({inner_latex}\right)"
    return latex.replace(_SLOT, grouped)


def renamed(expression: Expression, name: str) -> Expression:
    """A one-variable formula written in another variable (f(x) = x² as f(u) = u²).

    `name` comes from the code (``INNER_NAME``), never from a user."""
    if not expression.variables or expression.variables == (name,):
        return expression
    tree = substitute(expression.tree, expression.variables[0], ("var", name))
    try:
        analysis = _analyse(tree, (name,), expression._trusted)
    except ExpressionError as error:  # the same formula in another name: only sympy's time
        if not too_complex(str(error)):
            raise
        analysis = Analysis(tree, TOO_LONG_TO_SHOW, (NOT_DIFFERENTIATED,), None)
    return Expression(analysis, (name,), show(tree), expression._reading_notes,
                      expression._trusted)


def _differentiated(expression: Expression) -> bool:
    return not expression.variables or expression._analysis.partials is not None


def _composite(outer: Expression, inner: Expression) -> tuple[Expression, tuple[str, ...]]:
    """f(g(x)) folded by sympy, or, when only that folding is too complex, the tree of f with
    g's tree put in, evaluated as it is (exact numbers, no formula shown)."""
    try:
        return outer.compose(inner), ()
    except ExpressionError as error:
        if not too_complex(str(error)) or len(outer.variables) != 1:
            raise
    tree = substitute(outer.tree, outer.variables[0], inner.tree)
    analysis = Analysis(tree, TOO_LONG_TO_SHOW, (NOT_DIFFERENTIATED,) * len(inner.variables),
                        None, (COMPOSITE_NOTE,))
    text = f"{outer.text} with {outer.variables[0]} = {inner.text}"
    return Expression(analysis, inner.variables, text, inner._reading_notes), (COMPOSITE_NOTE,)


def _product_latex(outer: Expression, inner: Expression) -> str:
    """f′(g(x))·g′(x): f′'s LaTeX with g's put in for its variable, then · g′; a placeholder
    when f′ or g′ is too complex to write."""
    if not (_differentiated(outer) and _differentiated(inner)):
        return NOT_DIFFERENTIATED
    derivative = outer._partial_trees()[0] if outer.variables else ("int", 0)
    if outer.variables:
        derivative = substitute(derivative, outer.variables[0], ("var", _SLOT))
    outer_part = _put_in(_analyse(derivative, (_SLOT,), outer._trusted).latex, inner.latex,
                         inner.tree)
    if inner.variables:
        inner_part = _factor(inner.gradient_latex[0], inner._partial_trees()[0])
    else:
        inner_part = "0"
    return rf"{_factor(outer_part, derivative)} \cdot {inner_part}"


def chain_rule(outer: Expression, inner: Expression) -> ChainRule:
    """f ∘ g for a one-variable outer f and inner g (module docstring); kept per (f, g).

    Raises ExpressionError if f has several variables, or the composition breaks a limit or
    is undefined everywhere; what is only too complex to write is a placeholder and a note.
    """
    key = (_key(outer), _key(inner))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    variable = inner.variables[0] if inner.variables else "x"
    name = INNER_NAME if variable != INNER_NAME else SPARE_NAME
    outer_named = renamed(outer, name)
    composite, notes = _composite(outer, inner)
    if not (_differentiated(outer_named) and _differentiated(inner)):
        notes = (PRODUCT_NOTE, *notes)
    result = ChainRule(variable, name, outer_named, inner, composite,
                       _product_latex(outer_named, inner), notes)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result
