"""Backtest judged against the raw mail: does the ranking as of a date name the colleagues who really deal
with a contact next?

The judge is built from bronze (every parsed message, one per logical mail, before any filter of the
project: automated senders and broadcasts up to `RAW_MAX_RECIPIENTS` are kept), so a filter or a weight
that loses real correspondents shows as a loss. For each external contact known to at least two
colleagues before the as-of date (in the raw mail) and touched again within the horizon after it:

- candidates: the colleagues who exchanged mail with the contact before the date;
- relevant: the candidates who touch the contact within the horizon (`any` direction, or only `sent`);
- rankings: the model's (the published order, from silver: `wkw.scoring.strength`), the count rule (raw
  logical mails exchanged before the date) and recency (the last raw touch). A candidate the model does
  not score (its mail was filtered) is not in the model's list: a loss, counted as `missing_pairs`.

Reported per ranking: NDCG@5, hit@1 (the first named is relevant), MRR (0 for a contact whose list holds
no relevant colleague), and the share of candidate pairs missing from the list.

    wkw backtest --as-of 2001-10-01 --horizon-days 120 [--relevance any|sent] [--json]
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from wkw.channels.mail import interactions_from_edges, mail_edges
from wkw.people import colleague_addresses
from wkw.privacy.rules import is_withheld
from wkw.scoring.strength import connection_strength

K = 5
MIN_KNOWN_BY = 2
RAW_MAX_RECIPIENTS = 50  # a mail to more people is an announcement, for the judge too
RELEVANCE = ("any", "sent")
MODEL, COUNT, RECENCY = "model", "count", "recency"
METHODS = (MODEL, COUNT, RECENCY)
PAIR = ["colleague_email", "contact_email"]


def raw_touches(mail: DataFrame, colleagues: DataFrame, settings) -> DataFrame:
    """Colleague-contact touches of the raw mail (bronze `mail_messages`): the first copy of each logical
    mail, to at most RAW_MAX_RECIPIENTS people, no other filter. `colleagues` is a snapshot from
    `wkw.privacy.rules.colleagues_on`: withheld colleagues are nobody's introducers, in the judge too, and
    denied contacts (`[filters] denied_*`) nobody's lead: those are the company's choices, not losses."""
    first = Window.partitionBy("dedupe_key").orderBy("ingest_date", "source_file", "position")
    recipients = F.array_distinct(F.concat("to_emails", "cc_emails"))
    messages = (
        mail.select("*", recipients.alias("recipients"), F.row_number().over(first).alias("copy"))
        .where((F.col("copy") == 1) & (F.size("recipients") <= RAW_MAX_RECIPIENTS))
        .drop("copy")
    )
    addresses = colleague_addresses(colleagues, is_withheld())
    edges = mail_edges(messages, addresses, settings.internal_domains, settings.filters)
    return interactions_from_edges(edges).select(*PAIR, "event_at", "direction", "interaction_id")


def judgement(raw: DataFrame, as_of: date, horizon_days: int, relevance: str = "any") -> DataFrame:
    """The candidates of every evaluated contact: (colleague, contact, raw count, last touch, relevant)."""
    if relevance not in RELEVANCE:
        raise ValueError(f"relevance must be one of {', '.join(RELEVANCE)}, not {relevance!r}")
    start = F.lit(as_of).cast("timestamp")
    before = raw.where(F.col("event_at") < start)
    after = raw.where(
        (F.col("event_at") >= start)
        & (F.col("event_at") < F.lit(as_of + timedelta(days=horizon_days)).cast("timestamp"))
    )
    if relevance == "sent":
        after = after.where(F.col("direction") == "sent")
    known = before.groupBy(*PAIR).agg(
        F.countDistinct("interaction_id").alias(COUNT), F.max("event_at").alias("last_at")
    )
    known_by = Window.partitionBy("contact_email")
    next_touch = after.select(*PAIR).distinct().withColumn("relevant", F.lit(1))
    candidates = (
        known.withColumn("known_by", F.count(F.lit(1)).over(known_by))
        .where(F.col("known_by") >= MIN_KNOWN_BY)
        .join(next_touch, on=PAIR, how="left")
        .withColumn("relevant", F.coalesce("relevant", F.lit(0)))
        .withColumn("relevant_known", F.sum("relevant").over(known_by))
        .where(F.col("relevant_known") > 0)
    )
    return candidates.select(
        *PAIR, COUNT, F.col("last_at").cast("long").alias(RECENCY), "relevant", "relevant_known"
    )


def model_scores(interactions: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    """The model's key per pair as of `as_of`, in the published order (score, then last touch). The
    backtest replays history: every interaction before `as_of` counts, as landed on time; none after."""
    seen = interactions.where(F.col("event_at") < F.lit(as_of).cast("timestamp")).drop("ingest_date")
    scored = connection_strength(seen, as_of, model, bands)
    return scored.select(
        *PAIR,
        F.col("score").alias(MODEL),
        F.col("last_interaction_at").cast("long").alias("model_last"),
    )


def _ideal_dcg(relevant: str) -> F.Column:
    return F.aggregate(
        F.sequence(F.lit(1), F.least(F.col(relevant), F.lit(K)).cast("int")),
        F.lit(0.0),
        lambda acc, i: acc + 1.0 / F.log2(i + 1),
    )


def metrics(candidates: DataFrame, key: str, tie_keys: tuple[str, ...] = ()) -> dict:
    """NDCG@5, hit@1, MRR and missing pairs of the ranking by `key` (descending; null = not in the list),
    ties by `tie_keys` descending, then colleague e-mail."""
    order = [F.col(key).desc(), *[F.col(t).desc() for t in tie_keys], F.col("colleague_email").asc()]
    listed = candidates.where(F.col(key).isNotNull())
    ranked = listed.withColumn(
        "rank", F.row_number().over(Window.partitionBy("contact_email").orderBy(*order))
    )
    per_contact = ranked.groupBy("contact_email").agg(
        F.sum(F.when(F.col("rank") <= K, F.col("relevant") / F.log2(F.col("rank") + 1)).otherwise(0.0)).alias(
            "dcg"
        ),
        F.min(F.when(F.col("relevant") == 1, F.col("rank"))).alias("first_hit"),
    )
    contacts = candidates.groupBy("contact_email").agg(
        F.first("relevant_known").alias("relevant_known"),
        F.count(F.lit(1)).alias("pairs"),
        F.count_if(F.col(key).isNull()).alias("missing"),
    )
    row = (
        contacts.join(per_contact, on="contact_email", how="left")
        .agg(
            F.count(F.lit(1)).alias("contacts"),
            F.avg(F.coalesce(F.col("dcg"), F.lit(0.0)) / _ideal_dcg("relevant_known")).alias("ndcg"),
            F.avg(F.when(F.col("first_hit") == 1, 1.0).otherwise(0.0)).alias("hit1"),
            F.avg(F.coalesce(1.0 / F.col("first_hit"), F.lit(0.0))).alias("mrr"),
            F.sum("pairs").alias("pairs"),
            F.sum("missing").alias("missing"),
        )
        .first()
    )
    return {
        "ndcg_at_5": round(row.ndcg or 0.0, 4),
        "hit_at_1": round(row.hit1 or 0.0, 4),
        "mrr": round(row.mrr or 0.0, 4),
        "missing_pairs": round((row.missing or 0) / row.pairs, 4) if row.pairs else 0.0,
    }


def evaluate(
    raw: DataFrame,
    interactions: DataFrame,
    as_of: date,
    horizon_days: int,
    model: dict,
    bands: dict,
    relevance: str = "any",
) -> dict:
    """The three rankings as of `as_of`, judged by the raw mail of the horizon after it."""
    judged = judgement(raw, as_of, horizon_days, relevance).cache()
    result = evaluate_judged(judged, interactions, as_of, model, bands)
    judged.unpersist()
    return {"as_of": as_of.isoformat(), "horizon_days": horizon_days, "relevance": relevance, **result}


def evaluate_judged(
    judged: DataFrame, interactions: DataFrame, as_of: date, model: dict, bands: dict, baselines: bool = True
) -> dict:
    """`evaluate` on a judgement already computed; without `baselines`, the model's metrics only
    (calibration judges once, then ranks many models against the same count rule)."""
    with_model = judged.join(model_scores(interactions, as_of, model, bands), on=PAIR, how="left")
    result = {MODEL: metrics(with_model, MODEL, ("model_last",))}
    if baselines:
        result |= {
            "contacts": judged.select("contact_email").distinct().count(),
            "pairs": judged.count(),
            COUNT: metrics(judged, COUNT, (RECENCY,)),
            RECENCY: metrics(judged, RECENCY),
        }
    return result


def replay_inputs(spark, settings) -> tuple[DataFrame, DataFrame]:
    """(raw touches, silver interactions) of the lake of `settings`, kept, for replaying old dates: the
    colleagues are those of the newest directory snapshot (silver was built with the snapshots of its
    nights, which a replay of old dates cannot have: a directory landed today says who the colleagues are)."""
    from wkw.config import BRONZE, SILVER
    from wkw.lake import read_table
    from wkw.privacy.rules import colleagues_on

    mail = read_table(spark, settings, BRONZE, "mail_messages")
    directory = read_table(spark, settings, BRONZE, "directory")
    colleagues = colleagues_on(directory, date.max, settings.privacy)
    raw = raw_touches(mail, colleagues, settings).cache()
    return raw, read_table(spark, settings, SILVER, "interactions").cache()


def run_backtest(settings, dates: list[date], horizon_days: int, relevance: str = "any") -> list[dict]:
    """`evaluate` on the lake of `settings` for each date (`replay_inputs`), with the model of
    `conf/wkw.toml`."""
    from wkw.session import get_spark

    raw, interactions = replay_inputs(get_spark(settings, "backtest"), settings)
    results = []
    for as_of in dates:
        results.append(
            evaluate(raw, interactions, as_of, horizon_days, settings.model, settings.bands, relevance)
        )
    interactions.unpersist()
    raw.unpersist()
    return results
