"""Quarantine-share check: a warning, never a failure, when a source quarantines a much larger share of
what it read tonight than it usually does (a changed exporter, a new file format, a broken feed).

Share = quarantined / read per source and night (`silver/reconciliation`); a night warns for a source when
its share exceeds the median share of the source's previous nights (at most `[publish]
quarantine_baseline_nights` of them, nights that read something) by more than `[publish] quarantine_jump`
(a fraction: 0.1 = ten share points). A source without an earlier night has no baseline and never warns.
Pure Python over the few reconciliation rows validate reads (sources x nights), free of Spark: `wkw
status` (the read side, no JVM) computes its shares with it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import median

TABLE = "reconciliation"
CHECK = "quarantine_jump"


@dataclass(frozen=True)
class CheckWarning:
    """A finding that is recorded and logged but publishes anyway (gold/validations.warnings); shaped
    like a failure of wkw.checks.gx: table, check, detail."""

    table: str
    check: str
    detail: str


def quarantine_share(read: int | None, quarantined: int | None) -> float | None:
    """quarantined / read, or None for a night that read nothing."""
    return (quarantined or 0) / read if read else None


def quarantine_jumps(rows: Iterable[Mapping], as_of: date, jump: float, nights: int) -> list[CheckWarning]:
    """Warnings (table, check, detail) for the sources whose share on `as_of` jumped; `rows` are
    reconciliation rows (as_of_date, source, read, quarantined) of `as_of` and the nights before it."""
    shares: dict[str, dict[date, tuple[float, int, int]]] = {}
    for row in rows:
        share = quarantine_share(row["read"], row["quarantined"])
        if share is not None and row["as_of_date"] <= as_of:
            shares.setdefault(row["source"], {})[row["as_of_date"]] = (share, row["quarantined"], row["read"])
    warnings = []
    for source, by_night in sorted(shares.items()):
        if as_of not in by_night:
            continue
        share, quarantined, read = by_night[as_of]
        before = [by_night[night][0] for night in sorted(by_night, reverse=True) if night < as_of][:nights]
        if not before or share - median(before) <= jump:
            continue
        usual = median(before)
        warnings.append(
            CheckWarning(
                TABLE,
                CHECK,
                f"{source}: {share:.1%} quarantined tonight ({quarantined} of {read}) against a median of "
                f"{usual:.1%} over the previous {len(before)} nights (+{(share - usual) * 100:.1f} points "
                f"> {jump * 100:g})",
            )
        )
    return warnings
