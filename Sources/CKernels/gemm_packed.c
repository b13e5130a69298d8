// y = x · Wᵀ over weights packed once at load (see ckernels.h): the products of a transformer
// at a few dozen rows, where OpenBLAS spends much of its time re-packing the weights on every
// call. GotoBLAS's loop order: blocks of MM_MC rows and MM_KC of the inner dimension; the rows
// are packed per block (MM_MR interleaved), the weights are already in panels of MM_NR output
// columns, and a 6x16 AVX2 micro-kernel keeps its 12 accumulators in registers.
#include "ckernels.h"
#include "cpu_features.h"
#include <stdlib.h>

#define MM_NR 16
#define MM_MR 6
#define MM_KC 384
#define MM_MC 120

size_t mm_sgemm_packed_size(int k, int n) {
    return (size_t)((n + MM_NR - 1) / MM_NR) * MM_NR * (size_t)k;
}

int mm_sgemm_panel_width(void) { return MM_NR; }

void mm_sgemm_pack_weights(const float *w, int k, int n, float *packed) {
    int panels = (n + MM_NR - 1) / MM_NR;
    for (int p = 0; p < panels; p++) {
        float *dst = packed + (size_t)p * k * MM_NR;
        for (int j = 0; j < MM_NR; j++) {
            int col = p * MM_NR + j;
            const float *src = w + (size_t)col * k;
            if (col < n) {
                for (int i = 0; i < k; i++) dst[(size_t)i * MM_NR + j] = src[i];
            } else {
                for (int i = 0; i < k; i++) dst[(size_t)i * MM_NR + j] = 0.0f;
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define MM_AVX2 __attribute__((target("avx2,fma")))

int mm_sgemm_packed_available(void) { return mm_cpu_avx2_fma(); }

// rows [0, mr) of a block of MM_MR, interleaved: ap[i·MM_MR + r] = a[r][i]; missing rows are 0.
static void pack_rows(const float *a, int lda, int mr, int kc, float *ap) {
    for (int i = 0; i < kc; i++)
        for (int r = 0; r < MM_MR; r++) ap[(size_t)i * MM_MR + r] = r < mr ? a[(size_t)r * lda + i] : 0.0f;
}

MM_AVX2 static void kernel_6x16(int kc, const float *ap, const float *b, float *c, int ldc,
                                int mr, int nr, int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int i = 0; i < kc; i++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), x;
        x = _mm256_broadcast_ss(ap + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(ap + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(ap + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(ap + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(ap + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(ap + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        b += MM_NR;
        ap += MM_MR;
    }
    __m256 acc[MM_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (int r = 0; r < mr; r++) {
        float *row = c + (size_t)r * ldc;
        if (nr == MM_NR) {
            if (accumulate) {
                acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(row));
                acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, acc[r][0]);
            _mm256_storeu_ps(row + 8, acc[r][1]);
        } else {
            float t[MM_NR];
            _mm256_storeu_ps(t, acc[r][0]);
            _mm256_storeu_ps(t + 8, acc[r][1]);
            for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + t[j] : t[j];
        }
    }
}

size_t mm_sgemm_rows_size(int m, int k) {
    return (size_t)((m + MM_MR - 1) / MM_MR) * MM_MR * (size_t)(k > 0 ? k : 0);
}

// All the rows at once: block g of MM_MR rows at ap + g·MM_MR·k, interleaved over the whole
// inner dimension, so a KC block's slice starting at k0 is the contiguous run from k0·MM_MR,
// exactly what `pack_rows` makes of that block alone.
void mm_sgemm_pack_rows(int m, int k, const float *a, int lda, float *ap) {
    for (int g = 0; g * MM_MR < m; g++) {
        int mr = m - g * MM_MR < MM_MR ? m - g * MM_MR : MM_MR;
        pack_rows(a + (size_t)g * MM_MR * lda, lda, mr, k, ap + (size_t)g * MM_MR * k);
    }
}

// The loops of both entry points: rows packed per MC×KC block into a buffer of this call's own
// (`all` NULL), or taken from `all` (`mm_sgemm_pack_rows`). The same kernel calls in the same
// order either way, so the same numbers.
static int run(int m, int n, int k, const float *a, int lda, const float *all, const float *packed,
               float *c, int ldc, int accumulate, int panel_begin, int panel_end) {
    if (m <= 0 || panel_begin >= panel_end) return 0;
    if (k <= 0) {  // an empty sum: c = 0, or c unchanged
        for (int r = 0; r < m && !accumulate; r++)
            for (int j = panel_begin * MM_NR; j < n && j < panel_end * MM_NR; j++) c[(size_t)r * ldc + j] = 0.0f;
        return 0;
    }
    float *ap = NULL;
    if (!all) {
        int rows = m < MM_MC ? (m + MM_MR - 1) / MM_MR * MM_MR : MM_MC;
        ap = malloc(sizeof(float) * (size_t)rows * (size_t)(k < MM_KC ? k : MM_KC));
        if (!ap) return -1;
    }
    for (int m0 = 0; m0 < m; m0 += MM_MC) {
        int mc = m - m0 < MM_MC ? m - m0 : MM_MC;
        int blocks = (mc + MM_MR - 1) / MM_MR;
        for (int k0 = 0; k0 < k; k0 += MM_KC) {
            int kc = k - k0 < MM_KC ? k - k0 : MM_KC;
            int add = accumulate || k0 > 0;
            for (int blk = 0; blk < blocks && ap; blk++) {
                int r0 = blk * MM_MR, mr = mc - r0 < MM_MR ? mc - r0 : MM_MR;
                pack_rows(a + (size_t)(m0 + r0) * lda + k0, lda, mr, kc, ap + (size_t)blk * MM_MR * kc);
            }
            for (int p = panel_begin; p < panel_end; p++) {
                const float *b = packed + (size_t)p * k * MM_NR + (size_t)k0 * MM_NR;
                int nr = n - p * MM_NR < MM_NR ? n - p * MM_NR : MM_NR;
                for (int blk = 0; blk < blocks; blk++) {
                    int r0 = blk * MM_MR, mr = mc - r0 < MM_MR ? mc - r0 : MM_MR;
                    const float *rows = ap ? ap + (size_t)blk * MM_MR * kc
                                           : all + (size_t)(m0 + r0) * k + (size_t)k0 * MM_MR;
                    kernel_6x16(kc, rows, b, c + (size_t)(m0 + r0) * ldc + p * MM_NR, ldc, mr, nr, add);
                }
            }
        }
    }
    free(ap);
    return 0;
}

int mm_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed,
                    float *c, int ldc, int accumulate, int panel_begin, int panel_end) {
    return run(m, n, k, a, lda, NULL, packed, c, ldc, accumulate, panel_begin, panel_end);
}

void mm_sgemm_packed_rows(int m, int n, int k, const float *ap, const float *packed, float *c, int ldc,
                          int accumulate, int panel_begin, int panel_end) {
    run(m, n, k, NULL, 0, ap, packed, c, ldc, accumulate, panel_begin, panel_end);
}
#else
int mm_sgemm_packed_available(void) { return 0; }
int mm_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed,
                    float *c, int ldc, int accumulate, int panel_begin, int panel_end) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)c; (void)ldc;
    (void)accumulate; (void)panel_begin; (void)panel_end;
    return -1;
}
size_t mm_sgemm_rows_size(int m, int k) { (void)m; (void)k; return 0; }
void mm_sgemm_pack_rows(int m, int k, const float *a, int lda, float *ap) {
    (void)m; (void)k; (void)a; (void)lda; (void)ap;
}
void mm_sgemm_packed_rows(int m, int n, int k, const float *ap, const float *packed, float *c, int ldc,
                          int accumulate, int panel_begin, int panel_end) {
    (void)m; (void)n; (void)k; (void)ap; (void)packed; (void)c; (void)ldc; (void)accumulate;
    (void)panel_begin; (void)panel_end;
}
#endif
