// Helpers shared by the x86 kernels. Included (no include guard) inside each
// target's namespace, under that target (target.h), so the same
// source compiles once per instruction set (see gemm_legacy.cpp).
// HEFT_VNNI: vpdpbusd/vpdpwssd on 256-bit registers (EVEX with AVX-512, else AVX-VNNI's VEX form).

// 8 int32 lanes += sums of 4 adjacent products u8 * s8 (no saturation when
// each pair of products fits int16: u <= 128 for full-range s, as every caller ensures).
static inline __m256i dot4(__m256i acc, __m256i u, __m256i s) {
#if HEFT_VNNI && HEFT_AVX512
  return _mm256_dpbusd_epi32(acc, u, s);
#elif HEFT_VNNI
  return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// 8 int32 lanes += pairs of int16 products (a16 * b16, adjacent pairs summed).
static inline __m256i dot2_i16(__m256i acc, __m256i a, __m256i b) {
#if HEFT_VNNI && HEFT_AVX512
  return _mm256_dpwssd_epi32(acc, a, b);
#elif HEFT_VNNI
  return _mm256_dpwssd_avx_epi32(acc, a, b);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// ggml's hsum_float_8: halves, then movehl, then movehdup (ggml_order::hsum8).
static inline float hsum8(__m256 x) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// An fp16 value at any address, widened to all 8 lanes.
static inline __m256 fp16_splat(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _mm256_cvtph_ps(_mm_set1_epi16(static_cast<short>(h)));
}

static inline int32_t load32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

static inline float fp16_scalar(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

static inline int32_t hsum_i32_4(__m128i s);
static inline int32_t hsum_i32_8(__m256i a) {
  return hsum_i32_4(_mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)));
}

static inline int32_t hsum_i32_4(__m128i s) {
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Reducing registers of dot4 partials: adjacent registers interleaved and
// added (vphaddd would be two shuffles and an add inside, and measured slower).
static HEFT_HOT_INLINE __m256i add_pairs32(__m256i a, __m256i b) {
  return _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
}
static HEFT_HOT_INLINE __m256i add_pairs64(__m256i a, __m256i b) {
  return _mm256_add_epi32(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
}

// Per 128-bit half, the sums of that half of v[0..3]: [L0 L1 L2 L3 | H0 H1 H2 H3].
static HEFT_HOT_INLINE __m256i sums4_by_half(const __m256i* v) { return add_pairs64(add_pairs32(v[0], v[1]), add_pairs32(v[2], v[3])); }

// The low-half sums [L0..L7] and the high-half sums [H0..H7] of v[0..7].
static HEFT_HOT_INLINE void sums8_by_half(const __m256i* v, __m256i& low, __m256i& high) {
  const __m256i q0 = sums4_by_half(v), q1 = sums4_by_half(v + 4);
  low = _mm256_permute2x128_si256(q0, q1, 0x20);
  high = _mm256_permute2x128_si256(q0, q1, 0x31);
}

// Decode streams each weight once, from DRAM, and a thread's rows are one
// contiguous run of memory. It is walked one row at a time, in order, each
// tile asking for the lines kStreamAhead bytes past the block it computes:
// a steady number of misses in flight, overlapping the arithmetic. Measured
// on 1.1B Q4_0 (2 threads, 2 MiB pages): 46 t/s with whole 2-row tiles
// prefetched just before them, 55 with this; 2-row tiles (two interleaved
// streams) are slower either way, and 3-6 KiB ahead all do about as well.
constexpr size_t kStreamAhead = 4096;

// The lines of [p, p + bytes) moved kStreamAhead on: points at most 64 bytes
// apart back from the end, so that over contiguous blocks every line is asked for.
static inline void prefetch_ahead(const uint8_t* p, size_t bytes) {
  const uintptr_t ahead = reinterpret_cast<uintptr_t>(p) + kStreamAhead;
  for (size_t o = bytes; o > 0; o = o > 64 ? o - 64 : 0) _mm_prefetch(reinterpret_cast<const char*>(ahead + o - 1), _MM_HINT_T0);
}

// One token: rows one by one (tile(a, r, 0) computes row r and calls
// prefetch_ahead per block), after asking for the first kStreamAhead bytes
// unless this thread's previous range ended where this one starts (the
// thread pool hands out a slice in consecutive chunks): its in-loop
// prefetches already asked for them.
template <class Tile>
static void run_decode(const GemmArgs& a, Tile tile) {
  thread_local const uint8_t* stream_end = nullptr;
  const uint8_t* p = a.w + static_cast<size_t>(a.r0) * a.w_stride;
  const size_t bytes = static_cast<size_t>(a.r1 - a.r0) * a.w_stride;
  if (p != stream_end)
    for (const uint8_t* q = p; q < p + std::min(kStreamAhead, bytes); q += 64) _mm_prefetch(reinterpret_cast<const char*>(q), _MM_HINT_T0);
  stream_end = p + bytes;
  for (int64_t r = a.r0; r < a.r1; ++r) tile(a, r, 0);
}

// Several tokens each in decode's order (GemmArgs::batch unset: a server's
// step over many sequences): rows in groups of 8, each row's weights read once
// for tiles of 4 tokens (tile4(a, r, t) covers tokens t..t+3), then single
// tokens (tile1). Both must take each token's steps exactly as its decode
// alone does, so its outputs are bit-identical.
template <class Tile4, class Tile1>
static void run_token_tiles(const GemmArgs& a, Tile4 tile4, Tile1 tile1) {
  for (int64_t r0 = a.r0; r0 < a.r1; r0 += 8) {
    const int64_t r1 = std::min(a.r1, r0 + 8);
    int64_t t = 0;
    for (; t + 4 <= a.n; t += 4)
      for (int64_t r = r0; r < r1; ++r) tile4(a, r, t);
    for (; t < a.n; ++t)
      for (int64_t r = r0; r < r1; ++r) tile1(a, r, t);
  }
}

// Prompt batches from rows packed 8 at a time (Packed8 in gemm_legacy-inl.h,
// Q4KPacked8 and Q2KPacked8 in gemm_kquants-inl.h): per chunk of 128 tokens,
// whose activations stay in L2, each group of 8 rows is packed once by pack,
// then tiles of 4 tokens (single tokens at the end) read it.
template <class Packed, class Tile4, class Tile1>
static void run_packed(const GemmArgs& a, Packed (*pack)(const GemmArgs&, int64_t, int64_t), Tile4 tile4, Tile1 tile1) {
  constexpr int64_t kChunk = 128;
  for (int64_t c0 = 0; c0 < a.n; c0 += kChunk) {
    const int64_t c1 = std::min(a.n, c0 + kChunk);
    for (int64_t r = a.r0; r < a.r1; r += 8) {
      const Packed p = pack(a, r, a.r1);
      int64_t t = c0;
      for (; t + 4 <= c1; t += 4) tile4(a, p, r, a.r1, t);
      for (; t < c1; ++t) tile1(a, p, r, a.r1, t);
    }
  }
}

// Prompt batches: rows in tiles of R (then singles), tokens in chunks that stay in L2, tiles of T.
template <int R, int T, class Tile, class Tile1T, class TileR1, class Tile11>
static void run_tiles(const GemmArgs& a, int64_t chunk, Tile tile, Tile1T tile_1t, TileR1 tile_r1, Tile11 tile_11) {
  for (int64_t c0 = 0; c0 < a.n; c0 += chunk) {
    const int64_t c1 = std::min(a.n, c0 + chunk);
    int64_t r = a.r0;
    for (; r + R <= a.r1; r += R) {
      int64_t t = c0;
      for (; t + T <= c1; t += T) tile(a, r, t);
      for (; t < c1; ++t) tile_r1(a, r, t);
    }
    for (; r < a.r1; ++r) {
      int64_t t = c0;
      for (; t + T <= c1; t += T) tile_1t(a, r, t);
      for (; t < c1; ++t) tile_11(a, r, t);
    }
  }
}

// 8 x 8 transpose of 32-bit groups: g[k] holds dword k of v[0] .. v[7], so that
// with one row per v[i], lane i of g[k] is bytes 4k .. 4k+3 of row i.
static inline void transpose8x8_epi32(const __m256i v[8], __m256i g[8]) {
  const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(v[4], v[5]), t5 = _mm256_unpackhi_epi32(v[4], v[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(v[6], v[7]), t7 = _mm256_unpackhi_epi32(v[6], v[7]);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  g[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
  g[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  g[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
  g[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  g[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  g[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  g[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  g[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// Weight row r + i of an 8-row tile (i < 8): rows past r_end repeat the last
// row, computed but never stored, so every output is computed the same way
// wherever a caller's row range ends.
static inline const uint8_t* tile8_row(const GemmArgs& a, int64_t r, int64_t r_end, int i) {
  return a.w + static_cast<size_t>(std::min<int64_t>(r + i, r_end - 1)) * a.w_stride;
}

// The first `live` (at most 8) lanes of v, one output row each (8-row tiles).
static inline void store_rows8(float* y, __m256 v, int64_t live) {
  if (live == 8) {
    _mm256_storeu_ps(y, v);
  } else {
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    for (int64_t i = 0; i < live; ++i) y[i] = tmp[i];
  }
}
