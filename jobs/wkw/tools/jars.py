"""Keep the Delta Lake jars Spark lacks: Maven copies delta-spark with all its runtime dependencies, most of
which the pinned pyspark wheel already ships (in other versions); only the missing artifacts are kept.

    python -m wkw.tools.jars FETCHED_DIR TARGET_DIR
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pyspark

VERSIONED_JAR = re.compile(r"^(?P<artifact>.+?)-(?P<version>\d[^-]*(-[A-Za-z0-9.]+)*)\.jar$")


def artifact_of(jar_name: str) -> str:
    match = VERSIONED_JAR.match(jar_name)
    return match.group("artifact") if match else jar_name.removesuffix(".jar")


def missing_from_spark(fetched: Path, spark_jars: Path) -> list[Path]:
    shipped = {artifact_of(jar.name) for jar in spark_jars.glob("*.jar")}
    return sorted(jar for jar in fetched.glob("*.jar") if artifact_of(jar.name) not in shipped)


def main(argv: list[str]) -> int:
    fetched, target = Path(argv[0]), Path(argv[1])
    spark_jars = Path(pyspark.__file__).parent / "jars"
    keep = missing_from_spark(fetched, spark_jars)
    if not any(jar.name.startswith("delta-spark") for jar in keep):
        print(f"no delta-spark jar in {fetched}", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for jar in keep:
        shutil.copy2(jar, target / jar.name)
        print(f"kept {jar.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
