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

/// The same product with each row r of C then mapped v·scale[r] + shift[r] (multiply and add
/// rounded separately) and, with `relu`, clamped to [0, reluMax]: a conv's eval-mode BN and
/// ReLU/ReLU6 applied as the tile leaves its registers.
int reidkd_direct_sgemm_nn_affine(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                                  const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA,
                                  const float *scale, const float *shift, int relu, float reluMax);


/// Geometry of a depthwise convolution (one filter per channel), and its clamp: with `relu`,
/// outputs are clamped to [0, reluMax] after the affine map.
typedef struct {
    ptrdiff_t h, w, ho, wo, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    int relu;
    float reluMax;
} reidkd_dw_geometry;

/// Depthwise convolution of `nc` ≤ 16 channel planes in each of `images` images (image i's
/// planes at x + i·xImageStride, h·w each; its outputs at y + i·yImageStride, ho·wo each). Per
/// block, packed 16 lanes wide (lanes ≥ nc zero): w16 the kernelH·kernelW tap vectors, b16 the
/// bias (zeros for none), scale16 and shift16 the affine map applied to each output (NULL: none),
/// then the clamp when g->relu. `pad` is scratch of (h + 2·padH)·(w + 2·padW)·16 floats, zeroed
/// by the caller before its first use and handed back unchanged between calls of the same
/// geometry (only its interior is written). Needs AVX-512 F (the caller checks); returns 0 (y
/// untouched) when the build has no AVX-512 code or the filter has more than 64 taps.
/// Packs a depthwise layer for reidkd_depthwise16: per block of 16 channels, (kk + 3) vectors of
/// 16 lanes — the kk tap weights, the bias, the scale, the shift (zeros where absent and in
/// lanes past the last channel). w: channels × kk; bias, scale, shift: channels or NULL.
void reidkd_depthwise16_pack(ptrdiff_t channels, ptrdiff_t kk, const float *w, const float *bias, const float *scale,
                             const float *shift, float *out);

int reidkd_depthwise16(const reidkd_dw_geometry *g, int nc, ptrdiff_t images, const float *x, ptrdiff_t xImageStride,
                       const float *w16, const float *b16, const float *scale16, const float *shift16,
                       float *y, ptrdiff_t yImageStride, float *pad);

#endif
