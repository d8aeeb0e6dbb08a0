#!/usr/bin/env bash
# Installs the pinned headscale (the self-hosted Tailscale control server) into .cache/bin with
# `go install`, for the tailnet end-to-end test (web/test/e2e/tailnet.e2e.test.ts), and prints its path.
# Idempotent: does nothing when .cache/bin/headscale is already the pinned version.
#
# `go install pkg@version` looks up the module's newest version (to print a deprecation notice), which
# the module proxy may refuse to list. So the module is fetched first with `go mod download`, and the
# install then asks the local module cache before the usual proxy: same pinned version, same checksums.
set -euo pipefail
HEADSCALE_VERSION="${PASEO_HEADSCALE_VERSION:-v0.29.2}"
module=github.com/juanfont/headscale
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/bin"
exe="$bin/headscale"
export GOTOOLCHAIN=local
if [ -x "$exe" ] && go version -m "$exe" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$module[[:space:]]+$HEADSCALE_VERSION([[:space:]]|$)"; then
  echo "$exe"
  exit 0
fi
mkdir -p "$bin"
echo "Installing headscale $HEADSCALE_VERSION with go install (the first build takes a few minutes)…" >&2
go mod download "$module@$HEADSCALE_VERSION" >&2
GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" GOBIN="$bin" \
  go install -trimpath "$module/cmd/headscale@$HEADSCALE_VERSION" >&2
echo "$exe"
