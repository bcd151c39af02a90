# The commands the README names. Every target sets up what it needs first.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup setup-dev lock dashboards events run test test-unit test-integration test-e2e test-browser test-faults screenshots lint bench load dlq-list dlq-replay outbox-status clean

setup:
	@scripts/setup.sh

setup-dev:
	@scripts/setup.sh dev

# Regenerate the hashed locks from requirements/*.in (keeps current pins; add -P pkg to bump one).
PIP_COMPILE := $(PY) -m piptools compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: setup-dev
	$(PIP_COMPILE) -o requirements/runtime.txt requirements/runtime.in
	$(PIP_COMPILE) -o requirements/dev.txt requirements/dev.in

dashboards: setup
	$(PY) -m scripts.dashboards

# docs/events.md and the topology of rabbitmq/definitions.json, from the event classes and the
# services' dispatch tables (tests/unit/test_events_contract.py fails while they are stale).
events: setup
	$(PY) -m scripts.events_contract

run: setup
	@$(PY) -m scripts.run

test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: setup-dev
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: setup-dev
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: setup-dev
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

test-browser: setup-dev
	$(PY) -m pytest tests/browser $(PYTEST_ARGS)

test-faults: setup-dev
	$(PY) -m pytest tests/faults $(PYTEST_ARGS)

screenshots: setup-dev
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/browser $(PYTEST_ARGS)

bench: setup-dev
	$(PY) -m bench.run_all

load: setup-dev
	.venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 4 -t 60s --host $${GATEWAY_URL:-http://127.0.0.1:8080} --csv bench/results/load --only-summary

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m scripts.audit

dlq-list: setup
	$(PY) -m shared.events dlq list

dlq-replay: setup
	$(PY) -m shared.events dlq replay

outbox-status: setup
	$(PY) -m shared.events outbox status

clean:
	rm -rf var/log .pytest_cache
