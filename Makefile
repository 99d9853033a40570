# The two commands: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm
FRONTEND := frontend

.PHONY: run test build spa spa-deps backend openapi check fmt lint test-backend test-frontend test-deployment clean-data

## Build the SPA and the server, then serve http://127.0.0.1:8080 on SQLite with the demo data.
run: spa backend
	APP_DEMO=true APP_STATIC_DIR=$(FRONTEND)/dist $(or $(CARGO_TARGET_DIR),target)/release/hospital serve

## Every test: formatting, lints, the Rust unit, property and integration tests (SQLite, plus PostgreSQL and
## MariaDB when TEST_POSTGRES_URL / TEST_MYSQL_URL are set), the frontend's checks, and the deployment's.
test: check test-backend test-frontend test-deployment

backend:
	$(CARGO) build --release --locked -p hospital

spa-deps: $(FRONTEND)/node_modules/.package-lock.json

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	@touch $@

spa: spa-deps
	cd $(FRONTEND) && $(NPM) run build

## Regenerate openapi/openapi.json from the code (a test fails when it is stale).
openapi:
	$(CARGO) run --locked -q -p hospital -- openapi > openapi/openapi.json

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

test-backend:
	$(CARGO) test --locked --workspace

## The SPA: types, lint, unit tests, generated API types up to date, then the browser tests (Playwright driving
## Debian's Chromium) against the real server on a fresh database.
test-frontend: spa-deps
	cd $(FRONTEND) && $(NPM) run typecheck && $(NPM) run lint && $(NPM) run test:unit && $(NPM) run check:api
	$(CARGO) build --locked -p hospital
	$(FRONTEND)/scripts/ensure-chromium.sh
	cd $(FRONTEND) && $(NPM) run test:e2e

## docker-compose.yml validated, the image's build steps run here, the stripped binary serving and healthy.
test-deployment:
	deploy/check.sh

fmt:
	$(CARGO) fmt --all

## Forget the embedded database (and its generated JWT secret).
clean-data:
	rm -rf data
