"""`[extract]` of conf/wkw.toml: the most bytes a landing record or a landing file may hold.

A section module of its own beside wkw.config_sections; wkw.config loads it like the others. The readers
(wkw.parsing.mail_files, wkw.sources) get the two numbers as `ReadLimits`, a plain tuple that Spark ships
to its tasks: a record (a mail, a JSON line, a CSV line) over `max_record_bytes` and a file that must be
read whole (an .eml, an .ics, a directory JSON) over `max_file_bytes` are quarantined `too_large`, unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from wkw.config_sections import ConfigError, _whole

MIN_LIMIT_BYTES = 1  # tests set tiny limits; a company sets MiB and GiB


class ReadLimits(NamedTuple):
    max_record_bytes: int
    max_file_bytes: int


@dataclass(frozen=True)
class Extract:
    max_record_bytes: int
    max_file_bytes: int

    def __post_init__(self) -> None:
        record = _whole("extract", "max_record_bytes", self.max_record_bytes, MIN_LIMIT_BYTES)
        whole = _whole("extract", "max_file_bytes", self.max_file_bytes, MIN_LIMIT_BYTES)
        if whole < record:
            raise ConfigError("[extract] max_file_bytes must be at least max_record_bytes")

    @property
    def limits(self) -> ReadLimits:
        return ReadLimits(self.max_record_bytes, self.max_file_bytes)
