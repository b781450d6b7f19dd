#!/usr/bin/env bash
# make bench (bench-fio): fio 4 KiB random reads at queue depth 32 on one file, native Linux io_uring (Debian's
# own fio) beside the shim (the fio port; and Debian's fio unmodified under `ringport run`, whose enters are
# trapped), in two states of the page cache:
#  - cached: the file is read once beforehand and fio does not invalidate it (--invalidate=0), 5 s per run;
#  - cold:   fio's default, which drops the file's cached pages before the job (--invalidate=1), then reads
#            every block once in random order (no time limit), so every read misses the cache.
# Each figure is the median IOPS of three runs. Ratios are shim / native (higher is better, 1.0 = parity).
# Writes a table to stdout and build/bench-fio.md, figures to build/bench-fio.json.
# Usage: run.sh SYSROOT BUILDDIR
set -euo pipefail
sysroot=$1 build=$2
native=/usr/bin/fio port=$sysroot/bin/fio run=$sysroot/bin/ringport
work=$build/bench-fio
mkdir -p "$work"
file=$work/randread.data
size=256m
if [ ! -x "$native" ]; then echo "bench-fio: Debian's fio is not installed (apt-get install fio): skipped"; exit 0; fi
[ -f "$file" ] && [ "$(stat -c %s "$file")" -eq $((256 << 20)) ] ||
  "$native" --name=fill --filename="$file" --size=$size --bs=1m --rw=write --ioengine=psync --end_fsync=1 >/dev/null

common=(--name=randread --filename="$file" --size=$size --bs=4k --rw=randread --ioengine=io_uring --iodepth=32
  --output-format=json)
iops() { # CMD... -> IOPS of one run
  local out=$work/run.json
  "$@" "${common[@]}" --output="$out" >/dev/null 2>&1 || { echo 0; return; }
  python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["jobs"][0]["read"]["iops"]))' "$out"
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
measure() { # STATE CMD...
  local state=$1 a b c
  shift
  local opts=()
  if [ "$state" = cached ]; then
    cat "$file" >/dev/null
    opts=(--invalidate=0 --time_based --runtime=5)
  else
    opts=(--invalidate=1)
  fi
  a=$(iops "$@" "${opts[@]}") b=$(iops "$@" "${opts[@]}") c=$(iops "$@" "${opts[@]}")
  median3 "$a" "$b" "$c"
}

declare -A r
for state in cached cold; do
  r[$state,native]=$(measure $state "$native")
  r[$state,port]=$(measure $state "$port")
  r[$state,run]=$(measure $state "$run" run -- "$native")
done
ratio() { python3 -c 'import sys; n,s=float(sys.argv[1]),float(sys.argv[2]); print("%.2f" % (s/n) if n else "n/a")' "$1" "$2"; }
{
  echo "| fio randread 4 KiB QD32 (IOPS, median of 3) | native (Debian fio) | shim: fio port | ratio | shim: Debian fio under ringport run | ratio |"
  echo "|---|---:|---:|---:|---:|---:|"
  for state in cached cold; do
    label=$([ $state = cached ] && echo "page-cached (--invalidate=0)" || echo "cold (fio default --invalidate=1)")
    echo "| $label | ${r[$state,native]} | ${r[$state,port]} | $(ratio "${r[$state,native]}" "${r[$state,port]}") | ${r[$state,run]} | $(ratio "${r[$state,native]}" "${r[$state,run]}") |"
  done
} | tee "$build/bench-fio.md"
python3 - "$build/bench-fio.json" "${r[cached,native]}" "${r[cached,port]}" "${r[cached,run]}" \
  "${r[cold,native]}" "${r[cold,port]}" "${r[cold,run]}" <<'PY'
import json, sys
out, cn, cp, cr, dn, dp, dr = sys.argv[1], *map(int, sys.argv[2:])
q = lambda s, n: round(s / n, 3) if n else None
json.dump({"fio_randread_4k_qd32": {
    "cached": {"native_iops": cn, "port_iops": cp, "run_iops": cr, "port_ratio": q(cp, cn), "run_ratio": q(cr, cn)},
    "cold": {"native_iops": dn, "port_iops": dp, "run_iops": dr, "port_ratio": q(dp, dn), "run_ratio": q(dr, dn)}}},
    open(out, "w"), indent=2)
PY
