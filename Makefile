# Two commands on a fresh machine:  make run   (set up, demo data, serve)   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test setup system-deps translations lint db demo clean

run: setup
	$(FLASK) db upgrade
	$(FLASK) crm seed-demo
	@echo "CRM ready at http://$(HOST):$(PORT)/  (demo logins are in README.md)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest

setup: system-deps $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

translations: $(VENV)/.installed
	$(FLASK) translate compile

# PDFs need Pango, HarfBuzz's subsetter (fonts subset ~25x faster) and a CJK
# font for Chinese. Installed with apt when we can; otherwise say what to install.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
system-deps:
	@if ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset && ldconfig -p | grep -q libpangoft2 \
	    && fc-list :lang=zh-cn 2>/dev/null | grep -q .; then \
	  echo "System packages present (Pango, HarfBuzz subset, CJK font)."; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null 2>&1 \
	    || (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null)) \
	    && echo "Installed $(SYSTEM_PACKAGES)."; \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -q >/dev/null && sudo apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null \
	    && echo "Installed $(SYSTEM_PACKAGES)."; \
	else \
	  echo "WARNING: could not install system packages. PDFs need: $(SYSTEM_PACKAGES)"; \
	  echo "         (Debian/Ubuntu: sudo apt-get install $(SYSTEM_PACKAGES);"; \
	  echo "          elsewhere: Pango >= 1.44, HarfBuzz with hb-subset, and any font fontconfig finds for :lang=zh-cn)"; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check crm tests

db: $(VENV)/.installed
	$(FLASK) db upgrade

demo: db
	$(FLASK) crm seed-demo

clean:
	rm -rf $(VENV) .pytest_cache
