#!/usr/bin/env python3
"""heft on Karpathy's stories260K llama2.c checkpoint against an independent
float64 NumPy forward pass written from llama2.c's run.c conventions (RMSNorm
eps 1e-5, rotation of adjacent pairs, grouped-query attention, SwiGLU, shared
classifier). NumPy decodes greedily from BOS (id 1); heft, teacher-forced on
the same ids with `heft logits`, must pick the same token at every position.
The tokenizer file of this checkpoint is not available, so everything is by id."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np


def load(path):
    raw = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq = np.frombuffer(raw[:28], dtype=np.int32)
    shared = vocab > 0
    vocab = abs(int(vocab))
    w = np.frombuffer(raw[28:], dtype=np.float32).astype(np.float64)
    hd = dim // n_heads
    kv_dim = hd * n_kv
    off = 0

    def take(*shape):
        nonlocal off
        n = int(np.prod(shape))
        a = w[off:off + n].reshape(shape)
        off += n
        return a

    m = dict(dim=int(dim), hidden=int(hidden), layers=int(n_layers), heads=int(n_heads), kv=int(n_kv), hd=int(hd))
    m["emb"] = take(vocab, dim)
    m["rms_att"] = take(n_layers, dim)
    m["wq"] = take(n_layers, dim, dim)
    m["wk"] = take(n_layers, kv_dim, dim)
    m["wv"] = take(n_layers, kv_dim, dim)
    m["wo"] = take(n_layers, dim, dim)
    m["rms_ffn"] = take(n_layers, dim)
    m["w1"] = take(n_layers, hidden, dim)
    m["w2"] = take(n_layers, dim, hidden)
    m["w3"] = take(n_layers, hidden, dim)
    m["rms_final"] = take(dim)
    take(seq, hd // 2)
    take(seq, hd // 2)
    m["cls"] = m["emb"] if shared else take(vocab, dim)
    return m


def rmsnorm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * w


def rope(x, pos, hd):
    # x: (heads, hd); rotate pairs (2i, 2i+1) by pos * 10000^(-2i/hd)
    i = np.arange(0, hd, 2)
    theta = pos * (10000.0 ** (-i / hd))
    c, s = np.cos(theta), np.sin(theta)
    x0, x1 = x[:, 0::2], x[:, 1::2]
    out = np.empty_like(x)
    out[:, 0::2] = x0 * c - x1 * s
    out[:, 1::2] = x0 * s + x1 * c
    return out


def logits_for(m, ids):
    T = len(ids)
    x = m["emb"][ids]
    H, KV, hd = m["heads"], m["kv"], m["hd"]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(m["layers"]):
        h = rmsnorm(x, m["rms_att"][l])
        q = (h @ m["wq"][l].T).reshape(T, H, hd)
        k = (h @ m["wk"][l].T).reshape(T, KV, hd)
        v = (h @ m["wv"][l].T).reshape(T, KV, hd)
        q = np.stack([rope(q[t], t, hd) for t in range(T)])
        k = np.stack([rope(k[t], t, hd) for t in range(T)])
        out = np.empty((T, H, hd))
        for head in range(H):
            kvh = head // (H // KV)
            s = q[:, head] @ k[:, kvh].T / np.sqrt(hd) + mask
            p = np.exp(s - s.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            out[:, head] = p @ v[:, kvh]
        x = x + out.reshape(T, -1) @ m["wo"][l].T
        h = rmsnorm(x, m["rms_ffn"][l])
        g = h @ m["w1"][l].T
        a = g / (1 + np.exp(-g)) * (h @ m["w3"][l].T)
        x = x + a @ m["w2"][l].T
    return rmsnorm(x, m["rms_final"]) @ m["cls"].T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heft", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("-n", type=int, default=40)
    a = ap.parse_args()
    path = f"{a.shared}/models/stories260K-llama2c/stories260K.bin"
    m = load(path)
    ids = [1]
    margins = []
    for _ in range(a.n):
        lg = logits_for(m, ids)[-1]
        top = np.argsort(lg)[::-1]
        margins.append(lg[top[0]] - lg[top[1]])
        ids.append(int(top[0]))
    want = ids[1:]
    r = subprocess.run([a.heft, "inspect", "--system", "--json"], capture_output=True, text=True, check=True)
    failed = False
    for simd in json.loads(r.stdout)["simd_supported"]:  # every SIMD target this machine runs
        r = subprocess.run([a.heft, "logits", path, "--ids", ",".join(map(str, ids[:-1]))],
                           capture_output=True, text=True, env={**os.environ, "HEFT_SIMD": simd})
        if r.returncode != 0:
            print(f"FAIL: heft logits (HEFT_SIMD={simd}):", r.stderr.strip())
            failed = True
            continue
        ours = json.loads(r.stdout)["argmax"]
        bad = [i for i in range(len(want)) if ours[i] != want[i] and margins[i] > 1e-3]
        print(f"llama2c_numpy HEFT_SIMD={simd}: {len(want) - len(bad)}/{len(want)} positions agree"
              f" (smallest NumPy margin {min(margins):.4f})")
        failed |= bool(bad) or len(ours) != len(want)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
