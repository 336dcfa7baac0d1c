/* fft.c -- plans and batched transforms of the library's FFT (fft.h). */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "fft.h"

/* The passes themselves (fft_passes.inc) are compiled per ISA level and
 * reached through the kernel table (kernels/fft.inc). */
static int precision(const struct ndk_fft_plan *plan)
{
    return plan->is_f32 ? NDK_CT_F32 : NDK_CT_F64;
}

/* Lengths above this are never planned (products of sizes stay in int64). */
#define FFT_MAX_LENGTH (INT64_C(1) << 62)

static int is_5_smooth(int64_t n)
{
    static const int primes[3] = {2, 3, 5};
    for (int i = 0; i < 3; i++)
        while (n % primes[i] == 0)
            n /= primes[i];
    return n == 1;
}

int64_t ndk_fft_good_length(int64_t n, int even)
{
    if (even) {
        const int64_t half = ndk_fft_good_length((n + 1) / 2, 0);
        return half > 0 && half <= FFT_MAX_LENGTH / 2 ? 2 * half : 0;
    }
    /* The best of 2^a 3^b times 1, 5, 25, ... -- every 5-smooth number. */
    if (n <= 1)
        return 1;
    if (n > FFT_MAX_LENGTH)
        return 0;
    int64_t best = FFT_MAX_LENGTH; /* itself 5-smooth and >= n */
    for (int64_t f5 = 1; f5 <= best; f5 = f5 <= best / 5 ? f5 * 5 : best + 1) {
        for (int64_t f35 = f5; f35 <= best; f35 = f35 <= best / 3 ? f35 * 3 : best + 1) {
            int64_t v = f35;
            while (v < n)
                v *= 2;
            if (v < best)
                best = v;
        }
    }
    return best;
}

/* e^(-2 pi i k / n) in double, through long double. */
static void unit_root(int64_t k, int64_t n, double *re, double *im)
{
    const long double two_pi = 6.283185307179586476925286766559005768L;
    const long double angle = two_pi * (long double)(k % n) / (long double)n;
    *re = (double)cosl(angle);
    *im = (double)-sinl(angle);
}

static void store_twiddle(void *re, void *im, int is_f32, int64_t i, double wr, double wi)
{
    if (is_f32) {
        ((float *)re)[i] = (float)wr;
        ((float *)im)[i] = (float)wi;
    } else {
        ((double *)re)[i] = wr;
        ((double *)im)[i] = wi;
    }
}

/* Radix 4 first (fewest passes), then 2, 3, 5. */
static int factorize(int64_t n, int *radix)
{
    static const int order[4] = {4, 2, 3, 5};
    int count = 0;
    for (int i = 0; i < 4; i++) {
        while (n % order[i] == 0 && count < NDK_FFT_MAX_PASSES) {
            radix[count++] = order[i];
            n /= order[i];
        }
    }
    return n == 1 ? count : -1;
}

int ndk_fft_plan_init(struct ndk_fft_plan *plan, int64_t n, int is_f32)
{
    memset(plan, 0, sizeof *plan);
    plan->n = n;
    plan->is_f32 = is_f32;
    plan->npasses = n >= 1 && is_5_smooth(n) ? factorize(n, plan->radix) : -1;
    if (plan->npasses < 0)
        return NDKERN_EINVAL;
    const size_t scalar = is_f32 ? sizeof(float) : sizeof(double);
    /* sum over passes of m (r - 1) = n - 1 twiddles */
    plan->twiddle_re = malloc(scalar * (size_t)n);
    plan->twiddle_im = malloc(scalar * (size_t)n);
    if (plan->twiddle_re == NULL || plan->twiddle_im == NULL)
        return NDKERN_ENOMEM;
    int64_t length = n, next = 0;
    for (int i = 0; i < plan->npasses; i++) {
        const int r = plan->radix[i];
        const int64_t m = length / r;
        for (int64_t p = 0; p < m; p++) {
            for (int k = 1; k < r; k++) {
                double wr, wi;
                unit_root(p * k, length, &wr, &wi);
                store_twiddle(plan->twiddle_re, plan->twiddle_im, is_f32, next++, wr, wi);
            }
        }
        length = m;
    }
    return NDKERN_OK;
}

void ndk_fft_plan_free(struct ndk_fft_plan *plan)
{
    free(plan->twiddle_re);
    free(plan->twiddle_im);
    plan->twiddle_re = plan->twiddle_im = NULL;
}

int ndk_rfft_plan_init(struct ndk_rfft_plan *plan, int64_t n, int is_f32)
{
    plan->twiddle_re = plan->twiddle_im = NULL;
    int rc = n >= 2 && n % 2 == 0 ? ndk_fft_plan_init(&plan->half, n / 2, is_f32)
                                  : NDKERN_EINVAL;
    if (rc != NDKERN_OK)
        return rc;
    const size_t scalar = is_f32 ? sizeof(float) : sizeof(double);
    plan->twiddle_re = malloc(scalar * (size_t)(n / 2 + 1));
    plan->twiddle_im = malloc(scalar * (size_t)(n / 2 + 1));
    if (plan->twiddle_re == NULL || plan->twiddle_im == NULL)
        return NDKERN_ENOMEM;
    for (int64_t k = 0; k <= n / 2; k++) {
        double wr, wi;
        unit_root(k, n, &wr, &wi);
        store_twiddle(plan->twiddle_re, plan->twiddle_im, is_f32, k, wr, wi);
    }
    return NDKERN_OK;
}

void ndk_rfft_plan_free(struct ndk_rfft_plan *plan)
{
    ndk_fft_plan_free(&plan->half);
    free(plan->twiddle_re);
    free(plan->twiddle_im);
    plan->twiddle_re = plan->twiddle_im = NULL;
}

void ndk_fft_batch(const struct ndk_fft_plan *plan, void *re, void *im, void *work_re,
                   void *work_im, int64_t lanes)
{
    ndk_kernels()->fft_batch[precision(plan)](plan, re, im, work_re, work_im, lanes);
}

void ndk_rfft_forward(const struct ndk_rfft_plan *plan, void *z_re, void *z_im,
                      void *x_re, void *x_im, int64_t x_stride, void *work_re, void *work_im,
                      int64_t lanes)
{
    ndk_fft_batch(&plan->half, z_re, z_im, work_re, work_im, lanes);
    ndk_kernels()->rfft_post[precision(&plan->half)](plan, z_re, z_im, x_re, x_im, x_stride,
                                                     lanes);
}

void ndk_rfft_inverse(const struct ndk_rfft_plan *plan, const void *x_re, const void *x_im,
                      int64_t x_stride, void *z_re, void *z_im, void *work_re, void *work_im,
                      int64_t lanes)
{
    ndk_kernels()->rfft_pre[precision(&plan->half)](plan, x_re, x_im, x_stride, z_re, z_im,
                                                    lanes);
    /* the inverse DFT: the forward one with re and im exchanged */
    ndk_fft_batch(&plan->half, z_im, z_re, work_im, work_re, lanes);
}
