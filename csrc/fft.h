/* fft.h -- the library's own FFT, written for convolution (internal).
 *
 * Convolution chooses its transform lengths, so only 5-smooth lengths
 * (2^a 3^b 5^c) are planned: radix-4, 2, 3 and 5 Stockham passes, no
 * Bluestein; successive passes whose radices multiply to at most 16 run
 * fused, chunk by chunk through buffers that stay in L1 (fft_passes.inc).
 * Transforms run in batches: `lanes` independent transforms of
 * the same length, stored split (real and imaginary planes) and interleaved
 * by lane -- element j of transform l is re[j * lanes + l] -- so every
 * inner loop runs over contiguous lanes of different transforms and
 * vectorises without shuffles.  Twiddle factors are computed in double and
 * rounded once to the working precision.  The arithmetic of each lane does
 * not depend on the number of lanes or the vector width, so results are
 * bit-identical at every SIMD level and for any batching. */
#ifndef NDKERN_FFT_H
#define NDKERN_FFT_H

#include <stdint.h>

/* Radix passes in one plan: 2^63 needs at most 32 radix-4 passes. */
#define NDK_FFT_MAX_PASSES 64

/* Batched complex DFTs of length n in one working precision. */
struct ndk_fft_plan {
    int64_t n;
    int is_f32;                         /* float twiddles (else double) */
    int npasses;
    int radix[NDK_FFT_MAX_PASSES];      /* in the order the passes run */
    void *twiddle_re, *twiddle_im;      /* per pass: w^(p*k), p < m, 1 <= k < radix */
};

/* Real DFTs of even length n through complex DFTs of length n / 2. */
struct ndk_rfft_plan {
    struct ndk_fft_plan half;
    void *twiddle_re, *twiddle_im;      /* exp(-2 pi i k / n), k <= n / 2 */
};

/* The smallest 5-smooth length >= n (>= 1); the smallest even one when
 * `even`, whose half is 5-smooth too.  0 when it would pass 2^62. */
int64_t ndk_fft_good_length(int64_t n, int even);

/* Plans; NDKERN_OK or NDKERN_ENOMEM (n must be 5-smooth, even for rfft).
 * Free with the _free functions (also after a failed init). */
int ndk_fft_plan_init(struct ndk_fft_plan *plan, int64_t n, int is_f32);
void ndk_fft_plan_free(struct ndk_fft_plan *plan);
int ndk_rfft_plan_init(struct ndk_rfft_plan *plan, int64_t n, int is_f32);
void ndk_rfft_plan_free(struct ndk_rfft_plan *plan);

/* Forward DFT (exp(-2 pi i j k / n), unnormalised) of `lanes` transforms in
 * place in (re, im); work_re and work_im hold n * lanes values each.  The
 * inverse DFT (exp(+...), unnormalised) is the same call with re and im
 * exchanged.  Pointers are float * or double * as the plan. */
void ndk_fft_batch(const struct ndk_fft_plan *plan, void *re, void *im, void *work_re,
                   void *work_im, int64_t lanes);

/* Real forward DFT: (z_re, z_im) holds z[j] = x[2j] + i x[2j+1], n/2 rows
 * of lanes; on return (x_re, x_im) holds X[k], k <= n/2 (n/2 + 1 rows of
 * `lanes` values, x_stride values apart).  z is overwritten; work as
 * ndk_fft_batch. */
void ndk_rfft_forward(const struct ndk_rfft_plan *plan, void *z_re, void *z_im,
                      void *x_re, void *x_im, int64_t x_stride, void *work_re, void *work_im,
                      int64_t lanes);

/* Its inverse, unnormalised (n/2 times x): from X[k], k <= n/2 (rows
 * x_stride apart; only the real parts of X[0] and X[n/2] are used, as for
 * Hermitian input), to z[j] = x[2j] + i x[2j+1] in (z_re, z_im). */
void ndk_rfft_inverse(const struct ndk_rfft_plan *plan, const void *x_re, const void *x_im,
                      int64_t x_stride, void *z_re, void *z_im, void *work_re, void *work_im,
                      int64_t lanes);

/* ------------------------------------------------ FFT correlation */

/* The valid correlation h[m][n] = sum_{a < kh, b < kw} W[a][b] * P[m+a][n+b]
 * of a padded image P (ph x pw) with weights W (kh x kw), h being
 * (ph - kh + 1) x (pw - kw + 1): the core of convolve2d with the FFT
 * method.  Values are float or double (`is_f32`), (re, im) pairs when
 * `is_complex`. */
struct ndk_fft_conv {
    int is_f32, is_complex;
    int64_t ph, pw, kh, kw;             /* >= 1, kh <= ph, kw <= pw */
    const void *weights;                /* W, row-major, contiguous */
    /* Row t < ph of P: pw values written to `buf` (row_capacity scalars) or
     * a pointer to a shared row.  Called from any worker thread. */
    const void *(*image_row)(const void *ctx, int64_t t, void *buf);
    /* Writes outputs h[m][n0 .. n0 + count) from `count` values (pairs if
     * complex). */
    void (*store_segment)(const void *ctx, int64_t m, int64_t n0, int64_t count,
                          const void *values);
    const void *ctx;
    int64_t row_capacity;               /* scalars image_row may write, >= pw pairs */
};

/* Runs the correlation on up to ndkern_get_num_threads() threads; results
 * do not depend on the count.  NDKERN_OK, NDKERN_ENOMEM (before any row
 * is stored) or NDKERN_EOVERFLOW (transform sizes too large). */
int ndk_fft_correlate(const struct ndk_fft_conv *conv);

/* Step 4 of a convolution (convolve.h) by FFT, for float and complex
 * dtypes and a non-empty kernel: reads P through struct ndk_conv_padded,
 * writes h with ndk_conv_store_row.  NDKERN_OK or NDKERN_ENOMEM (h
 * untouched). */
struct ndk_conv_plan;
int ndk_conv_execute_fft(const struct ndk_conv_plan *p);

/* Output rows per strip of ndk_fft_correlate for a ph-row image and a
 * kh-row kernel (all ph - kh + 1 when one strip): from the shapes only.
 * With (pw, kw, 1), the output columns per tile of the row transforms. */
int64_t ndk_fft_strip_rows(int64_t ph, int64_t kh, int is_complex);

/* Estimated cost, in nanoseconds on the machine the constants were measured
 * on, of ndk_fft_correlate for these sizes (for method selection). */
double ndk_fft_correlate_cost(int64_t ph, int64_t pw, int64_t kh, int64_t kw, int is_f32,
                              int is_complex);

#endif /* NDKERN_FFT_H */
