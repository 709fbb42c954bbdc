# SPDX-License-Identifier: AGPL-3.0-only
# Every target first runs scripts/setup.sh (Node.js 24 when the system's is
# older, npm packages), which is idempotent and fast once done.
SHELL := /bin/bash
NODE_ENV_SH := . scripts/env.sh &&

.PHONY: all setup setup-demo build test typecheck lint unit bench demo config-docs clean

all: build

setup:
	@bash scripts/setup.sh

# setup-demo prepares only what the demo runs on: no Debian packages for
# the tests, no librdkafka build (scripts/setup.sh --demo).
setup-demo:
	@bash scripts/setup.sh --demo

build: setup
	@$(NODE_ENV_SH) node build.mjs

typecheck: setup
	@$(NODE_ENV_SH) npx tsc --noEmit -p tsconfig.json

lint: setup
	@$(NODE_ENV_SH) npx eslint --max-warnings 0 .

unit: setup
	@$(NODE_ENV_SH) npm test --silent

# test is the README's test command: type-check, lint, then every test with
# a Kafka broker started for them (scripts/kafka.sh) and stopped after.
test: setup
	@$(NODE_ENV_SH) npx tsc --noEmit -p tsconfig.json
	@$(NODE_ENV_SH) npx eslint --max-warnings 0 .
	@bash scripts/kafka.sh start
	@$(NODE_ENV_SH) npm test --silent; rc=$$?; bash scripts/kafka.sh stop; exit $$rc

bench: setup
	@$(NODE_ENV_SH) npm run --silent bench

# demo is the README's first command: standalone with the demo exporter.
demo: setup-demo
	@$(NODE_ENV_SH) node build.mjs
	@bin/akvorado standalone --demo

# config-docs regenerates config.example.yaml and docs/configuration.md from the schemas.
config-docs: setup
	@$(NODE_ENV_SH) node scripts/config-docs.ts

clean:
	rm -rf dist
