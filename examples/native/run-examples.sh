#!/usr/bin/env bash
# The native examples in the main job and `make demo`: each runs and says what it did; any failure fails the run.
#   run-examples.sh DIR   (DIR holds native-copy, native-echo, native-demo-scheme)
set -euo pipefail
dir=$1
echo "== native programs on the native ring, written with the executor (docs/executor.md) =="
"$dir/native-copy"
"$dir/native-echo"
# The scheme is "demo:" (a second run at the same moment would find the name taken: EADDRINUSE).
"$dir/native-demo-scheme" demo
echo "== native examples: all three checked their results =="
