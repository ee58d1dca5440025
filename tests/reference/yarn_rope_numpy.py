#!/usr/bin/python3
"""heft's RoPE cos/sin tables on YaRN (and linear) GGUFs against a float64 NumPy reference.

The reference is written from the YaRN paper (Peng et al. 2023, sections 3.2-3.4) and
transformers' `_compute_yarn_parameters`, not from ggml's code: per dimension pair i of
a rotary width d, the unscaled inverse frequency base^(-2i/d) and the interpolated one
(divided by the factor s) are mixed by a ramp over the correction range

    low  = max(floor(d ln(L / (2 pi beta_fast)) / (2 ln base)), 0)
    high = min(ceil (d ln(L / (2 pi beta_slow)) / (2 ln base)), d - 1)
    ramp = clip((i - low) / max(high - low, 0.001), 0, 1)      (1: fully interpolated)
    inv_freq = inv_freq_extrap * (1 - ramp) + inv_freq_interp * ramp

(L: the original context, beta_fast 32, beta_slow 1), and cos and sin are multiplied by
0.1 ln s + 1. Linear scaling is inv_freq / s with magnitude 1.

`heft synth` writes the GGUFs (--rope-scaling/--rope-factor/--rope-orig-ctx) and the
test-only tool heft_rope_table prints the tables heft's forward pass builds from them.
Each table must match the reference: the magnitude sqrt(cos^2 + sin^2) within 2e-6
relative, and each value within 2e-6 + 4e-6 |angle| (float32 angles come from repeated
multiplication, whose error grows with the angle). The correction range heft reports
must equal the reference's. The test also checks that it would catch the usual slips:
the reference without the magnitude, without the ramp (all interpolated), or with the
ramp reversed must each miss heft's table by far more than the tolerance.

    yarn_rope_numpy.py --heft build/heft --rope-table build/tests/heft_rope_table
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

POSITIONS = [0, 1, 2, 3, 5, 8, 13, 31, 63, 64, 100, 127, 128, 129, 200, 255, 256, 511, 1000, 2047, 4095]
# (scaling, factor, original context); the synth "mini" preset has head size 32 and context 512.
CASES = [("yarn", 4.0, 128), ("yarn", 16.0, 32), ("yarn", 2.5, 0), ("linear", 2.0, 0)]
N_CTX_TRAIN = 512
BASE = 10000.0


def reference(n_rot, positions, scaling, factor, orig, base=BASE, beta_fast=32.0, beta_slow=1.0,
              magnitude=True, ramp=True, reverse_ramp=False):
    """cos/sin interleaved per position, float64: shape (len(positions), n_rot)."""
    i = np.arange(n_rot // 2, dtype=np.float64)
    inv_extrap = base ** (-2.0 * i / n_rot)
    inv_interp = inv_extrap / factor
    mscale = 1.0
    low = high = None
    if scaling == "linear":
        inv = inv_interp
    else:
        def corr_dim(rotations):
            return n_rot * math.log(orig / (rotations * 2 * math.pi)) / (2 * math.log(base))
        low = max(math.floor(corr_dim(beta_fast)), 0)
        high = min(math.ceil(corr_dim(beta_slow)), n_rot - 1)
        r = np.clip((i - low) / max(high - low, 0.001), 0.0, 1.0)
        if reverse_ramp:
            r = 1.0 - r
        if not ramp:
            r = np.ones_like(r)
        inv = inv_extrap * (1.0 - r) + inv_interp * r
        if magnitude:
            mscale = 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0
    angles = np.outer(np.asarray(positions, dtype=np.float64), inv)
    out = np.empty((len(positions), n_rot))
    out[:, 0::2] = np.cos(angles) * mscale
    out[:, 1::2] = np.sin(angles) * mscale
    return out, angles, (low, high)


def within(got, ref, angles):
    """(worst error / tolerance over values, worst relative magnitude error)."""
    tol = 2e-6 + 4e-6 * np.repeat(np.abs(angles), 2, axis=1)
    value = float((np.abs(got - ref) / tol).max())
    mag_got = np.hypot(got[:, 0::2], got[:, 1::2])
    mag_ref = np.hypot(ref[:, 0::2], ref[:, 1::2])
    return value, float((np.abs(mag_got - mag_ref) / mag_ref).max())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heft", required=True)
    ap.add_argument("--rope-table", required=True)
    args = ap.parse_args()
    failures, passed = [], 0

    def check(ok, what):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(what)
        return ok

    with tempfile.TemporaryDirectory(prefix="heft-yarn-rope-") as tmp:
        for scaling, factor, orig in CASES:
            name = f"{scaling} x{factor} original {orig or N_CTX_TRAIN}"
            gguf = os.path.join(tmp, f"{scaling}-{factor}-{orig}.gguf")
            synth = [args.heft, "synth", gguf, "--preset", "mini", "--type", "F32", "--rope-scaling", scaling,
                     "--rope-factor", str(factor)]
            if orig:
                synth += ["--rope-orig-ctx", str(orig)]
            r = subprocess.run(synth, capture_output=True, text=True)
            if not check(r.returncode == 0, f"{name}: heft synth failed: {r.stderr.strip()}"):
                continue
            r = subprocess.run([args.rope_table, gguf, "--positions", ",".join(map(str, POSITIONS))],
                               capture_output=True, text=True)
            if not check(r.returncode == 0, f"{name}: heft_rope_table failed: {r.stderr.strip()}"):
                continue
            table = json.loads(r.stdout)
            n_rot = table["n_rot"]
            s = table["sets"][0]
            got = np.asarray(s["rows"], dtype=np.float64)
            L = orig or N_CTX_TRAIN
            ref, angles, (low, high) = reference(n_rot, POSITIONS, scaling, factor, L)
            value, mag = within(got, ref, angles)
            ok = check(value <= 1.0 and mag <= 2e-6,
                       f"{name}: heft's table misses the reference: worst value error {value:.3g} x tolerance, "
                       f"magnitude {mag:.3g}")
            if scaling == "yarn":
                check(s["ext_factor"] == 1.0 and s["n_ctx_orig"] == L and s["beta_fast"] == 32 and s["beta_slow"] == 1,
                      f"{name}: YaRN parameters {s}")
                check((s["corr_low"], s["corr_high"]) == (low, high),
                      f"{name}: correction range ({s['corr_low']}, {s['corr_high']}), reference ({low}, {high})")
                # The comparison would see each of these mistakes.
                for slip, kw in [("no magnitude", {"magnitude": False}), ("no ramp", {"ramp": False}),
                                 ("reversed ramp", {"reverse_ramp": True})]:
                    wrong, a, _ = reference(n_rot, POSITIONS, scaling, factor, L, **kw)
                    v, m = within(got, wrong, a)
                    check(v > 100 or m > 100 * 2e-6, f"{name}: a reference with {slip} is not told apart ({v:.3g}, {m:.3g})")
            print(f"{'PASS' if ok else 'FAIL'} {name}: worst value error {value:.3g} of tolerance, "
                  f"magnitude {mag:.2e}" + (f", range [{low}, {high}]" if low is not None else ""))

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"yarn_rope_numpy: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures or passed == 0 else 0)


if __name__ == "__main__":
    main()
