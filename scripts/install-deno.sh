#!/usr/bin/env bash
# Installs the pinned Deno 2 from the npm registry (package `deno`, which brings the binary for this
# platform) into .cache/release/deno-<version>, for the npm package's test under Deno, and prints the
# path of the deno executable. Idempotent: does nothing when that version is already there.
set -euo pipefail
DENO_VERSION="${PASEO_DENO_VERSION:-2.9.6}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.cache/release/deno-$DENO_VERSION"
exe="$dir/node_modules/.bin/deno"
if [ -x "$exe" ] && "$exe" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  echo "$exe"
  exit 0
fi
echo "Installing Deno $DENO_VERSION (npm package deno)…" >&2
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --silent "deno@$DENO_VERSION" >&2
"$exe" --version >&2
echo "$exe"
