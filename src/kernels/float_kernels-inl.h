// Float kernels in ggml's exact order (kernels/ggml_order.h), written once in
// terms of a 16-lane vector V16 with reduce_add16 and expf16 (x86/v16-inl.h,
// arm/v16-inl.h): the attention head and SwiGLU. Same lanes, same fused
// multiply-adds, same horizontal sums as the scalar reference, so results are
// bit-identical on every target. Included inside a target's namespace.

// Operand readers for blocked64 (function objects, not lambdas: GCC 12 does
// not give a lambda its enclosing function's target options).
struct LoadF32 {
  const float* p;
  V16 operator()(int64_t i) const { return V16::load(p + i); }
};
struct LoadF16 {
  const uint16_t* p;
  V16 operator()(int64_t i) const { return V16::load_f16(p + i); }
};
struct LoadBF16 {
  const uint16_t* p;
  V16 operator()(int64_t i) const { return V16::load_bf16(p + i); }
};

// ggml's blocked64 (4 x 16 lanes per 64 elements) over np elements, a multiple
// of 64: the 16 lanes before their horizontal sum, then the sum.
template <class LoadX, class LoadY>
static inline V16 blocked64_lanes(int64_t np, const LoadX& x, const LoadY& y) {
  V16 acc[4] = {V16::zero(), V16::zero(), V16::zero(), V16::zero()};
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j) acc[j] = fma(x(i + 16 * j), y(i + 16 * j), acc[j]);
  return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
template <class LoadX, class LoadY>
static inline float blocked64(int64_t np, const LoadX& x, const LoadY& y) {
  return reduce_add16(blocked64_lanes(np, x, y));
}

// The value product, positions first..n_kv-1 (the rest have probability 0 and
// add nothing): every output lane d keeps the reference's accumulators, one per
// position modulo `slots` (64: vec_dot's 4 x 16 lanes, 16: tinyBLAS's), as a
// row of hd_v floats, then reduces them in the reference's order.
// One slot's accumulators for lanes d0 .. d0 + 16 kN - 1 kept in registers over
// the slot's positions (j = slot, slot + slots, ...: the reference's order for
// each of them), then stored once: no load and store of the accumulators per
// position.
template <bool kF16, int kN>
static void value_slot(const AttentionArgs& a, const float* p, int64_t slot, int slots, int64_t d0, float* acc_row) {
  V16 acc[kN];
  #pragma GCC unroll 8
  for (int c = 0; c < kN; ++c) acc[c] = V16::zero();
  int64_t j = a.first + ((slot - a.first % slots) + slots) % slots;
  for (; j < a.n_kv; j += slots) {
    const uint8_t* row = a.v + kv_row(a, j) * a.v_stride;
    const V16 pj = V16::set1(p[j]);
    #pragma GCC unroll 8
    for (int c = 0; c < kN; ++c) {
      const int64_t d = d0 + 16 * c;
      const V16 v = kF16 ? V16::load_f16(reinterpret_cast<const uint16_t*>(row) + d) : V16::load(reinterpret_cast<const float*>(row) + d);
      acc[c] = fma(v, pj, acc[c]);
    }
  }
  #pragma GCC unroll 8
  for (int c = 0; c < kN; ++c) acc[c].store(acc_row + d0 + 16 * c);
}

template <bool kF16>
static void value_product(const AttentionArgs& a, const float* p, float* out, float* acc) {
  const int slots = a.batch ? 16 : 64;
  const int64_t hv = a.hd_v, hv16 = hv / 16 * 16;
  for (int64_t slot = 0; slot < slots; ++slot) {
    float* row = acc + slot * hv;
    int64_t d0 = 0;
    for (; d0 + 64 <= hv16; d0 += 64) value_slot<kF16, 4>(a, p, slot, slots, d0, row);
    switch ((hv16 - d0) / 16) {
      case 3: value_slot<kF16, 3>(a, p, slot, slots, d0, row); break;
      case 2: value_slot<kF16, 2>(a, p, slot, slots, d0, row); break;
      case 1: value_slot<kF16, 1>(a, p, slot, slots, d0, row); break;
      default: break;
    }
    std::fill(row + hv16, row + hv, 0.0f);
  }
  for (int64_t j = a.first; j < a.n_kv; ++j) {  // lanes past the last whole 16, one by one
    float* s = acc + (j % slots) * hv;
    const uint8_t* row = a.v + kv_row(a, j) * a.v_stride;
    for (int64_t d = hv16; d < hv; ++d) {
      float v;
      if constexpr (kF16) {
        uint16_t h;
        std::memcpy(&h, row + 2 * d, 2);
        v = fp16_to_fp32(h);
      } else {
        std::memcpy(&v, row + 4 * d, 4);
      }
      s[d] = std::fma(v, p[j], s[d]);
    }
  }
  // Reduce each lane d over its slots (64: GGML_F32x16_REDUCE then reduce_add16;
  // 16: reduce_add16), 16 lanes d at a time: the same additions, elementwise.
  int64_t d = 0;
  for (; d < hv16; d += 16) {
    V16 l[16];
    for (int k = 0; k < 16; ++k)
      l[k] = slots == 64 ? (V16::load(acc + k * hv + d) + V16::load(acc + (32 + k) * hv + d)) +
                               (V16::load(acc + (16 + k) * hv + d) + V16::load(acc + (48 + k) * hv + d))
                         : V16::load(acc + k * hv + d);
    V16 t3[8], t6[4];
    for (int i = 0; i < 8; ++i) t3[i] = l[i + 8] + l[i];
    for (int i = 0; i < 4; ++i) t6[i] = t3[i + 4] + t3[i];
    ((t6[0] + t6[2]) + (t6[1] + t6[3])).store(out + d);
  }
  for (; d < hv; ++d) {
    float l16[16];
    for (int k = 0; k < 16; ++k) {
      const float* at = acc + d;
      l16[k] = slots == 64 ? (at[k * hv] + at[(32 + k) * hv]) + (at[(16 + k) * hv] + at[(48 + k) * hv]) : at[k * hv];
    }
    out[d] = ggml_order::reduce_add16(l16);
  }
}

void attention_head(const AttentionArgs& a, float* out, float* scratch) {
  const int64_t n_pad = (a.n_kv + 63) / 64 * 64;
  float* scores = scratch;                // n_pad
  float* qf = scratch + n_pad;            // hd_k (the query as the dot reads it)
  float* acc = qf + (a.hd_k + 15) / 16 * 16;  // 64 x hd_v value accumulators
  const int64_t hk = a.hd_k, np = hk & ~int64_t{63};
  auto k_row = [&](int64_t j) { return a.k + kv_row(a, j) * a.k_stride; };

  if (a.f16) {
    int64_t d = 0;
    for (; d + 16 <= hk; d += 16) V16::load(a.q + d).round_f16().store(qf + d);
    for (; d < hk; ++d) qf[d] = fp16_to_fp32(fp32_to_fp16(a.q[d]));
    const bool lanes16 = a.batch && hk % 16 == 0;
    int64_t j = a.first;
    if (lanes16)  // eight positions at a time: their horizontal sums together
      for (; j + 8 <= a.n_kv; j += 8) {
        Reduce8 r;
        for (int p = 0; p < 8; ++p) {
          const auto* k = reinterpret_cast<const uint16_t*>(k_row(j + p));
          V16 s = V16::zero();
          for (int64_t i = 0; i < hk; i += 16) s = fma(V16::load_f16(k + i), V16::load(qf + i), s);
          r.put(p, s);
        }
        r.store(scores + j);
      }
    if (!lanes16 && np == hk)  // vec_dot rows without a tail: eight positions' horizontal sums together
      for (; j + 8 <= a.n_kv; j += 8) {
        Reduce8 r;
        for (int p = 0; p < 8; ++p) r.put(p, blocked64_lanes(np, LoadF16{reinterpret_cast<const uint16_t*>(k_row(j + p))}, LoadF32{qf}));
        r.store(scores + j);
      }
    for (; j < a.n_kv; ++j) {
      const auto* k = reinterpret_cast<const uint16_t*>(k_row(j));
      if (lanes16) {
        V16 s = V16::zero();
        for (int64_t i = 0; i < hk; i += 16) s = fma(V16::load_f16(k + i), V16::load(qf + i), s);
        scores[j] = reduce_add16(s);
      } else {
        double sum = blocked64(np, LoadF16{k}, LoadF32{qf});
        for (int64_t i = np; i < hk; ++i) {
          uint16_t h;
          std::memcpy(&h, k + i, 2);
          sum += static_cast<double>(fp16_to_fp32(h) * qf[i]);
        }
        scores[j] = static_cast<float>(sum);
      }
    }
  } else {
    int64_t j = a.first;
    if (np == hk)  // no tail: eight positions' horizontal sums together
      for (; j + 8 <= a.n_kv; j += 8) {
        Reduce8 r;
        for (int p = 0; p < 8; ++p) r.put(p, blocked64_lanes(np, LoadF32{reinterpret_cast<const float*>(k_row(j + p))}, LoadF32{a.q}));
        r.store(scores + j);
      }
    for (; j < a.n_kv; ++j) {
      const auto* k = reinterpret_cast<const float*>(k_row(j));
      const float s = blocked64(np, LoadF32{k}, LoadF32{a.q});
      scores[j] = ggml_order::dot_f32_tail(k, a.q, np, hk, s);
    }
  }
  for (int64_t j = a.first; j < a.n_kv; ++j) {
    float s = scores[j];
    if (a.softcap > 0.0f) s = std::tanh(s * (1.0f / a.softcap)) * a.softcap;
    scores[j] = s * a.scale;
  }

  // Softmax as ggml's soft_max row: exponentials 16 at a time, their sums added in double.
  float max = -INFINITY;  // the order of a maximum does not matter (no NaN scores)
  for (int64_t i = a.first; i < a.n_kv; ++i) max = scores[i] > max ? scores[i] : max;
  for (int64_t i = 0; i < a.first; ++i) scores[i] = 0.0f;
  for (int64_t i = a.n_kv; i < n_pad; ++i) scores[i] = 0.0f;
  double sum = 0.0;
  for (int64_t i = 0; i < n_pad; i += 16) {
    if (i + 16 <= a.first || i >= a.n_kv) continue;  // all masked: the reference adds +0
    float chunk[16];
    expf16(V16::load(scores + i) + V16::set1(-max)).store(chunk);
    for (int l = 0; l < 16; ++l) {
      const int64_t k = i + l;
      if (k < a.first || k >= a.n_kv) chunk[l] = 0.0f;
      scores[k] = chunk[l];
    }
    sum += static_cast<double>(reduce_add16(V16::load(chunk)));
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = a.first; i < a.n_kv; ++i) scores[i] *= inv;
  if (a.f16) {  // the probabilities as the F16 value product reads them (finite, so F16C rounds as fp32_to_fp16)
    int64_t i = a.first;
    for (; i + 16 <= a.n_kv; i += 16) V16::load(scores + i).round_f16().store(scores + i);
    for (; i < a.n_kv; ++i) scores[i] = fp16_to_fp32(fp32_to_fp16(scores[i]));
  }

  if (a.f16) value_product<true>(a, scores, out, acc);
  else value_product<false>(a, scores, out, acc);
}

// ggml_vec_swiglu_f32: gate = silu(gate) * up, ggml_v_silu on whole groups of 16.
void swiglu(float* gate, const float* up, int64_t n16) {
  const V16 one = V16::set1(1.0f), zero = V16::zero();
  for (int64_t i = 0; i < n16; i += 16) {
    const V16 x = V16::load(gate + i);
    const V16 s = x / (one + expf16(zero - x));
    (s * V16::load(up + i)).store(gate + i);
  }
}
