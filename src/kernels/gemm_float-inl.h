// F32, F16 and BF16 weights times activations of the same type, for one SIMD
// target (included after float_kernels-inl.h, whose 16-lane V16 and blocked64
// it uses, by x86/float_ops.cpp and arm/float_ops_neon.cpp). The sums are the reference's (ggml_order.h), lane for
// lane, so results are bit-identical to vec_dot / vec_dot_batch:
// - F32/F16, one token (or rows not a multiple of 16 long): blocked64 per row,
//   then the reference's scalar leftovers;
// - F32/F16 prompt batches, and BF16 always (rows a multiple of 16 long): one
//   16-lane accumulator per (row, token), tiled so each weight load serves
//   several tokens.

// The reference's scalar leftovers past the last multiple of 64 come from ggml_order.
struct WF32 {
  using Elem = float;
  using Load = LoadF32;
  static constexpr bool kLanes16Always = false;
  static float leftovers(const float* w, const float* x, int64_t np, int64_t n, float blocked) {
    return ggml_order::dot_f32_tail(w, x, np, n, blocked);
  }
};

struct WF16 {
  using Elem = uint16_t;
  using Load = LoadF16;
  static constexpr bool kLanes16Always = false;
  static float leftovers(const uint16_t* w, const uint16_t* x, int64_t np, int64_t n, float blocked) {
    return ggml_order::dot_f16_tail(w, x, np, n, blocked);
  }
};

struct WBF16 {
  using Elem = uint16_t;
  using Load = LoadBF16;
  static constexpr bool kLanes16Always = true;
};

// One dot in the reference's one-token order (BF16: rows not a multiple of 16 long).
template <class W>
static float float_dot_one(const uint8_t* w, const uint8_t* x, int64_t k) {
  const auto* a = reinterpret_cast<const typename W::Elem*>(w);
  const auto* b = reinterpret_cast<const typename W::Elem*>(x);
  if constexpr (W::kLanes16Always) {
    return ggml_order::dot_bf16(a, b, k);
  } else {
    const int64_t np = k & ~int64_t{63};
    return W::leftovers(a, b, np, k, blocked64(np, typename W::Load{a}, typename W::Load{b}));
  }
}

template <class W, int R, int T>
static void float_tile(const GemmArgs& a, int64_t r, int64_t t) {
  typename W::Load w[R], x[T];
  #pragma GCC unroll 8
  for (int i = 0; i < R; ++i) w[i] = {reinterpret_cast<const typename W::Elem*>(a.w + static_cast<size_t>(r + i) * a.w_stride)};
  #pragma GCC unroll 8
  for (int j = 0; j < T; ++j) x[j] = {reinterpret_cast<const typename W::Elem*>(a.x + static_cast<size_t>(t + j) * a.x_stride)};
  V16 acc[R][T];
  #pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 8
    for (int j = 0; j < T; ++j) acc[i][j] = V16::zero();
  for (int64_t e = 0; e < a.k; e += 16) {
    V16 wv[R];
    #pragma GCC unroll 8
    for (int i = 0; i < R; ++i) wv[i] = w[i](e);
    #pragma GCC unroll 8
    for (int j = 0; j < T; ++j) {
      const V16 xv = x[j](e);
      #pragma GCC unroll 8
      for (int i = 0; i < R; ++i) acc[i][j] = fma(wv[i], xv, acc[i][j]);
    }
  }
  #pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 8
    for (int j = 0; j < T; ++j) a.y[(t + j) * a.ldy + r + i] = reduce_add16(acc[i][j]);
}

template <class W>
static void float_run(const GemmArgs& a) {
  if ((!a.batch && !W::kLanes16Always) || a.k % 16 != 0) {
    for (int64_t r = a.r0; r < a.r1; ++r)
      for (int64_t t = 0; t < a.n; ++t)
        a.y[t * a.ldy + r] = float_dot_one<W>(a.w + static_cast<size_t>(r) * a.w_stride, a.x + static_cast<size_t>(t) * a.x_stride, a.k);
    return;
  }
  // Registers: R x T accumulators of 16 lanes (the target's V16 says how many fit).
  constexpr int kR = kFloatTileR, kT = kFloatTileT;
  constexpr int64_t kChunk = 64;  // tokens whose activations stay in L2 while rows stream past
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk);
    int64_t r = a.r0;
    for (; r + kR <= a.r1; r += kR) {
      int64_t t = c0;
      for (; t + kT <= c1; t += kT) float_tile<W, kR, kT>(a, r, t);
      for (; t < c1; ++t) float_tile<W, kR, 1>(a, r, t);
    }
    for (; r < a.r1; ++r) {
      int64_t t = c0;
      for (; t + kT <= c1; t += kT) float_tile<W, 1, kT>(a, r, t);
      for (; t < c1; ++t) float_tile<W, 1, 1>(a, r, t);
    }
  }
}

template <SimdTarget kTarget>
static const Gemm* float_gemm(formats::GgmlType type) {
  static const Gemm f32{detail::scalar_act_bytes, detail::scalar_quantize, float_run<WF32>, kTarget};
  static const Gemm f16{detail::scalar_act_bytes, detail::scalar_quantize, float_run<WF16>, kTarget};
  static const Gemm bf16{detail::scalar_act_bytes, detail::scalar_quantize, float_run<WBF16>, kTarget};
  switch (type) {
    case formats::GgmlType::F32: return &f32;
    case formats::GgmlType::F16: return &f16;
    case formats::GgmlType::BF16: return &bf16;
    default: return nullptr;
  }
}
