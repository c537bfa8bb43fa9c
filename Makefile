# `make demo` and `make test` do all the set-up on a fresh machine.
# The distribution's optimised Python when there is one (scripts/pick-python says why).
PYTHON ?= $(shell scripts/pick-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint unit bench fuzz system-tools clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: set PYTHON to a Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@# An editable install is not compiled by pip: write posture's bytecode once, as an installed copy has it.
	$(BIN)/python -m compileall -q posture checks reports >/dev/null
	touch $(STAMP)

system-tools:
	@scripts/install-system-tools

# A full headless assessment of the bundled sample (scans only 127.0.0.1). Exit 1 means "found
# something serious", which is the demo working; 2 and above is a failure.
demo: $(STAMP) system-tools
	@$(BIN)/posture scan sample_configs/demo.yaml --out out/demo; rc=$$?; \
	 if [ $$rc -gt 1 ]; then echo "make demo: posture exited $$rc" >&2; exit $$rc; fi

lint: $(STAMP)
	$(BIN)/ruff check posture checks reports tests bench
	$(BIN)/mypy posture checks reports
	$(BIN)/lint-imports

test: $(STAMP) system-tools lint
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(STAMP) system-tools
	$(BIN)/python -m bench

# The long fuzz run: 10,000 generated inputs per parser (about 15 minutes). `make test` runs a short one.
fuzz: $(STAMP)
	POSTURE_FUZZ_LONG=1 $(BIN)/pytest -q -p no:cacheprovider tests/hardening/test_fuzz_core.py \
	    tests/hardening/test_fuzz_evidence.py

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache
