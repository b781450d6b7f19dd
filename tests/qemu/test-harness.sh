#!/usr/bin/env bash
# Checks run-qemu-suite.py's classification and recovery against fake-qemu.py (no kernel, no QEMU): every
# outcome the guest can report, a guest that dies mid-test (rebooted at the next test), a triple fault (status
# 0 without DONE is not success), a hung guest (outer timeout), and the exit status against expectations.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/rp-qemu-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/t"
for n in pass-1 pass-2 skip-1 fail-1 segv-1 slow-1 crash-1 pass-3 triple-1 pass-4; do
  printf '\x7fELF' >"$work/t/$n.t"
done
failures=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
run() {
  python3 "$here/run-qemu-suite.py" --qemu "$here/fake-qemu.py" --kernel /dev/null --tests "$work/t" \
    --results "$work/results.tsv" --limit 2 "$@" >"$work/out.txt" 2>&1
}
outcome() { awk -F'\t' -v n="$1" '$1==n {print $2}' "$work/results.tsv"; }

printf 'test\texpected\treason\nfail-1.t\tfail\tplays a failure\nsegv-1.t\tfail\tsignal\nslow-1.t\ttimeout\thangs\nskip-1.t\tskip\tskips itself\n' \
  >"$work/expected.tsv"
run --shards 1 --only pass-1.t,pass-2.t,skip-1.t,fail-1.t,segv-1.t,slow-1.t,crash-1.t,pass-3.t,triple-1.t,pass-4.t
rc=$?
check "pass" test "$(outcome pass-1.t)" = pass
check "skip (77)" test "$(outcome skip-1.t)" = skip
check "fail (exit 1)" test "$(outcome fail-1.t)" = fail
check "signal is a failure" test "$(outcome segv-1.t)" = fail
check "guest time limit is a timeout" test "$(outcome slow-1.t)" = timeout
check "a crash mid-test fails that test" test "$(outcome crash-1.t)" = fail
check "the guest is rebooted after a crash" test "$(outcome pass-3.t)" = pass
check "a triple fault (status 0, no DONE) fails the test" test "$(outcome triple-1.t)" = fail
check "the test after a triple fault runs" test "$(outcome pass-4.t)" = pass
check "unexpected failures fail the run" test "$rc" = 1
check "summary line last" test "$(tail -n1 "$work/out.txt")" = "4 passed, 5 failed, 1 skipped"

run --shards 2 --expected "$work/expected.tsv" --only pass-1.t,pass-2.t,skip-1.t,fail-1.t,segv-1.t,pass-3.t,pass-4.t
check "expected failures keep the run green (2 shards)" test $? = 0
check "two shards cover every test" test "$(wc -l <"$work/results.tsv")" = 7

rm -f "$work/t/"*; printf '\x7fELF' >"$work/t/hang-1.t"; printf '\x7fELF' >"$work/t/pass-9.t"
GUEST_BOOT_SECONDS=1 run --shards 1 --limit 1 --only hang-1.t,pass-9.t
check "a hung guest is killed by the outer timeout and the next test runs" \
  test "$(outcome hang-1.t)/$(outcome pass-9.t)" = fail/pass
if [ "$failures" -ne 0 ]; then echo "test-harness: $failures check(s) failed"; exit 1; fi
echo "test-harness: all checks passed"
