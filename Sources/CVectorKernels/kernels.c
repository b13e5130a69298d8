#include "vector_kernels.h"
#include "shared_kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MMS_X86 1
#else
#define MMS_X86 0
#endif

// ---------------------------------------------------------------------------------------------
// Portable versions. Eight partial sums, so compilers vectorise them for the baseline ISA.

static float dot_f32_portable(const float *a, const float *b, size_t d) {
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= d; i += 8)
        for (int k = 0; k < 8; k++) s[k] += a[i + k] * b[i + k];
    float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < d; i++) sum += a[i] * b[i];
    return sum;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);  // inf, nan
    } else if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24, exact in f32.
        float value = (float)mantissa * 5.9604644775390625e-8f;
        memcpy(&bits, &value, 4);
        bits |= sign;
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static uint16_t float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t magnitude = x & 0x7fffffffu;
    if (magnitude >= 0x7f800000u)  // inf, nan
        return sign | 0x7c00 | (magnitude > 0x7f800000u ? 0x200 : 0);
    if (magnitude >= 0x477ff000u)  // rounds to beyond the largest half: infinity
        return sign | 0x7c00;
    if (magnitude < 0x38800000u) {  // below the smallest normal half: subnormal or zero
        // Adding 0.5 makes the FPU round the value to a multiple of 2^-24 (nearest even).
        float value;
        memcpy(&value, &magnitude, 4);
        value += 0.5f;
        uint32_t bits;
        memcpy(&bits, &value, 4);
        return sign | (uint16_t)(bits - 0x3f000000u);
    }
    // Normal: rebias the exponent and round the 13 dropped bits to nearest even.
    uint32_t odd = (magnitude >> 13) & 1;
    magnitude += 0xc8000fffu + odd;  // (15 - 127) << 23, plus the rounding bias
    return sign | (uint16_t)(magnitude >> 13);
}

static float dot_f16_portable(const float *a, const uint16_t *b, size_t d) {
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= d; i += 8)
        for (int k = 0; k < 8; k++) s[k] += a[i + k] * half_to_float(b[i + k]);
    float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < d; i++) sum += a[i] * half_to_float(b[i]);
    return sum;
}

static int32_t dot_i8_portable(const int8_t *a, const int8_t *b, size_t d) {
    int32_t sum = 0;
    for (size_t i = 0; i < d; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

// ---------------------------------------------------------------------------------------------
// AVX2 + FMA + F16C versions.

#if MMS_X86
#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float hsum256(__m256 s) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

AVX2 static float dot_f32_avx2(const float *a, const float *b, size_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= d; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < d; i++) sum += a[i] * b[i];
    return sum;
}

AVX2 static inline __m256 load_half8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

AVX2 static float dot_f16_avx2(const float *a, const uint16_t *b, size_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load_half8(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), load_half8(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), load_half8(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), load_half8(b + i + 24), s3);
    }
    for (; i + 8 <= d; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load_half8(b + i), s0);
    float sum = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < d; i++) sum += a[i] * half_to_float(b[i]);
    return sum;
}

// Σ x*y over 32 int8 pairs, as 8 int32 partial sums. maddubs needs one unsigned operand:
// |x| and y carrying x's sign give the same products; two products of values in [-127, 127]
// fit an int16 (2 * 127 * 127 < 32767).
AVX2 static inline __m256i madd_i8(__m256i x, __m256i y) {
    __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

AVX2 static inline int32_t hsum256i(__m256i v) {
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    return _mm_cvtsi128_si32(h);
}

AVX2 static int32_t dot_i8_avx2(const int8_t *q, const int8_t *r, size_t d) {
    __m256i acc = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= d; i += 32)
        acc = _mm256_add_epi32(acc, madd_i8(_mm256_loadu_si256((const __m256i *)(q + i)),
                                            _mm256_loadu_si256((const __m256i *)(r + i))));
    int32_t sum = hsum256i(acc);
    for (; i < d; i++) sum += (int32_t)q[i] * (int32_t)r[i];
    return sum;
}

// The four rows' sums of a block: the lanes of each accumulator added up, then the products
// of the dimensions from `i` on that the vector loop left (dimensions not a multiple of 32).
AVX2 static inline void finish_i8x4(__m256i a0, __m256i a1, __m256i a2, __m256i a3, const int8_t *q,
                                    const int8_t *r, size_t i, size_t d, size_t stride, int32_t *out) {
    __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    int32_t sums[4];
    _mm_storeu_si128((__m128i *)sums, s);
    for (; i < d; i++)
        for (int k = 0; k < 4; k++) sums[k] += (int32_t)q[i] * (int32_t)r[k * stride + i];
    memcpy(out, sums, sizeof sums);
}

// Four rows against one query: the query is loaded once per step and the four sums are
// reduced together.
AVX2 static void dot_i8x4_avx2(const int8_t *q, const int8_t *r, size_t d, size_t stride,
                               int32_t *out) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(q + i));
        a0 = _mm256_add_epi32(a0, madd_i8(x, _mm256_loadu_si256((const __m256i *)(r + i))));
        a1 = _mm256_add_epi32(a1, madd_i8(x, _mm256_loadu_si256((const __m256i *)(r + stride + i))));
        a2 = _mm256_add_epi32(a2, madd_i8(x, _mm256_loadu_si256((const __m256i *)(r + 2 * stride + i))));
        a3 = _mm256_add_epi32(a3, madd_i8(x, _mm256_loadu_si256((const __m256i *)(r + 3 * stride + i))));
    }
    finish_i8x4(a0, a1, a2, a3, q, r, i, d, stride, out);
}

// Asks for `bytes` from `p` to be brought into the cache. A file mapped with 4 KiB pages
// defeats the hardware prefetcher at every page boundary; software prefetch a few rows ahead
// crosses them (about 20 % faster scans here). Prefetches never fault.
AVX2 static inline void prefetch(const void *p, size_t bytes) {
    const char *c = (const char *)p;
    for (size_t offset = 0; offset < bytes; offset += 64) _mm_prefetch(c + offset, _MM_HINT_T0);
}

/// Rows ahead of the one being scored that are prefetched.
#define PREFETCH_ROWS 8

AVX2 static void dot_f32_rows_avx2(const float *query, const float *rows, size_t dim, size_t stride,
                                   size_t n, float *out) {
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_ROWS < n) prefetch(rows + (i + PREFETCH_ROWS) * stride, dim * sizeof(float));
        out[i] = dot_f32_avx2(query, rows + i * stride, dim);
    }
}

AVX2 static void dot_f16_rows_avx2(const float *query, const uint16_t *rows, size_t dim, size_t stride,
                                   size_t n, float *out) {
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_ROWS < n) prefetch(rows + (i + PREFETCH_ROWS) * stride, dim * sizeof(uint16_t));
        out[i] = dot_f16_avx2(query, rows + i * stride, dim);
    }
}

AVX2 static void dot_i8_rows_avx2(const int8_t *query, const int8_t *rows, size_t dim, size_t stride,
                                  size_t n, int32_t *out) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i + PREFETCH_ROWS + 4 <= n) prefetch(rows + (i + PREFETCH_ROWS) * stride, 4 * stride);
        dot_i8x4_avx2(query, rows + i * stride, dim, stride, out + i);
    }
    for (; i < n; i++) out[i] = dot_i8_avx2(query, rows + i * stride, dim);
}

// AVX-512 VNNI (Zen 4, Ice Lake and later), on 256-bit registers: `vpdpbusd` multiplies
// unsigned by signed bytes and adds each group of four products to an int32 lane in one
// instruction, where AVX2 needs three (maddubs, madd, add). |q| is unsigned and the row
// carries q's sign, as in `madd_i8`; four products of at most 127 * 127 fit any int32.
#define VNNI __attribute__((target("avx2,avx512f,avx512vl,avx512vnni")))

VNNI static void dot_i8x4_vnni(const __m256i *absq, const int8_t *q, const int8_t *r, size_t d,
                               size_t stride, int32_t *out) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(q + i)), ax = absq[i / 32];
        a0 = _mm256_dpbusd_epi32(a0, ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(r + i)), x));
        a1 = _mm256_dpbusd_epi32(a1, ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(r + stride + i)), x));
        a2 = _mm256_dpbusd_epi32(a2, ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(r + 2 * stride + i)), x));
        a3 = _mm256_dpbusd_epi32(a3, ax, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(r + 3 * stride + i)), x));
    }
    finish_i8x4(a0, a1, a2, a3, q, r, i, d, stride, out);
}

/// Query dimensions the VNNI path keeps |q| for on the stack; longer queries use AVX2.
#define VNNI_MAX_DIM 4096

VNNI static void dot_i8_rows_vnni(const int8_t *query, const int8_t *rows, size_t dim, size_t stride,
                                  size_t n, int32_t *out) {
    __m256i absq[VNNI_MAX_DIM / 32];
    for (size_t i = 0; i + 32 <= dim; i += 32)
        absq[i / 32] = _mm256_abs_epi8(_mm256_loadu_si256((const __m256i *)(query + i)));
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i + PREFETCH_ROWS + 4 <= n) prefetch(rows + (i + PREFETCH_ROWS) * stride, 4 * stride);
        dot_i8x4_vnni(absq, query, rows + i * stride, dim, stride, out + i);
    }
    for (; i < n; i++) out[i] = dot_i8_avx2(query, rows + i * stride, dim);
}

// Several queries against the same rows, four queries and two rows at a time. The rows are
// made unsigned once for all the queries (r ^ 0x80 = r + 128), so each query costs one
// `vpdpbusd` per 32 bytes, and the sums are corrected by 128 · Σq: Σ (r + 128) q − 128 Σ q.
// Integer arithmetic throughout, so exactly `mms_dot_i8`'s sums.
VNNI static void dot_i8_queries_vnni(const int8_t *const *queries, size_t nq, const int8_t *rows,
                                     size_t dim, size_t stride, size_t n, int32_t *out) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    size_t full = dim / 32 * 32;
    for (size_t q0 = 0; q0 < nq; q0 += 4) {
        size_t group = nq - q0 < 4 ? nq - q0 : 4;
        const int8_t *q[4];
        int32_t offset[4];
        for (size_t j = 0; j < 4; j++) {
            q[j] = queries[q0 + (j < group ? j : 0)];
            int32_t sum = 0;
            for (size_t i = 0; i < full; i++) sum += q[j][i];
            offset[j] = 128 * sum;
        }
        size_t i = 0;
        for (; i + 2 <= n; i += 2) {
            const int8_t *r0 = rows + i * stride, *r1 = r0 + stride;
            if (i + PREFETCH_ROWS + 2 <= n) prefetch(rows + (i + PREFETCH_ROWS) * stride, 2 * stride);
            __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
            __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (size_t c = 0; c < full; c += 32) {
                __m256i u0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r0 + c)), flip);
                __m256i u1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r1 + c)), flip);
                __m256i x0 = _mm256_loadu_si256((const __m256i *)(q[0] + c));
                __m256i x1 = _mm256_loadu_si256((const __m256i *)(q[1] + c));
                __m256i x2 = _mm256_loadu_si256((const __m256i *)(q[2] + c));
                __m256i x3 = _mm256_loadu_si256((const __m256i *)(q[3] + c));
                a00 = _mm256_dpbusd_epi32(a00, u0, x0); a01 = _mm256_dpbusd_epi32(a01, u1, x0);
                a10 = _mm256_dpbusd_epi32(a10, u0, x1); a11 = _mm256_dpbusd_epi32(a11, u1, x1);
                a20 = _mm256_dpbusd_epi32(a20, u0, x2); a21 = _mm256_dpbusd_epi32(a21, u1, x2);
                a30 = _mm256_dpbusd_epi32(a30, u0, x3); a31 = _mm256_dpbusd_epi32(a31, u1, x3);
            }
            int32_t row0[4], row1[4];
            finish_i8x4(a00, a10, a20, a30, q[0], r0, full, full, 0, row0);
            finish_i8x4(a01, a11, a21, a31, q[0], r1, full, full, 0, row1);
            for (size_t j = 0; j < group; j++) {
                int32_t t0 = row0[j] - offset[j], t1 = row1[j] - offset[j];
                for (size_t d = full; d < dim; d++) {
                    t0 += (int32_t)q[j][d] * (int32_t)r0[d];
                    t1 += (int32_t)q[j][d] * (int32_t)r1[d];
                }
                out[(q0 + j) * n + i] = t0;
                out[(q0 + j) * n + i + 1] = t1;
            }
        }
        for (; i < n; i++)
            for (size_t j = 0; j < group; j++) out[(q0 + j) * n + i] = dot_i8_avx2(q[j], rows + i * stride, dim);
    }
}

static int has_vnni(void) {
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl");
}

AVX2 static void f32_to_f16_avx2(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = float_to_half(src[i]);
}

AVX2 static void f16_to_f32_avx2(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_half8(src + i));
    for (; i < n; i++) dst[i] = half_to_float(src[i]);
}

static int has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("f16c");
}
#else
static int has_avx2(void) { return 0; }
static int has_vnni(void) { return 0; }
#endif

// ---------------------------------------------------------------------------------------------
// Entry points.

void mms_dot_f32(const float *query, const float *rows, size_t dim, size_t stride, size_t n,
                 float *out) {
#if MMS_X86
    if (has_avx2()) {
        dot_f32_rows_avx2(query, rows, dim, stride, n, out);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) out[i] = dot_f32_portable(query, rows + i * stride, dim);
}

void mms_dot_f16(const float *query, const uint16_t *rows, size_t dim, size_t stride, size_t n,
                 float *out) {
#if MMS_X86
    if (has_avx2()) {
        dot_f16_rows_avx2(query, rows, dim, stride, n, out);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) out[i] = dot_f16_portable(query, rows + i * stride, dim);
}

void mms_dot_i8(const int8_t *query, const int8_t *rows, size_t dim, size_t stride, size_t n,
                int32_t *out) {
#if MMS_X86
    if (has_avx2() && has_vnni() && dim <= VNNI_MAX_DIM) {
        dot_i8_rows_vnni(query, rows, dim, stride, n, out);
        return;
    }
    if (has_avx2()) {
        dot_i8_rows_avx2(query, rows, dim, stride, n, out);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) out[i] = dot_i8_portable(query, rows + i * stride, dim);
}

void mms_dot_i8_queries(const int8_t *const *queries, size_t nq, const int8_t *rows, size_t dim,
                        size_t stride, size_t n, int32_t *out) {
#if MMS_X86
    if (nq > 1 && has_avx2() && has_vnni() && dim <= VNNI_MAX_DIM) {
        dot_i8_queries_vnni(queries, nq, rows, dim, stride, n, out);
        return;
    }
#endif
    for (size_t q = 0; q < nq; q++) mms_dot_i8(queries[q], rows, dim, stride, n, out + q * n);
}

int mms_dot_i8_avx2(const int8_t *query, const int8_t *rows, size_t dim, size_t stride, size_t n,
                    int32_t *out) {
#if MMS_X86
    if (has_avx2()) {
        dot_i8_rows_avx2(query, rows, dim, stride, n, out);
        return 1;
    }
#endif
    return 0;
}

void mms_f32_to_f16(const float *src, uint16_t *dst, size_t n) {
#if MMS_X86
    if (has_avx2()) {
        f32_to_f16_avx2(src, dst, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) dst[i] = float_to_half(src[i]);
}

void mms_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
#if MMS_X86
    if (has_avx2()) {
        f16_to_f32_avx2(src, dst, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) dst[i] = half_to_float(src[i]);
}

void mms_dot_f32_portable(const float *query, const float *rows, size_t dim, size_t stride,
                          size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = dot_f32_portable(query, rows + i * stride, dim);
}

void mms_dot_f16_portable(const float *query, const uint16_t *rows, size_t dim, size_t stride,
                          size_t n, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = dot_f16_portable(query, rows + i * stride, dim);
}

void mms_dot_i8_portable(const int8_t *query, const int8_t *rows, size_t dim, size_t stride,
                         size_t n, int32_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = dot_i8_portable(query, rows + i * stride, dim);
}

void mms_f32_to_f16_portable(const float *src, uint16_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = float_to_half(src[i]);
}

void mms_f16_to_f32_portable(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = half_to_float(src[i]);
}

const char *mms_kernels_isa(void) {
    return !has_avx2() ? "portable" : has_vnni() ? "avx2+fma+f16c+avx512vnni" : "avx2+fma+f16c";
}

// ---------------------------------------------------------------------------------------------
// CRC-32C (Castagnoli): the SSE 4.2 `crc32` instruction, eight bytes at a time, or a table a
// byte at a time.

static uint32_t crc_table[256];
static int crc_table_ready = 0;

static void crc_table_fill(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
    __atomic_store_n(&crc_table_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t crc32c_portable(uint32_t c, const uint8_t *p, size_t n) {
    if (!__atomic_load_n(&crc_table_ready, __ATOMIC_ACQUIRE)) crc_table_fill();
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c;
}

#if MMS_X86 && defined(__x86_64__)
#define SSE42 __attribute__((target("sse4.2")))

SSE42 static uint32_t crc32c_sse42(uint32_t c, const uint8_t *p, size_t n) {
    while (n && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8(c, *p++);
        n--;
    }
    uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c64 = _mm_crc32_u64(c64, word);
    }
    c = (uint32_t)c64;
    for (; n; n--) c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

uint32_t mms_crc32c_update(uint32_t crc, const void *bytes, size_t n) {
    uint32_t c = ~crc;
#if MMS_X86 && defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return ~crc32c_sse42(c, bytes, n);
#endif
    return ~crc32c_portable(c, bytes, n);
}

uint32_t mms_crc32c_update_portable(uint32_t crc, const void *bytes, size_t n) {
    return ~crc32c_portable(~crc, bytes, n);
}

// ---------------------------------------------------------------------------------------------
// For graph.c (shared_kernels.h).

mms_dot_i8_pair mms_shared_dot_i8(int portable) {
#if MMS_X86
    if (!portable && has_avx2()) return dot_i8_avx2;
#endif
    (void)portable;
    return dot_i8_portable;
}

mms_dot_f32_pair mms_shared_dot_f32(int portable) {
#if MMS_X86
    if (!portable && has_avx2()) return dot_f32_avx2;
#endif
    (void)portable;
    return dot_f32_portable;
}
