# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench sync clean

# The stamp is rebuilt when pyproject.toml changes, so `make` refreshes the venv.
$(VENV)/.run-stamp: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-stamp: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.run-stamp $@

run: $(VENV)/.run-stamp
	@$(BIN)/python -m bot

sync: $(VENV)/.run-stamp
	@$(BIN)/python -m bot sync

test: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/deptry .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Every runtime dependency at its lowest allowed version, in a throwaway venv (needs the package index).
.PHONY: floors
floors: $(VENV)/.dev-stamp
	BOOKCLUB_CHECK_FLOORS=1 $(BIN)/python -m pytest -q -rs tests/test_floors.py

# The hostile suite (tests/hostile) with many more generated inputs than `make test` runs, a new
# seed each time; it prints how many inputs each command family tried.
.PHONY: fuzz
fuzz: $(VENV)/.dev-stamp
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/hostile

bench: $(VENV)/.dev-stamp
	$(BIN)/python -m bench

# The scale table (bench/scale.py) on the full seed of issue #14: 1,000 servers, 200k books, 1M
# ratings (built once in ~20 s, then cached in ~/.cache/bookclub-bench).
.PHONY: bench-scale
bench-scale: $(VENV)/.dev-stamp
	BENCH_SCALE=full $(BIN)/python -m bench scale

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
