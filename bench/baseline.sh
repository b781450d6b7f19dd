#!/usr/bin/env bash
# `make bench-baseline BASE=<commit>`: builds rpbench against an older commit's shim and runs bench/run.sh
# with it as a third side (RPBENCH_BASELINE), alternating native, today's shim and that commit's shim in the
# same rounds. A before/after comparison from two separate runs mostly measures how the shared machine's load
# moved between them; this one measures all three on the same stretch of it.
#
#   bench/baseline.sh SRCDIR BASE NATIVE_BINARY SHIM_BINARY OUTPUT_DIR
# The older tree is a clone of SRCDIR's repository at BASE in OUTPUT_DIR/bench-baseline/<BASE>; its own
# `make bench-build` cooks its liburing and library (kept, so a second run only re-runs the rounds).
set -euo pipefail
src=$1 base=$2 native=$3 shim=$4 out=$5
commit=$(git -C "$src" rev-parse --verify "$base^{commit}") || { echo "bench-baseline: no commit $base" >&2; exit 2; }
tree=$out/bench-baseline/${commit:0:12}
if [ ! -x "$tree/build/bench/rpbench-hosted" ]; then
  rm -rf "$tree"
  mkdir -p "$(dirname "$tree")"
  git clone --quiet --no-checkout "$src" "$tree"
  git -C "$tree" checkout --quiet "$commit"
  (cd "$tree" && ./autogen.sh >/dev/null && ./configure -q && make bench-build) >"$tree.log" 2>&1 ||
    { echo "bench-baseline: building $base failed, see $tree.log" >&2; exit 1; }
fi
echo "bench-baseline: today's shim against ${commit:0:12}'s, both beside native" >&2
RPBENCH_BASELINE=$tree/build/bench/rpbench-hosted exec bash "$(dirname "$0")/run.sh" "$native" "$shim" "$out"
