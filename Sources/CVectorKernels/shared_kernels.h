#ifndef MMSEARCH_SHARED_KERNELS_H
#define MMSEARCH_SHARED_KERNELS_H

// Single-pair products of kernels.c that graph.c uses too (not part of the module's API).

#include <stddef.h>
#include <stdint.h>

typedef int32_t (*mms_dot_i8_pair)(const int8_t *a, const int8_t *b, size_t d);
typedef float (*mms_dot_f32_pair)(const float *a, const float *b, size_t d);

/// Σ a[i]·b[i] of one pair of rows, int8 (values in [-127, 127]) or f32: the version this CPU
/// runs best among kernels.c's (AVX2, AVX2 + FMA), or the plain C one when `portable` is
/// nonzero. Chosen once by the caller, not per product.
mms_dot_i8_pair mms_shared_dot_i8(int portable);
mms_dot_f32_pair mms_shared_dot_f32(int portable);

#endif
