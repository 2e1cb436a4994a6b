SHELL := /bin/bash
# The README's two commands: `make run` (set up, run the main job) and `make test` (set up with dev extras, run every check).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT ?= runs/demo
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev check-sync check-modules check-style nbtest pytest readme docs notebooks browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python settings.ini setup.py
	$(BIN)/pip install -q -e . 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -e ".[dev]" 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Main job: train and sample the core's worked example, write images and metrics.json to $(OUT)
run: install
	$(BIN)/multidiff demo --out $(OUT) --overwrite

## Every check: notebooks and library in sync, no orphan module, library style limits, notebook tests, pytest
## (its docs-site test opens every page in headless Chromium: `make browser` installs it where apt-get may run)
test: install-dev browser check-modules check-style check-sync nbtest pytest

check-modules: install-dev
	$(BIN)/python tools/check_modules.py

check-style: install-dev
	$(BIN)/python tools/check_style.py --check

check-sync: install-dev
	$(BIN)/python tools/check_sync.py $(BIN)
	$(BIN)/python tools/build_readme.py --check

# One torch thread per notebook worker: two workers of two threads each on two cores made notebooks up to 8x slower (11 min vs 2 min here).
nbtest: install-dev
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 2 --timing

# Two pytest workers of one torch thread each, a test file per worker (its module fixtures train once): on two cores
# this beats one process of two threads, whose small convolutions barely use the second thread.
pytest: install-dev
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest tests/ -q -p no:cacheprovider -n 2 --dist loadfile --durations=12

readme: install-dev
	$(BIN)/python tools/build_readme.py

## Re-execute the tutorials and figure notebooks from the shipped checkpoints (fixed seeds), storing their outputs (~10 min)
notebooks: install-dev
	$(BIN)/python tools/run_notebooks.py

## The documentation site from README.md and nbs/ (mkdocs-material + mkdocs-jupyter): _site/index.html
docs: install-dev
	$(BIN)/python tools/build_docs.py

## Debian's Chromium and its driver for the docs-site test, when missing and we are root (CI); else the test skips
browser:
	@if ! command -v chromedriver >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "browser: apt-get could not install chromium; the docs-site test will skip"; fi

bench: install-dev
	$(BIN)/python benchmarks/sampling_overhead.py --out benchmarks/results/sampling_overhead.json
	$(BIN)/python benchmarks/training_throughput.py --out benchmarks/results/training_throughput.json

clean:
	rm -rf $(VENV) runs _proc _docs_src _site
