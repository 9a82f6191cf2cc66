"""Volume check: tonight's staged tile against the current publication.

A sudden collapse or explosion of rows, or a night where most contacts get a different top introducer,
is far more likely a broken export than a changed company: such a night is held back for a human.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.checks.gx import Failure

TABLE = "top_introducers"


def volume_failures(staged_tile: DataFrame, current_tile: DataFrame | None, bounds: dict) -> list[Failure]:
    """Failures when the tile changes more than `bounds` allow; none for a first or small publication."""
    if current_tile is None:
        return []
    before = current_tile.count()
    if before < bounds["min_rows"]:
        return []
    after = staged_tile.count()
    failures = []
    change = abs(after - before) / before
    if change > bounds["max_row_change"]:
        failures.append(
            Failure(
                TABLE,
                "volume_row_change",
                f"{before} -> {after} rows ({change:.0%} > {bounds['max_row_change']:.0%})",
            )
        )
    first_before = current_tile.where("rank = 1").select(
        "contact_email", F.col("colleague_email").alias("was")
    )
    first_after = staged_tile.where("rank = 1").select("contact_email", F.col("colleague_email").alias("now"))
    both = first_before.join(first_after, on="contact_email", how="inner")
    counted = both.agg(
        F.count(F.lit(1)).alias("contacts"), F.count_if(F.col("was") != F.col("now")).alias("changed")
    )
    row = counted.first()
    if row.contacts:
        share = row.changed / row.contacts
        if share > bounds["max_top_changed_share"]:
            failures.append(
                Failure(
                    TABLE,
                    "volume_top_changed",
                    f"{row.changed} of {row.contacts} contacts have a new top introducer "
                    f"({share:.0%} > {bounds['max_top_changed_share']:.0%})",
                )
            )
    return failures
