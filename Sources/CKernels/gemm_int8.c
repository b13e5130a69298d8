// y = x · Wᵀ in int8 (see ckernels.h): weights and rows quantised with one scale per group of
// `group` blocks of MM_Q8_BLOCK inner values (0: one group over the whole inner dimension, i.e.
// one scale per output column and per row), group products in int32, scaled and summed in f32.
// Groups of one block (ggml's Q8_0 on both sides) keep a transformer's outlier channels from
// coarsening a whole row: MiniLM needs them to stay within cosine 0.999 of f32; CLIP and CLAP
// do with one scale per row, which is a quarter faster.
//
// Packed weights, one buffer: codes, then scales.
//   codes: panels of MM_Q8_PANEL output columns; per panel, per block, 8 groups of 4 inner
//          values, each group 16 columns × 4 bytes (the layout `vpdpbusd` reads: one 32-bit lane
//          per column, 4 products each), 512 bytes per (panel, block); inner values past k are 0;
//   scales: per panel, per group, 16 floats.
// Quantised rows, one buffer: codes (m × k padded to whole blocks, bytes), then per (row, group)
// a scale (float), then per (row, group) the sum of its codes (int32, for the
// unsigned-times-signed VNNI product).
//
// Paths: AVX-512 VNNI (`vpdpbusd`, weights flipped to unsigned by +128, the rows' sums
// subtracting it again), AVX2 (`vpmaddubsw` on |w| and x with w's sign, `vpmaddwd` to int32;
// |values| <= 127 keep the 16-bit pair sums from saturating), plain C. Every path computes the
// same integers; only the f32 scaling's rounding may differ (fused or not).
#include "ckernels.h"
#include "cpu_features.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QB MM_Q8_BLOCK
#define QP MM_Q8_PANEL

static int blocks_of(int k) { return (k + QB - 1) / QB; }
static int panels_of(int n) { return (n + QP - 1) / QP; }
// Blocks per scale: `group` (at least 1), or all of them when 0.
static int group_blocks(int k, int group) { return group > 0 ? group : (blocks_of(k) > 0 ? blocks_of(k) : 1); }
static int groups_of(int k, int group) { int g = group_blocks(k, group); return (blocks_of(k) + g - 1) / g; }

int mm_q8_block(void) { return QB; }
int mm_q8_panel_width(void) { return QP; }

size_t mm_q8_weights_size(int k, int n, int group) {
    size_t panels = (size_t)panels_of(n);
    return panels * blocks_of(k) * QP * QB + panels * groups_of(k, group) * QP * sizeof(float);
}

size_t mm_q8_rows_size(int m, int k, int group) {
    return (size_t)m * blocks_of(k) * QB + (size_t)m * groups_of(k, group) * (sizeof(float) + sizeof(int32_t));
}

// One group's scale and codes: scale = max|v| / 127, code = round-half-even(v · 127 / max|v|).
// `count` values of `v` (the inner dimension may end inside the group); codes up to `length`
// (whole blocks) past them are 0.
static float quantize_group(const float *v, int count, int length, int8_t *codes) {
    float amax = 0;
    for (int i = 0; i < count; i++) {
        float a = fabsf(v[i]);
        amax = a > amax ? a : amax;
    }
    float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    for (int i = 0; i < length; i++) {
        float q = i < count ? nearbyintf(v[i] * inverse) : 0.0f;
        codes[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
    }
    return amax / 127.0f;
}

void mm_q8_unpack_weights(const void *packed, int k, int n, int group, float *w) {
    int blocks = blocks_of(k), panels = panels_of(n), per = group_blocks(k, group), groups = groups_of(k, group);
    const int8_t *codes = packed;
    const float *scales = (const float *)(codes + (size_t)panels * blocks * QP * QB);
    for (int col = 0; col < n; col++) {
        int p = col / QP, j = col % QP;
        for (int i = 0; i < k; i++) {
            int b = i / QB, t = i % QB;
            const int8_t *src = codes + ((size_t)p * blocks + b) * QP * QB;
            w[(size_t)col * k + i] = scales[((size_t)p * groups + b / per) * QP + j] * (float)src[(t / 4) * QP * 4 + j * 4 + t % 4];
        }
    }
}

// Where the parts of a quantised-rows buffer are.
typedef struct {
    const int8_t *codes;    // row r's codes at r · stride
    const float *scales;    // (r, g) at r · groups + g
    const int32_t *sums;
    size_t stride;
    int blocks, per, groups;  // blocks of 32, blocks per group, groups
} rows_view;

static rows_view view_rows(const void *buffer, int m, int k, int group) {
    rows_view v;
    v.blocks = blocks_of(k);
    v.per = group_blocks(k, group);
    v.groups = groups_of(k, group);
    v.stride = (size_t)v.blocks * QB;
    v.codes = buffer;
    v.scales = (const float *)(v.codes + (size_t)m * v.stride);
    v.sums = (const int32_t *)(v.scales + (size_t)m * v.groups);
    return v;
}

// The blocks [g · per, group_end(v, g)) of group g (the last group may have fewer).
static int group_end(rows_view v, int g) { return g * v.per + v.per < v.blocks ? g * v.per + v.per : v.blocks; }

// Row r's group g: its codes, scale and the sum of its codes, from `count` values.
static void quantize_row_group(rows_view v, int r, int g, const float *values, int count) {
    int b0 = g * v.per, b1 = group_end(v, g);
    int8_t *codes = (int8_t *)v.codes + (size_t)r * v.stride + (size_t)b0 * QB;
    ((float *)v.scales)[(size_t)r * v.groups + g] = quantize_group(values, count, (b1 - b0) * QB, codes);
    int32_t sum = 0;
    for (int i = 0; i < (b1 - b0) * QB; i++) sum += codes[i];
    ((int32_t *)v.sums)[(size_t)r * v.groups + g] = sum;
}

static void quantize_rows_portable(int m, int k, const float *a, int lda, int group, void *buffer, int first, int last) {
    rows_view v = view_rows(buffer, m, k, group);
    for (int r = first; r < last; r++) {
        for (int g = 0; g < v.groups; g++) {
            int k0 = g * v.per * QB, count = k - k0 < v.per * QB ? k - k0 : v.per * QB;
            quantize_row_group(v, r, g, a + (size_t)r * lda + k0, count);
        }
    }
}

// Output panel p, rows [r0, r0 + mr), in plain C.
static void tile_portable(rows_view x, int r0, int mr, const int8_t *wc, const float *ws, float *c, int ldc,
                          int nr, int accumulate) {
    for (int r = r0; r < r0 + mr; r++) {
        float acc[QP] = {0};
        const int8_t *xr = x.codes + (size_t)r * x.stride;
        for (int g = 0; g < x.groups; g++) {
            int b0 = g * x.per, b1 = group_end(x, g);
            float xs = x.scales[(size_t)r * x.groups + g];
            for (int j = 0; j < QP; j++) {
                int32_t dot = 0;
                for (int b = b0; b < b1; b++) {
                    const int8_t *wb = wc + (size_t)b * QP * QB;
                    for (int i = 0; i < QB; i++) dot += (int32_t)xr[b * QB + i] * wb[(i / 4) * QP * 4 + j * 4 + i % 4];
                }
                acc[j] += (float)dot * (ws[g * QP + j] * xs);
            }
        }
        float *row = c + (size_t)(r - r0) * ldc;
        for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + acc[j] : acc[j];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define Q8_AVX2 __attribute__((target("avx2,fma")))
#define Q8_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")))
#define ALWAYS_INLINE inline __attribute__((always_inline))

// The same numbers as `quantize_rows_portable`: max|v| over the group, then v · (127 / max)
// rounded half to even (`vcvtps2dq` in the default rounding mode, as nearbyintf).
Q8_AVX2 static void quantize_rows_avx2(int m, int k, const float *a, int lda, int group, void *buffer, int first, int last) {
    rows_view v = view_rows(buffer, m, k, group);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int r = first; r < last; r++) {
        const float *row = a + (size_t)r * lda;
        for (int g = 0; g < v.groups; g++) {
            int k0 = g * v.per * QB, length = v.per * QB;
            if (k - k0 < length) {  // the last group, ending inside a block or short of blocks
                quantize_row_group(v, r, g, row + k0, k - k0);
                continue;
            }
            const float *x = row + k0;
            __m256 m4 = _mm256_setzero_ps();
            for (int i = 0; i < length; i += 8) m4 = _mm256_max_ps(m4, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
            __m128 m2 = _mm_max_ps(_mm256_castps256_ps128(m4), _mm256_extractf128_ps(m4, 1));
            m2 = _mm_max_ps(m2, _mm_movehl_ps(m2, m2));
            m2 = _mm_max_ss(m2, _mm_movehdup_ps(m2));
            float amax = _mm_cvtss_f32(m2);
            float inverse = amax > 0 ? 127.0f / amax : 0.0f;
            ((float *)v.scales)[(size_t)r * v.groups + g] = amax / 127.0f;
            __m256 f = _mm256_set1_ps(inverse);
            __m256i s = _mm256_setzero_si256();
            int8_t *codes = (int8_t *)v.codes + (size_t)r * v.stride + (size_t)k0;
            for (int i = 0; i < length; i += 32) {
                // |x · f| <= 127: no clamp needed.
                __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), f));
                __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), f));
                __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), f));
                __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), f));
                s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
                // int32 → int16 → int8 packs interleave 128-bit lanes; the permute puts them back.
                __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
                _mm256_storeu_si256((__m256i *)(codes + i), _mm256_permutevar8x32_epi32(p, order));
            }
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
            ((int32_t *)v.sums)[(size_t)r * v.groups + g] = _mm_cvtsi128_si32(s4);
        }
    }
}

// MR rows × 16 columns with AVX-512 VNNI. Weights are flipped to unsigned (+128) as they are
// loaded; each block's integer accumulator starts at -128 · Σ x, which takes that back.
static ALWAYS_INLINE Q8_VNNI void tile_vnni(const int MR, rows_view x, int r0, const int8_t *wc, const float *ws,
                                            float *c, int ldc, int nr, int accumulate) {
    __m512 acc[8];
    for (int r = 0; r < MR; r++) acc[r] = _mm512_setzero_ps();
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const int8_t *xr[8];
    for (int r = 0; r < MR; r++) xr[r] = x.codes + (size_t)(r0 + r) * x.stride;
    for (int g = 0; g < x.groups; g++) {
        int i0 = g * x.per * QB, i1 = group_end(x, g) * QB;
        __m512i dot[8];
        for (int r = 0; r < MR; r++) dot[r] = _mm512_set1_epi32(-128 * x.sums[(size_t)(r0 + r) * x.groups + g]);
        // Weights of inner values i..i+3 for the panel's 16 columns: 64 bytes at wc + 16·i.
        for (int i = i0; i < i1; i += 4) {
            __m512i w = _mm512_xor_si512(_mm512_load_si512((const void *)(wc + (size_t)i * QP)), flip);
            for (int r = 0; r < MR; r++) {
                int32_t four;
                memcpy(&four, xr[r] + i, 4);
                dot[r] = _mm512_dpbusd_epi32(dot[r], w, _mm512_set1_epi32(four));
            }
        }
        __m512 wscale = _mm512_loadu_ps(ws + g * QP);
        for (int r = 0; r < MR; r++) {
            __m512 s = _mm512_mul_ps(wscale, _mm512_set1_ps(x.scales[(size_t)(r0 + r) * x.groups + g]));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[r]), s, acc[r]);
        }
    }
    __mmask16 mask = (__mmask16)((1u << nr) - 1);
    for (int r = 0; r < MR; r++) {
        float *row = c + (size_t)r * ldc;
        __m512 v = acc[r];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, row));
        _mm512_mask_storeu_ps(row, mask, v);
    }
}

Q8_VNNI static void tile_vnni_8(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_vnni(8, x, r0, wc, ws, c, ldc, nr, acc); }
Q8_VNNI static void tile_vnni_4(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_vnni(4, x, r0, wc, ws, c, ldc, nr, acc); }
Q8_VNNI static void tile_vnni_2(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_vnni(2, x, r0, wc, ws, c, ldc, nr, acc); }
Q8_VNNI static void tile_vnni_1(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_vnni(1, x, r0, wc, ws, c, ldc, nr, acc); }

// MR rows × 16 columns with AVX2: `vpmaddubsw` multiplies unsigned by signed bytes, so it gets
// |w| and x carrying w's sign; pairs of products (at most 2 · 127² < 2¹⁵) are summed to int32 by
// `vpmaddwd` against ones.
static ALWAYS_INLINE Q8_AVX2 void tile_avx2(const int MR, rows_view x, int r0, const int8_t *wc, const float *ws,
                                            float *c, int ldc, int nr, int accumulate) {
    __m256 acc[4][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t *xr[4];
    for (int r = 0; r < MR; r++) xr[r] = x.codes + (size_t)(r0 + r) * x.stride;
    for (int g = 0; g < x.groups; g++) {
        int i0 = g * x.per * QB, i1 = group_end(x, g) * QB;
        __m256i dot[4][2];
        for (int r = 0; r < MR; r++) dot[r][0] = dot[r][1] = _mm256_setzero_si256();
        for (int i = i0; i < i1; i += 4) {
            __m256i w0 = _mm256_load_si256((const __m256i *)(wc + (size_t)i * QP));
            __m256i w1 = _mm256_load_si256((const __m256i *)(wc + (size_t)i * QP + 32));
            __m256i a0 = _mm256_sign_epi8(w0, w0), a1 = _mm256_sign_epi8(w1, w1);
            for (int r = 0; r < MR; r++) {
                int32_t four;
                memcpy(&four, xr[r] + i, 4);
                __m256i xv = _mm256_set1_epi32(four);
                __m256i p0 = _mm256_maddubs_epi16(a0, _mm256_sign_epi8(xv, w0));
                __m256i p1 = _mm256_maddubs_epi16(a1, _mm256_sign_epi8(xv, w1));
                dot[r][0] = _mm256_add_epi32(dot[r][0], _mm256_madd_epi16(p0, ones));
                dot[r][1] = _mm256_add_epi32(dot[r][1], _mm256_madd_epi16(p1, ones));
            }
        }
        __m256 s0 = _mm256_loadu_ps(ws + g * QP), s1 = _mm256_loadu_ps(ws + g * QP + 8);
        for (int r = 0; r < MR; r++) {
            __m256 xs = _mm256_set1_ps(x.scales[(size_t)(r0 + r) * x.groups + g]);
            acc[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r][0]), _mm256_mul_ps(s0, xs), acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r][1]), _mm256_mul_ps(s1, xs), acc[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        float *row = c + (size_t)r * ldc;
        float t[QP];
        _mm256_storeu_ps(t, acc[r][0]);
        _mm256_storeu_ps(t + 8, acc[r][1]);
        for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + t[j] : t[j];
    }
}

Q8_AVX2 static void tile_avx2_4(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_avx2(4, x, r0, wc, ws, c, ldc, nr, acc); }
Q8_AVX2 static void tile_avx2_2(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_avx2(2, x, r0, wc, ws, c, ldc, nr, acc); }
Q8_AVX2 static void tile_avx2_1(rows_view x, int r0, const int8_t *wc, const float *ws, float *c, int ldc, int nr, int acc) { tile_avx2(1, x, r0, wc, ws, c, ldc, nr, acc); }

#endif

/// What `mm_q8_limit_isa` allows: 0 everything, 1 up to AVX2, 2 plain C.
static int isa_cap = 0;
void mm_q8_limit_isa(int cap) { isa_cap = cap; }

enum path { PORTABLE, AVX2, VNNI };
static enum path chosen(void) {
    if (isa_cap < 1 && mm_cpu_avx512_vnni()) return VNNI;
    if (isa_cap < 2 && mm_cpu_avx2_fma()) return AVX2;
    return PORTABLE;
}

const char *mm_q8_isa(void) {
    switch (chosen()) {
    case VNNI: return "avx512-vnni";
    case AVX2: return "avx2";
    default: return "portable";
    }
}

void mm_q8_quantize_rows(int m, int k, const float *a, int lda, int group, void *rows, int first, int last) {
    first = first < 0 ? 0 : first;
    last = last > m ? m : last;
#if defined(__x86_64__)
    if (chosen() != PORTABLE) { quantize_rows_avx2(m, k, a, lda, group, rows, first, last); return; }
#endif
    quantize_rows_portable(m, k, a, lda, group, rows, first, last);
}

// The weights' columns are quantised as rows are (`mm_q8_quantize_rows`: the same numbers, on the
// CPU's vector path), then their codes are laid out in panels, 4 bytes at a time.
void mm_q8_pack_weights(const float *w, int k, int n, int group, void *packed) {
    int blocks = blocks_of(k), panels = panels_of(n), groups = groups_of(k, group);
    int8_t *codes = packed;
    float *scales = (float *)(codes + (size_t)panels * blocks * QP * QB);
    memset(packed, 0, mm_q8_weights_size(k, n, group));
    void *rows = malloc(mm_q8_rows_size(n, k, group));
    if (!rows) abort();
    mm_q8_quantize_rows(n, k, w, k, group, rows, 0, n);
    rows_view v = view_rows(rows, n, k, group);
    for (int col = 0; col < n; col++) {
        int p = col / QP, j = col % QP;
        const int8_t *src = v.codes + (size_t)col * v.stride;
        for (int b = 0; b < blocks; b++) {
            int8_t *dst = codes + ((size_t)p * blocks + b) * QP * QB + j * 4;
            for (int i4 = 0; i4 < QB / 4; i4++) memcpy(dst + i4 * QP * 4, src + b * QB + i4 * 4, 4);
        }
        for (int g = 0; g < groups; g++) scales[((size_t)p * groups + g) * QP + j] = v.scales[(size_t)col * groups + g];
    }
    free(rows);
}

void mm_q8_gemm(int m, int n, int k, int group, const void *rows, const void *packed, float *c, int ldc,
                int accumulate, int panel_begin, int panel_end) {
    if (m <= 0 || k <= 0 || panel_begin >= panel_end) {
        for (int r = 0; r < m && !accumulate; r++)
            for (int j = panel_begin * QP; j < n && j < panel_end * QP; j++) c[(size_t)r * ldc + j] = 0.0f;
        return;
    }
    rows_view x = view_rows(rows, m, k, group);
    int blocks = x.blocks, panels = panels_of(n);
    const int8_t *codes = packed;
    const float *scales = (const float *)(codes + (size_t)panels * blocks * QP * QB);
    enum path path = chosen();
    for (int p = panel_begin; p < panel_end; p++) {
        const int8_t *wc = codes + (size_t)p * blocks * QP * QB;
        const float *ws = scales + (size_t)p * x.groups * QP;
        int nr = n - p * QP < QP ? n - p * QP : QP;
        float *cp = c + (size_t)p * QP;
        int r = 0;
#if defined(__x86_64__)
        if (path == VNNI) {
            for (; r + 8 <= m; r += 8) tile_vnni_8(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate);
            if (r + 4 <= m) { tile_vnni_4(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate); r += 4; }
            if (r + 2 <= m) { tile_vnni_2(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate); r += 2; }
            if (r < m) { tile_vnni_1(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate); r += 1; }
        } else if (path == AVX2) {
            for (; r + 4 <= m; r += 4) tile_avx2_4(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate);
            if (r + 2 <= m) { tile_avx2_2(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate); r += 2; }
            if (r < m) { tile_avx2_1(x, r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate); r += 1; }
        }
#else
        (void)path;
#endif
        if (r < m) tile_portable(x, r, m - r, wc, ws, cp + (size_t)r * ldc, ldc, nr, accumulate);
    }
}
