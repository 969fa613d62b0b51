"""Class codes, teacher keys, student ids and answers as the store keeps them.

A class code is read aloud in a classroom and typed by students, yet must not be guessable:
8 characters of Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse with 1, 0 or
V) are 40 bits, written as two groups, ``K7QM-2XAB``. What a student types is read leniently
(lower case, spaces, O for 0, I or L for 1, a missing dash). A teacher key is 32 random bytes
(256 bits) in URL-safe base 64; the store keeps only its SHA-256, so a copy of the database
does not give the live view away.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 8
CODE_BITS = 5 * CODE_CHARS
TEACHER_KEY_BYTES = 32
MAX_ANSWER_CHARS = 200
_CODE = re.compile(rf"[{ALPHABET}]{{{CODE_CHARS}}}")
_LENIENT = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    """A fresh class code, ``XXXX-XXXX`` (40 random bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return f"{raw[:4]}-{raw[4:]}"


def read_code(text: str) -> str | None:
    """The class code in what a student typed (``k7qm 2xab``, ``K7QM-2XAB``), or None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    compact = re.sub(r"[\s\-_]", "", text).upper().translate(_LENIENT)
    if not _CODE.fullmatch(compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def new_teacher_key() -> str:
    """A fresh teacher key: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TEACHER_KEY_BYTES)


def key_digest(key: str) -> str:
    """What the store keeps of a teacher key: its SHA-256 in hex."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def key_matches(key: str, digest: str) -> bool:
    """Whether `key` is the teacher key whose digest is `digest` (constant-time compare)."""
    if not isinstance(key, str) or not key or len(key) > 200:
        return False
    return hmac.compare_digest(key_digest(key), digest)


def new_student_id() -> str:
    """An anonymous id for one browser session: 128 random bits, nothing about the person."""
    return secrets.token_hex(16)


def normalise_answer(text: str) -> str:
    """An answer as the teacher's chart groups it: Unicode NFKC, spaces collapsed, lower case,
    spaces after commas and around brackets dropped ("( 2 , 8 )" and "(2,8)" are one answer)."""
    text = unicodedata.normalize("NFKC", str(text))
    text = " ".join(text.split()).lower()
    text = re.sub(r"\s*([,;()\[\]{}])\s*", r"\1", text)
    return text.replace("−", "-")
