"""Every channel's interactions for one logical date, from the bronze records and the directory snapshot:
withheld colleagues resolved once and dropped by every channel (wkw.privacy.rules)."""

from __future__ import annotations

from datetime import date
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.channels.calls import call_interactions
from wkw.channels.mail import MESSAGE_KEY, mail_interactions
from wkw.channels.meetings import meeting_interactions
from wkw.people import colleague_addresses
from wkw.privacy.rules import is_withheld

OUTCOME_COLUMNS = [*MESSAGE_KEY, "source", "filter_reason"]


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
    logical date.

    `colleagues` is the directory snapshot with `withheld_reason` (wkw.privacy.rules.colleagues_on):
    withheld colleagues (opt-out under the region rule, exclusions) are dropped by every channel. Each
    channel treats a redacted party (scrubbed by the privacy stage) as nobody, and the privacy stage
    deletes calls with a withheld party outright. A mail row's `ingest_date` is the night its first copy
    landed; meetings and calls are judged again every night (a meeting can be moved or cancelled long
    after it first landed), so theirs is the logical date.
    """
    addresses = colleague_addresses(colleagues, is_withheld())
    channels = [mail_interactions(mail, addresses, as_of, settings, seen)]
    if calls is not None:
        channels.append(call_interactions(calls, addresses, as_of, settings))
    if meetings is not None:
        channels.append(meeting_interactions(meetings, addresses, as_of, settings))
    stamped = [channels[0][0]] + [
        touches.withColumn("ingest_date", F.lit(as_of)) for touches, _ in channels[1:]
    ]
    interactions = reduce(DataFrame.unionByName, stamped)
    outcomes = reduce(DataFrame.unionByName, [judged.select(*OUTCOME_COLUMNS) for _, judged in channels])
    return interactions, outcomes
