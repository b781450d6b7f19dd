#!/usr/bin/env python3
"""Drafts tests/liburing/expected.tsv from a real hosted run (build/liburing-results.tsv and its logs).

Every test that did not pass gets a line: its outcome and a reason. A reason already written in expected.tsv
for the same outcome is kept; otherwise the draft says what the test exercises (from the shared
tests-by-feature list, when present) and the first error line the test printed through the shim. Review the
draft before committing it: the file is the project's statement of why each test does not pass yet.

usage: draft-expected.py RESULTS_TSV EXPECTED_TSV [FEATURES_TXT [NATIVE_RESULTS_TSV]] > new-expected.tsv
"""
import os
import re
import sys


def first_error(log_path):
    if not os.path.exists(log_path):
        return ""
    with open(log_path, errors="replace") as log:
        lines = [line.strip() for line in log if line.strip()]
    for line in lines:
        if re.search(r"fail|error|invalid|expected|got|bad|unsupported|not supported|-\d+|timed out", line, re.I):
            return line[:140]
    return lines[0][:140] if lines else "no output"


def main():
    results_path, expected_path = sys.argv[1], sys.argv[2]
    features_path = sys.argv[3] if len(sys.argv) > 3 else ""
    native = {}
    if len(sys.argv) > 4 and os.path.exists(sys.argv[4]):
        for line in open(sys.argv[4]):
            fields = line.rstrip("\n").split("\t")
            native[fields[0]] = fields[1]
    logs = results_path[: -len(".tsv")] + ".logs"
    old = {}
    if os.path.exists(expected_path):
        for line in open(expected_path):
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and not line.startswith("#") and fields[0] != "test":
                old[fields[0]] = (fields[1], fields[2])
    uses = {}
    if features_path and os.path.exists(features_path):
        for line in open(features_path):
            parts = [part.strip() for part in line.split("·")]
            if len(parts) == 4 and not line.startswith("#"):
                uses[parts[0] + ".t"] = parts[3]
    print("test\texpected\treason")
    for line in open(results_path):
        name, outcome = line.split("\t")[:2]
        if outcome == "pass":
            continue
        if name in old and old[name][0] == outcome and old[name][1]:
            reason = old[name][1]
        else:
            what = uses.get(name, "")
            said = first_error(os.path.join(logs, name + ".log"))
            if outcome == "timeout":
                said = "killed at the time limit" + (f" after: {said}" if said != "no output" else "")
            elif outcome == "skip" and said in ("no output", "skip"):
                said = "the test skips itself (what it needs is reported unsupported)"
            elif said == "no output":
                said = "exits 1 without a message"
            reason = (f"uses {what}; " if what else "") + f"through the shim: {said}"
            if native.get(name, "pass") != "pass":
                reason += f" (native Linux here: {native[name]} too)"
        print(f"{name}\t{outcome}\t{reason.replace(chr(9), ' ')}")


if __name__ == "__main__":
    main()
