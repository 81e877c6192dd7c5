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

.PHONY: install demo test test-anvil test-ganache lint format compile node clean bench bench-update \
	slither invariants soak coverage postgresql chromium bench-index bench-web

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

## The full demo on a local Anvil that Brownie starts and stops. Not `brownie run scripts/demo.py`: Brownie imports a
## script by its absolute path's parts, which fails wherever the checkout's path has a dot (/home/jane.doe/...).
demo: install
	PYTHONWARNINGS=ignore::FutureWarning $(BIN)/python -m scripts.demo

## Lint and static analysis, the invariant fuzzing, then the whole test suite on Anvil, then on Ganache.
test: lint slither invariants test-anvil test-ganache

test-anvil: install postgresql chromium
	$(BIN)/brownie test tests/

# The index's tests start a throwaway PostgreSQL server of their own: its server programs must be installed (as root
# on Debian, this installs them; otherwise it says how).
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else echo "PostgreSQL's server programs are missing: apt-get install -y postgresql (as root)" >&2; exit 1; fi; }

# The web pages' tests (tests/web) drive a headless Chromium through Playwright; Playwright's own browser download
# cannot work offline, so they use Debian's (as root on Debian, this installs it; otherwise it says how).
chromium:
	@test -x /usr/bin/chromium || command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: apt-get install -y chromium (as root)" >&2; exit 1; fi; }

# On Ganache, everything that runs on Brownie's chain. Left out: the tests that start an Anvil of their own (the
# live-network deploy, the deploy's simulation and stopped-midway tests, the oracle service's crash and outage tests,
# the index, the web pages), which would only repeat the Anvil run; the gas snapshot, which is taken on Anvil (gas is the contracts'
# and the EVM's, not the node's); and the stateful property test, whose random walks take minutes on Anvil and several
# times that on Ganache (the same invariants are fuzzed far harder by `make invariants`).
test-ganache: install
	$(BIN)/brownie test tests/ --network ganache-cli \
		--ignore tests/cli/test_live_network.py --ignore tests/cli/test_deploy.py \
		--ignore tests/integration/test_oracle_service.py \
		--ignore tests/test_gas_snapshot.py --ignore tests/stateful --ignore tests/index --ignore tests/web

# Slither lives in a venv of its own: its pinned dependencies conflict with Brownie's.
SLITHER_VENV := .venv-slither
$(SLITHER_VENV)/.installed: tools/slither/requirements.txt
	test -x $(SLITHER_VENV)/bin/python || $(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/slither/requirements.txt
	touch $@

## Static analysis: fails on any finding not triaged in tools/slither/triage.yaml, or if nothing was analysed.
slither: install $(SLITHER_VENV)/.installed
	$(BIN)/python tools/slither/check.py

## Invariant fuzzing with Foundry (tests/invariant/): 256 runs x depth 100 per invariant.
invariants: install
	forge test

## The same invariants, deeper (2,048 runs x depth 500): minutes, not for every CI run.
soak: install
	FOUNDRY_PROFILE=soak forge test

## Branch coverage of the non-test contracts, fails below 95 %. Brownie needs step traces, which Anvil records only
## with --steps-tracing: a network `coverage-anvil` with that flag is (re)registered in Brownie's network list.
coverage: install
	-$(BIN)/brownie networks delete coverage-anvil >/dev/null 2>&1
	$(BIN)/brownie networks add Development coverage-anvil host=http://127.0.0.1 cmd=anvil port=8547 \
		steps_tracing=true accounts=10 gas_limit=12000000 base_fee=0 >/dev/null
	$(BIN)/brownie test tests/unitary tests/integration/test_lifecycle.py --coverage --network coverage-anvil
	$(BIN)/python tests/coverage_report.py

lint: install
	$(BIN)/ruff check impact scripts tests bench tools
	$(BIN)/ruff format --check impact scripts tests bench tools

format: install
	$(BIN)/ruff check --fix impact scripts tests bench tools
	$(BIN)/ruff format impact scripts tests bench tools

## Gas per operation against its floor, and trace speed as the chain grows (fresh Anvil and Ganache nodes):
## prints tables, writes bench/results.json, and checks bench/gas-snapshot.json. `make bench-update` rewrites the snapshot.
bench: install
	$(BIN)/python -m bench

bench-update: install
	$(BIN)/python -m bench --update --gas-only

## The index's benchmark alone (trace from the index and directly, sync throughput on SQLite and PostgreSQL).
bench-index: install postgresql
	$(BIN)/python -m bench --index-only

## The investor page's time alone: an investor with 50 events from a synced index (target ≤ 100 ms server-side).
bench-web: install
	$(BIN)/python -m bench --web-only

## A local Anvil on 127.0.0.1:8545 for trying the `impact` commands by hand (Ctrl-C stops it).
node: install
	anvil --port 8545

clean:
	rm -rf build reports .hypothesis
