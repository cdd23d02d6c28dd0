# Cold-night patrol: `make demo` to see it, `make test` to check it, `make bench` to measure it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
LEAFLET := maps/static/leaflet/leaflet.js
GEOMAN := maps/static/geoman/leaflet-geoman.min.js
HEAT := maps/static/heat/leaflet-heat.js
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: install assets system demo test test-fast bench lint clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# Leaflet, its drawing plugin Leaflet-Geoman and Leaflet.heat come from the npm registry at build
# time and are served by the app itself.
assets: $(LEAFLET) $(GEOMAN) $(HEAT)

$(LEAFLET) $(GEOMAN) $(HEAT): | $(STAMP)
	$(BIN)/python -m maps.vendor

# Browser tests drive Debian's chromium (screenshots need a Chinese font); the scale tests
# start Debian's redis-server as the shared queue. As root they are installed when missing.
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "missing:$$missing; browser and scale tests will skip (install with: sudo apt-get install$$missing)"; \
	fi

demo: $(STAMP) assets
	$(BIN)/patrol demo --host $(HOST) --port $(PORT)

test: $(STAMP) assets system
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(STAMP) assets
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python bench/plan_night.py
	$(BIN)/python bench/matrix.py
	$(BIN)/python bench/replan.py
	$(BIN)/python bench/plan_versions.py
	$(BIN)/python bench/solomon.py ../shared/bench/vrp/data/solomon --seconds 10
	$(BIN)/python bench/patrol_sized.py --seconds 10
	$(BIN)/python bench/patrol_night.py
	$(BIN)/python bench/shelter_reach.py
	$(BIN)/python bench/recommend.py
	$(BIN)/python bench/live.py
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/phone_page.py
	$(BIN)/python bench/registry_import.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/responsiveness.py
	$(BIN)/python bench/province.py
	$(BIN)/python bench/lost_jobs.py

lint: $(STAMP)
	$(BIN)/ruff check routes dispatch maps webapp tests bench
	$(BIN)/mypy routes dispatch

clean:
	rm -rf $(VENV) maps/static/leaflet maps/static/geoman maps/static/heat build *.egg-info
