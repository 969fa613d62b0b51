"""Reading a messy uploaded CSV into a numeric table, with specific messages for what went wrong.

``load_csv`` takes bytes, a path or a file object and returns the numeric columns as float64.
It decodes UTF-8 (with or without BOM), UTF-16 with BOM, then Windows-1252 or Latin-1; sniffs
the separator among , ; tab |; reads decimal commas in files not separated by commas and
thousands separators where the pattern is unambiguous (1,234,567.5 or 1.234.567,5); treats
empty, NA, N/A, NaN, null and ? as missing. Non-numeric columns are dropped and listed in
``df.attrs["notes"]``. Missing numeric values stay in the table as NaN (counted in a note): a row
is left out only by a regression that uses one of its missing columns (``gradcore.select_xy``).
Anything unusable raises DataError.
"""

from __future__ import annotations

import csv
import io
import os
import re

import numpy as np
import pandas as pd

from gradcore.errors import DataError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # matches server.maxUploadSize = 20 in .streamlit/config.toml
MAX_ROWS = 2_000_000
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NAN", "NULL", "?"})
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_THOUSANDS_DOT_DECIMAL = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_THOUSANDS_COMMA_DECIMAL = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"
_SNIFF_LINES = 50
_BINARY_SAMPLE_CHARS = 65536
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SAVE_AS_CSV = "Save it as CSV (comma- or semicolon-separated text) and upload that."


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


def _text(raw: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (BOM optional), else Windows-1252, else Latin-1 (which never fails)."""
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return raw.decode(encoding), label
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "Latin-1"


def _decode(raw: bytes) -> tuple[str, str]:
    """Text and the name of the encoding used; DataError for empty or binary content."""
    if not raw.strip():
        raise DataError("The file is empty.")
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DataError("This is an Excel workbook or a zip archive, not a CSV file. " + _SAVE_AS_CSV)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise DataError("The file is not readable text. " + _SAVE_AS_CSV) from None
    if b"\x00" in raw:
        raise DataError("The file contains binary data (NUL bytes), not text. " + _SAVE_AS_CSV)
    text, label = _text(raw)
    sample = text[:_BINARY_SAMPLE_CHARS]
    if len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise DataError("The file looks like binary data, not text. " + _SAVE_AS_CSV)
    return text, label


def _sniff(lines: list[str]) -> str:
    """The delimiter whose field count on the first lines most often equals the header's."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header(line: str, delimiter: str) -> list[str]:
    names = [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]
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


def _parse(text: str, delimiter: str, names: list[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=0, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=True, nrows=MAX_ROWS + 1, engine="c",
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {found[2]} has {found[3]} fields but the header has {found[1]}"
            if found else "the rows do not line up with the header"
        )
        raise DataError(f"The file is not a regular table: {detail}. Check separators and quotes.") from None
    if len(table.columns) != len(names):
        raise DataError("The header and the rows have different numbers of columns.")
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
        return None, f"is not numeric (e.g. {present.iloc[bad[0]]!r})"
    if np.isinf(numbers).any():
        example = present.iloc[int(np.flatnonzero(np.isinf(numbers))[0])]
        raise DataError(
            f"Column '{column.name}' has a value that is infinite or too large for 64-bit "
            f"floating point ({example!r}); the largest allowed magnitude is about 1.8e308."
        )
    values = np.full(len(text), np.nan)
    values[~missing] = numbers
    return values, None


def load_csv(source, min_columns: int = 2) -> pd.DataFrame:
    """Read an uploaded CSV (bytes, path or file object) into its numeric columns (float64).

    ``attrs["notes"]`` (list of str) says what was left out or guessed; ``attrs["encoding"]``,
    ``attrs["delimiter"]`` record how the file was read. Raises DataError with a message for
    the user: empty file, header only, binary content, duplicate column names, fewer than
    ``min_columns`` numeric columns, more than MAX_ROWS rows or MAX_UPLOAD_BYTES bytes,
    values overflowing float64, or ragged rows. Missing values are kept as NaN.
    """
    text, encoding = _decode(_read_bytes(source))
    lines = [line for line in text.splitlines() if line.strip()]
    delimiter = _sniff(lines[:_SNIFF_LINES])
    names = _header(lines[0], delimiter)
    table = _parse(text, delimiter, names)
    if table.empty:
        raise DataError(f"The file has a header ({', '.join(names)}) but no data rows.")
    if len(table) > MAX_ROWS:
        raise DataError(f"The file has more than {MAX_ROWS:,} rows, the limit. Upload a smaller sample.")
    notes = [] if encoding == "UTF-8" else [f"The file is not UTF-8; it was read as {encoding}."]
    columns = {}
    for name in names:
        values, reason = _to_numbers(table[name], delimiter != ",")
        if values is None:
            notes.append(f"Left out column '{name}': it {reason}.")
        else:
            columns[name] = values
    numeric = pd.DataFrame(columns, dtype=float)
    if len(columns) < min_columns:
        found = ", ".join(f"'{name}'" for name in columns) or "none"
        raise DataError(
            f"Found {len(columns)} numeric column(s) ({found}); regression needs a target and at "
            f"least one feature, so at least {min_columns}. Check the separator and decimal mark."
        )
    missing = missing_values_note(numeric)
    if missing:
        notes.append(missing)
    numeric.attrs.update(notes=notes, encoding=encoding, delimiter=_DELIMITER_NAMES[delimiter])
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
