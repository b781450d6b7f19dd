#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz (docs/fuzzing.md).
#
#   run-fuzz.sh --src DIR --bin DIR --work DIR --mode replay TARGET...
#       each input of tests/fuzz/regressions/<target>/ and tests/fuzz/corpus/<target>/ once. An input listed in
#       tests/fuzz/known-crashes.tsv is a known open defect: it must still crash the way the list says (if it no
#       longer does, the script says so: remove the line). Any other crash fails.
#   run-fuzz.sh ... --mode smoke|long --seconds N TARGET...
#       fuzzes each target for N seconds (niced, one process), starting from the seed corpus and the corpus of
#       earlier runs (WORK/corpus/<target>). A crash whose report matches a known-crashes.tsv signature is
#       reported and fuzzing goes on; any other crash fails the run after the remaining targets, with the
#       command that reproduces it. Extra libFuzzer flags: FUZZ_ARGS.
set -u
src= bin= work= mode= seconds=60
while [ $# -gt 0 ]; do
  case $1 in
    --src) src=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) break ;;
  esac
done
targets=("$@")
known=$src/tests/fuzz/known-crashes.tsv
failed=0

# known_field TARGET FILE COLUMN: a column of the known-crashes line for that regression file (empty: none).
known_field() {
  [ -f "$known" ] || return 0
  awk -F'\t' -v t="$1" -v f="$2" -v c="$3" '!/^#/ && $1 == t && $2 == f { print $c; exit }' "$known"
}
# matches SIGNATURE LOG: every part of the signature (extended regexes joined by ' && ') occurs in the report.
matches() {
  local rest=$1 part
  while [ -n "$rest" ]; do
    part=${rest%%' && '*}
    [ "$part" = "$rest" ] && rest= || rest=${rest#*' && '}
    grep -Eq -- "$part" "$2" || return 1
  done
  return 0
}
# known_match TARGET LOG: the first known-crashes line of TARGET whose signature the report in LOG matches.
known_match() {
  [ -f "$known" ] || return 1
  local t=$1 log=$2 line sig
  while IFS=$'\t' read -r kt kf sig owner what; do
    [[ "$kt" == \#* || "$kt" != "$t" || -z "$sig" ]] && continue
    if matches "$sig" "$log"; then
      echo "$kf ($owner: $what)"
      return 0
    fi
  done < "$known"
  return 1
}

replay() {
  local t=$1 exe=$bin/fuzz_$t log regs=() normal=() f name n_known=0
  mkdir -p "$work/logs" "$work/artifacts"
  log=$work/logs/replay-$t.log
  if [ -d "$src/tests/fuzz/regressions/$t" ]; then
    for f in "$src/tests/fuzz/regressions/$t"/*; do
      [ -f "$f" ] || continue
      name=$(basename "$f")
      [ "$name" = README.md ] && continue
      if [ -n "$(known_field "$t" "$name" 3)" ]; then
        n_known=$((n_known + 1))
        # Up to three tries: a defect that shows only sometimes (a race) is still there.
        local try rc=0
        for try in 1 2 3; do
          timeout -k 5 120 "$exe" -artifact_prefix="$work/artifacts/replay-" "$f" >"$log.known" 2>&1
          rc=$?
          [ $rc -ne 0 ] && break
        done
        if [ $rc -eq 0 ]; then
          echo "check-fuzz: $t: regressions/$t/$name no longer crashes: the defect is fixed, delete its line from tests/fuzz/known-crashes.tsv"
        elif ! matches "$(known_field "$t" "$name" 3)" "$log.known"; then
          echo "check-fuzz: $t: regressions/$t/$name crashes differently from what known-crashes.tsv says:"
          grep -E 'ERROR|SUMMARY|#[0-9]+ ' "$log.known" | head -20
          failed=1
        fi
      else
        regs+=("$f")
      fi
    done
  fi
  for f in "$src/tests/fuzz/corpus/$t"/*; do [ -f "$f" ] && normal+=("$f"); done
  local all=("${regs[@]}" "${normal[@]}")
  if [ ${#all[@]} -gt 0 ] && ! timeout -k 5 300 "$exe" -artifact_prefix="$work/artifacts/replay-" "${all[@]}" >"$log" 2>&1; then
    echo "check-fuzz: $t: an input crashed (replay: $exe FILE):"
    grep -E 'Running: |ERROR|SUMMARY|#[0-9]+ 0x' "$log" | tail -30
    failed=1
    return
  fi
  echo "check-fuzz: $t: ${#regs[@]} regression inputs and ${#normal[@]} seed inputs run once, no crash" \
    "($n_known known open defects replayed as expected crashes)"
}

fuzz() {
  local t=$1 exe=$bin/fuzz_$t corpus=$work/corpus/$t art=$work/artifacts/$t log start end left rc execs cov
  mkdir -p "$corpus" "$art" "$work/logs"
  log=$work/logs/fuzz-$t.log
  : >"$log"
  start=$(date +%s)
  end=$((start + seconds))
  execs=0
  while :; do
    left=$((end - $(date +%s)))
    [ $left -le 0 ] && break
    local before
    before=$(ls "$art" | wc -l)
    # One plain process (the harness sandboxes itself; -fork mode's children would each need their own);
    # -timeout: an input that runs 20 s is a hang.
    nice -n 10 timeout -k 10 $((left + 120)) "$exe" -max_total_time=$left -timeout=20 -max_len=1024 \
      -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
      "$corpus" "$src/tests/fuzz/corpus/$t" >"$log.run" 2>&1
    rc=$?
    cat "$log.run" >>"$log"
    execs=$((execs + $(sed -n 's/^stat::number_of_executed_units: *//p' "$log.run" | tail -n1 | grep . || echo 0)))
    cov=$(grep -o 'cov: [0-9]*' "$log.run" | tail -n1)
    [ $rc -eq 0 ] && break
    local crash
    crash=$(ls -t "$art" | head -n1)
    [ "$(ls "$art" | wc -l)" -eq "$before" ] && crash="(no artifact; exit $rc)"
    if match=$(known_match "$t" "$log.run"); then
      echo "fuzz: $t: hit a known open defect, regressions/$t/$match; artifact $art/$crash; going on"
      continue
    fi
    echo "fuzz: $t: NEW CRASH after $(( $(date +%s) - start )) s: $art/$crash"
    grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$log.run" | head -25
    echo "  reproduce: $exe $art/$crash   (minimize: $exe -minimize_crash=1 -runs=10000 $art/$crash)"
    echo "  then keep it: tests/fuzz/regressions/$t/ (docs/fuzzing.md)"
    failed=1
    break
  done
  echo "fuzz: $t: $(( $(date +%s) - start )) s, $execs executions, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs (log: $log)"
}

for t in "${targets[@]}"; do
  case $mode in
    replay) replay "$t" ;;
    smoke|long) fuzz "$t" ;;
    *) echo "run-fuzz.sh: unknown mode '$mode'" >&2; exit 2 ;;
  esac
done
exit $failed
