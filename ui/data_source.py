"""The regression page's data picker: upload a CSV, generate data, or a bundled dataset.

Every setting except the uploaded file itself is a widget bound to the URL (keys ``src``,
``ds``, ``n``, ``d``, ``noise``, ``seed``, ``tw``, ``tb``), so a link reproduces the data. The
loaded table comes back as a :class:`ui.regression_cache.LoadedData` (table + content hash,
computed once per load). An upload is parsed once per file and kept in ``st.session_state``:
a later bad upload shows its ``DataError`` and the previous data stays in use.
"""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st

from gradcore import DataError
from ui import regression_cache as cache
from ui.state import LinkCheck

SOURCES = ("bundled", "generate", "upload")
GENERATOR_DEFAULTS = {"n": 200, "d": 1, "noise": 1.0, "seed": 0, "tw": 2.0, "tb": 1.0}
GENERATOR_LIMITS = {"n": (10, 1_000_000), "d": (1, 10), "noise": (0.0, 1000.0),
                    "seed": (0, 2**31 - 1), "tw": (-1000.0, 1000.0), "tb": (-1000.0, 1000.0)}
UPLOAD_LIMITS = (
    "CSV, up to 20 MB. Numeric columns are used; text columns and rows with missing values "
    "are dropped (and listed). Comma, semicolon or tab separated; UTF-8 or Latin-1."
)
_UPLOADED = "reg_upload_data"
_UPLOAD_ID = "reg_upload_id"
_UPLOAD_ERROR = "reg_upload_error"


def check_link(check: LinkCheck) -> None:
    """Validate the data-source URL parameters before their widgets exist."""
    check.choice("src", SOURCES, "bundled")
    check.choice("ds", tuple(cache.dataset_names()), cache.default_dataset())
    for key, (low, high) in GENERATOR_LIMITS.items():
        check.number(key, GENERATOR_DEFAULTS[key], low, high,
                     integer=key in ("n", "d", "seed"))


def accept_upload(store: MutableMapping, file_id: str, name: str, payload: bytes) -> str | None:
    """Parse an uploaded file once; on success it replaces the stored data.

    Returns the ``DataError`` message of a bad file (also kept in `store` so it stays on
    screen across reruns) or None. A file already seen (same `file_id`) is not parsed again.
    The previously stored data is kept when the new file is bad.
    """
    if store.get(_UPLOAD_ID) == file_id:
        return store.get(_UPLOAD_ERROR)
    store[_UPLOAD_ID] = file_id
    try:
        store[_UPLOADED] = cache.uploaded_data(payload, name)
    except DataError as error:
        store[_UPLOAD_ERROR] = f"**{name}** could not be used: {error}"
        return store[_UPLOAD_ERROR]
    store[_UPLOAD_ERROR] = None
    return None


def _generated() -> cache.LoadedData | None:
    limits, defaults = GENERATOR_LIMITS, GENERATOR_DEFAULTS
    c1, c2 = st.columns(2)
    n = c1.number_input("rows n", *limits["n"], defaults["n"], step=100, key="n",
                        bind="query-params")
    d = c2.number_input("features d", *limits["d"], defaults["d"], key="d",
                        bind="query-params")
    noise = c1.number_input("noise (std)", *limits["noise"], defaults["noise"], step=0.5,
                            key="noise", bind="query-params")
    seed = c2.number_input("seed", *limits["seed"], defaults["seed"], key="seed",
                           bind="query-params")
    true_w, true_b = defaults["tw"], defaults["tb"]
    if d == 1:
        true_w = c1.number_input("true w", *limits["tw"], defaults["tw"], key="tw",
                                 bind="query-params")
        true_b = c2.number_input("true b", *limits["tb"], defaults["tb"], key="tb",
                                 bind="query-params")
    with st.spinner("Generating data…"):
        return cache.generated_data(int(n), int(d), float(noise), int(seed),
                                    float(true_w), float(true_b))


def _uploaded() -> cache.LoadedData | None:
    upload = st.file_uploader("CSV file", type=["csv", "txt"], key="reg_upload")
    st.caption(UPLOAD_LIMITS)
    if upload is not None:
        with st.spinner(f"Reading {upload.name}…"):
            message = accept_upload(st.session_state, upload.file_id, upload.name,
                                    upload.getvalue())
        if message:
            st.error(message)
            if st.session_state.get(_UPLOADED) is not None:
                st.caption(f"Still using {st.session_state[_UPLOADED].label}.")
    data = st.session_state.get(_UPLOADED)
    if data is None:
        st.info("Upload a CSV file with a numeric target column and numeric features.")
    return data


def pick_data() -> cache.LoadedData | None:
    """The source radio and that source's widgets; returns the loaded table or None."""
    source = st.radio("Data source", SOURCES, key="src", horizontal=True, bind="query-params",
                      help="The URL carries the option as written (src=generate).")
    try:
        if source == "generate":
            return _generated()
        if source == "upload":
            return _uploaded()
        names = cache.dataset_names()
        name = st.selectbox("Dataset", names, index=names.index(cache.default_dataset()),
                            key="ds", bind="query-params")
        st.caption(cache.dataset_description(name))
        with st.spinner(f"Loading {name}…"):
            return cache.bundled_data(name)
    except DataError as error:
        st.error(str(error))
        return None
