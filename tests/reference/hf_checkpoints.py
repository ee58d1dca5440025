#!/usr/bin/python3
"""Tiny random-weight Hugging Face checkpoints, one per architecture family.

Each variant is a folder as `save_pretrained` would leave it: config.json
(the keys transformers writes for that class), generation_config.json,
model.safetensors (or two shards with model.safetensors.index.json), and the
TinyStories tokenizer files (vocabulary 2048) from ../shared. Tensor names and
shapes are Hugging Face's for the class: GPT-2's Conv1D weights stored [in, out],
Phi-3's fused qkv_proj and gate_up_proj, Gemma's norms stored as w for (1 + w),
tied heads stored only as the embedding.

Weights are drawn from numpy.random.default_rng(seed of the base family), so a
dtype or sharding variant holds the same numbers as its base (rounded to its
dtype). Scales are chosen so that activations keep unit size through the
layers and the top-1 logit is usually well clear of the runner-up.

Python 3 and NumPy only (Debian's python3-numpy); the safetensors writer is ours.

    hf_checkpoints.py --list | --json
    hf_checkpoints.py VARIANT OUT_DIR [--shared ../shared]
"""
import argparse
import json
import os
import shutil
import struct
import sys
import zlib

import numpy as np

VOCAB = 2048  # the TinyStories tokenizer's
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
TRANSFORMERS_VERSION = "4.46.2"
BOS, EOS, PAD = 1, 2, 0  # <|start_story|>, <|end_story|>, <unk> in that tokenizer

# The token sequence the tests evaluate (teacher forcing): BOS and 99 ids drawn with a fixed seed,
# longer than every sliding window (8) and than phi3's original_max_position_embeddings (32).
TEST_IDS = [BOS] + [int(t) for t in np.random.default_rng(20251126).integers(3, VOCAB, 99)]


# ---------------------------------------------------------------- safetensors

def float_to_bf16_bits(a):
    """float32 -> bfloat16 bit patterns (uint16), rounding to nearest even."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def encode_tensor(a, dtype):
    """(bytes, safetensors dtype name) of a float32 array stored as dtype."""
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes(), "F32"
    if dtype == "F16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes(), "F16"
    if dtype == "BF16":
        return float_to_bf16_bits(a).astype("<u2").tobytes(), "BF16"
    raise ValueError("unknown dtype " + dtype)


def write_safetensors(path, tensors, dtype, metadata=None):
    """Writes {name: float32 array} in the safetensors layout: u64 header size,
    JSON header (padded with spaces to 8 bytes), then the tensors back to back."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs, offset = [], 0
    for name in sorted(tensors):
        data, dt = encode_tensor(tensors[name], dtype)
        header[name] = {"dtype": dt, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return offset


# ---------------------------------------------------------------- weights

class Init:
    """Normal draws in a fixed order from one generator."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def normal(self, shape, std):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def linear(self, n_out, n_in, gain=1.0):  # nn.Linear weight [out, in], unit-variance outputs
        return self.normal((n_out, n_in), gain / np.sqrt(n_in))

    def norm(self, n, center=1.0, std=0.2):  # norm weights near `center`, not all equal
        return (center + self.rng.standard_normal(n) * std).astype(np.float32)


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def llama_like_weights(c, init, *, qkv_bias=False, qk_norm=None, post_norms=False, norm_center=1.0,
                       fused=False, tied=True, out_gain=5.0, qk_gain=1.0, final_norm_center=None,
                       resid_gain=None, post_norm_center=3.0):
    """Tensors of a Llama-shaped decoder under HF names (model.*, lm_head)."""
    d, ff, H, KV = c["hidden_size"], c["intermediate_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim") or d // H
    emb_std = 1.0 / np.sqrt(d) if norm_center == 0.0 else 1.0  # Gemma scales the embedding by sqrt(d)
    # With a tied head, each layer's output is made larger than the embedding so that the
    # current token's own logit (x . e_x, about d / |x|) does not win every position.
    if resid_gain is None:
        resid_gain = 4.0 if tied else 1.0
    t = {"model.embed_tokens.weight": init.normal((c["vocab_size"], d), emb_std)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = init.norm(d, norm_center)
        wq = init.linear(H * hd, d, qk_gain)
        wk = init.linear(KV * hd, d, qk_gain)
        wv = init.linear(KV * hd, d)
        if fused:
            t[p + "self_attn.qkv_proj.weight"] = np.concatenate([wq, wk, wv], axis=0)
        else:
            t[p + "self_attn.q_proj.weight"], t[p + "self_attn.k_proj.weight"], t[p + "self_attn.v_proj.weight"] = wq, wk, wv
        if qkv_bias:
            t[p + "self_attn.q_proj.bias"] = init.normal(H * hd, 0.5)
            t[p + "self_attn.k_proj.bias"] = init.normal(KV * hd, 0.5)
            t[p + "self_attn.v_proj.bias"] = init.normal(KV * hd, 0.1)  # a constant shift of every output
        if qk_norm is not None:
            t[p + "self_attn.q_norm.weight"] = init.norm(hd, qk_norm)
            t[p + "self_attn.k_norm.weight"] = init.norm(hd, qk_norm)
        t[p + "self_attn.o_proj.weight"] = init.linear(d, H * hd, resid_gain)
        if post_norms:
            # Sandwich norms: the post-norms set the size of what each layer adds (1 + w = 4).
            t[p + "post_attention_layernorm.weight"] = init.norm(d, post_norm_center)
            t[p + "pre_feedforward_layernorm.weight"] = init.norm(d, norm_center)
            t[p + "post_feedforward_layernorm.weight"] = init.norm(d, post_norm_center)
        else:
            t[p + "post_attention_layernorm.weight"] = init.norm(d, norm_center)
        gate, up = init.linear(ff, d), init.linear(ff, d)
        if fused:
            t[p + "mlp.gate_up_proj.weight"] = np.concatenate([gate, up], axis=0)  # gate first, then up
        else:
            t[p + "mlp.gate_proj.weight"], t[p + "mlp.up_proj.weight"] = gate, up
        t[p + "mlp.down_proj.weight"] = init.linear(d, ff, resid_gain)
    t["model.norm.weight"] = init.norm(d, norm_center if final_norm_center is None else final_norm_center)
    if not tied:
        t["lm_head.weight"] = init.linear(c["vocab_size"], d, out_gain)
    return t


def gpt2_weights(c, init, prefix="transformer.", attn_buffers=False):
    d, L, n_pos = c["n_embd"], c["n_layer"], c["n_positions"]
    ff = c["n_inner"] or 4 * d
    t = {prefix + "wte.weight": init.normal((c["vocab_size"], d), 0.7),
         prefix + "wpe.weight": init.normal((n_pos, d), 0.5)}
    for i in range(L):
        p = f"{prefix}h.{i}."
        t[p + "ln_1.weight"], t[p + "ln_1.bias"] = init.norm(d), init.normal(d, 0.2)
        # Conv1D: weight [in, out], y = x @ W + b; c_attn's outputs are [q | k | v].
        t[p + "attn.c_attn.weight"] = init.linear(3 * d, d).T.copy()
        t[p + "attn.c_attn.bias"] = np.concatenate([init.normal(2 * d, 0.3), init.normal(d, 0.05)])
        t[p + "attn.c_proj.weight"] = init.linear(d, d, 4.0).T.copy()  # tied head: see llama_like_weights
        t[p + "attn.c_proj.bias"] = init.normal(d, 0.05)
        t[p + "ln_2.weight"], t[p + "ln_2.bias"] = init.norm(d), init.normal(d, 0.2)
        t[p + "mlp.c_fc.weight"] = init.linear(ff, d).T.copy()
        t[p + "mlp.c_fc.bias"] = init.normal(ff, 0.3)
        t[p + "mlp.c_proj.weight"] = init.linear(d, ff, 4.0).T.copy()
        t[p + "mlp.c_proj.bias"] = init.normal(d, 0.05)
        if attn_buffers:
            # Old GPT-2 checkpoints (openai-community/gpt2) also hold the causal-mask buffers.
            t[p + "attn.bias"] = np.tril(np.ones((n_pos, n_pos), np.float32))[None, None]
            t[p + "attn.masked_bias"] = np.array(-1e4, np.float32)
    t[prefix + "ln_f.weight"], t[prefix + "ln_f.bias"] = init.norm(d), init.normal(d, 0.05)
    return t


# ---------------------------------------------------------------- configs

def common(arch, model_type, dtype):
    return {"architectures": [arch], "model_type": model_type,
            "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype],
            "transformers_version": TRANSFORMERS_VERSION}


def cfg_llama(dtype):
    c = common("LlamaForCausalLM", "llama", dtype)
    c.update({"attention_bias": False, "attention_dropout": 0.0, "bos_token_id": BOS, "eos_token_id": EOS,
              "head_dim": 32, "hidden_act": "silu", "hidden_size": 128, "initializer_range": 0.02,
              "intermediate_size": 256, "max_position_embeddings": 512, "mlp_bias": False,
              "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
              "pretraining_tp": 1, "rms_norm_eps": 1e-05,
              # Llama 3.1-style, with an original context small enough that the three bands
              # (kept, smoothed, divided by factor) all occur within a 32-dim head.
              "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                               "original_max_position_embeddings": 64, "rope_type": "llama3"},
              "rope_theta": 10000.0, "tie_word_embeddings": False, "use_cache": True, "vocab_size": VOCAB})
    return c


def cfg_qwen2(dtype):
    c = common("Qwen2ForCausalLM", "qwen2", dtype)
    c.update({"attention_dropout": 0.0, "bos_token_id": BOS, "eos_token_id": EOS, "hidden_act": "silu",
              "hidden_size": 128, "initializer_range": 0.02, "intermediate_size": 256,
              "max_position_embeddings": 1024, "max_window_layers": 2, "num_attention_heads": 4,
              "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_scaling": None,
              "rope_theta": 1000000.0, "sliding_window": 1024, "tie_word_embeddings": True,
              "use_cache": True, "use_sliding_window": False, "vocab_size": VOCAB})
    return c


def cfg_qwen3(dtype):
    c = common("Qwen3ForCausalLM", "qwen3", dtype)
    c.update({"attention_bias": False, "attention_dropout": 0.0, "bos_token_id": BOS, "eos_token_id": EOS,
              "head_dim": 32, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
              "intermediate_size": 192, "max_position_embeddings": 1024, "max_window_layers": 2,
              "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": None,
              "tie_word_embeddings": True, "use_cache": True, "use_sliding_window": False, "vocab_size": VOCAB})
    return c


def cfg_gemma(dtype):
    c = common("GemmaForCausalLM", "gemma", dtype)
    c.update({"attention_bias": False, "attention_dropout": 0.0, "bos_token_id": BOS, "eos_token_id": EOS,
              "head_dim": 32, "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
              "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 256,
              "max_position_embeddings": 1024, "num_attention_heads": 4, "num_hidden_layers": 2,
              "num_key_value_heads": 1, "pad_token_id": PAD, "rms_norm_eps": 1e-06, "rope_scaling": None,
              "rope_theta": 10000.0, "use_cache": True, "vocab_size": VOCAB})
    return c


def cfg_gemma2(dtype):
    c = common("Gemma2ForCausalLM", "gemma2", dtype)
    c.update({"attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": 5.0,
              "bos_token_id": BOS, "cache_implementation": "hybrid", "eos_token_id": EOS,
              "final_logit_softcapping": 15.0, "head_dim": 32, "hidden_act": "gelu_pytorch_tanh",
              "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 64, "initializer_range": 0.02,
              "intermediate_size": 128, "max_position_embeddings": 1024, "num_attention_heads": 4,
              "num_hidden_layers": 3, "num_key_value_heads": 2, "pad_token_id": PAD,
              # = head_dim, as in gemma-2-2b/9b: llama.cpp takes the scale from the model size, not this key
              "query_pre_attn_scalar": 32, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
              "sliding_window": 8, "use_cache": True, "vocab_size": VOCAB})
    return c


def cfg_gemma3(dtype):
    c = common("Gemma3ForCausalLM", "gemma3_text", dtype)
    n_layers, pattern = 6, 6
    c.update({"attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": None,
              "bos_token_id": BOS, "cache_implementation": "hybrid", "eos_token_id": EOS,
              "final_logit_softcapping": None, "head_dim": 32, "hidden_activation": "gelu_pytorch_tanh",
              "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 128,
              "layer_types": ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(n_layers)],
              "max_position_embeddings": 1024, "num_attention_heads": 4, "num_hidden_layers": n_layers,
              "num_key_value_heads": 2, "pad_token_id": PAD, "query_pre_attn_scalar": 32, "rms_norm_eps": 1e-06,
              "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
              "rope_theta": 1000000.0, "sliding_window": 8, "sliding_window_pattern": pattern,
              "use_cache": True, "vocab_size": VOCAB})
    return c


def longrope_factors(n, rng_seed):
    rng = np.random.default_rng(rng_seed)
    short = 1.0 + np.sort(rng.uniform(0.0, 0.6, n))
    long = np.linspace(1.0, 12.0, n) * (1.0 + rng.uniform(-0.1, 0.1, n))
    return [round(float(x), 6) for x in short], [round(float(x), 6) for x in long]


def cfg_phi3(dtype):
    c = common("Phi3ForCausalLM", "phi3", dtype)
    short, long = longrope_factors(16, 3)
    c.update({"attention_bias": False, "attention_dropout": 0.0, "bos_token_id": BOS, "embd_pdrop": 0.0,
              "eos_token_id": EOS, "hidden_act": "silu", "hidden_size": 128, "initializer_range": 0.02,
              "intermediate_size": 256,
              # A sequence longer than original_max_position_embeddings uses the long factors;
              # attention factor sqrt(1 + ln(256/32) / ln(32)).
              "max_position_embeddings": 256, "num_attention_heads": 4, "num_hidden_layers": 2,
              "num_key_value_heads": 2, "original_max_position_embeddings": 32, "pad_token_id": PAD,
              "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
              "rope_scaling": {"long_factor": long, "short_factor": short, "type": "longrope"},
              "rope_theta": 10000.0, "sliding_window": 2047, "tie_word_embeddings": False,
              "use_cache": True, "vocab_size": VOCAB})
    return c


def cfg_phi3_partial(dtype):
    # Phi-4-mini's shape of config: partial rotary, 128k LongRoPE, tied embeddings; short factors here.
    c = cfg_phi3(dtype)
    short, long = longrope_factors(8, 4)
    c.update({"max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
              "partial_rotary_factor": 0.5, "sliding_window": 262144, "tie_word_embeddings": True,
              "rope_scaling": {"long_factor": long, "short_factor": short, "type": "longrope"}})
    return c


def cfg_gpt2(dtype):
    c = common("GPT2LMHeadModel", "gpt2", dtype)
    c.update({"activation_function": "gelu_new", "attn_pdrop": 0.1, "bos_token_id": BOS, "embd_pdrop": 0.1,
              "eos_token_id": EOS, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "n_ctx": 128,
              "n_embd": 128, "n_head": 4, "n_inner": None, "n_layer": 2, "n_positions": 128,
              "reorder_and_upcast_attn": False, "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
              "scale_attn_weights": True, "summary_activation": None, "summary_first_dropout": 0.1,
              "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
              "use_cache": True, "vocab_size": VOCAB})
    return c


# ---------------------------------------------------------------- variants

def _llama(c, init):
    return llama_like_weights(c, init, tied=False)


def _qwen2(c, init):
    return llama_like_weights(c, init, qkv_bias=True, tied=True, final_norm_center=0.5)


def _qwen3(c, init):
    return llama_like_weights(c, init, qk_norm=1.0, tied=True, final_norm_center=0.7)


def _gemma(c, init):
    # Stored norm weights w are used as (1 + w): centred on 0 and on 2 for the final norm (x3),
    # so that reading them as plain w would be far off.
    return llama_like_weights(c, init, norm_center=0.0, final_norm_center=2.0)


def _gemma2(c, init):
    return llama_like_weights(c, init, norm_center=0.0, post_norms=True, final_norm_center=2.0, qk_gain=1.6)


def _gemma3(c, init):
    return llama_like_weights(c, init, norm_center=0.0, post_norms=True, qk_norm=0.0, final_norm_center=2.0)


def _phi3(c, init):
    return llama_like_weights(c, init, fused=True, tied=c["tie_word_embeddings"],
                              final_norm_center=0.5 if c["tie_word_embeddings"] else None)


def _gpt2(c, init):
    return gpt2_weights(c, init)


def _gpt2_noprefix(c, init):
    return gpt2_weights(c, init, prefix="", attn_buffers=True)


def _with(cfg_fn, **over):
    def f(dtype):
        c = cfg_fn(dtype)
        c.update(over)
        return c
    return f


# name: (weights seed family, config builder, weights builder, dtype, shards, llama.cpp can run it, note)
VARIANTS = {
    "llama": ("llama", cfg_llama, _llama, "F32", 1, True, "GQA 4/2, untied head, Llama 3.1 rope_scaling"),
    "qwen2": ("qwen2", cfg_qwen2, _qwen2, "F32", 1, True, "QKV biases, tied, theta 1e6"),
    "qwen3": ("qwen3", cfg_qwen3, _qwen3, "F32", 1, True, "per-head Q/K RMSNorm, head_dim 32 != 64/4, tied"),
    "gemma": ("gemma", cfg_gemma, _gemma, "F32", 1, True, "MQA, (1+w) norms, sqrt(d) embedding scale, GeGLU"),
    "gemma2": ("gemma2", cfg_gemma2, _gemma2, "F32", 1, True,
               "sandwich norms, soft-caps 5/15, window 8 on even layers"),
    "gemma3": ("gemma3", cfg_gemma3, _gemma3, "F32", 1, True,
               "6 layers (5 local, 1 global), window 8, Q/K norms, local/global RoPE, linear x8 on global"),
    "phi3": ("phi3", cfg_phi3, _phi3, "F32", 1, True, "fused qkv/gate_up, LongRoPE long factors"),
    "gpt2": ("gpt2", cfg_gpt2, _gpt2, "F32", 1, True, "learned positions, LayerNorm, gelu_new, Conv1D"),
    # Storage variants: the same numbers as the base family, another dtype or layout.
    "llama-bf16": ("llama", cfg_llama, _llama, "BF16", 1, True, "llama in BF16"),
    "gemma-f16": ("gemma", cfg_gemma, _gemma, "F16", 1, True, "gemma in F16"),
    "qwen3-sharded": ("qwen3", cfg_qwen3, _qwen3, "F32", 2, True, "qwen3 in two shards with an index"),
    # As every Qwen 2/2.5/3 and Phi-3 checkpoint: the embedding has more rows than the tokenizer has
    # tokens (padded to a multiple of 64 here); a GGUF needs the vocabulary padded to match.
    "qwen2-padded": ("qwen2-padded", _with(cfg_qwen2, vocab_size=VOCAB + 64), _qwen2, "F32", 1, True,
                     "vocab_size 2112 > the tokenizer's 2048 tokens"),
    "gpt2-noprefix": ("gpt2", cfg_gpt2, _gpt2_noprefix, "F32", 1, True,
                      "names without transformer., attn.bias buffers (as openai-community/gpt2)"),
    # As Qwen2.5's long-context instructions: YaRN over the trained context; max_position_embeddings =
    # factor x original, so transformers' versions that take the factor from their ratio agree.
    "qwen2-yarn": ("qwen2-yarn", _with(cfg_qwen2, max_position_embeddings=2048, rope_theta=10000.0,
                                       rope_scaling={"factor": 4.0, "original_max_position_embeddings": 512,
                                                     "rope_type": "yarn"}),
                   _qwen2, "F32", 1, True, "YaRN x4 over 512 (ramp over pairs 1-8 of 16), NeoX"),
    # Conventions llama.cpp cannot express, so checked against the NumPy reference only.
    "phi3-partial": ("phi3-partial", cfg_phi3_partial, _phi3, "F32", 1, True,
                     "partial_rotary_factor 0.5, 128k LongRoPE short factors, tied"),
    "gemma2-qpas": ("gemma2", _with(cfg_gemma2, query_pre_attn_scalar=16,
                                    layer_types=["sliding_attention", "full_attention", "sliding_attention"]),
                    _gemma2, "F32", 1, False, "query_pre_attn_scalar 16 != head_dim (27B style), layer_types"),
    "gemma3-pattern2": ("gemma3-pattern2", _with(cfg_gemma3, num_hidden_layers=3, sliding_window_pattern=2,
                                                 layer_types=["sliding_attention", "full_attention",
                                                              "sliding_attention"],
                                                 rope_local_base_freq=100.0, query_pre_attn_scalar=16),
                        _gemma3, "F32", 1, False,
                        "3 layers, pattern 2, local RoPE base 100, query_pre_attn_scalar 16"),
}


def generation_config(c):
    g = {"_from_model_config": True, "bos_token_id": BOS, "eos_token_id": EOS}
    if "pad_token_id" in c:
        g["pad_token_id"] = c["pad_token_id"]
    g["transformers_version"] = TRANSFORMERS_VERSION
    return g


def build(variant):
    """(config dict, {name: float32 array}, dtype, shards) for a variant."""
    seed_family, cfg_fn, weights_fn, dtype, shards, _, _ = VARIANTS[variant]
    c = cfg_fn(dtype)
    return c, weights_fn(c, Init(seed_of(seed_family))), dtype, shards


def write(variant, out_dir, shared):
    c, tensors, dtype, shards = build(variant)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(dict(sorted(c.items())), f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(generation_config(c), f, indent=2)
        f.write("\n")
    tok_dir = os.path.join(shared, "models", "TinyStories-656K")
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(tok_dir, name), os.path.join(out_dir, name))
        os.chmod(os.path.join(out_dir, name), 0o644)
    if shards == 1:
        write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors, dtype)
    else:
        names = sorted(tensors)
        per = (len(names) + shards - 1) // shards
        weight_map, total = {}, 0
        for s in range(shards):
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
            total += write_safetensors(os.path.join(out_dir, fname), part, dtype)
            weight_map.update({n: fname for n in part})
        with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
            f.write("\n")
    return out_dir


def default_shared():
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variant", nargs="?")
    ap.add_argument("out_dir", nargs="?")
    ap.add_argument("--shared", default=default_shared(), help="the shared/ folder (tokenizer files)")
    ap.add_argument("--list", action="store_true", help="list the variants")
    ap.add_argument("--json", action="store_true",
                    help="print {variants: [{name, dtype, llama_cpp, note}], test_ids} as JSON")
    a = ap.parse_args()
    if a.json:
        print(json.dumps({"variants": [{"name": n, "dtype": v[3], "llama_cpp": v[5], "note": v[6]}
                                       for n, v in VARIANTS.items()], "test_ids": TEST_IDS}))
        return 0
    if a.list:
        for name, v in VARIANTS.items():
            print(f"{name:16} {v[3]:5} {'llama.cpp' if v[5] else 'numpy-only':10} {v[6]}")
        return 0
    if not a.variant or not a.out_dir or a.variant not in VARIANTS:
        print("hf_checkpoints.py: give a VARIANT (--list) and an OUT_DIR", file=sys.stderr)
        return 1
    write(a.variant, a.out_dir, a.shared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
