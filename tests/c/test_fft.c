/*
 * test_fft.c -- the library's FFT: the internal batched 1-D transforms
 * (fft.c is compiled into this program) against a naive O(n^2) DFT in long
 * double for every 5-smooth length up to 512 and some larger ones, float
 * and double, complex and real, forward and inverse, with lanes that must
 * not influence each other; then the public FFT method of convolution
 * against the direct method over random shapes, modes, boundaries, dtypes
 * and layouts, bit-identical for 1, 2 and 3 threads (ARCH-DIGEST fft_method,
 * documented bit-identical at every SIMD level of one architecture), and
 * its error paths; last, whole batches of 16/32 lanes as the convolution
 * runs them against the naive DFT.
 */
#include <float.h>
#include <math.h>

#include "common.h"
#include "internal.h"
#include "fft.h"

#define PROGRAM "test_fft"

static int is_5_smooth_ref(int64_t n)
{
    while (n % 2 == 0)
        n /= 2;
    while (n % 3 == 0)
        n /= 3;
    while (n % 5 == 0)
        n /= 5;
    return n == 1;
}

static void test_good_length(void)
{
    harness_set_context("ndk_fft_good_length");
    int64_t next = 1;
    for (int64_t n = 4000; n >= 0; n--) { /* next: the smallest 5-smooth >= n */
        if (n >= 1 && is_5_smooth_ref(n))
            next = n;
        CHECKF(ndk_fft_good_length(n, 0) == (n < 1 ? 1 : next), "n=%" PRId64 ": %" PRId64,
               n, ndk_fft_good_length(n, 0));
        const int64_t even = ndk_fft_good_length(n, 1);
        CHECKF(even >= n && even % 2 == 0 && is_5_smooth_ref(even / 2) &&
                   ndk_fft_good_length((n + 1) / 2, 0) * 2 == even,
               "even n=%" PRId64 ": %" PRId64, n, even);
    }
    CHECK(ndk_fft_good_length(INT64_C(1) << 62, 0) == INT64_C(1) << 62);
    CHECK(ndk_fft_good_length((INT64_C(1) << 62) + 1, 0) == 0);
}

/* X[k] = sum_j x[j] e^(sign 2 pi i j k / n) in long double. */
static void naive_dft(const long double *xr, const long double *xi, int64_t n, int sign,
                      long double *yr, long double *yi)
{
    const long double two_pi = 6.283185307179586476925286766559005768L;
    long double *c = harness_malloc((size_t)n * sizeof *c), *s = harness_malloc((size_t)n * sizeof *s);
    for (int64_t j = 0; j < n; j++) {
        c[j] = cosl(two_pi * (long double)j / (long double)n);
        s[j] = sign * sinl(two_pi * (long double)j / (long double)n);
    }
    for (int64_t k = 0; k < n; k++) {
        long double sr = 0, si = 0;
        for (int64_t j = 0, jk = 0; j < n; j++, jk = (jk + k) % n) {
            sr += xr[j] * c[jk] - xi[j] * s[jk];
            si += xr[j] * s[jk] + xi[j] * c[jk];
        }
        yr[k] = sr;
        yi[k] = si;
    }
    free(c);
    free(s);
}

static long double scalar_at(const void *p, int is_f32, int64_t i)
{
    return is_f32 ? (long double)((const float *)p)[i] : (long double)((const double *)p)[i];
}

static void scalar_set(void *p, int is_f32, int64_t i, double v)
{
    if (is_f32)
        ((float *)p)[i] = (float)v;
    else
        ((double *)p)[i] = v;
}

/* Buffers of one batched 1-D case: lanes transforms of length up to n + 1. */
struct batch {
    int is_f32;
    int64_t n, lanes;
    void *re, *im, *out_re, *out_im, *work_re, *work_im;
    long double *xr, *xi, *yr, *yi;
};

static void batch_alloc(struct batch *b, int64_t n, int64_t lanes, int is_f32)
{
    const size_t cells = (size_t)((n + 1) * lanes), scalar = is_f32 ? 4 : 8;
    b->is_f32 = is_f32;
    b->n = n;
    b->lanes = lanes;
    void **planes[6] = {&b->re, &b->im, &b->out_re, &b->out_im, &b->work_re, &b->work_im};
    for (int i = 0; i < 6; i++)
        *planes[i] = harness_malloc(cells * scalar);
    long double **refs[4] = {&b->xr, &b->xi, &b->yr, &b->yi};
    for (int i = 0; i < 4; i++)
        *refs[i] = harness_malloc((size_t)(n + 1) * sizeof(long double));
}

static void batch_free(struct batch *b)
{
    void *all[10] = {b->re, b->im, b->out_re, b->out_im, b->work_re, b->work_im,
                     b->xr, b->xi, b->yr, b->yi};
    for (int i = 0; i < 10; i++)
        free(all[i]);
}

/* Random normal-ish values in [-1, 1) for every lane of (re, im), n rows. */
static void batch_fill(struct batch *b, int64_t rows)
{
    for (int64_t i = 0; i < rows * b->lanes; i++) {
        scalar_set(b->re, b->is_f32, i, 2 * rng_unit() - 1);
        scalar_set(b->im, b->is_f32, i, 2 * rng_unit() - 1);
    }
}

/* Working-precision rounding error allowed for a transform of length n
 * over values of 2-norm `norm`: a few units per pass. */
static long double dft_tolerance(int is_f32, int64_t n, long double norm)
{
    const long double eps = is_f32 ? FLT_EPSILON : DBL_EPSILON;
    return 4 * eps * (log2l((long double)n) + 2) * (norm + 1e-30L);
}

/* Compares lane `lane` of (got_re, got_im), `rows` rows, with (yr, yi). */
static void compare_lane(const struct batch *b, const void *got_re, const void *got_im,
                         int64_t lane, int64_t rows, long double tol, const char *what)
{
    long double worst = 0;
    int64_t at = 0;
    for (int64_t k = 0; k < rows; k++) {
        const long double dr = scalar_at(got_re, b->is_f32, k * b->lanes + lane) - b->yr[k];
        const long double di = scalar_at(got_im, b->is_f32, k * b->lanes + lane) - b->yi[k];
        const long double err = fabsl(dr) + fabsl(di);
        if (!(err <= worst)) {
            worst = err;
            at = k;
        }
    }
    CHECKF(worst <= tol, "%s n=%" PRId64 " lane %" PRId64 "/%" PRId64 " %s: error %Lg at %"
           PRId64 " > %Lg", what, b->n, lane, b->lanes, b->is_f32 ? "f32" : "f64", worst, at, tol);
}

/* Complex transforms, forward and inverse, against the naive DFT. */
static void check_complex(int64_t n, int64_t lanes, int is_f32)
{
    struct batch b;
    batch_alloc(&b, n, lanes, is_f32);
    struct ndk_fft_plan plan;
    CHECK_STATUS(ndk_fft_plan_init(&plan, n, is_f32), NDKERN_OK);
    for (int sign = -1; sign <= 1; sign += 2) {
        batch_fill(&b, n);
        memcpy(b.out_re, b.re, (size_t)(n * lanes) * (is_f32 ? 4 : 8));
        memcpy(b.out_im, b.im, (size_t)(n * lanes) * (is_f32 ? 4 : 8));
        if (sign < 0) /* forward; the inverse exchanges re and im */
            ndk_fft_batch(&plan, b.out_re, b.out_im, b.work_re, b.work_im, lanes);
        else
            ndk_fft_batch(&plan, b.out_im, b.out_re, b.work_im, b.work_re, lanes);
        for (int64_t l = 0; l < lanes; l++) {
            long double norm = 0;
            for (int64_t j = 0; j < n; j++) {
                b.xr[j] = scalar_at(b.re, is_f32, j * lanes + l);
                b.xi[j] = scalar_at(b.im, is_f32, j * lanes + l);
                norm += b.xr[j] * b.xr[j] + b.xi[j] * b.xi[j];
            }
            naive_dft(b.xr, b.xi, n, sign, b.yr, b.yi);
            compare_lane(&b, b.out_re, b.out_im, l, n, dft_tolerance(is_f32, n, sqrtl(norm)),
                         sign < 0 ? "fft forward" : "fft inverse");
        }
    }
    ndk_fft_plan_free(&plan);
    batch_free(&b);
}

/* Real transforms: forward against the naive DFT of the real sequence, and
 * the inverse of the naive spectrum back to n/2 times the input. */
static void check_real(int64_t n, int64_t lanes, int is_f32)
{
    struct batch b;
    batch_alloc(&b, n, lanes, is_f32);
    struct ndk_rfft_plan plan;
    CHECK_STATUS(ndk_rfft_plan_init(&plan, n, is_f32), NDKERN_OK);
    const int64_t h = n / 2;
    batch_fill(&b, h); /* z[j] = x[2j] + i x[2j+1] */
    long double *saved = harness_malloc((size_t)(n * lanes) * sizeof(long double));
    for (int64_t i = 0; i < h * lanes; i++) {
        saved[2 * i] = scalar_at(b.re, is_f32, i);
        saved[2 * i + 1] = scalar_at(b.im, is_f32, i);
    }
    ndk_rfft_forward(&plan, b.re, b.im, b.out_re, b.out_im, lanes, b.work_re, b.work_im,
                     lanes);
    for (int64_t l = 0; l < lanes; l++) {
        long double norm = 0;
        for (int64_t j = 0; j < h; j++) {
            b.xr[2 * j] = saved[2 * (j * lanes + l)];
            b.xr[2 * j + 1] = saved[2 * (j * lanes + l) + 1];
        }
        for (int64_t j = 0; j < n; j++) {
            b.xi[j] = 0;
            norm += b.xr[j] * b.xr[j];
        }
        naive_dft(b.xr, b.xi, n, -1, b.yr, b.yi);
        compare_lane(&b, b.out_re, b.out_im, l, h + 1, dft_tolerance(is_f32, n, sqrtl(norm)),
                     "rfft forward");
        /* inverse: (n/2) x from the exact spectrum, back in z form */
        for (int64_t k = 0; k <= h; k++) {
            scalar_set(b.out_re, is_f32, k * lanes + l, (double)b.yr[k]);
            scalar_set(b.out_im, is_f32, k * lanes + l, (double)b.yi[k]);
        }
    }
    ndk_rfft_inverse(&plan, b.out_re, b.out_im, lanes, b.re, b.im, b.work_re, b.work_im,
                     lanes);
    for (int64_t l = 0; l < lanes; l++) {
        long double norm = 0;
        for (int64_t j = 0; j < h; j++) {
            b.yr[j] = (long double)h * saved[2 * (j * lanes + l)];
            b.yi[j] = (long double)h * saved[2 * (j * lanes + l) + 1];
            norm += b.yr[j] * b.yr[j] + b.yi[j] * b.yi[j];
        }
        compare_lane(&b, b.re, b.im, l, h, dft_tolerance(is_f32, n, sqrtl(norm)),
                     "rfft inverse");
    }
    free(saved);
    ndk_rfft_plan_free(&plan);
    batch_free(&b);
}

/* A lane's result does not depend on the other lanes or their number. */
static void check_lane_independence(int64_t n, int is_f32)
{
    const size_t scalar = is_f32 ? 4 : 8;
    struct batch wide, one;
    batch_alloc(&wide, n, 7, is_f32);
    batch_alloc(&one, n, 1, is_f32);
    struct ndk_fft_plan plan;
    CHECK_STATUS(ndk_fft_plan_init(&plan, n, is_f32), NDKERN_OK);
    batch_fill(&wide, n);
    for (int64_t j = 0; j < n; j++) { /* lane 3 alone */
        memcpy((char *)one.re + j * scalar, (char *)wide.re + (j * 7 + 3) * scalar, scalar);
        memcpy((char *)one.im + j * scalar, (char *)wide.im + (j * 7 + 3) * scalar, scalar);
    }
    ndk_fft_batch(&plan, wide.re, wide.im, wide.work_re, wide.work_im, 7);
    ndk_fft_batch(&plan, one.re, one.im, one.work_re, one.work_im, 1);
    int same = 1;
    for (int64_t j = 0; j < n; j++)
        same &= memcmp((char *)one.re + j * scalar, (char *)wide.re + (j * 7 + 3) * scalar,
                       scalar) == 0 &&
                memcmp((char *)one.im + j * scalar, (char *)wide.im + (j * 7 + 3) * scalar,
                       scalar) == 0;
    CHECKF(same, "n=%" PRId64 " %s: lane 3 of 7 differs from the same transform alone", n,
           is_f32 ? "f32" : "f64");
    ndk_fft_plan_free(&plan);
    batch_free(&wide);
    batch_free(&one);
}

static void test_transforms(void)
{
    static const int64_t large[] = {600, 729, 1000, 1024, 1125, 1536, 2000};
    for (int is_f32 = 0; is_f32 <= 1; is_f32++) {
        for (int64_t n = 1; n <= 512; n++) {
            if (!is_5_smooth_ref(n))
                continue;
            harness_set_context("1-D n=%" PRId64 " %s", n, is_f32 ? "f32" : "f64");
            check_complex(n, rng_range(1, 5), is_f32);
            if (n % 2 == 0)
                check_real(n, rng_range(1, 5), is_f32);
            check_lane_independence(n, is_f32);
        }
        for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
            harness_set_context("1-D n=%" PRId64 " %s", large[i], is_f32 ? "f32" : "f64");
            check_complex(large[i], 2, is_f32);
            if (large[i] % 2 == 0)
                check_real(large[i], 3, is_f32);
        }
    }
    struct ndk_fft_plan bad;
    harness_set_context("plans of lengths that are not 5-smooth");
    CHECK_STATUS(ndk_fft_plan_init(&bad, 7, 0), NDKERN_EINVAL);
    ndk_fft_plan_free(&bad);
    CHECK_STATUS(ndk_fft_plan_init(&bad, 0, 1), NDKERN_EINVAL);
    ndk_fft_plan_free(&bad);
}

/* Whole batches as the convolution runs them (16 double or 32 float lanes:
 * runs of whole blocks, chunks and groups of passes on their fast paths),
 * against the naive DFT.  Last in the program: its random draws do not
 * shift the digested tests before it. */
static void test_full_batches(void)
{
    static const int64_t lengths[] = {320, 384, 576};
    for (int is_f32 = 0; is_f32 <= 1; is_f32++) {
        const int64_t lanes = is_f32 ? 32 : 16;
        for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
            harness_set_context("1-D n=%" PRId64 " %s, %" PRId64 " lanes", lengths[i],
                                is_f32 ? "f32" : "f64", lanes);
            check_complex(lengths[i], lanes, is_f32);
            check_real(2 * lengths[i], lanes, is_f32);
        }
    }
}

/* ------------------------------------------------ the public FFT method */

static const int fft_dtypes[4] = {NDKERN_FLOAT32, NDKERN_FLOAT64, NDKERN_COMPLEX64,
                                  NDKERN_COMPLEX128};

static int is_single(int dt)
{
    return dt == NDKERN_FLOAT32 || dt == NDKERN_COMPLEX64;
}

/* Component `part` (0 real, 1 imaginary) of the element at p. */
static double component(const void *p, int dt, int part)
{
    const int complex_type = dt == NDKERN_COMPLEX64 || dt == NDKERN_COMPLEX128;
    if (part == 1 && !complex_type)
        return 0;
    if (is_single(dt)) {
        float v;
        memcpy(&v, (const char *)p + part * 4, 4);
        return v;
    }
    double v;
    memcpy(&v, (const char *)p + part * 8, 8);
    return v;
}

struct conv_case {
    int correlate, dt, mode, boundary;
    harness_array f, g, h;
    unsigned char fill[16];
};

static void output_shape(const struct conv_case *c, int64_t shape[2])
{
    for (int i = 0; i < 2; i++) {
        const int64_t n = c->f.shape[i], k = c->g.shape[i];
        shape[i] = c->mode == NDKERN_MODE_FULL ? n + k - 1
                 : c->mode == NDKERN_MODE_SAME ? n : (n > k ? n - k : k - n) + 1;
    }
}

static int run_case(struct conv_case *c, harness_array *h, int method)
{
    return ndkern_convolve2d_method(c->f.data, c->f.shape, c->f.strides, c->g.data,
                                    c->g.shape, c->g.strides, h->data, h->shape, h->strides,
                                    c->dt, c->mode, c->boundary, c->fill, c->correlate,
                                    method);
}

/* A case of these shapes (c's direction, mode and boundary set) with
 * values in [-2, 2] (VS_SMALL) and random layouts. */
static void make_shaped_case(struct conv_case *c, int dt, const int64_t fs[2],
                             const int64_t gs[2])
{
    const struct value_gen small = {VS_SMALL, 0, 0};
    int64_t hs[2];
    c->dt = dt;
    harness_array_init(&c->f, 2, fs, (size_t)ndkern_dtype_size(dt),
                       harness_random_layout(HL_ALL_INPUT));
    harness_array_init(&c->g, 2, gs, (size_t)ndkern_dtype_size(dt),
                       harness_random_layout(HL_ALL_INPUT));
    fill_array(&c->f, dt, &small);
    fill_array(&c->g, dt, &small);
    random_element(c->fill, dt, &small);
    output_shape(c, hs);
    harness_array_init(&c->h, 2, hs, (size_t)ndkern_dtype_size(dt),
                       harness_random_layout(HL_ALL_OUTPUT));
}

/* A random case of small shapes. */
static void random_direction_mode_boundary(struct conv_case *c)
{
    c->correlate = (int)rng_below(2);
    c->mode = (int)rng_below(3);
    c->boundary = (int)rng_below(3);
}

static void make_case(struct conv_case *c, int dt)
{
    int64_t fs[2], gs[2];
    random_direction_mode_boundary(c);
    const int mode = c->mode;
    do {
        for (int i = 0; i < 2; i++) {
            fs[i] = rng_range(1, 70);
            gs[i] = rng_range(1, rng_chance(20) ? 90 : 25);
        }
    } while (mode == NDKERN_MODE_VALID &&
             !((fs[0] >= gs[0] && fs[1] >= gs[1]) || (gs[0] >= fs[0] && gs[1] >= fs[1])));
    make_shaped_case(c, dt, fs, gs);
}

static void free_case(struct conv_case *c)
{
    harness_array_free(&c->f);
    harness_array_free(&c->g);
    harness_array_free(&c->h);
}

/* FFT rounding is relative to ||P||_2 ||g||_2 (values are at most 2 sqrt 2
 * in modulus); the direct sum's to its kh kw terms. */
static double fft_vs_direct_tolerance(const struct conv_case *c)
{
    const double eps = is_single(c->dt) ? FLT_EPSILON : DBL_EPSILON, bound = 8;
    const double rows = (double)(c->h.shape[0] + c->g.shape[0]);
    const double cols = (double)(c->h.shape[1] + c->g.shape[1]);
    const double taps = (double)c->g.nelem < (double)c->f.nelem ? (double)c->g.nelem
                                                                 : (double)c->f.nelem;
    return 8 * eps * (log2(rows * cols) + 4) * bound * sqrt(rows * cols * taps) +
           (taps + 4) * eps * bound * taps;
}

static void digest_output(const char *digest_name, const harness_array *h)
{
    int64_t index[2] = {0, 0};
    if (h->nelem > 0)
        do
            harness_arch_digest(digest_name, harness_array_at(h, index), h->elsize);
        while (ref_next_index(2, h->shape, index));
}

/* The FFT result against the direct one, its thread independence, and the
 * digest of its bits (ARCH-DIGEST fft_method: documented bit-identical at
 * every SIMD level and thread count of one architecture; the twiddles are
 * computed in long double, 80-bit on x86-64 and 128-bit on aarch64). */
static void check_fft_case(struct conv_case *c, const char *digest_name)
{
    harness_array direct;
    harness_array_contiguous(&direct, 2, c->h.shape, c->h.elsize);
    CHECK_STATUS(run_case(c, &direct, NDKERN_METHOD_DIRECT), NDKERN_OK);
    harness_array_snapshot(&c->h);
    ndkern_set_num_threads(1);
    CHECK_STATUS(run_case(c, &c->h, NDKERN_METHOD_FFT), NDKERN_OK);
    ndkern_set_num_threads(0);
    CHECK_OUTSIDE_UNCHANGED(&c->h, "h");
    const double tol = fft_vs_direct_tolerance(c);
    int64_t index[2] = {0, 0};
    double worst = 0;
    if (c->h.nelem > 0)
        do
            for (int part = 0; part < 2; part++) {
                const double d = fabs(component(harness_array_at(&c->h, index), c->dt, part) -
                                      component(harness_array_at(&direct, index), c->dt, part));
                worst = d > worst || d != d ? d : worst;
            }
        while (ref_next_index(2, c->h.shape, index));
    CHECKF(worst <= tol, "max |fft - direct| = %g > %g", worst, tol);
    harness_array threaded;
    harness_array_contiguous(&threaded, 2, c->h.shape, c->h.elsize);
    for (int n = 2; n <= 3; n++) {
        ndkern_set_num_threads(n);
        CHECK_STATUS(run_case(c, &threaded, NDKERN_METHOD_FFT), NDKERN_OK);
        int same = 1;
        index[0] = index[1] = 0;
        if (c->h.nelem > 0)
            do
                same &= memcmp(harness_array_at(&threaded, index), harness_array_at(&c->h, index),
                               c->h.elsize) == 0;
            while (ref_next_index(2, c->h.shape, index));
        CHECKF(same, "%d threads differ from 1", n);
    }
    ndkern_set_num_threads(0);
    harness_array_free(&threaded);
    harness_array_free(&direct);
    digest_output(digest_name, &c->h);
}

static void set_case_context(const struct conv_case *c)
{
    char fdims[64], gdims[64];
    harness_set_context("%s %s %s mode %d boundary %d, f %s g %s",
                        c->correlate ? "correlate" : "convolve", dtype_name(c->dt), "fft",
                        c->mode, c->boundary,
                        harness_format_dims(fdims, sizeof fdims, 2, c->f.shape),
                        harness_format_dims(gdims, sizeof gdims, 2, c->g.shape));
}

static void test_fft_method(void)
{
    for (int i = 0; i < 240; i++) {
        struct conv_case c;
        make_case(&c, fft_dtypes[i % 4]);
        set_case_context(&c);
        check_fft_case(&c, "fft_method");
        free_case(&c);
    }
}

/* A case longer than the FFT's strip transforms (FFT_STRIP_MIN_LENGTH =
 * 1024) along axis `along`: 1100 to 2600 there with kernels of up to 300,
 * narrow across; one to three strips.  Every third case puts the output's
 * length there at a multiple of 1025 - k (the strip length for these
 * kernels) or one off it, where a strip boundary falls on the last one. */
static void make_long_case(struct conv_case *c, int along, int i)
{
    random_direction_mode_boundary(c);
    const int mode = c->mode, across = 1 - along;
    int64_t gs[2], fs[2];
    gs[along] = rng_range(1, 300);
    gs[across] = rng_range(1, 6);
    fs[along] = rng_range(1100, 2600);
    fs[across] = rng_range(gs[across], 12);
    if (i % 3 == 0) { /* output length: fs (same), + k - 1 (full), - k + 1 (valid) */
        const int64_t k = gs[along];
        const int64_t n = (int64_t)rng_range(1, 2) * (1025 - k) + (int64_t)rng_range(0, 2) - 1;
        fs[along] = mode == NDKERN_MODE_SAME ? n
                  : mode == NDKERN_MODE_FULL ? n - k + 1 : n + k - 1;
    }
    make_shaped_case(c, fft_dtypes[i % 4], fs, gs);
}

/* The padded image's rows in strips (fft_convolve.c). */
static void test_fft_strips(void)
{
    for (int i = 0; i < 36; i++) {
        struct conv_case c;
        make_long_case(&c, 0, i);
        set_case_context(&c);
        check_fft_case(&c, "fft_strips");
        free_case(&c);
    }
}

/* Its columns in the tiles of the row transforms (pass 3 of
 * fft_convolve.c); every sixth case an image in strips and tiles (both
 * sides 1100 to 1400, kernels of up to 4 x 4). */
static void test_fft_tiles(void)
{
    for (int i = 0; i < 36; i++) {
        struct conv_case c;
        if (i % 6 == 5) {
            random_direction_mode_boundary(&c);
            const int64_t gs[2] = {rng_range(1, 4), rng_range(1, 4)};
            const int64_t fs[2] = {rng_range(1100, 1400), rng_range(1100, 1400)};
            make_shaped_case(&c, fft_dtypes[i % 4], fs, gs);
        } else {
            make_long_case(&c, 1, i);
        }
        set_case_context(&c);
        check_fft_case(&c, "fft_tiles");
        free_case(&c);
    }
}

/* Errors leave the output untouched. */
static void test_fft_errors(void)
{
    struct conv_case c;
    make_case(&c, NDKERN_FLOAT64);
    harness_array_snapshot(&c.h);
    harness_set_context("ndkern_convolve2d_method errors");
    CHECK_STATUS(run_case(&c, &c.h, 3), NDKERN_EINVAL);
    CHECK_STATUS(run_case(&c, &c.h, -1), NDKERN_EINVAL);
    c.correlate = 2;
    CHECK_STATUS(run_case(&c, &c.h, NDKERN_METHOD_FFT), NDKERN_EINVAL);
    c.correlate = 0;
    c.dt = NDKERN_INT64; /* same element size */
    CHECK_STATUS(run_case(&c, &c.h, NDKERN_METHOD_FFT), NDKERN_EDTYPE);
    c.dt = 12;
    CHECK_STATUS(run_case(&c, &c.h, NDKERN_METHOD_AUTO), NDKERN_EDTYPE);
    CHECK_UNCHANGED(&c.h, "h after errors");
    free_case(&c);

    harness_set_context("ndkern_choose_conv_method");
    const int64_t image[2] = {1000, 1000}, small[2] = {3, 3}, large[2] = {127, 127};
    const int64_t wide[2] = {3, 2000}, negative[2] = {-1, 3};
    CHECK(ndkern_choose_conv_method(image, small, NDKERN_FLOAT32, NDKERN_MODE_SAME) ==
          NDKERN_METHOD_DIRECT);
    CHECK(ndkern_choose_conv_method(image, large, NDKERN_FLOAT64, NDKERN_MODE_SAME) ==
          NDKERN_METHOD_FFT);
    CHECK(ndkern_choose_conv_method(image, large, NDKERN_INT16, NDKERN_MODE_SAME) ==
          NDKERN_METHOD_DIRECT);
    CHECK_STATUS(ndkern_choose_conv_method(image, wide, NDKERN_FLOAT32, NDKERN_MODE_VALID),
                 NDKERN_ESHAPE);
    CHECK_STATUS(ndkern_choose_conv_method(image, negative, NDKERN_FLOAT32, NDKERN_MODE_FULL),
                 NDKERN_EINVAL);
    CHECK_STATUS(ndkern_choose_conv_method(image, small, NDKERN_FLOAT32, 3), NDKERN_EINVAL);
    CHECK_STATUS(ndkern_choose_conv_method(NULL, small, NDKERN_FLOAT32, 0), NDKERN_EINVAL);
    CHECK_STATUS(ndkern_choose_conv_method(image, small, -1, 0), NDKERN_EDTYPE);
}

static const struct harness_test tests[] = {
    HARNESS_TEST(good_length), HARNESS_TEST(transforms), HARNESS_TEST(fft_method),
    HARNESS_TEST(fft_strips), HARNESS_TEST(fft_tiles), HARNESS_TEST(fft_errors),
    HARNESS_TEST(full_batches),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
