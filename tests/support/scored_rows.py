"""One comparison for tables of scored rows computed two ways (incrementally and in full, Spark and
DuckDB): the same rows in the same order, every column equal, scores to SCORE_TOLERANCE (float sums in
another order may differ in the last digits)."""

from __future__ import annotations

import math

SCORE_TOLERANCE = 1e-9


def assert_same(got: list[dict], expected: list[dict]) -> None:
    assert len(got) == len(expected) and expected, "both ways score the same, non-empty, rows"
    for a, b in zip(got, expected, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if key == "score":
                assert math.isclose(a[key], b[key], rel_tol=0, abs_tol=SCORE_TOLERANCE), (a, b)
            else:
                assert a[key] == b[key], (key, a, b)
