// Legacy block types (Q4_0, Q5_0, Q8_0 with Q8_0 activations; Q4_1, Q5_1 with
// Q8_1) for one x86 target (included by gemm_legacy.cpp per target).
//
// Every (row, token) output keeps ggml's x86 lane structure: 8 float lanes,
// lane l accumulating, block by block, fma(d_w * d_x, (integer sum of products
// 4l .. 4l+3), lane), then hsum_float_8 (Q4_1/Q5_1: plus the min terms
// m_w * s_x, summed in block order on the side). For Q8_0, Q5_0, Q4_1 and
// Q5_1 this is the reference order (vec_dot_ref.cpp), so results are
// bit-identical; Q4_0's
// reference sums whole blocks (legacy_tile8 below), so decode differs from it
// by rounding only.
//
// Tiles of R rows x T tokens share each unpacked weight block across T tokens
// and each activation block across R rows.

// Weight blocks: kBytes per block, fp16 d at 0 (and fp16 m at 2 when kHasMin);
// load() gives the 32 stored quants, unsigned, in weight order.
static inline __m256i unpack_nibbles(const uint8_t* qs) {
  // The 16 bytes broadcast by the load, the high half shifted by 4: two
  // operations, where shifting a copy and inserting it took three.
  const __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  return _mm256_and_si256(_mm256_srlv_epi64(q, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0f));
}

// Bit j of the 32-bit little-endian qh as 0x10 in byte j.
static inline __m256i fifth_bits(const uint8_t* qh_ptr) {
  uint32_t qh;
  std::memcpy(&qh, qh_ptr, 4);
#if HEFT_AVX512
  return _mm256_maskz_set1_epi8(static_cast<__mmask32>(qh), 0x10);
#else
  // Spread bit j of qh to byte j: byte j of the broadcast word, or-ed with all bits but j's, is 0xff iff set.
  const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(qh)), shuf);
  bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
  return _mm256_and_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
#endif
}

// Decode's Q4_0 weights with VNNI: the block's 16 bytes in both halves, low
// nibbles kept in the low half and high nibbles in place (16 x their value) in
// the high half. One broadcast load and one and, where unpacking takes a shift,
// an insert and an and; vpdpbusd does not saturate, so 240 * 127 is exact. The
// high half's lanes then hold 16 x the unpacked lanes' sums, exact multiples
// of 16, which q4_0_decode_row shifts back in integers before any rounding.
static inline __m256i nibbles_in_place(const uint8_t* qs) {
  const __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  return _mm256_and_si256(q, _mm256_setr_epi64x(0x0f0f0f0f0f0f0f0f, 0x0f0f0f0f0f0f0f0f, static_cast<int64_t>(0xf0f0f0f0f0f0f0f0),
                                                 static_cast<int64_t>(0xf0f0f0f0f0f0f0f0)));
}

struct WQ4_0 {
  static constexpr bool kHasMin = false;
  static constexpr size_t kBytes = 18;
  static constexpr int kZero = 8;
  static constexpr bool kSigned = false;
  // ggml's (repacked) x86 Q4_0 kernels sum whole blocks: legacy_tile8's order.
  static constexpr bool kWholeBlockSums = true;
  static constexpr bool kHighNibblesInPlace = HEFT_VNNI;  // decode (q4_0_decode_row) loads with nibbles_in_place
  static __m256i load(const uint8_t* b) { return unpack_nibbles(b + 2); }  // 0..15
};

struct WQ4_1 {
  static constexpr bool kHasMin = true;
  static constexpr size_t kBytes = 20;
  static constexpr int kZero = 0;
  static constexpr bool kSigned = false;
  static constexpr bool kWholeBlockSums = false;  // ggml's x86 Q4_1: eight lanes per block
  static constexpr bool kHighNibblesInPlace = false;
  static __m256i load(const uint8_t* b) { return unpack_nibbles(b + 4); }  // 0..15
};

struct WQ5_1 {
  static constexpr bool kHasMin = true;
  static constexpr size_t kBytes = 24;
  static constexpr int kZero = 0;
  static constexpr bool kSigned = false;
  static constexpr bool kWholeBlockSums = false;
  static constexpr bool kHighNibblesInPlace = false;
  static __m256i load(const uint8_t* b) { return _mm256_or_si256(unpack_nibbles(b + 8), fifth_bits(b + 4)); }  // 0..31
};

struct WQ5_0 {
  static constexpr bool kHasMin = false;
  static constexpr size_t kBytes = 22;
  static constexpr int kZero = 16;
  static constexpr bool kSigned = false;
  // ggml's x86 Q5_0 kernels keep eight lanes per block: legacy_tile's order.
  static constexpr bool kWholeBlockSums = false;
  static constexpr bool kHighNibblesInPlace = false;
  static __m256i load(const uint8_t* b) { return _mm256_or_si256(unpack_nibbles(b + 6), fifth_bits(b + 2)); }  // 0..31
};

struct WQ8_0 {
  static constexpr bool kHasMin = false;
  static constexpr size_t kBytes = 34;
  static constexpr int kZero = 128;
  static constexpr bool kSigned = true;
  static constexpr bool kWholeBlockSums = false;
  static constexpr bool kHighNibblesInPlace = false;
  static __m256i load(const uint8_t* b) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
#if HEFT_VNNI
    return _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80)));  // q + 128, unsigned
#else
    return q;
#endif
  }
};

// Q8_0 activations in the planar layout (act_layout.h), rounded as ggml's x86 quantize_row_q8_0;
// with kWithS also Q8_1's s (quantize_row_q8_1: the same quants and d).
template <bool kWithS>
static void quantize_q8(const float* x, uint8_t* dst, int64_t k, int zero) {
  const x86::Q8Layout L = x86::q8_layout(k);
  auto* qs = reinterpret_cast<int8_t*>(dst);
  auto* d = reinterpret_cast<float*>(dst + L.d);
  auto* bias = reinterpret_cast<int32_t*>(dst + L.bias);
  auto* bsum = reinterpret_cast<int32_t*>(dst + L.bsum);
  auto* sx = reinterpret_cast<float*>(dst + L.s);
  for (int64_t b = 0; b < k / 32; ++b) {
    const float* xb = x + 32 * b;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[j]));
    }
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float maxs = _mm_cvtss_f32(m4);
    d[b] = fp16_to_fp32(fp32_to_fp16(maxs / 127.f));
    const __m256 id = _mm256_set1_ps(maxs != 0.0f ? 127.f / maxs : 0.0f);
    __m256i q[4];
    for (int j = 0; j < 4; ++j)
      q[j] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[j], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    // Sums of 4 adjacent quants: horizontal adds of pairs, twice.
    const __m256i s01 = _mm256_hadd_epi32(q[0], q[1]), s23 = _mm256_hadd_epi32(q[2], q[3]);
    __m256i s = _mm256_hadd_epi32(s01, s23);  // groups g0 g2 g4 g6 | g1 g3 g5 g7
    s = _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bias + 8 * b), _mm256_mullo_epi32(s, _mm256_set1_epi32(-zero)));
    const int32_t sum = hsum_i32_8(s);
    bsum[b] = -zero * sum;
    if constexpr (kWithS) sx[b] = fp16_to_fp32(fp32_to_fp16(maxs / 127.f * static_cast<float>(sum)));  // Q8_1's s, from the fp32 d
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 32 * b), p);
  }
}

template <class W, int R, int T>
static void legacy_tile(const GemmArgs& a, int64_t r, int64_t t) {
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const uint8_t* wr[R];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i) wr[i] = a.w + static_cast<size_t>(r + i) * a.w_stride;
  const int8_t* xq[T];
  const float* xd[T];
  const int32_t* xb[T];
  const float* xs[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) {
    const uint8_t* row = a.x + static_cast<size_t>(t + j) * a.x_stride;
    xq[j] = reinterpret_cast<const int8_t*>(row);
    xd[j] = reinterpret_cast<const float*>(row + L.d);
    xb[j] = reinterpret_cast<const int32_t*>(row + L.bias);
    xs[j] = reinterpret_cast<const float*>(row + L.s);
  }
  __m256 acc[R][T];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) acc[i][j] = _mm256_setzero_ps();
  float summs[R][T] = {};  // Q4_1/Q5_1: the min terms, in block order
  for (int64_t b = 0; b < nb; ++b) {
    __m256i wv[R];
    __m256 dw[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const uint8_t* blk = wr[i] + static_cast<size_t>(b) * W::kBytes;
      if constexpr (R == 1 && T == 1) prefetch_ahead(blk, W::kBytes);  // decode (run_decode)
      wv[i] = W::load(blk);
      dw[i] = fp16_splat(blk);
      if constexpr (W::kHasMin) {
        const float m = fp16_scalar(blk + 2);
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) summs[i][j] = std::fma(m, xs[j][b], summs[i][j]);
      }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[j] + 32 * b));
      const __m256 dx = _mm256_set1_ps(xd[j][b]);
      if constexpr (W::kSigned && !HEFT_VNNI) {
        #pragma GCC unroll 16
        for (int i = 0; i < R; ++i) {
          const __m256i s = dot4(_mm256_setzero_si256(), _mm256_sign_epi8(wv[i], wv[i]), _mm256_sign_epi8(xv, wv[i]));
          acc[i][j] = _mm256_fmadd_ps(_mm256_mul_ps(dw[i], dx), _mm256_cvtepi32_ps(s), acc[i][j]);
        }
      } else {
        const __m256i bias = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[j] + 8 * b));
        #pragma GCC unroll 16
        for (int i = 0; i < R; ++i) {
          const __m256i s = dot4(bias, wv[i], xv);
          acc[i][j] = _mm256_fmadd_ps(_mm256_mul_ps(dw[i], dx), _mm256_cvtepi32_ps(s), acc[i][j]);
        }
      }
    }
  }
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) a.y[(t + j) * a.ldy + r + i] = W::kHasMin ? hsum8(acc[i][j]) + summs[i][j] : hsum8(acc[i][j]);
}

// Prompt batches of Q4_0, whose ggml order is whole-block sums: 8 rows
// x T tokens, lane i of each register belonging to row r + i. Each row's
// unpacked block is transposed in registers so that register k holds bytes
// 4k .. 4k+3 of all eight rows; a broadcast of the token's 4 activation bytes
// then accumulates whole block dots per lane (vpdpbusd), and the float work
// (convert, scale, accumulate) is done once per 8 rows, not once per row.
// Rows past r_end repeat the last row and are not stored, so every output is
// computed the same way wherever a caller's row range starts or ends.
static inline __m128i insert16(__m128i v, uint16_t x, int i) {
  switch (i) {
    case 0: return _mm_insert_epi16(v, x, 0);
    case 1: return _mm_insert_epi16(v, x, 1);
    case 2: return _mm_insert_epi16(v, x, 2);
    case 3: return _mm_insert_epi16(v, x, 3);
    case 4: return _mm_insert_epi16(v, x, 4);
    case 5: return _mm_insert_epi16(v, x, 5);
    case 6: return _mm_insert_epi16(v, x, 6);
    default: return _mm_insert_epi16(v, x, 7);
  }
}

template <class W, int T>
static void legacy_tile8(const GemmArgs& a, int64_t r, int64_t r_end, int64_t t) {
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  const uint8_t* xrow[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xrow[j] = a.x + static_cast<size_t>(t + j) * a.x_stride;
  __m256 acc[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m256i v[8];
    __m128i h = _mm_setzero_si128();  // the eight fp16 scales (inserted, not stored and reloaded: no store forwarding stall)
    for (int i = 0; i < 8; ++i) {
      const uint8_t* blk = wr[i] + static_cast<size_t>(b) * W::kBytes;
      v[i] = W::load(blk);
      uint16_t d;
      std::memcpy(&d, blk, 2);
      h = insert16(h, d, i);
    }
    const __m256 dw = _mm256_cvtph_ps(h);
    __m256i g[8];
    transpose8x8_epi32(v, g);
    // T independent dependency chains, interleaved (vpdpbusd has a latency of several cycles).
    __m256i s[T];
#pragma GCC unroll 16
    for (int j = 0; j < T; ++j) s[j] = _mm256_set1_epi32(reinterpret_cast<const int32_t*>(xrow[j] + L.bsum)[b]);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
#pragma GCC unroll 16
      for (int j = 0; j < T; ++j) {
        int32_t x4;
        std::memcpy(&x4, xrow[j] + 32 * b + 4 * k, 4);
        s[j] = dot4(s[j], g[k], _mm256_set1_epi32(x4));
      }
    }
#pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const float dx = reinterpret_cast<const float*>(xrow[j] + L.d)[b];
      acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(dx)), _mm256_cvtepi32_ps(s[j]), acc[j]);
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, acc[j], live);
}

// Decode (one token) of Q4_0 rows, eight blocks at a time: each block's
// vpdpbusd leaves 8 lanes of partial sums, eight such registers reduce in
// integers (exact) to one register of eight block sums, and the float work
// (fp16 scales, their products, convert, fma) is done once per eight blocks,
// not once per block. Lane l accumulates blocks l, l + 8, ...; hsum8 at the
// end. The same steps on every x86 target (the integer sums are exact), so
// every target gives the same bits.
static HEFT_HOT_INLINE __m256i q4_0_quants(const uint8_t* blk) {
  if constexpr (WQ4_0::kHighNibblesInPlace) return nibbles_in_place(blk + 2);
  return WQ4_0::load(blk);
}

// The eight blocks' sums from their dot4 partials s[0..7]: low halves plus
// high halves (16 x their sums when the high nibbles stay in place; exact, so
// the arithmetic shift is too).
static HEFT_HOT_INLINE __m256i q4_0_block_sums(const __m256i s[8]) {
  __m256i lo, hi;
  sums8_by_half(s, lo, hi);
  return _mm256_add_epi32(lo, WQ4_0::kHighNibblesInPlace ? _mm256_srai_epi32(hi, 4) : hi);
}

// The fp16 scales of the eight blocks from g (18 bytes apart).
static HEFT_HOT_INLINE __m256 q4_0_scales8(const uint8_t* g) {
#if HEFT_AVX512
  // GCC 12's _mm512_castsi512_si128 extracts from an "undefined" register,
  // which -Wuninitialized reports wherever it is inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
  // Words 0, 9, ..., 63 of the group's first 128 bytes (its 144 bytes hold them).
  alignas(64) static constexpr uint16_t kIdx[32] = {0, 9, 18, 27, 36, 45, 54, 63};
  const __m512i lo = _mm512_loadu_si512(g), hi = _mm512_loadu_si512(g + 64);
  return _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(lo, _mm512_load_si512(kIdx), hi)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#else
  // Block i's scale is at byte 18i: in the 32-byte register i / 2, at word i of
  // its 128-bit lane (lane 0 for even i, 1 for odd). Three word blends gather
  // the lanes' words, one more merges the lanes: five operations, not eight
  // inserts of eight loads.
  const auto reg = [&](int k) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + 32 * k)); };
  __m256i t = _mm256_blend_epi16(reg(0), reg(1), 0x0c);
  t = _mm256_blend_epi16(t, reg(2), 0x30);
  t = _mm256_blend_epi16(t, reg(3), 0xc0);
  return _mm256_cvtph_ps(_mm_blend_epi16(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1), 0xaa));
#endif
}

// Blocks b0 .. b0 + 7 of row w into acc. The zero point comes in once per
// block sum (the activation row's bsum: -8 x the block's quant sum), not as a
// per-lane bias: one load per eight blocks instead of one per block.
static HEFT_HOT_INLINE __m256 q4_0_decode_group(const uint8_t* w, const int8_t* xq, const float* xd, const int32_t* xbsum, int64_t b0,
                                       __m256 acc) {
  __m256i s[8];
  #pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    const int64_t b = b0 + j;
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * b));
    s[j] = dot4(_mm256_setzero_si256(), q4_0_quants(w + static_cast<size_t>(b) * WQ4_0::kBytes), xv);
  }
  const __m256i sums = _mm256_add_epi32(q4_0_block_sums(s), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xbsum + b0)));
  const __m256 dw = q4_0_scales8(w + static_cast<size_t>(b0) * WQ4_0::kBytes);
  return _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(xd + b0)), _mm256_cvtepi32_ps(sums), acc);
}

// The exact sum of block b of row w (a block past the last whole group).
static inline int32_t q4_0_block_sum(const uint8_t* w, const int8_t* xq, const int32_t* xbsum, int64_t b) {
  const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * b));
  __m256i s = dot4(_mm256_setzero_si256(), q4_0_quants(w + static_cast<size_t>(b) * WQ4_0::kBytes), xv);
  if constexpr (WQ4_0::kHighNibblesInPlace) s = _mm256_srav_epi32(s, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4));
  return hsum_i32_8(s) + xbsum[b];
}

static void q4_0_decode_row(const GemmArgs& a, int64_t r, int64_t t) {
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const uint8_t* row = a.x + static_cast<size_t>(t) * a.x_stride;
  const int8_t* xq = reinterpret_cast<const int8_t*>(row);
  const float* xd = reinterpret_cast<const float*>(row + L.d);
  const int32_t* xbsum = reinterpret_cast<const int32_t*>(row + L.bsum);
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  __m256 acc = _mm256_setzero_ps();
  int64_t b0 = 0;
  for (; b0 + 8 <= nb; b0 += 8) {
    prefetch_ahead(w + static_cast<size_t>(b0) * WQ4_0::kBytes, 8 * WQ4_0::kBytes);
    acc = q4_0_decode_group(w, xq, xd, xbsum, b0, acc);
  }
  if (b0 < nb) prefetch_ahead(w + static_cast<size_t>(b0) * WQ4_0::kBytes, static_cast<size_t>(nb - b0) * WQ4_0::kBytes);
  float tail = 0.0f;  // blocks past the last group, one by one
  for (; b0 < nb; ++b0)
    tail = std::fma(fp16_scalar(w + static_cast<size_t>(b0) * WQ4_0::kBytes) * xd[b0],
                    static_cast<float>(q4_0_block_sum(w, xq, xbsum, b0)), tail);
  a.y[t * a.ldy + r] = hsum8(acc) + tail;
}

// q4_0_decode_row for T tokens at once (a server's step): each group's
// weights are unpacked once and dotted with every token's activations; each
// token's integer sums, scales and accumulator steps are exactly
// q4_0_decode_row's, so its output is bit-identical to its decode alone.
template <int T>
static void q4_0_decode_tile(const GemmArgs& a, int64_t r, int64_t t0) {
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const int8_t* xq[T];
  const float* xd[T];
  const int32_t* xbsum[T];
  for (int j = 0; j < T; ++j) {
    const uint8_t* row = a.x + static_cast<size_t>(t0 + j) * a.x_stride;
    xq[j] = reinterpret_cast<const int8_t*>(row);
    xd[j] = reinterpret_cast<const float*>(row + L.d);
    xbsum[j] = reinterpret_cast<const int32_t*>(row + L.bsum);
  }
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  __m256 acc[T];
  for (int j = 0; j < T; ++j) acc[j] = _mm256_setzero_ps();
  int64_t b0 = 0;
  for (; b0 + 8 <= nb; b0 += 8) {
    __m256i wq[8];
    #pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) wq[i] = q4_0_quants(w + static_cast<size_t>(b0 + i) * WQ4_0::kBytes);
    const __m256 dw = q4_0_scales8(w + static_cast<size_t>(b0) * WQ4_0::kBytes);
    for (int j = 0; j < T; ++j) {
      __m256i s[8];
      #pragma GCC unroll 8
      for (int i = 0; i < 8; ++i)
        s[i] = dot4(_mm256_setzero_si256(), wq[i], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[j] + 32 * (b0 + i))));
      const __m256i sums = _mm256_add_epi32(q4_0_block_sums(s), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xbsum[j] + b0)));
      acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(xd[j] + b0)), _mm256_cvtepi32_ps(sums), acc[j]);
    }
  }
  for (int j = 0; j < T; ++j) {
    float tail = 0.0f;
    for (int64_t b = b0; b < nb; ++b)
      tail = std::fma(fp16_scalar(w + static_cast<size_t>(b) * WQ4_0::kBytes) * xd[j][b],
                      static_cast<float>(q4_0_block_sum(w, xq[j], xbsum[j], b)), tail);
    a.y[(t0 + j) * a.ldy + r] = hsum8(acc[j]) + tail;
  }
}

template <class W>
static void legacy_run8(const GemmArgs& a) {
  constexpr int kT = HEFT_AVX512 ? 8 : 4;
  constexpr int64_t kChunk = 96;  // tokens whose activations stay in L2 while rows stream past
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk);
    for (int64_t r = a.r0; r < a.r1; r += 8) {
      int64_t t = c0;
      for (; t + kT <= c1; t += kT) legacy_tile8<W, kT>(a, r, a.r1, t);
      for (; t < c1; ++t) legacy_tile8<W, 1>(a, r, a.r1, t);
    }
  }
}

// Prompt batches of Q4_0 on AVX2/AVX-VNNI, in legacy_tile8's order, from
// rows packed once per token chunk: each group of 8 rows is unpacked and
// transposed into a thread-local buffer (block b, register k: bytes 4k..4k+3
// of the 8 rows' quants, 0..15; then the 8 rows' scales as floats), which every
// token of the chunk reads. A token's block is then 8 vpmaddubsw of a
// broadcast activation dword, summed in int16 (at most 16 products of 15 x
// 127: no overflow) and widened once; with VNNI, 8 vpdpbusd. Transposing in
// registers per tile (legacy_tile8) cost 24 shuffles per 8 rows per 4 tokens,
// and int32 sums three operations per 4 bytes instead of two.
struct Packed8 {
  uint8_t* qs;  // (nb, 8 registers, 32 bytes)
  float* d;     // (nb, 8 rows)
};

static Packed8 pack_q4_0_rows8(const GemmArgs& a, int64_t r, int64_t r_end) {
  const int64_t nb = a.k / 32;
  struct alignas(32) Reg {
    uint8_t bytes[32];
  };
  thread_local std::vector<Reg> buf;
  const size_t need = static_cast<size_t>(nb) * 9;  // 8 registers of quants + one of scales per block
  if (buf.size() < need) buf.resize(need);
  Packed8 p{reinterpret_cast<uint8_t*>(buf.data()), reinterpret_cast<float*>(buf.data() + nb * 8)};
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  for (int64_t b = 0; b < nb; ++b) {
    __m256i v[8], g[8];
    __m128i h = _mm_setzero_si128();
    for (int i = 0; i < 8; ++i) {
      const uint8_t* blk = wr[i] + static_cast<size_t>(b) * WQ4_0::kBytes;
      v[i] = WQ4_0::load(blk);
      uint16_t d;
      std::memcpy(&d, blk, 2);
      h = insert16(h, d, i);
    }
    transpose8x8_epi32(v, g);
    for (int k = 0; k < 8; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(p.qs + 256 * b + 32 * k), g[k]);
    _mm256_store_ps(p.d + 8 * b, _mm256_cvtph_ps(h));
  }
  return p;
}

template <int T>
static void q4_0_tile_packed(const GemmArgs& a, const Packed8& p, int64_t r, int64_t r_end, int64_t t) {
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const uint8_t* xrow[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xrow[j] = a.x + static_cast<size_t>(t + j) * a.x_stride;
  __m256 acc[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m256i s[T];
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) s[j] = _mm256_setzero_si256();
    #pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const __m256i g = _mm256_load_si256(reinterpret_cast<const __m256i*>(p.qs + 256 * b + 32 * k));
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) {
        const __m256i x4 = _mm256_set1_epi32(load32(xrow[j] + 32 * b + 4 * k));
#if HEFT_VNNI
        s[j] = dot4(s[j], g, x4);
#else
        s[j] = _mm256_add_epi16(s[j], _mm256_maddubs_epi16(g, x4));
#endif
      }
    }
    const __m256 dw = _mm256_load_ps(p.d + 8 * b);
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
#if !HEFT_VNNI
      s[j] = _mm256_madd_epi16(s[j], _mm256_set1_epi16(1));
#endif
      const __m256i sum = _mm256_add_epi32(s[j], _mm256_set1_epi32(reinterpret_cast<const int32_t*>(xrow[j] + L.bsum)[b]));
      const float dx = reinterpret_cast<const float*>(xrow[j] + L.d)[b];
      acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(dx)), _mm256_cvtepi32_ps(sum), acc[j]);
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, acc[j], live);
}

static void q4_0_run_packed(const GemmArgs& a) { run_packed(a, pack_q4_0_rows8, q4_0_tile_packed<4>, q4_0_tile_packed<1>); }

// Prompt tiles of 2 rows x 4 tokens for the 8-lane types without mins (Q8_0,
// Q5_0) on AVX2/AVX-VNNI, in legacy_tile's order, with the eight block scale
// products d_w * d_x of a tile made by one vmulps from scales laid out ahead
// (dw: each row's repeated per token, dx: each token's repeated per row) and
// broadcast from memory by the load ports, instead of a broadcast, a
// conversion and a vmulps per row and token on the vector ALUs.
constexpr int kPdR = 2, kPdT = 4;

template <class W>
static void legacy_tile_pd(const GemmArgs& a, int64_t r, int64_t t, const float* dw, const float* dx) {
  constexpr int R = kPdR, T = kPdT;
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  const uint8_t* wr[R];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i) wr[i] = a.w + static_cast<size_t>(r + i) * a.w_stride;
  const int8_t* xq[T];
  const int32_t* xb[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) {
    const uint8_t* row = a.x + static_cast<size_t>(t + j) * a.x_stride;
    xq[j] = reinterpret_cast<const int8_t*>(row);
    xb[j] = reinterpret_cast<const int32_t*>(row + L.bias);
  }
  __m256 acc[R][T];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) acc[i][j] = _mm256_setzero_ps();
  alignas(32) float prod[R * T];
  for (int64_t b = 0; b < nb; ++b) {
    _mm256_store_ps(prod, _mm256_mul_ps(_mm256_load_ps(dw + 8 * b), _mm256_load_ps(dx + 8 * b)));
    __m256i wv[R], wa[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      wv[i] = W::load(wr[i] + static_cast<size_t>(b) * W::kBytes);
      if constexpr (W::kSigned && !HEFT_VNNI) wa[i] = _mm256_sign_epi8(wv[i], wv[i]);
    }
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[j] + 32 * b));
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        __m256i s;
        if constexpr (W::kSigned && !HEFT_VNNI) s = dot4(_mm256_setzero_si256(), wa[i], _mm256_sign_epi8(xv, wv[i]));
        else s = dot4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[j] + 8 * b)), wv[i], xv);
        acc[i][j] = _mm256_fmadd_ps(_mm256_broadcast_ss(prod + i * T + j), _mm256_cvtepi32_ps(s), acc[i][j]);
      }
    }
  }
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) a.y[(t + j) * a.ldy + r + i] = hsum8(acc[i][j]);
}

template <class W>
static void legacy_run_pd(const GemmArgs& a) {
  constexpr int R = kPdR, T = kPdT;
  constexpr int64_t kChunk = 64;
  const int64_t nb = a.k / 32;
  const x86::Q8Layout L = x86::q8_layout(a.k);
  struct alignas(32) Lanes {
    float v[8];
  };
  thread_local std::vector<Lanes> dx_buf, dw_buf;  // (tiles of a chunk, nb) and (nb)
  if (dx_buf.size() < static_cast<size_t>(kChunk / T * nb)) dx_buf.resize(static_cast<size_t>(kChunk / T * nb));
  if (dw_buf.size() < static_cast<size_t>(nb)) dw_buf.resize(static_cast<size_t>(nb));
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk), tiles = (c1 - c0) / T, t_end = c0 + tiles * T;
    for (int64_t tile = 0; tile < tiles; ++tile)
      for (int j = 0; j < T; ++j) {
        const float* xd = reinterpret_cast<const float*>(a.x + static_cast<size_t>(c0 + tile * T + j) * a.x_stride + L.d);
        for (int64_t b = 0; b < nb; ++b)
          for (int i = 0; i < R; ++i) dx_buf[static_cast<size_t>(tile * nb + b)].v[i * T + j] = xd[b];
      }
    int64_t r = a.r0;
    for (; r + R <= a.r1; r += R) {
      for (int i = 0; i < R; ++i) {
        const uint8_t* row = a.w + static_cast<size_t>(r + i) * a.w_stride;
        for (int64_t b = 0; b < nb; ++b) {
          const float d = fp16_scalar(row + static_cast<size_t>(b) * W::kBytes);
          for (int j = 0; j < T; ++j) dw_buf[static_cast<size_t>(b)].v[i * T + j] = d;
        }
      }
      for (int64_t tile = 0; tile < tiles; ++tile)
        legacy_tile_pd<W>(a, r, c0 + tile * T, dw_buf[0].v, dx_buf[static_cast<size_t>(tile * nb)].v);
      for (int64_t t = t_end; t < c1; ++t) legacy_tile<W, R, 1>(a, r, t);
    }
    for (; r < a.r1; ++r) {
      int64_t t = c0;
      for (; t + T <= c1; t += T) legacy_tile<W, 1, T>(a, r, t);
      for (; t < c1; ++t) legacy_tile<W, 1, 1>(a, r, t);
    }
  }
}

// The order is chosen by GemmArgs::batch alone, never by the number of
// tokens: a server's step mixes prompt rows (batch order) and generated ones
// (decode order), and each row must come out as it would alone.
template <class W>
static void legacy_run(const GemmArgs& a) {
  constexpr int kR = HEFT_AVX512 ? 4 : 2, kT = 4;
  if (!a.batch) {
    if constexpr (W::kWholeBlockSums) return a.n == 1 ? run_decode(a, q4_0_decode_row) : run_token_tiles(a, q4_0_decode_tile<4>, q4_0_decode_row);
    // The other types' decode is legacy_tile<W, 1, 1>, whose every R x T
    // form sums each output alike: tiles serve several tokens.
    else if (a.n == 1) return run_decode(a, legacy_tile<W, 1, 1>);
    else return run_tiles<kR, kT>(a, 64, legacy_tile<W, kR, kT>, legacy_tile<W, 1, kT>, legacy_tile<W, kR, 1>, legacy_tile<W, 1, 1>);
  }
  if constexpr (!HEFT_AVX512 && !W::kHasMin && !W::kWholeBlockSums) {  // Q8_0, Q5_0
    return legacy_run_pd<W>(a);
  }
  if constexpr (W::kWholeBlockSums) {  // Q4_0
    if constexpr (!HEFT_AVX512) q4_0_run_packed(a);
    else legacy_run8<W>(a);
  } else {
    run_tiles<kR, kT>(a, 64, legacy_tile<W, kR, kT>, legacy_tile<W, 1, kT>, legacy_tile<W, kR, 1>, legacy_tile<W, 1, 1>);
  }
}

static size_t legacy_act_bytes(formats::GgmlType, int64_t k) { return x86::q8_layout(k).bytes; }

template <class W>
static void legacy_quantize(formats::GgmlType, const float* x, uint8_t* dst, int64_t k) {
  // only Q8_1 (for Q4_1/Q5_1) reads s
  quantize_q8<W::kHasMin>(x, dst, k, W::kZero);
}

const Gemm* legacy_gemm(formats::GgmlType type) {
  static const Gemm q4_0{legacy_act_bytes, legacy_quantize<WQ4_0>, legacy_run<WQ4_0>, kTarget};
  static const Gemm q5_0{legacy_act_bytes, legacy_quantize<WQ5_0>, legacy_run<WQ5_0>, kTarget};
  static const Gemm q8_0{legacy_act_bytes, legacy_quantize<WQ8_0>, legacy_run<WQ8_0>, kTarget};
  static const Gemm q4_1{legacy_act_bytes, legacy_quantize<WQ4_1>, legacy_run<WQ4_1>, kTarget};
  static const Gemm q5_1{legacy_act_bytes, legacy_quantize<WQ5_1>, legacy_run<WQ5_1>, kTarget};
  switch (type) {
    case formats::GgmlType::Q4_0: return &q4_0;
    case formats::GgmlType::Q5_0: return &q5_0;
    case formats::GgmlType::Q8_0: return &q8_0;
    case formats::GgmlType::Q4_1: return &q4_1;
    case formats::GgmlType::Q5_1: return &q5_1;
    default: return nullptr;
  }
}
