#!/usr/bin/env bash
# make check-ports: offline functional checks of the ported applications (fio, plocate, mpd when cooked), of
# Debian's own fio and plocate binaries under `ringport run`, and of both again under a seccomp filter that
# refuses Linux's io_uring outright (as Docker's default profile does).
#
# Every program runs under strace, and a check passes only if, besides its own functional assertions,
#  - a ring of the shim was created (the glue's ring memory, memfd "[io_uring]", appears), and
#  - no io_uring system call was executed by Linux: a port makes none at all; under `ringport run` each one
#    strace sees is answered by the seccomp trap (a SIGSYS with si_code SYS_SECCOMP follows it in the same
#    thread), never by the kernel.
#
# Usage: check-ports.sh SYSROOT DENY_HELPER SRCDIR WORKDIR
# Output: one progress line per check, then `N passed, N failed, N skipped`. Exit status 1 if any failed.
set -uo pipefail
sysroot=$1 deny=$2 srcdir=$3 work=$4
bin=$sysroot/bin
run=$bin/ringport
rm -rf "$work"
mkdir -p "$work"
passed=0 failed=0 skipped=0 index=0
total=${RP_PORT_CHECKS_TOTAL:-0}

say() { printf '%s\n' "$*"; }
result() { # NAME STATUS [DETAIL]
  index=$((index + 1))
  printf '[%2d] %-44s %s%s\n' "$index" "$1" "$2" "${3:+  ($3)}"
  case $2 in PASS) passed=$((passed + 1)) ;; FAIL) failed=$((failed + 1)) ;; SKIP) skipped=$((skipped + 1)) ;; esac
}

# strace_proof LOG MODE: MODE "port" (no io_uring syscall at all) or "trap" (each one trapped).
strace_proof() {
  local log=$1 mode=$2
  if ! grep -q 'memfd_create("\[io_uring\]"' "$log"; then
    echo "no shim ring was created (no memfd \"[io_uring]\" in the strace log)"
    return 1
  fi
  awk -v mode="$mode" '
    / io_uring_(setup|enter|register)\(/ {
      if (mode == "port") { print "an io_uring system call reached Linux: " substr($0, 1, 160); bad = 1; exit }
      if (pending[$1]) { print "an io_uring system call was not trapped: " pending[$1]; bad = 1; exit }
      pending[$1] = substr($0, 1, 160); next
    }
    /--- SIGSYS .*si_code=SYS_SECCOMP/ { delete pending[$1]; next }
    / io_uring_(setup|enter|register)\(.*resumed>/ { next }
    END {
      if (bad) exit 1
      for (p in pending) { print "an io_uring system call was not trapped: " pending[p]; exit 1 }
    }' "$log"
}

# traced LOG CMD...: runs CMD under strace (io_uring calls, SIGSYS, memfds), output in LOG.out.
traced() {
  local log=$1
  shift
  strace -f -qq -o "$log" -e trace=io_uring_setup,io_uring_enter,io_uring_register,memfd_create \
    -e signal=SIGSYS "$@" >"$log.out" 2>&1
}

# ---- fio: write + verify (crc32c) across the io_uring engine's options --------------------------------------
fio_file=$work/fio.data
fio_jobs=(
  "basic|--rw=randwrite --iodepth=16"
  "registered files+buffers|--rw=randwrite --iodepth=16 --registerfiles=1 --fixedbufs=1"
  "SQPOLL|--rw=randwrite --iodepth=16 --sqthread_poll=1"
  "O_DIRECT|--rw=randwrite --iodepth=16 --direct=1"
  "fsync every 8|--rw=write --iodepth=8 --fsync=8"
  "fdatasync every 8 + end_fsync|--rw=randwrite --iodepth=8 --fdatasync=8 --end_fsync=1"
  "batched submit/complete|--rw=randwrite --iodepth=32 --iodepth_batch_submit=8 --iodepth_batch_complete_min=4"
  "non-vectored, 64k|--rw=write --bs=64k --iodepth=8 --nonvectored=1"
)
direct_ok=1
if ! dd if=/dev/zero of="$work/direct.probe" bs=4096 count=1 oflag=direct 2>/dev/null; then direct_ok=0; fi
rm -f "$work/direct.probe"

# fio_check NAME MODE ARGS...: one fio job, its JSON checked: no error, every byte written and verified.
fio_check() {
  local name=$1 mode=$2 opts=$3
  shift 3
  local log=$work/$(echo "$name" | tr -c 'A-Za-z0-9' _)
  rm -f "$fio_file"
  if ! traced "$log" "$@" --name=check --filename="$fio_file" --size=8m --bs=4k --ioengine=io_uring \
      --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 --output-format=json \
      --output="$log.json" $opts; then
    result "$name" FAIL "exit status $?: $(tail -c 300 "$log.out" | tr '\n' ' ')"
    return
  fi
  local why
  why=$(python3 - "$log.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
size = 8 << 20
if job["error"]:
    print("fio job error", job["error"]); sys.exit(1)
if job["write"]["io_bytes"] != size:
    print("wrote", job["write"]["io_bytes"], "bytes, not", size); sys.exit(1)
if job["read"]["io_bytes"] != size:
    print("verified", job["read"]["io_bytes"], "bytes, not", size); sys.exit(1)
PY
  ) || { result "$name" FAIL "$why"; return; }
  why=$(strace_proof "$log" "$mode") || { result "$name" FAIL "$why"; return; }
  result "$name" PASS
}

run_fio_set() { # LABEL MODE CMD...
  local label=$1 mode=$2
  shift 2
  for job in "${fio_jobs[@]}"; do
    local name=${job%%|*} opts=${job#*|}
    if [[ $opts == *--direct=1* && $direct_ok == 0 ]]; then
      result "$label: $name" SKIP "the work directory's file system refuses O_DIRECT"
      continue
    fi
    fio_check "$label: $name" "$mode" "$opts" "$@"
  done
}

say "== fio (port: $bin/fio)"
if [ -x "$bin/fio" ]; then
  run_fio_set "fio port" port "$bin/fio"
  # The same binary where Linux refuses io_uring: nothing changes, it never asked Linux.
  fio_check "fio port, io_uring denied: SQPOLL" port "--rw=randwrite --iodepth=16 --sqthread_poll=1" \
    "$deny" "$bin/fio"
else
  result "fio port" SKIP "not cooked ($bin/fio missing)"
fi

say "== Debian's fio under ringport run"
if [ -x /usr/bin/fio ]; then
  run_fio_set "debian fio" trap "$run" run -- /usr/bin/fio
  # The filter is real: Debian's fio alone cannot set up a ring under it...
  if "$deny" /usr/bin/fio --name=denied --filename="$fio_file" --size=1m --ioengine=io_uring \
      >"$work/denied.out" 2>&1 && ! grep -q 'Operation not permitted' "$work/denied.out"; then
    result "debian fio alone, io_uring denied: refused" FAIL "fio ran without an error under the filter"
  else
    result "debian fio alone, io_uring denied: refused" PASS
  fi
  # ...and runs under ringport run.
  for job in "${fio_jobs[0]}" "${fio_jobs[1]}" "${fio_jobs[2]}"; do
    fio_check "debian fio, io_uring denied: ${job%%|*}" trap "${job#*|}" "$deny" "$run" run -- /usr/bin/fio
  done
else
  result "debian fio" SKIP "fio is not installed (apt-get install fio)"
fi

# ---- plocate: queries against find(1) on a generated tree, --existing (IORING_OP_STATX) ----------------------
tree=$work/tree
gen_tree() {
  local d f i=0
  for d in alpha beta "gamma delta" epsilon/zeta epsilon/eta/theta iota; do
    mkdir -p "$tree/$d"
    for f in report notes Photo image_01 image_02 README config.toml "Mixed Case" data.bin log; do
      i=$((i + 1))
      echo "$i" >"$tree/$d/$f.$((i % 7))"
    done
  done
  for i in $(seq 1 400); do
    mkdir -p "$tree/bulk/d$((i % 23))"
    : >"$tree/bulk/d$((i % 23))/file$i.dat"
  done
}
gen_tree

# plocate_check NAME MODE DB EXPECTED_CMD -- PLOCATE_CMD...
plocate_check() {
  local name=$1 mode=$2 expected=$3
  shift 3
  local log=$work/$(echo "$name" | tr -c 'A-Za-z0-9' _)
  if ! traced "$log" "$@"; then
    # plocate exits 1 when nothing matched; only compare then.
    if [ -s "$log.out" ] || [ -n "$(eval "$expected")" ]; then
      result "$name" FAIL "exit status: $(tail -c 200 "$log.out" | tr '\n' ' ')"
      return
    fi
  fi
  if ! diff <(sort "$log.out") <(eval "$expected" | sort) >"$log.diff"; then
    result "$name" FAIL "differs from find(1): $(head -c 200 "$log.diff" | tr '\n' ' ')"
    return
  fi
  local why
  why=$(strace_proof "$log" "$mode") || { result "$name" FAIL "$why"; return; }
  result "$name" PASS "$(wc -l <"$log.out") paths"
}

run_plocate_set() { # LABEL MODE DB CMD...
  local label=$1 mode=$2 db=$3
  shift 3
  plocate_check "$label: substring" "$mode" "find '$tree' | grep -F image_0" "$@" -d "$db" image_0
  plocate_check "$label: two patterns (AND)" "$mode" "find '$tree' | grep -F bulk | grep -F file1" \
    "$@" -d "$db" bulk file1
  plocate_check "$label: -i" "$mode" "find '$tree' | grep -iF 'mixed case'" "$@" -d "$db" -i 'mixed case'
  plocate_check "$label: -b basename" "$mode" \
    "find '$tree' -name '*eta*'" "$@" -d "$db" -b eta
  plocate_check "$label: --regex" "$mode" "find '$tree' | grep -E 'd1[0-9]/file[0-9]+5\\.dat\$'" \
    "$@" -d "$db" --regex 'd1[0-9]/file[0-9]+5\.dat$'
  plocate_check "$label: -c count" "$mode" "find '$tree' | grep -cF .toml" "$@" -d "$db" -c .toml
}

say "== plocate (port: $bin/plocate)"
if [ -x "$bin/plocate" ] && [ -x "$sysroot/sbin/updatedb" ]; then
  db=$work/port.db
  "$sysroot/sbin/updatedb" -U "$tree" -o "$db" -l 0 >"$work/updatedb.out" 2>&1 ||
    result "plocate port: updatedb" FAIL "$(cat "$work/updatedb.out")"
  run_plocate_set "plocate port" port "$db" "$bin/plocate"
else
  result "plocate port" SKIP "not cooked ($bin/plocate missing)"
fi

say "== Debian's plocate under ringport run"
if [ -x /usr/bin/plocate ] && [ -x /usr/sbin/updatedb.plocate ]; then
  ddb=$work/debian.db
  /usr/sbin/updatedb.plocate -U "$tree" -o "$ddb" -l 0 >"$work/dupdatedb.out" 2>&1 ||
    result "debian plocate: updatedb" FAIL "$(cat "$work/dupdatedb.out")"
  run_plocate_set "debian plocate" trap "$ddb" "$run" run -- /usr/bin/plocate
  plocate_check "debian plocate, io_uring denied: substring" trap "find '$tree' | grep -F image_0" \
    "$deny" "$run" run -- /usr/bin/plocate -d "$ddb" image_0
else
  result "debian plocate" SKIP "plocate is not installed (apt-get install plocate)"
fi

# --existing: files removed after indexing are still in the database; -e drops them (each match is checked
# with an IORING_OP_STATX, through the shim), plain queries still list them.
rm -f "$tree"/alpha/image_0* "$tree"/bulk/d3/*
if [ -x "$bin/plocate" ]; then
  plocate_check "plocate port: --existing (statx)" port "find '$tree' | grep -F image_0" \
    "$bin/plocate" -d "$work/port.db" -e image_0
  plocate_check "plocate port: --existing, bulk (statx)" port "find '$tree' | grep -F .dat" \
    "$bin/plocate" -d "$work/port.db" -e .dat
fi
if [ -x /usr/bin/plocate ] && [ -f "$work/debian.db" ]; then
  plocate_check "debian plocate: --existing (statx)" trap "find '$tree' | grep -F .dat" \
    "$run" run -- /usr/bin/plocate -d "$work/debian.db" -e .dat
  plocate_check "debian plocate, io_uring denied: --existing" trap "find '$tree' | grep -F image_0" \
    "$deny" "$run" run -- /usr/bin/plocate -d "$work/debian.db" -e image_0
fi

# ---- ringport.pc on its own: a program built with only `pkg-config ringport` runs without LD_LIBRARY_PATH ----
say "== ringport.pc"
if PKG_CONFIG_LIBDIR=$sysroot/lib/pkgconfig gcc -std=gnu11 -O1 -o "$work/pc-prog" "$srcdir/tests/ports/link_order.c" \
    $(PKG_CONFIG_LIBDIR=$sysroot/lib/pkgconfig pkg-config --cflags --libs ringport) -I"$srcdir/compat/include" \
    >"$work/pc.out" 2>&1 && env -u LD_LIBRARY_PATH "$work/pc-prog" >>"$work/pc.out" 2>&1; then
  result "ringport.pc alone: link and run" PASS
else
  result "ringport.pc alone: link and run" FAIL "$(tail -c 300 "$work/pc.out" | tr '\n' ' ')"
fi

# ---- what cannot be routed fails loudly ----------------------------------------------------------------------
say "== ringport run: programs it cannot route"
if gcc -O1 -static -I"$srcdir/compat/include" -o "$work/escape-static" "$srcdir/tests/ports/escape.c" 2>"$work/esc.out"; then
  if "$run" run -- "$work/escape-static" >"$work/esc-static.out" 2>&1; then
    result "static program refused" FAIL "it ran: $(head -c 200 "$work/esc-static.out")"
  elif grep -q 'statically linked' "$work/esc-static.out"; then
    result "static program refused" PASS
  else
    result "static program refused" FAIL "$(head -c 200 "$work/esc-static.out")"
  fi
else
  result "static program refused" SKIP "no static libc to link a test program"
fi
gcc -O1 -I"$srcdir/compat/include" -o "$work/escape-handler" "$srcdir/tests/ports/escape.c"
"$run" run -- "$work/escape-handler" >"$work/esc-handler.out" 2>&1
st=$?
if [ "$st" -eq $((128 + 31)) ] && grep -q 'stopped by SIGSYS' "$work/esc-handler.out" &&
    ! grep -q escaped "$work/esc-handler.out"; then
  result "SIGSYS handler replaced: stopped, reported" PASS
else
  result "SIGSYS handler replaced: stopped, reported" FAIL "status $st: $(head -c 200 "$work/esc-handler.out")"
fi

# ---- mpd ---------------------------------------------------------------------------------------------------
say "== mpd"
if [ -x "$bin/mpd" ] && [ -f "$srcdir/tests/ports/check-mpd.sh" ]; then
  # shellcheck source=check-mpd.sh
  . "$srcdir/tests/ports/check-mpd.sh"
else
  result "mpd" SKIP "not cooked ($bin/mpd missing: make cook-mpd)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
