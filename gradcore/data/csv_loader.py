"""Reading a messy uploaded CSV into a numeric table, with specific messages for what went wrong.

``load_csv`` takes bytes, a path or a file object and returns the numeric columns as float64.
It decodes UTF-8 (with or without BOM), UTF-16 and UTF-32 (with a BOM, or without one when the
NUL bytes say which; ``gradcore.data.csv_text``), then Windows-1252 or Latin-1; sniffs
the separator among , ; tab |; reads decimal commas in files not separated by commas and
thousands separators where the pattern is unambiguous (1,234,567.5 or 1.234.567,5); treats
empty, NA, N/A, NaN, null and ? as missing; honours Excel's ``sep=;`` first line. Non-numeric
columns are dropped and listed in ``df.attrs["notes"]``. Missing numeric values stay in the table
as NaN (counted in a note): a row is left out only by a regression that uses one of its missing
columns (``gradcore.select_xy``). Anything unusable raises DataError.

Limits (one app process serves a whole class, and a file can come from anyone with the link),
each named in the message that enforces it: MAX_UPLOAD_BYTES (20 MB) per file, MAX_COLUMNS
(200) columns, MAX_ROWS (2,000,000) rows, MAX_CELLS (4,000,000) rows x columns, and
MAX_NAME_CHARS (200) characters per column name. The header's fields are counted before it is
split, every line's fields are counted (``csv_text.check_field_counts``, linear, in C) before
pandas reads the body, and the body parser stops after MAX_CELLS // columns rows, so no file
costs more than about 4 million parsed values. Measured by benchmarks/bench_uploads.py, per
MB of file, hostile or not: at most about 0.15 CPU seconds and 16 MB at the peak.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re

import numpy as np
import pandas as pd

from gradcore.data.csv_text import (
    SAVE_AS_CSV,
    check_field_counts,
    decode,
    example,
    field_count,
    first_lines,
    line_number,
    quoted_field_at,
    unclosed_quote,
)
from gradcore.data.encoding import one_hot
from gradcore.errors import DataError

# server.maxUploadSize in .streamlit/config.toml is 21 (MB, counted in 10**6 bytes by the
# browser): a file a little over this limit reaches the loader and gets its message.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000
MAX_NAME_CHARS = 200
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NAN", "NULL", "?"})
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_THOUSANDS_DOT_DECIMAL = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_THOUSANDS_COMMA_DECIMAL = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"
_SNIFF_LINES = 50
_LINE = re.compile(r"[^\r\n]*")
_SIGNED_NAN = re.compile(rb"[+-]nan", re.IGNORECASE)
# Every letter case of every missing token, for pandas' exact-match ``na_values``.
_MISSING_SPELLINGS = sorted({
    "".join(letters) for token in MISSING_TOKENS
    for letters in itertools.product(*({c.lower(), c.upper()} for c in token))
})
_EXCEL_SEPARATOR_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)


def _read_bytes(source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    elif isinstance(source, str | os.PathLike):
        try:
            size = os.path.getsize(source)
            if size > MAX_UPLOAD_BYTES:
                _too_big(size)
            with open(source, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise DataError(f"Could not read the file {os.fspath(source)!r}: {exc.strerror}.") from None
    elif hasattr(source, "read"):
        raw = source.read(MAX_UPLOAD_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
    else:
        raise DataError("Expected the file's bytes, a path or a file object.")
    if len(raw) > MAX_UPLOAD_BYTES:
        _too_big(len(raw))
    return raw


def _too_big(size: int):
    raise DataError(
        f"The file is larger than the limit of {MAX_UPLOAD_BYTES // 2**20} MB "
        f"({MAX_UPLOAD_BYTES:,} bytes; this one has {size:,} or more). Upload a smaller sample."
    )


def _rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The lines split into fields, up to the first field longer than csv's limit (131,072
    characters; a long line without this delimiter is one such field)."""
    reader, rows = csv.reader(lines, delimiter=delimiter), []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows
        except csv.Error:
            return rows


def _sniff(lines: list[str]) -> str:
    """The delimiter whose field count on the first lines most often equals the header's
    (counted, not split: a line can hold millions of fields)."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [field_count(line, delimiter, MAX_COLUMNS + 1) for line in lines]
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _open_header_quote(text: str, start: int, line: str, delimiter: str):
    """DataError for a header whose quoted name does not close on its line: a line break
    inside the quotes (its own message: the header would end inside that name), or no end."""
    quote = unclosed_quote(line, delimiter)
    if quote is None:
        return
    column = field_count(line[:quote], delimiter)
    quoted = quoted_field_at(text, start + quote, delimiter)
    if quoted is not None:
        name = quoted[1:-1].replace('""', '"')
        raise DataError(
            f"Column {column} of the header, {example(name)}, has a line break inside its quotes, "
            "so the header line would end in the middle of that name. Write each column name "
            "on one line (remove the line break) and upload the file again.")
    raise DataError(f"Column {column} of the header opens a quote (\") that is never closed. "
                    "Check the quotes in the header.")


def _header(text: str, start: int, line: str, delimiter: str) -> list[str]:
    """Column names of the header `line` (starting at `start` of `text`), blank ones named
    "column <i>"; DataError for too many (counted before the line is split), too long or
    repeated names, or a quote the line does not close."""
    columns = field_count(line, delimiter, MAX_COLUMNS + 1)
    if columns > MAX_COLUMNS:
        counted = f"{columns:,}" if '"' not in line else f"more than {MAX_COLUMNS:,}"
        raise DataError(
            f"The file has {counted} columns; the limit is {MAX_COLUMNS:,}. Upload only the "
            "columns you need (a target and some features).")
    _open_header_quote(text, start, line, delimiter)
    rows = _rows([line], delimiter)
    if not rows:
        raise DataError(
            f"The header line has a field longer than {csv.field_size_limit():,} characters, so "
            "it is not a table's header. " + SAVE_AS_CSV)
    names = [name.strip() for name in rows[0]]
    long = next((i for i, name in enumerate(names) if len(name) > MAX_NAME_CHARS), None)
    if long is not None:
        raise DataError(
            f"The name of column {long + 1} has {len(names[long]):,} characters; the limit is "
            f"{MAX_NAME_CHARS}. Shorten the header.")
    names = [name or f"column {i + 1}" for i, name in enumerate(names)]
    seen: dict[str, int] = {}
    duplicates = []
    for i, name in enumerate(names):
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.setdefault(name, i)
    if duplicates:
        listed = ", ".join(f"'{name}'" for name in duplicates)
        raise DataError(f"Column names must be unique; these appear more than once: {listed}. Rename them.")
    return names


def _excel_separator(text: str) -> tuple[str, str | None, int]:
    """Excel's optional first line ``sep=;`` names the delimiter: (the rest of the text, it,
    the number in the file of the rest's first line). Without that line: (text, None, 1), and
    the delimiter is sniffed."""
    stripped = text.lstrip("\r\n")
    first = _LINE.match(stripped)[0]
    found = _EXCEL_SEPARATOR_LINE.fullmatch(first)
    if not found:
        return text, None, 1
    rest = stripped[len(first):]  # starts with the line break: a blank line, skipped
    if found[1] not in DELIMITERS:
        names = ", ".join(_DELIMITER_NAMES.values())
        raise DataError(f"The first line asks for the separator {found[1]!r}; this app reads {names}.")
    return rest, found[1], line_number(text, len(text) - len(rest))


def _row_limit(columns: int) -> int:
    """The most data rows a file with `columns` columns may have: MAX_ROWS and MAX_CELLS."""
    return min(MAX_ROWS, MAX_CELLS // columns)


def _too_many_rows(columns: int):
    limit = _row_limit(columns)
    if limit == MAX_ROWS:
        raise DataError(f"The file has more than {MAX_ROWS:,} rows, the limit. Upload a smaller sample.")
    raise DataError(
        f"The file has {columns:,} columns and more than {limit:,} rows: more than the limit of "
        f"{MAX_CELLS:,} values (rows x columns). Upload fewer rows or fewer columns.")


def _parse(data: bytes, delimiter: str, names: list[str]) -> pd.DataFrame:
    """The table as text cells (the general path), from `data` (UTF-8, its field counts
    checked: no row is wider than the header)."""
    try:
        # Bytes, not io.StringIO: StringIO holds 4 bytes per character.
        table = pd.read_csv(
            io.BytesIO(data), encoding="utf-8", sep=delimiter, header=0,
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=True, nrows=_row_limit(len(names)) + 1,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {found[2]} has {found[3]} fields but the header has {found[1]}"
            if found else "the rows do not line up with the header"
        )
        raise DataError(f"The file is not a regular table: {detail}. Check separators and quotes.") from None
    except csv.Error:
        raise DataError("The file is not a regular table (a quoted field is never closed?). "
                        "Check separators and quotes.") from None
    if len(table.columns) != len(names):
        raise DataError("The header and the rows have different numbers of columns.")
    if not isinstance(table.index, pd.RangeIndex):  # pandas' reading of one field too many
        raise DataError(
            f"The file is not a regular table: the data rows have more fields than the header "
            f"({len(names)}). Check separators and quotes, or name every column in the header.")
    table.columns = names
    return table


def _to_numbers(column: pd.Series, decimal_comma_allowed: bool):
    """(float array with NaN for missing, None) or (None, reason it is not numeric)."""
    text = column.fillna("").astype(str).str.strip()
    missing = text.str.upper().isin(MISSING_TOKENS).to_numpy()
    present = text[~missing]
    if present.empty:
        return None, "has no values"
    if decimal_comma_allowed and present.str.contains(",", regex=False).any():
        grouped = present.str.fullmatch(_THOUSANDS_COMMA_DECIMAL)
        cleaned = present.where(~grouped, present.str.replace(".", "", regex=False))
        cleaned = cleaned.str.replace(",", ".", regex=False)
    else:
        grouped = present.str.fullmatch(_THOUSANDS_DOT_DECIMAL)
        cleaned = present.where(~grouped, present.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(numbers))
    if bad.size:
        return None, f"is not numeric (e.g. {example(present.iloc[bad[0]])})"
    if np.isinf(numbers).any():
        value = present.iloc[int(np.flatnonzero(np.isinf(numbers))[0])]
        raise DataError(
            f"Column '{column.name}' has a value that is infinite or too large for 64-bit "
            f"floating point ({example(value)}); the largest allowed magnitude is about 1.8e308."
        )
    values = np.full(len(text), np.nan)
    values[~missing] = numbers
    return values, None


def _parse_numeric(data: bytes, delimiter: str, names: list[str]) -> pd.DataFrame | None:
    """Every column as float64 straight from pandas' C parser (no Python object per value),
    or None when the general path (``_parse`` + ``_to_numbers``) must decide: quotes, a
    possible decimal comma, a text or infinite value, a ragged row.

    Same result as the general path where it applies: missing tokens in any letter case are
    NaN, and the numbers are the same float64 values (tests/test_data.py compares the two).
    """
    if b'"' in data or (delimiter != "," and b"," in data) or _SIGNED_NAN.search(data):
        return None
    try:
        table = pd.read_csv(
            io.BytesIO(data), encoding="utf-8", sep=delimiter, header=0,
            dtype=np.float64, na_values=_MISSING_SPELLINGS, keep_default_na=False,
            skip_blank_lines=True, nrows=_row_limit(len(names)) + 1, engine="c",
        )
    except (ValueError, csv.Error):  # pandas' ParserError is a ValueError
        return None
    if len(table.columns) != len(names) or not isinstance(table.index, pd.RangeIndex) \
            or np.isinf(table.to_numpy()).any():
        return None
    table.columns = names
    return table


def load_csv(source, min_columns: int = 2, encode_text: bool = False,
             max_encoded: int = 100) -> pd.DataFrame:
    """Read an uploaded CSV (bytes, path or file object) into its numeric columns (float64).

    ``attrs["notes"]`` (list of str) says what was left out or guessed; ``attrs["encoding"]``,
    ``attrs["delimiter"]`` record how the file was read. Raises DataError with a message for
    the user: empty file, header only, binary content, duplicate or over-long column names, a
    field over 131,072 characters in the header, fewer than ``min_columns`` numeric columns,
    more than MAX_COLUMNS columns, MAX_ROWS rows, MAX_CELLS values or MAX_UPLOAD_BYTES
    bytes, values overflowing float64, or ragged rows. Missing values are kept as NaN.
    With ``encode_text`` the text columns become 0/1 columns (``gradcore.data.encoding.one_hot``,
    drop-first; at most ``max_encoded`` of them) after the numeric ones, instead of being left
    out.
    """
    text, encoding = decode(_read_bytes(source))
    text, delimiter, first_line = _excel_separator(text)
    start, lines = first_lines(text, _SNIFF_LINES)
    if not lines:
        raise DataError("The file has only a 'sep=' line and no table.")
    delimiter = delimiter or _sniff(lines)
    names = _header(text, start, lines[0], delimiter)
    data = text.encode("utf-8")
    del text
    check_field_counts(data, delimiter, len(names), first_line)
    table = _parse_numeric(data, delimiter, names)
    numbers_only = table is not None
    if not numbers_only:
        table = _parse(data, delimiter, names)
    if table.empty:
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        raise DataError(f"The file has a header ({shown}) but no data rows.")
    if len(table) > _row_limit(len(names)):
        _too_many_rows(len(names))
    notes = [] if encoding == "UTF-8" else [f"The file is not UTF-8; it was read as {encoding}."]
    columns, text_columns = {}, []
    for name in names:
        if numbers_only:
            values = table[name].to_numpy()
            reason = None if not np.isnan(values).all() else "has no values"
        else:
            values, reason = _to_numbers(table[name], delimiter != ",")
        if reason and encode_text and reason.startswith("is not numeric"):
            text_columns.append(name)
        elif reason:
            notes.append(f"Left out column '{name}': it {reason}.")
        else:
            columns[name] = values
    numeric = pd.DataFrame(columns, dtype=float)
    if text_columns:
        text = table[text_columns].fillna("").astype(str).apply(lambda column: column.str.strip())
        encoded, encoding_notes = one_hot(
            text, text.apply(lambda column: column.str.upper().isin(MISSING_TOKENS)),
            set(columns), max_encoded, max(MAX_CELLS - numeric.size, 0))
        numeric = pd.concat([numeric, encoded.reset_index(drop=True)], axis=1)
        columns = dict.fromkeys(numeric.columns)
        notes += encoding_notes
    if len(columns) < min_columns:
        found = ", ".join(f"'{name}'" for name in columns) or "none"
        raise DataError(
            f"Found {len(columns)} numeric column(s) ({found}); regression needs a target and at "
            f"least one feature, so at least {min_columns}. Check the separator and decimal mark."
        )
    missing = missing_values_note(numeric)
    if missing:
        notes.append(missing)
    numeric.attrs.update(notes=notes, encoding=encoding, delimiter=_DELIMITER_NAMES[delimiter],
                         **(encoded.attrs if text_columns else {}))
    return numeric


def missing_values_note(table: pd.DataFrame) -> str | None:
    """A note counting the rows with a missing value (NaN) per column, or None if there are none."""
    counts = table.isna().sum()
    counts = counts[counts > 0]
    if counts.empty:
        return None
    rows = int(table.isna().any(axis=1).sum())
    per_column = ", ".join(f"'{name}' ({int(count):,})" for name, count in counts.items())
    return (
        f"{rows:,} of {len(table):,} rows have a missing value (empty, NA, NaN or ?), in "
        f"{per_column}. They are kept: a regression leaves a row out only if it uses a column "
        "where that row's value is missing."
    )
