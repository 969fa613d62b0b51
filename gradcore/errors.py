"""Errors a user can cause. Their messages are written to be shown to that user as they are."""


class ExpressionError(ValueError):
    """A typed formula that cannot be used: the message names the piece and what is allowed."""


class DataError(ValueError):
    """Data that cannot be used: the message says what was wrong and what to do."""
