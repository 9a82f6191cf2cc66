"""Throughput of the extract stage on the Enron public_dev archive, against one plain Python process.

    .venv/bin/python bench/extract_throughput.py [--work /tmp/wkw_extract_bench] [--master local[2]]

Unpacks public_dev_maildir.tar.gz (from WKW_ENRON_DIR, default ../shared/data/enron) into a temporary
folder (or --work, kept), then in the same session and over the same files:

1. `stdlib`: one Python process reads each file and parses its header block with the standard library
   (email.parser.BytesHeaderParser, then getaddresses on From/To/Cc and parsedate_to_datetime on Date);
2. `wkw parser`: one Python process calls the pipeline's own parser (`wkw.parsing.mail.parse_rfc5322`);
3. `extract stage`: `wkw.stages.extract.run` in a Spark session (`--master`, default local[2]): list,
   parse in Python workers (mapPartitions), flag dates, write bronze, quarantine and counts to Delta.

It prints files (one message each), messages accepted, wall time, files per second and peak RSS: for the
one-process runs their own high-water mark (VmHWM); for Spark the peak sum of the driver JVM and its Python
workers (sampled from /proc, Linux only; shared pages count once per process) and the JVM's own VmHWM,
besides the session start-up time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from datetime import date
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from wkw.config import BRONZE, PROJECT_ROOT, load_settings
from wkw.files import list_files
from wkw.lake import read_table
from wkw.session import get_spark
from wkw.stages import extract

ARCHIVE = "public_dev_maildir.tar.gz"
INGEST_DAY = date(2002, 12, 31)
SAMPLE_SECONDS = 0.2
KIB = 1024
MIB = 1024 * 1024


def stdlib_headers(paths: list[str]) -> int:
    """Messages whose headers give a date, a sender and a recipient, parsed with the standard library."""
    parser = BytesHeaderParser(policy=policy.compat32)
    accepted = 0
    for path in paths:
        with open(path, "rb") as handle:
            message = parser.parse(handle)
        try:
            sent_at = parsedate_to_datetime(message.get("Date", ""))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        senders = getaddresses([str(value) for value in message.get_all("From", [])])
        recipients = getaddresses([str(v) for name in ("To", "Cc") for v in message.get_all(name, [])])
        accepted += bool(sent_at and senders and recipients)
    return accepted


def wkw_parser(paths: list[str]) -> int:
    from wkw.parsing.mail import parse_rfc5322

    accepted = 0
    for path in paths:
        with open(path, "rb") as handle:
            accepted += parse_rfc5322(handle.read(), path).record is not None
    return accepted


ONE_PROCESS = {"stdlib": stdlib_headers, "wkw parser": wkw_parser}


def one_process(kind: str, folder: str) -> dict:
    """Run in a child process: time one reader over every file, with the child's own peak RSS."""
    paths = list_files(folder)
    started = time.perf_counter()
    accepted = ONE_PROCESS[kind](paths)
    wall = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the parent's peak.
    peak = _status_kib(os.getpid(), "VmHWM") * KIB
    return {
        "run": kind,
        "files": len(paths),
        "accepted": accepted,
        "wall_s": wall,
        "peak_rss_mib": peak / MIB,
    }


def _children(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            kids = [int(kid) for kid in task.read_text().split()]
            found += kids
            frontier += kids
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:  # the process ended between listing and reading
        pass
    return 0


class RssSampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            total = sum(_status_kib(pid, "VmRSS") for pid in [self.pid, *_children(self.pid)])
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kib


def spark_extract(work: Path, master: str) -> dict:
    settings = dataclasses.replace(
        load_settings(),
        lake=str(work / "lake"),
        landing=str(work / "landing"),
        internal_domains=("enron.com",),
        spark_master=master,
    )
    started = time.perf_counter()
    spark = get_spark(settings, "extract-throughput")
    session_s = time.perf_counter() - started
    jvm = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    sampler = RssSampler(jvm)
    sampler.start()
    started = time.perf_counter()
    extract.run(spark, settings, INGEST_DAY)
    wall = time.perf_counter() - started
    peak_kib = sampler.stop()
    counts = read_table(spark, settings, BRONZE, "ingest_counts").where("source = 'mail'").first()
    result = {
        "run": f"extract stage ({master})",
        "files": counts.read,
        "accepted": counts.accepted,
        "wall_s": wall,
        "peak_rss_mib": peak_kib / KIB,
        "jvm_peak_rss_mib": _status_kib(jvm, "VmHWM") / KIB,
        "session_start_s": session_s,
    }
    spark.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="scratch folder, kept (default: a temporary one, removed)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--one-process", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_process:
        print(json.dumps(one_process(*args.one_process)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="wkw_extract_bench_"))
    enron = Path(os.environ.get("WKW_ENRON_DIR", PROJECT_ROOT.parent / "shared" / "data" / "enron"))
    landing = work / "landing" / "mail" / INGEST_DAY.isoformat()
    try:
        if not landing.exists():
            landing.mkdir(parents=True)
            with tarfile.open(enron / ARCHIVE) as archive:
                archive.extractall(landing, filter="data")
        results = []
        for kind in ONE_PROCESS:
            command = [sys.executable, __file__, "--one-process", kind, str(landing)]
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            results.append(json.loads(child.stdout.splitlines()[-1]))
        results.append(spark_extract(work, args.master))
        print(f"{'run':<24} {'files':>7} {'accepted':>9} {'wall s':>8} {'files/s':>8} {'peak RSS MiB':>13}")
        for row in results:
            rate = row["files"] / row["wall_s"]
            print(
                f"{row['run']:<24} {row['files']:>7} {row['accepted']:>9} {row['wall_s']:>8.1f} "
                f"{rate:>8.0f} {row['peak_rss_mib']:>13.0f}"
            )
        print(json.dumps(results, indent=1))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
