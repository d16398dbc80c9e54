#!/usr/bin/env python3
"""Writes two seeded traces that the hot/cold promoter was not tuned on.

usage: python3 scripts/make_extra_traces.py OUTDIR        (needs numpy)

shifting.txt  2M requests, Zipf(0.9) over 1M keys whose popularity is reshuffled
              every 250k requests (eight phases): yesterday's hot keys go cold at once.
bursts.txt    about 2M requests of short-lived reuse: each key is requested a few times
              within a short span of its first request and never again, so recency is
              everything and LRU is close to optimal.
"""
import os
import sys

import numpy as np


def zipf_keys(rng, n_keys, alpha, n):
    ranks = np.arange(1, n_keys + 1, dtype=np.float64)
    p = ranks**-alpha
    p /= p.sum()
    perm = rng.permutation(n_keys)
    return perm[rng.choice(n_keys, size=n, p=p)]


def shifting(rng):
    phases = [zipf_keys(rng, 1_000_000, 0.9, 250_000) for _ in range(8)]
    return np.concatenate(phases)


def bursts(rng):
    n_keys = 500_000
    births = np.arange(n_keys, dtype=np.float64) * 4.0
    uses = 1 + rng.geometric(0.3, size=n_keys)  # 1 + about 3.3 reuses per key
    keys = np.repeat(np.arange(n_keys), uses)
    times = np.repeat(births, uses)
    first = np.concatenate([[True], keys[1:] != keys[:-1]])
    offsets = rng.uniform(0.0, 20_000.0, size=len(keys))
    times = times + np.where(first, 0.0, offsets)
    order = np.argsort(times, kind="stable")
    return keys[order] + 10_000_000


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    np.savetxt(f"{out}/shifting.txt", shifting(rng).astype(np.int64), fmt="%d")
    np.savetxt(f"{out}/bursts.txt", bursts(rng).astype(np.int64), fmt="%d")


if __name__ == "__main__":
    main()
