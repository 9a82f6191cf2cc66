"""Listing and reading landing files through `pyarrow.fs`: the same code for a local folder, S3 or Azure.

Spark's own file sources skip names starting with `_` or `.` (Enron's `_sent_mail` folders), and checking
thousands of explicit paths on the driver is slow; so the driver lists paths here (metadata only) and the
Spark tasks read the bytes themselves (`read_bytes`, inside `mapPartitions`).
"""

from __future__ import annotations

import pyarrow.fs as pafs

# Hadoop-style schemes that pyarrow knows under another name.
SCHEME_ALIASES = {"s3a://": "s3://", "s3n://": "s3://", "abfss://": "abfs://"}
TAIL_CHUNK_BYTES = 64 * 1024  # read past a range's end in steps of this until its last line has ended
LF, CR = ord("\n"), ord("\r")


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
    infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    prefix = directory[: len(directory) - len(path)] if directory.endswith(path) else ""
    return sorted((prefix + info.path, info.size) for info in infos if info.type == pafs.FileType.File)


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


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)
    with fs.open_input_stream(path) as stream:
        return stream.read()


def read_line_range(uri: str, start: int, end: int | None) -> tuple[int, bytes]:
    """The lines of a file that start at a byte offset in [start, end) (end None: the end of the file), as
    one block of whole lines, and the 1-based number of its first line in the whole file.

    Lines end as `bytes.splitlines` ends them (LF, CRLF or a lone CR), so `block.splitlines()` numbered from
    that first number gives exactly the lines (and numbers) that splitting the whole file gives there.
    Ranges that tile a file give each line exactly once. Only the file up to the end of the range's last
    line is read: the part before `start` only to count its lines.
    """
    fs, path = filesystem(uri)
    with fs.open_input_stream(path) as stream:
        if end is None:
            data = stream.read()
            end = len(data)
        else:
            data = stream.read(end + 1)  # a byte past the end tells whether a CR there is half of a CRLF
        tail: list[bytes] = []
        while len(data) > end and not _line_ends_after(data[end - 1 :] + b"".join(tail)):
            chunk = stream.read(TAIL_CHUNK_BYTES)
            if not chunk:
                break
            tail.append(chunk)
    if tail:
        data += b"".join(tail)
    first, last = _line_start(data, start), _line_start(data, end)
    lines_before = data.count(b"\n", 0, first) + data.count(b"\r", 0, first) - data.count(b"\r\n", 0, first)
    return lines_before + 1, data[first:last]


def _line_ends_after(tail: bytes) -> bool:
    """Whether `tail` holds a line end followed by at least one more byte (so that CRLF is whole)."""
    ends = [found for found in (tail.find(b"\n"), tail.find(b"\r")) if found >= 0]
    return bool(ends) and min(ends) + 1 < len(tail)


def _line_start(data: bytes, offset: int) -> int:
    """The first offset >= `offset` where a line starts (just after LF, CRLF or a lone CR), or the end."""
    if offset <= 0:
        return 0
    if offset >= len(data):
        return len(data)
    if data[offset - 1] == LF or (data[offset - 1] == CR and data[offset] != LF):
        return offset
    ends = [found for found in (data.find(b"\n", offset), data.find(b"\r", offset)) if found >= 0]
    if not ends:
        return len(data)
    found = min(ends)
    return found + 2 if data[found : found + 2] == b"\r\n" else found + 1
