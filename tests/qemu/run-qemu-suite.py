#!/usr/bin/env python3
"""Runs test programs inside the reference kernel under QEMU and classifies them as the hosted harness does.

    run-qemu-suite.py --kernel rpk.elf --tests DIR --results TSV [--only a.t,b.t] [--expected TSV]
                      [--limits TSV] [--limit SECONDS] [--shards N] [--work DIR] [--weights TSV]

Each shard is one QEMU (TCG) booting the kernel with its own USTAR initrd (tests/x86_64/make-initrd.py):
/t/<name>.t for every program of DIR (a test may exec another, e.g. exec-target.t), /etc/tests (the manifest:
the shard's tests as "<name> <timeout>" per line, in run order) and an empty /tmp. The kernel's runner (docs/reference-kernel.md)
reports on the second serial port:

    @@RP BEGIN <name>
    @@RP END <name> exit=<E> sig=<S> ms=<T>
    @@RP DONE                      (then QEMU exits with status 33)

Exit 0 is a pass, 77 a skip, anything else (or a signal, or sig=9 from the guest's own time limit) a fail.
A guest that dies in the middle of a test (no END line) has that test counted as failed and is booted again
with start=K+1, so one crash costs one test. A shard counts as finished only with both the DONE line and
status 33: a triple fault also ends QEMU, with status 0.

Writes TSV lines "name<TAB>pass|fail|skip|timeout<TAB>seconds" (the hosted harness's format), the console of
each boot beside it, a progress line per test, a table, then "N passed, N failed, N skipped". With --expected
(name, expected outcome, reason; unlisted tests are expected to pass) it exits 1 when a test expected to pass
did not.
"""
import argparse
import os
import subprocess
import sys
import threading
import time

MAKE_INITRD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "x86_64", "make-initrd.py")
GUEST_BOOT_SECONDS = int(os.environ.get("GUEST_BOOT_SECONDS", "20"))  # outer margin per boot (start-up, hang detection)


def read_tsv(path, want_columns):
    rows = {}
    if not path or not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "test":
                continue
            rows[cols[0]] = cols[1:want_columns]
    return rows


def guest_name(name):
    return name[:-2] if name.endswith(".t") else name


def make_initrd(path, tests_dir, names, limits, default_limit):
    """The shard's initrd, built by the kernel's own tool (tests/x86_64/make-initrd.py: deterministic USTAR)."""
    # The manifest names tests without ".t"; the runner starts /t/<name>.t and reports <name>.
    manifest = path + ".manifest"
    with open(manifest, "w") as f:
        f.write("".join("%s %d\n" % (guest_name(n), limits.get(n, default_limit)) for n in names))
    # Every program of the directory goes in, not just the shard's: a test may exec another (exec-target.t).
    programs = [os.path.join(tests_dir, e) for e in sorted(os.listdir(tests_dir))
                if e.endswith(".t") and os.path.isfile(os.path.join(tests_dir, e))]
    subprocess.run([sys.executable, MAKE_INITRD, path, manifest] + programs, check=True)


class Shard:
    def __init__(self, index, names, args, limits):
        self.index = index
        self.names = names
        self.args = args
        self.limits = limits
        self.outcomes = {}  # name -> (outcome, seconds, note)
        self.boots = 0

    def run(self, report):
        work = os.path.join(self.args.work, "shard%d" % self.index)
        os.makedirs(work, exist_ok=True)
        initrd = os.path.join(work, "initrd.tar")
        make_initrd(initrd, self.args.tests, self.names, self.limits, self.args.limit)
        start = 0
        while start < len(self.names):
            self.boots += 1
            console = os.path.join(work, "console.%d.log" % self.boots)
            results = os.path.join(work, "results.%d.log" % self.boots)
            for p in (console, results):
                if os.path.exists(p):
                    os.remove(p)
            budget = GUEST_BOOT_SECONDS + sum(
                self.limits.get(n, self.args.limit) + 2 for n in self.names[start:])
            cmd = [self.args.qemu, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512M",
                   "-display", "none", "-monitor", "none", "-no-reboot", "-nodefaults",
                   "-serial", "file:" + console, "-serial", "file:" + results,
                   "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                   "-kernel", self.args.kernel, "-initrd", initrd, "-append", "start=%d" % start]
            try:
                status = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, timeout=budget).returncode
            except subprocess.TimeoutExpired:
                status = None
            lines = []
            if os.path.exists(results):
                with open(results, errors="replace") as f:
                    lines = [l.strip() for l in f if l.startswith("@@RP")]
            running, begun_at, done = None, start, False
            for line in lines:
                words = line.split()
                if len(words) >= 3 and words[2] + ".t" in self.names:
                    words[2] += ".t"
                if len(words) >= 3 and words[1] == "BEGIN":
                    running = words[2]
                elif len(words) >= 3 and words[1] == "END":
                    fields = dict(w.split("=", 1) for w in words[3:] if "=" in w)
                    exit_code, sig = int(fields.get("exit", "1")), int(fields.get("sig", "0"))
                    seconds = int(fields.get("ms", "0")) / 1000.0
                    limit = self.limits.get(words[2], self.args.limit)
                    if sig == 9 and seconds >= limit:
                        outcome, note = "timeout", "killed by the guest at its %d s limit" % limit
                    elif sig:
                        outcome, note = "fail", "killed by signal %d" % sig
                    elif exit_code == 0:
                        outcome, note = "pass", ""
                    elif exit_code == 77:
                        outcome, note = "skip", ""
                    else:
                        outcome, note = "fail", "exit %d" % exit_code
                    self.outcomes[words[2]] = (outcome, seconds, note, console)
                    report(self, words[2])
                    running = None
                    begun_at = self.names.index(words[2]) + 1 if words[2] in self.names else begun_at
                elif len(words) >= 2 and words[1] == "DONE":
                    done = True
                elif len(words) >= 2 and words[1] == "PANIC":
                    pass
            if done and status == 33:
                return
            # The guest died, hung or ended without DONE: the running test (or the next one) failed; go on after it.
            why = ("QEMU timed out" if status is None else "guest ended with status %d" % status) + \
                (" during the test" if running else " before the test began")
            victim = running if running else (self.names[begun_at] if begun_at < len(self.names) else None)
            if victim is None:
                return
            self.outcomes[victim] = ("fail", 0.0, why + " (console: %s)" % console, console)
            report(self, victim)
            start = self.names.index(victim) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--tests", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--expected", default="")
    ap.add_argument("--limits", default="")
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--work", default="")
    ap.add_argument("--weights", default="", help="TSV name, exit, seconds (e.g. the native baseline)")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--label", default="qemu")
    args = ap.parse_args()

    expected = read_tsv(args.expected, 3)
    limits = {k: int(v[0]) for k, v in read_tsv(args.limits, 2).items()}
    weights = {k: float(v[1]) for k, v in read_tsv(args.weights, 3).items() if len(v) > 1}
    args.work = args.work or os.path.splitext(args.results)[0] + ".work"
    os.makedirs(args.work, exist_ok=True)

    available = sorted(n for n in os.listdir(args.tests) if n.endswith(".t"))
    if args.only:
        wanted = [n.strip() for n in args.only.replace(" ", ",").split(",") if n.strip()]
        missing = [n for n in wanted if n not in available]
        if missing:
            print("check-qemu: no such test program in %s: %s" % (args.tests, " ".join(missing)), file=sys.stderr)
            return 2
        names = wanted
    else:
        # The manifest runs what expected-qemu.tsv lists plus what it does not (expected to pass); tests
        # expected to hang are not run (their reason is printed), as the hosted harness's --skip-known-hangs.
        names = available
    not_run = [n for n in names if expected.get(n, ["pass"])[0] == "timeout" and not args.only]
    names = [n for n in names if n not in not_run]

    # Balance shards on expected durations (longest first onto the least loaded shard).
    shards = [[] for _ in range(max(1, min(args.shards, len(names))))]
    load = [0.0] * len(shards)
    for n in sorted(names, key=lambda n: -weights.get(n, 1.0)):
        i = load.index(min(load))
        shards[i].append(n)
        load[i] += weights.get(n, 1.0) + 0.5
    shard_objs = [Shard(i, s, args, limits) for i, s in enumerate(shards)]

    lock = threading.Lock()
    finished = [0]
    total = len(names)

    def report(shard, name):
        with lock:
            finished[0] += 1
            outcome, seconds, note, _ = shard.outcomes[name]
            print("[%s %3d/%d] %-32s %-7s %6.2fs %s" % (args.label, finished[0], total, name, outcome, seconds,
                                                       note), flush=True)

    started = time.time()
    threads = [threading.Thread(target=s.run, args=(report,)) for s in shard_objs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    outcomes = {}
    for s in shard_objs:
        outcomes.update(s.outcomes)
    for n in names:
        if n not in outcomes:  # the harness gave up on the shard before reaching it
            outcomes[n] = ("fail", 0.0, "not reached", "")
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "w") as f:
        for n in sorted(outcomes):
            f.write("%s\t%s\t%.2f\n" % (n, outcomes[n][0], outcomes[n][1]))

    print()
    print("%-34s %-8s %8s  %s" % ("test (%s)" % args.label, "result", "seconds", "note / expected"))
    print("%-34s %-8s %8s  %s" % ("----", "------", "-------", "---------------"))
    unexpected = []
    for n in sorted(outcomes):
        outcome, seconds, note, console = outcomes[n]
        want = expected.get(n, ["pass", ""])
        remark = note
        if want[0] != outcome:
            if want[0] == "pass":
                unexpected.append(n)
                remark = (note + "; " if note else "") + "EXPECTED TO PASS"
            elif outcome == "pass":
                remark = "unexpected pass (expected %s: tighten expected-qemu.tsv)" % want[0]
        elif want[0] != "pass" and len(want) > 1:
            remark = "expected: " + want[1][:90]
        print("%-34s %-8s %8.2f  %s" % (n, outcome, seconds, remark))
    for n in not_run:
        print("%-34s %-8s %8s  %s" % (n, "not run", "", "expected to hang: " + expected[n][1][:80]))
    for n in unexpected:
        console = outcomes[n][3]
        if console and os.path.exists(console):
            print("\n--- console of %s (%s), last lines ---" % (n, console))
            with open(console, errors="replace") as f:
                lines = f.read().splitlines()
            # The test's own slice of the console (the kernel repeats the protocol lines there), else the end.
            guest = guest_name(n)
            begin = [i for i, l in enumerate(lines) if l.strip() == "@@RP BEGIN " + guest]
            if begin:
                end = next((i for i in range(begin[-1], len(lines)) if lines[i].startswith("@@RP END " + guest + " ")),
                           len(lines) - 1)
                lines = lines[begin[-1]:end + 1]
            print("\n".join(lines[-40:]))
    passed = sum(1 for o in outcomes.values() if o[0] == "pass")
    skipped = sum(1 for o in outcomes.values() if o[0] == "skip")
    failed = len(outcomes) - passed - skipped
    print("\n%d boots in %.0f s" % (sum(s.boots for s in shard_objs), time.time() - started))
    if unexpected:
        print("check-qemu: expected to pass but did not: " + " ".join(unexpected))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
