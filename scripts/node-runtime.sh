#!/usr/bin/env bash
# Prints the path of the pinned Node 24 LTS runtime, unpacking it first if needed.
#   scripts/node-runtime.sh               this machine's runtime: the tests and the build run on it
#   scripts/node-runtime.sh linux-arm64   a release target's runtime, the base of that platform's binary
# The runtimes are the official Node builds from the npm packages node-<platform>-<arch> (taken with
# `npm pack`, never installed as a dependency, which would shadow `node`). One version for every target:
# the SEA blob this machine's runtime makes then fits all of them (scripts/build.mjs --target).
set -euo pipefail
NODE_VERSION="${PASEO_NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) host=linux-x64 ;;
  Linux-aarch64) host=linux-arm64 ;;
  *) host=unsupported ;;
esac
target="${1:-$host}"
case "$target" in
  linux-x64 | linux-arm64 | darwin-x64 | darwin-arm64) ;;
  *) echo "node-runtime.sh: no Node runtime for \"$target\" (linux-x64, linux-arm64, darwin-x64, darwin-arm64)" >&2; exit 2 ;;
esac
# This machine's runtime keeps its historical folder; other targets' live under .cache/release.
if [ "$target" = "$host" ]; then dir="$root/.cache/node-v$NODE_VERSION"; else dir="$root/.cache/release/node-v$NODE_VERSION-$target"; fi
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "Fetching Node $NODE_VERSION runtime for $target (npm package node-$target)…" >&2
  if ! (cd "$tmp" && npm pack --silent "node-$target@$NODE_VERSION" >/dev/null 2>"$tmp/err"); then
    echo "node-runtime.sh: the npm registry has no node-$target@$NODE_VERSION: $(tail -n 3 "$tmp/err")" >&2
    exit 1
  fi
  mkdir -p "$dir"
  tar -xzf "$tmp/node-$target-$NODE_VERSION.tgz" -C "$dir" --strip-components=1 package/bin/node package/LICENSE
fi
echo "$dir/bin/node"
