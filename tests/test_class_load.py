"""The class-load benchmark's check that every answer sent was counted once
(benchmarks/class_load.py): it passes an exact count and catches a lost or doubled answer."""

import pytest

from benchmarks.class_load import counted_once, describe


def figures(sent, confirmed, counted, cut_off=0, failed=0, refused=0):
    return {"code": "K7QM-2XAB", "tabs": 60, "answers_sent": sent,
            "answers_confirmed": confirmed, "answers_refused": refused,
            "answers_failed": failed, "answers_cut_off": cut_off,
            "store": {"answers": counted, "students": 60}}


@pytest.mark.parametrize("case, expected", [
    (figures(1264, 1264, 1264), True),
    (figures(1261, 1250, 1261, cut_off=11), True),   # cut off at the stop, yet stored
    (figures(1225, 1222, 1223, cut_off=3), True),    # cut off at the stop, two not stored
    (figures(1264, 1264, 1263), False),              # a confirmed answer lost
    (figures(1264, 1264, 1265), False),              # an answer counted twice
    (figures(1264, 1260, 1264), False),              # answers unconfirmed, unaccounted for
    (figures(1264, 1263, 1263, refused=1), False),   # the page refused one
    (None, False),
])
def test_counted_once_passes_exact_counts_and_catches_lost_or_doubled(case, expected):
    """Exact counts pass; a lost, doubled, refused or unaccounted answer fails."""
    assert counted_once(case) is expected
    assert ("MISMATCH" in describe(case)) is (case is not None and not expected)
