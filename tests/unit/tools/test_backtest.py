"""The backtest judged against the raw mail, on hand-made bronze: a correspondent the project's filters drop
is a loss for the model, the count and recency rules come from the raw mail, relevance any vs sent."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from support.mail_rows import ANN, CAROL, MAIL_SCHEMA, OPTED, directory, mail
from support.model_params import BANDS, MODEL
from wkw.channels.build import build
from wkw.privacy.rules import colleagues_on
from wkw.tools.backtest import evaluate, raw_touches

T = date(2026, 10, 1)
LEAD, SOLO = "lead@fabrikam.com", "solo@adatum.com"
CROWD = [f"p{n}@crowd.org" for n in range(29)]  # with the lead: 30 recipients
CAP = 25  # a company that drops mail to more than 25 people (the default was 25 until 2026-12-07)


def at(month, day):
    return datetime(2026, month, day, 9)


def rows():
    mails = [
        # Carol exchanges three mails with the lead, each to 30 people: a project capped at 25 drops them
        # as a broadcast, the judge (mail to at most 50) keeps them.
        mail(f"c{n}", f"kc{n}", CAROL, [LEAD, *CROWD], at=at(6, 1 + n))
        for n in range(3)
    ]
    mails += [mail("a1", "ka1", ANN, [LEAD], at=at(9, 1))]  # Ann: one direct mail, more recent
    mails += [mail("a1copy", "ka1", ANN, [LEAD], at=at(9, 1))]  # a copy of it in another mailbox
    mails += [mail("o1", "ko1", OPTED, [LEAD], at=at(9, 2))]  # an opted-out colleague: nobody's introducer
    mails += [mail("s1", "ks1", ANN, [SOLO], at=at(9, 3)), mail("s2", "ks2", SOLO, [ANN], at=at(10, 3))]
    # After T: Carol writes to the lead, the lead writes to Ann.
    mails += [mail("c9", "kc9", CAROL, [LEAD], at=at(10, 10)), mail("l9", "kl9", LEAD, [ANN], at=at(10, 12))]
    return mails


@pytest.fixture(scope="module")
def judged_inputs(spark, make_settings, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("backtest")).with_conf(
        "filters", max_mail_recipients=CAP
    )
    bronze = spark.createDataFrame(rows(), MAIL_SCHEMA)
    colleagues = colleagues_on(directory(spark), date(2026, 11, 26), settings.privacy)
    silver, _ = build(bronze, colleagues, date(2026, 11, 26), settings)
    return raw_touches(bronze, colleagues, settings).cache(), silver.cache()


def test_a_correspondent_the_filters_drop_is_a_loss_for_the_model(judged_inputs):
    raw, silver = judged_inputs
    result = evaluate(raw, silver, T, 30, MODEL, BANDS, relevance="sent")
    # One contact (the lead: known by Ann and Carol; Olga is withheld; solo is known by Ann only).
    assert (result["contacts"], result["pairs"]) == (1, 2)
    # Count rule (raw mail): Carol 3, Ann 1 (two copies of one mail are one) -> Carol, who writes next.
    assert result["count"] == {"ndcg_at_5": 1.0, "hit_at_1": 1.0, "mrr": 1.0, "missing_pairs": 0.0}
    # Recency: Ann (September) before Carol (June): the relevant one second.
    assert result["recency"]["ndcg_at_5"] == round(1 / math.log2(3), 4)
    assert (result["recency"]["hit_at_1"], result["recency"]["mrr"]) == (0.0, 0.5)
    # The model never saw Carol's broadcasts: its list holds Ann only, half the pairs are missing.
    assert result["model"] == {"ndcg_at_5": 0.0, "hit_at_1": 0.0, "mrr": 0.0, "missing_pairs": 0.5}


def test_relevance_any_counts_the_contact_writing_to_the_colleague(judged_inputs):
    raw, silver = judged_inputs
    result = evaluate(raw, silver, T, 30, MODEL, BANDS, relevance="any")
    # Both are relevant now (Carol writes, the lead writes to Ann): ideal DCG = 1 + 1/log2(3).
    ideal = 1 + 1 / math.log2(3)
    assert result["count"]["ndcg_at_5"] == 1.0
    assert result["model"]["ndcg_at_5"] == round(1 / ideal, 4)  # Ann first, Carol not listed
    assert result["model"]["hit_at_1"] == 1.0


def test_the_horizon_bounds_what_is_relevant(judged_inputs):
    raw, silver = judged_inputs
    assert evaluate(raw, silver, T, 5, MODEL, BANDS)["contacts"] == 0  # nothing within 5 days of T


def test_relevance_is_any_or_sent(judged_inputs):
    raw, silver = judged_inputs
    with pytest.raises(ValueError, match="relevance must be one of any, sent"):
        evaluate(raw, silver, T, 30, MODEL, BANDS, relevance="received")
