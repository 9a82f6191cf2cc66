"""Landing retention: the raw exports are kept `[privacy] landing_retention_days`, and never hold a
withheld person.

Extract reads `landing/<source>/<date>/` into bronze; after that, the raw files are only needed to rerun a
night. So the privacy stage, every night:
1. deletes every landing date folder older than the retention (a rerun of such a date is then refused by
   extract, bronze unchanged: wkw.stages.extract.LandingGone);
2. deletes every kept landing file that names a person of the register: a file holds an address-like token
   whose SHA-256 (trimmed, lower-cased: wkw.privacy.policy.subject_hash) is an active subject's. Each
   deleted file is recorded in `bronze/landing_purges` (the date, the source and the SHA-256 of its path:
   a path can name a mailbox owner), and a rerun of that date keeps its scrubbed bronze instead of reading
   what is left of its landing (wkw.stages.extract).

The scan runs in Spark tasks, each file read as a stream (never whole, never on the driver): every
kept date folder when a request is new tonight, only tonight's folders otherwise (they may name someone of
an older request).
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime, timedelta

import pyarrow.fs as pafs
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, Settings
from wkw.files import delete_dir, filesystem, list_dirs, list_files
from wkw.privacy.policy import subject_hash
from wkw.vocabulary import LANDING_SOURCES

PURGES = "landing_purges"
PURGES_SCHEMA = "ingest_date date, source string, path_sha256 string, purged_at timestamp"
# An address as it appears in any export: mail headers, Graph JSON, iCalendar `mailto:`, CSV fields.
ADDRESS_TOKEN = re.compile(rb"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+'=-@")
SCAN_CHUNK_BYTES = 1 << 20
MAX_TOKEN_BYTES = 320  # longer than any address (RFC 5321: 64 + 1 + 255)
SLICES_PER_CORE = 4


def dated_folders(settings: Settings) -> list[tuple[str, date, str]]:
    """(source, date, folder) of every `landing/<source>/<YYYY-MM-DD>/` folder; other names are left alone."""
    found = []
    for source in LANDING_SOURCES:
        for folder in list_dirs(f"{settings.landing.rstrip('/')}/{source}"):
            try:
                day = date.fromisoformat(folder.rstrip("/").rsplit("/", 1)[-1])
            except ValueError:
                continue
            found.append((source, day, folder))
    return found


def _really_inside(path: str, settings: Settings) -> bool:
    """Never delete through a link: a local path must resolve inside the landing folder (a bench links
    a shared archive into landing; its files are not ours to delete)."""
    fs, inner = filesystem(path)
    if not isinstance(fs, pafs.LocalFileSystem):
        return True
    root = os.path.realpath(filesystem(settings.landing)[1])
    return os.path.realpath(inner).startswith(root + os.sep) and not os.path.islink(inner.rstrip("/"))


def expire_landing(settings: Settings, as_of: date, days: int, extracted: set[date]) -> list[str]:
    """Delete the landing date folders older than `days` before `as_of` that extract has read (a date
    in `extracted`: a backfill run out of order never loses a night it has not read); the folders
    deleted."""
    oldest = as_of - timedelta(days=days)
    expired = [
        folder
        for _, day, folder in dated_folders(settings)
        if day < oldest and day in extracted and _really_inside(folder, settings)
    ]
    for folder in expired:
        delete_dir(folder)
    return expired


def names_subject(path: str, hashes: frozenset[str]) -> bool:
    """Whether the file at `path` holds an address whose subject hash is in `hashes`: read as a stream,
    a chunk at a time; a chunk is scanned up to a byte that cannot be part of an address, the rest is read
    again with the next chunk."""
    fs, inner = filesystem(path)
    tail = b""
    with fs.open_input_stream(inner) as stream:
        while chunk := stream.read(SCAN_CHUNK_BYTES):
            data = tail + chunk
            cut = max(0, len(data) - MAX_TOKEN_BYTES)
            while cut > 0 and data[cut - 1] in TOKEN_BYTES:
                cut -= 1
            if any(_is_subject(token, hashes) for token in ADDRESS_TOKEN.findall(data, 0, cut)):
                return True
            tail = data[cut:]
    return any(_is_subject(token, hashes) for token in ADDRESS_TOKEN.findall(tail))


def _is_subject(token: bytes, hashes: frozenset[str]) -> bool:
    return subject_hash(token.decode("ascii", "replace")) in hashes


def files_naming(spark: SparkSession, files: list[str], hashes: list[str]) -> list[str]:
    """The files among `files` naming a subject of `hashes`; the files are read in Spark tasks."""
    if not files or not hashes:
        return []
    wanted = frozenset(hashes)
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism * SLICES_PER_CORE))

    def scan(paths):
        return (path for path in paths if names_subject(path, wanted))

    return sorted(spark.sparkContext.parallelize(files, slices).mapPartitions(scan).collect())


def purge_named(
    spark: SparkSession,
    settings: Settings,
    hashes: list[str],
    as_of: date,
    extracted: set[date],
    everything: bool,
    now: datetime,
) -> int:
    """Delete the kept landing files that name an active subject (all dates when `everything`, else only
    `as_of`'s; only dates in `extracted`: a night not read yet keeps its landing until it is), record them
    in `bronze/landing_purges`; the number of files deleted."""
    if not hashes:
        return 0  # nobody withheld: no landing folder is listed, no file read
    wanted = [(s, d, f) for s, d, f in dated_folders(settings) if everything or d == as_of]
    folders = [(s, d, f) for s, d, f in wanted if d in extracted]
    listed = {path: (source, day) for source, day, folder in folders for path in list_files(folder)}
    named = [path for path in files_naming(spark, sorted(listed), hashes) if _really_inside(path, settings)]
    if not named:
        return 0
    rows = []
    for path in named:
        fs, inner = filesystem(path)
        fs.delete_file(inner)
        _drop_empty_parents(fs, inner, filesystem(settings.landing)[1])
        source, day = listed[path]
        rows.append((day, source, hashlib.sha256(path.encode("utf-8")).hexdigest(), now))
    spark.createDataFrame(rows, PURGES_SCHEMA).write.format("delta").mode("append").save(
        settings.table_path(BRONZE, PURGES)
    )
    return len(rows)


def _drop_empty_parents(fs: pafs.FileSystem, inner: str, root: str) -> None:
    """A local folder emptied by the purge goes too (a Maildir folder is named for its owner)."""
    if not isinstance(fs, pafs.LocalFileSystem):
        return  # object stores have no folders of their own
    folder = os.path.dirname(inner)
    while folder.startswith(root.rstrip("/") + "/") and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)


def purged_on(purges: DataFrame | None, day: date) -> int:
    """How many landing files of `day` were purged (0 without a purge table)."""
    if purges is None:
        return 0
    return purges.where(F.col("ingest_date") == F.lit(day)).count()
