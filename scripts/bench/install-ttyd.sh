#!/usr/bin/env bash
# Makes ttyd available to the benchmark (scripts/bench), as root. Prefers Debian's package
# (`apt-get install -y ttyd`). Debian 12 (bookworm, this project's machines) and 13 have no ttyd package,
# only unstable does: then it builds Debian's ttyd source (the upstream tarball from unstable, checked
# against the archive's SHA256) against this release's libwebsockets, into .cache/bench/ttyd/bin/ttyd,
# where the benchmark looks for it. The source comes from the Debian mirror this machine's own apt
# sources already use. Idempotent; does nothing when a ttyd is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.cache/bench/ttyd"

if command -v ttyd >/dev/null 2>&1; then echo "ttyd: $(command -v ttyd)"; exit 0; fi
if [ -x "$out/bin/ttyd" ]; then echo "ttyd: $out/bin/ttyd"; exit 0; fi

apt-get update -qq
if [ -n "$(apt-cache policy ttyd 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ]; then
  apt-get install -y -qq ttyd
  echo "ttyd: $(command -v ttyd)"
  exit 0
fi

echo "No ttyd package for this Debian release: building Debian unstable's ttyd source into $out" >&2
apt-get install -y -qq --no-install-recommends ca-certificates curl xz-utils cmake make gcc libc6-dev \
  libjson-c-dev libwebsockets-dev libuv1-dev zlib1g-dev libssl-dev >/dev/null

# The mirror of this machine's Debian release (its main archive, not security or other origins), as apt
# itself resolved the sources: the same mirror serves unstable.
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
mirror="$(apt-get indextargets --format '$(ORIGIN)|$(LABEL)|$(CODENAME)|$(REPO_URI)' 'Created-By: Packages' |
  awk -F'|' -v c="$codename" '$1 == "Debian" && $2 == "Debian" && $3 == c { print $4; exit }')"
[ -n "$mirror" ] || { echo "no Debian $codename mirror in this machine's apt sources" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A private apt state (only deb-src of unstable), so the machine's own sources are left untouched.
mkdir -p "$tmp/lists/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} sid main" >"$tmp/sources.list"
apto=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$tmp/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
apt-get "${apto[@]}" update -qq
line="$(apt-get "${apto[@]}" source --print-uris ttyd 2>/dev/null | grep -E "^'[^']*\.orig\.tar\.[a-z0-9]+'")"
url="$(echo "$line" | awk '{print $1}' | tr -d "'")"
name="$(echo "$line" | awk '{print $2}')"
sha="$(echo "$line" | awk '{print $4}' | sed 's/^SHA256://')"
[ -n "$url" ] && [ -n "$sha" ] || { echo "could not find ttyd's source in Debian unstable" >&2; exit 1; }
curl -fsSL -o "$tmp/$name" "$url"
echo "$sha  $tmp/$name" | sha256sum -c --quiet
mkdir -p "$tmp/src"
tar -xf "$tmp/$name" -C "$tmp/src" --strip-components=1
cmake -S "$tmp/src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release >/dev/null 2>&1
cmake --build "$tmp/build" -j "$(nproc)" >/dev/null
mkdir -p "$out/bin"
install -m 0755 "$tmp/build/ttyd" "$out/bin/ttyd"
echo "ttyd: $out/bin/ttyd ($("$out/bin/ttyd" --version))"
