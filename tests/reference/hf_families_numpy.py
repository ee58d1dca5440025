#!/usr/bin/python3
"""heft's logits on tiny random-weight Hugging Face folders against the NumPy reference.

For every variant of hf_checkpoints.py (one or more per family: llama, qwen2,
qwen3, gemma, gemma2, gemma3, phi3, gpt2, plus dtype, sharding, naming and
convention variants), this writes the folder into a temporary directory,
computes float64 logits for TEST_IDS with numpy_forward.py, and runs
`heft logits FOLDER --ids ...` twice: the whole sequence in one batch, and in
batches of CHUNK tokens (so the KV cache, the positions and the sliding
windows are crossed between forward passes). Each run must satisfy

  max |heft - ref| / max |ref| <= TOLERANCE[dtype]     (all positions, all logits)
  argmax(heft) == argmax(ref) wherever ref's top-2 margin > 2 * tolerance * max |ref|

A variant heft refuses or gets wrong fails the test (nothing is skipped);
the summary prints one line per variant.

    hf_families_numpy.py --heft build/heft [--shared ../shared] [--only gemma2,phi3] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling modules must not write into the source tree
sys.path.insert(0, HERE)
import hf_checkpoints as hc  # noqa: E402
import numpy_forward as nf  # noqa: E402

# float32 arithmetic against float64: observed ~1e-6 relative for F32 weights. F16/BF16
# weights may be multiplied with activations rounded to the same type (as ggml does),
# which costs up to ~2^-11 / 2^-8 per product chain.
TOLERANCE = {"F32": 1e-3, "F16": 5e-3, "BF16": 2e-2}
CHUNK = 7


def simd_targets(heft):
    """Every SIMD target this machine runs (heft inspect --system), scalar first."""
    r = subprocess.run([heft, "inspect", "--system", "--json"], capture_output=True, text=True, check=True)
    targets = json.loads(r.stdout)["simd_supported"]
    assert targets, "heft listed no SIMD target"
    return targets


def run_heft(heft, folder, ids, out, extra, simd):
    cmd = [heft, "logits", folder, "--ids", ",".join(map(str, ids)), "-o", out, "-t", "2"] + extra
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HEFT_SIMD": simd})
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ["exit status %d" % r.returncode])[-1]
    return np.load(out).astype(np.float64), None


def compare(ref, got, tol):
    """(ok, description) for heft's logits against the reference."""
    if got.shape != ref.shape:
        return False, f"shape {got.shape} != reference {ref.shape}"
    if not np.all(np.isfinite(got)):
        return False, "non-finite logits"
    scale = np.abs(ref).max()
    rel = np.abs(got - ref).max() / scale
    srt = np.sort(ref, axis=1)
    margin = srt[:, -1] - srt[:, -2]
    clear = margin > 2 * tol * scale
    bad = np.nonzero(clear & (got.argmax(1) != ref.argmax(1)))[0]
    desc = f"max|diff|/max|ref| {rel:.2e} (tol {tol:g}), argmax equal at {clear.sum() - len(bad)}/{clear.sum()} clear positions"
    if rel > tol:
        worst = np.unravel_index(np.argmax(np.abs(got - ref)), ref.shape)
        return False, desc + f"; worst at position {worst[0]}, token {worst[1]}: {got[worst]:.5g} vs {ref[worst]:.5g}"
    if len(bad):
        return False, desc + f"; argmax differs at positions {bad[:10].tolist()}"
    return True, desc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heft", required=True)
    ap.add_argument("--shared", default=hc.default_shared())
    ap.add_argument("--only", help="comma-separated variants (default: all)")
    ap.add_argument("--keep", help="write the folders here and keep them")
    a = ap.parse_args()
    variants = a.only.split(",") if a.only else list(hc.VARIANTS)
    unknown = [v for v in variants if v not in hc.VARIANTS]
    if unknown:
        print(f"unknown variants: {unknown}", file=sys.stderr)
        return 1
    ids = hc.TEST_IDS
    targets = simd_targets(a.heft)
    results = []
    with tempfile.TemporaryDirectory(prefix="heft-hf-numpy-") as tmp:
        root = a.keep or tmp
        for v in variants:
            folder = hc.write(v, os.path.join(root, v), a.shared)
            dtype = hc.VARIANTS[v][3]
            ref = nf.Model(folder).logits(ids)
            lines, ok = [], True
            runs = [(f"{simd}, {how}", extra, simd) for simd in targets
                    for how, extra in (("one batch", []), (f"batches of {CHUNK}", ["-b", str(CHUNK)]))]
            for label, extra, simd in runs:
                got, err = run_heft(a.heft, folder, ids, os.path.join(tmp, f"{v}.npy"), extra, simd)
                if err is not None:
                    ok = False
                    lines.append(f"{label}: heft failed: {err}")
                    break
                good, desc = compare(ref, got, TOLERANCE[dtype])
                ok &= good
                lines.append(f"{label}: {desc}")
            results.append((v, ok, lines))
            print(f"{'PASS' if ok else 'FAIL'} {v:16} " + "; ".join(lines), flush=True)
    failed = [v for v, ok, _ in results if not ok]
    print(f"hf_families_numpy: {len(results) - len(failed)} of {len(results)} variants match the NumPy reference"
          + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
