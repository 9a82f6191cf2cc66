"""Meetings: bronze meeting records -> interactions, one row per (colleague, external person, occurrence).

An occurrence is identified by its UID and its slot in the series: the RECURRENCE-ID of an override, else
its start (so an override that moved a meeting and a stale copy of the master still holding the old time
are one occurrence). The same meeting exported from several calendars, or again on a later day, counts
once, through the copy with the greatest (SEQUENCE, ingest date, being an override, source file,
position); when that copy is cancelled the occurrence counts for nothing. The participants of
an occurrence are its organizer and the attendees who did not decline; each colleague among them meets each
external one ("sent" when the colleague organised it, else "received"). Withheld colleagues (opted out or
excluded) and redacted people take part in nothing. Every record ingested up to the logical date gets one
outcome: accepted (it gave at least one interaction) or the first filter that removed it.

Called by the interactions stage with `bronze/meetings` and the directory's `colleague_addresses`;
the session time zone is UTC (conf/wkw.toml), as for event dates everywhere.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from wkw.channels.internal import internal_meeting_pairs
from wkw.config import Settings
from wkw.config_sections import Filters
from wkw.people import is_denied, is_internal
from wkw.privacy.policy import REDACTED_PREFIX
from wkw.vocabulary import (
    CALENDAR_SOURCE,
    DENIED,
    DUPLICATE,
    INTERNAL_ONLY,
    MEETING,
    NO_COLLEAGUE,
    OPTED_OUT,
    RECEIVED,
    SENT,
)

RECORD_KEY = ["ingest_date", "source_file", "position"]
DECLINED = "DECLINED"
CANCELLED = "CANCELLED"
ISO_SECOND = "yyyy-MM-dd'T'HH:mm:ss'Z'"  # the occurrence start in interaction_id (session zone is UTC)


def meetings_until(meetings: DataFrame, as_of: date) -> DataFrame:
    return meetings.where(F.col("ingest_date") <= F.lit(as_of))


def rank_occurrences(records: DataFrame, as_of: date, lookback_days: int) -> DataFrame:
    """One row per (record, occurrence): whether this copy wins the occurrence, and whether it is scored."""
    slot = F.coalesce("recurrence_id", "start")
    copy_order = Window.partitionBy("uid", slot).orderBy(
        F.col("sequence").desc(),
        F.col("ingest_date").desc(),
        F.col("recurrence_id").isNotNull().desc(),
        F.col("source_file").desc(),
        F.col("position").desc(),
    )
    age_days = F.datediff(F.lit(as_of), F.to_date("start"))
    exploded = records.select(
        *RECORD_KEY,
        "uid",
        "sequence",
        "recurrence_id",
        "status",
        F.explode("occurrences.start").alias("start"),
    )
    return exploded.select(
        *RECORD_KEY,
        "uid",
        "status",
        "start",
        (F.row_number().over(copy_order) == 1).alias("is_winner"),
        ((age_days >= 0) & (age_days < F.lit(lookback_days))).alias("in_window"),
    )


def participants(records: DataFrame) -> DataFrame:
    """One row per (record, address) taking part: the organizer and every attendee who did not decline.

    The parser keeps one entry per attendee address; the organizer's own attendee entry (Outlook and
    Google list the organizer as an attendee too) is folded into the organizer's row.
    """
    organizer_email = F.col("organizer_email")
    own_entry = F.try_element_at(
        F.filter("attendees", lambda entry: entry["email"] == organizer_email), F.lit(1)
    )
    organizer = F.struct(
        organizer_email.alias("email"),
        F.coalesce("organizer_name", own_entry["name"]).alias("name"),
        F.lit(True).alias("is_organizer"),
    )
    attending = F.transform(
        F.filter(
            "attendees",
            lambda entry: (
                (entry["partstat"] != F.lit(DECLINED)) & ~entry["email"].eqNullSafe(organizer_email)
            ),
        ),
        lambda entry: F.struct(
            entry["email"].alias("email"), entry["name"].alias("name"), F.lit(False).alias("is_organizer")
        ),
    )
    # An entry without ORGANIZER (attendees named) has no organizer row: every colleague in it "received".
    everyone = F.filter(F.concat(F.array(organizer), attending), lambda who: who["email"].isNotNull())
    return records.select(*RECORD_KEY, F.explode(everyone).alias("who")).select(
        *RECORD_KEY, "who.email", "who.name", "who.is_organizer"
    )


def resolve_participants(
    people: DataFrame, addresses: DataFrame, internal_domains: tuple[str, ...], denied: Filters | None = None
) -> DataFrame:
    """Each participant as a colleague (primary e-mail, withheld flag), an external person, or redacted."""
    known = addresses.select(F.col("address").alias("email"), "colleague_email", "withheld")
    is_redacted = F.col("email").startswith(REDACTED_PREFIX)
    is_colleague = ~is_redacted & (
        F.col("colleague_email").isNotNull() | is_internal(F.col("email"), internal_domains)
    )
    return people.join(known, on="email", how="left").select(
        *RECORD_KEY,
        "email",
        "name",
        "is_organizer",
        F.coalesce("colleague_email", "email").alias("colleague"),
        is_colleague.alias("is_colleague"),
        (~is_colleague & ~is_redacted).alias("is_external"),
        is_redacted.alias("is_redacted"),
        F.coalesce("withheld", F.lit(False)).alias("is_withheld"),
        (~is_colleague & ~is_redacted & is_denied(F.col("email"), denied)).alias("is_denied"),
    )


def meeting_pairs(resolved: DataFrame) -> DataFrame:
    """(record, colleague, contact) for each colleague who is not withheld and each external participant."""
    colleagues = resolved.where(F.col("is_colleague") & ~F.col("is_withheld")).select(
        *RECORD_KEY, F.col("colleague").alias("colleague_email"), "is_organizer"
    )
    contacts = resolved.where(F.col("is_external") & ~F.col("is_denied")).select(
        *RECORD_KEY, F.col("email").alias("contact_email"), F.col("name").alias("contact_name")
    )
    return (
        colleagues.join(contacts, on=RECORD_KEY, how="inner")
        .groupBy(*RECORD_KEY, "colleague_email", "contact_email")
        # Two aliases of one colleague in one meeting are one colleague; the organizer's alias decides.
        .agg(F.max("is_organizer").alias("is_sent"), F.max("contact_name").alias("contact_name"))
    )


def record_facts(resolved: DataFrame) -> DataFrame:
    """Per record: participant count and which kinds of people took part (redacted people count as both)."""
    return resolved.groupBy(*RECORD_KEY).agg(
        F.count(F.lit(1)).alias("participants"),
        F.max(F.col("is_colleague") | F.col("is_redacted")).alias("has_colleague"),
        F.max(F.col("is_external") | F.col("is_redacted")).alias("has_external"),
        F.max((F.col("is_external") & ~F.col("is_denied")) | F.col("is_redacted")).alias(
            "has_allowed_external"
        ),
    )


def interaction_rows(scored: DataFrame, facts: DataFrame, pairs: DataFrame) -> DataFrame:
    """Winning, live, in-window occurrences x the kept pairs of their record, as `schemas.INTERACTION`."""
    start_text = F.date_format("start", ISO_SECOND)
    return (
        scored.join(facts, on=RECORD_KEY, how="inner")
        .join(pairs, on=RECORD_KEY, how="inner")
        .select(
            F.to_date("start").alias("event_date"),
            F.col("start").alias("event_at"),
            "colleague_email",
            "contact_email",
            "contact_name",
            F.lit(MEETING).alias("channel"),
            F.when(F.col("is_sent"), SENT).otherwise(RECEIVED).alias("direction"),
            (F.col("participants") - 1).cast("int").alias("audience"),
            F.sha2(F.concat(F.lit(MEETING + "|"), F.col("uid"), F.lit("|"), start_text), 256).alias(
                "interaction_id"
            ),
        )
    )


def _filter_reason(max_attendees: int) -> Column:
    """The first filter that removes a record, or null when it gave at least one interaction."""
    return (
        F.when((F.col("occurrence_count") > 0) & (F.col("won") == 0), DUPLICATE)
        .when(F.col("status") == F.lit(CANCELLED), "cancelled")
        .when(F.col("won_in_window") == 0, "outside_window")
        .when(F.col("participants") > F.lit(max_attendees), "too_many_attendees")
        .when(~F.col("has_colleague"), NO_COLLEAGUE)
        .when(~F.col("has_external"), INTERNAL_ONLY)
        .when(~F.col("has_allowed_external"), DENIED)
        .when(~F.col("has_kept_pair"), OPTED_OUT)
    )


def meeting_outcomes(
    records: DataFrame, ranked: DataFrame, facts: DataFrame, pairs: DataFrame, max_attendees: int
) -> DataFrame:
    """One row per record ingested up to the logical date with its outcome (filter_reason null: accepted)."""
    occurrence_counts = ranked.groupBy(*RECORD_KEY).agg(
        F.count(F.lit(1)).alias("occurrence_count"),
        F.count_if("is_winner").alias("won"),
        F.count_if(F.col("is_winner") & F.col("in_window")).alias("won_in_window"),
    )
    kept = pairs.select(*RECORD_KEY).distinct().withColumn("has_kept_pair", F.lit(True))
    joined = (
        records.select(*RECORD_KEY, "status")
        .join(occurrence_counts, on=RECORD_KEY, how="left")
        .join(facts, on=RECORD_KEY, how="left")
        .join(kept, on=RECORD_KEY, how="left")
        .na.fill(0, ["occurrence_count", "won", "won_in_window"])
        .na.fill(False, ["has_kept_pair"])
    )
    return joined.select(
        "ingest_date",
        F.lit(CALENDAR_SOURCE).alias("source"),
        "source_file",
        "position",
        _filter_reason(max_attendees).alias("filter_reason"),
    )


def meeting_channel(
    meetings: DataFrame, addresses: DataFrame, as_of: date, settings: Settings
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(interactions as `schemas.INTERACTION`, outcome per meeting record, internal touches) for the
    logical date: the internal touches are every two analysed colleagues of a scored occurrence
    (wkw.channels.internal), under the same filters (cancelled, duplicate, too many attendees)."""
    max_attendees = settings.filters.max_meeting_attendees
    records = meetings_until(meetings, as_of)
    ranked = rank_occurrences(records, as_of, int(settings.model["lookback_days"]))
    resolved = resolve_participants(
        participants(records), addresses, settings.internal_domains, settings.filters
    )
    facts = record_facts(resolved)
    pairs = meeting_pairs(resolved)
    scored = ranked.where(F.col("is_winner") & F.col("in_window") & (F.col("status") != F.lit(CANCELLED)))
    small = facts.where(F.col("participants") <= F.lit(max_attendees))
    interactions = interaction_rows(scored, small, pairs)
    internal = interaction_rows(scored, small, internal_meeting_pairs(resolved, RECORD_KEY))
    return interactions, meeting_outcomes(records, ranked, facts, pairs, max_attendees), internal


def meeting_interactions(
    meetings: DataFrame, addresses: DataFrame, as_of: date, settings: Settings
) -> tuple[DataFrame, DataFrame]:
    """(interactions as `schemas.INTERACTION`, outcome per meeting record): `meeting_channel` without the
    internal touches."""
    interactions, outcomes, _ = meeting_channel(meetings, addresses, as_of, settings)
    return interactions, outcomes
