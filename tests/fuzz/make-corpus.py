#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses: tests/fuzz/corpus/<target>/, one small input per opcode (and
a few set-up variants), in the input formats the harnesses' header comments describe. `make fuzz-corpus`
runs it; the files are committed, so it only needs running again when a format changes.

The bytes after an opcode are a fixed, mostly-zero pattern: zero decodes to the plainest choice of every
field (the input's first file, length 0, the first name), which the fuzzer then mutates.
"""
import os
import sys

LINUX_OPS = 58        # IORING_OP_LAST of liburing 2.9
REGISTER_OPS = 36     # one past IORING_REGISTER_MEM_REGION
NATIVE_OPS = 53       # RP_OP_STANDARD_COUNT
FIELDS = bytes([0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])


def write(root, target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def submit_sqes(root):
    # [data seed][entries: sq 8, cq 8][setup flags u16][registrations] commands...
    for op in range(LINUX_OPS):
        for variant, (flags, regs) in enumerate([(0, 0), (0x10, 0x0f)]):  # plain; IOSQE_ASYNC + all registered
            head = bytes([op, 0x33, 0, 0, regs])
            sqe = bytes([0, op, flags]) + FIELDS
            tail = bytes([4, 1, 5, 9, 6])  # submit with GETEVENTS, wait <= 0.25 ms for 1, reap
            write(root, "submit_sqes", f"op{op:02d}-{variant}", head + sqe + tail)
    # A linked pair and a drained one (link flag 0x04, drain 0x02), and each set-up flag alone.
    write(root, "submit_sqes", "link-nop-timeout", bytes([1, 0x33, 0, 0, 0, 0, 0, 4]) + FIELDS + bytes([0, 15, 0]) + FIELDS + bytes([4, 1, 5, 9]))
    write(root, "submit_sqes", "drain-nop", bytes([2, 0x33, 0, 0, 0, 0, 0, 2]) + FIELDS + bytes([4, 1, 6]))
    for bit in range(13):
        fb = 1 << bit
        write(root, "submit_sqes", f"setup-bit{bit:02d}", bytes([3, 0x33, fb & 0xff, fb >> 8, 0, 0, 0, 0]) + FIELDS + bytes([4, 1, 5, 9, 6, 7, 0, 0, 0, 5]))


def register_setup(root):
    # [data seed][entries 8][flags sel, flags u16][sqpoll sel][cq][cpu][idle][wq_fd][resv sel][features sel]
    head = bytes([0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    for op in range(REGISTER_OPS):
        cmd = bytes([0, op, 1]) + bytes(20)
        write(root, "register_setup", f"reg{op:02d}", head + cmd + bytes([6, 0, 7]))
    for bit in range(18):
        fl = 1 << bit
        if bit >= 16:
            h = bytes([0, 3, 0x80]) + fl.to_bytes(4, "little") + bytes(9)
        else:
            h = bytes([0, 3, 0, fl & 0xff, fl >> 8]) + bytes(9)
        write(root, "register_setup", f"setup-bit{bit:02d}", h + bytes([6, 4, 7]))


def native_ring(root):
    # [data seed][sq 8][cq 16][flags][reserved] commands...
    for op in list(range(NATIVE_OPS)) + [128, 129, 130]:
        for variant, ringflags in enumerate([0, 1]):  # plain; RP_RING_INDIRECT
            cmd = bytes([0, op if op < 200 else op, 0, 0, 0, 0, op]) + FIELDS
            write(root, "native_ring", f"op{op:03d}-{variant}", bytes([0, 3, 3, ringflags, 0]) + cmd + bytes([5, 0x09, 6]))
    write(root, "native_ring", "scribble-header", bytes([0, 3, 3, 1, 0, 0, 0]) + FIELDS + bytes([7, 0x41, 1, 0, 0, 0, 2, 5, 0x09, 6]))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    submit_sqes(root)
    register_setup(root)
    native_ring(root)


if __name__ == "__main__":
    main()
