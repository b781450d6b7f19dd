#!/usr/bin/env bash
# Runs every rpbench workload with the native build and the shim build, alternating, for several rounds, and
# writes a table (stdout, and build/bench.md) plus build/bench.json. Each figure is the median of the rounds;
# min and max are kept. Ratios are arranged so that higher is better: shim/native for rates, native/shim for
# latencies and sizes.
#
#   bench/run.sh NATIVE_BINARY SHIM_BINARY [OUTPUT_DIR]
# Environment: RPBENCH_ROUNDS (default 5), RPBENCH_SCALE (default 1.0), RPBENCH_WORKLOADS (space-separated),
# RPBENCH_BASELINE: a second shim build (an older commit's rpbench-hosted, `make bench-baseline`) run in the
# same rounds as a third side, so "is the shim slower than it was?" is answered on one stretch of the machine's
# noise: the table then gains its median and its ratio to native beside the current shim's.
set -euo pipefail
native=$1 shim=$2 out=${3:-build}
baseline=${RPBENCH_BASELINE:-}
sides="native shim"; [ -n "$baseline" ] && sides="native shim baseline"
rounds=${RPBENCH_ROUNDS:-5}
scale=${RPBENCH_SCALE:-1.0}
workloads=${RPBENCH_WORKLOADS:-"nop-batch nop-qd1 read-4k-qd32 read-4k-qd32-fixed pipe-pingpong timeouts-10k linked-chain memory"}
mkdir -p "$out"
raw=$out/bench-raw.tsv
: >"$raw"

for r in $(seq 1 "$rounds"); do
  for w in $workloads; do
    for side in $sides; do
      bin=$native; [ "$side" = shim ] && bin=$shim; [ "$side" = baseline ] && bin=$baseline
      printf '\rbench: round %s/%s  %-20s %-6s' "$r" "$rounds" "$w" "$side" >&2
      if ! lines=$(timeout 120 "$bin" "$w" --scale "$scale" 2>"$out/bench-$side-$w.err"); then
        echo >&2
        echo "bench: $w failed on $side (round $r): $(tail -n1 "$out/bench-$side-$w.err")" >&2
        printf '%s\t%s\terror\t%s\t-\n' "$side" "$w" "$r" >>"$raw"
        continue
      fi
      while IFS=$'\t' read -r name unit value better; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$name" "$value" "$r" "$unit" "$better" >>"$raw"
      done <<<"$lines"
    done
  done
done
printf "\n" >&2
echo "bench: $rounds rounds of $(echo $workloads | wc -w) workloads on $(echo $sides | wc -w) builds took ${SECONDS}s" >&2

python3 - "$raw" "$out" <<'PY'
import json, statistics, sys
raw, out = sys.argv[1], sys.argv[2]
data, meta, failed = {}, {}, set()
for line in open(raw):
    side, name, value, rnd, *rest = line.rstrip("\n").split("\t")
    if value == "error":
        failed.add((side, name)); continue
    unit, better = rest
    data.setdefault(name, {}).setdefault(side, []).append(float(value))
    meta[name] = (unit, better)
rows = []
for name, sides in data.items():
    unit, better = meta[name]
    row = {"name": name, "unit": unit}
    for side in ("native", "shim", "baseline"):
        vals = sides.get(side)
        row[side] = statistics.median(vals) if vals else None
        row[side + "_min"] = min(vals) if vals else None
        row[side + "_max"] = max(vals) if vals else None
    n = row["native"]
    for side, key in (("shim", "ratio"), ("baseline", "baseline_ratio")):
        s = row[side]
        row[key] = ((s / n) if better == "higher" else (n / s)) if n and s else None
    row["better"] = better
    rows.append(row)
json.dump({"benchmarks": rows, "failed": sorted("%s:%s" % f for f in failed)}, open(out + "/bench.json", "w"), indent=1)
def fmt(v):
    if v is None: return "-"
    return "%.3g" % v if v < 1000 else "{:,.0f}".format(v)
def span(r, side):
    lo, hi = r[side + "_min"], r[side + "_max"]
    return "-" if lo is None else "%s .. %s" % (fmt(lo), fmt(hi))
with_base = any(r["baseline"] is not None for r in rows)
def ratio(v): return "-" if v is None else "%.2f" % v
head = "| benchmark | unit | native (median) | shim (median) | ratio (higher is better) | native min .. max | shim min .. max |"
rule = "|---|---|---:|---:|---:|---:|---:|"
if with_base:
    head += " baseline (median) | baseline ratio | baseline min .. max |"
    rule += "---:|---:|---:|"
lines = [head, rule]
for r in rows:
    line = "| %s | %s | %s | %s | %s | %s | %s |" % (r["name"], r["unit"], fmt(r["native"]), fmt(r["shim"]),
                 ratio(r["ratio"]), span(r, "native"), span(r, "shim"))
    if with_base:
        line += " %s | %s | %s |" % (fmt(r["baseline"]), ratio(r["baseline_ratio"]), span(r, "baseline"))
    lines.append(line)
for f in sorted(failed):
    lines.append("| %s | failed on %s |" % (f[1], f[0]) + " |" * (8 if with_base else 5))
open(out + "/bench.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
