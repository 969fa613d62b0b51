"""Signed lesson parts: the server's secret, and an HMAC-SHA256 over a compact JSON payload.

A lesson link carries its lesson (task, exercise, hidden and locked controls with their values,
presentation mode) as one query parameter, ``lesson=<payload>.<signature>``: the payload is
the JSON text in base64url, the signature HMAC-SHA256(secret, "gradlab-lesson-v1." + payload)
in base64url. :func:`verify` recomputes it and compares with ``hmac.compare_digest``, so a
changed character anywhere (an edited value, a cut-off copy, a lesson made by another server)
is refused.

The secret: the environment variable ``GRADLAB_SECRET`` (replicas behind a proxy share it
that way), else a random secret made on the first start and kept in the data directory
(``GRADLAB_DATA_DIR``, default ``.gradlab/``) as the file ``secret`` with mode 0600. If that
directory cannot be written, the process makes a secret of its own and logs that its lesson
links will stop verifying after a restart. The secret is never shown, logged or put in an
error message: only the fact that it is missing or short is.

Nothing here imports streamlit: the benchmarks and tests call it directly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from pathlib import Path

SECRET_ENV = "GRADLAB_SECRET"
DATA_DIR_ENV = "GRADLAB_DATA_DIR"
DEFAULT_DATA_DIR = ".gradlab"
SECRET_FILE = "secret"
MIN_SECRET_CHARS = 16
MAX_TOKEN_CHARS = 6000
_DOMAIN = b"gradlab-lesson-v1."
_LOGGER = logging.getLogger("gradlab")
_LOCK = threading.Lock()
_CACHED: dict[str, bytes] = {}


class SignatureError(ValueError):
    """A lesson part that cannot be trusted; the message is fit to show a student."""


DAMAGED = ("The lesson in this link is damaged (perhaps cut off when it was copied), so the page "
           "opens without it: ask your teacher for the link again.")
ALTERED = ("The lesson in this link was changed after your teacher made it (or comes from "
           "another server), so the page opens without it: ask your teacher for the link again.")


def data_dir() -> Path:
    """The data directory: ``$GRADLAB_DATA_DIR``, else ``.gradlab`` in the working directory."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def _file_secret(folder: Path) -> bytes:
    """The secret kept in `folder` (made there, mode 0600, if there is none yet)."""
    path = folder / SECRET_FILE
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        # Written in full under another name, then linked into place: two replicas starting
        # at once never read a half-written file, and the first link wins for both.
        draft = folder / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise OSError(f"the secret file in {folder} is too short")
    return text.encode("ascii")


def secret() -> bytes:
    """The server's signing secret (read once per process and per setting)."""
    configured = os.environ.get(SECRET_ENV, "")
    folder = str(data_dir().resolve())
    key = f"env:{hashlib.sha256(configured.encode()).hexdigest()}" if configured else folder
    with _LOCK:
        if key in _CACHED:
            return _CACHED[key]
        if configured:
            if len(configured) < MIN_SECRET_CHARS:
                _LOGGER.warning("%s is shorter than %d characters: choose a longer random value",
                                SECRET_ENV, MIN_SECRET_CHARS)
            value = configured.encode("utf-8")
        else:
            try:
                value = _file_secret(Path(folder))
            except OSError as error:
                _LOGGER.warning("Cannot keep a lesson-link secret in %s (%s): using one for this "
                                "process only, so lesson links stop verifying after a restart. "
                                "Set %s.", folder, type(error).__name__, SECRET_ENV)
                value = secrets.token_hex(32).encode("ascii")
        _CACHED[key] = value
        return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(body: str) -> bytes:
    return hmac.new(secret(), _DOMAIN + body.encode("ascii"), hashlib.sha256).digest()


def sign(payload: dict) -> str:
    """``<payload>.<signature>`` for a JSON-able dict (keys sorted, so the text is canonical)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    body = _b64(text.encode("utf-8"))
    return f"{body}.{_b64(_mac(body))}"


def verify(token: str) -> dict:
    """The payload of a token made by :func:`sign` with this server's secret.

    Raises :class:`SignatureError` (``DAMAGED`` for a malformed or cut-off token, ``ALTERED``
    for a well-formed one whose signature does not match).
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise SignatureError(DAMAGED)
    body, signature = token.split(".")
    try:
        given = _unb64(signature)
        raw = _unb64(body)
    except (binascii.Error, ValueError):
        raise SignatureError(DAMAGED) from None
    if len(given) != hashlib.sha256().digest_size or not body:
        raise SignatureError(DAMAGED)
    if not hmac.compare_digest(given, _mac(body)):
        raise SignatureError(ALTERED)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SignatureError(DAMAGED) from None
    if not isinstance(payload, dict):
        raise SignatureError(DAMAGED)
    return payload
