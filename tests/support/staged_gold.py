"""The four gold tables of one night as the publication gate takes them, for a lead that six colleagues
each mailed and heard back from: what the GX tests validate and render as Data Docs."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import DataFrame, SparkSession
from wkw import schemas
from wkw.config import load_settings
from wkw.scoring.accounts import rank_accounts
from wkw.scoring.ranking import rank_introducers, top_introducers
from wkw.scoring.strength import connection_strength

from support.people import opted_out_only

AS_OF = date(2026, 11, 26)
LEAD = "lead@fabrikam.com"
COLLEAGUES = 6
TOP_N = 5


def staged_gold(spark: SparkSession) -> dict[str, DataFrame]:
    settings = load_settings()
    touches = []
    for i in range(1, COLLEAGUES + 1):
        for direction in ("sent", "received"):
            at = datetime(2026, 11, 10 + i, 9)
            touches.append(
                (at.date(), at, f"c{i}@contoso.com", LEAD, "Lee", "mail", direction, 1, f"k{i}{direction}")
            )
    interactions = spark.createDataFrame(touches, schemas.INTERACTION)
    strength = connection_strength(
        interactions, AS_OF, settings.model, settings.bands, settings.trend
    ).cache()
    empty_people = spark.createDataFrame(
        [], "email string, name string, title string, department string, active boolean, opted_out boolean"
    )
    empty_crm = spark.createDataFrame(
        [], "email string, crm_id string, crm_type string, name string, company string"
    )
    names = spark.createDataFrame([], "contact_email string, seen_name string")
    introducers = rank_introducers(strength, opted_out_only(empty_people), empty_crm, names, "pub-1").cache()
    return {
        "connection_strength": strength,
        "introducers": introducers,
        "top_introducers": top_introducers(introducers, TOP_N).cache(),
        "account_introducers": rank_accounts(introducers, settings.accounts).cache(),
    }
