# lps_geo: two commands do all the set-up on a fresh machine.
#   make demo   create .venv, install lps_geo, run the method on the demo data
#   make test   create .venv, install lps_geo with test extras, run the tests
#               (TEST_WORKERS=2 processes, pytest-xdist; TEST_WORKERS=0: serial)
#   make plugin build the QGIS plugin zip: dist/lps_geo_qgis-<version>.zip
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= out/demo
# Test worker processes (pytest-xdist). --dist loadfile: each test file runs
# whole on one worker, so its module fixtures (a demo run, a national table)
# are built once (tests/conftest.py also keeps the two files that compile
# esda's kernels together); files go out in collection order, the small
# doctest files last. TEST_WORKERS=0 runs the tests serially in one process.
TEST_WORKERS ?= 2

.PHONY: demo test lint examples demo-data bench plugin clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]" "pytest-xdist>=3.5"
	$(PY) -m pip install -q --no-deps gdal-utils
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/lps-geo demo --out $(OUT) --overwrite

test: $(VENV)/.installed
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check lps_geo tests benchmarks qgis_plugin
	$(VENV)/bin/ruff format --check lps_geo tests benchmarks qgis_plugin

# Refresh the example outputs shown in the README (maps/).
examples: demo
	cp $(OUT)/maps/*.png maps/
	cp $(OUT)/report.json maps/demo_report.json
	pdftoppm -r 60 -png -f 6 -l 6 -singlefile $(OUT)/atlas.pdf maps/atlas_page

# Benchmarks print ratios against references measured in the same run.
bench: $(VENV)/.installed
	$(PY) benchmarks/spatial.py --quick
	$(PY) benchmarks/demo_stages.py

# Regenerate the synthetic demo inputs (deterministic).
demo-data: $(VENV)/.installed
	$(PY) -m lps_geo.demo data/shapefiles --overwrite

# The QGIS plugin as an installable zip (standard library only, no venv needed).
plugin:
	$(PYTHON) qgis_plugin/build.py --out dist

clean:
	rm -rf out build dist *.egg-info .pytest_cache
