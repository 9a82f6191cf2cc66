"""Privacy in Spark: how a withheld person is removed from a Delta table.

Removal follows one schema convention, so that no table can be forgotten: a column holding an address is
named `email`, `*_email` (one address), `aliases` or `*_emails` (arrays), `display_names` (a map keyed by
address), `attendees` or `*_contacts` (structs with an `email`). A row whose single-address column or
`aliases` names a withheld person is deleted (but a meeting's organizer is redacted, the meeting stays
for its other participants); inside arrays, maps and attendee lists the person is replaced by their random
`redacted:<token>` (wkw.privacy.tokens: a kept mail keeps its audience size, nobody can read who it was),
and the display name beside them is dropped; from a `*_contacts` list (the account view's named people)
their entry is dropped whole. Every other string column is free text: an address of a
withheld person found in it (a quarantine `detail`, a file name) is replaced by their token. A mailbox or
calendar a withheld person owns (wkw.privacy.owners) loses its name: `mailbox` becomes their token, and so
does that name inside `source_file`. Predicates name hashes and tokens only, so the Delta log never holds
an address or a mailbox name.

    from wkw.privacy.scrub import scrub_table
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.privacy.tokens import Redaction

# Single-address columns that are redacted rather than deleted (the record stays for the other people in
# it), with the display-name column beside them.
TOKENISED = {"organizer_email": "organizer_name"}
MAILBOX, SOURCE_FILE = "mailbox", "source_file"
# An e-mail-like token in free text (no quote: the pattern sits in a SQL string literal).
EMAIL_LIKE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+"
# The mailbox a file belongs to: the folder after `maildir/`, else the file's name without its suffix.
MAILDIR_FOLDER = r"(?i)/maildir/([^/]+)/"
FILE_STEM = r"([^/]+?)(\\.[^./]*)?$"
# Arrays of people named in a row about someone else (the account view's `named_contacts`): a withheld
# person's entry is dropped, name and all; the row stays for the colleague it is about.
NAMED_PEOPLE_SUFFIX = "_contacts"


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def _map_sql(mapping: dict[str, str]) -> str:
    return "map(" + ", ".join(f"'{k}', '{v}'" for k, v in sorted(mapping.items())) + ")"


def _hash_sql(expression: str) -> str:
    return f"sha2(lower(trim({expression})), 256)"


def owner_key_sql(has_mailbox: bool) -> str:
    """SQL: the name of the mailbox or calendar a row comes from (`mailbox`, else from `source_file`)."""
    from_path = (
        f"coalesce(nullif(regexp_extract(`{SOURCE_FILE}`, '{MAILDIR_FOLDER}', 1), ''), "
        f"regexp_extract(`{SOURCE_FILE}`, '{FILE_STEM}', 1))"
    )
    return f"coalesce(nullif(`{MAILBOX}`, ''), {from_path})" if has_mailbox else from_path


class _Sql:
    """The SQL pieces of one `Redaction`."""

    def __init__(self, redaction: Redaction) -> None:
        self.redaction = redaction
        self.listed = _quoted(redaction.tokens)
        self.tokens = _map_sql(redaction.tokens)

    def withheld(self, expression: str) -> str:
        return f"{_hash_sql(expression)} IN ({self.listed})"

    def token(self, expression: str) -> str:
        return f"element_at({self.tokens}, {_hash_sql(expression)})"

    def matches(self, expression: str) -> str:
        """The value is a withheld address, or a token of the first form to re-write."""
        legacy = self.redaction.legacy
        extra = f" OR {expression} IN ({_quoted(legacy)})" if legacy else ""
        return f"({self.withheld(expression)}{extra})"

    def redacted(self, expression: str) -> str:
        legacy = self.redaction.legacy
        extra = f"WHEN {expression} IN ({_quoted(legacy)}) THEN element_at({_map_sql(legacy)}, {expression}) "
        return (
            f"CASE WHEN {self.withheld(expression)} THEN {self.token(expression)} "
            f"{extra if legacy else ''}ELSE {expression} END"
        )

    def free_text(self, column: str, value: str) -> tuple[str, str]:
        """(condition, new value): every withheld address found in `column` replaced by the token."""
        found = f"regexp_extract_all(coalesce({column}, ''), '{EMAIL_LIKE}', 0)"
        touched = f"exists({found}, m -> {self.withheld('m')})"
        withheld = f"filter({found}, m -> {self.withheld('m')})"
        replaced = f"aggregate({withheld}, {value}, (t, m) -> replace(t, m, {self.token('m')}))"
        return touched, replaced

    def owner(self, has_mailbox: bool) -> tuple[str, str, str]:
        """(condition, owner's token, owner's name) of a row from a withheld person's mailbox."""
        key = owner_key_sql(has_mailbox)
        owned = f"{_hash_sql(key)} IN ({_quoted(self.redaction.owners)})"
        return owned, f"element_at({_map_sql(self.redaction.owners)}, {_hash_sql(key)})", key


def removal_plan(schema: T.StructType, redaction: Redaction) -> tuple[str | None, str | None, dict[str, str]]:
    """(delete condition, update condition, column -> new value) in SQL for one table's schema."""
    sql = _Sql(redaction)
    deletes, touched, updates = [], [], {}
    for field in schema.fields:
        name, kind = field.name, field.dataType
        if isinstance(kind, T.StringType) and name in TOKENISED:
            touched.append(sql.matches(f"`{name}`"))
            updates[name] = sql.redacted(f"`{name}`")
            beside = TOKENISED[name]
            if beside in schema.names:
                updates[beside] = (
                    f"CASE WHEN {sql.matches(f'`{name}`')} THEN CAST(NULL AS STRING) ELSE `{beside}` END"
                )
        elif isinstance(kind, T.StringType) and (name == "email" or name.endswith("_email")):
            deletes.append(sql.withheld(f"`{name}`"))
        elif isinstance(kind, T.ArrayType) and isinstance(kind.elementType, T.StringType):
            if name == "aliases":
                deletes.append(f"exists(`{name}`, a -> {sql.withheld('a')})")
            elif name.endswith("_emails"):
                touched.append(f"exists(`{name}`, a -> {sql.matches('a')})")
                updates[name] = f"transform(`{name}`, a -> {sql.redacted('a')})"
        elif isinstance(kind, T.MapType) and name == "display_names":
            touched.append(f"exists(map_keys(`{name}`), k -> {sql.withheld('k')})")
            updates[name] = f"map_filter(`{name}`, (k, v) -> NOT {sql.withheld('k')})"
        elif isinstance(kind, T.ArrayType) and isinstance(kind.elementType, T.StructType):
            inner = kind.elementType
            if name == "attendees" and "email" in inner.names:
                touched.append(f"exists(`{name}`, p -> {sql.matches('p.email')})")
                updates[name] = f"transform(`{name}`, p -> named_struct({_attendee_fields(inner, sql)}))"
            elif name.endswith(NAMED_PEOPLE_SUFFIX) and "email" in inner.names:
                touched.append(f"exists(`{name}`, p -> {sql.matches('p.email')})")
                updates[name] = f"filter(`{name}`, p -> NOT {sql.matches('p.email')})"
    touched += _text_plan(schema, sql, updates)
    delete = " OR ".join(deletes) or None
    update = " OR ".join(touched) or None
    return delete, update, updates


def _text_plan(schema: T.StructType, sql: _Sql, updates: dict[str, str]) -> list[str]:
    """Free-text string columns (and a withheld owner's mailbox name): conditions; fills `updates`."""
    touched = []
    has_mailbox = isinstance(schema[MAILBOX].dataType, T.StringType) if MAILBOX in schema.names else False
    owned = None
    if sql.redaction.owners and SOURCE_FILE in schema.names:
        owned, token, key = sql.owner(has_mailbox)
        touched.append(owned)
    taken = set(updates) | set(TOKENISED.values())
    for field in schema.fields:
        name = field.name
        if not isinstance(field.dataType, T.StringType) or name in taken or name == "email":
            continue
        if name.endswith("_email"):
            continue
        value = f"`{name}`"
        if owned and name == MAILBOX:
            value = f"CASE WHEN {owned} THEN {token} ELSE `{name}` END"
        elif owned and name == SOURCE_FILE:
            value = f"CASE WHEN {owned} THEN replace(`{name}`, {key}, {token}) ELSE `{name}` END"
        condition, updates[name] = sql.free_text(f"`{name}`", value)
        touched.append(condition)
    return touched


def _attendee_fields(inner: T.StructType, sql: _Sql) -> str:
    """named_struct arguments for one attendee: a withheld one becomes a token without a name."""
    arguments = []
    for field in inner.fields:
        value = f"p.`{field.name}`"
        if field.name == "email":
            value = sql.redacted("p.email")
        elif field.name == "name":
            value = f"CASE WHEN {sql.matches('p.email')} THEN CAST(NULL AS STRING) ELSE p.name END"
        arguments.append(f"'{field.name}', {value}")
    return ", ".join(arguments)


def scrub_table(
    spark: SparkSession, path: str, redaction: Redaction, ingest_date: date | None = None
) -> dict:
    """Remove every withheld person from one Delta table (only its `ingest_date` slice, when given).

    Returns the rows deleted and redacted, and for tables with an `ingest_date` the rows deleted per
    ingest date (the reconciliation counts them as filtered "withheld"). A table where nobody matches is
    left without a commit.
    """
    from delta.tables import DeltaTable

    result = {"deleted": 0, "updated": 0, "deleted_by_ingest_date": {}}
    table = DeltaTable.forPath(spark, path)
    frame = table.toDF()
    if not redaction.tokens or (ingest_date is not None and "ingest_date" not in frame.columns):
        return result
    delete, update, updates = removal_plan(frame.schema, redaction)
    if ingest_date is not None:
        day = f"ingest_date = DATE'{ingest_date.isoformat()}'"
        delete = delete and f"({delete}) AND {day}"
        update = update and f"({update}) AND {day}"
    anything = " OR ".join(f"({c})" for c in (delete, update) if c)
    if not anything or frame.where(F.expr(anything)).isEmpty():
        return result
    if delete:
        if "ingest_date" in frame.columns:
            doomed = frame.where(F.expr(delete)).groupBy("ingest_date").count().collect()
            result["deleted_by_ingest_date"] = {row.ingest_date: row["count"] for row in doomed}
        if result["deleted_by_ingest_date"] or "ingest_date" not in frame.columns:
            table.delete(delete)
            result["deleted"] = _last_metric(table, "numDeletedRows")
    if update:
        table.update(update, {column: F.expr(value) for column, value in updates.items()})
        result["updated"] = _last_metric(table, "numUpdatedRows")
    return result


def _last_metric(table, name: str) -> int:
    metrics = table.history(1).first()["operationMetrics"] or {}
    return int(metrics.get(name, 0))
