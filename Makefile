# Who Knows Whom: `make demo` and `make test` are all a new machine needs (Python 3.11, JDK 17, Maven).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
JARS := .jars
DEMO_DATE ?= 2026-11-26
LANDING ?= landing

.PHONY: setup jars demo test test-fast lint airflow-ui clean

setup: $(VENV)/.installed jars

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# The Delta Lake jars, fetched once from Maven Central; later runs find them here and download nothing.
jars: $(JARS)/.fetched

$(JARS)/.fetched: jars/pom.xml $(VENV)/.installed
	rm -rf $(JARS) build/jars
	mvn --batch-mode --quiet -f jars/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/build/jars
	$(BIN)/python -m wkw.tools.jars build/jars $(JARS)
	touch $@

# The synthetic company is generated once; `make clean` removes it.
$(LANDING)/truth.json: | $(VENV)/.installed
	$(BIN)/wkw generate --out $(LANDING) --end-date $(DEMO_DATE)

demo: setup $(LANDING)/truth.json
	$(BIN)/wkw run --date $(DEMO_DATE) --landing $(LANDING)
	$(BIN)/wkw who-knows "$$($(BIN)/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["sample_lead"])' $(LANDING)/truth.json)" \
	    --as "$$($(BIN)/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["sample_seller"])' $(LANDING)/truth.json)"

# The suite's JVMs run with the serial collector (tests/conftest.py sets JAVA_TOOL_OPTIONS).
test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not e2e"

lint: setup
	$(BIN)/ruff check jobs dags tests bench

# Airflow with its UI (http://localhost:8080), on the project's Airflow home; the DAG is who_knows_whom.
airflow-ui: setup
	$(BIN)/wkw airflow standalone

clean:
	rm -rf lake landing .airflow build spark-warehouse metastore_db derby.log
