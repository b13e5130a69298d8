#ifndef MMSEARCH_CKERNELS_H
#define MMSEARCH_CKERNELS_H
// Hot numeric loops in C, compiled twice (baseline x86-64 and AVX2+FMA) and chosen at run time
// from the CPU's features, so the binary stays portable while using the vector units it finds.
// Swift cannot pick instruction sets per function without compiler flags, and compiler flags
// would stop other packages from depending on mmsearch.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which code path the kernels use on this CPU: "avx2+fma" or "generic".
const char *mm_kernels_isa(void);

/// A depthwise 2-D convolution over a batch in NHWC layout (channels contiguous), with zero
/// padding, a per-channel bias and an optional ReLU6:
///   y[n][oy][ox][c] = act(bias[c] + sum_{ky,kx} w[ky][kx][c] * x[n][oy*stride - pad_top + ky][ox*stride - pad_left + kx][c])
/// `w` is kernel x kernel x channels (tap-major, so each tap's weights are a contiguous vector).
void mm_depthwise_nhwc(const float *x, int batch, int height, int width, int channels,
                       const float *w, const float *bias, int kernel, int stride,
                       int pad_top, int pad_left, int relu6,
                       float *y, int out_height, int out_width);

/// y[i] = min(max(y[i], 0), 6).
void mm_relu6(float *y, size_t count);

/// y[i] += x[i].
void mm_add(const float *x, float *y, size_t count);

#ifdef __cplusplus
}
#endif
#endif
