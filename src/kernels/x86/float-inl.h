// Float kernels in ggml's exact AVX-512 order (kernels/ggml_order.h) for one
// x86 target (included by float_ops.cpp under that target's pragma): the
// attention head and SwiGLU. Same lanes, same fused multiply-adds, same
// horizontal-sum shuffles as the scalar reference, so results are
// bit-identical; on AVX2 a 16-lane group is two 8-lane registers.

#if HEFT_AVX512
struct V16 {
  __m512 v;
  static V16 zero() { return {_mm512_setzero_ps()}; }
  static V16 set1(float x) { return {_mm512_set1_ps(x)}; }
  static V16 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static V16 load_f16(const uint16_t* p) { return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))}; }
  static V16 load_bf16(const uint16_t* p) {
    const __m512i u = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(u, 16))};
  }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  __m256 half_sum() const {  // t3[i] = a[i + 8] + a[i]
    return _mm256_add_ps(_mm512_extractf32x8_ps(v, 1), _mm512_castps512_ps256(v));
  }
};
static inline V16 fma(V16 a, V16 b, V16 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
static inline V16 operator+(V16 a, V16 b) { return {_mm512_add_ps(a.v, b.v)}; }
static inline V16 operator*(V16 a, V16 b) { return {_mm512_mul_ps(a.v, b.v)}; }
#else
struct V16 {
  __m256 lo, hi;
  static V16 zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static V16 set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static V16 load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static V16 load_f16(const uint16_t* p) {
    return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)))};
  }
  static V16 load_bf16(const uint16_t* p) {
    const __m256i lo = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m256i hi = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(lo, 16)), _mm256_castsi256_ps(_mm256_slli_epi32(hi, 16))};
  }
  void store(float* p) const {
    _mm256_storeu_ps(p, lo);
    _mm256_storeu_ps(p + 8, hi);
  }
  __m256 half_sum() const { return _mm256_add_ps(hi, lo); }
};
static inline V16 fma(V16 a, V16 b, V16 c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
static inline V16 operator+(V16 a, V16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
static inline V16 operator*(V16 a, V16 b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
#endif

// ggml_order::reduce_add16: halves, quarters, then pairs.
static inline float reduce_add16(V16 a) {
  const __m256 t3 = a.half_sum();
  const __m128 t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
  const __m128 t8 = _mm_add_ps(t6, _mm_movehl_ps(t6, t6));  // t6[0] + t6[2], t6[1] + t6[3]
  return _mm_cvtss_f32(_mm_add_ss(t8, _mm_movehdup_ps(t8)));
}

// ggml_order::expf on 16 lanes.
#if HEFT_AVX512
static inline V16 expf16(V16 xv) {
  const __m512 x = xv.v, r = _mm512_set1_ps(0x1.8p23f);
  const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
  const __m512 n = _mm512_sub_ps(z, r);
  const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
  const __m512 u = _mm512_mul_ps(b, b);
  const __m512 j = _mm512_fmadd_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                      _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
      u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
  const __m512 s = _mm512_scalef_ps(j, n);
  const __m512 an = _mm512_andnot_ps(_mm512_set1_ps(-0.0f), n);
  const __mmask16 big = _mm512_cmp_ps_mask(an, _mm512_set1_ps(192.0f), _CMP_GT_OQ);
  const __mmask16 neg = _mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ);
  const __m512 sat = _mm512_mask_blend_ps(neg, _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
  return {_mm512_mask_blend_ps(big, s, sat)};
}
#else
// 2^e as doubles, for |e| <= 192.
static inline __m256d pow2(__m128i e) {
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(e), _mm256_set1_epi64x(1023)), 52));
}
static inline __m256 expf8(__m256 x) {
  const __m256 r = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
  const __m256 n = _mm256_sub_ps(z, r);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 j = _mm256_fmadd_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
      u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
  // ldexp(j, n) with one rounding: exact in double, then rounded to float once.
  const __m256 an = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  const __m256 big = _mm256_cmp_ps(an, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
  const __m256 nc = _mm256_blendv_ps(n, _mm256_setzero_ps(), big);  // keep the exponent in range
  const __m256i ni = _mm256_cvtps_epi32(nc);
  const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(j)), pow2(_mm256_castsi256_si128(ni))));
  const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(j, 1)), pow2(_mm256_extracti128_si256(ni, 1))));
  const __m256 s = _mm256_set_m128(hi, lo);
  const __m256 neg = _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ);
  const __m256 sat = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), _mm256_setzero_ps(), neg);
  return _mm256_blendv_ps(s, sat, big);
}
static inline V16 expf16(V16 x) { return {expf8(x.lo), expf8(x.hi)}; }
#endif

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

// ggml's blocked64 (4 x 16 lanes per 64 elements) over np elements, a multiple of 64.
template <class LoadX, class LoadY>
static inline float blocked64(int64_t np, const LoadX& x, const LoadY& y) {
  V16 acc[4] = {V16::zero(), V16::zero(), V16::zero(), V16::zero()};
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j) acc[j] = fma(x(i + 16 * j), y(i + 16 * j), acc[j]);
  return reduce_add16((acc[0] + acc[2]) + (acc[1] + acc[3]));
}


// The value product, positions first..n_kv-1 (the rest have probability 0 and
// add nothing): every output lane d keeps the reference's accumulators, one per
// position modulo `slots` (64: vec_dot's 4 x 16 lanes, 16: tinyBLAS's), as a
// row of hd_v floats, then reduces them in the reference's order.
template <bool kF16>
static void value_product(const AttentionArgs& a, const float* p, float* out, float* acc) {
  const int slots = a.batch ? 16 : 64;
  const int64_t hv = a.hd_v, hv16 = hv / 16 * 16;
  std::fill(acc, acc + slots * hv, 0.0f);
  for (int64_t j = a.first; j < a.n_kv; ++j) {
    float* s = acc + (j % slots) * hv;
    const uint8_t* row = a.v + static_cast<size_t>(j) * a.v_stride;
    const V16 pj = V16::set1(p[j]);
    int64_t d = 0;
    for (; d < hv16; d += 16) {
      const V16 v = kF16 ? V16::load_f16(reinterpret_cast<const uint16_t*>(row) + d) : V16::load(reinterpret_cast<const float*>(row) + d);
      fma(v, pj, V16::load(s + d)).store(s + d);
    }
    for (; d < hv; ++d) {
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
  auto k_row = [&](int64_t j) { return a.k + static_cast<size_t>(j) * a.k_stride; };

  if (a.f16) {
    for (int64_t d = 0; d < hk; ++d) qf[d] = fp16_to_fp32(fp32_to_fp16(a.q[d]));
    const bool lanes16 = a.batch && hk % 16 == 0;
    for (int64_t j = a.first; j < a.n_kv; ++j) {
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
    for (int64_t j = a.first; j < a.n_kv; ++j) {
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
  if (a.f16)
    for (int64_t i = a.first; i < a.n_kv; ++i) scores[i] = fp16_to_fp32(fp32_to_fp16(scores[i]));

  if (a.f16) value_product<true>(a, scores, out, acc);
  else value_product<false>(a, scores, out, acc);
}

// ggml_vec_swiglu_f32: gate = silu(gate) * up, ggml_v_silu on whole groups of 16.
void swiglu(float* gate, const float* up, int64_t n16) {
  const V16 one = V16::set1(1.0f), zero = V16::zero();
  for (int64_t i = 0; i < n16; i += 16) {
    const V16 x = V16::load(gate + i);
#if HEFT_AVX512
    const V16 neg{_mm512_sub_ps(zero.v, x.v)};
    const V16 e = expf16(neg);
    const V16 s{_mm512_div_ps(x.v, _mm512_add_ps(one.v, e.v))};
#else
    const V16 neg{_mm256_sub_ps(zero.lo, x.lo), _mm256_sub_ps(zero.hi, x.hi)};
    const V16 e = expf16(neg);
    const V16 s{_mm256_div_ps(x.lo, _mm256_add_ps(one.lo, e.lo)), _mm256_div_ps(x.hi, _mm256_add_ps(one.hi, e.hi))};
#endif
    (s * V16::load(up + i)).store(gate + i);
  }
}
