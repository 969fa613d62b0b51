"""Class mode's store: classes, anonymous students and their answers, for the teacher's live view.

Never imports streamlit. SQLite (a file in the data directory) by default, PostgreSQL when
``GRADLAB_DATABASE_URL`` names one (replicas on several machines). See ``classroom.store``.
"""

from classroom.codes import new_student_id, normalise_answer, read_code
from classroom.limits import WrongCodeLimiter
from classroom.store import (
    ClassError,
    Classroom,
    ClassSummary,
    ExerciseSummary,
    Store,
    StoreUnavailable,
    open_store,
)

__all__ = ["ClassError", "ClassSummary", "Classroom", "ExerciseSummary", "Store",
           "StoreUnavailable", "WrongCodeLimiter", "new_student_id", "normalise_answer",
           "open_store", "read_code"]
