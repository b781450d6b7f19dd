#!/usr/bin/env bash
# Part of the main job (make examples): the ported applications at work on the hosted OS, beside liburing's
# examples. plocate (port) indexes a generated tree and searches it (answers compared with find(1), and
# --existing checking each match with IORING_OP_STATX), fio (port) writes a file and verifies it (crc32c),
# and Debian's own fio binary does the same under `ringport run`. strace shows that no io_uring system call
# was executed by Linux (strace slows the programs down: no speeds are shown here; make bench has them).
# Usage: show-ports.sh SYSROOT WORKDIR
set -euo pipefail
sysroot=$1 work=$2
bin=$sysroot/bin
rm -rf "$work" && mkdir -p "$work/tree"
status=0
for d in music/jazz music/rock photos/2024 photos/2025 docs; do
  mkdir -p "$work/tree/$d"
  for i in 1 2 3 4 5; do : >"$work/tree/$d/item-$i.$(basename "$d")"; done
done
shim_only() { # LOG: a shim ring was made and Linux executed no io_uring call (port) / each was trapped (run)
  if ! grep -q 'memfd_create("\[io_uring\]"' "$1"; then echo "no shim ring"; return 1; fi
  local calls traps
  calls=$(grep -c ' io_uring_\(setup\|enter\|register\)(' "$1" || true)
  traps=$(grep -c 'SIGSYS.*SYS_SECCOMP' "$1" || true)
  if [ "$calls" -ne "$traps" ]; then echo "$calls io_uring calls, $traps trapped"; return 1; fi
  if [ "$calls" -gt 0 ]; then echo "shim ring used; Linux io_uring calls: 0 ($calls trapped and routed into the shim)"; else echo "shim ring used; Linux io_uring calls: 0"; fi
}
tr_ace() { strace -f -qq -o "$1" -e trace=io_uring_setup,io_uring_enter,io_uring_register,memfd_create -e signal=SIGSYS "${@:2}"; }

echo "== plocate (port, meson, dynamic -luring): search a generated tree"
"$sysroot/sbin/updatedb" -U "$work/tree" -o "$work/db" -l 0
tr_ace "$work/pl.strace" "$bin/plocate" -d "$work/db" jazz >"$work/pl.out"
sed "s|$work/||" "$work/pl.out" | sed 's/^/   /'
if diff <(sort "$work/pl.out") <(find "$work/tree" | grep -F jazz | sort) >/dev/null; then
  echo "   plocate jazz: $(wc -l <"$work/pl.out") paths, the same as find(1); $(shim_only "$work/pl.strace")"
else echo "   plocate jazz: differs from find(1)"; status=1; fi
rm "$work/tree/music/jazz/item-2.jazz"
tr_ace "$work/pe.strace" "$bin/plocate" -d "$work/db" -e jazz >"$work/pe.out"
if diff <(sort "$work/pe.out") <(find "$work/tree" | grep -F jazz | sort) >/dev/null; then
  echo "   plocate -e jazz after removing one file: $(wc -l <"$work/pe.out") paths (statx through the shim)"
else echo "   plocate -e jazz: differs from find(1)"; status=1; fi

fio_line() { python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
print("   wrote %d KiB, read back and verified %d KiB (crc32c), error %d" % (j["write"]["io_kbytes"], j["read"]["io_kbytes"], j["error"]))
sys.exit(1 if j["error"] or j["write"]["io_kbytes"] != 16384 or j["read"]["io_kbytes"] != 16384 else 0)' "$1"; }
fio_args=(--name=demo --filename="$work/fio.data" --size=16m --bs=4k --rw=randwrite --iodepth=32
  --ioengine=io_uring --fixedbufs=1 --registerfiles=1 --verify=crc32c --verify_state_save=0 --output-format=json)
echo "== fio (port): 16 MiB random writes at queue depth 32, registered files and buffers, then verify"
tr_ace "$work/fio.strace" "$bin/fio" "${fio_args[@]}" --output="$work/fio.json" && fio_line "$work/fio.json" &&
  echo "   $(shim_only "$work/fio.strace")" || status=1
if [ -x /usr/bin/fio ]; then
  echo "== Debian's fio, unmodified: ringport run -- /usr/bin/fio (its inline-asm io_uring_enter is trapped)"
  rm -f "$work/fio.data"
  tr_ace "$work/dfio.strace" "$bin/ringport" run -- /usr/bin/fio "${fio_args[@]}" --output="$work/dfio.json" &&
    fio_line "$work/dfio.json" && echo "   $(shim_only "$work/dfio.strace")" || status=1
fi
exit $status
