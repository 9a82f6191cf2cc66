"""What a Delta table's transaction log holds, read independently of the code under test: every file
under `_delta_log`, JSON byte by byte and checkpoint Parquet value by value (its pages are compressed)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq


def log_files_naming(table: Path, *needles: str) -> list[str]:
    """The files of the table's `_delta_log` in which any of `needles` occurs, by name."""
    found = []
    for path in sorted((Path(table) / "_delta_log").rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            text = repr(pq.read_table(path).to_pylist())
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        if any(needle in text for needle in needles):
            found.append(path.name)
    return found
