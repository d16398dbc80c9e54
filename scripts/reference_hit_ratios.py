#!/usr/bin/env python3
"""Hit ratios of libCacheSim's reference policies on Strata's text traces.

usage: python3 scripts/reference_hit_ratios.py CAPACITY TRACE...   (pip install libcachesim==0.3.5)

Each trace is text with one integer key per line (as for `strata simulate`); every object has
size 1, so CAPACITY counts entries. Prints one row per trace: LRU, ARC, W-TinyLFU (1% window,
SLRU main), S3-FIFO (10% small queue, 90% ghost) and SIEVE, in percent, counting every request
(cold misses included), as `strata simulate` does.
"""
import os
import sys

import libcachesim as lcs

POLICIES = [
    ("LRU", lambda c: lcs.LRU(c)),
    ("ARC", lambda c: lcs.ARC(c)),
    ("W-TinyLFU", lambda c: lcs.WTinyLFU(c)),
    ("S3-FIFO", lambda c: lcs.S3FIFO(c)),
    ("SIEVE", lambda c: lcs.Sieve(c)),
]


def main():
    capacity = int(sys.argv[1])
    print("trace," + ",".join(name for name, _ in POLICIES))
    for path in sys.argv[2:]:
        row = [os.path.basename(path)]
        for _, make in POLICIES:
            reader = lcs.TraceReader(path, lcs.TraceType.PLAIN_TXT_TRACE)
            miss_ratio, _ = make(capacity).process_trace(reader)
            row.append(f"{100 * (1 - miss_ratio):.2f}")
        print(",".join(row), flush=True)


if __name__ == "__main__":
    main()
