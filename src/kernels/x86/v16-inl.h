// The 16-lane float vector V16 the shared float kernels
// (kernels/float_kernels-inl.h, kernels/gemm_float-inl.h) are written in, for
// one x86 target (included by float_ops.cpp under that target's pragma):
// one zmm on AVX-512, two ymm on AVX2. reduce_add16 and expf16 take ggml's
// exact steps (kernels/ggml_order.h).

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
  // Each lane rounded to half and back (F16C, round to nearest even: for finite values
  // what fp32_to_fp16 gives, and what ggml-cpu's x86 conversion does for every value).
  V16 round_f16() const { return {_mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT))}; }
};
static inline V16 fma(V16 a, V16 b, V16 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
static inline V16 operator+(V16 a, V16 b) { return {_mm512_add_ps(a.v, b.v)}; }
static inline V16 operator*(V16 a, V16 b) { return {_mm512_mul_ps(a.v, b.v)}; }
static inline V16 operator-(V16 a, V16 b) { return {_mm512_sub_ps(a.v, b.v)}; }
static inline V16 operator/(V16 a, V16 b) { return {_mm512_div_ps(a.v, b.v)}; }
// Float tiles of R rows x T tokens: R*T accumulators in 32 registers.
constexpr int kFloatTileR = 4, kFloatTileT = 4;
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
  // Each lane rounded to half and back (F16C, round to nearest even: for finite values
  // what fp32_to_fp16 gives, and what ggml-cpu's x86 conversion does for every value).
  V16 round_f16() const {
    return {_mm256_cvtph_ps(_mm256_cvtps_ph(lo, _MM_FROUND_TO_NEAREST_INT)), _mm256_cvtph_ps(_mm256_cvtps_ph(hi, _MM_FROUND_TO_NEAREST_INT))};
  }
};
static inline V16 fma(V16 a, V16 b, V16 c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
static inline V16 operator+(V16 a, V16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
static inline V16 operator*(V16 a, V16 b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
static inline V16 operator-(V16 a, V16 b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
static inline V16 operator/(V16 a, V16 b) { return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)}; }
// Float tiles of R rows x T tokens: two registers per accumulator in 16.
constexpr int kFloatTileR = 2, kFloatTileT = 2;
#endif

// ggml_order::reduce_add16: halves, quarters, then pairs.
static inline float reduce_add16(V16 a) {
  const __m256 t3 = a.half_sum();
  const __m128 t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
  const __m128 t8 = _mm_add_ps(t6, _mm_movehl_ps(t6, t6));  // t6[0] + t6[2], t6[1] + t6[3]
  return _mm_cvtss_f32(_mm_add_ss(t8, _mm_movehdup_ps(t8)));
}

// reduce_add16 of eight vectors, out[p] = reduce_add16(s[p]), the same additions
// done eight at a time: each vector's halves added as it is put (8 lanes kept,
// not 16), then the quarters of two vectors per 128-bit permute pair, the pairs
// of four per shuffle pair, the last sums of all eight at once.
struct Reduce8 {
  __m256 t3[8];
  void put(int p, V16 s) { t3[p] = s.half_sum(); }
  void store(float* out) const {
    __m256 w[4];
    for (int k = 0; k < 4; ++k)  // [t6 of 2k | t6 of 2k+1]
      w[k] = _mm256_add_ps(_mm256_permute2f128_ps(t3[2 * k], t3[2 * k + 1], 0x20), _mm256_permute2f128_ps(t3[2 * k], t3[2 * k + 1], 0x31));
    const __m256 z0 = _mm256_add_ps(_mm256_shuffle_ps(w[0], w[1], 0x44), _mm256_shuffle_ps(w[0], w[1], 0xee));  // t8 of 0 2 | 1 3
    const __m256 z1 = _mm256_add_ps(_mm256_shuffle_ps(w[2], w[3], 0x44), _mm256_shuffle_ps(w[2], w[3], 0xee));  // t8 of 4 6 | 5 7
    const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(z0, z1, 0x88), _mm256_shuffle_ps(z0, z1, 0xdd));  // 0 2 4 6 | 1 3 5 7
    _mm256_storeu_ps(out, _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
};

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
