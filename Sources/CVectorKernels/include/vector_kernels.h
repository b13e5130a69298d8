#ifndef MMSEARCH_VECTOR_KERNELS_H
#define MMSEARCH_VECTOR_KERNELS_H

// Inner loops of vector search: dot products of one query with many stored rows, in f32,
// f16 and int8, and f32 <-> f16 conversion.
//
// Swift cannot pick CPU instructions per function, and the package is built for the baseline
// x86-64 (SSE2), where Float16 conversion is a library call per number and int8 products do
// not vectorise. These kernels carry AVX2/FMA/F16C versions, chosen at each call by what the
// running CPU supports (`__builtin_cpu_supports` reads what the C runtime detected at start),
// and plain C versions for every other CPU. Nothing here keeps state.
//
// Rows are `stride` elements apart (int8: bytes); `dim` elements of each are used. Every
// function reads only `n` rows and writes only `n` outputs. The score a row gets does not
// depend on `n` or on where the row sits in a batch, so a row rescored alone gets exactly
// the score a full scan gave it.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// `out[i] = dot(query, rows + i*stride)` over `dim` f32 values.
void mms_dot_f32(const float *query, const float *rows, size_t dim, size_t stride, size_t n,
                 float *out);

/// As `mms_dot_f32`, with rows of IEEE half floats (bit patterns).
void mms_dot_f16(const float *query, const uint16_t *rows, size_t dim, size_t stride, size_t n,
                 float *out);

/// `out[i] = Σ query[j] * row_i[j]` exactly, over `dim` int8 values. Values must lie in
/// [-127, 127] (never -128) and `dim` must be at most 65536, so no sum overflows.
void mms_dot_i8(const int8_t *query, const int8_t *rows, size_t dim, size_t stride, size_t n,
                int32_t *out);

/// `mms_dot_i8` of `nq` queries against the same rows: query q's sums go to out[q·n ..< q·n + n].
/// With AVX-512 VNNI, the rows are read once for every four queries.
void mms_dot_i8_queries(const int8_t *const *queries, size_t nq, const int8_t *rows, size_t dim,
                        size_t stride, size_t n, int32_t *out);

/// `mms_dot_i8` on the AVX2 path even where AVX-512 VNNI is there (for tests); returns 0,
/// computing nothing, on a CPU without AVX2.
int mms_dot_i8_avx2(const int8_t *query, const int8_t *rows, size_t dim, size_t stride, size_t n,
                    int32_t *out);

/// Converts finite f32 values to the nearest f16 (round to nearest even).
void mms_f32_to_f16(const float *src, uint16_t *dst, size_t n);

/// Converts f16 bit patterns to f32 (exact).
void mms_f16_to_f32(const uint16_t *src, float *dst, size_t n);

/// The plain C versions of the above, whichever the CPU: for tests that check both paths.
void mms_dot_f32_portable(const float *query, const float *rows, size_t dim, size_t stride,
                          size_t n, float *out);
void mms_dot_f16_portable(const float *query, const uint16_t *rows, size_t dim, size_t stride,
                          size_t n, float *out);
void mms_dot_i8_portable(const int8_t *query, const int8_t *rows, size_t dim, size_t stride,
                         size_t n, int32_t *out);
void mms_f32_to_f16_portable(const float *src, uint16_t *dst, size_t n);
void mms_f16_to_f32_portable(const uint16_t *src, float *dst, size_t n);

/// The CRC-32C (Castagnoli) of the bytes `crc` was computed over followed by `bytes`
/// (`crc` 0 to start): SSE 4.2 where the CPU has it. And the table version, for tests.
uint32_t mms_crc32c_update(uint32_t crc, const void *bytes, size_t n);
uint32_t mms_crc32c_update_portable(uint32_t crc, const void *bytes, size_t n);

/// The instruction set the kernels use on this CPU: "avx2+fma+f16c" or "portable".
const char *mms_kernels_isa(void);

#ifdef __cplusplus
}
#endif

#endif
