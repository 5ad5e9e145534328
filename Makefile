# Two commands on a fresh machine: `make run` (embedded, no services) and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
export UV_LINK_MODE ?= copy
PYTHON ?= python3
UV := $(shell command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1 && echo uv || echo "$(PYTHON) -m uv")
PORT ?= 8000
export PORT

.PHONY: run test install python-deps frontend lint typecheck migrate clean

install: python-deps frontend

python-deps:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen

frontend:
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error && node scripts/vendor.mjs; fi

migrate: install
	$(UV) run python manage.py migrate --noinput

run: migrate
	$(UV) run python manage.py seed_demo
	$(UV) run python manage.py serve --port $(PORT)

test: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy src config
	$(UV) run pytest --cov --cov-report=term $(PYTEST_ARGS)

lint:
	$(UV) run ruff check . && $(UV) run ruff format --check .

typecheck:
	$(UV) run mypy src config

clean:
	rm -rf var .venv node_modules src/core/web/static/vendor
