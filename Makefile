# The two commands a new user runs: `make demo` and `make test`. Both start with `make setup`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Azurite (the Azure Storage emulator) for the azure_blob datastore tests, from npm.
AZURITE_VERSION := 3.37.0
AZURITE := .tools/node_modules/.bin/azurite-blob
# The studio (web/) is built into the package, where `basalt server start` serves it.
STUDIO := src/basalt/server/static/index.html
WEB_DEPS := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/public web/index.html web/package.json web/vite.config.ts web/tsconfig.json -type f -not -name schema.d.ts 2>/dev/null)
API_SOURCES := $(shell find src/basalt/spec src/basalt/server -name '*.py' 2>/dev/null)
# Browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup studio web-test bytecode demo test check bench lint fmt clean

setup: $(STAMP) studio

# Reinstall only when the project's dependencies change, so `make setup` is quick otherwise.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# NOTE: --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as here), nothing else ever
	# writes .pyc files, and every job runner, worker and CLI call would compile its imports
	# anew (scikit-learn: 3.5 s instead of 1.5 s).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

# NOTE: without npm the server still runs; its / page says how to build the studio.
studio: $(STAMP)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(STUDIO); \
	else echo "warning: npm not found: the studio is not built (install Node.js 20+, rerun make setup)"; fi

# NOTE: not `npm ci`: Vite 8 names an optional Windows-only package the registry does not
# have, so the lock file never lists it and `npm ci` refuses; `npm install` still follows the
# lock file's versions.
$(WEB_DEPS): web/package-lock.json
	npm install --prefix web --no-save --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)

# The UI's API types come from this document (npm run build regenerates src/api/schema.d.ts).
web/openapi.json: $(STAMP) $(API_SOURCES) tools/openapi_json.py
	$(BIN)/python tools/openapi_json.py $@

$(STUDIO): $(WEB_DEPS) web/openapi.json $(WEB_SOURCES)
	cd web && npm run build --silent

web-test: $(WEB_DEPS)
	cd web && npx vitest run

$(CHROMIUM):
	$(SUDO) apt-get install -y -qq chromium || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

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
test: check bytecode $(AZURITE) $(CHROMIUM) web-test
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: bytecode
	$(BIN)/python bench/run.py

fmt: setup
	$(BIN)/ruff format src tests bench examples docs
	$(BIN)/ruff check --fix src tests bench examples docs

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache web/node_modules src/basalt/server/static
