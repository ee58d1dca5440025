#!/usr/bin/python3
"""heft's RoPE against ggml's own, bit for bit: llama.cpp's CPU library (the one
node-llama-cpp 3.21.1 ships and the other reference tests run) called through ctypes.

For GGUFs written by `heft synth` (YaRN with and without an original context, linear,
none), the test-only tool heft_rope_table prints the RoPE parameters heft derives from
the file, its cos/sin tables, and random rows rotated GGUF-llama and NeoX style. Then:

  - the parameters must be llama.cpp's: the frequency scale (llama-model.cpp) and YaRN's
    attention factor (llama-context.cpp), recomputed here in float32 with the C
    library's logf, in libllama's order (it is built without FMA);
  - ggml_rope_ext with those parameters, applied to rows of (1, 0) pairs, yields ggml's
    cos and sin (x0*c - x1*s = c, x0*s + x1*c = s exactly): heft's tables must equal
    them bit for bit;
  - ggml_rope_ext on the random rows (modes NORMAL and NEOX) must equal heft's rotations
    bit for bit.

ggml-cpu picks its build by CPU (the highest ggml_backend_score, as ggml's loader
does); heft reproduces the fused multiply-adds of the FMA builds, so on a CPU without
FMA the comparison allows 4 ulp and says so.

    rope_ggml.py --heft build/heft --rope-table build/tests/heft_rope_table --reference build/reference
"""
import argparse
import ctypes
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

POSITIONS = [0, 1, 2, 7, 31, 100, 127, 128, 129, 255, 511, 1000, 4095, 32767]
CASES = [("yarn", 4.0, 128), ("yarn", 16.0, 32), ("yarn", 2.5, 0), ("linear", 2.0, 0), ("none", 0.0, 0)]
N_CTX_TRAIN = 512
GGML_TYPE_F32, GGML_TYPE_I32 = 0, 26
GGML_ROPE_TYPE_NORMAL, GGML_ROPE_TYPE_NEOX = 0, 2
NO_FMA_BUILDS = {"x64", "sse42", "sandybridge", "ivybridge"}


class Ggml:
    """The few ggml calls a RoPE graph needs (ggml.h / ggml-cpu.h of node-llama-cpp's llama.cpp)."""

    class InitParams(ctypes.Structure):
        _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", ctypes.c_void_p), ("no_alloc", ctypes.c_bool)]

    def __init__(self, bins):
        vp, f = ctypes.c_void_p, ctypes.c_float
        self.base = ctypes.CDLL(os.path.join(bins, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
        best = None
        for path in sorted(glob.glob(os.path.join(bins, "libggml-cpu-*.so"))):
            lib = ctypes.CDLL(path)
            score = lib.ggml_backend_score()
            if score and (best is None or score > best[0]):
                best = (score, lib, os.path.basename(path)[len("libggml-cpu-"):-len(".so")])
        if best is None:
            raise RuntimeError("no ggml CPU build runs on this CPU")
        _, self.cpu, self.build = best
        b = self.base
        b.ggml_init.restype, b.ggml_init.argtypes = vp, [Ggml.InitParams]
        b.ggml_new_tensor_1d.restype, b.ggml_new_tensor_1d.argtypes = vp, [vp, ctypes.c_int, ctypes.c_int64]
        b.ggml_new_tensor_2d.restype = vp
        b.ggml_new_tensor_2d.argtypes = [vp, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
        b.ggml_new_tensor_3d.restype = vp
        b.ggml_new_tensor_3d.argtypes = [vp, ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64]
        b.ggml_get_data.restype, b.ggml_get_data.argtypes = vp, [vp]
        b.ggml_rope_ext.restype = vp
        b.ggml_rope_ext.argtypes = [vp, vp, vp, vp, ctypes.c_int, ctypes.c_int, ctypes.c_int, f, f, f, f, f, f]
        b.ggml_new_graph.restype, b.ggml_new_graph.argtypes = vp, [vp]
        b.ggml_build_forward_expand.argtypes = [vp, vp]
        b.ggml_free.argtypes = [vp]
        self.cpu.ggml_graph_compute_with_ctx.restype = ctypes.c_int
        self.cpu.ggml_graph_compute_with_ctx.argtypes = [vp, vp, ctypes.c_int]

    def rope(self, x, positions, mode, p):
        """ggml_rope_ext over rows x (one per position, n_rot wide) with heft's parameter set p."""
        b = self.base
        n_pos, n_rot = x.shape
        ctx = b.ggml_init(Ggml.InitParams(16 << 20, None, False))
        try:
            a = b.ggml_new_tensor_3d(ctx, GGML_TYPE_F32, n_rot, 1, n_pos)  # (head dim, heads, tokens)
            pos = b.ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_pos)
            ctypes.memmove(b.ggml_get_data(a), np.ascontiguousarray(x, dtype=np.float32).ctypes.data, x.size * 4)
            ctypes.memmove(b.ggml_get_data(pos), np.asarray(positions, dtype=np.int32).ctypes.data, n_pos * 4)
            r = b.ggml_rope_ext(ctx, a, pos, None, n_rot, mode, p["n_ctx_orig"], p["base"], p["freq_scale"],
                                p["ext_factor"], p["attn_factor"], p["beta_fast"], p["beta_slow"])
            graph = b.ggml_new_graph(ctx)
            b.ggml_build_forward_expand(graph, r)
            status = self.cpu.ggml_graph_compute_with_ctx(ctx, graph, 1)
            if status != 0:
                raise RuntimeError(f"ggml_graph_compute_with_ctx: status {status}")
            return np.frombuffer(ctypes.string_at(b.ggml_get_data(r), x.size * 4), dtype=np.float32).reshape(x.shape)
        finally:
            b.ggml_free(ctx)


def llama_cpp_params(scaling, factor, libm):
    """(freq_scale, attn_factor) as llama-model.cpp and llama-context.cpp compute them, in float32."""
    f32 = np.float32
    logf = libm.logf
    freq_scale = f32(1) if factor == 0 else f32(f32(1) / f32(factor))
    if scaling == "none":
        freq_scale = f32(1)
    attn = f32(1)
    if scaling == "yarn":
        fac = f32(f32(1) / freq_scale)
        mscale = f32(1) if fac <= 1 else f32(f32(f32(f32(0.1) * f32(1)) * f32(logf(fac))) + f32(1))
        attn = f32(mscale * f32(f32(1) / f32(f32(1) + f32(f32(0.1) * f32(logf(fac))))))
    return freq_scale, f32(attn * f32(1))  # * rope.scaling.attn_factor (1 here)


def ulps(a, b):
    """Distance in float32 units in the last place, elementwise."""
    ia = np.asarray(a, dtype=np.float32).view(np.int32).astype(np.int64)
    ib = np.asarray(b, dtype=np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heft", required=True)
    ap.add_argument("--rope-table", required=True)
    ap.add_argument("--reference", required=True, help="build/reference (node_modules inside)")
    args = ap.parse_args()
    bins = os.path.join(args.reference, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
    ggml = Ggml(bins)
    libm = ctypes.CDLL("libm.so.6")
    libm.logf.restype, libm.logf.argtypes = ctypes.c_float, [ctypes.c_float]
    exact = ggml.build not in NO_FMA_BUILDS
    max_ulps = 0 if exact else 4
    print(f"ggml-cpu build: {ggml.build} ({'bit for bit' if exact else 'no FMA: within 4 ulp'})")
    failures, passed = [], 0

    def check(ok, what):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(what)
        return ok

    rng = np.random.default_rng(20251207)
    with tempfile.TemporaryDirectory(prefix="heft-rope-ggml-") as tmp:
        for scaling, factor, orig in CASES:
            name = f"{scaling}" + (f" x{factor} original {orig or N_CTX_TRAIN}" if scaling != "none" else "")
            gguf = os.path.join(tmp, f"{scaling}-{factor}-{orig}.gguf")
            synth = [args.heft, "synth", gguf, "--preset", "mini", "--type", "F32", "--rope-scaling", scaling]
            if factor:
                synth += ["--rope-factor", str(factor)]
            if orig:
                synth += ["--rope-orig-ctx", str(orig)]
            r = subprocess.run(synth, capture_output=True, text=True)
            if not check(r.returncode == 0, f"{name}: heft synth failed: {r.stderr.strip()}"):
                continue
            vectors = os.path.join(tmp, "x.f32")
            x = rng.standard_normal((len(POSITIONS), 32)).astype(np.float32)
            x.tofile(vectors)
            r = subprocess.run([args.rope_table, gguf, "--positions", ",".join(map(str, POSITIONS)), "--vectors", vectors],
                               capture_output=True, text=True)
            if not check(r.returncode == 0, f"{name}: heft_rope_table failed: {r.stderr.strip()}"):
                continue
            table = json.loads(r.stdout)
            p = table["sets"][0]
            n_rot = table["n_rot"]
            freq_scale, attn = llama_cpp_params(scaling, factor, libm)
            check(np.float32(p["freq_scale"]) == freq_scale and np.float32(p["attn_factor"]) == attn,
                  f"{name}: heft's freq_scale {p['freq_scale']!r} / attn_factor {p['attn_factor']!r}, "
                  f"llama.cpp's {float(freq_scale)!r} / {float(attn)!r}")
            check(p["ext_factor"] == (1.0 if scaling == "yarn" else 0.0) and p["n_ctx_orig"] == (orig or N_CTX_TRAIN),
                  f"{name}: ext_factor {p['ext_factor']}, n_ctx_orig {p['n_ctx_orig']}")
            ones = np.tile(np.array([1, 0], dtype=np.float32), n_rot // 2)[None, :].repeat(len(POSITIONS), 0)
            ref_table = ggml.rope(ones, POSITIONS, GGML_ROPE_TYPE_NORMAL, p)
            worst = {"table": int(ulps(np.asarray(p["rows"], dtype=np.float32), ref_table).max())}
            for style, mode in [("normal", GGML_ROPE_TYPE_NORMAL), ("neox", GGML_ROPE_TYPE_NEOX)]:
                worst[style] = int(ulps(np.asarray(table[style], dtype=np.float32), ggml.rope(x, POSITIONS, mode, p)).max())
            ok = check(max(worst.values()) <= max_ulps,
                       f"{name}: heft differs from ggml by up to {worst} ulp (cos/sin table, rotated rows)")
            print(f"{'PASS' if ok else 'FAIL'} {name}: ulp from ggml {worst}")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"rope_ggml: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures or passed == 0 else 0)


if __name__ == "__main__":
    main()
