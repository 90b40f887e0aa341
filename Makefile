# leadscore — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# dvc runs stage commands in a shell: put the venv first so `leadscore` is found.
export PATH := $(abspath $(BIN)):$(PATH)
STAMP := $(VENV)/.installed-$(shell cat constraints.txt pyproject.toml | sha256sum | cut -c1-12)

.DEFAULT_GOAL := help
.PHONY: help install repro test lint format bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## Create .venv and install pinned dependencies
	@test -d .dvc || $(BIN)/dvc init --quiet

repro: install ## Run the whole pipeline (dvc repro) on the embedded synthetic CRM
	$(BIN)/dvc repro
	@$(BIN)/leadscore where

test: install ## Run the test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## Check style with ruff
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install ## Format and autofix with ruff
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: install ## Run the benchmarks at full size (1M leads, 50M activities; slow)
	$(BIN)/python bench/generate.py && $(BIN)/python bench/features.py && $(BIN)/python bench/score.py

clean: ## Remove generated data, reports and the local MLflow store
	rm -rf data mlflow.db mlartifacts reports/*.html
