"""The regression page's tables: a :class:`LoadedData` is a table with its content hash and
defaults, built here from a bundled dataset, the generator or an uploaded file.

Pure: no Streamlit and no caching. ``ui.regression.cache`` keeps one LoadedData per source for
the whole process and keys everything built from it on ``digest``, computed here once when the
table is loaded (never on a rerun), so a million-row table is not hashed again per step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gradcore import (
    DATASETS,
    MAX_DEFAULT_FEATURES,
    MAX_FEATURES,
    load_bundled,
    load_csv,
    make_regression_data,
)


@dataclass(frozen=True, eq=False)
class LoadedData:
    """A numeric table, its content hash, where it came from, and the loader's notes.

    ``source``: how to load it again, ("bundled", name), ("generated", n, d, noise, seed,
    true_w, true_b) or ("upload", digest) (see ``regression_cache.load``).
    """

    frame: pd.DataFrame
    digest: str
    label: str
    notes: tuple[str, ...]
    default_target: str
    default_features: tuple[str, ...]
    truth: str | None = None
    source: tuple = ()


def content_digest(frame: pd.DataFrame) -> str:
    """blake2b (128 bit) of the column names and the float64 bytes of every column."""
    digest = hashlib.blake2b(digest_size=16)
    for name in frame.columns:
        digest.update(str(name).encode() + b"\0")
        digest.update(np.ascontiguousarray(frame[name].to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()


def dataset_names() -> list[str]:
    """Names of the bundled datasets, in DATASETS order."""
    return list(DATASETS)


def default_dataset() -> str:
    """The dataset a fresh page opens with: tips (one feature) when it is bundled."""
    return "tips" if "tips" in DATASETS else next(iter(DATASETS))


def dataset_description(name: str) -> str:
    """The one-line description of a bundled dataset ("" for an unknown name)."""
    entry = DATASETS.get(name)
    return "" if entry is None else entry.description


def _complete_rows(frame: pd.DataFrame, columns) -> int:
    """How many rows have a value (not NaN) in every one of `columns`."""
    return int(frame[list(columns)].notna().all(axis=1).sum())


def default_features(frame: pd.DataFrame, target: str, candidates) -> tuple[str, ...]:
    """`candidates` when at least 2 rows have all of them and the target, else the first single
    candidate that has (so a table with scattered missing values still opens on a working
    choice), else `candidates` unchanged (the page then says why no row is left)."""
    candidates = tuple(candidates)
    if _complete_rows(frame, (*candidates, target)) >= 2:
        return candidates
    usable = [c for c in candidates if _complete_rows(frame, (c, target)) >= 2]
    return (usable[0],) if usable else candidates


def source_digest(source: tuple) -> str:
    """The digest of a table that is a pure function of its `source` (the generator's
    arguments): blake2b (128 bit) of the source's repr, tagged so that it never equals a
    content digest's input. Hashing 88 MB of a 1e6 x 10 table costs 0.1 s of CPU; this, none."""
    return hashlib.blake2b(b"source\0" + repr(source).encode(), digest_size=16).hexdigest()


def build_loaded_data(frame: pd.DataFrame, label: str, target: str | None = None,
                      features=None, truth: str | None = None, source: tuple = (),
                      digest: str | None = None) -> LoadedData:
    """The table with its digest and defaults: the target (else the last column that is not a
    0/1 column of a text column) and at most MAX_DEFAULT_FEATURES features (else the first columns besides the target, with a note).
    `digest`: given for a table made from its `source` alone (``source_digest``), else the
    content's (``content_digest``)."""
    columns = [str(c) for c in frame.columns]
    made = {c for made in frame.attrs.get("dummies", {}).values() for c in made}
    # An encoded table keeps the plain table's target: its last column that is not 0/1-coded.
    target = target if target in columns else ([c for c in columns if c not in made]
                                               or columns)[-1]
    features = tuple(f for f in (features or columns) if f in columns and f != target)
    features = features or tuple(c for c in columns if c != target)
    notes = tuple(frame.attrs.get("notes", ()))
    if len(features) > MAX_DEFAULT_FEATURES:
        notes += (f"The table has {len(features):,} columns besides the target '{target}'; the "
                  f"first {MAX_DEFAULT_FEATURES} are chosen as features. Choose others under "
                  "'Features x'.",)
        features = features[:MAX_DEFAULT_FEATURES]
    digest = digest or content_digest(frame)
    return LoadedData(frame=frame, digest=digest, label=label, notes=notes,
                      default_target=target,
                      default_features=default_features(frame, target, features), truth=truth,
                      source=source or ("upload", digest))


def build_bundled(name: str, encode_text: bool = False) -> LoadedData:
    """A bundled dataset with its default target and features (raises DataError); with
    `encode_text` its text columns as 0/1 columns (``gradcore.data.encoding``) too."""
    frame = load_bundled(name, encode_text)
    label = f"bundled dataset '{name}'" + (" (text columns as 0/1 columns)" if encode_text else "")
    return build_loaded_data(frame, label, frame.attrs.get("target"), frame.attrs.get("features"),
                             source=("bundled", name, True) if encode_text else ("bundled", name))


def build_generated(n: int, d: int, noise: float, seed: int, true_w: float,
                    true_b: float) -> LoadedData:
    """Synthetic data; with one feature the true w, b are the given ones, else drawn from seed."""
    frame = make_regression_data(n, d, noise=noise, seed=seed,
                                 true_w=[true_w] if d == 1 else None, true_b=true_b)
    weights = ", ".join(f"{w:g}" for w in frame.attrs["true_w"])
    truth = f"true w = ({weights}), true b = {frame.attrs['true_b']:g}, noise sd {noise:g}"
    source = ("generated", n, d, noise, seed, true_w, true_b)
    return build_loaded_data(frame, f"generated data (n={n:,}, d={d}, seed={seed})", "y",
                             frame.attrs["features"], truth, source=source,
                             digest=source_digest(source))


def build_uploaded(payload: bytes, name: str, encode_text: bool = False) -> LoadedData:
    """An uploaded CSV read by gradcore's loader (raises DataError; `encode_text`: text columns
    as 0/1 columns); its source is ("upload", digest), with True appended when encoded."""
    frame = load_csv(payload, encode_text=encode_text, max_encoded=MAX_FEATURES)
    data = build_loaded_data(frame, f"uploaded file '{name}'")
    return replace(data, source=(*data.source, True)) if encode_text else data


def text_encoded(source: tuple) -> bool:
    """Whether the table a ``LoadedData.source`` names has its text columns as 0/1 columns
    (("bundled", name, True) or ("upload", digest, True))."""
    return bool(source) and source[0] in ("bundled", "upload") and source[-1] is True


def columns_after_switch(before: tuple[str, ...], after: tuple[str, ...], target: str | None,
                         features, default_target: str,
                         default_features: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(target, features) to show when the page's table changes from columns `before` (with the
    student's `target` and `features`) to columns `after`.

    The same table in another form (one column set holds the other: text columns encoded or
    not) keeps the student's target and the features still there, and takes the columns that
    are new (the 0/1 columns just made) as features too, at most MAX_FEATURES. Any other table,
    or a target that is gone, starts from the new table's defaults."""
    same_table = set(before) <= set(after) or set(after) <= set(before)
    if not (same_table and target in after):
        return default_target, tuple(default_features)
    kept = [c for c in after if c != target and (c in (features or ()) or c not in before)]
    return target, tuple(kept[:MAX_FEATURES])


def reference_note(attrs: dict, features) -> str | None:
    """Under the features: for each text column with a 0/1 column among `features`, which of
    its categories is the reference (all its 0/1 columns are 0), and which of its 0/1 columns
    are not chosen (their rows then count as the reference too). None when none is chosen.
    ``attrs``: the table's ``DataFrame.attrs`` (``reference`` and ``dummies``, as
    ``gradcore.data.encoding.one_hot`` records them)."""
    chosen, lines = set(features), []
    for column, made in attrs.get("dummies", {}).items():
        if not chosen.intersection(made):
            continue
        line = (f"{column}: '{attrs['reference'][column]}' is the reference (all its 0/1 "
                "columns are 0)")
        left = [c for c in made if c not in chosen]
        if left:
            line += (f"; {', '.join(left)} {'is' if len(left) == 1 else 'are'} not among the "
                     "features, so those rows count as the reference too")
        lines.append(line + ".")
    return " ".join(lines) or None
