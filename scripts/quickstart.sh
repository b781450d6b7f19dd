#!/usr/bin/env bash
# The README's first command on a fresh Debian 12 machine: all the set-up, then the main job.
#  1. scripts/install-deps.sh: Debian packages (with sudo when not run as root) and deb-src entries;
#  2. ./autogen.sh and ./configure, unless this tree is configured already;
#  3. make examples: cooks the ported liburing and runs its upstream examples through the shim, then the
#     ported applications (plocate searching a generated tree, fio writing and verifying a file) and
#     Debian's own fio under `ringport run`.
# Run it as the user who will build (root or not): only the package installation uses sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ ! -x configure ] || [ configure.ac -nt configure ]; then ./autogen.sh; fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then ./configure -q; fi
make -j2 examples
