# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install services services-down services-status demo serve worker lint schema

run: services
	$(BIN)/hub demo
	$(BIN)/hub serve

test: services
	$(BIN)/pytest

# torch alone is ~5 GB: installed once into .venv and reused until pyproject.toml changes.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

services: install
	$(BIN)/hub services up

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

lint: install
	$(BIN)/ruff check hub tests bench
	$(BIN)/mypy

schema: install
	$(BIN)/hub schema > graphql/schema.graphql
