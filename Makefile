# customer-core: every set-up step a fresh machine needs is here.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS := .tools
BUF := $(TOOLS)/node_modules/.bin/buf
BUF_VERSION := 1.75.0
HOST ?= 127.0.0.1
PORT ?= 50051
export CUSTOMER_CORE_HOST ?= $(HOST)
export CUSTOMER_CORE_PORT ?= $(PORT)

.PHONY: install run migrate test test-unit test-sqlite test-postgresql lint proto bench clean

$(STAMP): pyproject.toml
	@echo "==> setting up $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## The server on the embedded default (SQLite under ./var), no configuration needed.
run: install
	$(BIN)/customer-core migrate
	$(BIN)/customer-core serve

migrate: install
	$(BIN)/customer-core migrate

proto: install
	$(BIN)/python protos/generate.py

## The whole suite: unit tests, then every integration test on SQLite and on a real PostgreSQL.
test: install
	@echo "==> [1/3] unit tests"
	$(BIN)/pytest -q tests/unit
	@echo "==> [2/3] integration tests over gRPC on SQLite"
	$(BIN)/pytest -q tests/integration --backend=sqlite
	@echo "==> [3/3] integration tests over gRPC on PostgreSQL 15 (started by the suite)"
	$(BIN)/pytest -q tests/integration --backend=postgresql
	@echo "==> all test phases passed"

# `buf breaking` compares the contract with the last release's, kept as a buf image so that any
# clone checks it (no tag or history needed); additions pass. When cutting a release, rebuild it:
#   cd protos && ../$(BUF) build --exclude-source-info -o released.binpb
$(BUF):
	@echo "==> installing buf $(BUF_VERSION) from npm"
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) @bufbuild/buf@$(BUF_VERSION)

lint: install $(BUF)
	@echo "==> ruff"
	$(BIN)/ruff check src plugins tests bench protos
	$(BIN)/ruff format --check src plugins tests bench protos
	@echo "==> mypy"
	$(BIN)/mypy
	@echo "==> import contracts (.importlinter)"
	$(BIN)/lint-imports --no-cache
	@echo "==> buf lint"
	cd protos && ../$(BUF) lint
	@echo "==> buf breaking (against the last release's contract, protos/released.binpb)"
	cd protos && ../$(BUF) breaking --against released.binpb

## Benchmarks: each prints ratios against a baseline measured in the same run (see bench/README.md).
bench: install
	$(BIN)/python bench/kernel_throughput.py
	$(BIN)/python bench/crypto_throughput.py
	$(BIN)/python bench/ledger_throughput.py
	$(BIN)/python bench/set_based_writes.py
	$(BIN)/python bench/storage_footprint.py

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
