# Two commands for a fresh machine (see README):
#   make demo   set up, compile a bundled sample and show the result, run it on a message
#   make test   set up and run the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: venv demo test lint bench clean

$(BIN)/osipsc: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/osipsc

venv: $(BIN)/osipsc

demo: venv
	$(BIN)/osipsc compile samples/residential/residential.cfg -o -
	$(BIN)/osipsc run samples/residential/residential.cfg samples/residential/messages/*.sip

test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/frontend.py
	$(BIN)/python benchmarks/compile.py
	$(BIN)/python benchmarks/runtime.py
	$(BIN)/python benchmarks/mi.py

clean:
	rm -rf $(VENV) build *.egg-info
