"""Listing and reading landing files through `pyarrow.fs`: the same code for a local folder, S3 or Azure.

Spark's own file sources skip names starting with `_` or `.` (Enron's `_sent_mail` folders), and checking
thousands of explicit paths on the driver is slow; so the driver lists paths here (metadata only) and the
Spark tasks read the bytes themselves (`read_bytes`, inside `mapPartitions`).
"""

from __future__ import annotations

import pyarrow.fs as pafs

# Hadoop-style schemes that pyarrow knows under another name.
SCHEME_ALIASES = {"s3a://": "s3://", "s3n://": "s3://", "abfss://": "abfs://"}


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    for hadoop, arrow in SCHEME_ALIASES.items():
        if uri.startswith(hadoop):
            uri = arrow + uri.removeprefix(hadoop)
    if uri.startswith("file:"):
        uri = "/" + uri.removeprefix("file:").lstrip("/")
    return pafs.FileSystem.from_uri(uri)


def list_files(directory: str) -> list[str]:
    """Every regular file below `directory` (hidden ones too), sorted; [] when the folder does not exist."""
    fs, path = filesystem(directory)
    if fs.get_file_info(path).type == pafs.FileType.NotFound:
        return []
    infos = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    prefix = directory[: len(directory) - len(path)] if directory.endswith(path) else ""
    return sorted(prefix + info.path for info in infos if info.type == pafs.FileType.File)


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
