#include "ckernels.h"

#include <math.h>

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

static void depthwise_nhwc_generic(MM_DEPTHWISE_NHWC_PARAMS) { MM_DEPTHWISE_NHWC_BODY }
static void gelu_generic(float *restrict y, size_t count) { MM_GELU_BODY }
static void relu6_generic(float *restrict y, size_t count) { MM_RELU6_BODY }
static void add_generic(const float *restrict x, float *restrict y, size_t count) { MM_ADD_BODY }

#if defined(__x86_64__)
#define MM_AVX2 __attribute__((target("avx2,fma")))
MM_AVX2 static void depthwise_nhwc_avx2(MM_DEPTHWISE_NHWC_PARAMS) { MM_DEPTHWISE_NHWC_BODY }
MM_AVX2 static void relu6_avx2(float *restrict y, size_t count) { MM_RELU6_BODY }
MM_AVX2 static void gelu_avx2(float *restrict y, size_t count) { MM_GELU_BODY }
MM_AVX2 static void add_avx2(const float *restrict x, float *restrict y, size_t count) { MM_ADD_BODY }

static int use_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#define MM_DISPATCH(name, ...) \
    do { if (use_avx2()) name##_avx2(__VA_ARGS__); else name##_generic(__VA_ARGS__); } while (0)
#else
#define MM_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

const char *mm_kernels_isa(void) {
#if defined(__x86_64__)
    if (use_avx2()) return "avx2+fma";
#endif
    return "generic";
}

void mm_depthwise_nhwc(const float *x, int batch, int height, int width, int channels,
                       const float *w, const float *bias, int kernel, int stride, int pad_top,
                       int pad_left, int relu6, float *y, int out_height, int out_width) {
    MM_DISPATCH(depthwise_nhwc, x, batch, height, width, channels, w, bias, kernel, stride,
                pad_top, pad_left, relu6, y, out_height, out_width);
}

void mm_relu6(float *y, size_t count) { MM_DISPATCH(relu6, y, count); }

void mm_gelu(float *y, size_t count) { MM_DISPATCH(gelu, y, count); }

void mm_add(const float *x, float *y, size_t count) { MM_DISPATCH(add, x, y, count); }
