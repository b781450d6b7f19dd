#!/usr/bin/env bash
# Installs every Debian package ringport needs to build, test and benchmark, and every Debian build
# dependency the cookbook's recipes declare (ports/*/recipe.toml: debian-build-deps).
# Idempotent and quiet when everything is already present. Run as root, or as a user who can use sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential autoconf automake libtool pkg-config
  libcmocka-dev libtomlplusplus-dev
  clang lld llvm
  # libFuzzer and clang's sanitizer runtimes (only recommended by clang-14): tests/fuzz and the clang ASan build
  libclang-rt-14-dev
  dpkg-dev xz-utils patch
  valgrind python3
  strace
  newlib-source qemu-system-x86
  # libc++'s headers: the C++ standard library of programs built for the reference kernel (libc-glue/newlib)
  libc++-dev
  # Debian's own io_uring programs, run unmodified through `ringport run` by make check-ports and make examples
  fio plocate
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: run this as root (or install sudo): it installs Debian packages" >&2
    exit 1
  fi
  SUDO="sudo"
fi

updated=0
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    if [ "$updated" -eq 0 ]; then $SUDO apt-get update -qq; updated=1; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_missing "${packages[@]}"

# What the recipes declare (read with python3's TOML parser, installed above): [build] and every
# [target.<name>] table's debian-build-deps.
recipe_deps=$(python3 - ports/*/recipe.toml <<'PY'
import sys, tomllib
deps = set()
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        recipe = tomllib.load(f)
    deps.update(recipe.get("build", {}).get("debian-build-deps", []))
    for extra in recipe.get("target", {}).values():
        deps.update(extra.get("debian-build-deps", []))
print(" ".join(sorted(deps)))
PY
)
# shellcheck disable=SC2086
[ -z "$recipe_deps" ] || install_missing $recipe_deps

# Source packages: liburing 2.9 comes from trixie, the ports (fio, plocate, mpd) from this machine's own
# Debian 12 (bookworm). The deb-src entries are built from the URI this machine already uses for Debian, so
# no registry host is written anywhere in the project.
uri=$(sed -n 's/^URIs:[[:space:]]*\([^ ]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
if [ -z "$uri" ]; then
  uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^ ]*\/debian\)[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)
fi
added=0
for suite in trixie bookworm; do
  src_list=/etc/apt/sources.list.d/ringport-$suite-src.sources
  [ -f "$src_list" ] && continue
  if [ -z "$uri" ]; then
    echo "install-deps: cannot find the Debian archive URI in the apt configuration" >&2
    exit 1
  fi
  $SUDO tee "$src_list" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  echo "install-deps: added a deb-src entry for $suite"
  added=1
done
if [ "$added" -eq 1 ]; then $SUDO apt-get update -qq; fi
