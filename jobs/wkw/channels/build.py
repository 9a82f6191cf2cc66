"""Every channel's interactions for one logical date, from the bronze records and the directory snapshot:
withheld colleagues resolved once and dropped by every channel (wkw.privacy.rules); beside them, the
colleague-colleague touches that feed the colleague ties (wkw.channels.internal)."""

from __future__ import annotations

from datetime import date
from functools import reduce
from typing import NamedTuple

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.channels.calls import call_channel
from wkw.channels.mail import MESSAGE_KEY, mail_channel
from wkw.channels.meetings import meeting_channel
from wkw.people import colleague_addresses
from wkw.privacy.rules import is_withheld

OUTCOME_COLUMNS = [*MESSAGE_KEY, "source", "filter_reason"]


class Built(NamedTuple):
    interactions: DataFrame  # colleague-external touches: silver/interactions
    outcomes: DataFrame  # one row per bronze record: OUTCOME_COLUMNS
    internal: DataFrame  # colleague-colleague touches, both ends: silver/internal_interactions


def build_channels(
    mail: DataFrame,
    colleagues: DataFrame,
    as_of: date,
    settings,
    calls: DataFrame | None = None,
    meetings: DataFrame | None = None,
    seen: DataFrame | None = None,
) -> Built:
    """Every channel's interactions, the outcome of every bronze record and the internal touches
    (wkw.channels.internal) for the logical date, each with its `ingest_date`.

    `colleagues` is the directory snapshot with `withheld_reason` (wkw.privacy.rules.colleagues_on):
    withheld colleagues (opt-out under the region rule, exclusions) are dropped by every channel. Each
    channel treats a redacted party (scrubbed by the privacy stage) as nobody, and the privacy stage
    deletes calls with a withheld party outright. A mail row's `ingest_date` is the night its first copy
    landed; meetings and calls are judged again every night (a meeting can be moved or cancelled long
    after it first landed), so theirs is the logical date. Internal touches are kept only between two
    analysed directory users (an internal-domain address the directory does not list is nobody's tie).
    """
    addresses = colleague_addresses(colleagues, is_withheld())
    channels = [mail_channel(mail, addresses, as_of, settings, seen)]
    if calls is not None:
        channels.append(call_channel(calls, addresses, as_of, settings))
    if meetings is not None:
        channels.append(meeting_channel(meetings, addresses, as_of, settings))
    stamp = F.lit(as_of).alias("ingest_date")
    interactions = reduce(
        DataFrame.unionByName, [channels[0][0]] + [c[0].select("*", stamp) for c in channels[1:]]
    )
    internal = reduce(
        DataFrame.unionByName, [channels[0][2]] + [c[2].select("*", stamp) for c in channels[1:]]
    )
    outcomes = reduce(DataFrame.unionByName, [judged.select(*OUTCOME_COLUMNS) for _, judged, _ in channels])
    return Built(interactions, outcomes, analysed_pairs(internal, addresses))


def analysed_pairs(internal: DataFrame, addresses: DataFrame) -> DataFrame:
    """The internal touches whose two ends are analysed directory users (primary e-mails)."""
    analysed = addresses.where(~F.col("withheld")).select("colleague_email").distinct()
    other = analysed.select(F.col("colleague_email").alias("contact_email"))
    return (
        internal.join(analysed, on="colleague_email", how="left_semi")
        .join(other, on="contact_email", how="left_semi")
        .select(*internal.columns)
    )


def build(
    mail: DataFrame,
    colleagues: DataFrame,
    as_of: date,
    settings,
    calls: DataFrame | None = None,
    meetings: DataFrame | None = None,
    seen: DataFrame | None = None,
) -> tuple[DataFrame, DataFrame]:
    """(interactions of every channel with their `ingest_date`, outcomes per bronze record) for the
    logical date: `build_channels` without the internal touches."""
    built = build_channels(mail, colleagues, as_of, settings, calls, meetings, seen)
    return built.interactions, built.outcomes
