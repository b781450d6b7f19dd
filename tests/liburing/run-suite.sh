#!/usr/bin/env bash
# Runs liburing's upstream test programs (test/*.t, built by the port) the way upstream's runtests.sh does:
# from the test directory, exit 0 = pass, 77 = skip, anything else = fail, killed at the time limit = timeout.
#
#   run-suite.sh --tests DIR --results TSV [--label NAME] [--limit SECONDS] [--limits FILE] [--jobs N]
#                [--expected FILE [--skip-known-hangs]] [--plain-summary] [--only a.t,b.t]
#
# Writes TSV lines "name<TAB>pass|fail|skip|timeout<TAB>seconds", one output log per test beside it, a live
# progress line while running, then a table and "N passed, N failed, N skipped" (timeouts count as failed).
# With --expected (tests/liburing/expected.tsv: name, expected outcome, reason) it compares instead, and
# exits non-zero only when a test expected to pass did not; tests that pass but are expected not to are
# listed so the file can be tightened. --skip-known-hangs does not run tests expected to time out.
# --limits (tests/liburing/limits.tsv: name, seconds, reason) gives tests that run long even natively their own
# limit; the limit tells a hang from a slow run, it is not a performance bar.
set -u
tests_dir="" results="" label=hosted limit=60 limits="" jobs=2 expected="" skip_hangs=0 only="" plain=0
while [ $# -gt 0 ]; do
  case $1 in
    --tests) tests_dir=$2; shift ;;
    --results) results=$2; shift ;;
    --label) label=$2; shift ;;
    --limit) limit=$2; shift ;;
    --limits) limits=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --expected) expected=$2; shift ;;
    --skip-known-hangs) skip_hangs=1 ;;
    --plain-summary) plain=1 ;;
    --only) only=$2; shift ;;
    *) echo "run-suite: unknown argument $1 (usage: see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
[ -d "$tests_dir" ] && [ -n "$results" ] || { echo "run-suite: need --tests DIR and --results TSV" >&2; exit 2; }
tests_dir=$(cd "$tests_dir" && pwd)
mkdir -p "$(dirname "$results")"
results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
logs=${results%.tsv}.logs
rm -rf "$logs" && mkdir -p "$logs/status"

declare -A want reason
if [ -n "$expected" ]; then
  while IFS=$'\t' read -r name outcome why; do
    case $name in ''|'#'*|test) continue ;; esac
    want[$name]=$outcome
    reason[$name]=$why
  done <"$expected"
fi

declare -A own_limit
if [ -n "$limits" ]; then
  while IFS=$'\t' read -r name seconds _; do
    case $name in ''|'#'*|test) continue ;; esac
    own_limit[$name]=$seconds
  done <"$limits"
fi

tests=() not_run=()
for path in "$tests_dir"/*.t; do
  name=$(basename "$path")
  if [ -n "$only" ] && ! [[ ",$only," == *",$name,"* ]]; then continue; fi
  if [ "$skip_hangs" = 1 ] && [ "${want[$name]:-}" = timeout ]; then not_run+=("$name"); continue; fi
  tests+=("$name")
done
total=${#tests[@]}

# One test: its own output log, its outcome in status/<name>.
run_one() {
  local name=$1 start end rc outcome
  start=$EPOCHREALTIME
  (cd "$tests_dir" && exec timeout -k 5 -s INT "${own_limit[$name]:-$limit}" "./$name") >"$logs/$name.log" 2>&1 </dev/null
  rc=$?
  end=$EPOCHREALTIME
  case $rc in
    0) outcome=pass ;;
    77) outcome=skip ;;
    124|137) outcome=timeout ;;
    *) outcome=fail ;;
  esac
  printf '%s\t%s\t%.2f\t%s\n' "$name" "$outcome" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$rc" >"$logs/status/$name"
}

tty=0
[ -t 1 ] && tty=1
declare -A running=()
count() { ls "$logs/status" | wc -l; }
show_progress() {
  local done_n pass_n fail_n skip_n to_n
  done_n=$(count)
  read -r pass_n fail_n skip_n to_n < <(cat "$logs"/status/* 2>/dev/null |
    awk -F'\t' '{c[$2]++} END {printf "%d %d %d %d\n", c["pass"], c["fail"], c["skip"], c["timeout"]}')
  local line
  line=$(printf '[%s %3d/%d] %d pass, %d fail, %d skip, %d timeout; running: %s' "$label" "$done_n" "$total" \
    "$pass_n" "$fail_n" "$skip_n" "$to_n" "${!running[*]}")
  if [ "$tty" = 1 ]; then printf '\r\033[K%s' "${line:0:$(( $(tput cols 2>/dev/null || echo 120) - 1 ))}"; else echo "$line"; fi
}

echo "liburing test suite ($label): $total tests from $tests_dir, ${limit}s limit each, $jobs at a time"
for name in "${not_run[@]}"; do echo "not run, expected to hang: $name (${reason[$name]:-})"; done
# Tests that bind the same fixed port (upstream's PORT 10202) must not overlap: the second fails to bind, and
# its sending thread then waits for a peer that never comes. A test whose port is busy gives its turn to the
# next test that does not conflict.
declare -A port_group=([recvsend_bundle-inc.t]=10202 [recvsend_bundle.t]=10202 [send_recv.t]=10202)
port_busy() {
  local g=${port_group[$1]:-} r
  [ -z "$g" ] && return 1
  for r in "${!running[@]}"; do [ "${port_group[$r]:-}" = "$g" ] && return 0; done
  return 1
}
# Tests that must have the machine to themselves, as under upstream's runtests.sh (one test at a time):
# wq-aff.t finds its io_uring threads by thread id (the SQ thread must be pid+1, the worker pid+2), so a test
# beside it that creates processes or threads (waitid.t forks 10,000 children) takes those ids and it skips.
declare -A alone=([wq-aff.t]=1)
alone_running() {
  local r
  for r in "${!running[@]}"; do [ -n "${alone[$r]:-}" ] && return 0; done
  return 1
}
next=0 last_report=0
while [ "$next" -lt "$total" ] || [ "${#running[@]}" -gt 0 ]; do
  while [ "$next" -lt "$total" ] && [ "${#running[@]}" -lt "$jobs" ]; do
    name=${tests[$next]}
    alone_running && break
    if [ -n "${alone[$name]:-}" ]; then
      [ "${#running[@]}" -gt 0 ] && break # it starts once the others have finished
      run_one "$name" &
      running[$name]=$!
      next=$((next + 1))
      break
    fi
    if port_busy "$name"; then
      j=$((next + 1))
      while [ "$j" -lt "$total" ] && port_busy "${tests[$j]}"; do j=$((j + 1)); done
      [ "$j" -ge "$total" ] && break
      tests[$next]=${tests[$j]}
      tests[$j]=$name
      name=${tests[$next]}
    fi
    run_one "$name" &
    running[$name]=$!
    next=$((next + 1))
  done
  wait -n 2>/dev/null
  for name in "${!running[@]}"; do
    [ -f "$logs/status/$name" ] && ! kill -0 "${running[$name]}" 2>/dev/null && unset "running[$name]"
  done
  done_n=$(count)
  # A line per test on a terminal (rewritten in place); every 10 tests in a log file.
  if [ "$tty" = 1 ] || [ $((done_n - last_report)) -ge 10 ] || [ "$done_n" -eq "$total" ]; then
    show_progress
    last_report=$done_n
  fi
done
[ "$tty" = 1 ] && echo

: >"$results"
for name in "${tests[@]}"; do cut -f1-3 "$logs/status/$name" >>"$results"; done
sort -o "$results" "$results"

# The table: every test that did not pass, then the counts.
passed=$(awk -F'\t' '$2=="pass"' "$results" | wc -l)
failed=$(awk -F'\t' '$2=="fail"' "$results" | wc -l)
skipped=$(awk -F'\t' '$2=="skip"' "$results" | wc -l)
timed_out=$(awk -F'\t' '$2=="timeout"' "$results" | wc -l)
echo
printf '%-34s %-8s %8s  %s\n' "test ($label)" result seconds "exit / expected"
printf '%-34s %-8s %8s  %s\n' "----" ------ ------- ---------------
while IFS=$'\t' read -r name outcome seconds rc; do
  note="exit $rc"
  if [ -n "$expected" ]; then
    note="$note; expected ${want[$name]:-pass}"
  fi
  if [ "$outcome" != pass ] || { [ -n "$expected" ] && [ "${want[$name]:-pass}" != pass ]; }; then
    printf '%-34s %-8s %8s  %s\n' "$name" "$outcome" "$seconds" "$note"
  fi
done < <(cat "$logs"/status/* | sort)
echo "(all other tests passed; outputs in $logs/)"
echo

# The plain count line is for runs people read; under `make check` the expectations decide, and the
# unit tests' summary stays the last count line.
if [ -z "$expected" ] || [ "$plain" = 1 ]; then
  [ "$timed_out" -gt 0 ] && echo "($timed_out timed out, counted as failed)"
  echo "$passed passed, $((failed + timed_out)) failed, $skipped skipped"
fi
if [ -z "$expected" ]; then
  [ $((failed + timed_out)) -eq 0 ]
  exit
fi

# Against expectations.
regressions=() better=() other=()
while IFS=$'\t' read -r name outcome _; do
  w=${want[$name]:-pass}
  if [ "$outcome" = "$w" ]; then continue; fi
  if [ "$w" = pass ]; then
    missing=""
    [ -z "${want[$name]:-}" ] && missing=" (no line in expected.tsv)"
    regressions+=("$name: expected pass, got $outcome$missing")
  elif [ "$outcome" = pass ]; then
    better+=("$name: passes, but expected.tsv says $w (${reason[$name]:-})")
  else
    other+=("$name: got $outcome, expected.tsv says $w (${reason[$name]:-})")
  fi
done <"$results"
for name in "${!want[@]}"; do
  [ -e "$tests_dir/$name" ] || other+=("$name: in expected.tsv but not built")
done
echo "liburing ($label) against $expected: $passed pass, $failed fail, $skipped skip, $timed_out timeout, ${#not_run[@]} not run"
for line in "${other[@]}"; do echo "  differs (not an error): $line"; done
for line in "${better[@]}"; do echo "  UNEXPECTED PASS (tighten expected.tsv): $line"; done
for line in "${regressions[@]}"; do echo "  REGRESSION: $line"; done
if [ "${#regressions[@]}" -gt 0 ]; then
  echo "liburing ($label): ${#regressions[@]} test(s) expected to pass did not"
  exit 1
fi
echo "liburing ($label): every test expected to pass passed"
