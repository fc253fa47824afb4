# Two commands do everything on a fresh Debian machine:
#   make demo   set up Python, run the main job on the embedded macro data, write a table and plots
#   make test   set up Python and R (apt installs when missing), run pytest and the R tests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
R_DEBS := r-base-core r-cran-reticulate r-cran-testthat r-cran-knitr r-cran-rmarkdown r-cran-forecast pandoc
OUT ?= results/demo
PYTEST_ARGS ?=
# pytest runs its test files on both cores (pytest-xdist; one file per worker at a time, so a file's
# module fixtures, e.g. the embedded R or the local Ray cluster, start once): PYTEST_JOBS=1 = one process.
PYTEST_JOBS ?= 2
# The R package (DESCRIPTION at the root) and where `make r-check` builds and checks it.
R_PKG_FILES := DESCRIPTION NAMESPACE LICENSE .Rbuildignore R man
RCHECK_DIR ?= results/r-check
SHARED_DATA ?= $(abspath ../shared/data)
R_ENV = RETICULATE_PYTHON=$(abspath $(PY)) PYTHONPATH=$(CURDIR) PYBBDL_SHARED_DATA=$(SHARED_DATA)

# The vignettes (vignettes/*.Rmd) and where `make vignettes` writes their HTML (git-ignored). Each renders in
# its own R process; VIGNETTE_JOBS of them at a time (2: both cores; their start-up, R + Python + Keras, is
# mostly single-threaded: 148 s one after the other in `make test`). Any failing vignette fails the target.
VIGNETTE_JOBS ?= 2
QUICK ?= true
VIGNETTES_OUT ?= results/vignettes
VIGNETTE_FILES := $(sort $(wildcard vignettes/*.Rmd))

.PHONY: demo test test-python test-r r-check setup setup-r r-debs bench clean help vignettes render-vignettes

help:
	@echo "make demo   - set up, then forecast US CPI inflation (naive, ARIMA, dense, LSTM, GRU; 3 seeds) into $(OUT)/"
	@echo "make test   - set up (Python venv + Debian R packages), run pytest, the R tests and R CMD check"
	@echo "make r-check - R CMD build + R CMD check --no-manual of the R package (in $(RCHECK_DIR)/)"
	@echo "make vignettes - render vignettes/*.Rmd to HTML in $(VIGNETTES_OUT)/ (QUICK=false: full runs, hours)"
	@echo "make bench  - run the benchmarks in benchmarks/ (slow; needs ../shared/data)"

demo: setup
	$(VENV)/bin/pybbdl forecast --dataset macro --models naive,arima,dense,lstm,gru --seeds 3 --future 8 --out $(OUT)

test: setup-r
	$(PY) -m pytest $(if $(filter-out 1,$(PYTEST_JOBS)),-n $(PYTEST_JOBS) --dist loadfile) $(PYTEST_ARGS)
	@if [ -f DESCRIPTION ] && [ -d tests/testthat ]; then $(MAKE) --no-print-directory test-r r-check render-vignettes QUICK=true RCHECK_TESTS=no; fi

test-r:
	$(R_ENV) Rscript -e 'testthat::test_local(".", reporter = "summary", stop_on_failure = TRUE)'

# R CMD build copies the whole folder (.venv included) before applying .Rbuildignore, so the
# package is staged first. The check's tests skip the network training that test-r has just run
# (PYBBDL_R_CHECK_QUICK); it fails on any ERROR or WARNING (NOTEs are printed). `make test` passes
# RCHECK_TESTS=no: test-r has just run the same testthat files on the same code, so the check skips them
# (--no-tests) and checks the package itself (docs, code, examples, NAMESPACE).
RCHECK_TESTS ?= yes
r-check:
	rm -rf $(RCHECK_DIR) && mkdir -p $(RCHECK_DIR)/pybbdl/tests
	cp -R $(R_PKG_FILES) $(RCHECK_DIR)/pybbdl/
	cp -R tests/testthat.R tests/testthat $(RCHECK_DIR)/pybbdl/tests/
	cd $(RCHECK_DIR) && R CMD build --no-build-vignettes --no-manual pybbdl
	cd $(RCHECK_DIR) && $(R_ENV) PYBBDL_R_CHECK_QUICK=1 _R_CHECK_FORCE_SUGGESTS_=false \
	  R CMD check --no-manual --no-build-vignettes $(if $(filter no,$(RCHECK_TESTS)),--no-tests) pybbdl_*.tar.gz
	@status=$$(grep '^Status:' $(RCHECK_DIR)/pybbdl.Rcheck/00check.log); echo "R CMD check: $$status"; \
	if echo "$$status" | grep -qE 'ERROR|WARNING'; then \
	  grep -B2 -A12 -E '\.\.\. (ERROR|WARNING)$$' $(RCHECK_DIR)/pybbdl.Rcheck/00check.log; exit 1; fi

# Renders each vignette in its own R process with the R package installed into a temporary
# library (staged like r-check, so .venv is not copied) and this checkout's pybbdl on PYTHONPATH.
# Fails when any chunk errors (xargs exits 123). `make test` runs it in quick mode.
vignettes: setup-r
	@$(MAKE) --no-print-directory render-vignettes

render-vignettes:
	rm -rf $(VIGNETTES_OUT)/library $(VIGNETTES_OUT)/stage && mkdir -p $(VIGNETTES_OUT)/library $(VIGNETTES_OUT)/stage/pybbdl
	cp -R $(R_PKG_FILES) $(VIGNETTES_OUT)/stage/pybbdl/
	R CMD INSTALL --no-test-load --no-html -l $(VIGNETTES_OUT)/library $(VIGNETTES_OUT)/stage/pybbdl >$(VIGNETTES_OUT)/install.log 2>&1 || { cat $(VIGNETTES_OUT)/install.log; exit 1; }
	@printf '%s\n' $(VIGNETTE_FILES) | xargs -P $(VIGNETTE_JOBS) -I{} env $(R_ENV) \
	  R_LIBS=$(abspath $(VIGNETTES_OUT)/library) PYTHONPATH=$(CURDIR) TF_CPP_MIN_LOG_LEVEL=3 \
	  Rscript vignettes/render.R {} $(VIGNETTES_OUT) $(QUICK)

setup: $(VENV)/.installed

setup-r: r-debs $(VENV)/.installed-r

# venv + pinned install; re-runs when the dependency files change.
$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pybbdl needs Python >= 3.11, found " + sys.version' 
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  echo "installing python3-venv (apt)"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e ".[dev,ray]"
	# test oracle only, never imported by pybbdl: 0.9.0 pins TF <= 2.15 and Keras 2, so skip its deps
	$(PIP) install -q --no-deps tensorflow-privacy==0.9.0
	# compile the ARIMA likelihood (numba, cached in pybbdl/models/__pycache__) once here, not in every
	# first process that fits an ARIMA (about a minute on 2 cores)
	$(PY) -c 'from pybbdl.models.auto_arima import warm_up; warm_up()'
	touch $@

$(VENV)/.installed-r: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e ".[dev,ray,r]"
	touch $@

# Debian's R side, installed only when something is missing.
r-debs:
	@missing=""; for p in $(R_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

bench: setup
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis *.Rcheck pybbdl_*.tar.gz
