# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test bench load install browser frontend audit-deps services services-for-tests services-down services-status demo serve worker lint schema

run: services
	$(BIN)/hub demo
	$(BIN)/hub serve

test: services-for-tests browser frontend audit-deps
	$(BIN)/pytest

# torch alone is ~5 GB: installed once into .venv and reused until pyproject.toml changes.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# The page's end-to-end tests drive Debian's Chromium (Playwright's own browser download is not
# used). Installed once, as root, when missing.
browser:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 && apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
	  echo "chromium is missing: the browser tests will be skipped (apt-get install chromium)"

# The typed client example's npm packages (examples/frontend, pinned by package-lock.json),
# installed again only when the lock file changes. Without npm its tests are skipped. npm's
# warnings are silenced: codegen's remote-schema loaders, unused here, declare Node 22.
FRONTEND := examples/frontend

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm is missing: the frontend example's tests will be skipped (install Node.js 20+)"; fi

frontend: $(FRONTEND)/node_modules/.installed

# graphql-http's GraphQL-over-HTTP conformance audits run on Node (tests/graphql_http_audit),
# installed from the committed lock file once, and again when the lock file changes.
AUDIT := tests/graphql_http_audit
audit-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "node/npm not found: the GraphQL-over-HTTP conformance audit will be skipped (install Node 18+)"; \
	elif [ ! -f $(AUDIT)/node_modules/.package-lock.json ] || \
	     [ $(AUDIT)/package-lock.json -nt $(AUDIT)/node_modules/.package-lock.json ]; then \
	  npm ci --prefix $(AUDIT) --no-audit --no-fund; \
	fi

services: install
	$(BIN)/hub services up

# The tests also need the two-node Elasticsearch cluster (tests/test_es_cluster.py; that test
# stops it when done, so its two JVMs do not outlive the run) and SeaweedFS, the local S3 server
# (tests/test_s3_storage.py: built with Go once, 7 to 27 minutes cold on 2 cores, then started
# in seconds).
services-for-tests: install
	$(BIN)/hub services up --with es-cluster --with s3

services-down: install
	$(BIN)/hub services down

services-status: install
	$(BIN)/hub services status

demo: services
	$(BIN)/hub demo

serve: services
	$(BIN)/hub serve

worker: services
	$(BIN)/hub worker

# Every benchmark against its baseline in the same run; prints a table, writes bench/results.json.
bench: services
	$(BIN)/python bench/run.py --size full

# A bounded load test of a real `hub serve` (60 s, 20 clients); writes bench/load-results.json.
load: services
	$(BIN)/python bench/load.py

lint: install
	$(BIN)/ruff check hub tests bench
	$(BIN)/mypy

schema: install
	$(BIN)/hub schema > graphql/schema.graphql
	$(BIN)/python -m hub.graphql.client_operations > hub/web/operations.js
