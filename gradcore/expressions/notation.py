"""Student notation -> the parser's plain syntax, by a rewrite of tokens (no eval, no sympy).

``read_notation(text)`` splits the text into numbers, names, brackets, bars, superscripts and
single characters, and rewrites only forms that have one reading:

=========================  ===========================  =====================================
typed                      read as                      rule
=========================  ===========================  =====================================
2x, 2 sin(x), 2(x+1), 2|x|  2*x, 2*sin(x), ...           a number before a name, ( or |
(x+1)(x-1), (x+1)x          (x+1)*(x-1), (x+1)*x         ) before (, a name or |
x², x³, x⁻¹, (x+1)²         x^2, x^3, x^(-1), (x+1)^2    superscript digits (and ⁻)
x²y                         x^2*y                        a name, ( or | after a superscript
|x|, |x - 1|, ||x| - 1|     abs(x), abs(x - 1), ...      bars, innermost first
sin x, 2 sin x + 1          sin(x), 2*sin(x) + 1         see below
=========================  ===========================  =====================================

``sin x`` becomes sin(x) when a one-argument function is followed by one variable, constant
or number and then by the end, ``)``, ``,``, ``+``, ``-`` or another function (``sin x cos x``).
(``e^x`` is e**x, which sympy writes exp(x), and ``ln`` is ``log``: see ``parsing.FUNCTIONS``.)
Each rewrite keeps the typed position of every character (``Reading.origin``), so a later
syntax error still points into what the student typed.

Forms with two readings are refused with both fixes in the message: ``x(x+1)`` (a call of x
or a product?), ``x y``, ``(x+1)2``, ``x^2y`` and ``e^2x`` (is y in the exponent?), ``1/2x``
(1/(2x) or x/2?), ``sin x^2``, ``sin 2x``, ``sin -x``, ``sin²x``, and a ``|`` that is not closed.

Names glued together (``sinx``, ``xy``) stay one name: the parser's contract is that any
letters-and-digits name is a variable (theta, w1, x2). ``glued_name_hint`` says what such a name
probably meant; ``parse_expression`` attaches it to the result as a note.

Anything else passes through unchanged, so the ast whitelist in ``parsing`` still judges the
whole text: this module can only turn text into other formula text, never run it.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from gradcore.errors import ExpressionError
from gradcore.expressions.advice import NOT_OFFERED, not_offered, unknown_call

SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
_GREEK = {"mu", "nu", "xi", "eta", "phi", "psi", "chi", "rho", "tau"}
_DIGITS = r"\d(?:_?\d)*"
_TOKEN = re.compile(
    rf"(?P<number>(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    rf"|(?P<super>[{''.join(SUPERSCRIPTS)}]+)"
    r"|(?P<space> +)|(?P<power>\*\*|\^)|(?P<char>.)", re.DOTALL)
_SUPER_FORM = re.compile("⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SHORT_REST = re.compile(r"(?=.)\d{0,2}[A-Za-z]?\d?")
_VARIABLE_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RESERVED = set(dir(builtins))
_SPACED_OPERANDS = re.compile(r"(?<=[A-Za-z0-9_)])\s+(?=[A-Za-z0-9_(])")
_ENDS_OPERAND = {"number", "variable", "constant", "close", "super"}
_ARGUMENT_FOLLOWERS = {")", ",", "+", "-"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class Reading:
    """The rewritten text (Python syntax: ``**`` for powers) and, for each of its characters,
    the 1-based position in the typed text it came from (for error messages)."""

    text: str
    origin: tuple[int, ...]

    def position(self, offset: int) -> int:
        """The typed position of the rewritten text's 1-based ``offset``."""
        if not self.origin:
            return 1
        return self.origin[min(max(offset, 1), len(self.origin)) - 1]


def _fail(message: str) -> ExpressionError:
    return ExpressionError(message)


def _name_kind(name: str, functions: Collection[str], constants: Collection[str]) -> str:
    if name in functions:
        return "function"
    if name in constants:
        return "constant"
    if _VARIABLE_LIKE.fullmatch(name) and not keyword.iskeyword(name) and "__" not in name \
            and name not in _RESERVED:
        return "variable"
    return "word"


def tokenize(text: str, functions: Collection[str], constants: Collection[str]) -> list[Token]:
    """Split ``text`` into tokens; kinds: number, function, constant, variable, word (a name
    that cannot be a variable), super, space, power, open, close, bar, and char (the rest)."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind, piece = match.lastgroup, match.group()
        if kind == "name":
            kind = _name_kind(piece, functions, constants)
        elif kind == "char":
            kind = {"(": "open", ")": "close", "|": "bar"}.get(piece, "char")
        tokens.append(Token(kind, piece, match.start() + 1))
    return tokens


def glued_name_hint(name: str, functions: Collection[str], constants: Collection[str],
                     variables: Collection[str] | None = None) -> str | None:
    """What a glued name such as 'sinx', 'pix' or 'xy' probably meant, or None.

    A product is suggested for 2 or 3 different letters (xy, abc, not foo), and only of the
    allowed ``variables`` when they are given.
    """
    for unknown in sorted(NOT_OFFERED, key=len, reverse=True):  # asinx, log10x
        rest = name[len(unknown):]
        if name.lower().startswith(unknown) and _SHORT_REST.fullmatch(rest):
            return f"did you mean {name[:len(unknown)]}({rest})? That is " \
                   f"{not_offered(name[:len(unknown)], f'({rest})')}"
    for function in sorted(functions, key=len, reverse=True):
        rest = name[len(function):]
        if name.startswith(function) and _SHORT_REST.fullmatch(rest):
            return f"did you mean {function}({rest})?"
    for constant in constants:
        rest = name[len(constant):]
        if name.startswith(constant) and len(rest) == 1 and rest.isalpha():
            return f"did you mean {constant}*{rest}?"
    letters_allowed = variables is None or set(name) <= set(variables)
    if name.isalpha() and 2 <= len(name) <= 3 and len(set(name)) == len(name) and \
            name.lower() not in _GREEK and letters_allowed:
        return f"for {' times '.join(name)} write {'*'.join(name)}"
    return None


class _Rewriter:
    """One left-to-right pass over the significant tokens.

    ``out`` collects (text, typed position) pieces; ``last`` is the kind of the last piece
    written (an operand's end, "function", "open", "power", "*", ...) and ``operand`` the typed
    position where the operand ending there starts (to quote it in a message).
    """

    def __init__(self, text: str, functions: Mapping[str, int], constants: Collection[str]):
        self.text, self.functions = text, functions
        self.tokens = [t for t in tokenize(text, functions, constants) if t.kind != "space"]
        self.out: list[tuple[str, int]] = []
        self.written: list[tuple[str, str]] = []   # (text, kind) of each significant piece
        self.operand = 1
        self.open: list[tuple[Token, int]] = []   # unclosed ( and |, with their operand start
        self.cursor = 0                      # typed characters consumed so far
        self.base = ""                       # the operand before the last ^ or /

    @property
    def last(self) -> str | None:
        return self.written[-1][1] if self.written else None

    def write(self, text: str, position: int, kind: str) -> None:
        self.out.append((text, position))
        self.written.append((text, kind))

    def take(self, token: Token, text: str | None = None, kind: str | None = None) -> None:
        """Write ``token`` (as ``text``) and mark it consumed."""
        self.write(token.text if text is None else text, token.position, kind or token.kind)
        self.cursor = token.position - 1 + len(token.text)
        if token.kind in ("number", "variable", "constant"):
            self.operand = token.position

    def ends_operand(self) -> bool:
        return self.last in _ENDS_OPERAND

    def typed(self, first: Token, last: Token) -> str:
        """The typed text from the start of ``first`` to the end of ``last``."""
        return self.text[first.position - 1:last.position - 1 + len(last.text)]

    def operand_text(self) -> str:
        """The typed operand that ends at the cursor: '(x+1)', 'sin(x)', '|x|', 'x²', '2'."""
        return self.text[self.operand - 1:self.cursor].strip()

    def spaces(self, upto: int) -> None:
        """Keep the typed spaces before position ``upto`` (they separate words like 'if')."""
        if upto > self.cursor:
            self.out.append((self.text[self.cursor:upto], self.cursor + 1))
            self.cursor = upto

    def run(self) -> Reading:
        index = 0
        while index < len(self.tokens):
            self.spaces(self.tokens[index].position - 1)
            index = self.step(index)
        self.spaces(len(self.text))
        if self.open and self.open[-1][0].kind == "bar":
            self.unclosed_bar(self.open[-1][0])
        text = "".join(piece for piece, _ in self.out)
        origin = tuple(position for piece, position in self.out for _ in piece)
        return Reading(text, origin)

    def step(self, index: int) -> int:
        token = self.tokens[index]
        if token.kind == "bar":
            return self.bar(token, index)
        if token.kind in ("number", "variable", "constant", "function", "open"):
            self.juxtaposed(token, index)
        if token.kind == "function":
            return self.function(token, index)
        if token.kind == "super":
            self.superscript(token)
        elif token.kind == "open":
            start = token.position
            if self.last == "function":
                start = self.operand
            self.open.append((token, start))
            self.take(token)
        elif token.kind == "close":
            self.close(token)
        else:
            if token.kind == "power" or token.text == "/":
                self.base = self.operand_text()
            self.take(token, "**" if token.kind == "power" else None)
        return index + 1

    def juxtaposed(self, token: Token, index: int) -> None:
        """``token`` starts an operand right after another one: insert * or refuse."""
        if not self.ends_operand():
            return
        if token.kind == "number" or (self.last in ("variable", "constant") and
                                      token.kind != "bar"):
            self.refuse_juxtaposition(token, index)
        if self.last == "number":
            self.check_number_factor(token, index)
        self.write("*", token.position, "*")

    def refuse_juxtaposition(self, token: Token, index: int) -> None:
        before = self.operand_text()
        if token.kind == "open":
            group = self.group_text(index)
            raise _fail(unknown_call(before, group, self.functions,
                                     glued=self.glued_call_fix(before, group)))
        if self.last in ("close", "super"):
            raise _fail(f"'{before}' is followed by the number {token.text} with no "
                        f"operator: write {before}*{token.text} to multiply, or "
                        f"{before}^{token.text} for a power")
        ahead = self.operand_ahead(index)
        if before.lower() in NOT_OFFERED or before.lower() in self.functions:  # cosh x, Sin x
            group = ahead if ahead.startswith("(") else f"({ahead})"
            raise _fail(unknown_call(before, group, self.functions, typed=f"{before} {ahead}"))
        raise _fail(f"'{before} {ahead}' has no operator between {before} and {ahead}: "
                    f"write {before}*{ahead} to multiply them")

    def glued_call_fix(self, name: str, group: str) -> str | None:
        """'xsin(x)' -> 'x*sin(x)'."""
        for function in sorted(self.functions, key=len, reverse=True):
            prefix = name[:-len(function)]
            if name.endswith(function) and prefix and _VARIABLE_LIKE.fullmatch(prefix):
                return f"{prefix}*{function}{group}"
        return None

    def check_number_factor(self, token: Token, index: int) -> None:
        """Refuse 2y right after ^ or / (x^2y, e^-2x, 1/2x): the grouping is unclear."""
        (number, _), *earlier = reversed(self.written[-3:])
        before, sign = (earlier[0] if earlier else ("", "")), ""
        if before[0] in ("+", "-") and len(earlier) > 1 and earlier[1][1] == "power":
            sign, before = before[0], earlier[1]
        if before[1] != "power" and before[0] != "/":
            return
        factor = self.operand_ahead(index)
        head, base = f"{sign}{number}", self.base
        if before[0] == "/":
            raise _fail(f"'{base}/{head}{factor}' can be read two ways: write "
                        f"{base}/({head}*{factor}) to divide by {head}{factor}, or "
                        f"{base}/{head}*{factor} to divide by {head} only")
        raise _fail(f"'{base}^{head}{factor}' can be read two ways: write "
                    f"{base}^({head}*{factor}) if {head}{factor} is the exponent, or "
                    f"{base}^{head}*{factor} to multiply after the power")

    def operand_ahead(self, index: int) -> str:
        """The typed operand that starts at token ``index``: '(x+1)', 'sin(x)', '|...|', 'y'."""
        token = self.tokens[index]
        if token.kind == "bar":
            return "|...|"
        if token.kind == "open":
            return self.group_text(index)
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if token.kind == "function" and following is not None and following.kind == "open":
            return token.text + self.group_text(index + 1)
        return token.text

    def group_text(self, index: int) -> str:
        """The typed bracket group that starts at token ``index`` ("(...)" if never closed)."""
        depth = 0
        for token in self.tokens[index:]:
            depth += {"open": 1, "close": -1}.get(token.kind, 0)
            if depth == 0:
                return self.typed(self.tokens[index], token)
        return "(...)"

    def argument_end(self, index: int) -> int:
        """Index just past the tokens from ``index`` up to a + - , or unmatched ) (or the end)."""
        depth = 0
        for end in range(index, len(self.tokens)):
            piece = self.tokens[end]
            depth += {"open": 1, "close": -1}.get(piece.kind, 0)
            if depth < 0 or (depth == 0 and end > index and piece.text in ("+", "-", ",")):
                return end
        return len(self.tokens)

    def function(self, token: Token, index: int) -> int:
        """A function name: a call ``sin(...)``, or ``sin x`` read as sin(x) when unambiguous."""
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        self.operand = token.position
        if self.functions[token.text] != 1 or following is None or following.kind == "open":
            self.take(token)
            return index + 1
        if following.kind in ("number", "variable", "constant"):
            return self.bare_argument(token, following, index)
        if following.kind in ("super", "power"):
            raise _fail(f"'{self.typed(token, following)}' is not supported: write the "
                        f"argument in brackets and the power after them, e.g. "
                        f"{token.text}(x)^2")
        if following.kind == "bar" or following.text in ("-", "+"):
            rest = self.typed(following, self.tokens[self.argument_end(index + 1) - 1])
            raise _fail(f"'{token.text} {rest}' needs brackets: write {token.text}({rest})")
        self.take(token)
        return index + 1

    def bare_argument(self, function: Token, argument: Token, index: int) -> int:
        """``sin x``: sin(x) if what follows x ends the argument, else refuse with both fixes."""
        after = self.tokens[index + 2] if index + 2 < len(self.tokens) else None
        if after is None or after.text in _ARGUMENT_FOLLOWERS or after.kind == "function":
            self.write(f"{function.text}(", function.position, "function")
            self.cursor = function.position - 1 + len(function.text)
            self.spaces(argument.position - 1)
            self.write(argument.text, argument.position, argument.kind)
            self.write(")", argument.position, "close")
            self.cursor = argument.position - 1 + len(argument.text)
            self.operand = function.position
            return index + 2
        last = self.tokens[self.argument_end(index + 1) - 1]
        rest, tail = self.typed(argument, last), self.typed(after, last)
        whole = _SPACED_OPERANDS.sub("*", rest)
        star = "*" if after.kind in ("number", "variable", "constant", "open", "bar") else ""
        raise _fail(f"'{function.text} {rest}' is ambiguous without brackets: write "
                    f"{function.text}({whole}) if {rest} is the whole argument, or "
                    f"{function.text}({argument.text}){star}{tail} if only {argument.text} is")

    def superscript(self, token: Token) -> None:
        if not _SUPER_FORM.fullmatch(token.text):
            raise _fail(f"the superscript '{token.text}' at position {token.position} is not a "
                        "power: write x^2, x^3 or x^(-1) (x², x³, x⁻¹)")
        if not self.ends_operand():
            raise _fail(f"the superscript '{token.text}' at position {token.position} has "
                        "nothing before it to raise to a power: write e.g. x² or x^2")
        sign, digits = token.text[:1] == "⁻", token.text.lstrip("⁻")
        # x⁰² is x^2: Python refuses the literal 02
        power = ("-" if sign else "") + ("".join(SUPERSCRIPTS[c] for c in digits).lstrip("0")
                                         or "0")
        operand = self.operand
        self.take(token, "**" + (f"({power})" if power.startswith("-") else power), "super")
        self.operand = operand

    def close(self, token: Token) -> None:
        if self.open and self.open[-1][0].kind == "bar":
            self.unclosed_bar(self.open[-1][0])
        start = self.open.pop()[1] if self.open else token.position
        self.take(token)
        self.operand = start

    def bar(self, token: Token, index: int) -> int:
        """A | closes the innermost open bar after an operand, and opens abs( otherwise."""
        if self.open and self.open[-1][0].kind == "bar" and self.ends_operand():
            start = self.open.pop()[1]
            self.take(token, ")", "close")
            self.operand = start
        else:
            self.juxtaposed(token, index)
            self.open.append((token, token.position))
            self.take(token, "abs(", "open")
        return index + 1

    @staticmethod
    def unclosed_bar(bar: Token) -> None:
        raise _fail(f"the | at position {bar.position} is not closed: write |x - 1| with a "
                    "bar on each side, or abs(x - 1)")


def read_notation(text: str, functions: Mapping[str, int], constants: Collection[str]) -> Reading:
    """Rewrite student notation in ``text`` (see the module docstring); ExpressionError if a
    form is ambiguous, with the fix in the message.

    ``functions`` maps each function name to its largest number of arguments (``sin x`` is
    read as sin(x) only for one-argument functions); ``constants`` are names such as pi, e.
    """
    return _Rewriter(text, functions, constants).run()
