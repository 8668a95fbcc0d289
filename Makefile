# Warta: `make run` serves the intranet, `make test` runs the suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_PASSWORD := $(or $(WARTA_DEMO_PASSWORD),warta-demo)
MO := translations/en/LC_MESSAGES/messages.mo
# The site's canonical address (every absolute link is built from it): `make run`'s own;
# the browser may also say localhost. Any other Host is answered 400.
SITE := WARTA_SITE_URL=$(or $(WARTA_SITE_URL),http://127.0.0.1:$(PORT)) \
	WARTA_TRUSTED_HOSTS='$(or $(WARTA_TRUSTED_HOSTS),["localhost"])'

.PHONY: run test install translations lint bench bench-deps clean system-deps messages mutation

install: $(VENV)/.installed

# WeasyPrint (PDFs) needs Pango and a font; the browser tests need Debian's Chromium; OCR
# needs Tesseract with its Indonesian model, and ocrmypdf for the PDFs that are not plain
# scans (pages mixing text and scans: Ghostscript rasterises them and writes their PDF/A).
# Installed from Debian's packages when missing (the browser tests skip, saying why, if
# Chromium cannot be installed).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && fc-list 2>/dev/null | grep -qi dejavu || missing="$(SYSTEM_PACKAGES)"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list ':charset=a997' 2>/dev/null | grep -q . && fc-list ':charset=1f5f3' 2>/dev/null | grep -qi emoji || missing="$$missing fonts-noto-core fonts-noto-color-emoji"; \
	{ command -v ocrmypdf >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx ind; } || missing="$$missing ocrmypdf tesseract-ocr tesseract-ocr-ind"; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
		echo "Installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing \
			|| echo "Could not install:$$missing"; \
	fi

$(VENV)/.installed: pyproject.toml | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

translations: $(MO)

$(MO): translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations -D messages

run: install translations
	$(SITE) $(BIN)/flask --app wsgi db upgrade
	$(SITE) $(BIN)/flask --app wsgi demo load --if-empty
	@echo ""
	@echo "  Warta berjalan di $(or $(WARTA_SITE_URL),http://127.0.0.1:$(PORT))/  (intranet: /intranet/)"
	@echo "  Akun demo: penanggungjawab, koordinator, kontributor, redaktur, editor,"
	@echo "             penulis, arsiparis, admin — kata sandi: $(DEMO_PASSWORD)"
	@echo ""
	@# The background worker (exports, search index, mail, nightly checks) runs beside
	@# gunicorn and stops with it (Ctrl-C, or gunicorn ending for any reason).
	$(SITE) $(BIN)/flask --app wsgi worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(SITE) WARTA_DEMO_PASSWORD=$(DEMO_PASSWORD) $(BIN)/gunicorn --workers 1 --threads 8 \
		--bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

test: install translations
	$(BIN)/ruff check --quiet intranet archive tests bench wsgi.py .ci/database.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(if $(TEST_DATABASE_URL),,-n auto) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check intranet archive tests bench wsgi.py .ci/database.py
	$(BIN)/ruff format --check intranet archive tests bench wsgi.py .ci/database.py

# The HTTP benches drive the server with wrk (Debian's package), installed when missing.
bench-deps:
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		echo "Installing: wrk"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk \
			|| echo "Could not install: wrk (the public pages bench will say it was skipped)"; }

bench: install translations bench-deps
	$(BIN)/python bench/scoreboard.py

# Mutation testing (mutmut) of the modules that hold the rules, each against the tests that
# own it: a score per module and the survivors. `make mutation MUTATION_ARGS=workflow` runs one.
mutation: install translations
	nice -n 10 $(BIN)/python .ci/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Refresh the catalogs after UI text changes (then translate the new entries in the .po).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching
