"""Colleague ties: silver `internal_interactions` -> gold `colleague_ties`, the connection strength between
two colleagues by the formula of `connection_strength` (wkw.scoring.strength, docs/strength.md), with its
receipts. The requester-personalised order of the tile (docs/path.md) combines a tie with an introducer's
strength to the lead.

A pair is stored in both directions, one row seen from each colleague (`colleague_email`) with the other
as `peer_email`: a mail from A to B is `sent` in A's row and `received` in B's, as a colleague's mail to a
contact is `sent` in `connection_strength`. The two rows of a pair share their meetings, calls and
active days; their scores differ only by the weights of mail sent and received. The read side looks up
"my ties" by `colleague_email` alone.

    from wkw.scoring.ties import colleague_ties
    ties = colleague_ties(internal, as_of, model, bands)
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame

from wkw.scoring.ranking import RECEIPTS
from wkw.scoring.strength import connection_strength

TIES = "colleague_ties"
TIE_COLUMNS = (
    "colleague_email",
    "peer_email",
    "score",
    "strength",
    "band",
    *RECEIPTS,
    "as_of_date",
    "model_version",
)


def colleague_ties(internal: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    """Every (colleague, peer) pair of `internal` (rows of `schemas.INTERACTION`, `contact_email` the
    other colleague) scored on `as_of`: the full recompute over the look-back window."""
    scored = connection_strength(internal, as_of, model, bands)
    return scored.withColumnRenamed("contact_email", "peer_email").select(*TIE_COLUMNS)
