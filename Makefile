# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PORT ?= 8000
PYTHON := $(UV) run --frozen python

.PHONY: run test setup uv migrate messages bench

uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@command -v $(UV) >/dev/null 2>&1 || { echo "uv could not be installed"; exit 1; }

setup: uv
	$(UV) sync --frozen

run: setup
	DEBUG=1 $(PYTHON) manage.py migrate --noinput
	DEBUG=1 $(PYTHON) manage.py seed_demo
	@# The address is printed once the port answers, not before the server has started.
	@( for i in $$(seq 1 1200); do \
	    if (exec 3<>/dev/tcp/127.0.0.1/$(PORT)) 2>/dev/null; then \
	      echo ""; echo "Kaohe is running at http://127.0.0.1:$(PORT)/  (log in with a login printed above)"; exit 0; \
	    fi; sleep 0.25; done ) &
	DEBUG=1 $(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(UV) run --frozen lint-imports --no-cache
	$(UV) run --frozen pytest -n 2 --dist loadfile

messages: setup
	DEBUG=1 $(PYTHON) manage.py makemessages -l zh_Hans --no-obsolete -i ".venv/*" -i "var/*" -i "tests/*"
	DEBUG=1 $(PYTHON) manage.py compilemessages -l zh_Hans -i .venv
	DEBUG=1 $(PYTHON) manage.py errors_doc

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(PYTHON) $$script; done
