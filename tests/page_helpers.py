"""Helpers shared by the AppTest page tests."""

import re


def shown(markdown: str) -> str:
    """Markdown source as a reader sees it: the backslash escapes and zero-width spaces of
    user text removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")
