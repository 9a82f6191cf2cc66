"""Which tables a night's VACUUM has work in: read from each table's Delta log, without a Spark job.

VACUUM LITE (wkw.privacy.purge.vacuum_lake) deletes the files that commits after its previous run removed
before the retention cut-off: it reads the commits after the version its previous run recorded in
`_delta_log/_last_vacuum_info`. A table none of whose commits after that version removed a file before the
cut-off has nothing for it to delete, and its VACUUM (a few Spark jobs, about 1.7 s a table on a quiet
night of the demo company) is skipped. Whatever this cannot read for certain counts as work: a log whose
commits after that version are not all there (cleaned up, or a checkpoint only), an unreadable info file,
a removal without a timestamp.
"""

from __future__ import annotations

import json
import re

from wkw.files import list_files, read_bytes

COMMIT = re.compile(r"^(\d{20})\.json$")
LAST_VACUUM_INFO = "_last_vacuum_info"
REMOVE = b'"remove"'


def vacuum_due(table: str, cutoff_ms: int) -> bool:
    """Whether VACUUM LITE of the Delta table at `table` has files to delete for a retention cut-off of
    `cutoff_ms` (milliseconds since the epoch): a commit after the last VACUUM removed a file before it."""
    commits, info = {}, None
    for uri in list_files(f"{table.rstrip('/')}/_delta_log"):
        name = uri.rsplit("/", 1)[-1]
        match = COMMIT.match(name)
        if match:
            commits[int(match.group(1))] = uri
        elif name == LAST_VACUUM_INFO:
            info = uri
    try:  # the newest version the previous VACUUM LITE read (-1: none ran, or it found no commit old enough)
        recorded = json.loads(read_bytes(info) or b"{}") if info else {}
        since = int(recorded.get("latestCommitVersionOutsideOfRetentionWindow", -1))
    except (ValueError, TypeError, AttributeError):
        return True
    unread = range(since + 1, max(commits, default=-1) + 1)
    if not commits or any(version not in commits for version in unread):
        return True  # no commit, or commits cleaned up since: only VACUUM itself can tell
    for version in unread:
        for line in read_bytes(commits[version]).splitlines():
            if REMOVE not in line:
                continue
            removed = json.loads(line).get("remove")
            if removed is None:
                continue
            stamp = removed.get("deletionTimestamp")
            if stamp is None or int(stamp) <= cutoff_ms:
                return True
    return False
