// The 16-lane float vector V16 the shared float kernels
// (kernels/float_kernels-inl.h, kernels/gemm_float-inl.h) are written in, on
// AArch64: four NEON registers. reduce_add16 and expf16 take ggml's exact
// steps (kernels/ggml_order.h), so results are bit-identical to the reference.

struct V16 {
  float32x4_t q[4];
  static V16 zero() { return set1(0.0f); }
  static V16 set1(float x) { return {{vdupq_n_f32(x), vdupq_n_f32(x), vdupq_n_f32(x), vdupq_n_f32(x)}}; }
  // Loads through bytes: operands sit at any address inside a file mapping.
  static V16 load(const float* p) {
    const auto* b = reinterpret_cast<const uint8_t*>(p);
    return {{vreinterpretq_f32_u8(vld1q_u8(b)), vreinterpretq_f32_u8(vld1q_u8(b + 16)), vreinterpretq_f32_u8(vld1q_u8(b + 32)),
             vreinterpretq_f32_u8(vld1q_u8(b + 48))}};
  }
  static V16 load_f16(const uint16_t* p) {
    const auto* b = reinterpret_cast<const uint8_t*>(p);
    V16 r;
    for (int k = 0; k < 4; ++k) r.q[k] = vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(b + 8 * k)));
    return r;
  }
  static V16 load_bf16(const uint16_t* p) {
    const auto* b = reinterpret_cast<const uint8_t*>(p);
    V16 r;
    for (int k = 0; k < 4; ++k) r.q[k] = vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(b + 8 * k)), 16));
    return r;
  }
  void store(float* p) const {
    for (int k = 0; k < 4; ++k) vst1q_f32(p + 4 * k, q[k]);
  }
  // Each lane rounded to half and back (round to nearest even: for finite values what fp32_to_fp16 gives).
  V16 round_f16() const {
    V16 r;
    for (int k = 0; k < 4; ++k) r.q[k] = vcvt_f32_f16(vcvt_f16_f32(q[k]));
    return r;
  }
};

template <class Op>
static inline V16 lanewise(V16 a, V16 b, Op op) {
  return {{op(a.q[0], b.q[0]), op(a.q[1], b.q[1]), op(a.q[2], b.q[2]), op(a.q[3], b.q[3])}};
}
struct AddOp {
  float32x4_t operator()(float32x4_t a, float32x4_t b) const { return vaddq_f32(a, b); }
};
struct SubOp {
  float32x4_t operator()(float32x4_t a, float32x4_t b) const { return vsubq_f32(a, b); }
};
struct MulOp {
  float32x4_t operator()(float32x4_t a, float32x4_t b) const { return vmulq_f32(a, b); }
};
struct DivOp {
  float32x4_t operator()(float32x4_t a, float32x4_t b) const { return vdivq_f32(a, b); }
};
static inline V16 operator+(V16 a, V16 b) { return lanewise(a, b, AddOp{}); }
static inline V16 operator-(V16 a, V16 b) { return lanewise(a, b, SubOp{}); }
static inline V16 operator*(V16 a, V16 b) { return lanewise(a, b, MulOp{}); }
static inline V16 operator/(V16 a, V16 b) { return lanewise(a, b, DivOp{}); }
// a * b + c, fused (std::fma(a, b, c) per lane).
static inline V16 fma(V16 a, V16 b, V16 c) {
  return {{vfmaq_f32(c.q[0], a.q[0], b.q[0]), vfmaq_f32(c.q[1], a.q[1], b.q[1]), vfmaq_f32(c.q[2], a.q[2], b.q[2]),
           vfmaq_f32(c.q[3], a.q[3], b.q[3])}};
}

// Float tiles of R rows x T tokens: four registers per accumulator in 32.
constexpr int kFloatTileR = 2, kFloatTileT = 2;

static inline float reduce_add16(V16 a) {
  float lanes[16];
  a.store(lanes);
  return ggml_order::reduce_add16(lanes);
}

// out[p] = reduce_add16(s[p]) for eight vectors (x86 reduces them together).
struct Reduce8 {
  float r[8];
  void put(int p, V16 s) { r[p] = reduce_add16(s); }
  void store(float* out) const {
    for (int p = 0; p < 8; ++p) out[p] = r[p];
  }
};

// 2^n as doubles for two exponents (|n| <= 192).
static inline float64x2_t pow2(int32x2_t n) {
  return vreinterpretq_f64_s64(vshlq_n_s64(vaddq_s64(vmovl_s32(n), vdupq_n_s64(1023)), 52));
}

// ggml_order::expf on four lanes; ldexp(j, n) with one rounding: exact in double, then rounded to float once.
static inline float32x4_t expf4(float32x4_t x) {
  const float32x4_t r = vdupq_n_f32(0x1.8p23f);
  const float32x4_t z = vfmaq_f32(r, x, vdupq_n_f32(0x1.715476p+0f));
  const float32x4_t n = vsubq_f32(z, r);
  const float32x4_t b = vfmsq_f32(vfmsq_f32(x, n, vdupq_n_f32(0x1.62e4p-1f)), n, vdupq_n_f32(0x1.7f7d1cp-20f));
  const float32x4_t u = vmulq_f32(b, b);
  const float32x4_t j = vfmaq_f32(vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(0x1.ffffecp-1f), b),
                                  vfmaq_f32(vfmaq_f32(vdupq_n_f32(0x1.fffdb6p-2f), vdupq_n_f32(0x1.555e66p-3f), b), u,
                                            vfmaq_f32(vdupq_n_f32(0x1.573e2ep-5f), vdupq_n_f32(0x1.0e4020p-7f), b)),
                                  u);
  const uint32x4_t big = vcagtq_f32(n, vdupq_n_f32(192.0f));
  const int32x4_t ni = vcvtq_s32_f32(vbslq_f32(big, vdupq_n_f32(0.0f), n));  // n is integral: exact
  const float32x2_t lo = vcvt_f32_f64(vmulq_f64(vcvt_f64_f32(vget_low_f32(j)), pow2(vget_low_s32(ni))));
  const float32x4_t s = vcvt_high_f32_f64(lo, vmulq_f64(vcvt_high_f64_f32(j), pow2(vget_high_s32(ni))));
  const float32x4_t sat = vbslq_f32(vclezq_f32(n), vdupq_n_f32(0.0f), vdupq_n_f32(INFINITY));
  return vbslq_f32(big, sat, s);
}
static inline V16 expf16(V16 x) { return {{expf4(x.q[0]), expf4(x.q[1]), expf4(x.q[2]), expf4(x.q[3])}}; }
