#!/usr/bin/python3
"""Sanity checks of the NumPy reference against itself (no heft involved).

  - batch and incremental evaluation (two formulations of masks, windows and
    caches) agree to 1e-9 relative for every checkpoint variant;
  - causality: a prefix's logits do not depend on later tokens (LongRoPE
    excepted: its factors depend on the sequence length by design);
  - storage variants hold the same model: sharded and unprefixed folders give
    identical logits, BF16/F16 ones close logits;
  - sliding windows: positions before the window size are unaffected by it,
    later ones are affected (the window is real and starts where it should);
  - RoPE layouts: HF rotate-half on HF rows equals ggml's interleaved pairs on
    rows permuted as convert_hf_to_gguf.py does (the permutation a converter
    must apply for llama);
  - Llama 3 scaling: the reference's inv_freq equals base inv_freq divided by
    the rope_freqs factors convert_hf_to_gguf.py writes;
  - LongRoPE: a sequence of at most original_max_position_embeddings tokens uses
    the short factors, a longer one the long factors.

    numpy_selfcheck.py [--shared ../shared]
"""
import argparse
import copy
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling modules must not write into the source tree
sys.path.insert(0, HERE)
import hf_checkpoints as hc  # noqa: E402
import numpy_forward as nf  # noqa: E402
import ref_gguf  # noqa: E402


class Checks:
    def __init__(self):
        self.passed, self.failed = 0, []

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
        return ok


def rel(a, b):
    return float(np.abs(a - b).max() / np.abs(a).max())


def with_config(folder, **over):
    cfg, t = nf.load_folder(folder)
    cfg = copy.deepcopy(cfg)
    cfg.update(over)
    return nf.Model(cfg=cfg, tensors=t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=hc.default_shared())
    a = ap.parse_args()
    c = Checks()
    ids = hc.TEST_IDS
    with tempfile.TemporaryDirectory(prefix="heft-numpy-selfcheck-") as tmp:
        folders, logits = {}, {}
        for v in hc.VARIANTS:
            folders[v] = hc.write(v, os.path.join(tmp, v), a.shared)
            m = nf.Model(folders[v])
            logits[v] = m.logits(ids)
            inc = m.logits(ids, incremental=True)
            c.check(rel(logits[v], inc) < 1e-9, f"{v}: batch and incremental differ by {rel(logits[v], inc):.2e}")
            if m.spec.cfg.get("rope_scaling", {}) and m.spec.cfg["rope_scaling"].get("type") == "longrope":
                continue
            pre = m.logits(ids[:50])
            c.check(rel(logits[v][:50], pre) < 1e-12, f"{v}: a prefix's logits depend on later tokens")

        # Storage variants hold the base family's numbers.
        c.check(np.array_equal(logits["qwen3"], logits["qwen3-sharded"]), "qwen3-sharded differs from qwen3")
        c.check(np.array_equal(logits["gpt2"], logits["gpt2-noprefix"]), "gpt2-noprefix differs from gpt2")
        for v, base, tol in (("llama-bf16", "llama", 2e-2), ("gemma-f16", "gemma", 5e-3)):
            r = rel(logits[base], logits[v])
            c.check(0 < r < tol, f"{v}: relative difference from {base} {r:.2e} not in (0, {tol})")

        # Sliding windows: the first `window` positions see the same keys either way.
        for v in ("gemma2", "gemma3", "gemma2-qpas", "gemma3-pattern2"):
            m = nf.Model(folders[v])
            w = m.spec.cfg["sliding_window"]
            full = with_config(folders[v], sliding_window=None).logits(ids)
            c.check(rel(logits[v][:w], full[:w]) < 1e-12, f"{v}: the window changes positions before {w}")
            c.check(np.abs(logits[v][w:] - full[w:]).max(axis=1).min() > 1e-6,
                    f"{v}: some position from {w} on is unaffected by the window")
            c.check(any(x is None for x in m.spec.layer_windows) and any(x for x in m.spec.layer_windows),
                    f"{v}: expected both sliding and full layers, got {m.spec.layer_windows}")
        c.check(nf.Model(folders["gemma2"]).spec.layer_windows == [8, None, 8], "gemma2: layer 0 must be sliding")
        c.check(nf.Model(folders["gemma3"]).spec.layer_windows == [8] * 5 + [None], "gemma3: pattern 6")

        # RoPE: rotate-half on HF rows == interleaved pairs on permuted rows.
        m = nf.Model(folders["llama"])
        s, w = m.spec, m.w
        x = m.norm(m.embed(np.array(ids), np.arange(len(ids))), "model.layers.0.input_layernorm")
        q, k, _ = m.qkv(0, x)
        cos, sin = m.rope_tables(0, np.arange(len(ids)), len(ids))
        qh, kh = nf.apply_rope(q, cos, sin), nf.apply_rope(k, cos, sin)
        wq = ref_gguf.permute_rows(w["model.layers.0.self_attn.q_proj.weight"], s.n_heads)
        wk = ref_gguf.permute_rows(w["model.layers.0.self_attn.k_proj.weight"], s.n_kv)
        qp = (x @ wq.T).reshape(len(ids), s.n_heads, s.head_dim)
        kp = (x @ wk.T).reshape(len(ids), s.n_kv, s.head_dim)
        inv, _ = s.rope(0, len(ids))
        ang = np.arange(len(ids))[:, None] * inv[None, :]

        def interleaved(t):
            out = t.copy()
            c_, s_ = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
            out[..., 0::2] = t[..., 0::2] * c_ - t[..., 1::2] * s_
            out[..., 1::2] = t[..., 0::2] * s_ + t[..., 1::2] * c_
            return out

        qi, ki = interleaved(qp), interleaved(kp)
        g = s.n_heads // s.n_kv
        worst = max(rel(qh[:, h] @ kh[:, h // g].T, qi[:, h] @ ki[:, h // g].T) for h in range(s.n_heads))
        c.check(worst < 1e-12, f"llama: rotate-half and permuted interleaved RoPE scores differ by {worst:.2e}")

        # Llama 3: inv_freq == base inv_freq / rope_freqs (convert_hf_to_gguf.py's factors).
        kv, tensors = ref_gguf.convert(folders["llama"], os.path.join(
            a.shared, "models", "TinyStories-656K-gguf", "tinystories-656k-f32.gguf"))
        factors = dict(tensors)["rope_freqs.weight"]
        base = 1.0 / s.cfg["rope_theta"] ** (np.arange(0, s.rotary_dim, 2) / s.rotary_dim)
        c.check(np.allclose(inv, base / factors, rtol=1e-12, atol=0), "llama: llama3 inv_freq != base / rope_freqs")
        c.check(len(set(np.round(factors, 6))) >= 3 and factors.min() == 1.0 and factors.max() == 8.0,
                f"llama: rope_freqs should span 1 .. 8 with smoothed values between: {factors}")

        # LongRoPE picks its factors from the sequence length.
        m = nf.Model(folders["phi3"])
        orig = m.spec.cfg["original_max_position_embeddings"]
        inv_short, att = m.spec.rope(0, orig)
        inv_long, _ = m.spec.rope(0, orig + 1)
        rs = m.spec.cfg["rope_scaling"]
        base = 1.0 / m.spec.cfg["rope_theta"] ** (np.arange(0, m.spec.rotary_dim, 2) / m.spec.rotary_dim)
        c.check(np.allclose(inv_short, base / np.array(rs["short_factor"]), rtol=1e-12), "phi3: short factors")
        c.check(np.allclose(inv_long, base / np.array(rs["long_factor"]), rtol=1e-12), "phi3: long factors")
        c.check(abs(att - np.sqrt(1 + np.log(256 / 32) / np.log(32))) < 1e-12, f"phi3: attention factor {att}")
        short_run = m.logits(ids[:orig])
        c.check(rel(logits["phi3"][:orig], short_run) > 1e-3, "phi3: a short sequence should use the short factors")
    for f in c.failed:
        print("FAIL:", f, file=sys.stderr)
    print(f"numpy_selfcheck: {c.passed} passed, {len(c.failed)} failed")
    return 1 if c.failed or not c.passed else 0


if __name__ == "__main__":
    sys.exit(main())
