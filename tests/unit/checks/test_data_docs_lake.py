"""Data Docs of a lake on a URI (s3a://, abfss://, gs://) go to that lake, and the privacy stage's purge
deletes old ones there. pyarrow has no S3 to test against, so `wkw.files.filesystem` (the one place where a
URI becomes a pyarrow filesystem) maps the bucket to a `SubTreeFileSystem` over a local folder."""

from __future__ import annotations

import dataclasses

import pyarrow.fs as pafs
import pytest
from conftest import settings_for
from support.staged_gold import AS_OF, staged_gold
from wkw import files
from wkw.checks.gx import validate_tables
from wkw.privacy.purge import purge_reports

BUCKET = "s3a://bucket/"
REPORTS = f"{BUCKET}lake/_reports/gx"
PARAMETERS = {"top_n": 5, "strength_max": 1.0}
RETENTION_DAYS = 30
OLD_NIGHT = "2026-10-01"  # older than the retention on AS_OF
RECENT_NIGHT = "2026-11-20"


@pytest.fixture
def bucket(tmp_path, monkeypatch):
    """The local folder that stands for `s3a://bucket/`; the working directory is an empty folder."""
    root = tmp_path / "bucket"
    root.mkdir()
    real = files.filesystem

    def fake(uri: str) -> tuple[pafs.FileSystem, str]:
        if uri.startswith(BUCKET):
            return pafs.SubTreeFileSystem(str(root), pafs.LocalFileSystem()), uri.removeprefix(BUCKET)
        return real(uri)

    monkeypatch.setattr(files, "filesystem", fake)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return root


def test_data_docs_of_a_uri_lake_go_to_the_lake_and_old_ones_are_purged_there(spark, bucket, tmp_path):
    tile = {"top_introducers": staged_gold(spark)["top_introducers"]}
    night = f"{REPORTS}/{AS_OF.isoformat()}"
    failures, _ = validate_tables(tile, PARAMETERS, night, run_name=AS_OF.isoformat())

    assert failures == []
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert [p for p in written if not p.startswith("bucket/")] == [], "nothing written outside the lake"
    site = bucket / "lake/_reports/gx" / AS_OF.isoformat()
    assert (site / "index.html").is_file()
    pages = [p.relative_to(site / "validations").parts for p in (site / "validations").rglob("*.html")]
    assert [(table, run) for table, run, _, _ in pages] == [("top_introducers", f"{AS_OF}-top_introducers")]
    assert "top_introducers" in (site / "index.html").read_text(encoding="utf-8")

    for day in (OLD_NIGHT, RECENT_NIGHT, "not-a-night"):
        (site.parent / day).mkdir()
        (site.parent / day / "index.html").write_text("an earlier night's report", encoding="utf-8")
    settings = dataclasses.replace(settings_for(tmp_path), gx_reports=REPORTS)
    assert purge_reports(settings, AS_OF, RETENTION_DAYS) == [OLD_NIGHT]
    assert sorted(p.name for p in site.parent.iterdir()) == [RECENT_NIGHT, AS_OF.isoformat(), "not-a-night"]
    assert (site / "index.html").is_file()
