"""Compare our mail counts on the Enron public_dev archive with the published reference, and explain every
difference by its cause, computed from the data.

The reference (`public_dev_knows_reference.csv`) counts, per (internal, external) pair, the messages each
way from From -> To/Cc of every row of `public_dev_headers.csv.gz`: one count per file copy, nothing
deduplicated, four paths listed twice. Our counts are silver/interactions after extract and interactions.
Every difference is traced per (file, pair, direction) to one cause:

- `reference_listed_twice`: a path the header reference lists twice (the archive holds it once);
- `quarantined_<reason>`: the file is in quarantine (impossible_date, bad_address, ...);
- `dn_resolution`: one side of the pair is an Exchange DN the message resolves to its SMTP address;
- `address_normalisation`: otherwise the file's address sets differ (validation, decoding, sender fallback);
- `duplicate`: a copy of a mail kept once, which the reference's own logical key (date, from, to, cc,
  subject) also calls one mail; `duplicate_by_our_key_only`: merged by our dedupe_key alone;
- any other filter of the interactions stage by its name (automated, too_many_recipients, ...).

What the causes do not account for is `unexplained` (expected: zero). Both sides are read as per-file edges
by `wkw.tools.enron_edges`. Run after an ingest, or let it ingest:

    .venv/bin/python -m wkw.tools.enron_reference --work /tmp/enron_ref   # WKW_ENRON_DIR locates the files
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tarfile
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.channels.build import build
from wkw.config import BRONZE, PROJECT_ROOT, SILVER, Settings, load_settings
from wkw.lake import read_table, table_exists
from wkw.privacy.rules import colleagues_on
from wkw.session import get_spark
from wkw.stages import extract, interactions
from wkw.tools.enron_edges import EDGE, PAIR, message_edges, read_reference, reference_edges, reference_files

ARCHIVE = "public_dev_maildir.tar.gz"
INTERNAL_DOMAINS = ("enron.com",)
INGEST_DAY = date(2002, 12, 31)
LISTED_TWICE, DN_RESOLUTION, NORMALISATION = (
    "reference_listed_twice",
    "dn_resolution",
    "address_normalisation",
)
DUPLICATE, DUPLICATE_OURS = "duplicate", "duplicate_by_our_key_only"


def enron_dir() -> Path:
    return Path(os.environ.get("WKW_ENRON_DIR", PROJECT_ROOT.parent / "shared" / "data" / "enron"))


def enron_settings(work: Path) -> Settings:
    """Project settings with lake and landing under `work`, colleagues being enron.com and its subdomains."""
    return dataclasses.replace(
        load_settings(),
        lake=str(work / "lake"),
        landing=str(work / "landing"),
        internal_domains=INTERNAL_DOMAINS,
    )


def ingest_public_dev(
    spark: SparkSession, settings: Settings, archive: Path, as_of: date = INGEST_DAY
) -> None:
    """Unpack the archive into landing/mail/<as_of> (once) and run extract and interactions for `as_of`."""
    landing = Path(settings.landing_dir("mail", as_of.isoformat()))
    if not landing.exists():
        landing.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(landing, filter="data")
    extract.run(spark, settings, as_of)
    interactions.run(spark, settings, as_of)


def quarantined_files(quarantine: DataFrame) -> DataFrame:
    return quarantine.where(F.col("source") == "mail").select(
        F.regexp_extract("source_file", r"maildir/(.+)$", 1).alias("file"),
        F.concat(F.lit("quarantined_"), "reason").alias("quarantine_cause"),
    )


def traced_differences(reference: DataFrame, ours: DataFrame, quarantine: DataFrame) -> DataFrame:
    """EDGE + cause + delta (ours minus reference): one row per (file, pair, direction) and cause."""
    twice = reference.where(F.col("listing") > 1).select(*EDGE, F.lit(LISTED_TWICE).alias("cause"), F.lit(-1))
    once = reference.where(F.col("listing") == 1).select(*EDGE, "has_dn", F.lit(True).alias("in_reference"))
    mine = ours.select(*EDGE, F.lit(True).alias("in_ours")).distinct()
    file_has_dn = once.groupBy("file").agg(F.max("has_dn").alias("file_has_dn"))
    joined = (
        once.join(mine, on=EDGE, how="full")
        .join(quarantined_files(quarantine), on="file", how="left")
        .join(file_has_dn, on="file", how="left")
    )
    only_reference = F.col("in_reference") & F.col("in_ours").isNull()
    only_ours = F.col("in_ours") & F.col("in_reference").isNull()
    is_dn = F.when(only_reference, F.col("has_dn")).otherwise(F.coalesce("file_has_dn", F.lit(False)))
    address_cause = F.when(is_dn, DN_RESOLUTION).otherwise(NORMALISATION)
    parsed = joined.where(only_reference | only_ours).select(
        *EDGE,
        F.coalesce("quarantine_cause", address_cause).alias("cause"),
        F.when(only_ours, 1).otherwise(-1),
    )
    return twice.unionAll(parsed).unionAll(filtered(reference, ours)).toDF(*EDGE, "cause", "delta")


def filtered(reference: DataFrame, ours: DataFrame) -> DataFrame:
    """EDGE + cause + delta -1 for each edge of a message the interactions stage filtered."""
    keys = reference.where(F.col("listing") == 1).select("file", "logical_key").distinct()
    first_keys = keys.select(F.col("file").alias("first_file"), F.col("logical_key").alias("first_key"))
    removed = (
        ours.where(F.col("filter_reason").isNotNull())
        .join(keys, on="file", how="left")
        .join(first_keys, on="first_file", how="left")
    )
    same_mail = F.col("logical_key") == F.col("first_key")
    cause = (
        F.when(F.col("filter_reason") != DUPLICATE, F.col("filter_reason"))
        .when(F.coalesce(same_mail, F.lit(False)), DUPLICATE)
        .otherwise(DUPLICATE_OURS)
    )
    return removed.select(*EDGE, cause.alias("cause"), F.lit(-1).alias("delta"))


def pair_comparison(
    reference: DataFrame, silver: DataFrame, traces: DataFrame, ref_edges: DataFrame
) -> DataFrame:
    """Per PAIR: reference, ours, the reference deduplicated by its logical key, the explained deltas by
    cause, and `unexplained` = ours - reference - sum of deltas (zero when every difference is traced)."""
    ours = silver.where(F.col("channel") == "mail").groupBy(*PAIR).agg(F.count(F.lit(1)).alias("ours"))
    deduplicated = (
        ref_edges.where(F.col("listing") == 1)
        .groupBy(*PAIR)
        .agg(F.count_distinct("logical_key").alias("reference_deduplicated"))
    )
    by_cause = traces.groupBy(*PAIR, "cause").agg(F.sum("delta").alias("delta"))
    explained = by_cause.groupBy(*PAIR).agg(
        F.sum("delta").alias("explained"),
        F.map_from_entries(F.array_sort(F.collect_list(F.struct("cause", "delta")))).alias("causes"),
    )
    counts = {
        name: F.coalesce(name, F.lit(0)).cast("long")
        for name in ("messages", "ours", "reference_deduplicated", "explained")
    }
    joined = (
        reference.join(ours, on=PAIR, how="full")
        .join(deduplicated, on=PAIR, how="full")
        .join(explained, on=PAIR, how="full")
    )
    return joined.select(
        *PAIR,
        counts["messages"].alias("reference"),
        counts["ours"].alias("ours"),
        counts["reference_deduplicated"].alias("reference_deduplicated"),
        F.coalesce("causes", F.create_map().cast("map<string,bigint>")).alias("causes"),
        (counts["ours"] - counts["messages"] - counts["explained"]).alias("unexplained"),
    )


def cause_summary(traces: DataFrame) -> DataFrame:
    """Per cause: the messages it adds (+) or removes (-) and the pair-directions it touches."""
    return (
        traces.groupBy("cause")
        .agg(F.sum("delta").alias("messages"), F.count_distinct(*PAIR).alias("pair_directions"))
        .orderBy("cause")
    )


def compare(spark: SparkSession, settings: Settings, directory: Path, as_of: date = INGEST_DAY):
    """(per-pair comparison, traced differences) for a lake after extract and interactions of `as_of`."""
    mail = read_table(spark, settings, BRONZE, "mail_messages")
    people = read_table(spark, settings, BRONZE, "directory")
    _, outcomes = build(mail, colleagues_on(people, as_of, settings.privacy), as_of, settings)
    ours = message_edges(mail, outcomes, settings.internal_domains).persist()
    ref_edges = reference_edges(reference_files(spark, directory), settings.internal_domains).persist()
    traces = traced_differences(ref_edges, ours, read_table(spark, settings, BRONZE, "quarantine")).persist()
    silver = read_table(spark, settings, SILVER, "interactions")
    return pair_comparison(read_reference(spark, directory), silver, traces, ref_edges).persist(), traces


def summary(comparison: DataFrame, traces: DataFrame) -> dict:
    """The numbers docs/extraction.md reports: agreement, unexplained, and messages per cause."""
    totals = comparison.agg(
        F.count(F.lit(1)).alias("pair_directions"),
        F.sum("reference").alias("reference_messages"),
        F.sum("ours").alias("our_messages"),
        F.count_if(F.col("reference") == F.col("ours")).alias("agree_with_reference"),
        F.count_if(F.col("reference_deduplicated") == F.col("ours")).alias(
            "agree_with_reference_deduplicated"
        ),
        F.count_if(F.col("unexplained") != 0).alias("unexplained_pair_directions"),
        F.sum(F.abs("unexplained")).alias("unexplained_messages"),
    ).first()
    causes = {row.cause: [row.messages, row.pair_directions] for row in cause_summary(traces).collect()}
    return {**totals.asDict(), "causes": causes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="scratch folder: landing and lake")
    args = parser.parse_args(argv)
    settings = enron_settings(args.work)
    spark = get_spark(settings, "enron-reference")
    if not table_exists(spark, settings.table_path(SILVER, "interactions")):
        ingest_public_dev(spark, settings, enron_dir() / ARCHIVE)
    comparison, traces = compare(spark, settings, enron_dir())
    print(json.dumps(summary(comparison, traces), indent=1, sort_keys=True))
    spark.stop()


if __name__ == "__main__":
    main()
