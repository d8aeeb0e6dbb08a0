#!/bin/sh
# Installs paseo from a release folder, the one-liner of the release page:
#   curl -fsSL <release>/install.sh | sh          (to ~/.local/bin)
#   curl -fsSL <release>/install.sh | sudo sh     (to /usr/local/bin)
# It picks this machine's binary (paseo-<os>-<arch>), checks it against the release's SHA256SUMS, installs
# it, runs `paseo --version`, and says what to do next. POSIX sh; needs curl or wget, and sha256sum or shasum.
#   PASEO_RELEASE_URL   the release folder (default: the address `make release` wrote below)
#   PASEO_INSTALL_DIR   where to put paseo (default: ~/.local/bin, or /usr/local/bin as root)
set -eu

PASEO_RELEASE_URL_DEFAULT=''

say() { printf '%s\n' "$*"; }
die() {
  printf 'paseo install: %s\n' "$*" >&2
  exit 1
}

url="${PASEO_RELEASE_URL:-$PASEO_RELEASE_URL_DEFAULT}"
url="${url%/}"
[ -n "$url" ] || die "say where the release is: PASEO_RELEASE_URL=https://… (the folder with paseo-linux-x64 and SHA256SUMS)."
case "$url" in
  https://*) ;;
  http://127.0.0.1:* | http://127.0.0.1/* | http://localhost:* | http://localhost/*) ;;
  *) die "the release address must start with https:// (got $url)." ;;
esac

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "there is no paseo binary for $(uname -s); with Node 20 or later, try \`npm install -g paseo\`." ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "there is no paseo binary for $(uname -m) computers (only x64 and arm64)." ;;
esac

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "this needs curl or wget to download paseo."
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "this needs sha256sum or shasum to check the download."
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || die "cannot download $url/SHA256SUMS."
name="paseo-$os-$arch"
expected="$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$tmp/SHA256SUMS")"
if [ -z "$expected" ] && [ "$os-$arch" = darwin-arm64 ] && grep -q ' paseo-darwin-x64$' "$tmp/SHA256SUMS"; then
  name=paseo-darwin-x64
  expected="$(awk '$2 == "paseo-darwin-x64" { print $1 }' "$tmp/SHA256SUMS")"
  say "This release has no Apple silicon build: installing the Intel one, which macOS runs with Rosetta 2."
fi
if [ -z "$expected" ]; then
  has="$(awk '$2 ~ /^paseo-/ { sub(/^paseo-/, "", $2); printf "%s%s", sep, $2; sep = ", " }' "$tmp/SHA256SUMS")"
  die "this release has no paseo for $os-$arch (it has: ${has:-nothing})."
fi

say "Downloading $name…"
fetch "$url/$name" "$tmp/paseo" || die "cannot download $url/$name."
actual="$(sha256 "$tmp/paseo")"
[ "$actual" = "$expected" ] || die "$name does not match SHA256SUMS (expected $expected, got $actual): nothing was installed. Try again; if it persists, tell the paseo maintainers."

if [ -n "${PASEO_INSTALL_DIR:-}" ]; then
  dir="$PASEO_INSTALL_DIR"
elif [ "$(id -u)" = 0 ]; then
  dir=/usr/local/bin
else
  dir="${HOME:?}/.local/bin"
fi
mkdir -p "$dir" || die "cannot create $dir."
chmod 755 "$tmp/paseo"
# A new file then a rename: a running paseo keeps its old binary, and there is never a half-written one.
cp "$tmp/paseo" "$dir/.paseo.new.$$" || die "cannot write to $dir (as root: curl … | sudo sh)."
mv -f "$dir/.paseo.new.$$" "$dir/paseo"

if ! version="$("$dir/paseo" --version 2>&1)"; then
  die "installed $dir/paseo, but it does not start on this computer: $version"
fi
say "Installed paseo $version to $dir/paseo (checked against SHA256SUMS)."
case ":$PATH:" in
  *":$dir:"*) run=paseo ;;
  *)
    run="$dir/paseo"
    say "$dir is not on your PATH: add it, e.g. in ~/.profile: export PATH=\"$dir:\$PATH\""
    ;;
esac
say ""
say "Next:"
say "  $run up                   start paseo; it shows a QR code to pair your phone"
say "  $run service install      start it at every login"
