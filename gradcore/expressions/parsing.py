"""Typed formulas -> formula trees, without ``eval`` (the parser behind ``parse_expression``).

``read_formula("x^2 + 3*sin(y)")`` checks the characters, rewrites student notation (2x, |x|,
x², sin x: ``gradcore.expressions.notation``, a token-level rewrite), reads the result with Python's ``ast``
under a whitelist and builds a formula tree (``gradcore.expressions.tree``: nested tuples) node by node:
numbers, variables, ``pi``, ``e``, ``+ - * / ** ^``, unary signs and calls of the functions in
``FUNCTIONS``. Nothing else is accepted, and the text never reaches ``eval``, ``exec``,
``sympify`` or ``parse_expr``. Every refusal is an ``ExpressionError`` whose message names the
offending piece and what is allowed. A name that looks glued together (sinx, xy) is still one
variable, with a note saying so. No sympy here: the tree is folded by sympy later, in a worker
process, under the same limits (``gradcore.expressions.folding``).

Limits against abuse (each with its own message, all listed in the README): ``MAX_LENGTH``
characters, ``MAX_NODES`` pieces, ``MAX_DEPTH`` levels of nesting (brackets, functions and
powers inside one another; a flat sum or product of many terms is one level), typed numbers up
to ``MAX_LITERAL``, constant parts up to ``MAX_CONSTANT``, each constant exponent up to
``MAX_EXPONENT``, ``MAX_VARIABLES`` names of at most ``MAX_NAME_LENGTH`` characters. Constant
parts are checked with float arithmetic as the tree is built, so ``9**9**9`` is refused without
being computed. Parts that only become constant when sympy folds them
(``(x-x+3)^(x-x+1000)``), and powers that multiply out (``(x^100)^100``), meet the same limits
in ``gradcore.expressions.folding``; what sympy's work on a legal formula costs is bounded by CPU time in
the worker (``gradcore.expressions.symbolic``), not by the exponents as written, so ``(x^2+1)^60`` is an
ordinary formula. Any Unicode space (a thin space, a no-break space) is read as a space.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

from gradcore.errors import ExpressionError
from gradcore.expressions.advice import keyboard_version, unknown_call
from gradcore.expressions.notation import SUPERSCRIPTS, Reading, glued_name_hint, read_notation
from gradcore.expressions.tree import MINUS_ONE, Tree, negate

MAX_LENGTH = 200
MAX_NODES = 150
MAX_DEPTH = 30
MAX_LITERAL = 1e6
MAX_CONSTANT = 1e100
MAX_EXPONENT = 100
MAX_VARIABLES = 10
MAX_NAME_LENGTH = 20


def _stable_sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _call(name: str):
    return lambda *args: (name, *args)


# name -> (fewest args, most args, tree builder, float builder for constant arguments)
FUNCTIONS = {
    "sin": (1, 1, _call("sin"), math.sin),
    "cos": (1, 1, _call("cos"), math.cos),
    "tan": (1, 1, _call("tan"), math.tan),
    "exp": (1, 1, _call("exp"), math.exp),
    "log": (1, 1, _call("log"), math.log),
    "ln": (1, 1, _call("log"), math.log),
    "sqrt": (1, 1, lambda a: ("pow", a, ("rat", 1, 2)), math.sqrt),
    "abs": (1, 1, _call("abs"), abs),
    "max": (2, 10, _call("max"), max),
    "min": (2, 10, _call("min"), min),
    "relu": (1, 1, lambda a: ("max", ("int", 0), a), lambda v: max(0.0, v)),
    "sigmoid": (1, 1, _call("sigmoid"), _stable_sigmoid),
    "tanh": (1, 1, _call("tanh"), math.tanh),
}
CONSTANTS = {"pi": (("pi",), math.pi), "e": (("e",), math.e)}
_ARITY = {name: most for name, (_, most, _, _) in FUNCTIONS.items()}
_DOMAIN = {"log": "log needs a positive argument", "ln": "log needs a positive argument",
           "sqrt": "sqrt needs an argument that is not negative"}
_ALLOWED_LIST = ", ".join([*CONSTANTS, *FUNCTIONS])
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = set(FUNCTIONS) | set(CONSTANTS) | set(dir(builtins))
_CHAR_HINTS = {
    "[": "use round brackets ( ) for grouping", "]": "use round brackets ( ) for grouping",
    "{": "use round brackets ( ) for grouping", "}": "use round brackets ( ) for grouping",
    "'": "text in quotes is not part of a formula", '"': "text in quotes is not part of a formula",
    "=": "type only the formula, e.g. x^2 + 1 (no '=', no name=value arguments)",
    "!": "factorials are not supported",
    "<": "comparisons are not supported; for a piecewise formula use max, min, abs or relu",
    ">": "comparisons are not supported; for a piecewise formula use max, min, abs or relu",
    "%": "the remainder operator is not supported", ";": "type one formula only",
    ":": "type one formula only", "#": "comments are not allowed", "@": "use * to multiply",
}
_LOOKALIKES = {"\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c",
               "\u0443": "y", "\u0445": "x", "\u03bf": "o", "\u03bd": "v",
               "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041e": "O", "\u0425": "X",
               "\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/",
               "\u03c0": "pi", "\u207f": "^n", "\u2013": "-", "\u2014": "-", "\u221a": "sqrt"}
# Characters that str.isspace() calls spaces but that show nothing: refused with a hint
# rather than read as a space (a space where none is seen would be a puzzle).
_INVISIBLE = {"\x1c", "\x1d", "\x1e", "\x1f", "\x85"}
_EXPR_NODES = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant)
_ALLOWED_NODES = (*_EXPR_NODES, ast.Expression, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div,
                  ast.Pow, ast.USub, ast.UAdd)
_REFUSED = {
    ast.Attribute: "attribute access with '.' (like a.b) is not allowed",
    ast.Subscript: "square brackets are not allowed: use round brackets ( ) for grouping",
    ast.Lambda: "'lambda' is not allowed: type the formula itself, e.g. x^2 + 1",
    ast.Compare: "comparisons (<, >, ==) are not allowed: for a piecewise formula use max or min",
    ast.BoolOp: "'and' / 'or' are not allowed", ast.Not: "'not' is not allowed",
    ast.IfExp: "'if ... else' is not allowed: for a piecewise formula use max, min, abs or relu",
    ast.Tuple: "a comma may only separate the arguments of max(a, b) or min(a, b)",
    ast.Starred: "'*' in front of an argument is not allowed",
    ast.JoinedStr: "text in quotes (f-strings) is not allowed",
    ast.NamedExpr: "':=' is not allowed", ast.FloorDiv: "'//' is not allowed: use / to divide",
    ast.Mod: "'%' is not allowed", ast.MatMult: "'@' is not allowed: use * to multiply",
    ast.keyword: "name=value arguments are not allowed: write sin(x), not sin(x=1)",
    ast.Invert: "'~' is not allowed",
}
for _kind, _words in [((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp),
                       "'for ... in' (comprehensions) is not allowed"),
                      ((ast.List, ast.Set, ast.Dict), "brackets [ ] and { } are not allowed"),
                      ((ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift),
                       "bitwise operators (& | << >>) are not allowed; write powers as x^2"),
                      ((ast.Await, ast.Yield, ast.YieldFrom), "Python statements are not allowed")]:
    _REFUSED.update(dict.fromkeys(_kind, _words))


def _fail(message: str) -> ExpressionError:
    return ExpressionError(message)


def check_variable_name(name: object) -> str:
    """Return ``name`` if it can be a variable, else raise ExpressionError saying why."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(f"{name!r} cannot be a variable name: use a letter followed by letters, "
                    "digits or _, e.g. x, y2, w_1")
    if len(name) > MAX_NAME_LENGTH:
        raise _fail(f"the name '{name[:30]}' is too long: at most {MAX_NAME_LENGTH} characters")
    if name in _RESERVED or keyword.iskeyword(name) or "__" in name:
        kind = "a function" if name in FUNCTIONS else "a constant" if name in CONSTANTS else \
            "a reserved word"
        raise _fail(f"'{name}' is {kind} and cannot be a variable: choose a name such as x, y, w1")
    return name


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise _fail("the formula must be text, e.g. x^2 + 1")
    text = "".join(" " if char.isspace() and char not in _INVISIBLE else char
                   for char in text).strip()
    if not text:
        raise _fail("the formula is empty: type one, e.g. x^2 + 1")
    if len(text) > MAX_LENGTH:
        raise _fail(f"the formula is {len(text)} characters long: at most {MAX_LENGTH} are allowed")
    for position, char in enumerate(text, start=1):
        if char in SUPERSCRIPTS:
            continue
        if ord(char) > 127 or (not char.isprintable() and char not in " \t"):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            plain = _LOOKALIKES.get(char) or unicodedata.normalize("NFKC", char)
            hint = f"type {plain} instead" if plain.isascii() and plain.isprintable() else \
                "use plain keyboard letters, digits and + - * / ^ ( )"
            fixed = keyboard_version(text, _LOOKALIKES)
            hint = f"{hint}, as in {fixed}" if fixed else hint
            shown = char if char.isprintable() else repr(char)[1:-1]
            raise _fail(f"character '{shown}' ({name}) at position {position} is not a plain "
                        f"keyboard character: {hint}")
        if char in _CHAR_HINTS or char in "\\`$?&~":
            hint = _CHAR_HINTS.get(char, "it has no meaning in a formula")
            fixed = keyboard_version(text, _LOOKALIKES) if char in "[]{}" else None
            hint = f"{hint}, as in {fixed}" if fixed else hint
            raise _fail(f"character '{char}' at position {position} is not allowed: {hint}")
    return text


class _Builder:
    """Walks a checked ast and returns (tree, float value if constant else None).

    Nested powers are not bounded here by the product of their written exponents: what
    (x^2+1)^60 costs is bounded by the worker's CPU budget, and a power that really
    multiplies out, ((x^100)^100)^100 = x^1000000, is refused by ``gradcore.expressions.folding`` when
    sympy folds it, with the exponent it works out to.
    """

    def __init__(self, text: str, variables: tuple[str, ...] | None):
        self.text, self.allowed = text, variables
        self.symbols = {name: ("var", name) for name in variables or ()}
        self.notes: list[str] = []

    def piece(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node) or type(node).__name__
        return (segment if len(segment) <= 40 else segment[:37] + "...").replace("**", "^")

    def build(self, node: ast.AST) -> tuple[Tree, float | None]:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand, value = self.build(node.operand)
            if isinstance(node.op, ast.USub):
                return negate(operand), None if value is None else -value
            return operand, value
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.binary(node)

    def constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "text in quotes" if isinstance(value, str) else \
                "imaginary numbers" if isinstance(value, complex) else f"'{self.piece(node)}'"
            raise _fail(f"{kind} cannot be used in a formula: use numbers, variables and functions")
        if not abs(value) <= MAX_LITERAL:  # also catches inf and nan, without int -> float
            raise _fail(f"the number {self.piece(node)} is too large: typed numbers can be at "
                        f"most {MAX_LITERAL:g} in size")
        return ("int" if isinstance(value, int) else "float", value), float(value)

    def name(self, node: ast.Name):
        name = node.id
        if name in CONSTANTS:
            symbolic, value = CONSTANTS[name]
            return symbolic, value
        if name in FUNCTIONS:
            raise _fail(f"'{name}' is a function: give it an argument in brackets, e.g. {name}(x)")
        hint = glued_name_hint(name, FUNCTIONS, CONSTANTS, self.allowed)
        if self.allowed is not None and name not in self.allowed:
            raise _fail(f"unknown name '{name}'{f' ({hint})' if hint else ''} — allowed: "
                        f"{', '.join(self.allowed)}, {_ALLOWED_LIST}")
        if name not in self.symbols:
            check_variable_name(name)
            if len(self.symbols) >= MAX_VARIABLES:
                raise _fail(f"too many variables: at most {MAX_VARIABLES} different names")
            self.symbols[name] = ("var", name)
            if hint:
                self.notes.append(f"read '{name}' as one variable named {name}; {hint}")
        return self.symbols[name], None

    def call(self, node: ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or self.piece(node.func)
            raise _fail(unknown_call(shown, self.piece(node)[len(shown):], FUNCTIONS,
                                     variable=False))
        fewest, most, symbolic, numeric = FUNCTIONS[name]
        if not fewest <= len(node.args) <= most:
            wanted = "one argument" if most == 1 else f"{fewest} to {most} arguments"
            base = (f": for the logarithm to base {self.piece(node.args[1])} write "
                    f"{name}({self.piece(node.args[0])})/{name}({self.piece(node.args[1])})"
                    if name in _DOMAIN and name != "sqrt" and len(node.args) == 2 else "")
            raise _fail(f"{name} takes {wanted}, but '{self.piece(node)}' has "
                        f"{len(node.args)}{base}")
        parts = [self.build(arg) for arg in node.args]
        values = [value for _, value in parts]
        value = None
        if all(v is not None for v in values):
            value = self.compute(node, lambda: numeric(*values), _DOMAIN.get(name))
        return symbolic(*(expr for expr, _ in parts)), value

    def binary(self, node: ast.BinOp):
        left, left_value = self.build(node.left)
        right, right_value = self.build(node.right)
        constant = left_value is not None and right_value is not None
        if isinstance(node.op, ast.Pow):
            return self.power(node, left, left_value, right, right_value)
        operation, tree = _BINARY[type(node.op)]
        value = self.compute(node, lambda: operation(left_value, right_value),
                             "division by zero") if constant else None
        return tree(left, right), value

    def power(self, node, base, base_value, exponent, exponent_value):
        if exponent_value is None:
            return ("pow", base, exponent), None
        if abs(exponent_value) > MAX_EXPONENT:
            raise _fail(f"the exponent in '{self.piece(node)}' is about {exponent_value:.3g}: "
                        f"exponents can be at most {MAX_EXPONENT} in size")
        value = None
        if base_value is not None:
            if base_value == 0 and exponent_value < 0:
                raise _fail(f"division by zero in '{self.piece(node)}'")
            if base_value < 0 and not float(exponent_value).is_integer():
                raise _fail(f"'{self.piece(node)}' is undefined: a negative number to a "
                            "fractional power is not a real number")
            if base_value != 0 and abs(exponent_value) * math.log10(abs(base_value)) > 100:
                raise _fail(f"'{self.piece(node)}' is too large: constants can be at most "
                            f"{MAX_CONSTANT:g} in size")
            value = self.compute(node, lambda: base_value**exponent_value, None)
        return ("pow", base, exponent), value

    def compute(self, node, operation, domain_hint: str | None) -> float:
        try:
            value = float(operation())
        except (ValueError, ZeroDivisionError) as error:
            reason = domain_hint or "it is not a real number"
            raise _fail(f"'{self.piece(node)}' is undefined: {reason}") from error
        except OverflowError as error:
            raise _fail(f"'{self.piece(node)}' is too large to compute: constants can be at "
                        f"most {MAX_CONSTANT:g} in size") from error
        if not abs(value) <= MAX_CONSTANT:
            raise _fail(f"'{self.piece(node)}' is too large: constants can be at most "
                        f"{MAX_CONSTANT:g} in size")
        return value


# ast operator -> (float operation for constant parts, tree builder)
_BINARY = {
    ast.Add: (lambda a, b: a + b, lambda a, b: ("add", a, b)),
    ast.Sub: (lambda a, b: a - b, lambda a, b: ("add", a, negate(b))),
    ast.Mult: (lambda a, b: a * b, lambda a, b: ("mul", a, b)),
    ast.Div: (lambda a, b: a / b, lambda a, b: ("mul", a, ("pow", b, MINUS_ONE))),
}


def _read_tree(reading: Reading) -> ast.Expression:
    python_text = reading.text
    try:
        tree = ast.parse(python_text, mode="eval")
    except SyntaxError as error:
        words = [w for w in re.findall(r"[A-Za-z_]\w*", python_text) if keyword.iskeyword(w)]
        if words:
            raise _fail(f"'{words[0]}' is a Python word, not part of a formula") from None
        reason = (error.msg or "invalid syntax").split(". Perhaps")[0]
        # Python reports offset 0 when the text ends too early ("x +")
        where = f"near position {reading.position(error.offset)}" if error.offset else \
            "at its end"
        raise _fail(f"could not read the formula {where} ({reason}): check for a missing * "
                    "(write 2*x, x*y), a bracket that is not closed or a sign with nothing "
                    "after it") from None
    except (ValueError, RecursionError, MemoryError):
        raise _fail("could not read the formula: it is nested too deeply or malformed") from None
    count, stack = 0, [(tree.body, 1)]
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            segment = ast.get_source_segment(python_text, node)
            where = f" in '{segment[:40]}'" if segment else ""
            words = _REFUSED.get(type(node), f"'{type(node).__name__}' is not allowed")
            if isinstance(node, ast.Tuple) and segment and re.search(r"\d,\d", segment):
                words += f" (for a decimal number use a point: {segment.replace(',', '.')})"
            raise _fail(f"{words}{where}; a formula uses numbers, variables, + - * / ^ and "
                        f"{_ALLOWED_LIST}")
        count += isinstance(node, _EXPR_NODES)
    if count > MAX_NODES:
        raise _fail(f"the formula has {count} pieces: at most {MAX_NODES} are allowed")
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(f"the formula nests more than {MAX_DEPTH} levels deep (brackets, "
                        f"functions and powers inside one another): at most {MAX_DEPTH}")
        stack.extend((child, depth + (not _same_chain(node, child)))
                     for child in ast.iter_child_nodes(node) if isinstance(child, _EXPR_NODES))
    return tree


_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))


def _same_chain(parent: ast.AST, child: ast.AST) -> bool:
    """True when ``child`` continues ``parent``'s flat sum or product: a + b + c is one level
    of nesting, not two, however many terms it has (Python reads it as (a + b) + c)."""
    if not (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp)) or \
            child is not parent.left:
        return False
    return any(isinstance(parent.op, ops) and isinstance(child.op, ops) for ops in _CHAINS)


class Source(NamedTuple):
    """What ``read_formula`` returns: the formula tree as typed (not folded yet), the variables in
    order, the typed text (stripped) and notes on how it was read (plain text, e.g. a glued
    name)."""

    tree: Tree
    variables: tuple[str, ...]
    text: str
    notes: tuple[str, ...]


def read_formula(text: object, variables: Sequence[str] | str | None = None) -> Source:
    """Check ``text`` and build its formula tree; raise ``ExpressionError`` if refused.

    ``variables=None`` infers the variables (sorted by name); a sequence fixes them and their
    order: the text may then use only those names (unused ones are kept).
    """
    if isinstance(variables, str):
        variables = (variables,)
    if variables is not None:
        variables = tuple(check_variable_name(name) for name in variables)
        if len(set(variables)) != len(variables) or len(variables) > MAX_VARIABLES:
            raise _fail(f"variables must be different names, at most {MAX_VARIABLES}")
    text = _check_text(text)
    reading = read_notation(text, _ARITY, CONSTANTS)
    tree = _read_tree(reading)
    builder = _Builder(reading.text, variables)
    try:
        built, _ = builder.build(tree.body)
    except RecursionError:
        raise _fail("the formula is nested too deeply") from None
    names = variables or tuple(sorted(builder.symbols))
    return Source(built, names, text, tuple(dict.fromkeys(builder.notes)))
