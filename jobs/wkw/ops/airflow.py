"""Glue between Airflow and the Spark stages: the Airflow environment of the project, and the
spark-submit properties each stage runs with (rendered at run time, never at DAG parse time).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from wkw.config import PROJECT_ROOT

DAG_ID = "who_knows_whom"
AIRFLOW_HOME = PROJECT_ROOT / ".airflow"
DAGS_FOLDER = PROJECT_ROOT / "dags"


def spark_connection(master: str) -> str:
    """The `spark_default` connection as Airflow's JSON form: host is the Spark master URL."""
    if master.startswith("spark://") and master.rsplit(":", 1)[-1].isdigit():
        host, port = master.rsplit(":", 1)
        return json.dumps({"conn_type": "spark", "host": host, "port": int(port)})
    return json.dumps({"conn_type": "spark", "host": master})


def airflow_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for `airflow` commands: the project's own Airflow home (SQLite) and DAG folder."""
    from wkw.config import load_settings

    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env.setdefault("AIRFLOW_HOME", str(AIRFLOW_HOME))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True")
    env.setdefault("AIRFLOW_CONN_SPARK_DEFAULT", spark_connection(load_settings().spark_master))
    # spark-submit from the project's virtualenv must be first on PATH for the SparkSubmitOperator.
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return env


def airflow(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    return subprocess.run(command, env=env, check=check)


def ensure_airflow_db(env: dict[str, str]) -> None:
    """Create (or upgrade) the SQLite metadata database once; later runs find it in place."""
    airflow(["db", "migrate"], env)


def spark_properties_file(with_catalog: bool = False) -> str:
    """Write the spark-submit properties (Delta jars, conf/wkw.toml's Spark settings, and with `with_catalog`
    the embedded metastore) and return the path. Content-addressed, so concurrent tasks share one file."""
    from wkw.config import load_settings
    from wkw.session import spark_conf

    conf = spark_conf(load_settings(), with_catalog=with_catalog)
    lines = sorted(f"{key} {value}" for key, value in conf.items())
    content = "\n".join(lines) + "\n"
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"wkw-spark-{digest}.properties"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(content, encoding="utf-8")
        partial.replace(path)
    return str(path)
