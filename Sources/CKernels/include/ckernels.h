// Hand-written CPU kernels that OpenBLAS's interface cannot give (Sources/CKernels/direct_gemm.c).
#ifndef REIDKD_CKERNELS_H
#define REIDKD_CKERNELS_H
#include <stddef.h>

/// C (M×N) = A (M×K) · B (K×N), row-major with leading dimensions lda, ldb, ldc; C is
/// overwritten (beta 0). Needs AVX-512 F and VL (the caller checks); returns 0 when the build has no
/// AVX-512 code (not x86-64), in which case C is untouched. For N > 16, products with
/// M·K ≤ strip16MaxA run in 24 × 16 tiles, larger ones in 12 × 32 (same results bit for bit).
int reidkd_direct_sgemm_nn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA);

/// C (M×N) = Aᵀ · B with A stored K×M (lda ≥ M), otherwise as above (24 × 16 tiles throughout).
int reidkd_direct_sgemm_tn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc);

#endif
