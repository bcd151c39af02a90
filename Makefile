# The commands the README names. Every target sets up what it needs first.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup run test test-unit test-integration test-e2e test-browser test-faults screenshots lint bench load dlq-list dlq-replay outbox-status clean

setup:
	@scripts/setup.sh

run: setup
	@$(PY) -m scripts.run

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: setup
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: setup
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

test-browser: setup
	$(PY) -m pytest tests/browser $(PYTEST_ARGS)

test-faults: setup
	$(PY) -m pytest tests/faults $(PYTEST_ARGS)

screenshots: setup
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/browser $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench.run_all

load: setup
	.venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 4 -t 60s --host $${GATEWAY_URL:-http://127.0.0.1:8080} --csv bench/results/load --only-summary

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

dlq-list: setup
	$(PY) -m shared.events dlq list

dlq-replay: setup
	$(PY) -m shared.events dlq replay

outbox-status: setup
	$(PY) -m shared.events outbox status

clean:
	rm -rf var/log .pytest_cache
