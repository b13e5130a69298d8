#include "ckernels.h"
#include "cpu_features.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

// Channel blocks of 32 floats: four AVX registers of accumulators stay in registers while every
// tap of the kernel is added in, so each tap costs one load of input and one of weights.
#define MM_BLOCK 32

#define MM_DEPTHWISE_NHWC_BODY                                                                  \
    for (int n = 0; n < batch; n++) {                                                           \
        for (int oy = 0; oy < out_height; oy++) {                                               \
            for (int ox = 0; ox < out_width; ox++) {                                            \
                float *restrict out = y + (((size_t)n * out_height + oy) * out_width + ox) * channels; \
                for (int c0 = 0; c0 < channels; c0 += MM_BLOCK) {                               \
                    int cn = channels - c0 < MM_BLOCK ? channels - c0 : MM_BLOCK;               \
                    float acc[MM_BLOCK];                                                        \
                    for (int c = 0; c < MM_BLOCK; c++) acc[c] = c < cn ? bias[c0 + c] : 0.0f;   \
                    for (int ky = 0; ky < kernel; ky++) {                                       \
                        int iy = oy * stride - pad_top + ky;                                    \
                        if (iy < 0 || iy >= height) continue;                                   \
                        for (int kx = 0; kx < kernel; kx++) {                                   \
                            int ix = ox * stride - pad_left + kx;                               \
                            if (ix < 0 || ix >= width) continue;                                \
                            const float *restrict xv = x + (((size_t)n * height + iy) * width + ix) * channels + c0; \
                            const float *restrict wv = w + ((size_t)ky * kernel + kx) * channels + c0; \
                            if (cn == MM_BLOCK) {                                               \
                                for (int c = 0; c < MM_BLOCK; c++) acc[c] += wv[c] * xv[c];     \
                            } else {                                                            \
                                for (int c = 0; c < cn; c++) acc[c] += wv[c] * xv[c];           \
                            }                                                                   \
                        }                                                                       \
                    }                                                                           \
                    if (relu6) {                                                                \
                        for (int c = 0; c < MM_BLOCK; c++)                                      \
                            acc[c] = acc[c] < 0.0f ? 0.0f : (acc[c] > 6.0f ? 6.0f : acc[c]);    \
                    }                                                                           \
                    for (int c = 0; c < cn; c++) out[c0 + c] = acc[c];                          \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
    }

#define MM_DEPTHWISE_NHWC_PARAMS                                                                \
    const float *restrict x, int batch, int height, int width, int channels,                    \
    const float *restrict w, const float *restrict bias, int kernel, int stride, int pad_top,   \
    int pad_left, int relu6, float *restrict y, int out_height, int out_width

#define MM_RELU6_BODY                                                                           \
    for (size_t i = 0; i < count; i++) y[i] = y[i] < 0.0f ? 0.0f : (y[i] > 6.0f ? 6.0f : y[i]);
#define MM_ADD_BODY for (size_t i = 0; i < count; i++) y[i] += x[i];

// GELU, 0.5 x (1 + erf(x / sqrt 2)), with erf as a ratio of an odd polynomial of degree 13
// and an even one of degree 8 on [-4, 4] (erf(±4) is ±1 to float precision): the published
// rational approximation Eigen and XLA use for float erf. Within 1.4e-6 of the exact GELU
// everywhere (libm's erff: 4.5e-7), branch-free, so it vectorises. Every multiply-add is an
// explicit fmaf and no other product is added to anything: the scalar and vector code give
// the same numbers, whatever the CPU, and a value does not depend on where it lies.
#define MM_GELU_BODY                                                                            \
    for (size_t i = 0; i < count; i++) {                                                        \
        float v = y[i];                                                                         \
        float u = v * 0.70710678118654752440f;                                                  \
        u = u < -4.0f ? -4.0f : (u > 4.0f ? 4.0f : u);                                          \
        float z = u * u;                                                                        \
        float p = -2.72614225801306e-10f;                                                       \
        p = fmaf(p, z, 2.77068142495902e-08f);                                                  \
        p = fmaf(p, z, -2.10102402082508e-06f);                                                 \
        p = fmaf(p, z, -5.69250639462346e-05f);                                                 \
        p = fmaf(p, z, -7.34990630326855e-04f);                                                 \
        p = fmaf(p, z, -2.95459980854025e-03f);                                                 \
        p = fmaf(p, z, -1.60960333262415e-02f);                                                 \
        float q = -1.45660718464996e-05f;                                                       \
        q = fmaf(q, z, -2.13374055278905e-04f);                                                 \
        q = fmaf(q, z, -1.68282697438203e-03f);                                                 \
        q = fmaf(q, z, -7.37332916720468e-03f);                                                 \
        q = fmaf(q, z, -1.42647390514189e-02f);                                                 \
        float erf = (u * p) / q;                                                                \
        y[i] = (0.5f * v) * (1.0f + erf);                                                       \
    }

// e^t as Cephes' expf computes it: t = n·ln 2 + r, |r| <= ln 2 / 2, e^r by a degree-7
// polynomial, 2^n put in the exponent bits. Within 2 ulp of libm's expf for t in [-87, 88] (the
// caller clamps t there); branch-free with explicit fmaf, so scalar and vector code give the
// same numbers.
#define MM_EXP(t, out)                                                                          \
    do {                                                                                        \
        float n_ = rintf((t) * 1.44269504088896341f);                                           \
        float r_ = fmaf(n_, -0.693359375f, (t));                                                \
        r_ = fmaf(n_, 2.12194440e-4f, r_);                                                      \
        float p_ = 1.9875691500e-4f;                                                            \
        p_ = fmaf(p_, r_, 1.3981999507e-3f);                                                    \
        p_ = fmaf(p_, r_, 8.3334519073e-3f);                                                    \
        p_ = fmaf(p_, r_, 4.1665795894e-2f);                                                    \
        p_ = fmaf(p_, r_, 1.6666665459e-1f);                                                    \
        p_ = fmaf(p_, r_, 5.0000001201e-1f);                                                    \
        p_ = fmaf(p_, r_ * r_, r_) + 1.0f;                                                      \
        int32_t bits_ = ((int32_t)n_ + 127) << 23;                                              \
        float scale_;                                                                           \
        memcpy(&scale_, &bits_, sizeof scale_);                                                 \
        (out) = p_ * scale_;                                                                    \
    } while (0)

// Quick GELU, x · sigmoid(1.702 x) = x / (1 + e^(-1.702 x)); the exponent is clamped to
// [-87, 88], where the quotient is already x or -0 to float precision.
#define MM_QUICK_GELU_BODY                                                                      \
    for (size_t i = 0; i < count; i++) {                                                        \
        float v = y[i];                                                                         \
        float t = -1.702f * v;                                                                  \
        t = t < -87.0f ? -87.0f : (t > 88.0f ? 88.0f : t);                                      \
        float e;                                                                                \
        MM_EXP(t, e);                                                                           \
        y[i] = v / (1.0f + e);                                                                  \
    }

// Softmax of each row: e^(x - max) / Σ, the exponent clamped below at -87 (e^-87 is 0 next to
// the row's largest term, 1).
#define MM_SOFTMAX_BODY                                                                         \
    for (int r = 0; r < rows; r++) {                                                            \
        float *row = x + (size_t)r * stride;                                                    \
        float m = row[0];                                                                       \
        for (int j = 1; j < cols; j++) m = row[j] > m ? row[j] : m;                             \
        float sum = 0;                                                                          \
        for (int j = 0; j < cols; j++) {                                                        \
            float t = row[j] - m;                                                               \
            t = t < -87.0f ? -87.0f : t;                                                        \
            float e;                                                                            \
            MM_EXP(t, e);                                                                       \
            row[j] = e;                                                                         \
        }                                                                                       \
        for (int j = 0; j < cols; j++) sum += row[j];                                           \
        float inv = 1.0f / sum;                                                                 \
        for (int j = 0; j < cols; j++) row[j] *= inv;                                           \
    }

static void depthwise_nhwc_generic(MM_DEPTHWISE_NHWC_PARAMS) { MM_DEPTHWISE_NHWC_BODY }

static void layer_norm_generic(float *x, int rows, int dim, const float *gamma, const float *beta, float eps) {
    float inv_dim = 1.0f / (float)dim;
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * dim;
        float mean = 0, variance = 0;
        for (int j = 0; j < dim; j++) mean += row[j];
        mean *= inv_dim;
        for (int j = 0; j < dim; j++) variance += (row[j] - mean) * (row[j] - mean);
        float inv = 1.0f / sqrtf(variance * inv_dim + eps);
        for (int j = 0; j < dim; j++) row[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
    }
}
static void quick_gelu_generic(float *restrict y, size_t count) { MM_QUICK_GELU_BODY }
static void softmax_rows_generic(float *restrict x, int rows, int cols, int stride) { MM_SOFTMAX_BODY }
static void gelu_generic(float *restrict y, size_t count) { MM_GELU_BODY }
static void relu6_generic(float *restrict y, size_t count) { MM_RELU6_BODY }
static void add_generic(const float *restrict x, float *restrict y, size_t count) { MM_ADD_BODY }

#if defined(__x86_64__)
#include <immintrin.h>
#define MM_AVX2 __attribute__((target("avx2,fma")))
MM_AVX2 static void depthwise_nhwc_avx2(MM_DEPTHWISE_NHWC_PARAMS) { MM_DEPTHWISE_NHWC_BODY }
MM_AVX2 static void relu6_avx2(float *restrict y, size_t count) { MM_RELU6_BODY }
MM_AVX2 static void gelu_avx2(float *restrict y, size_t count) { MM_GELU_BODY }
MM_AVX2 static void quick_gelu_avx2(float *restrict y, size_t count) { MM_QUICK_GELU_BODY }
MM_AVX2 static void softmax_rows_avx2(float *restrict x, int rows, int cols, int stride) { MM_SOFTMAX_BODY }

// Sums in 8 lanes (then across them), two passes as the generic code: the mean, then the
// squared deviations from it.
MM_AVX2 static float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

MM_AVX2 static void layer_norm_avx2(float *x, int rows, int dim, const float *gamma, const float *beta, float eps) {
    float inv_dim = 1.0f / (float)dim;
    int full = dim & ~7;
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * dim;
        __m256 acc = _mm256_setzero_ps();
        for (int j = 0; j < full; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(row + j));
        float mean = sum8(acc);
        for (int j = full; j < dim; j++) mean += row[j];
        mean *= inv_dim;
        __m256 m = _mm256_set1_ps(mean);
        acc = _mm256_setzero_ps();
        for (int j = 0; j < full; j += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + j), m);
            acc = _mm256_fmadd_ps(d, d, acc);
        }
        float variance = sum8(acc);
        for (int j = full; j < dim; j++) variance += (row[j] - mean) * (row[j] - mean);
        float inv = 1.0f / sqrtf(variance * inv_dim + eps);
        __m256 iv = _mm256_set1_ps(inv);
        for (int j = 0; j < full; j += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), m), iv);
            _mm256_storeu_ps(row + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
        }
        for (int j = full; j < dim; j++) row[j] = (row[j] - mean) * inv * gamma[j] + beta[j];
    }
}
MM_AVX2 static void add_avx2(const float *restrict x, float *restrict y, size_t count) { MM_ADD_BODY }

// Depthwise with AVX-512 for 3×3 and 5×5 kernels: 16 channels per register; a block of
// channels keeps its k·k taps' weights in registers for the whole map, and runs of 4 output
// pixels whose receptive fields lie inside the input take 4 independent accumulators (one FMA
// chain each), so each multiply-add costs one load of input. Pixels at the borders check each
// tap. The channels past the last multiple of 16 are masked. Same sums in the same tap order
// as the generic code, with fused multiply-adds.
#define MM_AVX512 __attribute__((target("avx2,fma,avx512f")))
#define MM_INLINE inline __attribute__((always_inline))

static MM_INLINE MM_AVX512 void depthwise_block_avx512(
    const int K, const float *restrict x, int n, int height, int width, int channels, int c0, __mmask16 mask,
    const float *restrict w, const float *restrict bias, int stride, int pad_top, int pad_left, int relu6,
    float *restrict y, int out_height, int out_width) {
    __m512 wv[25];
    for (int t = 0; t < K * K; t++) wv[t] = _mm512_maskz_loadu_ps(mask, w + (size_t)t * channels + c0);
    const __m512 b = _mm512_maskz_loadu_ps(mask, bias + c0);
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.0f);
    const size_t row = (size_t)width * channels;
    // Output columns whose taps all lie inside the input: ox*stride - pad_left >= 0 and
    // ox*stride - pad_left + K - 1 < width.
    int xa = (pad_left + stride - 1) / stride, xb = width - K + pad_left < 0 ? 0 : (width - K + pad_left) / stride + 1;
    if (xb > out_width) xb = out_width;
    if (xa > xb) xa = xb;
    for (int oy = 0; oy < out_height; oy++) {
        int iy0 = oy * stride - pad_top;
        float *restrict out = y + (((size_t)n * out_height + oy) * out_width) * channels + c0;
        const float *restrict in = x + ((size_t)n * height) * row + c0;
        int interior_rows = iy0 >= 0 && iy0 + K <= height;
        int ox = 0;
        while (ox < out_width) {
            if (interior_rows && ox >= xa && ox + 4 <= xb) {
                __m512 a0 = b, a1 = b, a2 = b, a3 = b;
                const float *p = in + (size_t)iy0 * row + (size_t)(ox * stride - pad_left) * channels;
                const size_t step = (size_t)stride * channels;
                for (int ky = 0; ky < K; ky++) {
                    const float *q = p + (size_t)ky * row;
                    for (int kx = 0; kx < K; kx++) {
                        __m512 wt = wv[ky * K + kx];
                        const float *r = q + (size_t)kx * channels;
                        a0 = _mm512_fmadd_ps(wt, _mm512_maskz_loadu_ps(mask, r), a0);
                        a1 = _mm512_fmadd_ps(wt, _mm512_maskz_loadu_ps(mask, r + step), a1);
                        a2 = _mm512_fmadd_ps(wt, _mm512_maskz_loadu_ps(mask, r + 2 * step), a2);
                        a3 = _mm512_fmadd_ps(wt, _mm512_maskz_loadu_ps(mask, r + 3 * step), a3);
                    }
                }
                if (relu6) {
                    a0 = _mm512_min_ps(_mm512_max_ps(a0, zero), six);
                    a1 = _mm512_min_ps(_mm512_max_ps(a1, zero), six);
                    a2 = _mm512_min_ps(_mm512_max_ps(a2, zero), six);
                    a3 = _mm512_min_ps(_mm512_max_ps(a3, zero), six);
                }
                _mm512_mask_storeu_ps(out + (size_t)ox * channels, mask, a0);
                _mm512_mask_storeu_ps(out + (size_t)(ox + 1) * channels, mask, a1);
                _mm512_mask_storeu_ps(out + (size_t)(ox + 2) * channels, mask, a2);
                _mm512_mask_storeu_ps(out + (size_t)(ox + 3) * channels, mask, a3);
                ox += 4;
                continue;
            }
            __m512 acc = b;
            int ix0 = ox * stride - pad_left;
            for (int ky = 0; ky < K; ky++) {
                int iy = iy0 + ky;
                if (iy < 0 || iy >= height) continue;
                for (int kx = 0; kx < K; kx++) {
                    int ix = ix0 + kx;
                    if (ix < 0 || ix >= width) continue;
                    acc = _mm512_fmadd_ps(wv[ky * K + kx], _mm512_maskz_loadu_ps(mask, in + (size_t)iy * row + (size_t)ix * channels), acc);
                }
            }
            if (relu6) acc = _mm512_min_ps(_mm512_max_ps(acc, zero), six);
            _mm512_mask_storeu_ps(out + (size_t)ox * channels, mask, acc);
            ox++;
        }
    }
}

MM_AVX512 static void depthwise_nhwc_avx512(MM_DEPTHWISE_NHWC_PARAMS) {
    for (int n = 0; n < batch; n++) {
        for (int c0 = 0; c0 < channels; c0 += 16) {
            int rest = channels - c0;
            __mmask16 mask = rest >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rest) - 1);
            if (kernel == 3)
                depthwise_block_avx512(3, x, n, height, width, channels, c0, mask, w, bias, stride, pad_top, pad_left,
                                       relu6, y, out_height, out_width);
            else
                depthwise_block_avx512(5, x, n, height, width, channels, c0, mask, w, bias, stride, pad_top, pad_left,
                                       relu6, y, out_height, out_width);
        }
    }
}

int mm_cpu_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int mm_cpu_avx512f(void) { return mm_cpu_avx2_fma() && __builtin_cpu_supports("avx512f"); }

int mm_cpu_avx512_vnni(void) {
    return mm_cpu_avx512f() && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw");
}
#define MM_DISPATCH(name, ...) \
    do { if (mm_cpu_avx2_fma()) name##_avx2(__VA_ARGS__); else name##_generic(__VA_ARGS__); } while (0)
#else
int mm_cpu_avx2_fma(void) { return 0; }
int mm_cpu_avx512f(void) { return 0; }
int mm_cpu_avx512_vnni(void) { return 0; }
#define MM_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

static int depthwise_avx512_allowed = 1;
void mm_depthwise_limit_avx512(int allowed) { depthwise_avx512_allowed = allowed; }

const char *mm_kernels_isa(void) {
#if defined(__x86_64__)
    if (mm_cpu_avx2_fma()) return "avx2+fma";
#endif
    return "generic";
}

void mm_depthwise_nhwc(const float *x, int batch, int height, int width, int channels,
                       const float *w, const float *bias, int kernel, int stride, int pad_top,
                       int pad_left, int relu6, float *y, int out_height, int out_width) {
#if defined(__x86_64__)
    if ((kernel == 3 || kernel == 5) && depthwise_avx512_allowed && mm_cpu_avx512f()) {
        depthwise_nhwc_avx512(x, batch, height, width, channels, w, bias, kernel, stride, pad_top, pad_left, relu6,
                              y, out_height, out_width);
        return;
    }
#endif
    MM_DISPATCH(depthwise_nhwc, x, batch, height, width, channels, w, bias, kernel, stride,
                pad_top, pad_left, relu6, y, out_height, out_width);
}

void mm_relu6(float *y, size_t count) { MM_DISPATCH(relu6, y, count); }

void mm_gelu(float *y, size_t count) { MM_DISPATCH(gelu, y, count); }

void mm_quick_gelu(float *y, size_t count) { MM_DISPATCH(quick_gelu, y, count); }

void mm_softmax_rows(float *x, int rows, int cols, int stride) {
    if (cols <= 0) return;
    MM_DISPATCH(softmax_rows, x, rows, cols, stride);
}

void mm_layer_norm(float *x, int rows, int dim, const float *gamma, const float *beta, float eps) {
    MM_DISPATCH(layer_norm, x, rows, dim, gamma, beta, eps);
}

void mm_add(const float *x, float *y, size_t count) { MM_DISPATCH(add, x, y, count); }
