// k-quants (Q2_K .. Q6_K) times Q8_K activations, for one x86 target (included
// by gemm_kquants.cpp under that target's pragma). Integer sums are exact.
//
// AVX2 and AVX-VNNI (kX86Order) keep the float order llama.cpp uses on x86
// (vec_dot_x86, kernels/vec_dot_x86.cpp), for prompt batches and decode
// alike, so they are bit-identical to it: Q3_K/Q5_K/Q6_K as ggml's AVX2
// vec_dot (eight int32 lanes per super-block, one fma of d into 8 float
// lanes), Q2_K/Q4_K as ggml's repacked gemv/gemm (one exact integer sum per
// super-block, fused into one float; the mins into another).
// AVX-512 keeps faster orders of its own (8-row transposed prompt tiles;
// decode that reduces each sub-block's dot before scaling), which agree with
// the reference to rounding, not bit for bit.
constexpr bool kX86Order = !HEFT_AVX512;

// nearest_int (quant_search.h) in lanes: the same magic-number rounding, so
// the same integers for every input, NaN and infinities included.
static inline __m256i nearest_int_lanes(__m256 v) {
  const __m256i bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(12582912.f)));
  return _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
}

// Q8_K activations in the planar layout (act_layout.h): quantize_row_q8_K_ref's
// values, in lanes. The reference keeps the first value of the largest
// magnitude (a strict comparison; NaN never wins), and so does this.
static void quantize_q8k(formats::GgmlType, const float* x, uint8_t* dst, int64_t k) {
  const x86::Q8KLayout L = x86::q8k_layout(k);
  auto* qs = reinterpret_cast<int8_t*>(dst);
  auto* d = reinterpret_cast<float*>(dst + L.d);
  auto* bsums = reinterpret_cast<int16_t*>(dst + L.bsums);
  auto* pairs = reinterpret_cast<uint32_t*>(dst + L.pairs);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < k / 256; ++b) {
    const float* xb = x + 256 * b;
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < 32; ++j) amax = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(xb + 8 * j)), amax);  // NaN: keeps amax
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float m = _mm_cvtss_f32(m4);
    int16_t* bs = bsums + 16 * b;
    if (m == 0) {
      std::memset(qs + 256 * b, 0, 256);
      std::memset(bs, 0, 32);
      d[b] = 0;
      for (int q = 0; q < 4; ++q) pairs[4 * b + q] = 0;
      continue;
    }
    int first = 0;
    for (int j = 0; j < 32; ++j) {
      const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(xb + 8 * j)), _mm256_set1_ps(m), _CMP_EQ_OQ));
      if (hit) {
        first = 8 * j + __builtin_ctz(static_cast<unsigned>(hit));
        break;
      }
    }
    // -127 (not -128) so that the largest value maps to -127 and negation stays in int8.
    const float iscale = -127.f / xb[first];
    const __m256 is = _mm256_set1_ps(iscale);
    for (int half = 0; half < 2; ++half) {  // 128 values: 8 groups of 16
      __m256i group_sums[8];
      for (int c = 0; c < 4; ++c) {  // 32 values
        const float* xc = xb + 128 * half + 32 * c;
        __m256i q[4];
        for (int j = 0; j < 4; ++j)
          q[j] = _mm256_min_epi32(nearest_int_lanes(_mm256_mul_ps(_mm256_loadu_ps(xc + 8 * j), is)), _mm256_set1_epi32(127));
        group_sums[2 * c] = _mm256_add_epi32(q[0], q[1]);
        group_sums[2 * c + 1] = _mm256_add_epi32(q[2], q[3]);
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));  // values within int8
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 256 * b + 128 * half + 32 * c), p);
      }
      __m256i low, high;
      sums8_by_half(group_sums, low, high);
      const __m256i sums = _mm256_add_epi32(low, high);  // lane g: group 8 * half + g
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bs + 8 * half),
                       _mm_packs_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1)));
    }
    d[b] = 1 / iscale;
    for (int q = 0; q < 4; ++q) {
      const int32_t s0 = bs[4 * q] + bs[4 * q + 1], s1 = bs[4 * q + 2] + bs[4 * q + 3];
      pairs[4 * b + q] = (static_cast<uint32_t>(s0) & 0xffff) | static_cast<uint32_t>(s1) << 16;
    }
  }
}

static size_t q8k_act_bytes(formats::GgmlType, int64_t k) { return x86::q8k_layout(k).bytes; }

struct Q8KRows {
  const int8_t* qs;
  const float* d;
  const int16_t* bsums;
  const int32_t* pairs;
};
static Q8KRows q8k_row(const GemmArgs& a, int64_t t, const x86::Q8KLayout& L) {
  const uint8_t* row = a.x + static_cast<size_t>(t) * a.x_stride;
  return {reinterpret_cast<const int8_t*>(row), reinterpret_cast<const float*>(row + L.d),
          reinterpret_cast<const int16_t*>(row + L.bsums), reinterpret_cast<const int32_t*>(row + L.pairs)};
}

// Eight 32-bit lanes each holding an int16 value twice, so that a lane
// permutation broadcasts a 16-bit scale.
static __m256i dup16(__m256i v32) { return _mm256_or_si256(_mm256_and_si256(v32, _mm256_set1_epi32(0xffff)), _mm256_slli_epi32(v32, 16)); }


// A Q4_K/Q5_K block's six-bit scales and mins (get_scale_min_k4) as bytes
// sc0..7, m0..7, from the 12 bytes at blk + 4 (the 16-byte load ends inside
// the block's quants).
static inline __m128i k4_scales_mins(const uint8_t* blk) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 4));
  constexpr char z = static_cast<char>(0x80);  // pshufb: zero
  // Low bits: s0..3 & 63 | s8..11 & 15 | s4..7 & 63 | s8..11 >> 4.
  const __m128i low = _mm_and_si128(_mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, z, z, z, z)),
                                    _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0));
  const __m128i high_nibbles = _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0f));
  const __m128i m47 = _mm_shuffle_epi8(high_nibbles, _mm_setr_epi8(z, z, z, z, z, z, z, z, z, z, z, z, 8, 9, 10, 11));
  // Bits 4..5 of sc4..7 and m4..7: the top two bits of s0..3 and s4..7.
  const __m128i top = _mm_and_si128(_mm_srli_epi16(v, 2), _mm_set1_epi8(0x30));
  const __m128i high = _mm_shuffle_epi8(top, _mm_setr_epi8(z, z, z, z, 0, 1, 2, 3, z, z, z, z, 4, 5, 6, 7));
  return _mm_or_si128(_mm_or_si128(low, m47), high);
}

// Bit `bit` of every byte moved to bit 4 (value 16), other bits cleared. 16-bit
// shifts by at most 4 never carry a neighbouring byte's bit into bit 4.
static inline __m256i bit_to_16(__m256i v, int bit) {
  const __m256i moved = bit <= 4 ? _mm256_slli_epi16(v, 4 - bit) : _mm256_srli_epi16(v, bit - 4);
  return _mm256_and_si256(moved, _mm256_set1_epi8(0x10));
}

// Prompt batches of Q5_K on AVX2/AVX-VNNI (Q4_K's scales and nibbles, plus
// one bit per weight in qh, so quants 0..31; maddubs pairs stay below 2 * 31 *
// 128), in ggml's AVX2 vec_dot order (vec_dot_x86): lane m of isum holds bytes
// 4m..4m+3 of each 32-weight chunk times its scale, one fma of d into 8 lanes
// per super-block, the mins into one float.
template <int R, int T>
static void q5k_tile(const GemmArgs& a, int64_t r, int64_t t) {
  constexpr size_t kBlockBytes = 176, kQs = 48;
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const uint8_t* wr[R];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i) wr[i] = a.w + static_cast<size_t>(r + i) * a.w_stride;
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[R][T];
  float min_sum[R][T];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      acc[i][j] = _mm256_setzero_ps();
      min_sum[i][j] = 0.0f;
    }
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[R];
    __m256i sc32[R];
    __m128i mins16[R];
    float dw[R], dmin[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      blk[i] = wr[i] + static_cast<size_t>(b) * kBlockBytes;
      dw[i] = fp16_scalar(blk[i]);
      dmin[i] = fp16_scalar(blk[i] + 2);
      const __m128i sm = k4_scales_mins(blk[i]);
      sc32[i] = dup16(_mm256_cvtepu8_epi32(sm));
      mins16[i] = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));  // m0 .. m7
    }
    __m256i isum[R][T];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) isum[i][j] = _mm256_setzero_si256();
    #pragma GCC unroll 16
    for (int p = 0; p < 4; ++p) {
      __m256i lo[R], hi[R], slo[R], shi[R];
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[i] + kQs + 32 * p));
        lo[i] = _mm256_and_si256(q, m4);                         // weights 64p .. 64p+31
        hi[i] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);   // weights 64p+32 .. 64p+63
        // bit 2p of qh[l] for weight 64p + l, bit 2p+1 for 64p+32+l
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[i] + 16));
        lo[i] = _mm256_or_si256(lo[i], bit_to_16(qh, 2 * p));
        hi[i] = _mm256_or_si256(hi[i], bit_to_16(qh, 2 * p + 1));
        slo[i] = _mm256_permutevar8x32_epi32(sc32[i], _mm256_set1_epi32(2 * p));
        shi[i] = _mm256_permutevar8x32_epi32(sc32[i], _mm256_set1_epi32(2 * p + 1));
      }
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) {
        const int8_t* xq = xr[j].qs + 256 * b + 64 * p;
        const __m256i xlo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
        const __m256i xhi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32));
        #pragma GCC unroll 16
        for (int i = 0; i < R; ++i) {
          isum[i][j] = dot2_i16(isum[i][j], _mm256_maddubs_epi16(lo[i], xlo), slo[i]);
          isum[i][j] = dot2_i16(isum[i][j], _mm256_maddubs_epi16(hi[i], xhi), shi[i]);
        }
      }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const float dx = xr[j].d[b];
      // The 32-element sums of sub-blocks 0..7 (ggml: hadd_epi16 of the 16-element sums).
      const __m128i q8s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xr[j].pairs + 4 * b));
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        const int32_t msum = hsum_i32_4(_mm_madd_epi16(mins16[i], q8s));
        acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(dx * dw[i]), _mm256_cvtepi32_ps(isum[i][j]), acc[i][j]);
        min_sum[i][j] = std::fma(-dx * dmin[i], static_cast<float>(msum), min_sum[i][j]);
      }
    }
  }
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j)
      a.y[(t + j) * a.ldy + r + i] = hsum8(acc[i][j]) + min_sum[i][j];
}

// Q4_K/Q5_K decode (one row, one token): each sub-block's exact dot by
// dot4 into its own register, the eight gathered into one (sums8_by_half) and
// scaled by the six-bit scales with one vpmulld, instead of a maddubs, a
// scale broadcast and a multiply-add per sub-block (q45k_tile): half the
// multiplies, no lane permutes. On the VNNI targets the high nibbles of Q4_K
// stay in place (16 x their value; vpdpbusd takes unsigned operands up to
// 255) and the odd sub-blocks' sums are shifted back exactly.
template <bool kFifthBit>
static void q45k_decode_row(const GemmArgs& a, int64_t r, int64_t t) {
  constexpr size_t kBlockBytes = kFifthBit ? 176 : 144, kQs = kFifthBit ? 48 : 16;
  constexpr bool kInPlace = HEFT_VNNI && !kFifthBit;
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const Q8KRows x = q8k_row(a, t, L);
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  const __m256i m4 = _mm256_set1_epi8(0x0f), m4_high = _mm256_set1_epi8(static_cast<char>(0xf0));
  __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = w + static_cast<size_t>(b) * kBlockBytes;
    prefetch_ahead(blk, kBlockBytes);
    const __m128i sm = k4_scales_mins(blk);
    const int8_t* xq = x.qs + 256 * b;
    __m256i dots[8];
    #pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + kQs + 32 * p));
      __m256i lo = _mm256_and_si256(q, m4);
      __m256i hi = kInPlace ? _mm256_and_si256(q, m4_high) : _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kFifthBit) {
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16));
        lo = _mm256_or_si256(lo, bit_to_16(qh, 2 * p));
        hi = _mm256_or_si256(hi, bit_to_16(qh, 2 * p + 1));
      }
      dots[2 * p] = dot4(_mm256_setzero_si256(), lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 64 * p)));
      dots[2 * p + 1] = dot4(_mm256_setzero_si256(), hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 64 * p + 32)));
    }
    // d, dmin, d, dmin, ... times the activation's scale.
    const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_set1_epi32(load32(blk))), _mm256_broadcast_ss(x.d + b));
    __m256i low, high;  // sub-block i's dot in lane i of both
    sums8_by_half(dots, low, high);
    __m256i sums = _mm256_add_epi32(low, high);
    if constexpr (kInPlace) sums = _mm256_srav_epi32(sums, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
    acc = _mm256_fmadd_ps(_mm256_permute_ps(dd, 0x00), _mm256_cvtepi32_ps(_mm256_mullo_epi32(sums, _mm256_cvtepu8_epi32(sm))), acc);  // lane i: sub-block i
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));  // m0 m0 m1 m1 ... m7 m7
    const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.bsums + 16 * b)), mins16);
    acc_min = _mm256_fmadd_ps(_mm256_permute_ps(dd, 0x55), _mm256_cvtepi32_ps(msum), acc_min);
  }
  a.y[t * a.ldy + r] = hsum8(_mm256_sub_ps(acc, acc_min));
}

// q45k_decode_row for T tokens at once (a server's step): each block's
// quants are unpacked once and dotted with every token's activations; each
// token's steps are q45k_decode_row's, so its output is bit-identical.
template <bool kFifthBit, int T>
static void q45k_decode_tile(const GemmArgs& a, int64_t r, int64_t t0) {
  constexpr size_t kBlockBytes = kFifthBit ? 176 : 144, kQs = kFifthBit ? 48 : 16;
  constexpr bool kInPlace = HEFT_VNNI && !kFifthBit;
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  Q8KRows x[T];
  for (int j = 0; j < T; ++j) x[j] = q8k_row(a, t0 + j, L);
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  const __m256i m4 = _mm256_set1_epi8(0x0f), m4_high = _mm256_set1_epi8(static_cast<char>(0xf0));
  __m256 acc[T], acc_min[T];
  for (int j = 0; j < T; ++j) acc[j] = acc_min[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = w + static_cast<size_t>(b) * kBlockBytes;
    const __m128i sm = k4_scales_mins(blk);
    __m256i q[8];
    #pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + kQs + 32 * p));
      q[2 * p] = _mm256_and_si256(v, m4);
      q[2 * p + 1] = kInPlace ? _mm256_and_si256(v, m4_high) : _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
      if constexpr (kFifthBit) {
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16));
        q[2 * p] = _mm256_or_si256(q[2 * p], bit_to_16(qh, 2 * p));
        q[2 * p + 1] = _mm256_or_si256(q[2 * p + 1], bit_to_16(qh, 2 * p + 1));
      }
    }
    const __m256i scales = _mm256_cvtepu8_epi32(sm);
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));  // m0 m0 m1 m1 ... m7 m7
    const __m256 dw = _mm256_cvtph_ps(_mm_set1_epi32(load32(blk)));
    for (int j = 0; j < T; ++j) {
      const int8_t* xq = x[j].qs + 256 * b;
      __m256i dots[8];
      #pragma GCC unroll 8
      for (int i = 0; i < 8; ++i)
        dots[i] = dot4(_mm256_setzero_si256(), q[i], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 32 * i)));
      const __m256 dd = _mm256_mul_ps(dw, _mm256_broadcast_ss(x[j].d + b));
      __m256i low, high;
      sums8_by_half(dots, low, high);
      __m256i sums = _mm256_add_epi32(low, high);
      if constexpr (kInPlace) sums = _mm256_srav_epi32(sums, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
      acc[j] = _mm256_fmadd_ps(_mm256_permute_ps(dd, 0x00), _mm256_cvtepi32_ps(_mm256_mullo_epi32(sums, scales)), acc[j]);
      const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[j].bsums + 16 * b)), mins16);
      acc_min[j] = _mm256_fmadd_ps(_mm256_permute_ps(dd, 0x55), _mm256_cvtepi32_ps(msum), acc_min[j]);
    }
  }
  for (int j = 0; j < T; ++j) a.y[(t0 + j) * a.ldy + r] = hsum8(_mm256_sub_ps(acc[j], acc_min[j]));
}

// Formats with 16 sub-blocks of 16 weights and int8 sub-block scales (Q6_K,
// Q3_K, Q2_K). Weight 128h + 32kk + l (h 0..1, kk 0..3, l < 32) belongs to
// sub-block 8h + 2kk (l < 16) or 8h + 2kk + 1. quants(blk, h, kk) gives its 32
// stored quants unsigned (value + 2^kOffsetShift); scales() the 16 scales as int8;
// Q2_K also has 4-bit mins, subtracted as dmin * sum(min * group sum).
struct FQ6_K {
  static constexpr size_t kBytes = 210;
  static constexpr int kOffsetShift = 5;  // stored quants are value + 32
  static constexpr bool kHasMin = false;
  static float d(const uint8_t* b) { return fp16_scalar(b + 208); }
  static __m128i scales(const uint8_t* b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)); }
  // Low nibble of ql[64h + 32(kk&1) + l] (high nibble for kk >= 2), top bits 2kk..2kk+1 of qh[32h + l].
  static __m256i quants(const uint8_t* b, int h, int kk) {
    const __m256i ql = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * h + 32 * (kk & 1)));
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * h));
    const __m256i lo = _mm256_and_si256(kk < 2 ? ql : _mm256_srli_epi16(ql, 4), _mm256_set1_epi8(0x0f));
    // Bits 2kk, 2kk + 1 of qh to bits 4, 5. Where kk is a constant (the unrolled decode loops) one shift or
    // none (16-bit shifts: what crosses a byte lands outside the mask); q6k_tile8's loop has it at run time.
    if (!__builtin_constant_p(kk))
      return _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * kk), _mm256_set1_epi8(3)), 4));
    const __m256i top = kk < 2 ? _mm256_slli_epi16(qh, 4 - 2 * kk) : kk == 2 ? qh : _mm256_srli_epi16(qh, 2);
    return _mm256_or_si256(lo, _mm256_and_si256(top, _mm256_set1_epi8(0x30)));
  }
};

// Bits 2kk..2kk+1 of q[32h + l].
static inline __m256i two_bits(const uint8_t* q, int h, int kk) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * h));
  return _mm256_and_si256(_mm256_srli_epi16(v, 2 * kk), _mm256_set1_epi8(0x03));
}

struct FQ3_K {
  static constexpr size_t kBytes = 110;
  static constexpr int kOffsetShift = 2;  // value + 4
  static constexpr bool kHasMin = false;
  static float d(const uint8_t* b) { return fp16_scalar(b + 108); }
  static __m128i scales(const uint8_t* b) {  // 6-bit, biased by 32 (ggml's kmask unpacking)
    uint32_t aux[4];
    std::memcpy(aux, b + 96, 12);
    const uint32_t tmp = aux[2], k1 = 0x03030303, k2 = 0x0f0f0f0f;
    aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
    aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
    const __m128i v = _mm_set_epi32(static_cast<int>(aux[3]), static_cast<int>(aux[2]), static_cast<int>(aux[1]),
                                    static_cast<int>(aux[0]));
    return _mm_sub_epi8(v, _mm_set1_epi8(32));
  }
  // Two low bits from qs, plus 4 when bit 4h + kk of hmask[l] is set (then the value is the low bits, else -4 + them).
  static __m256i quants(const uint8_t* b, int h, int kk) {
    const __m256i hm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i hbit = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + kk), _mm256_set1_epi8(0x01));
    return _mm256_or_si256(two_bits(b + 32, h, kk), _mm256_slli_epi16(hbit, 2));
  }
};

struct FQ2_K {
  static constexpr size_t kBytes = 84;
  static constexpr int kOffsetShift = -1;  // stored as they are
  static constexpr bool kHasMin = true;
  static float d(const uint8_t* b) { return fp16_scalar(b + 80); }
  static float dmin(const uint8_t* b) { return fp16_scalar(b + 82); }
  static __m128i raw(const uint8_t* b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)); }
  static __m128i scales(const uint8_t* b) { return _mm_and_si128(raw(b), _mm_set1_epi8(0x0f)); }
  static __m128i mins(const uint8_t* b) { return _mm_and_si128(_mm_srli_epi16(raw(b), 4), _mm_set1_epi8(0x0f)); }
  static __m256i quants(const uint8_t* b, int h, int kk) { return two_bits(b + 16, h, kk); }
};

// Decode (one row, one token) of the 16-weight sub-block formats, as
// q45k_decode_row: each 32-weight chunk dotted by dot4 into its own register
// (its halves are sub-blocks 2c and 2c + 1), the eight registers reduced per
// half to the sixteen sub-block sums, scaled by two vpmulld.
template <class F>
static void q16_decode_row(const GemmArgs& a, int64_t r, int64_t t) {
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const Q8KRows x = q8k_row(a, t, L);
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  const __m128i order = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);  // the sums' sub-blocks
  __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = w + static_cast<size_t>(b) * F::kBytes;
    prefetch_ahead(blk, F::kBytes);
    const int8_t* xq = x.qs + 256 * b;
    __m256i dots[8];
    #pragma GCC unroll 2
    for (int h = 0; h < 2; ++h)
      #pragma GCC unroll 4
      for (int kk = 0; kk < 4; ++kk)
        dots[4 * h + kk] = dot4(_mm256_setzero_si256(), F::quants(blk, h, kk),
                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 128 * h + 32 * kk)));
    const __m128i s8 = F::scales(blk), so = _mm_shuffle_epi8(s8, order);
    __m256i s = _mm256_add_epi32(_mm256_mullo_epi32(sums4_by_half(dots), _mm256_cvtepi8_epi32(so)),
                                 _mm256_mullo_epi32(sums4_by_half(dots + 4), _mm256_cvtepi8_epi32(_mm_srli_si128(so, 8))));
    const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.bsums + 16 * b));
    if constexpr (F::kOffsetShift >= 0)  // subtract offset * sum(scale * group sum)
      s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_madd_epi16(bs, _mm256_cvtepi8_epi16(s8)), F::kOffsetShift));
    const float dx = x.d[b];
    acc = _mm256_fmadd_ps(_mm256_set1_ps(F::d(blk) * dx), _mm256_cvtepi32_ps(s), acc);
    if constexpr (F::kHasMin) {
      const __m256i msum = _mm256_madd_epi16(bs, _mm256_cvtepi8_epi16(F::mins(blk)));
      acc_min = _mm256_fmadd_ps(_mm256_set1_ps(F::dmin(blk) * dx), _mm256_cvtepi32_ps(msum), acc_min);
    }
  }
  a.y[t * a.ldy + r] = hsum8(F::kHasMin ? _mm256_sub_ps(acc, acc_min) : acc);
}

// q16_decode_row for T tokens at once: each block's quants unpacked once, each
// token's steps q16_decode_row's (bit-identical outputs).
template <class F, int T>
static void q16_decode_tile(const GemmArgs& a, int64_t r, int64_t t0) {
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  Q8KRows x[T];
  for (int j = 0; j < T; ++j) x[j] = q8k_row(a, t0 + j, L);
  const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
  const __m128i order = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);  // the sums' sub-blocks
  __m256 acc[T], acc_min[T];
  for (int j = 0; j < T; ++j) acc[j] = acc_min[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = w + static_cast<size_t>(b) * F::kBytes;
    __m256i q[8];
    #pragma GCC unroll 2
    for (int h = 0; h < 2; ++h)
      #pragma GCC unroll 4
      for (int kk = 0; kk < 4; ++kk) q[4 * h + kk] = F::quants(blk, h, kk);
    const __m128i s8 = F::scales(blk), so = _mm_shuffle_epi8(s8, order);
    const __m256i s_lo = _mm256_cvtepi8_epi32(so), s_hi = _mm256_cvtepi8_epi32(_mm_srli_si128(so, 8));
    const __m256i s16 = _mm256_cvtepi8_epi16(s8);
    const float d = F::d(blk);
    for (int j = 0; j < T; ++j) {
      const int8_t* xq = x[j].qs + 256 * b;
      __m256i dots[8];
      #pragma GCC unroll 2
      for (int h = 0; h < 2; ++h)
        #pragma GCC unroll 4
        for (int kk = 0; kk < 4; ++kk)
          dots[4 * h + kk] = dot4(_mm256_setzero_si256(), q[4 * h + kk],
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 128 * h + 32 * kk)));
      __m256i s = _mm256_add_epi32(_mm256_mullo_epi32(sums4_by_half(dots), s_lo), _mm256_mullo_epi32(sums4_by_half(dots + 4), s_hi));
      const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[j].bsums + 16 * b));
      if constexpr (F::kOffsetShift >= 0) s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_madd_epi16(bs, s16), F::kOffsetShift));
      const float dx = x[j].d[b];
      acc[j] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(s), acc[j]);
      if constexpr (F::kHasMin) {
        const __m256i msum = _mm256_madd_epi16(bs, _mm256_cvtepi8_epi16(F::mins(blk)));
        acc_min[j] = _mm256_fmadd_ps(_mm256_set1_ps(F::dmin(blk) * dx), _mm256_cvtepi32_ps(msum), acc_min[j]);
      }
    }
  }
  for (int j = 0; j < T; ++j) a.y[(t0 + j) * a.ldy + r] = hsum8(F::kHasMin ? _mm256_sub_ps(acc[j], acc_min[j]) : acc[j]);
}

// The 16-weight sub-block formats in tiles of R rows x T tokens: lane m of
// isum holds bytes 4m..4m+3 of each 32-weight chunk times its sub-block's
// scale (ggml's AVX2 lanes). kX86Order (vec_dot_x86): Q6_K subtracts its
// offset per lane pair of 16-groups, Q3_K its offset inside each lane (the
// activations' pair sums times 4, as ggml subtracts its high-bit products),
// Q2_K's mins in their own lanes (AVX-512; AVX2 batches of Q2_K: q2k_tile_packed).
// AVX-512 (prompt batches of Q2_K/Q3_K): the offsets through the 16-element
// sums. Prompt batches only (decode: q16_decode_row).
template <class F, int R, int T>
static void q16_tile(const GemmArgs& a, int64_t r, int64_t t) {
  constexpr bool kLaneOffset = kX86Order && std::is_same_v<F, FQ3_K>;
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const uint8_t* wr[R];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i) wr[i] = a.w + static_cast<size_t>(r + i) * a.w_stride;
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[R][T], acc_min[R][T];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) acc[i][j] = acc_min[i][j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[R];
    __m256i s32[R][2], sc16[R], mn16[R];
    float dw[R], dmin[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      blk[i] = wr[i] + static_cast<size_t>(b) * F::kBytes;
      dw[i] = F::d(blk[i]);
      const __m128i s8 = F::scales(blk[i]);
      sc16[i] = _mm256_cvtepi8_epi16(s8);
      s32[i][0] = dup16(_mm256_cvtepi8_epi32(s8));
      s32[i][1] = dup16(_mm256_cvtepi8_epi32(_mm_srli_si128(s8, 8)));
      if constexpr (F::kHasMin) {
        dmin[i] = F::dmin(blk[i]);
        mn16[i] = _mm256_cvtepi8_epi16(F::mins(blk[i]));
      }
    }
    __m256i isum[R][T];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) isum[i][j] = _mm256_setzero_si256();
    #pragma GCC unroll 16
    for (int h = 0; h < 2; ++h) {
      #pragma GCC unroll 16
      for (int kk = 0; kk < 4; ++kk) {
        const __m256i idx = _mm256_setr_epi32(2 * kk, 2 * kk, 2 * kk, 2 * kk, 2 * kk + 1, 2 * kk + 1, 2 * kk + 1, 2 * kk + 1);
        __m256i q[R], sv[R];
        #pragma GCC unroll 16
        for (int i = 0; i < R; ++i) {
          q[i] = F::quants(blk[i], h, kk);
          sv[i] = _mm256_permutevar8x32_epi32(s32[i][h], idx);
        }
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) {
          const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr[j].qs + 256 * b + 128 * h + 32 * kk));
          __m256i offset = _mm256_setzero_si256();  // kLaneOffset: 4 x the activation pairs
          if constexpr (kLaneOffset) offset = _mm256_maddubs_epi16(_mm256_set1_epi8(4), xv);
          #pragma GCC unroll 16
          for (int i = 0; i < R; ++i) {
            __m256i p16 = _mm256_maddubs_epi16(q[i], xv);
            if constexpr (kLaneOffset) p16 = _mm256_sub_epi16(p16, offset);
            isum[i][j] = dot2_i16(isum[i][j], p16, sv[i]);
          }
        }
      }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const float dx = xr[j].d[b];
      const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr[j].bsums + 16 * b));
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        __m256i s = isum[i][j];
        if constexpr (F::kOffsetShift >= 0 && !kLaneOffset)  // subtract offset * sum(scale * group sum)
          s = _mm256_sub_epi32(s, _mm256_slli_epi32(_mm256_madd_epi16(bs, sc16[i]), F::kOffsetShift));
        acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw[i] * dx), _mm256_cvtepi32_ps(s), acc[i][j]);
        if constexpr (F::kHasMin) {
          const __m256i msum = _mm256_madd_epi16(bs, mn16[i]);
          acc_min[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(dmin[i] * dx), _mm256_cvtepi32_ps(msum), acc_min[i][j]);
        }
      }
    }
  }
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j)
      a.y[(t + j) * a.ldy + r + i] = F::kHasMin ? hsum8(_mm256_sub_ps(acc[i][j], acc_min[i][j])) : hsum8(acc[i][j]);
}

// Prompt batches of Q4_K/Q5_K on AVX-512: 8 rows per register, as
// legacy_tile8 does for Q4_0. Per sub-block of 32, each row's quants are
// transposed in registers (lane i = row r + i) and vpdpbusd of broadcast
// activation dwords gives the exact sub-block dot of all 8 rows at once; it is
// scaled in integers (vpmulld by the rows' 6-bit scales), the mins go through
// the activation's 32-element sums (Q8KLayout::pairs), and the float work is
// once per 8 rows per super-block; the rows' scales and mins are unpacked once
// per token chunk (K4Header8). Rows past r_end repeat the last row and are
// not stored.

// One super-block's header for 8 rows, unpacked once per row group and token
// chunk: scales as [sub-block][row], mins of sub-blocks 2q, 2q+1 as two int16.
struct K4Header8 {
  alignas(32) int32_t sc[8][8];
  alignas(32) int32_t mn[4][8];
  alignas(16) uint16_t d[8], dmin[8];
};

template <bool kFifthBit>
static void k4_headers(const GemmArgs& a, int64_t r, int64_t r_end, K4Header8* h) {
  constexpr size_t kBlockBytes = kFifthBit ? 176 : 144;
  for (int i = 0; i < 8; ++i) {
    const uint8_t* row = tile8_row(a, r, r_end, i);
    for (int64_t b = 0; b < a.k / 256; ++b) {
      const uint8_t* blk = row + static_cast<size_t>(b) * kBlockBytes;
      std::memcpy(&h[b].d[i], blk, 2);
      std::memcpy(&h[b].dmin[i], blk + 2, 2);
      uint8_t bytes[16];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bytes), k4_scales_mins(blk));
      for (int sb = 0; sb < 8; ++sb) h[b].sc[sb][i] = bytes[sb];
      for (int q = 0; q < 4; ++q) h[b].mn[q][i] = bytes[8 + 2 * q] | bytes[9 + 2 * q] << 16;
    }
  }
}

template <bool kFifthBit, int T>
static void q45k_tile8(const GemmArgs& a, int64_t r, int64_t r_end, int64_t t, const K4Header8* hdr) {
  constexpr size_t kBlockBytes = kFifthBit ? 176 : 144, kQs = kFifthBit ? 48 : 16;
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = _mm256_setzero_ps();
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  for (int64_t b = 0; b < nb; ++b) {
    const K4Header8& h = hdr[b];
    __m256i isum[T];
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) isum[j] = _mm256_setzero_si256();
    for (int sb = 0; sb < 8; ++sb) {
      const int p = sb / 2;
      __m256i v[8];
      for (int i = 0; i < 8; ++i) {
        const uint8_t* blk = wr[i] + static_cast<size_t>(b) * kBlockBytes;
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + kQs + 32 * p));
        v[i] = _mm256_and_si256(sb % 2 ? _mm256_srli_epi16(q, 4) : q, m4);
        if constexpr (kFifthBit)
          v[i] = _mm256_or_si256(v[i], bit_to_16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 16)), sb));
      }
      __m256i g[8];
      transpose8x8_epi32(v, g);
      // T independent dependency chains, interleaved (vpdpbusd has a latency of several cycles).
      __m256i dot[T];
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) dot[j] = _mm256_setzero_si256();
      #pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) {
          int32_t x4;
          std::memcpy(&x4, xr[j].qs + 256 * b + 32 * sb + 4 * k, 4);
          dot[j] = dot4(dot[j], g[k], _mm256_set1_epi32(x4));
        }
      }
      const __m256i scale = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.sc[sb]));
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) isum[j] = _mm256_add_epi32(isum[j], _mm256_mullo_epi32(dot[j], scale));
    }
    const __m256 dw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h.d)));
    const __m256 dmin = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h.dmin)));
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      __m256i msum = _mm256_setzero_si256();
      #pragma GCC unroll 4
      for (int q = 0; q < 4; ++q)
        msum = dot2_i16(msum, _mm256_load_si256(reinterpret_cast<const __m256i*>(h.mn[q])), _mm256_set1_epi32(xr[j].pairs[4 * b + q]));
      const __m256 dx = _mm256_set1_ps(xr[j].d[b]);
      acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(isum[j]), acc[j]);
      acc[j] = _mm256_fnmadd_ps(_mm256_mul_ps(dmin, dx), _mm256_cvtepi32_ps(msum), acc[j]);
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, acc[j], live);
}

template <bool kFifthBit>
static void q45k_run8(const GemmArgs& a) {
  constexpr int kT = 8;
  constexpr int64_t kChunk = 96;  // tokens whose activations stay in L2 while rows stream past
  thread_local std::vector<K4Header8> headers;  // grows to the longest row once per thread
  if (headers.size() < static_cast<size_t>(a.k / 256)) headers.resize(static_cast<size_t>(a.k / 256));
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk);
    for (int64_t r = a.r0; r < a.r1; r += 8) {
      k4_headers<kFifthBit>(a, r, a.r1, headers.data());
      int64_t t = c0;
      for (; t + kT <= c1; t += kT) q45k_tile8<kFifthBit, kT>(a, r, a.r1, t, headers.data());
      for (; t < c1; ++t) q45k_tile8<kFifthBit, 1>(a, r, a.r1, t, headers.data());
    }
  }
}

// Prompt batches of Q4_K on AVX2/AVX-VNNI, in ggml's repacked gemm order
// (vec_dot_x86), from rows packed once per token chunk as Q4_0's are
// (gemm_legacy-inl.h, Packed8): per super-block of 8 rows, each sub-block's
// quants transposed (register k: bytes 4k..4k+3 of the 8 rows), the rows'
// scales, mins in pairs and d/dmin as floats. A token's sub-block is 8
// vpmaddubsw of broadcast activation dwords summed in int16 (16 products of
// 15 x 127 at most), then one vpmaddwd by the rows' scales (VNNI: 8 vpdpbusd
// and a vpmulld); per 64 weights one fma of the 8 rows' sums, and one of their
// mins. The row-major tile (q45k_tile) needed a horizontal sum per row and 64
// weights for this order: half the speed.
struct Q4KPacked8 {  // one super-block of 8 rows
  alignas(32) uint8_t qs[8][8][32];  // [sub-block][register k][row: 4 bytes]
  alignas(32) int32_t sc[8][8];      // [sub-block][row]: the scale (VNNI), or it in both int16 halves
  alignas(32) int32_t mn[4][8];      // [64 weights][row]: mins of sub-blocks 2p, 2p+1 as two int16
  alignas(32) float d[8], dmin[8];
};

static const Q4KPacked8* pack_q4k_rows8(const GemmArgs& a, int64_t r, int64_t r_end) {
  const int64_t nb = a.k / 256;
  thread_local std::vector<Q4KPacked8> buf;
  if (buf.size() < static_cast<size_t>(nb)) buf.resize(static_cast<size_t>(nb));
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  for (int64_t b = 0; b < nb; ++b) {
    Q4KPacked8& pk = buf[static_cast<size_t>(b)];
    for (int i = 0; i < 8; ++i) {
      const uint8_t* blk = wr[i] + static_cast<size_t>(b) * 144;
      uint8_t sm[16];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(sm), k4_scales_mins(blk));
      for (int sb = 0; sb < 8; ++sb) pk.sc[sb][i] = HEFT_VNNI ? sm[sb] : sm[sb] | sm[sb] << 16;
      for (int q = 0; q < 4; ++q) pk.mn[q][i] = sm[8 + 2 * q] | sm[9 + 2 * q] << 16;
      pk.d[i] = fp16_scalar(blk);
      pk.dmin[i] = fp16_scalar(blk + 2);
    }
    for (int p = 0; p < 4; ++p) {
      __m256i lo[8], hi[8], g[8];
      for (int i = 0; i < 8; ++i) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr[i] + static_cast<size_t>(b) * 144 + 16 + 32 * p));
        lo[i] = _mm256_and_si256(q, m4);
        hi[i] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      }
      transpose8x8_epi32(lo, g);
      for (int k = 0; k < 8; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(pk.qs[2 * p][k]), g[k]);
      transpose8x8_epi32(hi, g);
      for (int k = 0; k < 8; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(pk.qs[2 * p + 1][k]), g[k]);
    }
  }
  return buf.data();
}

template <int T>
static void q4k_tile_packed(const GemmArgs& a, const Q4KPacked8* pk, int64_t r, int64_t r_end, int64_t t) {
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[T], acc_min[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = acc_min[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const Q4KPacked8& h = pk[b];
    const __m256 dw = _mm256_load_ps(h.d), dmin = _mm256_load_ps(h.dmin);
    for (int p = 0; p < 4; ++p) {
      __m256i isum[T];
      #pragma GCC unroll 2
      for (int half = 0; half < 2; ++half) {
        const int sb = 2 * p + half;
        __m256i s[T];
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) s[j] = _mm256_setzero_si256();
        #pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
          const __m256i g = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.qs[sb][k]));
          #pragma GCC unroll 16
          for (int j = 0; j < T; ++j) {
            const __m256i x4 = _mm256_set1_epi32(load32(reinterpret_cast<const uint8_t*>(xr[j].qs) + 256 * b + 32 * sb + 4 * k));
#if HEFT_VNNI
            s[j] = dot4(s[j], g, x4);
#else
            s[j] = _mm256_add_epi16(s[j], _mm256_maddubs_epi16(g, x4));
#endif
          }
        }
        const __m256i sc = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.sc[sb]));
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) {
#if HEFT_VNNI
          const __m256i scaled = _mm256_mullo_epi32(s[j], sc);
#else
          const __m256i scaled = _mm256_madd_epi16(s[j], sc);
#endif
          isum[j] = half ? _mm256_add_epi32(isum[j], scaled) : scaled;
        }
      }
      const __m256i mn = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.mn[p]));
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) {
        const __m256 dx = _mm256_set1_ps(xr[j].d[b]);
        const __m256i msum = _mm256_madd_epi16(mn, _mm256_set1_epi32(xr[j].pairs[4 * b + p]));
        acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_mul_ps(dw, dx), acc[j]);
        acc_min[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, dx), acc_min[j]);
      }
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, _mm256_sub_ps(acc[j], acc_min[j]), live);
}

static void q4k_run_packed(const GemmArgs& a) { run_packed(a, pack_q4k_rows8, q4k_tile_packed<4>, q4k_tile_packed<1>); }

template <bool kFifthBit>
static void q45k_run(const GemmArgs& a) {
  constexpr int kR = HEFT_AVX512 ? 2 : 1, kT = 4;
  if (!a.batch)
    return a.n == 1 ? run_decode(a, q45k_decode_row<kFifthBit>)
                    : run_token_tiles(a, q45k_decode_tile<kFifthBit, 4>, q45k_decode_row<kFifthBit>);
  if constexpr (HEFT_AVX512) return q45k_run8<kFifthBit>(a);  // 32 registers: the 8-row transposed tile fits
  if constexpr (kFifthBit) run_tiles<kR, kT>(a, 64, q5k_tile<kR, kT>, q5k_tile<1, kT>, q5k_tile<kR, 1>, q5k_tile<1, 1>);
  else q4k_run_packed(a);
}

// Prompt batches of Q6_K on AVX-512, as q45k_tile8: each 32-weight chunk
// (two sub-blocks of 16) of 8 rows transposed in registers, vpdpbusd per
// sub-block, integer scaling by the rows' int8 scales; the stored quants are
// value + 32, so 32 * sum(scale * 16-element activation sum) is subtracted.
struct Q6KHeader8 {
  alignas(32) int32_t sc[16][8];    // [sub-block][row]
  alignas(32) int32_t pair[8][8];   // scales of sub-blocks 2q, 2q+1 as two int16
  alignas(16) uint16_t d[8];
};

static inline void q6k_headers(const GemmArgs& a, int64_t r, int64_t r_end, Q6KHeader8* h) {
  for (int i = 0; i < 8; ++i) {
    const uint8_t* row = tile8_row(a, r, r_end, i);
    for (int64_t b = 0; b < a.k / 256; ++b) {
      const uint8_t* blk = row + static_cast<size_t>(b) * FQ6_K::kBytes;
      std::memcpy(&h[b].d[i], blk + 208, 2);
      int8_t sc[16];
      std::memcpy(sc, blk + 192, 16);
      for (int sb = 0; sb < 16; ++sb) h[b].sc[sb][i] = sc[sb];
      for (int q = 0; q < 8; ++q)
        h[b].pair[q][i] = static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint16_t>(sc[2 * q]))) |
                                               static_cast<uint32_t>(static_cast<uint16_t>(sc[2 * q + 1])) << 16);
    }
  }
}

template <int T>
static void q6k_tile8(const GemmArgs& a, int64_t r, int64_t r_end, int64_t t, const Q6KHeader8* hdr) {
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const Q6KHeader8& h = hdr[b];
    __m256i isum[T];
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) isum[j] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {  // chunk c = 4h + kk: weights 32c .. 32c+31, sub-blocks 2c, 2c+1
      __m256i v[8];
      for (int i = 0; i < 8; ++i) v[i] = FQ6_K::quants(wr[i] + static_cast<size_t>(b) * FQ6_K::kBytes, c / 4, c % 4);
      __m256i g[8];
      transpose8x8_epi32(v, g);
      __m256i dlo[T], dhi[T];
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) dlo[j] = dhi[j] = _mm256_setzero_si256();
      #pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        #pragma GCC unroll 16
        for (int j = 0; j < T; ++j) {
          int32_t x0, x1;
          std::memcpy(&x0, xr[j].qs + 256 * b + 32 * c + 4 * k, 4);
          std::memcpy(&x1, xr[j].qs + 256 * b + 32 * c + 16 + 4 * k, 4);
          dlo[j] = dot4(dlo[j], g[k], _mm256_set1_epi32(x0));
          dhi[j] = dot4(dhi[j], g[k + 4], _mm256_set1_epi32(x1));
        }
      }
      const __m256i slo = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.sc[2 * c]));
      const __m256i shi = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.sc[2 * c + 1]));
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j)
        isum[j] = _mm256_add_epi32(isum[j], _mm256_add_epi32(_mm256_mullo_epi32(dlo[j], slo), _mm256_mullo_epi32(dhi[j], shi)));
    }
    const __m256 dw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h.d)));
    #pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const int16_t* bs = xr[j].bsums + 16 * b;
      __m256i corr = _mm256_setzero_si256();
      #pragma GCC unroll 8
      for (int q = 0; q < 8; ++q) {
        int32_t bpair;
        std::memcpy(&bpair, bs + 2 * q, 4);
        corr = dot2_i16(corr, _mm256_load_si256(reinterpret_cast<const __m256i*>(h.pair[q])), _mm256_set1_epi32(bpair));
      }
      const __m256i sum = _mm256_sub_epi32(isum[j], _mm256_slli_epi32(corr, 5));
      acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(xr[j].d[b])), _mm256_cvtepi32_ps(sum), acc[j]);
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, acc[j], live);
}

static inline void q6k_run8(const GemmArgs& a) {
  constexpr int kT = 8;
  constexpr int64_t kChunk = 96;
  thread_local std::vector<Q6KHeader8> headers;
  if (headers.size() < static_cast<size_t>(a.k / 256)) headers.resize(static_cast<size_t>(a.k / 256));
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk);
    for (int64_t r = a.r0; r < a.r1; r += 8) {
      q6k_headers(a, r, a.r1, headers.data());
      int64_t t = c0;
      for (; t + kT <= c1; t += kT) q6k_tile8<kT>(a, r, a.r1, t, headers.data());
      for (; t < c1; ++t) q6k_tile8<1>(a, r, a.r1, t, headers.data());
    }
  }
}

// Prompt batches of Q2_K on AVX2/AVX-VNNI, in ggml's repacked gemm order (one
// fma per 128 weights of the 8 rows' exact sums, one of their mins), from
// rows packed as Q4_K's are (Q4KPacked8): per 32-weight chunk of 8 rows the
// quants transposed (registers 0..3: the first sub-block of 16, 4..7: the
// second), the rows' scales per sub-block and mins in pairs.
struct Q2KPacked8 {  // one super-block of 8 rows
  alignas(32) uint8_t qs[8][8][32];  // [chunk][register k][row: 4 bytes]
  alignas(32) int32_t sc[16][8];     // [sub-block][row]: the scale (VNNI), or it in both int16 halves
  alignas(32) int32_t mn[8][8];      // [sub-block pair][row]: mins of sub-blocks 2q, 2q+1 as two int16
  alignas(32) float d[8], dmin[8];
};

static const Q2KPacked8* pack_q2k_rows8(const GemmArgs& a, int64_t r, int64_t r_end) {
  const int64_t nb = a.k / 256;
  thread_local std::vector<Q2KPacked8> buf;
  if (buf.size() < static_cast<size_t>(nb)) buf.resize(static_cast<size_t>(nb));
  const uint8_t* wr[8];
  for (int i = 0; i < 8; ++i) wr[i] = tile8_row(a, r, r_end, i);
  for (int64_t b = 0; b < nb; ++b) {
    Q2KPacked8& pk = buf[static_cast<size_t>(b)];
    for (int i = 0; i < 8; ++i) {
      const uint8_t* blk = wr[i] + static_cast<size_t>(b) * FQ2_K::kBytes;
      for (int sb = 0; sb < 16; ++sb) pk.sc[sb][i] = HEFT_VNNI ? (blk[sb] & 0xf) : (blk[sb] & 0xf) * 0x10001;
      for (int q = 0; q < 8; ++q) pk.mn[q][i] = blk[2 * q] >> 4 | (blk[2 * q + 1] >> 4) << 16;
      pk.d[i] = FQ2_K::d(blk);
      pk.dmin[i] = FQ2_K::dmin(blk);
    }
    for (int c = 0; c < 8; ++c) {
      __m256i v[8], g[8];
      for (int i = 0; i < 8; ++i) v[i] = FQ2_K::quants(wr[i] + static_cast<size_t>(b) * FQ2_K::kBytes, c / 4, c % 4);
      transpose8x8_epi32(v, g);
      for (int k = 0; k < 8; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(pk.qs[c][k]), g[k]);
    }
  }
  return buf.data();
}

template <int T>
static void q2k_tile_packed(const GemmArgs& a, const Q2KPacked8* pk, int64_t r, int64_t r_end, int64_t t) {
  const int64_t nb = a.k / 256;
  const x86::Q8KLayout L = x86::q8k_layout(a.k);
  Q8KRows xr[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) xr[j] = q8k_row(a, t + j, L);
  __m256 acc[T], acc_min[T];
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) acc[j] = acc_min[j] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const Q2KPacked8& h = pk[b];
    const __m256 dw = _mm256_load_ps(h.d), dmin = _mm256_load_ps(h.dmin);
    for (int half = 0; half < 2; ++half) {  // 128 weights: chunks 4 half .. 4 half + 3
      __m256i isum[T];
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) isum[j] = _mm256_setzero_si256();
      for (int c = 4 * half; c < 4 * half + 4; ++c) {
        #pragma GCC unroll 2
        for (int part = 0; part < 2; ++part) {  // sub-block 2c + part: registers 4 part .. 4 part + 3
          __m256i s[T];
          #pragma GCC unroll 16
          for (int j = 0; j < T; ++j) s[j] = _mm256_setzero_si256();
          #pragma GCC unroll 4
          for (int k = 4 * part; k < 4 * part + 4; ++k) {
            const __m256i g = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.qs[c][k]));
            #pragma GCC unroll 16
            for (int j = 0; j < T; ++j) {
              const __m256i x4 = _mm256_set1_epi32(load32(reinterpret_cast<const uint8_t*>(xr[j].qs) + 256 * b + 32 * c + 4 * k));
#if HEFT_VNNI
              s[j] = dot4(s[j], g, x4);
#else
              s[j] = _mm256_add_epi16(s[j], _mm256_maddubs_epi16(g, x4));
#endif
            }
          }
          const __m256i sc = _mm256_load_si256(reinterpret_cast<const __m256i*>(h.sc[2 * c + part]));
          #pragma GCC unroll 16
          for (int j = 0; j < T; ++j)
#if HEFT_VNNI
            isum[j] = _mm256_add_epi32(isum[j], _mm256_mullo_epi32(s[j], sc));
#else
            isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(s[j], sc));
#endif
        }
      }
      #pragma GCC unroll 16
      for (int j = 0; j < T; ++j) {
        const __m256 dx = _mm256_set1_ps(xr[j].d[b]);
        __m256i msum = _mm256_setzero_si256();
        #pragma GCC unroll 4
        for (int q = 4 * half; q < 4 * half + 4; ++q) {
          int32_t bpair;
          std::memcpy(&bpair, xr[j].bsums + 16 * b + 2 * q, 4);
          msum = _mm256_add_epi32(msum, _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(h.mn[q])), _mm256_set1_epi32(bpair)));
        }
        acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), _mm256_mul_ps(dw, dx), acc[j]);
        acc_min[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, dx), acc_min[j]);
      }
    }
  }
  const int64_t live = std::min<int64_t>(8, r_end - r);
  #pragma GCC unroll 16
  for (int j = 0; j < T; ++j) store_rows8(a.y + (t + j) * a.ldy + r, _mm256_sub_ps(acc[j], acc_min[j]), live);
}

static void q2k_run_packed(const GemmArgs& a) { run_packed(a, pack_q2k_rows8, q2k_tile_packed<4>, q2k_tile_packed<1>); }

template <class F>
static void q16_run(const GemmArgs& a) {
  constexpr int kR = HEFT_AVX512 ? 2 : 1, kT = 4;
  if (!a.batch) return a.n == 1 ? run_decode(a, q16_decode_row<F>) : run_token_tiles(a, q16_decode_tile<F, 4>, q16_decode_row<F>);
  if constexpr (HEFT_AVX512 && std::is_same_v<F, FQ6_K>) return q6k_run8(a);
  if constexpr (!HEFT_AVX512 && std::is_same_v<F, FQ2_K>) return q2k_run_packed(a);
  run_tiles<kR, kT>(a, 64, q16_tile<F, kR, kT>, q16_tile<F, 1, kT>, q16_tile<F, kR, 1>, q16_tile<F, 1, 1>);
}

const Gemm* kquant_gemm(formats::GgmlType type) {
  static const Gemm q4_k{q8k_act_bytes, quantize_q8k, q45k_run<false>, kTarget};
  static const Gemm q5_k{q8k_act_bytes, quantize_q8k, q45k_run<true>, kTarget};
  static const Gemm q6_k{q8k_act_bytes, quantize_q8k, q16_run<FQ6_K>, kTarget};
  static const Gemm q3_k{q8k_act_bytes, quantize_q8k, q16_run<FQ3_K>, kTarget};
  static const Gemm q2_k{q8k_act_bytes, quantize_q8k, q16_run<FQ2_K>, kTarget};
  switch (type) {
    case formats::GgmlType::Q4_K: return &q4_k;
    case formats::GgmlType::Q5_K: return &q5_k;
    case formats::GgmlType::Q6_K: return &q6_k;
    case formats::GgmlType::Q3_K: return &q3_k;
    case formats::GgmlType::Q2_K: return &q2_k;
    default: return nullptr;
  }
}
