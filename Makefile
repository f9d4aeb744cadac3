# spikesweep: two commands, `make run` and `make test`, on a fresh machine.
# Both (re)create .venv with Python 3.13 when it is missing or when the pins changed.

VENV := .venv
STAMP := $(VENV)/.installed
PINS := pyproject.toml requirements.lock

# Python 3.13 is required by brian2 2.11. Take PYTHON from the environment, else a
# python3.13 on PATH, else pyenv's 3.13.x.
PYTHON ?= $(shell for p in python3.13 "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v "$$p"; break; }; \
	done)

.PHONY: run test lint lock clean-venv compiler flywire-data

$(STAMP): $(PINS)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.13 not found (brian2 2.11 needs it)." >&2; \
	  echo "Install it (e.g. 'pyenv install 3.13.0', or your OS package python3.13)" >&2; \
	  echo "or point to it: make PYTHON=/path/to/python3.13 ..." >&2; exit 1; fi
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

run: $(STAMP) compiler
	$(VENV)/bin/snakemake --cores all

# Brian2's cpp_standalone engine (the default codegen_target) compiles C++.
compiler:
	@command -v g++ >/dev/null && command -v make >/dev/null || { \
	  echo "error: the default engine (codegen_target: cpp_standalone) needs g++ and make" >&2; \
	  echo "(Debian/Ubuntu: apt install g++ make; ccache is optional and speeds up rebuilds)," >&2; \
	  echo "or run Brian2's runtime: snakemake --cores all --config codegen_target=cython" >&2; \
	  exit 1; }

# A synthetic FlyWire v783-sized file pair (about 1 min, 1.7 GB) holding the ids of
# config/studies/flywire.yaml; put the real files there instead to run the real brain.
FLYWIRE := data/flywire
flywire-data: $(FLYWIRE)/Connectivity_783.parquet

$(FLYWIRE)/Connectivity_783.parquet: | $(STAMP)
	$(VENV)/bin/python -m spikesweep.networks.synthetic --study config/studies/flywire.yaml \
	  --neurons $(FLYWIRE)/Completeness_783.csv --connectivity $@

test: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(VENV)/bin/snakemake --lint

# Re-resolve the transitive pins from pyproject's direct pins (needs the registries).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude spikesweep > requirements.lock
	rm -rf .lock-venv

clean-venv:
	rm -rf $(VENV)
