# Two commands for a fresh machine: `make demo` and `make test`. Each installs what is missing first
# (a project-local .venv, node_modules, the solc shim) and is quick when nothing is missing.

SHELL := /bin/bash
PYTHON ?= python3
SOLC_VERSION := 0.8.37

VENV := .venv
BIN := $(VENV)/bin
SOLC_SHIM := .solc-bin/solc-v$(SOLC_VERSION)

# Brownie and py-solc-x find the compiler shim here, and Brownie starts anvil / ganache-cli from node_modules.
export SOLCX_BINARY_PATH := $(CURDIR)/.solc-bin
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)

.PHONY: install demo test test-anvil test-ganache lint format compile node clean

install: node_modules/.installed $(SOLC_SHIM) $(VENV)/.installed

# The venv's last step compiles the contracts, which needs the solc shim (and so node_modules) first.
$(VENV)/.installed: requirements.txt pyproject.toml $(SOLC_SHIM)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/brownie compile >/dev/null
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SOLC_SHIM): tools/solc-shim.js node_modules/.installed
	mkdir -p $(dir $@)
	ln -sf ../tools/solc-shim.js $@
	test "$$($@ --version | tail -n 1)" = "Version: $$(node -p 'require("solc").version()')"

compile: install
	$(BIN)/brownie compile

## The full demo on a local Anvil that Brownie starts and stops.
demo: install
	PYTHONWARNINGS=ignore::FutureWarning $(BIN)/brownie run scripts/demo.py

## Lint, then the whole test suite on Anvil, then on Ganache.
test: lint test-anvil test-ganache

test-anvil: install
	$(BIN)/brownie test tests/

# On Ganache, everything that runs on Brownie's chain. Left out: the tests that start an Anvil of their own (the
# live-network deploy and the oracle service's crash and outage tests), which would only repeat the Anvil run.
test-ganache: install
	$(BIN)/brownie test tests/ --network ganache-cli \
		--ignore tests/cli/test_live_network.py --ignore tests/integration/test_oracle_service.py

lint: install
	$(BIN)/ruff check impact scripts tests
	$(BIN)/ruff format --check impact scripts tests

format: install
	$(BIN)/ruff check --fix impact scripts tests
	$(BIN)/ruff format impact scripts tests

## A local Anvil on 127.0.0.1:8545 for trying the `impact` commands by hand (Ctrl-C stops it).
node: install
	anvil --port 8545

clean:
	rm -rf build reports .hypothesis
