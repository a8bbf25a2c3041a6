// Depthwise convolution of one image's block of up to 16 channels, channels as the 16 lanes of
// an AVX-512 vector, with an optional per-channel affine + clamp (eval-mode BN + ReLU/ReLU6).
//
// Why: re-id feature maps are small (MobileNetV2's 32×16 … 4×2), so the per-plane kernel spends
// its time on per-plane setup and short rows, and the images-as-lanes kernel needs batches of 8.
// With channels as lanes every map size and every batch (1 included) gets full vectors: the
// block's planes are transposed 16 positions at a time (in registers) into a zero-padded buffer
// P[(py·Wp + px)·16 + c], every tap at every output position is one 16-lane multiply-add, and
// each 16 outputs are transposed back into the NCHW planes with the epilogue applied on the way.
// Sums are formed as the other depthwise kernels form them: start at the bias (or 0), add
// w·x tap by tap in order, multiply and add rounded separately (no FMA contraction), so the
// output is bit-identical to theirs; the epilogue is ConvEpilogue's v·scale + shift, then clamp.
#include "ckernels.h"

void reidkd_depthwise16_pack(ptrdiff_t channels, ptrdiff_t kk, const float *w, const float *bias, const float *scale,
                             const float *shift, float *out) {
    const ptrdiff_t stride = (kk + 3) * 16;
    for (ptrdiff_t c0 = 0; c0 < channels; c0 += 16) {
        float *blk = out + (c0 / 16) * stride;
        for (ptrdiff_t i = 0; i < stride; i++) blk[i] = 0;
        for (ptrdiff_t c = c0; c < channels && c < c0 + 16; c++) {
            const ptrdiff_t lane = c - c0;
            for (ptrdiff_t t = 0; t < kk; t++) blk[t * 16 + lane] = w[c * kk + t];
            if (bias) blk[kk * 16 + lane] = bias[c];
            if (scale) { blk[(kk + 1) * 16 + lane] = scale[c]; blk[(kk + 2) * 16 + lane] = shift[c]; }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif

#define DW_TARGET __attribute__((target("avx512f,avx512vl")))
#define DW_INLINE static inline __attribute__((always_inline))

// In-register transpose of 16 vectors of 16 floats: r[i][j] ← r[j][i].
DW_TARGET DW_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    // r[4q + k] now holds, per 128-bit lane L, row (4L + ?) … : combine 128-bit lanes across groups.
    for (int k = 0; k < 4; k++) {
        __m512 a0 = r[k], a1 = r[4 + k], a2 = r[8 + k], a3 = r[12 + k];
        __m512 b0 = _mm512_shuffle_f32x4(a0, a1, 0x88), b1 = _mm512_shuffle_f32x4(a0, a1, 0xDD);
        __m512 b2 = _mm512_shuffle_f32x4(a2, a3, 0x88), b3 = _mm512_shuffle_f32x4(a2, a3, 0xDD);
        t[k] = _mm512_shuffle_f32x4(b0, b2, 0x88);
        t[k + 8] = _mm512_shuffle_f32x4(b0, b2, 0xDD);
        t[k + 4] = _mm512_shuffle_f32x4(b1, b3, 0x88);
        t[k + 12] = _mm512_shuffle_f32x4(b1, b3, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

static __mmask16 mask16(ptrdiff_t n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1); }

// Out: 16 output positions at a time, transposed back into the nc planes.
DW_TARGET DW_INLINE void outputs(const reidkd_dw_geometry *g, const ptrdiff_t kk, const __m512 *wt, const ptrdiff_t *off,
                                 const float *pad, __m512 b0, __m512 vs, __m512 vt, int affine, int nc, float *y) {
    const ptrdiff_t Ho = g->ho, Wo = g->wo, Wp = g->w + 2 * g->padW, hwo = Ho * Wo;
    __m512 r[16];
    const __m512 zero = _mm512_setzero_ps(), cap = _mm512_set1_ps(g->reluMax);
    for (ptrdiff_t p0 = 0; p0 < hwo; p0 += 16) {
        ptrdiff_t n = hwo - p0 < 16 ? hwo - p0 : 16, oy = p0 / Wo, ox = p0 % Wo;
        for (ptrdiff_t i = 0; i < n; i++) {
            const float *base = pad + (oy * g->strideH * Wp + ox * g->strideW) * 16;
            __m512 acc = b0;
            for (ptrdiff_t t = 0; t < kk; t++) acc = _mm512_add_ps(acc, _mm512_mul_ps(wt[t], _mm512_loadu_ps(base + off[t] * 16)));
            if (affine) acc = _mm512_add_ps(_mm512_mul_ps(acc, vs), vt);
            if (g->relu) acc = _mm512_min_ps(_mm512_max_ps(acc, zero), cap);
            r[i] = acc;
            if (++ox == Wo) { ox = 0; oy++; }
        }
        for (ptrdiff_t i = n; i < 16; i++) r[i] = zero;
        transpose16(r);
        __mmask16 m = mask16(n);
        for (int c = 0; c < nc; c++) _mm512_mask_storeu_ps(y + c * hwo + p0, m, r[c]);
    }
}

DW_TARGET int reidkd_depthwise16(const reidkd_dw_geometry *g, int nc, ptrdiff_t images, const float *x, ptrdiff_t xImageStride,
                                 const float *w16, const float *b16, const float *scale16, const float *shift16,
                                 float *y, ptrdiff_t yImageStride, float *pad) {
    const ptrdiff_t W = g->w, Wp = g->w + 2 * g->padW;
    const ptrdiff_t hw = g->h * W, kw = g->kernelW, kk = g->kernelH * kw;
    // Per tap: its weight vector (channel c in lane c) and its offset in P, in positions.
    __m512 wt[64];
    ptrdiff_t off[64];
    if (kk > 64) return 0;
    for (ptrdiff_t t = 0; t < kk; t++) {
        wt[t] = _mm512_loadu_ps(w16 + t * 16);
        off[t] = (t / kw) * g->dilationH * Wp + (t % kw) * g->dilationW;
    }
    const __m512 b0 = _mm512_loadu_ps(b16);
    const __m512 vs = scale16 ? _mm512_loadu_ps(scale16) : _mm512_set1_ps(1);
    const __m512 vt = scale16 ? _mm512_loadu_ps(shift16) : _mm512_setzero_ps();
    __m512 r[16];
    for (ptrdiff_t img = 0; img < images; img++) {
        const float *xi = x + img * xImageStride;
        // In: 16 positions of the nc planes → 16 position vectors, each into its padded place.
        // P's border (and lanes ≥ nc) are zero: the caller zeroes P once and only the interior is written.
        for (ptrdiff_t p0 = 0; p0 < hw; p0 += 16) {
            __mmask16 m = mask16(hw - p0);
            for (int c = 0; c < 16; c++) r[c] = c < nc ? _mm512_maskz_loadu_ps(m, xi + c * hw + p0) : _mm512_setzero_ps();
            transpose16(r);
            ptrdiff_t n = hw - p0 < 16 ? hw - p0 : 16, iy = p0 / W, ix = p0 % W;
            for (ptrdiff_t i = 0; i < n; i++) {
                _mm512_storeu_ps(pad + ((iy + g->padH) * Wp + ix + g->padW) * 16, r[i]);
                if (++ix == W) { ix = 0; iy++; }
            }
        }
        // 3×3 filters (every MobileNetV2 depthwise layer) with the tap loop unrolled.
        float *yi = y + img * yImageStride;
        if (kk == 9) outputs(g, 9, wt, off, pad, b0, vs, vt, scale16 != 0, nc, yi);
        else outputs(g, kk, wt, off, pad, b0, vs, vt, scale16 != 0, nc, yi);
    }
    return 1;
}

#else
int reidkd_depthwise16(const reidkd_dw_geometry *g, int nc, ptrdiff_t images, const float *x, ptrdiff_t xImageStride,
                       const float *w16, const float *b16, const float *scale16, const float *shift16,
                       float *y, ptrdiff_t yImageStride, float *pad) {
    (void)g; (void)nc; (void)images; (void)x; (void)xImageStride; (void)w16; (void)b16; (void)scale16; (void)shift16;
    (void)y; (void)yImageStride; (void)pad;
    return 0;
}
#endif
