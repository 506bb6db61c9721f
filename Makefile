# Shipping ML: the entry points. Needs only python3 (3.11+) and make
# (plus npm once, to fetch the two widget scripts the offline book serves).
#   make book    set up .venv, build the HTML book into _build/html
#   make serve   the built book at http://127.0.0.1:8000/ (search works fully there, not from file://)
#   make test    set up .venv, run every test tier
#   make lab     JupyterLab with jupytext and jupyterlab-myst: double-click a notebook's .ipynb twin, MyST renders
#   make bench   each notebook's execution seconds, the course total, kernel start-up, make test per tier
#   make mlflow-ui  MLflow's UI on the course's tracking store (_build/mlflow/) at http://127.0.0.1:5000/

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JB     := $(BIN)/jupyter-book

# Widget scripts for the static book, from pinned registry packages.
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
REQUIREJS    := requirejs@2.3.8
WIDGETS_JS   := _widgets_js/.fetched
# axe-core, the accessibility checker the browser tests run in each page (not served by the book)
AXE          := axe-core@4.14.1
AXE_JS       := _test_js/axe.min.js

NOTEBOOKS  := $(wildcard book/*.md chapters/*.md exercises/*.md solutions/*.md)
LIBRARY    := $(wildcard shipml/*.py shipml/*/*.py shipml/*/*/*.py shipml/*/*/*/*.py shipml/*/*.csv shipml/*/*.yaml)
BOOK_INPUT := _config.yml _toc.yml $(NOTEBOOKS) $(LIBRARY) $(wildcard book/widgets-js/*)

.PHONY: all setup book serve test test-unit test-notebooks test-book book-from-cache test-browser sandbox lab bench mlflow-ui clean help
all: book

help:
	@sed -n '1,8p' Makefile | sed 's/^# \{0,1\}//'

# ---- set-up: reinstall only when the lock or the package metadata changed ----
setup: $(STAMP) $(WIDGETS_JS)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Shipping ML needs Python 3.11 or newer; python3 is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

$(WIDGETS_JS): Makefile
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed once, to fetch the widget scripts the offline book serves"; exit 1; }
	rm -rf _widgets_js && mkdir -p _widgets_js/.pack _widgets_js/html-manager
	cd _widgets_js/.pack && npm pack --silent $(HTML_MANAGER) $(REQUIREJS) >/dev/null
	tar -xzf _widgets_js/.pack/jupyter-widgets-html-manager-*.tgz -C _widgets_js/.pack
	tar -xzf _widgets_js/.pack/requirejs-*.tgz -C _widgets_js/.pack package/require.js
	cp _widgets_js/.pack/package/require.js _widgets_js/require.js
	cd _widgets_js/.pack/package/dist && cp embed-amd.js *.woff *.woff2 *.ttf *.eot *.svg ../../../html-manager/
	rm -rf _widgets_js/.pack
	@touch $@

$(AXE_JS): Makefile
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed once, to fetch axe-core for the browser tests"; exit 1; }
	rm -rf _test_js && mkdir -p _test_js/.pack
	cd _test_js/.pack && npm pack --silent $(AXE) >/dev/null
	tar -xzf _test_js/.pack/axe-core-*.tgz -C _test_js/.pack package/axe.min.js
	cp _test_js/.pack/package/axe.min.js $@
	rm -rf _test_js/.pack

# ---- the book: rebuilt only when a source or the library changed ----
# A changed library clears nothing: `shipml execute` executes again exactly the
# notebooks whose own code or whose shipml code (the modules they use,
# transitively, and those modules' data files) changed, rewrites their check
# logs and removes their saved pages, so Sphinx reads those pages again
# (shipml.course.execution); a change to the book's extension or what it
# imports has Sphinx read every page again (shipml.course.sphinxext's
# env_version). This stamp only marks the library as seen.
_build/.library: $(LIBRARY) | $(STAMP)
	@mkdir -p _build && touch $@

# Every notebook is executed once, two at a time, into the book's cache
# (`shipml execute`); the build then only reads the cache.
_build/html/index.html: $(STAMP) $(WIDGETS_JS) _build/.library $(BOOK_INPUT)
	$(BIN)/shipml execute --jobs 2 --no-validate
	$(JB) build --warningiserror --nitpick --keep-going .
	@touch $@

book: _build/html/index.html
	@echo "The book is in _build/html: make serve, then open http://127.0.0.1:$(PORT)/ (as a file, search shows no excerpts)"

# the built book on this machine only, at a local address where everything works (search included)
PORT ?= 8000
serve: book
	@echo "Serving the book at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# ---- tests: every tier of CONTRIBUTING.md, each notebook executed once ----
# 1. the exercises are current; 2. unit tests on both cores; 3. every notebook
# executed once (a failing cell or assert fails it) with its checks logged, the
# exercises validated both ways from those logs, and the book built from the
# cache with zero warnings; 4. the tests that read what 3 left; 5. the browser.
TIERS := _build/test-tiers.json

test: setup _build/.library
	@echo '{}' > $(TIERS)
	$(call timed,exercises,$(BIN)/shipml exercises --check)
	$(call timed,unit,$(MAKE) --no-print-directory test-unit)
	$(call timed,execute,$(BIN)/shipml execute --jobs 2)
	$(call timed,book,$(MAKE) --no-print-directory book-from-cache)
	$(call timed,after-book,$(BIN)/python -m pytest tests -q -m "book and not browser")
	$(call timed,browser,$(MAKE) --no-print-directory test-browser)

# $(call timed,name,command): run command, add its wall seconds to $(TIERS) (make bench reports them)
timed = @echo '$(strip $(2))'; start=$$(date +%s.%N); $(2) || exit 1; $(BIN)/python -c 'import json,sys,time; p="$(TIERS)"; d=json.load(open(p)); d[sys.argv[1]]=round(time.time()-float(sys.argv[2]),1); json.dump(d,open(p,"w"),indent=1)' $(1) $$start

# on both cores, then the tests that time code, alone (a second worker would be their noisy neighbour)
test-unit: setup sandbox
	$(BIN)/ruff check --no-cache shipml tests
	$(BIN)/python -m pytest tests -q -n 2 -m "not browser and not book and not timing"
	$(BIN)/python -m pytest tests -q -m "timing"

# bubblewrap, the sandbox of `shipml grade` (Debian's; installed here when missing and we are root)
sandbox:
	@command -v bwrap >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } ; } || \
	  echo "bubblewrap could not be installed: the sandbox tests will say why they skip, and shipml grade needs it (or --no-sandbox)"

# nbval (lax) over the chapters and solutions, for a developer checking one
# notebook by hand; `make test` gets the same guarantee from `shipml execute`.
test-notebooks: setup
	$(BIN)/python -m pytest --nbval-lax -q chapters solutions

# every notebook executed once into the cache, the exercises validated both
# ways, then the book with zero warnings (without -W a failing cell still exits 0)
test-book: setup _build/.library
	$(BIN)/shipml execute --jobs 2
	$(MAKE) --no-print-directory book-from-cache

# the book from the execution cache: a notebook the build had to execute
# itself would be a second execution, so it fails
book-from-cache: setup _build/.library
	$(JB) build --all --warningiserror --nitpick --keep-going . > _build/book-build.log 2>&1; \
	  status=$$?; cat _build/book-build.log; exit $$status
	@! grep -n "Executing notebook" _build/book-build.log || \
	  { echo "the book build executed the notebooks above itself: each must come from shipml execute's cache"; exit 1; }
	@touch _build/html/index.html

# the built book in headless Chromium (Debian's; installed here when missing and we are root)
test-browser: setup $(AXE_JS)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } ; } || \
	  echo "chromium could not be installed: the browser tests will say why they skip"
	$(BIN)/python -m pytest tests -q -m browser

# Double-clicking a .md notebook opens it as a notebook (jupytext), not as text.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# book/lab/overrides.json: Lab's settings for the course (tests/course/test_lab.py starts Lab with the same file)
$(LAB_SETTINGS): $(STAMP) book/lab/overrides.json
	@mkdir -p $(dir $@)
	cp book/lab/overrides.json $@

# Each notebook gets its .ipynb twin (jupytext.toml pairs them; the newer side wins, so nothing is lost), which
# a double-click opens as a notebook: jupytext >= 1.19.1 ignores the default-viewer setting for .md files.
lab: setup $(LAB_SETTINGS)
	$(BIN)/jupytext --sync --quiet chapters/*.md exercises/*.md solutions/*.md
	$(BIN)/jupyter lab --ServerApp.open_browser=False $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup
	$(BIN)/python benchmarks/run.py

# MLflow's UI on the course's tracking store (_build/mlflow/; chapter 5's runs are logged into it when it is empty)
MLFLOW_PORT ?= 5000
mlflow-ui: setup
	$(BIN)/python -m shipml.tracking.mlflow_store _build/mlflow
	@echo "MLflow's UI at http://127.0.0.1:$(MLFLOW_PORT)/ (Ctrl+C stops it)"
	MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=1 $(BIN)/mlflow ui --backend-store-uri sqlite:///_build/mlflow/mlflow.db \
	  --default-artifact-root _build/mlflow/artifacts --host 127.0.0.1 --port $(MLFLOW_PORT)

clean:
	rm -rf _build _widgets_js _test_js
