"""Students' typed answers: numbers, vectors, intervals, yes/no and choices, read without eval.

A small hand-written scanner turns the text into tokens (numbers, words, a few symbols) and a
tiny grammar reads them; nothing is ever passed to ``eval``, ``exec`` or sympy. Accepted:

- numbers: ``0.5``, ``.5``, ``1/2``, ``-3``, ``−3`` (Unicode minus), ``+2``, ``1e-3``, ``½``;
- vectors: ``(2, 8, 18)``, ``2,8,18``, ``[2 8 18]``, ``2; 8; 18``;
- intervals: ``[−1, 1]``, ``-1 to 1``, ``from -1 to 1``, ``between 0 and 1``, ``(-1, 1)``;
- yes/no: ``yes``, ``y``, ``true``, ``no``, ``n``, ``false`` (a sentence around them is fine);
- choices: one of a few named options, each with its aliases.

Anything before the last ``=`` is ignored, so ``∇f = (2, 8, 18)`` reads as ``(2, 8, 18)``.
Cost is bounded: at most ``MAX_ANSWER_LENGTH`` characters and ``MAX_NUMBERS`` numbers, one
linear pass. A refused answer raises :class:`AnswerError` (a ``ValueError``) whose message
tells the student how to write it ("write a vector like (2, 8, 18)").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_ANSWER_LENGTH = 200
MAX_NUMBERS = 16
RANGE_WORDS = frozenset({"to", "from", "between", "and"})
YES_WORDS = frozenset({"yes", "y", "true", "yeah", "yep", "converges"})
NO_WORDS = frozenset({"no", "n", "false", "nope", "diverges"})
_DASHES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
_SLASHES = dict.fromkeys(map(ord, "\u2044\u2215\u00f7"), "/")
_OPEN, _CLOSE = "([{", ")]}"
_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<symbol>[-+/,;()\[\]{}<>])"
    r"|(?P<space>\s+)"
)


class AnswerError(ValueError):
    """An answer that cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Reading:
    """What the scanner found: the numbers in order, the words, and the layout.

    ``bracket`` is the pair around the whole answer ("()", "[]", "[)", ...) or "" when none;
    ``ranged`` is true when words such as "to" or "between … and" joined the numbers.
    """

    numbers: tuple[float, ...]
    words: tuple[str, ...]
    bracket: str
    ranged: bool


def normalise(text: str) -> str:
    """Unicode-normalised text (NFKC; every dash and minus sign as "-", fraction slashes as
    "/"), lower case, the part after the last "=" only. AnswerError when too long."""
    if not isinstance(text, str):
        raise AnswerError("Type your answer as text.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerError(f"That answer is too long: keep it under {MAX_ANSWER_LENGTH} "
                          "characters.")
    text = unicodedata.normalize("NFKC", text)[: 4 * MAX_ANSWER_LENGTH]
    text = text.translate(_DASHES).translate(_SLASHES).lower()
    if "=" in text:
        after = text.rsplit("=", 1)[1]
        text = after if after.strip() else text.replace("=", " ")
    return text.strip()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise AnswerError(f"The character '{text[position]}' cannot be read here: use digits, "
                              "a point for decimals, commas between numbers and brackets.")
        position = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value) or abs(value) > 1e100:
        raise AnswerError(f"The number {token[:20]} is too large to be an answer here.")
    return value


def _number(tokens: list[tuple[str, str]], i: int) -> tuple[float, int]:
    """One signed number or fraction starting at tokens[i]; returns (value, next index)."""
    sign = 1.0
    if tokens[i] in (("symbol", "-"), ("symbol", "+")):
        sign = -1.0 if tokens[i][1] == "-" else 1.0
        i += 1
        if i < len(tokens) and tokens[i] in (("symbol", "-"), ("symbol", "+")):
            raise AnswerError("Two signs in a row: write one sign before a number, like -3.")
    if i >= len(tokens) or tokens[i][0] != "number":
        raise AnswerError("A sign must be followed by a number, like -3.")
    value = sign * _finite(tokens[i][1])
    i += 1
    if i < len(tokens) and tokens[i] == ("symbol", "/"):
        i += 1
        denominator_sign = 1.0
        if i < len(tokens) and tokens[i] in (("symbol", "-"), ("symbol", "+")):
            denominator_sign = -1.0 if tokens[i][1] == "-" else 1.0
            i += 1
        if i >= len(tokens) or tokens[i][0] != "number":
            raise AnswerError("A fraction needs a number after '/', like 1/2.")
        denominator = denominator_sign * _finite(tokens[i][1])
        if denominator == 0:
            raise AnswerError("A fraction cannot divide by 0.")
        value /= denominator
        i += 1
    return value, i


def read(text: str) -> Reading:
    """Scan an answer into numbers, words and layout (see :class:`Reading`); AnswerError if
    it cannot be read at all (a stray character, a lone sign, unbalanced brackets)."""
    tokens = _tokens(normalise(text))
    bracket = ""
    if tokens and tokens[0][0] == "symbol" and tokens[0][1] in _OPEN:
        if tokens[-1][0] != "symbol" or tokens[-1][1] not in _CLOSE or len(tokens) < 2:
            raise AnswerError(f"The bracket '{tokens[0][1]}' is never closed: write (2, 8, 18).")
        bracket = tokens[0][1] + tokens[-1][1]
        tokens = tokens[1:-1]
    numbers, words, ranged, i, need_item = [], [], False, 0, False
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "number" or value in "+-":
            number, i = _number(tokens, i)
            numbers.append(number)
            if len(numbers) > MAX_NUMBERS:
                raise AnswerError(f"That is more than {MAX_NUMBERS} numbers: an answer here is "
                                  "shorter.")
            need_item = False
        elif kind == "word":
            words.append(value)
            ranged = ranged or value in RANGE_WORDS
            i += 1
            need_item = False
        elif value in ",;":
            if need_item or not (numbers or words):
                raise AnswerError("There is an empty place between two commas: write one number "
                                  "between each pair, like (2, 8, 18).")
            need_item = True
            i += 1
        elif value in "<>":
            words.append(value)
            i += 1
        else:
            raise AnswerError(f"The '{value}' cannot be read here: write a number like 0.5, a "
                              "vector like (2, 8, 18) or an interval like [-1, 1].")
    return Reading(tuple(numbers), tuple(words), bracket, ranged)


def _no_words(reading: Reading, example: str) -> None:
    extra = [w for w in reading.words if w not in RANGE_WORDS]
    if extra:
        raise AnswerError(f"The word '{extra[0][:20]}' cannot be read here: {example}.")


def parse_number(text: str) -> float:
    """One number: ``0.5``, ``1/2``, ``-3``, ``−3``, ``1e-3``."""
    reading = read(text)
    example = "write one number like 0.5 or 1/2"
    _no_words(reading, example)
    if reading.ranged:
        raise AnswerError(f"Give one number, not a range: {example}.")
    if not reading.numbers:
        raise AnswerError(f"There is no number in that answer: {example}.")
    if len(reading.numbers) > 1:
        comma = "," in normalise(text) and len(reading.numbers) == 2
        raise AnswerError(f"That is {len(reading.numbers)} numbers; {example}."
                          + (" Use a point for decimals: 0.5, not 0,5." if comma else ""))
    return reading.numbers[0]


def parse_vector(text: str, length: int | None = None) -> tuple[float, ...]:
    """Numbers separated by commas, semicolons or spaces, with or without brackets."""
    reading = read(text)
    example = ("write a vector like (2, 8, 18)" if length in (None, 3)
               else "write a vector like (" + ", ".join(["1"] * length) + ")")
    _no_words(reading, example)
    if reading.ranged or not reading.numbers:
        raise AnswerError(f"That is not a vector: {example}.")
    if length is not None and len(reading.numbers) != length:
        raise AnswerError(f"This vector has {length} components; you wrote "
                          f"{len(reading.numbers)}: {example}.")
    return reading.numbers


def parse_interval(text: str) -> tuple[float, float]:
    """Two numbers as an interval: ``[−1, 1]``, ``-1 to 1``, ``between 0 and 1``.

    The ends are returned as written (a check can then tell a swapped interval apart). A
    single number raises AnswerError that says an interval has two ends."""
    reading = read(text)
    example = "write an interval like [-1, 1] or -1 to 1"
    _no_words(reading, example)
    if len(reading.numbers) == 1:
        raise AnswerError(f"That is a single number; {example}.")
    if len(reading.numbers) != 2:
        raise AnswerError(f"An interval has two ends: {example}.")
    return reading.numbers[0], reading.numbers[1]


def parse_yes_no(text: str) -> bool:
    """``yes``/``y``/``true`` -> True, ``no``/``n``/``false`` -> False (words around are fine)."""
    words = set(re.findall(r"[^\W\d_]+", normalise(text)))
    yes, no = bool(words & YES_WORDS), bool(words & NO_WORDS)
    if yes == no:
        raise AnswerError("Answer yes or no." if not yes else
                          "That says both yes and no: answer with one of them.")
    return yes


def parse_choice(text: str, options: Mapping[str, Sequence[str]]) -> str:
    """The option whose name or alias the answer names; `options` maps a name to aliases.

    Aliases are compared with the whole normalised answer and with each of its words, so
    "positive", "it is positive" and "+" (when "+" is an alias) all name "positive".
    """
    plain = " ".join(normalise(text).split())
    if not plain:
        raise AnswerError("Type one of: " + ", ".join(options) + ".")
    words = set(re.findall(r"[^\W_]+", plain))
    named = [name for name, aliases in options.items()
             if plain in {name, *aliases} or words & {name, *aliases}]
    if len(named) == 1:
        return named[0]
    listing = ", ".join(options)
    if named:
        raise AnswerError(f"That names {' and '.join(named)}: choose one of {listing}.")
    raise AnswerError(f"Answer with one of: {listing}.")
