# The two commands: `make demo` (end-to-end run on the bundled sample site) and `make test`;
# `make airflow` / `make airflow-down` for a local Airflow with its web UI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean docs report airflow airflow-down

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newslake demo

airflow: $(STAMP)
	$(BIN)/newslake airflow up

airflow-down: $(STAMP)
	$(BIN)/newslake airflow down

test: $(STAMP)
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/newslake schema-docs

report: $(STAMP)
	$(BIN)/newslake report

lint: $(STAMP)
	$(BIN)/ruff check include dags tests bench

bench: $(STAMP)
	$(BIN)/python bench/quality_extraction.py
	$(BIN)/python bench/quality_dates.py

clean:
	-[ -x $(BIN)/newslake ] && $(BIN)/newslake airflow down  # a running local stack keeps its pid files under .newslake
	rm -rf $(VENV) .newslake lake
