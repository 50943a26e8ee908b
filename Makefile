# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= output

.PHONY: demo test lint system-deps bench gazetteer clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build examples/news -o $(OUT)

system-deps:
	./.ci/system-deps

lint: $(STAMP)
	$(BIN)/ruff check kg tests bench

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

gazetteer: $(STAMP)
	$(BIN)/python -m kg.gazetteer_build

clean:
	rm -rf $(VENV) $(OUT)/store $(OUT)/graph.* $(OUT)/report.json $(OUT)/void.ttl $(OUT)/*.csv $(OUT)/*.png
