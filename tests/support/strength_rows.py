"""Scored pairs (the strength stage's output) for the ranking and privacy tests."""

from __future__ import annotations

from datetime import date, datetime

AS_OF = date(2026, 11, 26)  # the logical date of the unit tests' rows


LEAD = "lead@fabrikam.com"


STRENGTH_SCHEMA = (
    "colleague_email string, contact_email string, score double, strength double, band string, "
    "mails_sent long, mails_received long, meetings long, calls long, active_days long, "
    "first_interaction_at timestamp, last_interaction_at timestamp, last_interaction_channel string, "
    "two_way boolean, as_of_date date, model_version string, strength_90d_ago double, band_90d_ago string, "
    "trend string, last_interaction date, dormant boolean"
)


def pair(colleague, strength, last=datetime(2026, 11, 1, 9), contact=LEAD):
    score = strength * 10
    band = "strong" if strength >= 0.6 else "moderate" if strength >= 0.3 else "weak"
    past = (strength, band, "steady", last.date(), False)  # the same strength 90 days ago
    return (
        colleague,
        contact,
        score,
        strength,
        band,
        1,
        1,
        0,
        0,
        1,
        last,
        last,
        "mail",
        True,
        AS_OF,
        "m1",
        *past,
    )
