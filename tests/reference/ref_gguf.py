#!/usr/bin/python3
"""A reference HF -> GGUF conversion, so that llama.cpp can check the NumPy reference.

This is not heft's converter and shares no code with it: it exists so that
llama.cpp (node-llama-cpp) can evaluate exactly the weights numpy_forward.py
reads, and the two references can be compared with each other before heft
is involved (tests/reference/hf_families_llama_cpp.mjs --against numpy). It
follows llama.cpp's convert_hf_to_gguf.py for the families of
hf_checkpoints.py: GGUF tensor names, llama's Q/K row permutation for ggml's
interleaved RoPE, Gemma's norms stored as 1 + w, GPT-2's Conv1D weights
transposed, Llama 3 `rope_freqs` and Phi-3 `rope_factors_long/short`. The
tokenizer keys are copied from the TinyStories GGUF in ../shared (the same
vocabulary as the checkpoints). All tensors are written as F32.

    ref_gguf.py FOLDER OUT.gguf [--vocab ../shared/models/TinyStories-656K-gguf/tinystories-656k-f32.gguf]
"""
import argparse
import math
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing the sibling modules must not write into the source tree
sys.path.insert(0, HERE)
import numpy_forward as nf  # noqa: E402

# GGUF value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?", U64: "<Q",
           I64: "<q", F64: "<d"}
ALIGN = 32


def read_kv(path):
    """[(key, type, value)] of a GGUF file; arrays as (elem_type, [values])."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)[0]
        pos += struct.calcsize(fmt)
        return v

    def string():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(t):
        if t == STR:
            return string()
        if t == ARR:
            et, n = take("<I"), take("<Q")
            return et, [value(et) for _ in range(n)]
        return take(_SCALAR[t])

    if data[:4] != b"GGUF":
        raise ValueError(f"{path} is not a GGUF file")
    pos = 4
    take("<I")
    take("<Q")
    n_kv = take("<Q")
    out = []
    for _ in range(n_kv):
        k = string()
        t = take("<I")
        out.append((k, t, value(t)))
    return out


def _pack_value(t, v):
    if t == STR:
        b = v.encode("utf-8")
        return struct.pack("<Q", len(b)) + b
    if t == ARR:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(_pack_value(et, x) for x in items)
    return struct.pack(_SCALAR[t], v)


def write_gguf(path, kvs, tensors):
    """kvs: [(key, type, value)]; tensors: [(name, float32 array)] written as F32 (ggml type 0)."""
    def s(x):
        b = x.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        head += s(k) + struct.pack("<I", t) + _pack_value(t, v)
    offset, blobs = 0, []
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        dims = list(reversed(a.shape))  # ggml: ne[0] is the innermost (row) length
        head += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", 0, offset)
        blob = a.tobytes()
        blob += b"\0" * ((ALIGN - len(blob) % ALIGN) % ALIGN)
        blobs.append(blob)
        offset += len(blob)
    head += b"\0" * ((ALIGN - len(head) % ALIGN) % ALIGN)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def permute_rows(w, n_head):
    """HF rotate-half rows -> ggml's interleaved pairs, per head (convert_hf_to_gguf's LlamaModel.permute)."""
    rows = w.shape[0]
    return w.reshape(n_head, 2, rows // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


ARCH = {"llama": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "gemma": "gemma", "gemma2": "gemma2",
        "gemma3": "gemma3", "phi3": "phi3", "gpt2": "gpt2"}


def convert(folder, vocab_gguf):
    """(kvs, tensors) of the reference GGUF for a Hugging Face folder."""
    cfg, t = nf.load_folder(folder)
    m = nf.Model(cfg=cfg, tensors=t)
    s, w = m.spec, m.w
    arch = ARCH[s.family]
    a = arch + "."
    # llama.cpp's vocabulary loader looks up "</s>" and "<|endoftext|>" when general.name contains
    # "phi3" or "phi-3": a family-neutral name keeps the TinyStories vocabulary loadable.
    kv = [("general.architecture", STR, arch), ("general.name", STR, "reference model"),
          ("general.file_type", U32, 0)]
    kv += [(a + "context_length", U32, s.n_ctx), (a + "embedding_length", U32, s.d),
           (a + "block_count", U32, s.n_layers), (a + "attention.head_count", U32, s.n_heads),
           (a + "attention.head_count_kv", U32, s.n_kv)]
    tensors = []
    if s.family == "gpt2":
        p = w.p
        ff = w[p + "h.0.mlp.c_fc.weight"].shape[1]
        kv += [(a + "feed_forward_length", U32, ff), (a + "attention.layer_norm_epsilon", F32, s.eps)]
        tensors += [("token_embd.weight", w.embed), ("position_embd.weight", w[p + "wpe.weight"])]
        for i in range(s.n_layers):
            h = f"{p}h.{i}."
            b = f"blk.{i}."
            tensors += [(b + "attn_norm.weight", w[h + "ln_1.weight"]), (b + "attn_norm.bias", w[h + "ln_1.bias"]),
                        (b + "attn_qkv.weight", w[h + "attn.c_attn.weight"].T), (b + "attn_qkv.bias", w[h + "attn.c_attn.bias"]),
                        (b + "attn_output.weight", w[h + "attn.c_proj.weight"].T),
                        (b + "attn_output.bias", w[h + "attn.c_proj.bias"]),
                        (b + "ffn_norm.weight", w[h + "ln_2.weight"]), (b + "ffn_norm.bias", w[h + "ln_2.bias"]),
                        (b + "ffn_up.weight", w[h + "mlp.c_fc.weight"].T), (b + "ffn_up.bias", w[h + "mlp.c_fc.bias"]),
                        (b + "ffn_down.weight", w[h + "mlp.c_proj.weight"].T),
                        (b + "ffn_down.bias", w[h + "mlp.c_proj.bias"])]
        tensors += [("output_norm.weight", w[p + "ln_f.weight"]), ("output_norm.bias", w[p + "ln_f.bias"])]
        if not s.tied:
            tensors.append(("output.weight", w.head))
    else:
        c = s.cfg
        ff = c["intermediate_size"]
        kv += [(a + "feed_forward_length", U32, ff), (a + "attention.layer_norm_rms_epsilon", F32, s.eps),
               (a + "rope.freq_base", F32, c.get("rope_theta", 10000.0)),
               (a + "rope.dimension_count", U32, s.rotary_dim)]
        if s.head_dim != s.d // s.n_heads:
            kv += [(a + "attention.key_length", U32, s.head_dim), (a + "attention.value_length", U32, s.head_dim)]
        plus = (lambda x: (x.astype(np.float32) + np.float32(1.0)).astype(np.float64)) if s.norm_plus_one else (lambda x: x)
        if s.family in ("gemma2", "gemma3"):
            kv.append((a + "attention.sliding_window", U32, c["sliding_window"]))
        if s.family == "gemma2":
            kv += [(a + "attn_logit_softcapping", F32, c["attn_logit_softcapping"]),
                   (a + "final_logit_softcapping", F32, c["final_logit_softcapping"])]
        rs = c.get("rope_scaling") or {}
        kind = rs.get("rope_type", rs.get("type"))
        if kind == "linear":
            kv += [(a + "rope.scaling.type", STR, "linear"), (a + "rope.scaling.factor", F32, rs["factor"])]
        if kind == "yarn":  # as convert_hf_to_gguf.py writes it
            kv += [(a + "rope.scaling.type", STR, "yarn"), (a + "rope.scaling.factor", F32, rs["factor"]),
                   (a + "rope.scaling.original_context_length", U32, rs["original_max_position_embeddings"])]
        tensors.append(("token_embd.weight", w.embed))
        if kind == "llama3":
            inv = 1.0 / c["rope_theta"] ** (np.arange(0, s.rotary_dim, 2) / s.rotary_dim)
            old, lo, hi, factor = rs["original_max_position_embeddings"], rs["low_freq_factor"], \
                rs["high_freq_factor"], rs["factor"]
            f = []
            for fr in inv:
                wl = 2 * math.pi / fr
                if wl < old / hi:
                    f.append(1.0)
                elif wl > old / lo:
                    f.append(factor)
                else:
                    sm = (old / wl - lo) / (hi - lo)
                    f.append(1.0 / ((1 - sm) / factor + sm))
            tensors.append(("rope_freqs.weight", np.array(f)))
        if kind in ("longrope", "su"):
            orig = c["original_max_position_embeddings"]
            scale = c["max_position_embeddings"] / orig
            attn = math.sqrt(1 + math.log(scale) / math.log(orig)) if scale > 1.0 else 1.0
            kv += [(a + "rope.scaling.attn_factor", F32, attn),
                   (a + "rope.scaling.original_context_length", U32, orig)]
            tensors += [("rope_factors_long.weight", np.array(rs["long_factor"])),
                        ("rope_factors_short.weight", np.array(rs["short_factor"]))]
        for i in range(s.n_layers):
            h = f"model.layers.{i}."
            b = f"blk.{i}."
            tensors.append((b + "attn_norm.weight", plus(w[h + "input_layernorm.weight"])))
            if s.family == "phi3":
                tensors.append((b + "attn_qkv.weight", w[h + "self_attn.qkv_proj.weight"]))
            else:
                q, k = w[h + "self_attn.q_proj.weight"], w[h + "self_attn.k_proj.weight"]
                if s.family == "llama":
                    q, k = permute_rows(q, s.n_heads), permute_rows(k, s.n_kv)
                tensors += [(b + "attn_q.weight", q), (b + "attn_k.weight", k),
                            (b + "attn_v.weight", w[h + "self_attn.v_proj.weight"])]
                for x in "qkv":
                    bias = w.get(h + f"self_attn.{x}_proj.bias")
                    if bias is not None:
                        if s.family == "llama" and x in "qk":
                            bias = permute_rows(bias, s.n_heads if x == "q" else s.n_kv)
                        tensors.append((b + f"attn_{x}.bias", bias))
            if s.qk_norm:
                tensors += [(b + "attn_q_norm.weight", plus(w[h + "self_attn.q_norm.weight"])),
                            (b + "attn_k_norm.weight", plus(w[h + "self_attn.k_norm.weight"]))]
            tensors.append((b + "attn_output.weight", w[h + "self_attn.o_proj.weight"]))
            if s.sandwich:
                tensors += [(b + "post_attention_norm.weight", plus(w[h + "post_attention_layernorm.weight"])),
                            (b + "ffn_norm.weight", plus(w[h + "pre_feedforward_layernorm.weight"])),
                            (b + "post_ffw_norm.weight", plus(w[h + "post_feedforward_layernorm.weight"]))]
            else:
                tensors.append((b + "ffn_norm.weight", plus(w[h + "post_attention_layernorm.weight"])))
            if s.family == "phi3":
                tensors.append((b + "ffn_up.weight", w[h + "mlp.gate_up_proj.weight"]))
            else:
                tensors += [(b + "ffn_gate.weight", w[h + "mlp.gate_proj.weight"]),
                            (b + "ffn_up.weight", w[h + "mlp.up_proj.weight"])]
            tensors.append((b + "ffn_down.weight", w[h + "mlp.down_proj.weight"]))
        tensors.append(("output_norm.weight", plus(w["model.norm.weight"])))
        if not s.tied:
            tensors.append(("output.weight", w.head))
    tok = [(k, ty, v) for k, ty, v in read_kv(vocab_gguf) if k.startswith("tokenizer.")]
    n_vocab = w.embed.shape[0]
    for i, (k, ty, v) in enumerate(tok):
        # Embedding rows beyond the tokenizer's tokens: padded as convert_hf_to_gguf.py does.
        if k in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type") and len(v[1]) < n_vocab:
            pad = range(len(v[1]), n_vocab)
            extra = {"tokenizer.ggml.tokens": [f"[PAD{j}]" for j in pad], "tokenizer.ggml.scores": [-1000.0] * len(pad),
                     "tokenizer.ggml.token_type": [5] * len(pad)}[k]  # 5: UNUSED
            tok[i] = (k, ty, (v[0], v[1] + extra))
    return kv + tok, tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("out")
    ap.add_argument("--vocab", default=os.path.normpath(os.path.join(
        HERE, "..", "..", "..", "shared", "models", "TinyStories-656K-gguf", "tinystories-656k-f32.gguf")))
    a = ap.parse_args()
    try:
        kv, tensors = convert(a.folder, a.vocab)
        write_gguf(a.out, kv, tensors)
    except (OSError, ValueError, KeyError) as e:
        print(f"ref_gguf: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
