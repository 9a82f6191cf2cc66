"""Calibration of the model on the company's own history (docs/strength.md, "Calibration").

As of a date D, only what happened before D is read: the raw mail judge and the interactions are cut at D
first. Rolling origin, two windows of `horizon_days` each:

- fit: rank as of F = D - 2h, judged by the raw mail of [F, F + h); a bounded coordinate search over the
  named terms of `[calibration] search` (each parameter in turn, every listed value, the best kept; a tie
  keeps the earlier value), starting from the current parameters;
- validate: rank as of V = D - h, judged by the raw mail of [V, D).

The candidate is adopted only if, on the validation window, its NDCG@5 beats both the current parameters'
and the count rule's, and its MRR is not below the count rule's. A company with fewer than
`min_contacts` evaluated contacts in either window keeps its parameters, and the calibration says so.
The formula never changes: only its published parameters do, so every score keeps its receipts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.config_sections import Calibration as CalibrationConf
from wkw.tools.backtest import COUNT, MODEL, RECENCY, evaluate_judged, judgement

ADOPTED, KEPT, TOO_LITTLE = "adopted", "kept: no better on validation", "kept: too little history"


@dataclass(frozen=True)
class Calibration:
    """One calibration as of `as_of`: the model to use from then on (`model`) and why."""

    as_of: date
    model: dict
    adopted: bool
    reason: str
    candidate: dict
    fit: dict = field(default_factory=dict)  # the candidate's fit-window metrics and the trials
    validation: dict = field(default_factory=dict)  # current, candidate, count, recency

    @property
    def calibration_id(self) -> str:
        numbers = {k: float(v) for k, v in self.candidate.items() if k != "version"}
        digest = hashlib.sha256(json.dumps(numbers, sort_keys=True).encode()).hexdigest()[:8]
        return f"cal-{self.as_of.isoformat()}-{digest}"

    def summary(self) -> dict:
        return {
            "calibration_id": self.calibration_id,
            "adopted": self.adopted,
            "reason": self.reason,
            "parameters": {k: self.candidate[k] for k in sorted(self.candidate) if k != "version"},
            "validation": self.validation,
        }


def before(raw: DataFrame, interactions: DataFrame, as_of: date) -> tuple[DataFrame, DataFrame]:
    """The raw touches and interactions that happened before `as_of`: all a calibration as of that date
    may read. (What had landed by then is the caller's cut: the calibrate stage reads bronze and silver
    as of its night; a replay of history, as the Enron bench, counts everything as landed on time.)"""
    cut = F.lit(as_of).cast("timestamp")
    return raw.where(F.col("event_at") < cut), interactions.where(F.col("event_at") < cut)


def _ndcg(result: dict, method: str = MODEL) -> float:
    return result[method]["ndcg_at_5"]


def _search(
    judged: DataFrame, interactions: DataFrame, fit_as_of: date, model: dict, bands: dict, search: dict
):
    """Coordinate search from `model` over `search` (parameter -> values): best model, result, trials."""
    best = dict(model)
    best_result = evaluate_judged(judged, interactions, fit_as_of, best, bands)
    trials = [{"parameters": {}, "ndcg_at_5": _ndcg(best_result)}]
    for name, values in search.items():
        for value in values:
            if float(value) == float(best[name]):
                continue
            trial = best | {name: float(value)}
            result = evaluate_judged(judged, interactions, fit_as_of, trial, bands, baselines=False)
            trials.append({"parameters": {name: float(value)}, "ndcg_at_5": _ndcg(result)})
            if _ndcg(result) > _ndcg(best_result):
                best, best_result = trial, best_result | result
    return best, best_result, trials


def calibrate(
    raw: DataFrame, interactions: DataFrame, as_of: date, model: dict, bands: dict, conf: CalibrationConf
) -> Calibration:
    """The calibration as of `as_of` from the raw touches (`wkw.tools.backtest.raw_touches`) and silver
    interactions, neither read past `as_of`."""
    raw, interactions = before(raw, interactions, as_of)
    interactions = interactions.cache()
    horizon = conf.horizon_days
    fit_as_of, validation_as_of = as_of - timedelta(days=2 * horizon), as_of - timedelta(days=horizon)
    fit_judged = judgement(raw, fit_as_of, horizon).cache()
    validation_judged = judgement(raw, validation_as_of, horizon).cache()
    contacts = (
        fit_judged.select("contact_email").distinct().count(),
        validation_judged.select("contact_email").distinct().count(),
    )
    try:
        if min(contacts) < conf.min_contacts:
            reason = (
                f"{TOO_LITTLE}: {contacts[0]} and {contacts[1]} contacts (fit, validation), "
                f"{conf.min_contacts} needed"
            )
            return Calibration(
                as_of,
                dict(model),
                False,
                reason,
                dict(model),
                {"contacts": contacts[0]},
                {"contacts": contacts[1]},
            )
        candidate, fit_result, trials = _search(
            fit_judged, interactions, fit_as_of, model, bands, conf.search
        )
        current = evaluate_judged(validation_judged, interactions, validation_as_of, model, bands)
        chosen = evaluate_judged(
            validation_judged, interactions, validation_as_of, candidate, bands, baselines=False
        )
        validation = {
            "contacts": contacts[1],
            "current": current[MODEL],
            "candidate": chosen[MODEL],
            COUNT: current[COUNT],
            RECENCY: current[RECENCY],
        }
        wins = (
            candidate != model
            and _ndcg(chosen) > _ndcg(current)
            and _ndcg(chosen) > _ndcg(current, COUNT)
            and chosen[MODEL]["mrr"] >= current[COUNT]["mrr"]
        )
        fit = {
            "contacts": contacts[0],
            "candidate": fit_result[MODEL],
            COUNT: fit_result[COUNT],
            "trials": trials,
        }
        return Calibration(
            as_of,
            candidate if wins else dict(model),
            wins,
            ADOPTED if wins else KEPT,
            candidate,
            fit,
            validation,
        )
    finally:
        for frame in (interactions, fit_judged, validation_judged):
            frame.unpersist()
