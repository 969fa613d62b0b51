"""The regression page's data picker: upload a CSV, generate data, or a bundled dataset.

Every setting except the uploaded file itself is a widget bound to the URL (keys ``src``,
``ds``, ``n``, ``d``, ``noise``, ``seed``, ``tw``, ``tb``), so a link reproduces the data. The
loaded table comes back as a :class:`ui.regression.data.LoadedData` (table + content hash,
computed once per load). An upload is parsed once per file into the process-wide byte-bounded
cache; ``st.session_state`` keeps only an :class:`~ui.regression.cache.UploadRef` to it (a few
strings), so a session holds no table between runs. A later bad upload shows its
``DataError`` and the previous data stays in use; if the cache has dropped the table meanwhile,
it is read again from the file the uploader still holds (:func:`restore`). One file is read at
a time per server (``ui.regression.upload_turns``): a student whose file waits is told how many are ahead,
and after UPLOAD_WAIT_SECONDS that it has not been read yet. Large generated tables are made
one at a time too (``ui.regression.heavy_line``): a student whose table waits sees its place in
line and about how long, and while the line is full is told so at once (:func:`table_wait_message`,
:func:`tables_busy_message`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import streamlit as st

from gradcore import MAX_CATEGORIES, MAX_CELLS, MAX_COLUMNS, MAX_UPLOAD_BYTES, DataError
from ui.regression import byte_store
from ui.regression import cache as cache
from ui.regression import data as regression_data
from ui.regression.heavy_line import HEAVY_CELLS, TablesBusy, waiting_shown_by
from ui.regression.upload_turns import TURNS, Busy
from ui.shell.state import Link, inert

SOURCES = ("bundled", "generate", "upload")
GENERATOR_DEFAULTS = {"n": 200, "d": 1, "noise": 1.0, "seed": 0, "tw": 2.0, "tb": 1.0}
GENERATOR_LIMITS = {"n": (10, 1_000_000), "d": (1, 10), "noise": (0.0, 1000.0),
                    "seed": (0, 2**31 - 1), "tw": (-1000.0, 1000.0), "tb": (-1000.0, 1000.0)}
UPLOAD_LIMITS = (
    f"CSV, up to {MAX_UPLOAD_BYTES // 2**20} MB, {MAX_COLUMNS} columns and {MAX_CELLS:,} values "
    "(rows × columns). Numeric columns are used; text columns are left out (and listed) unless "
    "encoded as 0/1 columns, and "
    "rows with a missing value in the chosen columns are left out (and counted). Comma, "
    "semicolon or tab separated; UTF-8, UTF-16, UTF-32 or Latin-1."
)
# How long a file may wait for other students' files to be read before the page says so and
# stops waiting (it is read at the page's next run). A 20 MB file takes a few seconds.
UPLOAD_WAIT_SECONDS = 60.0
ENCODE_LABEL = "Encode text columns as 0/1 columns (drop first)"
ENCODE_HELP = ("A text column with categories (sex: Female, Male) becomes one 0/1 column per "
               "category but the first (sex_Male), so it can be a feature; the first category "
               f"is the baseline. Columns with more than {MAX_CATEGORIES} categories are left out.")
_UPLOADED = "reg_upload_data"
_UPLOAD_ID = "reg_upload_id"
_UPLOAD_ERROR = "reg_upload_error"


def wait_message(ahead: int, waited: float) -> str:
    """What a student whose file waits for its turn is told (`ahead` files before it)."""
    line = ("Another student's file is being read; yours is next." if ahead == 1 else
            f"Other students' files are being read, one at a time; {ahead - 1} more will be "
            "read before yours.")
    return f"{line} (Waiting {waited:.0f} s; the server reads one file at a time.)"


def busy_message(name: str, busy: Busy) -> str:
    """What a student is told when the wait for a turn ran out."""
    return (f"**{inert(name)}** has not been read yet: for {busy.waited:.0f} s the server was "
            f"reading other students' files ({busy.ahead} still before yours). It will be read "
            "when the page runs again: change any setting, or upload it again in a moment.")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _about(seconds: float) -> str:
    return f"about {max(1, round(seconds))} s"


def table_wait_message(ahead: int, seconds: float) -> str:
    """What a student whose new large table waits is told (`ahead` tables before it, about
    `seconds` of work)."""
    return (f"The server makes large tables one at a time for the whole class: yours is "
            f"{_ordinal(ahead + 1)} in line, {_about(seconds)} before it starts. The page "
            "goes on by itself when it is made; changing a setting meanwhile starts over. "
            f"Tables of up to {HEAVY_CELLS:,} values (n × (d + 1)) are made at once.")


def tables_busy_message(busy: TablesBusy) -> str:
    """What a student is told when the line for large tables is full."""
    others = ("another student's large table" if busy.ahead == 1 else
              f"{busy.ahead} other students' large tables")
    return (f"Your table was not started: the server is already making {others} "
            f"({_about(busy.seconds)} of work), and a longer line would "
            f"keep every page waiting. Press **Try again** in {_about(busy.seconds)}, or choose "
            f"fewer rows: tables of up to {HEAVY_CELLS:,} values (n × (d + 1)) are made at once.")


def read_in_turn(payload: bytes, name: str, encode_text: bool = False) -> regression_data.LoadedData:
    """``cache.uploaded_data`` when this session's turn comes (``ui.regression.upload_turns.TURNS``),
    saying on the page while it waits; Busy after UPLOAD_WAIT_SECONDS."""
    note = st.empty()
    with TURNS.turn(UPLOAD_WAIT_SECONDS,
                    lambda ahead, waited: note.info(wait_message(ahead, waited))) as waited:
        note.empty()
        with st.spinner(f"Reading {name}…"):
            data = cache.uploaded_data(payload, name, encode_text)
    if waited >= 1:
        st.caption(f"{inert(name)} waited {waited:.0f} s while other students' files were read.")
    return data


def accept_upload(store: MutableMapping, file_id: str, name: str, payload: bytes,
                  encode_text: bool = False,
                  read: Callable[[bytes, str, bool], regression_data.LoadedData] = cache.uploaded_data,
                  ) -> str | None:
    """Parse an uploaded file once with `read`; on success its
    :class:`~ui.regression.cache.UploadRef` replaces the stored one.

    Returns the ``DataError`` message of a bad file (also kept in `store` so it stays on
    screen across reruns) or None. A file already seen (same `file_id`) is not parsed again,
    unless it is the stored good file and the cache has dropped its table. The previously
    stored data is kept when the new file is bad. A :class:`~ui.regression.upload_turns.Busy` from
    `read` passes through and the file counts as not seen, so the next run reads it.
    """
    stored = store.get(_UPLOADED)
    dropped = (stored is not None and stored.file_id == file_id
               and stored.encode_text == encode_text and stored.loaded() is None)
    seen = file_id if not encode_text else (file_id, True)
    if store.get(_UPLOAD_ID) == seen and not dropped:
        return store.get(_UPLOAD_ERROR)
    previous = store.get(_UPLOAD_ID)
    store[_UPLOAD_ID] = seen
    try:
        data = read(payload, name, encode_text)
        store[_UPLOADED] = cache.UploadRef(data.source, data.label, file_id, encode_text)
    except Busy:
        store[_UPLOAD_ID] = previous
        raise
    except DataError as error:
        store[_UPLOAD_ERROR] = f"**{inert(name)}** could not be used: {inert(error)}"
        return store[_UPLOAD_ERROR]
    store[_UPLOAD_ERROR] = None
    return None


def _generated(link: Link) -> regression_data.LoadedData | None:
    limits, defaults = GENERATOR_LIMITS, GENERATOR_DEFAULTS
    c1, c2 = st.columns(2)
    n = link.number("n", "rows n", *limits["n"], defaults["n"], step=100, integer=True,
                    where=c1)
    d = link.number("d", "features d", *limits["d"], defaults["d"], integer=True, where=c2)
    noise = link.number("noise", "noise (std)", *limits["noise"], defaults["noise"], step=0.5,
                        where=c1)
    seed = link.number("seed", "seed", *limits["seed"], defaults["seed"], integer=True,
                       where=c2)
    true_w, true_b = defaults["tw"], defaults["tb"]
    if d == 1:
        true_w = link.number("tw", "true w", *limits["tw"], defaults["tw"], where=c1)
        true_b = link.number("tb", "true b", *limits["tb"], defaults["tb"], where=c2)
    note = st.empty()
    try:
        with waiting_shown_by(lambda ahead, seconds: note.info(table_wait_message(ahead, seconds))), \
                st.spinner("Generating data…"):
            data = cache.generated_data(int(n), int(d), float(noise), int(seed),
                                        float(true_w), float(true_b))
    except TablesBusy as busy:
        note.warning(tables_busy_message(busy))
        st.button("Try again", key="reg_table_retry")
        return None
    note.empty()
    return data


def _uploaded(encode_text: bool) -> regression_data.LoadedData | None:
    upload = st.file_uploader("CSV file", type=["csv", "txt"], key="reg_upload")
    st.caption(UPLOAD_LIMITS)
    if upload is not None:
        message, busy = None, None
        try:
            message = accept_upload(st.session_state, upload.file_id, upload.name,
                                    upload.getvalue(), encode_text, read_in_turn)
        except Busy as error:
            busy = error
            st.warning(busy_message(upload.name, busy))
        if message:
            st.error(message)
        if (message or busy) and st.session_state.get(_UPLOADED) is not None:
            st.caption(f"Still using {inert(st.session_state[_UPLOADED].label)}.")
    stored = st.session_state.get(_UPLOADED)
    data = stored.loaded() if stored is not None else None
    if stored is not None and data is None:
        st.warning(f"{inert(stored.label)} was dropped from the server's memory (it keeps "
                   f"{byte_store.CACHE_BUDGET_BYTES // 2**20} MB of data for everyone): upload it again.")
    elif data is None:
        st.info("Upload a CSV file with a numeric target column and numeric features. If you "
                "had uploaded one already, please upload it again: an upload is kept only "
                "while this browser tab stays connected, and a server restart or a long "
                "break ends that.")
    return data


def restore(source: tuple) -> regression_data.LoadedData | None:
    """The table a ``LoadedData.source`` names (``regression_cache.load``); an upload the cache
    has dropped is read again from the file this session's uploader still holds, else None."""
    data = cache.load(source)
    stored = st.session_state.get(_UPLOADED)
    upload = st.session_state.get("reg_upload")
    if data is None and stored is not None and stored.source == source and upload is not None \
            and upload.file_id == stored.file_id:
        try:
            data = read_in_turn(upload.getvalue(), upload.name, stored.encode_text)
        except DataError:
            return None
        except Busy:
            raise DataError("the server is reading other students' files, one at a time; the "
                            "steps will show at your next click") from None
    return data


def pick_data(link: Link) -> regression_data.LoadedData | None:
    """The source radio and that source's widgets; returns the loaded table or None."""
    source = link.choice("src", "Data source", SOURCES, "bundled", widget="radio",
                         horizontal=True, help="The link carries the choice (src=generate).")
    try:
        if source == "generate":
            return _generated(link)
        encode_text = link.flag("onehot", ENCODE_LABEL, False, help=ENCODE_HELP)
        if source == "upload":
            return _uploaded(encode_text)
        names = regression_data.dataset_names()
        name = link.choice("ds", "Dataset", names, regression_data.default_dataset())
        st.caption(regression_data.dataset_description(name))
        return cache.spun(cache.bundled_data, name, encode_text, text=f"Loading {name}…")
    except DataError as error:
        st.error(inert(error))
        return None
