// A GEMM that packs neither operand: C (M×N) = A (M×K) · B (K×N), row-major, beta 0.
//
// Why: OpenBLAS copies ("packs") both operands into its own layout on every call. In a
// convolution's forward A is the weight matrix (Cout × Cin·kH·kW) and B the image columns;
// when B is narrow — few output positions, as at batch 1 (N = 8–512) — packing the weights
// costs as much as the product (perf, r18 at batch 1: sgemm_oncopy 45% of the forward, the
// kernel 30%). Here a micro-tile of C (24 rows × 16 columns, narrower for N ≤ 8) lives in zmm
// accumulators for the whole of K; A's elements are broadcast straight from its rows and B's
// rows are loaded 16 floats at a time, so a call costs its FMAs and nothing else. Each C element is one sum over
// k in order, whatever M, N or the tiling: the result does not depend on how a caller splits
// the product. Compiled for AVX-512 F/VL by function attribute; the Swift side checks the CPU.
#include "ckernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define RK_TARGET __attribute__((target("avx512f,avx512vl,fma")))
#define RK_INLINE static inline __attribute__((always_inline))
#if defined(__clang__)
#define RK_NO_CONTRACT _Pragma("clang fp contract(off)")
#define RK_UNROLL _Pragma("clang loop unroll(full)")
#else
#define RK_NO_CONTRACT
#define RK_UNROLL _Pragma("GCC unroll 24")
#endif

// The eval-mode BN (+ clamp) of output row r, applied as the tile leaves its registers:
// v·scale + shift rounded as two operations (ConvEpilogue's arithmetic, no FMA contraction).
typedef struct { const float *scale, *shift; int relu; float reluMax; } rk_epilogue;

RK_TARGET RK_INLINE __m512 epi512(const rk_epilogue *e, int r, __m512 v) {
    RK_NO_CONTRACT
    if (!e) return v;
    v = _mm512_add_ps(_mm512_mul_ps(v, _mm512_set1_ps(e->scale[r])), _mm512_set1_ps(e->shift[r]));
    return e->relu ? _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(e->reluMax)) : v;
}

RK_TARGET RK_INLINE __m256 epi256(const rk_epilogue *e, int r, __m256 v) {
    RK_NO_CONTRACT
    if (!e) return v;
    v = _mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(e->scale[r])), _mm256_set1_ps(e->shift[r]));
    return e->relu ? _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(e->reluMax)) : v;
}

// MR rows × 32 columns (two 16-lane vectors; masks m0, m1 trim the last columns).
RK_TARGET RK_INLINE void tile32(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                                float *c, ptrdiff_t ldc, __mmask16 m0, __mmask16 m1, const rk_epilogue *e) {
    __m512 acc0[12], acc1[12];
    RK_UNROLL for (int r = 0; r < mr; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    for (ptrdiff_t k = 0; k < K; k++) {
        const float *bk = b + k * ldb;
        __m512 b0 = _mm512_maskz_loadu_ps(m0, bk), b1 = _mm512_maskz_loadu_ps(m1, bk + 16);
        RK_UNROLL for (int r = 0; r < mr; r++) {
            __m512 ar = _mm512_set1_ps(a[r * lda + k]);
            acc0[r] = _mm512_fmadd_ps(ar, b0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(ar, b1, acc1[r]);
        }
    }
    RK_UNROLL for (int r = 0; r < mr; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, epi512(e, r, acc0[r]));
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, epi512(e, r, acc1[r]));
    }
}

// MR rows × up to 16 columns: for N ≤ 16 (batch-1 maps of 4×2 … 4×4), more rows per tile.
RK_TARGET RK_INLINE void tile16(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                                float *c, ptrdiff_t ldc, __mmask16 m0, const rk_epilogue *e) {
    __m512 acc[24];
    RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm512_setzero_ps();
    for (ptrdiff_t k = 0; k < K; k++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + k * ldb);
        RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + k]), b0, acc[r]);
    }
    RK_UNROLL for (int r = 0; r < mr; r++) _mm512_mask_storeu_ps(c + r * ldc, m0, epi512(e, r, acc[r]));
}

// MR rows × up to 8 columns in 256-bit registers: for N ≤ 8 (4×2 maps at batch 1) a masked
// 16-lane vector would leave half its lanes idle, while two 8-lane FMAs issue per cycle where
// one 16-lane FMA does (Zen 4 splits 512-bit ops; Intel's port 5 FMA is 512-bit only).
RK_TARGET RK_INLINE void tile8(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                               float *c, ptrdiff_t ldc, __mmask8 m0, const rk_epilogue *e) {
    __m256 acc[24];
    RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm256_setzero_ps();
    for (ptrdiff_t k = 0; k < K; k++) {
        __m256 b0 = _mm256_maskz_loadu_ps(m0, b + k * ldb);
        RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(a[r * lda + k]), b0, acc[r]);
    }
    RK_UNROLL for (int r = 0; r < mr; r++) _mm256_mask_storeu_ps(c + r * ldc, m0, epi256(e, r, acc[r]));
}

RK_TARGET static void rows8(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                            float *c, ptrdiff_t ldc, __mmask8 m0, const rk_epilogue *e) {
    switch (mr) {
    case 24: tile8(24, K, a, lda, b, ldb, c, ldc, m0, e); break;
    case 8: tile8(8, K, a, lda, b, ldb, c, ldc, m0, e); break;
    default: tile8(1, K, a, lda, b, ldb, c, ldc, m0, e); break;
    }
}

RK_TARGET static void rows32(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                             float *c, ptrdiff_t ldc, __mmask16 m0, __mmask16 m1, const rk_epilogue *e) {
    switch (mr) {
    case 12: tile32(12, K, a, lda, b, ldb, c, ldc, m0, m1, e); break;
    case 8: tile32(8, K, a, lda, b, ldb, c, ldc, m0, m1, e); break;
    case 4: tile32(4, K, a, lda, b, ldb, c, ldc, m0, m1, e); break;
    default: tile32(1, K, a, lda, b, ldb, c, ldc, m0, m1, e); break;
    }
}

RK_TARGET static void rows16(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                             float *c, ptrdiff_t ldc, __mmask16 m0, const rk_epilogue *e) {
    switch (mr) {
    case 24: tile16(24, K, a, lda, b, ldb, c, ldc, m0, e); break;
    case 8: tile16(8, K, a, lda, b, ldb, c, ldc, m0, e); break;
    case 4: tile16(4, K, a, lda, b, ldb, c, ldc, m0, e); break;
    default: tile16(1, K, a, lda, b, ldb, c, ldc, m0, e); break;
    }
}

// The same tile with A stored transposed (K × M, lda ≥ M), for Aᵀ·B products (a conv's input
// gradient Wᵀ·dy, Winograd's U_ξᵀ·dM_ξ): the MR values of step k are adjacent in memory.
RK_TARGET RK_INLINE void tile16t(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                                 float *c, ptrdiff_t ldc, __mmask16 m0) {
    __m512 acc[24];
    RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm512_setzero_ps();
    for (ptrdiff_t k = 0; k < K; k++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + k * ldb);
        const float *ak = a + k * lda;
        RK_UNROLL for (int r = 0; r < mr; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(ak[r]), b0, acc[r]);
    }
    RK_UNROLL for (int r = 0; r < mr; r++) _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r]);
}

RK_TARGET static void rows16t(int mr, ptrdiff_t K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                              float *c, ptrdiff_t ldc, __mmask16 m0) {
    switch (mr) {
    case 24: tile16t(24, K, a, lda, b, ldb, c, ldc, m0); break;
    case 8: tile16t(8, K, a, lda, b, ldb, c, ldc, m0); break;
    case 4: tile16t(4, K, a, lda, b, ldb, c, ldc, m0); break;
    default: tile16t(1, K, a, lda, b, ldb, c, ldc, m0); break;
    }
}

static __mmask16 lanes(ptrdiff_t w) { return w >= 16 ? (__mmask16)0xFFFF : w <= 0 ? (__mmask16)0 : (__mmask16)((1u << w) - 1); }

RK_TARGET static void sgemm_nn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                               const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA,
                               const rk_epilogue *e) {
    // The epilogue of the row tile starting at row i.
    rk_epilogue tile;
#define EP(i) (e ? (tile = (rk_epilogue){e->scale + (i), e->shift + (i), e->relu, e->reluMax}, &tile) : (const rk_epilogue *)0)
    if (N <= 8) {
        __mmask8 m0 = (__mmask8)((1u << N) - 1);
        ptrdiff_t i = 0;
        for (; i + 24 <= M; i += 24) rows8(24, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        for (; i + 8 <= M; i += 8) rows8(8, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        for (; i < M; i++) rows8(1, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        return;
    }
    if (N <= 16) {
        __mmask16 m0 = lanes(N);
        ptrdiff_t i = 0;
        for (; i + 24 <= M; i += 24) rows16(24, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        for (; i + 8 <= M; i += 8) rows16(8, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        for (; i + 4 <= M; i += 4) rows16(4, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        for (; i < M; i++) rows16(1, K, a + i * lda, lda, b, ldb, c + i * ldc, ldc, m0, EP(i));
        return;
    }
    if (M * K <= strip16MaxA) {
        // Column strips of 16 outer: a strip of B (K × 16) stays in L2 while every 24-row tile
        // passes it. 24 × 16 runs at the FMA peak with its operands in cache (~115 GFLOP/s on the
        // reference machine, as the N ≤ 16 tile does); 12 × 32, the same 24 accumulators as two
        // vectors per row, at 55–80. It reads A twice as often, which costs more than it saves
        // once A no longer fits in L2 (DirectGEMM.strip16MaxA).
        for (ptrdiff_t j = 0; j < N; j += 16) {
            __mmask16 m0 = lanes(N - j);
            ptrdiff_t i = 0;
            for (; i + 24 <= M; i += 24) rows16(24, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, EP(i));
            for (; i + 8 <= M; i += 8) rows16(8, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, EP(i));
            for (; i + 4 <= M; i += 4) rows16(4, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, EP(i));
            for (; i < M; i++) rows16(1, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, EP(i));
        }
        return;
    }
    // Column strips of 32 outer: a strip of B (K × 32) stays in L2 while every row tile passes it.
    for (ptrdiff_t j = 0; j < N; j += 32) {
        __mmask16 m0 = lanes(N - j), m1 = lanes(N - j - 16);
        ptrdiff_t i = 0;
        for (; i + 12 <= M; i += 12) rows32(12, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, m1, EP(i));
        for (; i + 8 <= M; i += 8) rows32(8, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, m1, EP(i));
        for (; i + 4 <= M; i += 4) rows32(4, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, m1, EP(i));
        for (; i < M; i++) rows32(1, K, a + i * lda, lda, b + j, ldb, c + i * ldc + j, ldc, m0, m1, EP(i));
    }
}
#undef EP

RK_TARGET int reidkd_direct_sgemm_nn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                                     const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA) {
    sgemm_nn(M, N, K, a, lda, b, ldb, c, ldc, strip16MaxA, 0);
    return 1;
}

RK_TARGET int reidkd_direct_sgemm_nn_affine(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                                            const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA,
                                            const float *scale, const float *shift, int relu, float reluMax) {
    rk_epilogue e = {scale, shift, relu, reluMax};
    sgemm_nn(M, N, K, a, lda, b, ldb, c, ldc, strip16MaxA, &e);
    return 1;
}

RK_TARGET int reidkd_direct_sgemm_tn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                                     const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t j = 0; j < N; j += 16) {
        __mmask16 m0 = lanes(N - j);
        ptrdiff_t i = 0;
        for (; i + 24 <= M; i += 24) rows16t(24, K, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, m0);
        for (; i + 8 <= M; i += 8) rows16t(8, K, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, m0);
        for (; i + 4 <= M; i += 4) rows16t(4, K, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, m0);
        for (; i < M; i++) rows16t(1, K, a + i, lda, b + j, ldb, c + i * ldc + j, ldc, m0);
    }
    return 1;
}


#else
int reidkd_direct_sgemm_nn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA) {
    (void)strip16MaxA; (void)M; (void)N; (void)K; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
    return 0;
}

int reidkd_direct_sgemm_nn_affine(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                                  const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t strip16MaxA,
                                  const float *scale, const float *shift, int relu, float reluMax) {
    (void)M; (void)N; (void)K; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc; (void)strip16MaxA;
    (void)scale; (void)shift; (void)relu; (void)reluMax;
    return 0;
}

int reidkd_direct_sgemm_tn(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    (void)M; (void)N; (void)K; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
    return 0;
}
#endif
