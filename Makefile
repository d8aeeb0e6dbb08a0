# Builds the single paseo binary (dist/paseo) and runs the checks and tests, all on the pinned Node 24 runtime.
#   make          dist/paseo (node_modules if missing, web bundle, sidecar, then scripts/build.mjs)
#   make test     the checks, then build, then every test (vitest: unit, integration, e2e; go test)
#   make check    type-check the whole tree (tsc) and lint/format-check it (biome, gofmt, go vet)
#   make unit     the unit tests alone (no build), for the edit-test loop
#   make fmt      format everything (biome, gofmt)
#   make run      build, then ./dist/paseo up $(ARGS), e.g. make run ARGS="--no-tailnet"
#   make mutate   mutation testing of cli/src/channel, daemon and session (not part of make test; incremental)
#   make bench    benchmarks against raw node-pty, ttyd and a bare ws pipe (not a test)
#   make release  dist/release: the single binary for linux-x64 and linux-arm64, install.sh, SHA256SUMS
#   make npm      dist/npm/paseo-<version>.tgz: the CLI as an npm package (Node >= 20, Deno 2)
# scripts/build.mjs decides itself whether dist/paseo is up to date (same bundle, assets and runtime).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
export GOTOOLCHAIN := local

# The pinned runtime (unpacked into .cache/ on first use), resolved once and only when a recipe needs it.
NODE24 = $(eval NODE24 := $$(shell scripts/node-runtime.sh))$(NODE24)
VITEST = $(NODE24) node_modules/vitest/vitest.mjs
ARGS ?=

.PHONY: all web sidecar bundle smoke test check typecheck lint fmt unit mutate run clean headscale bench bench-deps release npm deno FORCE

all: dist/paseo

dist/paseo: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/build.mjs

# A second binary built exactly like dist/paseo from a smoke entry: extracts the assets, spawns a PTY
# (cli/test/integration/binary.test.ts).
dist/paseo-smoke: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/build.mjs --entry cli/test/integration/fixtures/sea-smoke.ts --out dist/paseo-smoke

smoke: dist/paseo-smoke

bundle: node_modules/.package-lock.json
	$(NODE24) scripts/build.mjs --bundle-only

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

web: node_modules/.package-lock.json
	$(NODE24) web/build.mjs

# Static (CGO off), like the release targets' (scripts/build/targets.mjs): it runs on any Linux.
sidecar:
	cd sidecar && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o paseo-sidecar .

# headscale for the tailnet end-to-end test (pinned; installed into .cache/bin once).
headscale:
	scripts/install-headscale.sh >/dev/null

typecheck: node_modules/.package-lock.json
	$(NODE24) node_modules/typescript/bin/tsc -p tsconfig.json --noEmit

lint: node_modules/.package-lock.json
	node_modules/.bin/biome check --error-on-warnings .
	@unformatted="$$(gofmt -l sidecar)"; if [ -n "$$unformatted" ]; then echo "gofmt: not formatted: $$unformatted (run make fmt)" >&2; exit 1; fi
	cd sidecar && go vet ./...

check: typecheck lint

fmt: node_modules/.package-lock.json
	node_modules/.bin/biome check --write .
	gofmt -w sidecar

unit: node_modules/.package-lock.json
	$(VITEST) run cli/test/unit web/test/unit

# Mutation testing (stryker.config.mjs, vitest.mutate.config.ts): each folder's unit tests against Stryker's
# mutants of that folder, under nice (the cores are shared), incremental: a rerun tests only what changed.
# MUTATE=daemon tests one folder; STRYKER_ARGS adds Stryker options, e.g. STRYKER_ARGS="--mutate
# cli/src/session/lazy-feed.ts" for one file's mutants while writing its tests. The unit tests find the
# Noise vectors in ../shared, so the sandboxes (.stryker-tmp/sandbox-*) get it beside them too.
MUTATE ?= channel daemon session
STRYKER_ARGS ?=
mutate: node_modules/.package-lock.json
	mkdir -p .stryker-tmp && ln -sfn "$(abspath ..)/shared" .stryker-tmp/shared
	for folder in $(MUTATE); do \
	  PASEO_MUTATE=$$folder nice -n 10 $(NODE24) node_modules/@stryker-mutator/core/bin/stryker.js run stryker.config.mjs $(STRYKER_ARGS); \
	done
	$(NODE24) scripts/mutation-summary.mjs $(MUTATE)

# The single binary for each target into dist/release/ with install.sh and SHA256SUMS (README: Platforms).
# RELEASE_URL=https://… becomes the published install.sh's default address.
release: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/release.mjs $(if $(RELEASE_URL),--url $(RELEASE_URL))

# The npm package: dist/npm/paseo-<version>.tgz (scripts/npm-package.mjs).
npm: node_modules/.package-lock.json web sidecar FORCE
	$(NODE24) scripts/npm-package.mjs

# Deno 2 from the npm registry, for the npm package's test (pinned; into .cache/release once).
deno:
	scripts/install-deno.sh >/dev/null

test: check dist/paseo dist/paseo-smoke headscale release npm deno
	$(VITEST) run
	cd sidecar && go test ./...

# Benchmark (not a test): paseo vs raw node-pty, ttyd and a bare ws pipe, measured in one run (~2 min).
bench: dist/paseo bench-deps
	$(NODE24) scripts/bench/run.ts

# ttyd: `apt-get install -y ttyd` where Debian has it, else built from Debian's source (bookworm has none).
bench-deps:
	@command -v ttyd >/dev/null || [ -x .cache/bench/ttyd/bin/ttyd ] || scripts/bench/install-ttyd.sh

run: dist/paseo
	./dist/paseo up $(ARGS)

clean:
	rm -rf dist web/dist sidecar/paseo-sidecar

FORCE:
