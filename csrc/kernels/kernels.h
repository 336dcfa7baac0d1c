/* kernels.h -- the table of inner kernels one ISA level provides.  The
 * operation files (square.c, sum.c, convolve.c) do validation, layout and
 * threading; the table holds only the loops that benefit from vector code.
 * The bodies are written once (*.inc) and compiled once per level. */
#ifndef NDKERN_KERNELS_H
#define NDKERN_KERNELS_H

#include <stdint.h>

/* Lanes of the floating-point sum: value i of a block goes to lane i % 16. */
#define NDK_SUM_LANES 16
/* Values per block of the floating-point sum (a complex element is 2). */
#define NDK_SUM_BLOCK 256

/* Compute types of the convolution cores (integers wrap in the unsigned
 * type of their width; complex runs the real core on interleaved data). */
enum ndk_conv_type {
    NDK_CT_F32, NDK_CT_F64, NDK_CT_U8, NDK_CT_U16, NDK_CT_U32, NDK_CT_U64,
    NDK_CT_COUNT
};

/* Extra elements each padded convolution row provides past its width, so
 * vector loads may run over. */
#define NDK_CONV_ROW_SLACK 64

struct ndk_fft_plan;
struct ndk_rfft_plan;

struct ndk_kernels {
    const char *name;

    /* out[i] = x[i]^2 for n elements, strides in bytes. */
    void (*square[NDK_NDTYPES])(const char *x, int64_t x_stride, char *out,
                                int64_t out_stride, int64_t n);

    /* Converts n elements to doubles: real part only, or (re, im) pairs. */
    void (*to_real[NDK_NDTYPES])(const char *x, int64_t stride, int64_t n, double *dst);
    void (*to_complex[NDK_NDTYPES])(const char *x, int64_t stride, int64_t n, double *dst);
    /* Converts n elements to integers modulo 2^64 (floats truncate). */
    void (*to_int[NDK_NDTYPES])(const char *x, int64_t stride, int64_t n, uint64_t *dst);
    /* lanes[i % 16] += v[i] for i < n, in order of i; v may be unaligned. */
    void (*sum_lanes)(const void *v, int64_t n, double lanes[NDK_SUM_LANES]);
    /* The same over n float32 values, each widened to double. */
    void (*sum_lanes_f32)(const void *v, int64_t n, double lanes[NDK_SUM_LANES]);
    /* lanes[l][t] = rows[l][t] + rows[l + nlanes][t] + ..., in order from
     * 0.0, for l < nlanes, t < n: the lanes of a block of nrows rows of n
     * float64 (or float32, widened) values; rows may be unaligned. */
    void (*sum_rows)(const void *const *rows, int64_t nrows, int64_t n, int nlanes,
                     double *const *lanes);
    void (*sum_rows_f32)(const void *const *rows, int64_t nrows, int64_t n, int nlanes,
                         double *const *lanes);
    /* acc[i] += v[i] for i < n; v may be unaligned. */
    void (*add_f64)(double *acc, const void *v, int64_t n);
    void (*add_u64)(uint64_t *acc, const uint64_t *v, int64_t n);
    /* Sum of n values modulo 2^64. */
    uint64_t (*sum_u64)(const uint64_t *v, int64_t n);

    /* acc[r * acc_stride + n] = sum_{a < kh, b < kw} w[a * kw + b] *
     *     rows[r + a][n + b * tap_step]   for r < nrows, n < width.
     * rows holds nrows + kh - 1 pointers to padded rows, each readable for
     * width + (kw - 1) * tap_step + NDK_CONV_ROW_SLACK elements.  Exactly
     * `width` elements of each acc row are written. */
    void (*conv_core[NDK_CT_COUNT])(const void *const *rows, int64_t tap_step,
                                    const void *w, int64_t kh, int64_t kw,
                                    int64_t width, int64_t nrows, void *acc,
                                    int64_t acc_stride);
    /* conv_core for the shapes the small-kernel core takes (3x3, 5x5, 3x5,
     * 5x3, 1x3, 1x5, 3x1, 5x1 with tap_step 1; convolve_small.inc), giving
     * the bits conv_core gives: returns 1 when it wrote acc, 0 (nothing
     * written) for any other shape.  NULL for compute types it lacks. */
    int (*conv_small[NDK_CT_COUNT])(const void *const *rows, int64_t tap_step,
                                    const void *w, int64_t kh, int64_t kw,
                                    int64_t width, int64_t nrows, void *acc,
                                    int64_t acc_stride);

    /* The FFT's batched passes (fft.h, fft_passes.inc) in float
     * ([NDK_CT_F32]) and double ([NDK_CT_F64]): ndk_fft_batch, and the
     * post- and pre-processing steps of ndk_rfft_forward/_inverse. */
    void (*fft_batch[NDK_CT_F64 + 1])(const struct ndk_fft_plan *plan, void *re, void *im,
                                      void *work_re, void *work_im, int64_t lanes);
    void (*rfft_post[NDK_CT_F64 + 1])(const struct ndk_rfft_plan *plan, const void *z_re,
                                      const void *z_im, void *x_re, void *x_im,
                                      int64_t x_stride, int64_t lanes);
    void (*rfft_pre[NDK_CT_F64 + 1])(const struct ndk_rfft_plan *plan, const void *x_re,
                                     const void *x_im, int64_t x_stride, void *z_re,
                                     void *z_im, int64_t lanes);
};

/* The register-blocked float cores of convolve_<isa>.c (convolve_blocked.inc). */
#define NDK_DECLARE_BLOCKED_CORE(tag, isa)                                                \
    void ndk_conv_core_##tag##_##isa(const void *const *rows, int64_t tap_step,           \
                                     const void *w, int64_t kh, int64_t kw, int64_t width, \
                                     int64_t nrows, void *acc, int64_t acc_stride);

/* The small-kernel float cores (convolve_small.inc) of each level. */
#define NDK_DECLARE_SMALL_CORE(tag, isa)                                                  \
    int ndk_conv_small_##tag##_##isa(const void *const *rows, int64_t tap_step,           \
                                     const void *w, int64_t kh, int64_t kw, int64_t width, \
                                     int64_t nrows, void *acc, int64_t acc_stride);

extern const struct ndk_kernels ndk_kernels_baseline;
NDK_DECLARE_SMALL_CORE(f32, baseline)
NDK_DECLARE_SMALL_CORE(f64, baseline)
#if defined(NDKERN_HAVE_AVX2_KERNELS)
extern const struct ndk_kernels ndk_kernels_avx2;
NDK_DECLARE_BLOCKED_CORE(f32, avx2)
NDK_DECLARE_BLOCKED_CORE(f64, avx2)
NDK_DECLARE_SMALL_CORE(f32, avx2)
NDK_DECLARE_SMALL_CORE(f64, avx2)
#endif
#if defined(NDKERN_HAVE_AVX512_KERNELS)
extern const struct ndk_kernels ndk_kernels_avx512;
NDK_DECLARE_BLOCKED_CORE(f32, avx512)
NDK_DECLARE_BLOCKED_CORE(f64, avx512)
NDK_DECLARE_SMALL_CORE(f32, avx512)
NDK_DECLARE_SMALL_CORE(f64, avx512)
#endif
#if defined(NDKERN_HAVE_NEON_KERNELS)
extern const struct ndk_kernels ndk_kernels_neon;
NDK_DECLARE_BLOCKED_CORE(f32, neon)
NDK_DECLARE_BLOCKED_CORE(f64, neon)
NDK_DECLARE_SMALL_CORE(f32, neon)
NDK_DECLARE_SMALL_CORE(f64, neon)
#endif

#endif /* NDKERN_KERNELS_H */
