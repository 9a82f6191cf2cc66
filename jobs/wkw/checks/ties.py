"""Cross-table checks of the colleague ties (gold `colleague_ties`, wkw.scoring.ties) that no single-table
suite can make: no withheld colleague at either end of a tie, both ends in the directory, and both
directions of a pair present with mirrored receipts (A's mails sent to B are B's mails received from A;
meetings, calls and active days are the pair's).

    failures = tie_failures(tables, directory)   # directory: wkw.privacy.rules.colleagues_on
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.checks.gx import Failure
from wkw.privacy.rules import is_withheld
from wkw.scoring.ties import TIES

TIE_CHECKS = 3
ENDS = ("colleague_email", "peer_email")
SHARED_RECEIPTS = ("meetings", "calls", "active_days", "first_interaction_at", "last_interaction_at")


def tie_failures(tables: dict[str, DataFrame], directory: DataFrame) -> list[Failure]:
    if TIES not in tables:
        return []
    ties = tables[TIES]
    failures = []
    withheld = directory.where(is_withheld()).select(F.col("email").alias("peer_email"))
    if count := ties.join(withheld, on="peer_email", how="left_semi").count():
        failures.append(Failure(TIES, "no_withheld_peer", f"{count} ties with an opted-out or excluded peer"))
    listed = directory.select("email")
    if not listed.isEmpty():
        unlisted = sum(
            ties.join(listed.withColumnRenamed("email", end), on=end, how="left_anti").count() for end in ENDS
        )
        if unlisted:
            failures.append(Failure(TIES, "ends_in_directory", f"{unlisted} tie ends not in the directory"))
    if unmatched := _unmirrored(ties).count():
        failures.append(
            Failure(TIES, "both_directions", f"{unmatched} ties without a mirror with the same receipts")
        )
    return failures


def _unmirrored(ties: DataFrame) -> DataFrame:
    """Rows whose mirror (peer's row of the same pair) is missing or disagrees on the pair's receipts."""
    mirror = ties.select(
        F.col("peer_email").alias("colleague_email"),
        F.col("colleague_email").alias("peer_email"),
        F.col("mails_received").alias("mails_sent"),
        F.col("mails_sent").alias("mails_received"),
        *SHARED_RECEIPTS,
    )
    keys = [*ENDS, "mails_sent", "mails_received", *SHARED_RECEIPTS]
    return ties.select(keys).join(mirror, on=keys, how="left_anti")
