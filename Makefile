# The two commands a new user runs: `make demo` and `make test`. Both start with `make setup`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Azurite (the Azure Storage emulator) for the azure_blob datastore tests, from npm.
AZURITE_VERSION := 3.37.0
AZURITE := .tools/node_modules/.bin/azurite-blob

.PHONY: setup bytecode demo test check bench lint fmt clean

setup: $(STAMP)

# Reinstall only when the project's dependencies change, so `make setup` is quick otherwise.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# NOTE: --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as here), nothing else ever
	# writes .pyc files, and every job runner, worker and CLI call would compile its imports
	# anew (scikit-learn: 3.5 s instead of 1.5 s).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

# Basalt's own modules, compiled for the same reason (only changed files are recompiled).
bytecode: setup
	$(BIN)/python -m compileall -q src

$(AZURITE): Makefile
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)
	touch $(AZURITE)

demo: bytecode
	$(BIN)/python examples/demo.py

check: setup
	$(BIN)/ruff format --check src tests bench examples docs
	$(BIN)/ruff check src tests bench examples docs
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python tools/check_module_size.py src/basalt
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_import_weight.py

# NOTE: two test processes (pytest-xdist), each taking whole files: most tests wait on real
# processes (jobs, servers, workers, the CLI), so two take 13 min where one took 23, even on a
# 2-core machine; fixtures use free ports and uniquely named databases and folders.
TEST_WORKERS ?= 2
test: check bytecode $(AZURITE)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: bytecode
	$(BIN)/python bench/run.py

fmt: setup
	$(BIN)/ruff format src tests bench examples docs
	$(BIN)/ruff check --fix src tests bench examples docs

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
