"""Place the VEVENTs of one iCalendar in time: their occurrences in the analysed window, or why not.

Part of the iCalendar parser (`wkw.parsing.calendar`), pure Python. `expand` checks each VEVENT before
`recurring-ical-events` sees it (a start, an end not before it, readable recurrence properties, a rule
that recurs at most daily, a series that does not start centuries ago), then expands each series (one
UID) whole so that an override (RECURRENCE-ID) takes its occurrence from the master. Occurrences are
given in UTC with their length in minutes: a DATE starts at 00:00 UTC and lasts 1440 minutes per day, a
floating time is read as UTC, a zoned time is converted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import recurring_ical_events
from icalendar import Calendar, Component

from wkw.parsing.details import error_name
from wkw.vocabulary import BAD_END, BAD_RECURRENCE, BAD_START, MISSING_START, PARSE_ERROR

RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
# A meeting recurs at most daily: finer rules are absurd here and would cost millions of occurrences.
MEETING_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
SUB_DAILY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
MIN_SERIES_YEAR = 1900  # expanding a rule walks from its DTSTART: a series cannot start centuries ago
MAX_OCCURRENCES = 1000  # per VEVENT in the window; a daily series over a year has about 370
MINUTES_PER_DAY = 1440
POSITION_TAG = "X-WKW-POSITION"  # set in memory on each VEVENT so its occurrences can be traced back


def expand(
    calendar: Calendar, events: list[tuple[int, Component]], window_start: datetime, window_end: datetime
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, tuple[str, str]]]:
    """Occurrences per position, and (reason, detail) per position that cannot be expanded.

    A series (one UID) is expanded whole, so that an override takes its occurrence from the master. When
    the library refuses a series, each of its VEVENTs is tried alone, so one bad rule spoils only itself.
    Each VEVENT must carry its position in POSITION_TAG.
    """
    timezones = [component for component in calendar.subcomponents if component.name == "VTIMEZONE"]
    series: dict[tuple[str | None, int], list[tuple[int, Component]]] = {}
    failed: dict[int, tuple[str, str]] = {}
    masters: set[str | None] = set()
    for position, event in events:
        problem = _expansion_problem(event)
        if problem is not None:
            failed[position] = problem
            continue
        uid = property_text(event.get("UID"))
        # The library keeps one master per UID: a UID-less VEVENT, or a second master (not an override)
        # under a UID already seen, is a series of its own rather than silently dropped.
        is_master = event.get("RECURRENCE-ID") is None
        alone = uid is None or (is_master and uid in masters)
        if is_master:
            masters.add(uid)
        series.setdefault((uid, position if alone else 0), []).append((position, event))
    found: dict[int, list[dict[str, Any]]] = {}
    for members in series.values():
        try:
            found.update(_occurrences(timezones, members, window_start, window_end))
        except Exception:  # retried one VEVENT at a time below
            for position, event in members:
                try:
                    found.update(_occurrences(timezones, [(position, event)], window_start, window_end))
                except Exception as exc:
                    reason = BAD_RECURRENCE if is_recurring(event) else PARSE_ERROR
                    failed[position] = (reason, error_name(exc))
    return found, failed


def _expansion_problem(event: Component) -> tuple[str, str] | None:
    """Why the VEVENT cannot be placed in time, checked before the library sees it, or None."""
    problem = start_problem(event)
    if problem is not None:
        return problem
    start = event.start
    try:
        if to_utc(event.end) < to_utc(start):
            return BAD_END, "DTEND before DTSTART"
    except Exception as exc:
        return BAD_END, f"unusable DTEND or DURATION: {error_name(exc)}"
    broken = sorted({name for name, _ in getattr(event, "errors", []) if name in RECURRENCE_PROPERTIES})
    if broken:
        return BAD_RECURRENCE, f"unparsable {', '.join(broken)}"
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        frequency = ",".join(rule.get("FREQ", []))
        if frequency.upper() not in MEETING_FREQUENCIES:
            return BAD_RECURRENCE, f"RRULE FREQ={frequency}: meetings recur at most daily"
        if any(len(rule.get(part, [])) > 1 for part in SUB_DAILY_PARTS):
            return BAD_RECURRENCE, "RRULE repeats within a day"
    if is_recurring(event) and start.year < MIN_SERIES_YEAR:
        return BAD_RECURRENCE, f"series starts in {start.year}"
    return None


def start_problem(event: Component) -> tuple[str, str | None] | None:
    """(reason, detail) when the VEVENT has no usable start: DTSTART absent, unreadable, or at odds with
    its DTEND or DURATION (the library reads the three together); None when `event.start` works."""
    value = event.get("DTSTART")
    if value is None:
        return MISSING_START, None
    if isinstance(value, list):
        return BAD_START, "DTSTART given more than once"
    try:
        value.dt  # noqa: B018 - a broken value raises here
    except Exception as exc:
        return BAD_START, error_name(exc)
    try:
        event.start  # noqa: B018
    except Exception as exc:
        return BAD_END, error_name(exc)
    return None


def align_date_types(event: Component) -> None:
    """A DATE at one end and a DATE-TIME at the other (RFC 5545 wants one type; exporters mix them): the
    DATE is read as midnight of its day in the other end's zone, so the event is placed rather than lost."""
    start, end = _value(event.get("DTSTART")), _value(event.get("DTEND"))
    if not (isinstance(start, date) and isinstance(end, date)):
        return
    if isinstance(start, datetime) == isinstance(end, datetime):
        return
    if isinstance(start, datetime):
        event.pop("DTEND")
        event.add("DTEND", datetime.combine(end, time(), tzinfo=start.tzinfo))
    else:
        event.pop("DTSTART")
        event.add("DTSTART", datetime.combine(start, time(), tzinfo=end.tzinfo))


def _value(prop: Any) -> Any:
    """A property's value, or None when absent, given twice or broken (reading a broken one raises)."""
    try:
        return getattr(prop, "dt", None)
    except Exception:
        return None


def _occurrences(
    timezones: list[Component], members: list[tuple[int, Component]], window_start, window_end
) -> dict[int, list[dict[str, Any]]]:
    subset = Calendar()
    subset.subcomponents = [*timezones, *(event for _, event in members)]
    found: dict[int, list[dict[str, Any]]] = {position: [] for position, _ in members}
    for occurrence in recurring_ical_events.of(subset).between(window_start, window_end):
        start = to_utc(occurrence.start)
        if window_start <= start < window_end:
            found[int(occurrence[POSITION_TAG])].append({"start": start, "minutes": _minutes(occurrence)})
    return {position: sorted(items, key=lambda item: item["start"]) for position, items in found.items()}


def _minutes(occurrence: Component) -> int:
    start, end = occurrence.start, occurrence.end
    if not isinstance(start, datetime):
        return MINUTES_PER_DAY * (end - start).days
    return int((to_utc(end) - to_utc(start)).total_seconds() // 60)


def to_utc(value: date) -> datetime:
    """UTC-aware: a DATE at 00:00 UTC, a floating time as UTC, a zoned time converted."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_recurring(event: Component) -> bool:
    return any(event.get(name) is not None for name in RECURRENCE_PROPERTIES)


def property_text(value: Any) -> str | None:
    """A property's text, stripped, or None when absent, empty or given more than once."""
    text = str(value).strip() if value is not None and not isinstance(value, list) else ""
    return text or None
