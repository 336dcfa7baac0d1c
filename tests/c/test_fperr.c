/*
 * test_fperr.c -- ndkern_fp_exceptions, at every SIMD level (all-levels.sh)
 * and thread count:
 *  - square_array of float32/float64 reports exactly the exceptions of the
 *    scalar reference's x * x over the same values (huge, tiny, inf, NaN),
 *    laid out contiguously, strided and reversed; complex inf - inf is
 *    invalid; vector lanes past the data raise nothing;
 *  - sum_array: overflow exactly when finite terms sum to an infinity,
 *    invalid exactly when an inf + -inf makes the NaN, for float64 and
 *    float32 (accumulated in double: overflow only in the final rounding),
 *    complex, float64 summed to float32 (underflow); integer sums report 0;
 *  - the flags are the same for 1, 2 and 3 threads (the pool ORs its
 *    helpers' flags into the call's);
 *  - the caller's own flags are as they were, the value is per thread,
 *    errors and convolutions leave it as documented.
 */
#include "common.h"

#include <fenv.h>
#include <pthread.h>

#define PROGRAM "test_fperr"

#define FE_REPORTED (FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID)
#define ALL_FP (NDKERN_FP_DIVBYZERO | NDKERN_FP_OVERFLOW | NDKERN_FP_UNDERFLOW | NDKERN_FP_INVALID)
#define BIG_SQUARE (INT64_C(1) << 20)          /* > 2 threads' grain of square_array */
#define BIG_SUM ((INT64_C(1) << 21) + 12345)   /* > 2 threads' grain of one sum */
#define TRIALS 40

/* fenv's flags as NDKERN_FP_* bits. */
static int fp_bits(int raised)
{
    return (raised & FE_DIVBYZERO ? NDKERN_FP_DIVBYZERO : 0) |
           (raised & FE_OVERFLOW ? NDKERN_FP_OVERFLOW : 0) |
           (raised & FE_UNDERFLOW ? NDKERN_FP_UNDERFLOW : 0) |
           (raised & FE_INVALID ? NDKERN_FP_INVALID : 0);
}

/* Values whose squares and sums raise every exception square and sum can. */
static double edge_value(void)
{
    static const double values[] = {1e200, -1e200, 1e-200, 1e-170, 1e20, 1e-25, 1e-40,
                                    INFINITY, -INFINITY, NAN, 0.0, 1.5, 3e38, 1e308};
    return values[rng_below((int64_t)(sizeof values / sizeof values[0]))];
}

/* The scalar reference: the exceptions of x[i] * x[i] for every i. */
static int ref_square_flags(const void *x, int64_t n, int dtype)
{
    feclearexcept(FE_ALL_EXCEPT);
    for (int64_t i = 0; i < n; i++) {
        if (dtype == NDKERN_FLOAT32) {
            volatile float v = ((const float *)x)[i], square = v * v;
            (void)square;
        } else {
            volatile double v = ((const double *)x)[i], square = v * v;
            (void)square;
        }
    }
    return fp_bits(fetestexcept(FE_ALL_EXCEPT));
}

/* square_array's flags over n elements at x with `step` elements between
 * them (negative: reversed), with `threads` threads. */
static int square_flags(void *x, int64_t n, int64_t step, int dtype, int threads)
{
    const int64_t size = ndkern_dtype_size(dtype);
    char *start = (char *)x + (step < 0 ? (n - 1) * -step * size : 0);
    void *out = harness_malloc((size_t)(n > 0 ? n : 1) * (size_t)size);
    const int64_t shape[1] = {n}, strides[1] = {step * size}, out_strides[1] = {size};
    ndkern_set_num_threads(threads);
    feclearexcept(FE_ALL_EXCEPT);
    CHECK_STATUS(square_array(start, strides, out, out_strides, 1, shape, dtype), NDKERN_OK);
    CHECK(fetestexcept(FE_REPORTED) == 0); /* the pool's flags went to the call only */
    free(out);
    return ndkern_fp_exceptions();
}

/* Random real arrays, small and big, with edge values at random places;
 * contiguous, strided and reversed: the flags are the reference's. */
static void test_square_real(void)
{
    for (int trial = 0; trial < TRIALS; trial++) {
        const int dtype = trial % 2 ? NDKERN_FLOAT32 : NDKERN_FLOAT64;
        const int64_t n = trial % 8 == 0 ? BIG_SQUARE : rng_range(1, 300);
        const int64_t step = (int64_t[]){1, 3, -1, -2}[trial % 4];
        const int64_t stored = n * (step < 0 ? -step : step);
        double *values = harness_malloc((size_t)stored * sizeof(double));
        float *values32 = harness_malloc((size_t)stored * sizeof(float));
        for (int64_t i = 0; i < stored; i++)
            values[i] = 1.25;
        for (int k = 0; k < 3; k++)
            values[rng_below(stored)] = edge_value();
        for (int64_t i = 0; i < stored; i++)
            values32[i] = (float)values[i];
        void *x = dtype == NDKERN_FLOAT32 ? (void *)values32 : (void *)values;
        /* The reference sees the elements the call reads (all of them when
         * the step is 1, else every |step|-th). */
        double *dense = harness_malloc((size_t)n * sizeof(double));
        const int64_t size = ndkern_dtype_size(dtype), abs_step = step < 0 ? -step : step;
        for (int64_t i = 0; i < n; i++)
            memcpy((char *)dense + i * size, (char *)x + i * abs_step * size, (size_t)size);
        const int want = ref_square_flags(dense, n, dtype);
        for (size_t t = 0; t < N_THREAD_COUNTS; t++) {
            harness_set_context("square %s n=%" PRId64 " step=%" PRId64 " threads=%d",
                                dtype == NDKERN_FLOAT32 ? "float32" : "float64", n, step,
                                thread_counts[t]);
            const int got = square_flags(x, n, step, dtype, thread_counts[t]);
            CHECKF(got == want, "flags %d, reference %d", got, want);
            harness_digest("square_flags", &got, sizeof got);
        }
        free(dense);
        free(values);
        free(values32);
    }
    ndkern_set_num_threads(0);
}

/* Complex squares: (a + bi)^2 at every level's formula. */
static void test_square_complex(void)
{
    static const struct {
        double re, im;
        int want;
    } cases[] = {
        {INFINITY, INFINITY, NDKERN_FP_INVALID},  /* inf*inf - inf*inf */
        {1e200, 0.0, NDKERN_FP_OVERFLOW},
        {1e-200, 0.0, NDKERN_FP_UNDERFLOW},
        {1.5, -2.5, 0},
        {NAN, 1.0, 0},                            /* quiet NaN: nothing */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double x[2] = {cases[c].re, cases[c].im}, out[2];
        const int64_t shape[1] = {1}, strides[1] = {16};
        harness_set_context("complex128 square of (%g, %g)", x[0], x[1]);
        CHECK_STATUS(square_array(x, strides, out, strides, 1, shape, NDKERN_COMPLEX128),
                     NDKERN_OK);
        CHECKF(ndkern_fp_exceptions() == cases[c].want, "flags %d, want %d",
               ndkern_fp_exceptions(), cases[c].want);
    }
}

/* Short arrays amid huge neighbours: vector loads and tails raise nothing
 * for bytes that are not elements. */
static void test_no_lane_leaks(void)
{
    enum { PAD = 64, MAXN = 70 };
    double buffer[PAD + MAXN + PAD], out[MAXN];
    float buffer32[PAD + MAXN + PAD], out32[MAXN];
    for (int64_t n = 1; n <= MAXN; n++) {
        for (int i = 0; i < PAD + MAXN + PAD; i++) {
            buffer[i] = i % 2 ? 1e300 : -INFINITY;
            buffer32[i] = i % 2 ? 1e30f : -INFINITY;
        }
        for (int64_t i = 0; i < n; i++)
            buffer[PAD + i] = buffer32[PAD + i] = 0.75f;
        const int64_t shape[1] = {n}, strides[1] = {8}, strides32[1] = {4};
        harness_set_context("n=%" PRId64 " amid huge values", n);
        CHECK_STATUS(square_array(buffer + PAD, strides, out, strides, 1, shape,
                                  NDKERN_FLOAT64), NDKERN_OK);
        CHECK(ndkern_fp_exceptions() == 0);
        CHECK_STATUS(square_array(buffer32 + PAD, strides32, out32, strides32, 1, shape,
                                  NDKERN_FLOAT32), NDKERN_OK);
        CHECK(ndkern_fp_exceptions() == 0);
        CHECK_STATUS(sum_array(buffer + PAD, strides, 1, shape, NDKERN_FLOAT64, 1, out,
                               NULL, NDKERN_FLOAT64), NDKERN_OK);
        CHECK(ndkern_fp_exceptions() == 0);
        CHECK_STATUS(sum_array(buffer32 + PAD, strides32, 1, shape, NDKERN_FLOAT32, 1,
                               out32, NULL, NDKERN_FLOAT32), NDKERN_OK);
        CHECK(ndkern_fp_exceptions() == 0);
    }
}

/* One sum of n values to out_dtype with `threads` threads; its flags. */
static int sum_flags(const void *x, int64_t n, int dtype, int out_dtype, int threads,
                     void *result)
{
    const int64_t shape[1] = {n}, strides[1] = {ndkern_dtype_size(dtype)};
    ndkern_set_num_threads(threads);
    CHECK_STATUS(sum_array(x, strides, 1, shape, dtype, 1, result, NULL, out_dtype), NDKERN_OK);
    return ndkern_fp_exceptions();
}

/* Finite terms: overflow exactly when the result is infinite, invalid
 * exactly when it is NaN (+inf and -inf partial sums met).  With infinite
 * terms (no NaN): invalid exactly when the result is NaN. */
static void test_sum_classes(void)
{
    for (int trial = 0; trial < TRIALS; trial++) {
        const int64_t n = trial % 8 == 0 ? BIG_SUM : rng_range(1, 5000);
        const int with_inf = trial % 3 == 0, narrow = trial % 2;
        double *x = harness_malloc((size_t)n * sizeof(double));
        float *x32 = harness_malloc((size_t)n * sizeof(float));
        for (int64_t i = 0; i < n; i++) {
            const double big = narrow ? 3e38 : 1.7e308;
            x[i] = rng_chance(50) ? big * (rng_chance(50) ? 1 : -1) : rng_unit();
            if (with_inf && rng_below(n) < 2) /* about two infinities */
                x[i] = rng_chance(50) ? INFINITY : -INFINITY;
            x32[i] = (float)x[i];
        }
        const int dtype = narrow ? NDKERN_FLOAT32 : NDKERN_FLOAT64;
        int first = -1;
        for (size_t t = 0; t < N_THREAD_COUNTS; t++) {
            harness_set_context("sum %s n=%" PRId64 " inf=%d threads=%d",
                                narrow ? "float32" : "float64", n, with_inf, thread_counts[t]);
            double total;
            float total32;
            const int got = sum_flags(narrow ? (void *)x32 : (void *)x, n, dtype, dtype,
                                      thread_counts[t], narrow ? (void *)&total32 : (void *)&total);
            const double value = narrow ? total32 : total;
            CHECKF(!(got & ~(NDKERN_FP_OVERFLOW | NDKERN_FP_INVALID)), "flags %d", got);
            CHECKF(!!(got & NDKERN_FP_INVALID) == !!isnan(value), "flags %d, sum %g", got, value);
            if (!with_inf)
                CHECKF(!!(got & NDKERN_FP_OVERFLOW) == !isfinite(value), "flags %d, sum %g",
                       got, value);
            CHECKF(first < 0 || got == first, "flags %d, with 1 thread %d", got, first);
            first = got;
            harness_digest("sum_flags", &got, sizeof got);
        }
        free(x);
        free(x32);
    }
    ndkern_set_num_threads(0);
}

/* Stores v as a float32, float64 or int32 element. */
static void store_value(char *p, int dtype, double v)
{
    if (dtype == NDKERN_FLOAT32) {
        const float f = (float)v;
        memcpy(p, &f, sizeof f);
    } else if (dtype == NDKERN_INT32) {
        const int32_t i = (int32_t)v;
        memcpy(p, &i, sizeof i);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

/* Named cases, among them where ndkern's order differs from NumPy's. */
static void test_sum_cases(void)
{
    static const struct {
        const char *what;
        double values[3];
        int n, dtype, out_dtype, want;
    } cases[] = {
        {"float64 overflow", {1e308, 1e308}, 2, NDKERN_FLOAT64, NDKERN_FLOAT64, NDKERN_FP_OVERFLOW},
        {"inf - inf", {INFINITY, 0, -INFINITY}, 3, NDKERN_FLOAT64, NDKERN_FLOAT64, NDKERN_FP_INVALID},
        {"quiet NaN", {NAN, 1, INFINITY}, 3, NDKERN_FLOAT64, NDKERN_FLOAT64, 0},
        {"float32 final rounding", {3e38, 3e38}, 2, NDKERN_FLOAT32, NDKERN_FLOAT32,
         NDKERN_FP_OVERFLOW},
        /* NumPy's float32 partial sum overflows; the double one does not. */
        {"float32 exact", {3e38, 3e38, -3e38}, 3, NDKERN_FLOAT32, NDKERN_FLOAT32, 0},
        {"float64 to float32 overflow", {1e300}, 1, NDKERN_FLOAT64, NDKERN_FLOAT32,
         NDKERN_FP_OVERFLOW},
        {"float64 to float32 underflow", {1e-40}, 1, NDKERN_FLOAT64, NDKERN_FLOAT32,
         NDKERN_FP_UNDERFLOW},
        {"complex64 overflow", {3e38, 1, 3e38}, 3, NDKERN_FLOAT32, NDKERN_COMPLEX64,
         NDKERN_FP_OVERFLOW},
        {"float to integer", {NAN, INFINITY, 1e300}, 3, NDKERN_FLOAT64, NDKERN_INT64, 0},
        {"integer", {1, 2, 3}, 3, NDKERN_INT32, NDKERN_INT64, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char x[3 * 16], out[16];
        for (int i = 0; i < cases[c].n; i++)
            store_value(x + i * ndkern_dtype_size(cases[c].dtype), cases[c].dtype,
                        cases[c].values[i]);
        harness_set_context("sum: %s", cases[c].what);
        const int got = sum_flags(x, cases[c].n, cases[c].dtype, cases[c].out_dtype, 1, out);
        CHECKF(got == cases[c].want, "flags %d, want %d", got, cases[c].want);
    }
    ndkern_set_num_threads(0);
}

/* The caller's invalid, divide-by-zero, overflow and underflow flags
 * survive a call, whatever the call raised (inexact may be raised, as by
 * any arithmetic); a failed call and a convolution report as documented. */
static void test_caller_flags(void)
{
    const double big[2] = {1e308, 1e308};
    double out[2];
    const int64_t shape[1] = {2}, strides[1] = {8}, shape2[2] = {1, 2}, strides2[2] = {16, 8};
    static const int callers[] = {0, FE_DIVBYZERO, FE_INEXACT | FE_UNDERFLOW, FE_ALL_EXCEPT};
    for (size_t c = 0; c < sizeof callers / sizeof callers[0]; c++) {
        harness_set_context("caller flags %#x", (unsigned)callers[c]);
        feclearexcept(FE_ALL_EXCEPT);
        feraiseexcept(callers[c]);
        CHECK_STATUS(square_array(big, strides, out, strides, 1, shape, NDKERN_FLOAT64),
                     NDKERN_OK);
        CHECK(fetestexcept(FE_REPORTED) == (callers[c] & FE_REPORTED));
        CHECK(fetestexcept(callers[c]) == callers[c]);
        CHECK(ndkern_fp_exceptions() == NDKERN_FP_OVERFLOW); /* not the caller's */
        CHECK_STATUS(sum_array(big, strides, 1, shape, NDKERN_FLOAT64, 1, out, NULL,
                               NDKERN_FLOAT64), NDKERN_OK);
        CHECK(fetestexcept(FE_REPORTED) == (callers[c] & FE_REPORTED));
        CHECK(fetestexcept(callers[c]) == callers[c]);
        CHECK(ndkern_fp_exceptions() == NDKERN_FP_OVERFLOW);
        /* A convolution leaves the value alone. */
        CHECK_STATUS(convolve2d(big, shape2, strides2, big, shape2, strides2, out, shape2,
                                strides2, NDKERN_FLOAT64, NDKERN_MODE_SAME,
                                NDKERN_BOUNDARY_FILL, NULL), NDKERN_OK);
        CHECK(ndkern_fp_exceptions() == NDKERN_FP_OVERFLOW);
        CHECK_STATUS(square_array(big, strides, out, strides, 1, shape, 99), NDKERN_EDTYPE);
        CHECK(ndkern_fp_exceptions() == 0);
        CHECK(!(ndkern_fp_exceptions() & ~ALL_FP));
    }
    feclearexcept(FE_ALL_EXCEPT);
}

/* Another thread's overflow is not this thread's. */
static void *square_big(void *flags)
{
    const double big = 1e300;
    double out;
    const int64_t shape[1] = {1}, strides[1] = {8};
    square_array(&big, strides, &out, strides, 1, shape, NDKERN_FLOAT64);
    *(int *)flags = ndkern_fp_exceptions();
    return NULL;
}

static void test_per_thread(void)
{
    const double one = 1.0;
    double out;
    const int64_t shape[1] = {1}, strides[1] = {8};
    CHECK_STATUS(square_array(&one, strides, &out, strides, 1, shape, NDKERN_FLOAT64),
                 NDKERN_OK);
    int other = -1;
    pthread_t thread;
    if (pthread_create(&thread, NULL, square_big, &other) != 0)
        HARNESS_ERROR("pthread_create failed");
    pthread_join(thread, NULL);
    CHECK(other == NDKERN_FP_OVERFLOW);
    CHECK(ndkern_fp_exceptions() == 0);
}

static const struct harness_test tests[] = {
    HARNESS_TEST(square_real), HARNESS_TEST(square_complex), HARNESS_TEST(no_lane_leaks),
    HARNESS_TEST(sum_classes), HARNESS_TEST(sum_cases),     HARNESS_TEST(caller_flags),
    HARNESS_TEST(per_thread),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
