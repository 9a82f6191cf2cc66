"""Listing and reading landing files through `pyarrow.fs`: the same code for a local folder, S3 or Azure.

Spark's own file sources skip names starting with `_` or `.` (Enron's `_sent_mail` folders), and checking
thousands of explicit paths on the driver is slow; so the driver lists paths here (metadata only) and the
Spark tasks read the bytes themselves (`read_whole`, `read_lines`, inside `mapPartitions`).

A symbolic link in a local landing folder is listed but never followed (a link out of the folder would read
a file nobody landed, a link to a folder above it loops): opening one raises `LinkNotFollowed`, which the
readers quarantine as `symlink`. A file that must be read whole and is bigger than its limit raises
`TooLarge` before a byte is read; lines are streamed, a line over its limit is passed on as its size only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow.fs as pafs

from wkw.parsing.details import error_name, too_large
from wkw.vocabulary import PARSE_ERROR, SYMLINK, TOO_LARGE, UNREADABLE_FILE

# Hadoop-style schemes that pyarrow knows under another name.
SCHEME_ALIASES = {"s3a://": "s3://", "s3n://": "s3://", "abfss://": "abfs://"}
CHUNK_BYTES = 64 * 1024  # lines are read in chunks of this many bytes: a range reads at most one past its end
_LINE_END = re.compile(rb"\r\n|\r|\n")  # where bytes.splitlines cuts


class LinkNotFollowed(OSError):
    """A landing entry is a symbolic link: it is never followed."""


class TooLarge(Exception):
    """A file is bigger than what may be read of it whole."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(too_large("the file", size, limit))
        self.size, self.limit = size, limit


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    for hadoop, arrow in SCHEME_ALIASES.items():
        if uri.startswith(hadoop):
            uri = arrow + uri.removeprefix(hadoop)
    if uri.startswith("file:"):
        uri = "/" + uri.removeprefix("file:").lstrip("/")
    return pafs.FileSystem.from_uri(uri)


def list_files(directory: str) -> list[str]:
    """Every regular file below `directory` (hidden ones too), sorted; [] when the folder does not exist."""
    return [path for path, _ in list_sized_files(directory)]


def list_sized_files(directory: str) -> list[tuple[str, int]]:
    """(path, size in bytes) of every regular file below `directory`, sorted by path; [] when it does not
    exist. The sizes come with the listing, so planning work by size costs no extra call per file."""
    fs, path = filesystem(directory)
    if fs.get_file_info(path).type == pafs.FileType.NotFound:
        return []
    prefix = directory[: len(directory) - len(path)] if directory.endswith(path) else ""
    if isinstance(fs, pafs.LocalFileSystem):
        return sorted((prefix + found, size) for found, size in _local_entries(path))
    infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    return sorted((prefix + info.path, info.size) for info in infos if info.type == pafs.FileType.File)


def _local_entries(folder: str) -> Iterator[tuple[str, int]]:
    """Regular files and symbolic links (to files or folders, inside or out, or dangling) below a local
    folder, without following any link: a link is listed with its own size, for its reader to refuse."""
    for parent, folders, names in os.walk(folder, followlinks=False):
        links = [name for name in folders if os.path.islink(os.path.join(parent, name))]
        for name in [*names, *links]:
            path = os.path.join(parent, name)
            status = os.lstat(path)
            if os.path.islink(path) or os.path.isfile(path):
                yield path, status.st_size


def list_dirs(directory: str) -> list[str]:
    """The sub-folders directly under `directory`, sorted; [] when it does not exist."""
    fs, path = filesystem(directory)
    if fs.get_file_info(path).type == pafs.FileType.NotFound:
        return []
    infos = fs.get_file_info(pafs.FileSelector(path))
    prefix = directory[: len(directory) - len(path)] if directory.endswith(path) else ""
    return sorted(prefix + info.path for info in infos if info.type == pafs.FileType.Directory)


def delete_dir(directory: str) -> None:
    fs, path = filesystem(directory)
    fs.delete_dir(path)


def _local_link(fs: pafs.FileSystem, path: str) -> bool:
    return isinstance(fs, pafs.LocalFileSystem) and os.path.islink(path)


@contextmanager
def open_landing(uri: str):
    """A landing file opened for reading with seeks; a symbolic link raises `LinkNotFollowed`."""
    fs, path = filesystem(uri)
    if _local_link(fs, path):
        raise LinkNotFollowed(f"{path} is a symbolic link")
    with fs.open_input_file(path) as handle:
        yield handle


def read_bytes(uri: str) -> bytes:
    with open_landing(uri) as handle:
        return handle.read()


def read_whole(uri: str, max_bytes: int) -> bytes:
    """The whole file; `TooLarge` (nothing read) when it holds more than `max_bytes`."""
    with open_landing(uri) as handle:
        size = handle.size()
        if size > max_bytes:
            raise TooLarge(size, max_bytes)
        return handle.read()


def refusal(error: Exception) -> tuple[str, str]:
    """(quarantine reason, detail) of a file a reader gave up on: too large, a link, gone since listing, or
    a failure nobody foresaw (`parse_error`). The detail names the failure, never the file's content."""
    if isinstance(error, TooLarge):
        return TOO_LARGE, too_large("the file", error.size, error.limit)
    if isinstance(error, LinkNotFollowed):
        return SYMLINK, "a symbolic link, not followed"
    if isinstance(error, OSError):
        return UNREADABLE_FILE, f"{type(error).__name__}: {error}"
    return PARSE_ERROR, error_name(error)


def read_lines(
    uri: str, start: int, end: int | None, max_bytes: int
) -> Iterator[tuple[int, bytes | None, int]]:
    """(offset, line or None, length) of each line of a file that starts at a byte offset in [start, end)
    (end None: to the end of the file), cut as `bytes.splitlines` cuts, without its line end; None stands
    for a line longer than `max_bytes`, which is never held whole. The file is read from `start - 1` on
    (the byte before tells whether a line starts at `start`) up to the end of the last line in the range:
    ranges that tile a file read each byte about once and give each line exactly once."""
    with open_landing(uri) as handle:
        if start > 0:
            handle.seek(start - 1)
        lines = _stream_lines(handle, max(start - 1, 0), max_bytes)
        if start > 0:
            next(lines, None)  # the end of a line that began before the range: the range before holds it
        for offset, line, length in lines:
            if end is not None and offset >= end:
                return
            yield offset, line, length


def _stream_lines(handle, offset: int, max_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    parts: list[bytes] = []
    length, line_at, at, held = 0, offset, offset, b""
    while True:
        chunk = handle.read(CHUNK_BYTES)
        data = held + chunk
        held = b""
        if chunk and data.endswith(b"\r"):  # maybe half of a CRLF: decided with the next chunk
            data, held = data[:-1], b"\r"
        begin = 0
        for match in _LINE_END.finditer(data):
            length += match.start() - begin
            line = b"".join([*parts, data[begin : match.start()]]) if length <= max_bytes else None
            yield line_at, line, length
            parts, length, begin = [], 0, match.end()
            line_at = at + begin
        length += len(data) - begin
        parts = [*parts, data[begin:]] if length <= max_bytes else []
        at += len(data)
        if not chunk:
            if length:
                yield line_at, b"".join(parts) if length <= max_bytes else None, length
            return
