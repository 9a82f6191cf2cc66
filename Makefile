# Who Knows Whom: `make demo` and `make test` are all a new machine needs (Python 3.11, JDK 17, Maven).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
JARS := .jars
DEMO_DATE ?= 2026-11-26
LANDING ?= landing

.PHONY: setup jars demo serve test test-fast lint airflow-ui clean

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

# The demo company's sample lead and seller (truth.json); `make serve` answers as that seller.
SAMPLE = $(BIN)/python -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' $(LANDING)/truth.json
SERVE_PORT ?= 8000

demo: setup $(LANDING)/truth.json
	$(BIN)/wkw run --date $(DEMO_DATE) --landing $(LANDING)
	$(BIN)/wkw who-knows "$$($(SAMPLE) sample_lead)" --as "$$($(SAMPLE) sample_seller)"
	@echo "The tile in a browser: make serve, then http://127.0.0.1:$(SERVE_PORT)/contacts/$$($(SAMPLE) sample_lead)"

# The tile page and the API on loopback, answering as the demo's sample seller (docs/serve.md).
serve: setup $(LANDING)/truth.json
	$(BIN)/wkw serve --port $(SERVE_PORT) --as "$$($(SAMPLE) sample_seller)"

# The suite's JVMs run with the serial collector (tests/conftest.py sets JAVA_TOOL_OPTIONS).
# One pytest by default (the fresh-clone CI of 2026-12-07 took 49 min in two workers on 2 cores, against
# about 36 min serial the stop before, with fewer tests: docs/pipeline.md). TEST_WORKERS=2 runs two
# pytest-xdist workers, a Spark session each, a test module at a time (--dist loadfile).
TEST_WORKERS ?= 1
XDIST = $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: setup
	$(BIN)/python -m pytest $(XDIST)

test-fast: setup
	$(BIN)/python -m pytest -m "not e2e"

lint: setup
	$(BIN)/ruff check jobs dags tests bench

# Airflow with its UI (http://localhost:8080), on the project's Airflow home; the DAG is who_knows_whom.
airflow-ui: setup
	$(BIN)/wkw airflow standalone

clean:
	rm -rf lake landing .airflow build spark-warehouse metastore_db derby.log
