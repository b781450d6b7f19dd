#!/usr/bin/env bash
# Installs every Debian package ringport needs to build, test and benchmark.
# Idempotent and quiet when everything is already present. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential autoconf automake libtool pkg-config
  libcmocka-dev libtomlplusplus-dev
  clang lld llvm
  dpkg-dev xz-utils patch
  valgrind python3
  strace
  newlib-source qemu-system-x86
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# liburing 2.9 comes from the trixie suite as a source package; the deb-src entry is built from the URI this
# machine already uses for Debian, so no registry host is written anywhere in the project.
src_list=/etc/apt/sources.list.d/ringport-trixie-src.sources
if [ ! -f "$src_list" ]; then
  uri=$(sed -n 's/^URIs:[[:space:]]*\([^ ]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  if [ -z "$uri" ]; then
    uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^ ]*\/debian\)[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  fi
  if [ -z "$uri" ]; then
    echo "install-deps: cannot find the Debian archive URI in the apt configuration" >&2
    exit 1
  fi
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  $SUDO tee "$src_list" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: $keyring
SRC
  echo "install-deps: added a deb-src entry for trixie"
  $SUDO apt-get update -qq
fi
