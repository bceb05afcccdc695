#!/usr/bin/env python3
"""Checks Stage 6's reference against scipy, numpy and hashlib.

    cargo run -q --release -p stage6-solution --example crosscheck | python3 grader/tools/crosscheck_stage6.py

Reads the example's JSON lines, recomputes each figure with the trusted library and prints the
largest relative difference per kind; exits 1 when one is above its bound.
"""
import hashlib
import json
import struct
import sys

import numpy as np
from scipy import stats

worst = {}
bounds = {"ks_d": 1e-15, "ks_p": 1e-12, "psi": 1e-12, "kolmogorov": 1e-13, "chi2_stat": 1e-12, "chi2_p": 1e-9,
          "z": 1e-12, "z_p": 1e-9, "manifest": 0.0, "digest": 0.0, "asof": 0.0}


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


def note(kind, r):
    worst[kind] = max(worst.get(kind, 0.0), r)


def psi(e, a, bins):
    cuts = np.quantile(np.array(e), [k / bins for k in range(1, bins)])
    def shares(x):
        idx = np.searchsorted(cuts, np.array(x), side="left")
        counts = np.bincount(idx, minlength=bins)
        s = counts / len(x)
        return np.where(counts == 0, 1e-4, s)
    ee, aa = shares(e), shares(a)
    return float(np.sum((aa - ee) * np.log(aa / ee)))


for line in sys.stdin:
    r = json.loads(line)
    k = r["kind"]
    if k == "ks_psi":
        a, b = r["a"], r["b"]
        d = stats.ks_2samp(a, b, method="asymp").statistic
        n, m = len(a), len(b)
        p = stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * r["d"])
        note("ks_d", rel(r["d"], d))
        note("ks_p", rel(r["p"], p))
        note("psi", rel(r["psi"], psi(a, b, 10)))
    elif k == "kolmogorov":
        note("kolmogorov", rel(r["q"], stats.kstwobign.sf(r["lambda"])))
    elif k == "chi2":
        table = np.array([r["r"], r["c"]], dtype=float)
        table = table[:, table.sum(axis=0) > 0]
        stat, p, dof, _ = stats.chi2_contingency(table, correction=False)
        note("chi2_stat", rel(r["stat"], stat))
        note("chi2_p", rel(r["p"], p))
        assert dof == r["dof"], (dof, r["dof"])
    elif k == "z":
        sa, na, sb, nb = r["args"]
        p = (sa + sb) / (na + nb)
        z = (sb / nb - sa / na) / np.sqrt(p * (1 - p) * (1 / na + 1 / nb))
        note("z", rel(r["z"], z))
        note("z_p", rel(r["p"], 2 * stats.norm.sf(abs(z))))
    elif k == "manifest":
        files = {"b/x.csv": b"1,2\n3,4\n", "a.csv": b"", "data/\u00e9t\u00e9.bin": bytes(range(256))}
        entries = [[p, hashlib.sha256(files[p]).hexdigest(), len(files[p])] for p in sorted(files, key=lambda s: s.encode())]
        text = "".join(f"{d} {n} {p}\n" for p, d, n in entries)
        ok = entries == r["entries"] and hashlib.sha256(text.encode()).hexdigest() == r["digest"]
        note("manifest", 0.0 if ok else 1.0)
    elif k == "asof":
        import io
        import pandas as pd
        ev = pd.read_csv(io.StringIO(r["events"]))
        ev["row"] = range(len(ev))
        out = ev.sort_values("ts", kind="stable")
        for t in ("a", "b"):
            tab = pd.read_csv(io.StringIO(r[t]), float_precision="round_trip").sort_values("ts", kind="stable")
            out = pd.merge_asof(out, tab, on="ts", by="entity", direction="backward",
                                tolerance=r["max_age"], allow_exact_matches=True)
        out = out.sort_values("row")
        worst_col = 0.0
        for c in ("a0", "a1", "b0"):
            for mine, theirs in zip(r[c], out[c].tolist()):
                same = (mine is None and pd.isna(theirs)) or (mine is not None and mine == theirs)
                worst_col = max(worst_col, 0.0 if same else 1.0)
        note("asof", worst_col)
    elif k == "digest":
        data = b"".join(struct.pack("<d", x) for x in r["params"])
        note("digest", 0.0 if hashlib.sha256(data).hexdigest() == r["digest"] else 1.0)

bad = False
for kind, r in sorted(worst.items()):
    ok = r <= bounds[kind]
    bad |= not ok
    print(f"{kind:12} largest relative difference {r:.3e} (bound {bounds[kind]:.0e}) {'ok' if ok else 'FAIL'}")
sys.exit(1 if bad else 0)
