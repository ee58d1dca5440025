#!/usr/bin/python3
"""An independent float64 NumPy forward pass for Hugging Face checkpoints.

Written from the model papers and the Hugging Face model documentation /
modeling code semantics (not from heft's engine), for the families
LlamaForCausalLM / MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM,
GemmaForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM (text), Phi3ForCausalLM
and GPT2LMHeadModel. It reads config.json and the safetensors files of a folder
directly (F32, F16, BF16; single file or sharded with an index) and returns the
logits of every position for a list of token ids (teacher forcing).

Two evaluation modes compute the same function in different ways, so that each
checks the other: "batch" (all positions at once, masks as matrices) and
"incremental" (one token at a time against a growing key/value cache, windows
as slices).

    numpy_forward.py FOLDER --ids 1,2,3 [--out logits.npy|logits.json | --argmax] [--incremental]

Conventions (see docs/architectures.md, "References"):
  - RMSNorm: x / sqrt(mean(x^2) + eps) * w; Gemma: * (1 + w). LayerNorm (GPT-2):
    (x - mean) / sqrt(var + eps) * w + b, biased variance.
  - RoPE: Hugging Face rotate-half on [first half | second half] of each head
    (of the first rotary_dim = head_dim * partial_rotary_factor dims), inv_freq =
    theta^(-2i/rotary_dim); scaling "linear" (inv_freq / factor), "llama3"
    (three wavelength bands), "longrope"/"su" (inv_freq / ext_factor, long
    factors when the sequence is longer than original_max_position_embeddings,
    cos/sin times sqrt(1 + ln(max/orig) / ln(orig))), "yarn" (the YaRN paper's
    ramp between inv_freq and inv_freq / factor over the dimensions that turn
    beta_fast (32) to beta_slow (1) times over the original context, cos/sin
    times 0.1 ln(factor) + 1 unless attention_factor is given).
  - Attention: softmax(q k^T * scale [soft-capped] + causal/window mask) v;
    scale = head_dim^-0.5, Gemma 2/3: query_pre_attn_scalar^-0.5. Window w:
    key j is visible from query i when i - w < j <= i.
  - Gemma: embeddings times sqrt(hidden_size), rounded to the checkpoint's dtype
    as transformers does (exact for the sizes used here).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# ---------------------------------------------------------------- loading


def _decode(raw, dtype, shape):
    if dtype == "F32":
        a = np.frombuffer(raw, "<f4")
    elif dtype == "F16":
        a = np.frombuffer(raw, "<f2")
    elif dtype == "BF16":
        a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    elif dtype == "F64":
        a = np.frombuffer(raw, "<f8")
    else:
        raise ValueError(f"unsupported safetensors dtype {dtype}")
    return a.astype(np.float64).reshape(shape)


def read_safetensors(path):
    """{name: float64 array}, plus the __metadata__ dict."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = _decode(data[b:e], info["dtype"], info["shape"])
    return out, meta


def load_folder(folder):
    """(config, {name: float64 array}) of a Hugging Face folder."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors, aliases = {}, {}
    for fn in files:
        t, meta = read_safetensors(os.path.join(folder, fn))
        tensors.update(t)
        # Tied-weight aliases that transformers records in the metadata: {alias: stored name}.
        aliases.update({k: v for k, v in meta.items() if k != "format" and isinstance(v, str)})
    for alias, stored in aliases.items():
        if alias not in tensors and stored in tensors:
            tensors[alias] = tensors[stored]
    return cfg, tensors


def round_to_dtype(x, torch_dtype):
    if torch_dtype == "bfloat16":
        bits = np.array([x], np.float32).view(np.uint32).astype(np.uint64)
        bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        return float(bits.astype(np.uint32).view(np.float32)[0])
    if torch_dtype == "float16":
        return float(np.float16(x))
    return float(np.float32(x))


# ---------------------------------------------------------------- math


def rms_norm(x, w, eps, plus_one=False):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y * ((1.0 + w) if plus_one else w)


def layer_norm(x, w, b, eps):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):  # gelu_pytorch_tanh, gelu_new: the tanh approximation
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


ACTIVATIONS = {"silu": silu, "swish": silu, "gelu_pytorch_tanh": gelu_tanh, "gelu_new": gelu_tanh,
               "gelu_fast": gelu_tanh, "gelu": gelu_erf}


def softcap(x, cap):
    return cap * np.tanh(x / cap) if cap else x


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def apply_rope(x, cos, sin):
    """x [T, heads, head_dim]; cos/sin [T, rotary_dim]; rotates the first rotary_dim dims."""
    rd = cos.shape[-1]
    xr, xp = x[..., :rd], x[..., rd:]
    out = xr * cos[:, None, :] + rotate_half(xr) * sin[:, None, :]
    return np.concatenate([out, xp], axis=-1)


def rope_inv_freq(theta, rotary_dim, scaling, cfg, seq_len):
    """(inv_freq [rotary_dim/2], attention factor) for one RoPE configuration."""
    inv = 1.0 / theta ** (np.arange(0, rotary_dim, 2, dtype=np.float64) / rotary_dim)
    if not scaling:
        return inv, 1.0
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "default":
        return inv, 1.0
    if kind == "linear":
        return inv / scaling["factor"], 1.0
    if kind == "llama3":
        factor, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        out = np.where(wl > lo_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wl < hi_wl) & ~(wl > lo_wl)
        return np.where(medium, smoothed, out), 1.0
    if kind == "yarn":
        factor = scaling["factor"]
        orig = scaling.get("original_max_position_embeddings") or cfg["max_position_embeddings"]

        def corr_dim(rotations):  # the dimension whose frequency turns `rotations` times over orig positions
            return rotary_dim * math.log(orig / (rotations * 2 * math.pi)) / (2 * math.log(theta))
        low = max(math.floor(corr_dim(scaling.get("beta_fast") or 32)), 0)
        high = min(math.ceil(corr_dim(scaling.get("beta_slow") or 1)), rotary_dim - 1)
        ramp = np.clip((np.arange(rotary_dim // 2, dtype=np.float64) - low) / max(high - low, 0.001), 0.0, 1.0)
        attn = scaling.get("attention_factor")
        if attn is None:
            attn = 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0
        return inv * (1.0 - ramp) + inv / factor * ramp, attn  # ramp 1: interpolated
    if kind in ("longrope", "su"):
        max_pos = cfg["max_position_embeddings"]
        orig = cfg.get("original_max_position_embeddings") or scaling.get("original_max_position_embeddings")
        if cfg.get("original_max_position_embeddings"):
            factor = max_pos / orig  # Phi-3: the ratio of the two context lengths
        else:
            factor = scaling.get("factor", 1.0)
            orig = orig or max_pos
        attn = scaling.get("attention_factor")
        if attn is None:
            attn = 1.0 if factor <= 1.0 else math.sqrt(1 + math.log(factor) / math.log(orig))
        ext = np.array(scaling["long_factor"] if seq_len > orig else scaling["short_factor"], np.float64)
        if ext.shape != inv.shape:
            raise ValueError(f"LongRoPE factors have {ext.size} entries, rotary_dim/2 is {inv.size}")
        return inv / ext, attn
    raise ValueError(f"rope scaling type {kind!r} is not in the reference")


# ---------------------------------------------------------------- the model


class Spec:
    """What the reference needs to know about one checkpoint, read from config.json."""

    def __init__(self, cfg):
        archs = cfg.get("architectures") or []
        if not archs:
            raise ValueError("config.json has no architectures")
        self.arch = archs[0]
        if self.arch == "Gemma3ForConditionalGeneration":
            raise ValueError("Gemma3ForConditionalGeneration (multimodal) is not in the reference")
        self.cfg = c = cfg
        self.family = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2",
                       "Qwen3ForCausalLM": "qwen3", "GemmaForCausalLM": "gemma", "Gemma2ForCausalLM": "gemma2",
                       "Gemma3ForCausalLM": "gemma3", "Phi3ForCausalLM": "phi3",
                       "GPT2LMHeadModel": "gpt2"}.get(self.arch)
        if self.family is None:
            raise ValueError(f"architecture {self.arch} is not in the reference")
        f = self.family
        if f == "gpt2":
            self.d, self.n_layers, self.n_heads = c["n_embd"], c["n_layer"], c["n_head"]
            self.n_kv = self.n_heads
            self.head_dim = self.d // self.n_heads
            self.eps = c.get("layer_norm_epsilon", 1e-5)
            self.act = ACTIVATIONS[c.get("activation_function", "gelu_new")]
            self.tied = c.get("tie_word_embeddings", True)
            self.n_ctx = c.get("n_positions", 1024)
        else:
            self.d, self.n_layers, self.n_heads = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
            self.n_kv = c.get("num_key_value_heads") or self.n_heads
            self.head_dim = c.get("head_dim") or self.d // self.n_heads
            self.eps = c.get("rms_norm_eps", 1e-6)
            if f.startswith("gemma"):
                # Gemma's feed-forward is GeGLU with the tanh GELU whatever hidden_act says
                # (transformers overrode "gelu" in the first Gemma configs).
                self.act = gelu_tanh
            else:
                self.act = ACTIVATIONS[c.get("hidden_act", "silu")]
            self.tied = c.get("tie_word_embeddings", f.startswith("gemma"))
            self.n_ctx = c.get("max_position_embeddings", 4096)
        self.norm_plus_one = f.startswith("gemma")
        self.sandwich = f in ("gemma2", "gemma3")
        self.qk_norm = f in ("qwen3", "gemma3")
        if f in ("gemma2", "gemma3"):
            self.scale = c.get("query_pre_attn_scalar", self.head_dim) ** -0.5
        else:
            self.scale = self.head_dim ** -0.5
        self.attn_cap = c.get("attn_logit_softcapping") if f in ("gemma2", "gemma3") else None
        self.final_cap = c.get("final_logit_softcapping") if f in ("gemma2", "gemma3") else None
        self.rotary_dim = int(self.head_dim * c.get("partial_rotary_factor", 1.0)) if f != "gpt2" else 0
        self.sliding = [self._sliding(i) for i in range(self.n_layers)]
        w = c.get("sliding_window") or None
        self.layer_windows = [w if sliding else None for sliding in self.sliding]

    def _sliding(self, i):
        """Whether layer i is a sliding-window ("local") layer."""
        c, f = self.cfg, self.family
        if f in ("gemma2", "gemma3"):
            # Gemma 2 alternates from layer 0; Gemma 3 has every pattern-th layer global.
            pattern = 2 if f == "gemma2" else c.get("sliding_window_pattern", 6)
            types = c.get("layer_types") or ["sliding_attention" if (j + 1) % pattern else "full_attention"
                                             for j in range(self.n_layers)]
            return types[i] == "sliding_attention"
        if f in ("qwen2", "qwen3"):
            return bool(c.get("use_sliding_window", False)) and i >= c.get("max_window_layers", 0)
        return f == "phi3" or self.arch == "MistralForCausalLM"

    def rope(self, layer, seq_len):
        """(inv_freq, attention factor) used by a layer."""
        c = self.cfg
        if self.family == "gemma3" and self.sliding[layer]:
            return rope_inv_freq(c.get("rope_local_base_freq", 10000.0), self.rotary_dim, None, c, seq_len)
        return rope_inv_freq(c.get("rope_theta", 10000.0), self.rotary_dim, c.get("rope_scaling"), c, seq_len)


class Weights:
    def __init__(self, spec, t):
        self.t = t
        f = spec.family
        if f == "gpt2":
            self.p = "transformer." if "transformer.wte.weight" in t else ""
            self.embed = t[self.p + "wte.weight"]
        else:
            self.p = "model."
            self.embed = t.get("model.embed_tokens.weight")
            if self.embed is None:
                self.embed = t["lm_head.weight"]  # tied checkpoints that store only the head
        if spec.tied:
            self.head = self.embed
        else:
            self.head = t["lm_head.weight"]

    def get(self, name, default=None):
        return self.t.get(name, default)

    def __getitem__(self, name):
        return self.t[name]


class Model:
    def __init__(self, folder=None, cfg=None, tensors=None):
        if folder is not None:
            cfg, tensors = load_folder(folder)
        self.spec = Spec(cfg)
        self.w = Weights(self.spec, tensors)

    # -- pieces

    def embed(self, ids, positions):
        s, w = self.spec, self.w
        x = w.embed[ids]
        if s.family == "gpt2":
            x = x + w[w.p + "wpe.weight"][positions]
        if s.family.startswith("gemma"):
            x = x * round_to_dtype(math.sqrt(s.d), s.cfg.get("torch_dtype", "float32"))
        return x

    def norm(self, x, name):
        s, w = self.spec, self.w
        if s.family == "gpt2":
            return layer_norm(x, w[name + ".weight"], w[name + ".bias"], s.eps)
        return rms_norm(x, w[name + ".weight"], s.eps, s.norm_plus_one)

    def linear(self, x, name):
        w = self.w
        y = x @ w[name + ".weight"].T
        b = w.get(name + ".bias")
        return y + b if b is not None else y

    def qkv(self, i, x):
        """q [T, H, hd], k [T, KV, hd], v [T, KV, hd] before RoPE (after Q/K norms)."""
        s, w = self.spec, self.w
        T, H, KV, hd = x.shape[0], s.n_heads, s.n_kv, s.head_dim
        p = f"{w.p}layers.{i}.self_attn."
        if s.family == "gpt2":
            p = f"{w.p}h.{i}.attn."
            y = x @ w[p + "c_attn.weight"] + w[p + "c_attn.bias"]  # Conv1D: [in, out]
            q, k, v = y[:, :s.d], y[:, s.d:2 * s.d], y[:, 2 * s.d:]
        elif s.family == "phi3":
            y = x @ w[p + "qkv_proj.weight"].T
            q, k, v = y[:, :H * hd], y[:, H * hd:(H + KV) * hd], y[:, (H + KV) * hd:]
        else:
            q, k, v = self.linear(x, p + "q_proj"), self.linear(x, p + "k_proj"), self.linear(x, p + "v_proj")
        q, k, v = q.reshape(T, H, hd), k.reshape(T, KV, hd), v.reshape(T, KV, hd)
        if s.qk_norm:
            q = rms_norm(q, w[p + "q_norm.weight"], s.eps, s.norm_plus_one)
            k = rms_norm(k, w[p + "k_norm.weight"], s.eps, s.norm_plus_one)
        return q, k, v

    def attn_out(self, i, o):
        s, w = self.spec, self.w
        if s.family == "gpt2":
            p = f"{w.p}h.{i}.attn.c_proj"
            return o @ w[p + ".weight"] + w[p + ".bias"]
        return self.linear(o, f"{w.p}layers.{i}.self_attn.o_proj")

    def mlp(self, i, x):
        s, w = self.spec, self.w
        if s.family == "gpt2":
            p = f"{w.p}h.{i}.mlp."
            h = s.act(x @ w[p + "c_fc.weight"] + w[p + "c_fc.bias"])
            return h @ w[p + "c_proj.weight"] + w[p + "c_proj.bias"]
        p = f"{w.p}layers.{i}.mlp."
        if s.family == "phi3":
            gu = x @ w[p + "gate_up_proj.weight"].T
            ff = gu.shape[-1] // 2
            gate, up = gu[:, :ff], gu[:, ff:]
        else:
            gate, up = self.linear(x, p + "gate_proj"), self.linear(x, p + "up_proj")
        return self.linear(s.act(gate) * up, p + "down_proj")

    def block_norm_names(self, i):
        w = self.w
        if self.spec.family == "gpt2":
            p = f"{w.p}h.{i}."
            return p + "ln_1", p + "ln_2"
        p = f"{w.p}layers.{i}."
        if self.spec.sandwich:
            return p + "input_layernorm", p + "pre_feedforward_layernorm"
        return p + "input_layernorm", p + "post_attention_layernorm"

    def final(self, x):
        s, w = self.spec, self.w
        x = self.norm(x, w.p + ("ln_f" if s.family == "gpt2" else "norm"))
        return softcap(x @ w.head.T, s.final_cap)

    def rope_tables(self, layer, positions, seq_len):
        inv, attn = self.spec.rope(layer, seq_len)
        ang = positions[:, None].astype(np.float64) * inv[None, :]
        ang = np.concatenate([ang, ang], axis=-1)
        return np.cos(ang) * attn, np.sin(ang) * attn

    # -- the two evaluation modes

    def layer(self, i, x, positions, cache, seq_len, stats=None):
        """One decoder layer over new tokens x at `positions`, appending to cache[i] = (K, V)."""
        s = self.spec
        n1, n2 = self.block_norm_names(i)
        q, k, v = self.qkv(i, self.norm(x, n1))
        if s.family != "gpt2":
            cos, sin = self.rope_tables(i, positions, seq_len)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        K, V = cache[i]
        K = np.concatenate([K, k]) if K is not None else k
        V = np.concatenate([V, v]) if V is not None else v
        cache[i] = (K, V)
        win = s.layer_windows[i]
        group = s.n_heads // s.n_kv
        out = np.empty((x.shape[0], s.n_heads, s.head_dim))
        kpos = np.arange(K.shape[0])
        for h in range(s.n_heads):
            kh, vh = K[:, h // group, :], V[:, h // group, :]
            scores = (q[:, h, :] @ kh.T) * s.scale
            if s.family == "gpt2" and s.cfg.get("scale_attn_by_inverse_layer_idx"):
                scores = scores / (i + 1)
            if stats is not None:
                stats.append(float(np.max(np.abs(scores))))
            scores = softcap(scores, s.attn_cap)
            visible = kpos[None, :] <= positions[:, None]
            if win:
                visible &= kpos[None, :] > positions[:, None] - win
            scores = np.where(visible, scores, -np.inf)
            scores -= scores.max(axis=-1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(axis=-1, keepdims=True)
            out[:, h, :] = p @ vh
        a = self.attn_out(i, out.reshape(x.shape[0], -1))
        if s.sandwich:
            a = self.norm(a, f"{self.w.p}layers.{i}.post_attention_layernorm")
        h = x + a
        m = self.mlp(i, self.norm(h, n2))
        if s.sandwich:
            m = self.norm(m, f"{self.w.p}layers.{i}.post_feedforward_layernorm")
        return h + m

    def logits(self, ids, incremental=False, stats=None):
        """float64 logits [len(ids), vocab] under teacher forcing."""
        ids = np.asarray(ids, dtype=np.int64)
        T = len(ids)
        if T == 0:
            raise ValueError("no token ids")
        if ids.min() < 0 or ids.max() >= self.w.embed.shape[0]:
            raise ValueError("token id outside the vocabulary")
        if self.spec.family == "gpt2" and T > self.spec.n_ctx:
            raise ValueError("sequence longer than n_positions")
        cache = [(None, None)] * self.spec.n_layers
        if not incremental:
            pos = np.arange(T)
            x = self.embed(ids, pos)
            for i in range(self.spec.n_layers):
                x = self.layer(i, x, pos, cache, T, stats)
            return self.final(x)
        out = np.empty((T, self.w.head.shape[0]))
        for t in range(T):
            # A KV cache is valid for one set of RoPE frequencies: LongRoPE picks its factors
            # from the whole sequence's length here (as the batch mode does), not per step.
            pos = np.array([t])
            x = self.embed(ids[t:t + 1], pos)
            for i in range(self.spec.n_layers):
                x = self.layer(i, x, pos, cache, T)
            out[t] = self.final(x)[0]
        return out


# ---------------------------------------------------------------- CLI


def save_logits(path, logits):
    if path.endswith(".npy"):
        np.save(path, logits)
    else:
        with open(path, "w") as f:
            json.dump({"n_tokens": logits.shape[0], "n_vocab": logits.shape[1], "logits": logits.tolist()}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--ids", required=True, help="comma-separated token ids")
    ap.add_argument("--out", help="write the logits here (.npy, else JSON); default: JSON to stdout")
    ap.add_argument("--incremental", action="store_true", help="one token at a time with a KV cache")
    ap.add_argument("--argmax", action="store_true",
                    help="print only {argmax, margin (top-1 minus top-2), max_abs} per position as JSON")
    a = ap.parse_args()
    try:
        ids = [int(s) for s in a.ids.split(",") if s.strip()]
        logits = Model(a.folder).logits(ids, incremental=a.incremental)
    except (OSError, ValueError, KeyError) as e:
        print(f"numpy_forward: {e}", file=sys.stderr)
        return 1
    if a.argmax:
        srt = np.sort(logits, axis=1)
        json.dump({"argmax": logits.argmax(1).tolist(), "margin": (srt[:, -1] - srt[:, -2]).tolist(),
                   "max_abs": float(np.abs(logits).max())}, sys.stdout)
        sys.stdout.write("\n")
    elif a.out:
        save_logits(a.out, logits)
    else:
        json.dump({"n_tokens": logits.shape[0], "n_vocab": logits.shape[1], "logits": logits.tolist()}, sys.stdout)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
