#ifndef MMSEARCH_CKERNELS_CPU_FEATURES_H
#define MMSEARCH_CKERNELS_CPU_FEATURES_H

// What the CPU running the kernels has, asked once per call site (not part of the module's API;
// kernels.c answers, every kernel file of CKernels asks here). Each is 0 off x86-64.

/// AVX2 and FMA: the vector paths of every kernel.
int mm_cpu_avx2_fma(void);
/// AVX-512F on top (the depthwise convolution's wide path).
int mm_cpu_avx512f(void);
/// AVX-512 VNNI with VL and BW on top (the int8 product's `vpdpbusd` path).
int mm_cpu_avx512_vnni(void);

#endif
