"""An uploaded file's bytes as text, and the scans that bound what reading it costs.

``decode`` turns bytes into text: UTF-8 (BOM optional), UTF-16 and UTF-32 with a byte-order
mark or, when the NUL bytes between ASCII letters say which, without one, then Windows-1252
or Latin-1. ``first_lines`` finds the first non-blank lines (the header and the lines the
separator is sniffed from) without splitting the rest of the file; ``field_count`` counts a
line's fields without splitting it; ``check_field_counts`` finds the first line that has more
fields than the header before pandas reads anything (pandas turns a row wider than the header
into a many-level index: seconds of CPU per kilobyte).

Each scan is linear in the file's length and runs in C (regular expressions, str and bytes
methods): no Python loop over lines or fields, and no memory beyond one copy of the text.
Quotes follow pandas' and ``csv``'s reading: a quote opens a quoted field only at the start of
a field, a quoted field may hold separators and line breaks, and ``""`` inside it is a quote.
"""

from __future__ import annotations

import codecs
import functools
import re

from gradcore.errors import DataError

SAVE_AS_CSV = "Save it as CSV (comma- or semicolon-separated text) and upload that."
SAVE_AS_UTF8 = "Save it as UTF-8 (in Excel: CSV UTF-8) and upload that."
_BINARY_SAMPLE_BYTES = 65536
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOMS = (  # UTF-32's little-endian mark starts with UTF-16's, so it is tried first
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# Where ASCII text puts its NUL bytes, in each group of 4 bytes (True: always NUL).
_NUL_LANES = {
    "utf-32-le": (False, True, True, True), "utf-32-be": (True, True, True, False),
    "utf-16-le": (False, True, False, True), "utf-16-be": (True, False, True, False),
}
_NUL_NAMES = {
    "utf-32-le": "UTF-32 (little-endian, no byte-order mark)",
    "utf-32-be": "UTF-32 (big-endian, no byte-order mark)",
    "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
    "utf-16-be": "UTF-16 (big-endian, no byte-order mark)",
}
_BLANK = re.compile(r"\s*")
_LINE_BREAK = re.compile(r"[\r\n]")


def example(value: str, limit: int = 40) -> str:
    """A cell quoted for a message, cut to `limit` characters (a cell can be 20 MB long)."""
    shown = value if len(value) <= limit else value[:limit - 3] + "..."
    return repr(shown) + ("" if len(value) <= limit else f" ({len(value):,} characters)")


def _nul_encoding(sample: bytes) -> str | None:
    """The UTF-16 or UTF-32 byte order whose NUL pattern `sample` shows (most letters ASCII,
    so the high bytes are NUL and the low bytes are not), else None."""
    size = len(sample) // 4 * 4
    if size < 8:
        return None
    zeros = [sample[lane:size:4].count(0) / (size // 4) for lane in range(4)]
    for codec, lanes in _NUL_LANES.items():
        if all(z > 0.5 if nul else z < 0.01 for z, nul in zip(zeros, lanes, strict=True)):
            return codec
    return None


def _unicode(raw: bytes) -> tuple[str, str] | None:
    """(text, label) of a UTF-16 or UTF-32 file, with or without byte-order mark, else None;
    DataError naming the encoding when it is that but does not decode."""
    marked = [(codec, label) for bom, codec, label in _BOMS if raw.startswith(bom)]
    if marked:
        codec, label = marked[0]
    else:
        codec = _nul_encoding(raw[:_BINARY_SAMPLE_BYTES])
        if codec is None:
            return None
        label = _NUL_NAMES[codec]
    try:
        return raw.decode(codec), label
    except UnicodeDecodeError:
        raise DataError(f"The file looks like {label} text, but it is not valid "
                        f"{label.split()[0]}. " + SAVE_AS_UTF8) from None


def decode(raw: bytes) -> tuple[str, str]:
    """Text and the name of the encoding used; DataError for empty or binary content."""
    if not raw.strip():
        raise DataError("The file is empty.")
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DataError("This is an Excel workbook or a zip archive, not a CSV file. " + SAVE_AS_CSV)
    decoded = _unicode(raw)
    if decoded is not None:
        text, label = decoded
    elif b"\x00" in raw:
        raise DataError("The file contains NUL bytes: it is binary data, not text, or UTF-16 or "
                        "UTF-32 text whose byte order could not be recognised. " + SAVE_AS_UTF8)
    else:
        text, label = _eight_bit(raw)
    sample = text[:_BINARY_SAMPLE_BYTES]
    if len(_CONTROL.findall(sample)) > 0.01 * len(sample) or "\x00" in text:
        raise DataError("The file looks like binary data, not text. " + SAVE_AS_CSV)
    if not text.strip():
        raise DataError("The file is empty.")
    return text, label


def _eight_bit(raw: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (BOM optional), else Windows-1252, else Latin-1 (which never fails)."""
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return raw.decode(encoding), label
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "Latin-1"


def first_lines(text: str, count: int) -> tuple[int, list[str]]:
    """Where the first non-blank line of `text` starts, and the first `count` non-blank lines
    (lines end at \\r, \\n or \\r\\n). Blank lines are skipped by one regular-expression match
    each run, so megabytes of them cost milliseconds."""
    lines, position, first = [], 0, 0
    while len(lines) < count:
        content = _BLANK.match(text, position).end()
        if content == len(text):
            break
        start = max(text.rfind("\n", position, content), text.rfind("\r", position, content),
                    position - 1) + 1
        end = _LINE_BREAK.search(text, content)
        end = len(text) if end is None else end.start()
        first = first if lines else start
        lines.append(text[start:end])
        position = end
    return first, lines


def _field(delimiter: str) -> str:
    """One field, as pandas and ``csv`` read it: quoted (a quote at its start, ``""`` inside,
    separators and line breaks allowed, anything after the closing quote kept up to the next
    separator), unquoted (quotes inside are plain characters) or empty."""
    d = re.escape(delimiter)
    return (r'(?:(?>"[^"]*(?:""[^"]*)*+")[^' + d + r'\r\n]*|[^"' + d + r'\r\n][^' + d
            + r'\r\n]*|)')


def _compiled(pattern: str, kind: type) -> re.Pattern:
    return re.compile(pattern.encode() if kind is bytes else pattern)


@functools.cache
def _leading_fields(delimiter: str, kind: type, most: int | None = None) -> re.Pattern:
    """Fields each followed by the delimiter, at most `most` of them (all if None), taken
    possessively: nothing is tried twice, so a match is linear in its length."""
    repeat = "*+" if most is None else "{0,%d}+" % most  # noqa: UP031
    return _compiled("(?:" + _field(delimiter) + re.escape(delimiter) + ")" + repeat, kind)


@functools.cache
def _record(delimiter: str) -> re.Pattern:
    """One record (a line, or several when a quoted field holds line breaks) with its end."""
    return _compiled(_leading_fields(delimiter, str).pattern + _field(delimiter)
                     + r"(?:\r\n|\r|\n|\Z)", bytes)


@functools.cache
def _regular_records(delimiter: str, columns: int) -> re.Pattern:
    """As many records as follow one another from the start, each of at most `columns`
    fields. Possessive and atomic: 20 MB are matched in a fraction of a second and no memory."""
    record = ("(?>" + _leading_fields(delimiter, str, columns - 1).pattern + _field(delimiter)
              + r"(?:\r\n|\r|\n|\Z))")
    return _compiled(r"(?:[\r\n]++|" + record + ")*+", bytes)  # a run of blank lines at once


@functools.cache
def _quoted_field(delimiter: str, kind: type) -> re.Pattern:
    """A closed quoted field where a field starts (after a delimiter, a line break or at the
    start)."""
    return _compiled(r"(?<![^" + re.escape(delimiter) + r'\r\n])(?>"[^"]*(?:""[^"]*)*+")', kind)


def unclosed_quote(line: str, delimiter: str) -> int | None:
    """Where in `line` (no line breaks) a quoted field opens that the line does not close,
    or None."""
    fields = _leading_fields(delimiter, str).match(line).end()
    last = re.compile(_field(delimiter) + r"\Z").match(line, fields)
    return None if last is not None else fields


def quoted_field_at(text: str, position: int, delimiter: str) -> str | None:
    """The closed quoted field that starts at `position` of `text` (quotes included), or None."""
    found = _quoted_field(delimiter, str).match(text, position)
    return None if found is None else found[0]


def field_count(line: str, delimiter: str, most: int = 10**6) -> int:
    """The number of fields of `line` (no line breaks), quotes read as pandas does, without
    splitting the line into fields: exact if it has no quote, else counted up to `most` (a
    line may hold millions of quoted fields)."""
    if '"' not in line:
        return line.count(delimiter) + 1
    head = line[:_leading_fields(delimiter, str, most - 1).match(line).end()]
    return _quoted_field(delimiter, str).sub("Q", head).count(delimiter) + 1


def line_number(text, position: int) -> int:
    """The line (1-based; \\r, \\n and \\r\\n each end one) at `position` of `text`."""
    newline, carriage, both = ("\n", "\r", "\r\n") if isinstance(text, str) else (b"\n", b"\r", b"\r\n")
    return (text.count(newline, 0, position) + text.count(carriage, 0, position)
            - text.count(both, 0, position) + 1)


def check_field_counts(data: bytes, delimiter: str, columns: int, first_line: int = 1) -> None:
    """DataError naming the first record of `data` (UTF-8; its first line is line
    `first_line` of the file) that has more fields than the header's `columns`, or a quoted
    field that is never closed. Linear in the length of `data`, no copy of it."""
    regular = _regular_records(delimiter, columns).match(data).end()
    if regular == len(data):
        return
    line = line_number(data, regular) + first_line - 1
    record = _record(delimiter).match(data, regular)
    if record is None:
        raise DataError(f"The file is not a regular table: a quoted field on line {line:,} is "
                        "never closed. Check separators and quotes.")
    fields = (f"{record[0].count(delimiter.encode()) + 1:,} fields" if b'"' not in record[0]
              else f"more than {columns} fields")
    raise DataError(
        f"The file is not a regular table: line {line:,} has {fields} but the header has "
        f"{columns}. Check separators and quotes, or name every column in the header.")
