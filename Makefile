# Two commands: `make run` starts the app, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-libraries.txt | cksum | cut -d' ' -f1)
CHROMIUM := /usr/bin/chromium
HAPROXY := /usr/sbin/haproxy
WORKERS ?= $(shell nproc)
PORT ?= 8501
SERVE_OPTIONS ?=  # e.g. --user lrviz (run as root, serve runs its workers as nobody)

.PHONY: run test lint bench serve

$(STAMP): requirements.txt requirements-dev.txt requirements-libraries.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-libraries.txt
	rm -f $(VENV)/.installed-* && touch $@

$(CHROMIUM):  # the browser tests drive Debian's Chromium (Playwright cannot download browsers here)
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium"; exit 1; fi

$(HAPROXY):  # `make serve` and its test put Debian's HAProxy in front of the workers
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; \
	else echo "lrviz serve needs Debian's haproxy: sudo apt-get install -y haproxy"; exit 1; fi

run: $(STAMP)
	$(PY) -m streamlit run app.py

lint: $(STAMP)
	$(PY) -m ruff check .

serve: $(STAMP) $(HAPROXY)  # one worker per core behind HAProxy: make serve WORKERS=2 PORT=8501
	$(PY) -m lrviz serve --workers $(WORKERS) --port $(PORT) $(SERVE_OPTIONS)

test: $(STAMP) $(CHROMIUM) $(HAPROXY) lint
	$(PY) -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) bench/speed.py
