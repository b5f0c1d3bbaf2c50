# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint format typecheck bench docs clickhouse-server clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/orderloom validate examples/quickstart.yaml
	$(BIN)/orderloom deploy examples/quickstart.yaml --mode backtest
	$(BIN)/orderloom sql --format table "$$(cat examples/queries/twap_vs_market.sql)"

# Debian's clickhouse-server (18.16) for the integration tests; the tests start their own
# instance on a free loopback port in a temporary folder.
clickhouse-server:
	@command -v clickhouse-server >/dev/null 2>&1 || test -x /usr/bin/clickhouse-server || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server)

test: $(STAMP) clickhouse-server
	$(BIN)/pytest -q -n 2 --dist loadfile

test-fast: $(STAMP)
	$(BIN)/pytest -q -x -m "not slow and not server"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy dsl runtime orderloom

bench: $(STAMP)
	$(BIN)/python bench/backtest_throughput.py
	$(BIN)/python bench/l2_book_replay.py
	$(BIN)/python bench/bars.py
	$(BIN)/python bench/risk_checks.py
	$(BIN)/python bench/kill_switch_latency.py

docs: $(STAMP)
	$(BIN)/python -m orderloom.dsl.docgen

clean:
	rm -rf $(VENV) .orderloom .pytest_cache
