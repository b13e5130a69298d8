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

/// 0 keeps `mm_depthwise_nhwc` off its AVX-512 path (3×3 and 5×5 kernels), 1 allows it: for
/// tests, which compare the paths.
void mm_depthwise_limit_avx512(int allowed);

/// y[i] = min(max(y[i], 0), 6).
void mm_relu6(float *y, size_t count);

/// y = GELU(y) in place, erf-based (PyTorch's `nn.GELU()`), by a rational approximation of
/// erf within 1.4e-6 of the exact value; the same numbers on every path.
void mm_gelu(float *y, size_t count);

/// y = x · sigmoid(1.702 x) in place (OpenAI CLIP's "quick_gelu"), with a polynomial e^x
/// within 2 ulp of libm's; the same numbers on every path.
void mm_quick_gelu(float *y, size_t count);

/// Softmax of each of `rows` rows of `cols` values (rows `stride` apart) in place, with the
/// same e^x as `mm_quick_gelu`.
void mm_softmax_rows(float *x, int rows, int cols, int stride);

/// Layer normalisation of each of `rows` rows of `dim` values in place: (x - mean) / sqrt(var +
/// eps) · gamma + beta, with the biased variance (PyTorch's).
void mm_layer_norm(float *x, int rows, int dim, const float *gamma, const float *beta, float eps);

/// y[i] += x[i].
void mm_add(const float *x, float *y, size_t count);

/// Products with weights packed once: `c[m x n] (+)= a[m x k] · wᵀ` for `w` in PyTorch's
/// `[n, k]` layout, AVX2+FMA only (`mm_sgemm_packed_available`; otherwise use BLAS).
/// `mm_sgemm_pack_weights` writes `mm_sgemm_packed_size(k, n)` floats to `packed` (64-byte
/// aligned): panels of `mm_sgemm_panel_width()` output columns, zero-padded.
int mm_sgemm_packed_available(void);
int mm_sgemm_panel_width(void);
size_t mm_sgemm_packed_size(int k, int n);
void mm_sgemm_pack_weights(const float *w, int k, int n, float *packed);

/// Computes output panels [panel_begin, panel_end) (columns panel·width ..< min(n, …)); with
/// `accumulate` adds to `c`, else overwrites. Returns 0, or -1 when out of memory or unavailable.
int mm_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed,
                    float *c, int ldc, int accumulate, int panel_begin, int panel_end);

/// The same product in two steps, so that threads sharing one `a` pack its rows once:
/// `mm_sgemm_pack_rows` writes `mm_sgemm_rows_size(m, k)` floats to `ap`, and
/// `mm_sgemm_packed_rows` computes panels [panel_begin, panel_end) from them.
size_t mm_sgemm_rows_size(int m, int k);
void mm_sgemm_pack_rows(int m, int k, const float *a, int lda, float *ap);
void mm_sgemm_packed_rows(int m, int n, int k, const float *ap, const float *packed, float *c, int ldc,
                          int accumulate, int panel_begin, int panel_end);


/// int8 products (gemm_int8.c): `c[m x n] (+)= a[m x k] · wᵀ` with `w` and `a` quantised to
/// int8 with one scale per group of `group` blocks of `MM_Q8_BLOCK` inner values (0: one group
/// for the whole inner dimension, i.e. one scale per output column of `w` and per row of `a`),
/// int32 group products scaled and summed in f32. Dispatch at run time: AVX-512 VNNI, AVX2,
/// plain C (`mm_q8_isa`; `mm_q8_limit_isa` 1 caps it at AVX2, 2 at plain C, for tests). The
/// weights and rows of one product must use the same `group`.
#define MM_Q8_BLOCK 32
#define MM_Q8_PANEL 16
int mm_q8_block(void);
int mm_q8_panel_width(void);
const char *mm_q8_isa(void);
void mm_q8_limit_isa(int cap);

/// Bytes of `w` (`[n, k]`, PyTorch's layout) packed by `mm_q8_pack_weights` into a 64-byte
/// aligned buffer; `mm_q8_unpack_weights` writes the dequantised `[n, k]` floats back.
size_t mm_q8_weights_size(int k, int n, int group);
void mm_q8_pack_weights(const float *w, int k, int n, int group, void *packed);
void mm_q8_unpack_weights(const void *packed, int k, int n, int group, float *w);

/// Bytes of `m` rows of `a` quantised by `mm_q8_quantize_rows` (codes, scales, group sums);
/// one call quantises rows [first, last) of them (threads may share the rows out).
size_t mm_q8_rows_size(int m, int k, int group);
void mm_q8_quantize_rows(int m, int k, const float *a, int lda, int group, void *rows, int first, int last);

/// Output panels [panel_begin, panel_end) of `mm_q8_panel_width()` columns each, from quantised
/// rows and packed weights; with `accumulate` adds to `c`, else overwrites.
void mm_q8_gemm(int m, int n, int k, int group, const void *rows, const void *packed, float *c, int ldc,
                int accumulate, int panel_begin, int panel_end);

#ifdef __cplusplus
}
#endif
#endif
