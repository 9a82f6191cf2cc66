"""The request log `published/introduction_requests` (written by delta-rs in `wkw.serve.introduce`) keeps no
per-column statistics: no file of its `_delta_log`, checkpoint included, names the lead or the colleagues,
whether the table is new or was created before the rule (docs/privacy.md, issue 23 item 2).

    .venv/bin/python -m pytest tests/unit/serve/test_introduce_log_stats.py -q
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from support.delta_log import log_files_naming
from support.tiny_lake import (
    COLLEAGUE,
    LEAD,
    NOW,
    OTHER_COLLEAGUE,
    SELLER,
    write_directory,
    write_publication,
)
from wkw.config import load_settings
from wkw.serve.introduce import DRAFT, REQUESTS_SCHEMA, REQUESTS_TABLE, request_introduction

PEOPLE = (LEAD, COLLEAGUE, OTHER_COLLEAGUE, SELLER)
OLD_LEAD = "earlier.lead@fabrikam.com"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    write_directory(lake)
    write_publication(lake)
    monkeypatch.delenv("WKW_USER", raising=False)
    return dataclasses.replace(load_settings(), lake=str(lake))


def _requests(settings) -> Path:
    return Path(settings.table_path("published", REQUESTS_TABLE))


def _two_requests(settings) -> None:
    request_introduction(settings, LEAD, COLLEAGUE, SELLER, DRAFT, now=NOW)
    request_introduction(settings, LEAD, OTHER_COLLEAGUE, SELLER, DRAFT, now=NOW + timedelta(minutes=1))


def test_the_request_log_and_its_checkpoint_name_nobody(settings):
    _two_requests(settings)
    table = DeltaTable(str(_requests(settings)))
    table.create_checkpoint()  # delta-rs writes one every 100 commits: its add actions copy the stats

    assert log_files_naming(_requests(settings), *PEOPLE) == []
    assert table.metadata().configuration["delta.dataSkippingNumIndexedCols"] == "0"
    logged = sorted(row["colleague_email"] for row in table.to_pyarrow_table().to_pylist())
    assert logged == [COLLEAGUE, OTHER_COLLEAGUE]  # the rows themselves are kept, in the data files


def test_a_log_created_before_the_rule_gets_no_new_statistics(settings):
    path = _requests(settings)
    earlier = {name: None for name in REQUESTS_SCHEMA.names} | {"lead_email": OLD_LEAD, "note_given": False}
    write_deltalake(str(path), pa.Table.from_pylist([earlier], REQUESTS_SCHEMA), mode="append")
    assert log_files_naming(path, OLD_LEAD)  # the old way: min/max of every column in the commit

    _two_requests(settings)

    old_commit = "00000000000000000000.json"
    assert log_files_naming(path, *PEOPLE, OLD_LEAD) == [old_commit]  # the privacy stage rewrites that one
    assert DeltaTable(str(path)).metadata().configuration["delta.dataSkippingNumIndexedCols"] == "0"
