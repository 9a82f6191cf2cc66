"""Introducers: gold `connection_strength` -> gold `introducers` (the list) and `top_introducers` (the tile).

Per contact, every active colleague who knows them, ranked by strength, then score, then most recent
interaction, then colleague e-mail (a fixed order, so ties never flip between runs). The tile keeps
ranks 1..top_n. Names, titles and CRM ids come from the directory and CRM snapshots in force that day.
The account view (`account_introducers`, wkw.scoring.accounts) is computed from the written list, so it
offers exactly whom the list offers.

    spark-submit jobs/wkw/stages/introducers.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, GOLD, Settings
from wkw.lake import read_table, replace_partition
from wkw.people import latest_snapshot
from wkw.pipeline import StageResult, stage_main
from wkw.privacy.rules import colleagues_on
from wkw.scoring.accounts import rank_accounts
from wkw.scoring.ranking import contact_names, publication_id, rank_introducers, top_introducers

STAGE = "introducers"


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """The stage for one logical date, in an existing session."""
    strength = read_table(spark, settings, GOLD, "connection_strength").where(F.col("as_of_date") == as_of)
    directory = colleagues_on(read_table(spark, settings, BRONZE, "directory"), as_of, settings.privacy)
    crm = latest_snapshot(read_table(spark, settings, BRONZE, "crm"), as_of)
    seen = read_table(spark, settings, GOLD, "contact_names").where(F.col("as_of_date") == as_of)
    pub_id = publication_id(strength, as_of)
    ranked = rank_introducers(strength, directory, crm, contact_names(seen), pub_id)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(ranked, settings.table_path(GOLD, "introducers"), day, ["as_of_date"])
    written = read_table(spark, settings, GOLD, "introducers").where(F.col("as_of_date") == as_of)
    replace_partition(
        top_introducers(written, settings.top_n),
        settings.table_path(GOLD, "top_introducers"),
        day,
        ["as_of_date"],
    )
    replace_partition(
        rank_accounts(written, settings.accounts),
        settings.table_path(GOLD, "account_introducers"),
        day,
        ["as_of_date"],
    )
    return StageResult(STAGE, as_of, notes=(f"staged publication {pub_id}",), publication_id=pub_id)


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
