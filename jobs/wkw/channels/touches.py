"""Mail touches as interaction rows, shared by the external (wkw.channels.mail) and the internal
(wkw.channels.internal) mail channels."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.vocabulary import MAIL


def one_touch_per_mail(touches: DataFrame) -> DataFrame:
    """`touches` (dedupe_key, colleague_email, contact_email, direction, ingest_date, sent_at, contact_name,
    audience) as rows of `schemas.INTERACTION`: two aliases of one colleague on one mail are one touch."""
    return (
        touches.groupBy("dedupe_key", "colleague_email", "contact_email", "direction")
        .agg(
            F.min("ingest_date").alias("ingest_date"),
            F.min("sent_at").alias("event_at"),
            F.max("contact_name").alias("contact_name"),
            F.max("audience").alias("audience"),
        )
        .select(
            F.to_date("event_at").alias("event_date"),
            "event_at",
            "colleague_email",
            "contact_email",
            "contact_name",
            F.lit(MAIL).alias("channel"),
            "direction",
            F.col("audience").cast("int").alias("audience"),
            F.col("dedupe_key").alias("interaction_id"),
            "ingest_date",
        )
    )
