// NEON matrix kernels, compiled twice by gemm_neon.cpp: plain Advanced SIMD
// (every AArch64 CPU) and with the dot-product extension (HEFT_DOTPROD: sdot,
// Armv8.2+). Included inside namespace heft::kernels::<target>.
//
// Activations use the scalar reference formats (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1
// for Q4_1/Q5_1, Q8_K for the k-quants), and every kernel forms the same
// exact integer sums as the reference (kernels/vec_dot_ref.cpp) and scales
// them with the same float operations in the same order, so results are
// bit-identical to it. The float types are in arm/float_ops_neon.cpp.

// 4 int32 lanes += sums of 4 adjacent products a[4i..4i+3] * b[4i..4i+3]
// (sdot's grouping; without it, widening multiplies and pairwise adds).
static inline int32x4_t dot4(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if HEFT_DOTPROD
  return vdotq_s32(acc, a, b);
#else
  const int16x8_t lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
  const int16x8_t hi = vmull_high_s8(a, b);
  return vaddq_s32(acc, vpaddq_s32(vpaddlq_s16(lo), vpaddlq_s16(hi)));
#endif
}

// Integer dot of 32 weights (two registers) with 32 activations.
static inline int32_t dot32(int8x16_t w0, int8x16_t w1, const int8_t* x) {
  return vaddvq_s32(dot4(dot4(vdupq_n_s32(0), w0, vld1q_s8(x)), w1, vld1q_s8(x + 16)));
}

static inline int32_t dot16(int8x16_t w, const int8_t* x) { return vaddvq_s32(dot4(vdupq_n_s32(0), w, vld1q_s8(x))); }

// Q4_0: one integer sum per block, fma'd with d_w * d_x.
static float dot_q4_0(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const BlockQ4_0*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_0*>(x);
  const uint8x16_t low4 = vdupq_n_u8(0xf);
  const int8x16_t eight = vdupq_n_s8(8);
  float sumf = 0;
  for (int64_t i = 0; i < k / kQK; ++i) {
    const uint8x16_t q = vld1q_u8(a[i].qs);
    const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, low4)), eight);
    const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);
    const int32_t sumi = dot32(lo, hi, b[i].qs);
    sumf = std::fma(static_cast<float>(sumi), fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d), sumf);
  }
  return sumf;
}

// The eight 4-product lane sums of one 32-weight block (weights w0: 0..15,
// w1: 16..31), fma'd with d into acc0 (lanes 0..3) and acc1 (lanes 4..7):
// ggml's x86 per-block step, which the reference keeps for Q5_0, Q4_1, Q5_1.
static inline void fma_lanes8(float32x4_t& acc0, float32x4_t& acc1, float d, int8x16_t w0, int8x16_t w1, const int8_t* x) {
  const int32x4_t s0 = dot4(vdupq_n_s32(0), w0, vld1q_s8(x));
  const int32x4_t s1 = dot4(vdupq_n_s32(0), w1, vld1q_s8(x + 16));
  acc0 = vfmaq_f32(acc0, vdupq_n_f32(d), vcvtq_f32_s32(s0));
  acc1 = vfmaq_f32(acc1, vdupq_n_f32(d), vcvtq_f32_s32(s1));
}

static inline float hsum_lanes8(float32x4_t acc0, float32x4_t acc1) {
  float lanes[8];
  vst1q_f32(lanes, acc0);
  vst1q_f32(lanes + 4, acc1);
  return ggml_order::hsum8(lanes);
}

// Bit j of the little-endian 32-bit qh as 0x10 in byte j of lo (j < 16) or hi (j >= 16).
static inline void fifth_bits(const uint8_t* qh, uint8x16_t& lo, uint8x16_t& hi) {
  static constexpr uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t bit = vld1q_u8(kBit), sixteen = vdupq_n_u8(16);
  lo = vandq_u8(vtstq_u8(vcombine_u8(vdup_n_u8(qh[0]), vdup_n_u8(qh[1])), bit), sixteen);
  hi = vandq_u8(vtstq_u8(vcombine_u8(vdup_n_u8(qh[2]), vdup_n_u8(qh[3])), bit), sixteen);
}

// Q8_0: eight lanes of four products per block, fma'd with d_w * d_x (ggml's x86 order).
static float dot_q8_0(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const BlockQ8_0*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_0*>(x);
  float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
  for (int64_t i = 0; i < k / kQK; ++i)
    fma_lanes8(acc0, acc1, fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d), vld1q_s8(a[i].qs), vld1q_s8(a[i].qs + 16), b[i].qs);
  return hsum_lanes8(acc0, acc1);
}

// Q5_0 (kMin false: q - 16, Q8_0 activations), Q4_1 / Q5_1 (kMin true: q + min
// term m_w * s_x summed in block order on the side, Q8_1 activations).
template <class Block, class Act, bool kFifthBit, bool kMin>
static float dot_legacy8(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const Block*>(w);
  const auto* b = reinterpret_cast<const Act*>(x);
  const uint8x16_t low4 = vdupq_n_u8(0xf);
  float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
  float summs = 0;
  for (int64_t i = 0; i < k / kQK; ++i) {
    if constexpr (kMin) summs = std::fma(fp16_to_fp32(a[i].m), fp16_to_fp32(b[i].s), summs);
    const uint8x16_t q = vld1q_u8(a[i].qs);
    uint8x16_t lo = vandq_u8(q, low4), hi = vshrq_n_u8(q, 4);
    if constexpr (kFifthBit) {
      uint8x16_t flo, fhi;
      fifth_bits(a[i].qh, flo, fhi);
      lo = vorrq_u8(lo, flo);
      hi = vorrq_u8(hi, fhi);
    }
    int8x16_t w0 = vreinterpretq_s8_u8(lo), w1 = vreinterpretq_s8_u8(hi);
    if constexpr (!kMin) {
      w0 = vsubq_s8(w0, vdupq_n_s8(16));
      w1 = vsubq_s8(w1, vdupq_n_s8(16));
    }
    fma_lanes8(acc0, acc1, fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d), w0, w1, b[i].qs);
  }
  return kMin ? hsum_lanes8(acc0, acc1) + summs : hsum_lanes8(acc0, acc1);
}

// Q2_K / Q3_K: 16 sub-blocks of 16; weight 16 sb + l has its 2 low bits at
// bits `shift` of qs[32 half + off + l] (half = sb / 8, shift = 2 ((sb / 2) % 4),
// off = 16 (sb % 2)).
static inline uint8x16_t two_bits(const uint8_t* qs, int sb) {
  const uint8x16_t v = vld1q_u8(qs + 32 * (sb / 8) + 16 * (sb % 2));
  const int shift = 2 * ((sb / 2) % 4);
  return vandq_u8(vshlq_u8(v, vdupq_n_s8(static_cast<int8_t>(-shift))), vdupq_n_u8(3));
}

static float dot_q2_K(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const BlockQ2_K*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    int32_t summs = 0, isum = 0;
    for (int j = 0; j < 16; ++j) summs += b[i].bsums[j] * (a[i].scales[j] >> 4);
    for (int sb = 0; sb < 16; ++sb)
      isum += (a[i].scales[sb] & 0xf) * dot16(vreinterpretq_s8_u8(two_bits(a[i].qs, sb)), b[i].qs + 16 * sb);
    const float dall = b[i].d * fp16_to_fp32(a[i].d);
    const float dmin = b[i].d * fp16_to_fp32(a[i].dmin);
    sumf += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sumf;
}

static float dot_q3_K(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const BlockQ3_K*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_K*>(x);
  float sumf = 0;
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    int32_t isum = 0;
    for (int sb = 0; sb < 16; ++sb) {
      // high bit of weight 16 sb + l: bit sb / 2 of hmask[16 (sb % 2) + l]; clear means q - 4
      const uint8x16_t hm = vld1q_u8(a[i].hmask + 16 * (sb % 2));
      const uint8x16_t clear = vceqq_u8(vandq_u8(hm, vdupq_n_u8(static_cast<uint8_t>(1u << (sb / 2)))), vdupq_n_u8(0));
      const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(two_bits(a[i].qs, sb)), vreinterpretq_s8_u8(vandq_u8(clear, vdupq_n_u8(4))));
      isum += q3_K_scale(a[i].scales, sb) * dot16(q, b[i].qs + 16 * sb);
    }
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    sumf += d * static_cast<float>(isum);
  }
  return sumf;
}

// Q4_K / Q5_K: integer sums per super-block, as the reference's vec_dot_k4.
template <class Block, bool kFifthBit>
static float dot_k4(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const Block*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_K*>(x);
  const uint8x16_t low4 = vdupq_n_u8(0xf);
  float sumf = 0;
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    int32_t isum = 0, summs = 0;
    uint8x16_t qh0 = vdupq_n_u8(0), qh1 = vdupq_n_u8(0);
    if constexpr (kFifthBit) {
      qh0 = vld1q_u8(a[i].qh);
      qh1 = vld1q_u8(a[i].qh + 16);
    }
    for (int p = 0; p < 4; ++p) {  // sub-blocks 2p (low nibbles) and 2p+1 (high nibbles)
      const uint8x16_t q0 = vld1q_u8(a[i].qs + 32 * p), q1 = vld1q_u8(a[i].qs + 32 * p + 16);
      uint8x16_t l0 = vandq_u8(q0, low4), l1 = vandq_u8(q1, low4);
      uint8x16_t h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
      if constexpr (kFifthBit) {  // bit 2p of qh[l] for the low sub-block, 2p+1 for the high one
        const uint8x16_t bl = vdupq_n_u8(static_cast<uint8_t>(1u << (2 * p))), bh = vdupq_n_u8(static_cast<uint8_t>(2u << (2 * p)));
        l0 = vorrq_u8(l0, vandq_u8(vceqq_u8(vandq_u8(qh0, bl), bl), vdupq_n_u8(16)));
        l1 = vorrq_u8(l1, vandq_u8(vceqq_u8(vandq_u8(qh1, bl), bl), vdupq_n_u8(16)));
        h0 = vorrq_u8(h0, vandq_u8(vceqq_u8(vandq_u8(qh0, bh), bh), vdupq_n_u8(16)));
        h1 = vorrq_u8(h1, vandq_u8(vceqq_u8(vandq_u8(qh1, bh), bh), vdupq_n_u8(16)));
      }
      const int8_t* q8 = b[i].qs + 64 * p;
      uint8_t sc, m;
      get_scale_min_k4(2 * p, a[i].scales, &sc, &m);
      isum += sc * dot32(vreinterpretq_s8_u8(l0), vreinterpretq_s8_u8(l1), q8);
      summs += m * (b[i].bsums[4 * p] + b[i].bsums[4 * p + 1]);
      get_scale_min_k4(2 * p + 1, a[i].scales, &sc, &m);
      isum += sc * dot32(vreinterpretq_s8_u8(h0), vreinterpretq_s8_u8(h1), q8 + 32);
      summs += m * (b[i].bsums[4 * p + 2] + b[i].bsums[4 * p + 3]);
    }
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    const float dmin = fp16_to_fp32(a[i].dmin) * b[i].d;
    sumf += d * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sumf;
}

// Q6_K: sixteen sub-block sums per super-block, as the reference.
static float dot_q6_K(int64_t k, const uint8_t* w, const uint8_t* x) {
  const auto* a = reinterpret_cast<const BlockQ6_K*>(w);
  const auto* b = reinterpret_cast<const BlockQ8_K*>(x);
  const uint8x16_t low4 = vdupq_n_u8(0xf), three = vdupq_n_u8(3);
  const int8x16_t bias = vdupq_n_s8(32);
  float sumf = 0;
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    int32_t isum = 0;
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = a[i].ql + 64 * h;
      const uint8_t* qh = a[i].qh + 32 * h;
      const int8_t* q8 = b[i].qs + 128 * h;
      for (int v = 0; v < 2; ++v) {  // weights 128h + 32j + 16v .. +15, sub-block 8h + 2j + v
        const uint8x16_t la = vld1q_u8(ql + 16 * v), lb = vld1q_u8(ql + 32 + 16 * v), hb = vld1q_u8(qh + 16 * v);
        const uint8x16_t u[4] = {
            vorrq_u8(vandq_u8(la, low4), vshlq_n_u8(vandq_u8(hb, three), 4)),
            vorrq_u8(vandq_u8(lb, low4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), three), 4)),
            vorrq_u8(vshrq_n_u8(la, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), three), 4)),
            vorrq_u8(vshrq_n_u8(lb, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
        };
        for (int j = 0; j < 4; ++j) {
          const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(u[j]), bias);
          isum += a[i].scales[8 * h + 2 * j + v] * dot16(q, q8 + 32 * j + 16 * v);
        }
      }
    }
    const float d = fp16_to_fp32(a[i].d) * b[i].d;
    sumf += d * static_cast<float>(isum);
  }
  return sumf;
}

using DotFn = float (*)(int64_t, const uint8_t*, const uint8_t*);

// One row and one token at a time (the quantized types sum the same way for batches).
template <DotFn Dot>
static void run_rows(const GemmArgs& a) {
  for (int64_t r = a.r0; r < a.r1; ++r) {
    const uint8_t* row = a.w + static_cast<size_t>(r) * a.w_stride;
    for (int64_t t = 0; t < a.n; ++t) a.y[t * a.ldy + r] = Dot(a.k, row, a.x + static_cast<size_t>(t) * a.x_stride);
  }
}

static const Gemm* neon_gemm(formats::GgmlType type) {
  using formats::GgmlType;
  static const Gemm q8_0{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_q8_0>, kTarget};
  static const Gemm q4_0{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_q4_0>, kTarget};
  static const Gemm q4_K{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_k4<BlockQ4_K, false>>, kTarget};
  static const Gemm q5_K{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_k4<BlockQ5_K, true>>, kTarget};
  static const Gemm q6_K{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_q6_K>, kTarget};
  static const Gemm q5_0{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_legacy8<BlockQ5_0, BlockQ8_0, true, false>>, kTarget};
  static const Gemm q4_1{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_legacy8<BlockQ4_1, BlockQ8_1, false, true>>, kTarget};
  static const Gemm q5_1{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_legacy8<BlockQ5_1, BlockQ8_1, true, true>>, kTarget};
  static const Gemm q2_K{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_q2_K>, kTarget};
  static const Gemm q3_K{detail::scalar_act_bytes, detail::scalar_quantize, run_rows<dot_q3_K>, kTarget};
  switch (type) {
    case GgmlType::Q8_0: return &q8_0;
    case GgmlType::Q4_0: return &q4_0;
    case GgmlType::Q4_K: return &q4_K;
    case GgmlType::Q5_K: return &q5_K;
    case GgmlType::Q6_K: return &q6_K;
    case GgmlType::Q5_0: return &q5_0;
    case GgmlType::Q4_1: return &q4_1;
    case GgmlType::Q5_1: return &q5_1;
    case GgmlType::Q2_K: return &q2_K;
    case GgmlType::Q3_K: return &q3_K;
    default: return nullptr;
  }
}
