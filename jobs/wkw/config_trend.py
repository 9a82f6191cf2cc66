"""`[trend]` of conf/wkw.toml: when a tie is rising, steady or fading, and when it is dormant
(docs/fading.md).

A section module of its own beside wkw.config_sections; wkw.config loads it like the others. The trend
compares a pair's strength tonight with its strength 90 days before (the same formula, wkw.scoring.trend):
up by at least `rising_from` is rising, down by at least `fading_from` is fading, anything between is
steady. A tie is dormant when it was strong 90 days ago and nobody touched it for `quiet_days` days.
"""

from __future__ import annotations

from dataclasses import dataclass

from wkw.config_sections import ConfigError, _set, _whole, positive_number

STRENGTH_SPAN = 1.0  # strength lies in [0, 1): a change of a whole point is no threshold
MAX_QUIET_DAYS = 365


@dataclass(frozen=True)
class Trend:
    rising_from: float
    fading_from: float
    quiet_days: int

    def __post_init__(self) -> None:
        rising = positive_number("trend", "rising_from", self.rising_from)
        fading = positive_number("trend", "fading_from", self.fading_from)
        if max(rising, fading) >= STRENGTH_SPAN:
            raise ConfigError("[trend] rising_from and fading_from are changes of strength: below 1")
        quiet = _whole("trend", "quiet_days", self.quiet_days, 1, MAX_QUIET_DAYS)
        _set(self, rising_from=rising, fading_from=fading, quiet_days=quiet)
