#ifndef MMSEARCH_SHARED_KERNELS_H
#define MMSEARCH_SHARED_KERNELS_H

// Single-pair products of kernels.c that graph.c uses too (not part of the module's API).

#include <stddef.h>
#include <stdint.h>

/// Σ a[i]·b[i] over `d` int8 values (in [-127, 127]): plain C, and AVX2 (on a CPU that has it).
int32_t mms_shared_dot_i8_portable(const int8_t *a, const int8_t *b, size_t d);
int32_t mms_shared_dot_i8_avx2(const int8_t *a, const int8_t *b, size_t d);

/// Σ a[i]·b[i] over `d` f32 values: AVX2 + FMA where the CPU has them, plain C otherwise (or
/// with `portable` nonzero).
float mms_shared_dot_f32(const float *a, const float *b, size_t d, int portable);

#endif
