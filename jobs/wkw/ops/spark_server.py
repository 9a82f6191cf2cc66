"""The night's warm Spark: one driver process holds the Spark session (the JVM, Delta, the catalog, the JIT)
for every stage of a night, instead of one cold spark-submit per stage.

`wkw spark start` (or `wkw run`, for the length of its run, or the DAG's first task, when none is up)
starts it for a lake; each DAG task is a thin client that asks it to run one stage and waits for the
stage's result. Its master is `[spark] master` (WKW_SPARK_MASTER): `local[*]`, or a cluster whose
executors then run every stage's tasks in one application. The same driver serves Spark Connect on
127.0.0.1:`[spark] connect_port` (WKW_SPARK_CONNECT_PORT), so analysts share its catalog (`wkw sql`,
`pyspark --remote sc://localhost:15002`) instead of waiting for the embedded metastore's one-JVM lock.

The driver runs one stage at a time, each under the settings of the task that asked (its WKW_*
environment: landing, thresholds), and refuses a task whose lake or Spark settings differ from its own.
It listens on a Unix socket that only its user can open (an authentication key in a 0600 file), appends
each stage's start and end to an events file that `wkw run` shows as progress lines, and stops itself
after `[spark] server_idle_minutes` without a request.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import threading
import time
import traceback
from datetime import UTC, datetime
from multiprocessing.connection import Client, Listener

from wkw.config import Settings, load_settings
from wkw.ops.spark_client import ServerFiles, compatibility, environment

CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"
log = logging.getLogger("wkw.spark_server")


class CapturedLog(logging.Handler):
    """The project's log lines of one stage, returned to the task that asked for it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def append_event(files: ServerFiles, **event) -> None:
    event["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    with files.events.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(event, sort_keys=True, default=str) + "\n")


class Driver:
    """The warm session and what it does for one request."""

    def __init__(self, settings: Settings, files: ServerFiles) -> None:
        from wkw.session import get_spark

        self.settings, self.files, self.connect_port = settings, files, settings.spark.connect_port
        self.spark = get_spark(
            settings,
            "night",
            with_catalog=True,
            extra_conf={
                "spark.plugins": CONNECT_PLUGIN,
                "spark.connect.grpc.binding.address": "127.0.0.1",
                "spark.connect.grpc.binding.port": str(self.connect_port),
            },
        )
        self.spark.sparkContext.setLogLevel("WARN")
        self.last_request = time.monotonic()
        self.stage_lock = threading.Lock()  # one stage at a time; held: a stage runs
        self.stages_run = 0
        self.catalog_open = False

    def open_catalog(self) -> None:
        try:
            for database in self.spark.catalog.listDatabases():
                for table in self.spark.catalog.listTables(database.name):
                    self.spark.table(f"{database.name}.{table.name}").limit(1).count()
        except Exception as failed:  # noqa: BLE001 - the first real use reports it with its context
            log.warning("the catalog did not open ahead of use: %s", failed)
        finally:
            self.catalog_open = True

    def info(self) -> dict:
        context = self.spark.sparkContext
        return {
            "pid": os.getpid(),
            "lake": self.settings.lake,
            "master": context.master,
            "application_id": context.applicationId,
            "connect_url": f"sc://127.0.0.1:{self.connect_port}",
            "stages_run": self.stages_run,
            "busy": self.stage_lock.locked(),
            "catalog_open": self.catalog_open,
        }

    def run_stage(self, request: dict) -> dict:
        from wkw.pipeline import call_stage, stage, stage_args

        name, argv = request["stage"], list(request["argv"])
        try:
            with environment(request["env"]):
                settings = load_settings()
            problem = compatibility(self.settings, settings)
            spec = stage(name)
            args = stage_args(spec.doc, argv)
        except (Exception, SystemExit) as refused:  # a bad conf, stage or command line: the task says why
            problem = f"cannot run stage {name!r} with {argv}: {type(refused).__name__} {refused}"
        if problem is not None:
            return {"ok": False, "lines": [], "error": problem}
        captured = CapturedLog()
        captured.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        project_log = logging.getLogger("wkw")
        project_log.addHandler(captured)
        day, group = args.date.isoformat(), f"wkw-{name}"
        append_event(self.files, stage=name, date=day, state="running")
        started = time.monotonic()
        context = self.spark.sparkContext
        context.setJobGroup(group, f"{name} {day}")
        result = failure = None
        try:
            module = importlib.import_module(f"wkw.stages.{name}")
            result = call_stage(spec, module.run, self.spark, settings, args)
        except Exception as raised:  # the task gets the stage's own error, the driver stays up
            failure = raised
        finally:
            project_log.removeHandler(captured)
            self.spark.catalog.clearCache()
            self.stages_run += 1
            self.last_request = time.monotonic()
        ended = {"stage": name, "date": day, "elapsed": round(time.monotonic() - started, 1)}
        if failure is not None:
            append_event(self.files, **ended, state="failed", error=f"{type(failure).__name__}: {failure}")
            error = "".join(traceback.format_exception(failure))
            return {"ok": False, "lines": captured.lines, "error": error}
        append_event(
            self.files,
            **ended,
            state="success" if result.ok else "failed",
            rows=dict(result.rows),
            spark_jobs=len(context.statusTracker().getJobIdsForGroup(group)),
            error="; ".join(map(str, result.failures)) or None,
        )
        lines = captured.lines + result.log_lines()
        return {"ok": result.ok, "lines": lines, "error": None if result.ok else "\n".join(lines)}


def serve() -> None:
    """The driver's main loop until `stop` or the idle limit: pings answered at once, stages run one at a
    time in threads of their own (a stop waits for the one running)."""
    settings = load_settings()
    files = ServerFiles.of(settings.lake)
    key = files.key(create=True)
    files.socket.unlink(missing_ok=True)
    driver = Driver(settings, files)
    idle_minutes = settings.spark.server_idle_minutes
    listener = Listener(str(files.socket), family="AF_UNIX", authkey=key)
    stopping = threading.Event()

    def watch_idle() -> None:
        while not stopping.wait(15):
            if not driver.stage_lock.locked() and time.monotonic() - driver.last_request > idle_minutes * 60:
                log.info("idle for %s minutes: stopping", idle_minutes)
                with (
                    contextlib.suppress(OSError, EOFError),
                    Client(str(files.socket), family="AF_UNIX", authkey=key) as conn,
                ):
                    conn.send({"op": "stop"})
                    conn.recv()
                return

    def answer_stage(conn, request: dict) -> None:
        with conn:
            with driver.stage_lock:  # released before the answer: the task's next ping sees it idle
                if stopping.is_set():
                    answer = {"ok": False, "lines": [], "error": "the warm Spark is stopping"}
                else:
                    answer = driver.run_stage(request)
            conn.send(answer)

    threading.Thread(target=watch_idle, daemon=True).start()
    # The catalog (the metastore client) and each catalog table's Delta log open on first use: about 20 s
    # for an analyst's first query through Spark Connect (`wkw sql`: 25 s, then 2 s). Opened now, beside
    # the first stage, by reading one row of each table: the first query then takes about 3 s.
    threading.Thread(target=driver.open_catalog, daemon=True).start()
    log.info("warm Spark for %s up: %s", settings.lake, json.dumps(driver.info()))
    try:
        while not stopping.is_set():
            try:
                conn = listener.accept()
            except Exception as refused:  # a client with the wrong key, or one that went away
                log.warning("refused a connection: %s", refused)
                continue
            try:
                request = conn.recv()
            except EOFError:
                conn.close()
                continue
            op = request.get("op")
            if op == "stage":  # in a thread of its own, so that pings are answered while it runs
                driver.last_request = time.monotonic()
                threading.Thread(target=answer_stage, args=(conn, request), daemon=True).start()
                continue
            with conn:
                if op == "ping":
                    conn.send(driver.info())
                elif op == "stop":
                    with driver.stage_lock:  # a stage that runs ends first
                        stopping.set()
                    conn.send({"stopping": True})
                else:
                    conn.send({"ok": False, "error": f"unknown request {op!r}"})
    finally:
        listener.close()
        files.socket.unlink(missing_ok=True)
        driver.spark.stop()
        log.info("warm Spark for %s stopped after %d stages", settings.lake, driver.stages_run)


def main() -> None:
    """`python -m wkw.ops.spark_server`: the driver of the lake the environment's settings name (what
    wkw.ops.spark_client.start runs, detached)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("wkw").setLevel(logging.INFO)  # the project's lines; libraries' warnings only
    serve()


if __name__ == "__main__":
    main()
