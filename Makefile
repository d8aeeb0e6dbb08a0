# Builds the single paseo binary (dist/paseo) and runs the tests, all on the pinned Node 24 runtime.
#   make          dist/paseo (node_modules if missing, web bundle, sidecar, then scripts/build.mjs)
#   make test     build, then vitest (and go test for the sidecar)
#   make run      build, then ./dist/paseo up
# scripts/build.mjs decides itself whether dist/paseo is up to date (same bundle, assets and runtime).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all

# The pinned runtime (unpacked into .cache/ on first use), resolved once and only when a recipe needs it.
NODE24 = $(eval NODE24 := $$(shell scripts/node-runtime.sh))$(NODE24)
HAS_WEB := $(wildcard web/build.mjs)
HAS_SIDECAR := $(wildcard sidecar/go.mod)

.PHONY: all web sidecar bundle sea smoke test run clean headscale bench bench-deps FORCE

all: dist/paseo

sea: dist/paseo

dist/paseo: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/build.mjs

# A second binary built exactly like dist/paseo from a smoke entry: extracts the assets, spawns a PTY
# (cli/test/integration/binary.test.ts).
dist/paseo-smoke: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/build.mjs --entry cli/test/integration/fixtures/sea-smoke.ts --out dist/paseo-smoke

smoke: dist/paseo-smoke

bundle: node_modules/.package-lock.json
	$(NODE24) scripts/build.mjs --bundle-only

node_modules/.package-lock.json:
	npm ci

web: node_modules/.package-lock.json
ifneq ($(HAS_WEB),)
	$(NODE24) web/build.mjs
else
	@echo "[make] web/build.mjs does not exist yet: embedding whatever is in web/dist" >&2
endif

sidecar:
ifneq ($(HAS_SIDECAR),)
	cd sidecar && GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o paseo-sidecar .
else
	@echo "[make] sidecar/go.mod does not exist yet: no sidecar to build" >&2
endif

# headscale for the tailnet end-to-end test (pinned; installed into .cache/bin once).
headscale:
	scripts/install-headscale.sh >/dev/null

test: dist/paseo dist/paseo-smoke headscale
	$(NODE24) node_modules/vitest/vitest.mjs run
ifneq ($(HAS_SIDECAR),)
	cd sidecar && GOTOOLCHAIN=local go test ./...
endif

# Benchmark (not a test): paseo vs raw node-pty, ttyd and a bare ws pipe, measured in one run (~2 min).
bench: dist/paseo bench-deps
	$(NODE24) scripts/bench/run.ts

# ttyd: `apt-get install -y ttyd` where Debian has it, else built from Debian's source (bookworm has none).
bench-deps:
	@command -v ttyd >/dev/null || [ -x .cache/bench/ttyd/bin/ttyd ] || scripts/bench/install-ttyd.sh

run: dist/paseo
	./dist/paseo up

clean:
	rm -rf dist web/dist sidecar/paseo-sidecar

FORCE:
