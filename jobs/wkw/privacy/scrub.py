"""Privacy in Spark: which colleagues are withheld, and how a withheld person is removed from a Delta table.

Removal follows one schema convention, so that no table can be forgotten: a column holding an address is
named `email`, `*_email` (one address), `aliases` or `*_emails` (arrays), `display_names` (a map keyed by
address), `attendees` or `*_contacts` (structs with an `email`). A row whose single-address column or
`aliases` names a withheld person is deleted (but a meeting's organizer is redacted, the meeting stays for
its other participants); inside arrays, maps and attendee lists the person is replaced by a
`redacted:<hash prefix>` token (a kept mail keeps its audience size, nobody can read who it was), and the
display name beside them is dropped; from a `*_contacts` list (the account view's named people) their
entry is dropped whole. Predicates name hashes only, so the Delta log never holds an address.

    from wkw.privacy.scrub import withheld_rule, scrub_table
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.privacy.policy import REDACTED_PREFIX

TOKEN_HASH_CHARS = 16
# Single-address columns that are redacted rather than deleted (the record stays for the other people in
# it), with the display-name column beside them.
TOKENISED = {"organizer_email": "organizer_name"}
# Arrays of people named in a row about someone else (the account view's `named_contacts`): a withheld
# person's entry is dropped, name and all; the row stays for the colleague it is about.
NAMED_PEOPLE_SUFFIX = "_contacts"


def _hash_list(hashes: list[str]) -> str:
    return ", ".join(f"'{h}'" for h in sorted(hashes))


def _is_withheld_sql(expression: str, hashes: str) -> str:
    return f"sha2(lower(trim({expression})), 256) IN ({hashes})"


def _token_sql(expression: str) -> str:
    return f"concat('{REDACTED_PREFIX}', substr(sha2(lower(trim({expression})), 256), 1, {TOKEN_HASH_CHARS}))"


def removal_plan(schema: T.StructType, hashes: list[str]) -> tuple[str | None, str | None, dict[str, str]]:
    """(delete condition, update condition, column -> new value) in SQL for one table's schema."""
    listed = _hash_list(hashes)
    deletes, touched, updates = [], [], {}
    for field in schema.fields:
        name, kind = field.name, field.dataType
        if isinstance(kind, T.StringType) and name in TOKENISED:
            withheld = _is_withheld_sql(f"`{name}`", listed)
            touched.append(withheld)
            updates[name] = f"CASE WHEN {withheld} THEN {_token_sql(f'`{name}`')} ELSE `{name}` END"
            beside = TOKENISED[name]
            if beside in schema.names:
                updates[beside] = f"CASE WHEN {withheld} THEN CAST(NULL AS STRING) ELSE `{beside}` END"
        elif isinstance(kind, T.StringType) and (name == "email" or name.endswith("_email")):
            deletes.append(_is_withheld_sql(f"`{name}`", listed))
        elif isinstance(kind, T.ArrayType) and isinstance(kind.elementType, T.StringType):
            if name == "aliases":
                deletes.append(f"exists(`{name}`, a -> {_is_withheld_sql('a', listed)})")
            elif name.endswith("_emails"):
                touched.append(f"exists(`{name}`, a -> {_is_withheld_sql('a', listed)})")
                updates[name] = (
                    f"transform(`{name}`, a -> CASE WHEN {_is_withheld_sql('a', listed)} "
                    f"THEN {_token_sql('a')} ELSE a END)"
                )
        elif isinstance(kind, T.MapType) and name == "display_names":
            touched.append(f"exists(map_keys(`{name}`), k -> {_is_withheld_sql('k', listed)})")
            updates[name] = f"map_filter(`{name}`, (k, v) -> NOT {_is_withheld_sql('k', listed)})"
        elif isinstance(kind, T.ArrayType) and isinstance(kind.elementType, T.StructType):
            inner = kind.elementType
            if name == "attendees" and "email" in inner.names:
                touched.append(f"exists(`{name}`, p -> {_is_withheld_sql('p.email', listed)})")
                updates[name] = f"transform(`{name}`, p -> named_struct({_attendee_fields(inner, listed)}))"
            elif name.endswith(NAMED_PEOPLE_SUFFIX) and "email" in inner.names:
                touched.append(f"exists(`{name}`, p -> {_is_withheld_sql('p.email', listed)})")
                updates[name] = f"filter(`{name}`, p -> NOT {_is_withheld_sql('p.email', listed)})"
    delete = " OR ".join(deletes) or None
    update = " OR ".join(touched) or None
    return delete, update, updates


def _attendee_fields(inner: T.StructType, listed: str) -> str:
    """named_struct arguments for one attendee: a withheld one becomes a token without a name."""
    withheld = _is_withheld_sql("p.email", listed)
    arguments = []
    for field in inner.fields:
        value = f"p.`{field.name}`"
        if field.name == "email":
            value = f"CASE WHEN {withheld} THEN {_token_sql('p.email')} ELSE p.email END"
        elif field.name == "name":
            value = f"CASE WHEN {withheld} THEN CAST(NULL AS STRING) ELSE p.name END"
        arguments.append(f"'{field.name}', {value}")
    return ", ".join(arguments)


def scrub_table(spark: SparkSession, path: str, hashes: list[str], ingest_date: date | None = None) -> dict:
    """Remove every withheld person from one Delta table (only its `ingest_date` slice, when given).

    Returns the rows deleted and redacted, and for tables with an `ingest_date` the rows deleted per
    ingest date (the reconciliation counts them as filtered "withheld"). A table where nobody matches is
    left without a commit.
    """
    from delta.tables import DeltaTable

    result = {"deleted": 0, "updated": 0, "deleted_by_ingest_date": {}}
    table = DeltaTable.forPath(spark, path)
    frame = table.toDF()
    if not hashes or (ingest_date is not None and "ingest_date" not in frame.columns):
        return result
    delete, update, updates = removal_plan(frame.schema, hashes)
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
