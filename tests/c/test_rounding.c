/*
 * test_rounding.c -- float convolutions round exactly as documented, so that
 * they are bit-identical across SIMD levels and architectures within each
 * rounding class (ndkern.h, ndkern_simd_level): per output element the taps
 * W[a][b] * P(m + a)[n + b] are added in order of a, then b, from 0.0, each
 * with one fused multiply-add at the levels that have it (avx2, avx512,
 * neon) and as a multiply then an add, each rounded, at baseline.  Checked
 * bit for bit against that order computed here in plain C (fma() is
 * correctly rounded, and this file is built with -ffp-contract=off), over
 * kernel shapes that take every block shape of the register-blocked cores.
 * Kernels have at least 2 rows and 2 columns: a 1-row or 1-column kernel
 * is rank 1, and rank-1 kernels run as two passes (a documented difference
 * of rounding only).
 */
#include "common.h"

#define PROGRAM "test_rounding"

/* The image; 'valid' outputs are (ROWS - kh + 1) x (COLS - kw + 1). */
#define IMAGE_ROWS 37
#define IMAGE_COLS 61

/* Every level but baseline has a fused multiply-add (ndkern.h). */
static int level_is_fused(void)
{
    return strcmp(ndkern_simd_level(), "baseline") != 0;
}

/* Values in [-1, 1) times 2^-4 .. 2^4: products round in most taps. */
static double random_value(void)
{
    return (rng_unit() * 2 - 1) * ldexp(1, (int)rng_range(-4, 4));
}

/* h[m][n] = sum W[a][b] * f[m + a][n + b] in the documented order, fused or
 * not, for float (single) or double; W = g for correlate, g reversed for
 * convolve.  Writes double values (a float result is exact in double). */
#define DEFINE_EXPECTED(name, T, FMA)                                               \
    static void name(const T *f, const T *g, int64_t kh, int64_t kw, int reverse,   \
                     int fused, double *h)                                          \
    {                                                                               \
        const int64_t out_rows = IMAGE_ROWS - kh + 1, out_cols = IMAGE_COLS - kw + 1; \
        for (int64_t m = 0; m < out_rows; m++)                                      \
            for (int64_t n = 0; n < out_cols; n++) {                                \
                T acc = 0;                                                          \
                for (int64_t a = 0; a < kh; a++)                                    \
                    for (int64_t b = 0; b < kw; b++) {                              \
                        T w = reverse ? g[(kh - 1 - a) * kw + (kw - 1 - b)] : g[a * kw + b]; \
                        T x = f[(m + a) * IMAGE_COLS + n + b];                      \
                        if (fused)                                                  \
                            acc = FMA(w, x, acc);                                   \
                        else                                                        \
                            acc = acc + w * x;                                      \
                    }                                                               \
                h[m * out_cols + n] = acc;                                          \
            }                                                                       \
    }
DEFINE_EXPECTED(expected_f32, float, fmaf)
DEFINE_EXPECTED(expected_f64, double, fma)

/* One kernel shape, one dtype, convolve or correlate: the library's 'valid'
 * result against both orders.  Returns how many elements the fused and
 * unfused orders tell apart (so the caller knows the check has teeth). */
static int64_t check_shape(int dt, int64_t kh, int64_t kw, int reverse)
{
    const int is_f32 = dt == NDKERN_FLOAT32;
    const int64_t es = is_f32 ? 4 : 8, out_rows = IMAGE_ROWS - kh + 1,
                  out_cols = IMAGE_COLS - kw + 1, nout = out_rows * out_cols;
    const int64_t f_shape[2] = {IMAGE_ROWS, IMAGE_COLS}, f_strides[2] = {IMAGE_COLS * es, es};
    const int64_t g_shape[2] = {kh, kw}, g_strides[2] = {kw * es, es};
    const int64_t h_shape[2] = {out_rows, out_cols}, h_strides[2] = {out_cols * es, es};
    unsigned char *f = harness_malloc((size_t)(IMAGE_ROWS * IMAGE_COLS * es));
    unsigned char *g = harness_malloc((size_t)(kh * kw * es));
    unsigned char *h = harness_malloc((size_t)(nout * es));
    double *want[2] = {harness_malloc(sizeof(double) * (size_t)nout),
                       harness_malloc(sizeof(double) * (size_t)nout)};
    for (int64_t i = 0; i < IMAGE_ROWS * IMAGE_COLS; i++)
        ref_store_component(f + i * es, dt, 0, random_value());
    for (int64_t i = 0; i < kh * kw; i++)
        ref_store_component(g + i * es, dt, 0, random_value());
    for (int fused = 0; fused < 2; fused++) {
        if (is_f32)
            expected_f32((const float *)(void *)f, (const float *)(void *)g, kh, kw, reverse,
                         fused, want[fused]);
        else
            expected_f64((const double *)(void *)f, (const double *)(void *)g, kh, kw,
                         reverse, fused, want[fused]);
    }
    harness_set_context("%s %s %" PRId64 "x%" PRId64 " 'valid' at %s", dtype_name(dt),
                        reverse ? "convolve2d" : "correlate2d", kh, kw, ndkern_simd_level());
    int rc = (reverse ? convolve2d : ndkern_correlate2d)(
        f, f_shape, f_strides, g, g_shape, g_strides, h, h_shape, h_strides, dt,
        NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, NULL);
    int64_t distinct = 0, wrong = 0, first = -1;
    const double *expect = want[level_is_fused()];
    for (int64_t i = 0; rc == NDKERN_OK && i < nout; i++) {
        double got = (double)ref_load_component(h + i * es, dt, 0);
        distinct += want[0][i] != want[1][i];
        if (memcmp(&got, &expect[i], sizeof got) != 0 && wrong++ == 0)
            first = i;
    }
    if (CHECK_STATUS(rc, NDKERN_OK))
        CHECKF(wrong == 0, "%" PRId64 " of %" PRId64 " elements differ from the %s order; "
               "first at %" PRId64 ": %.17g, want %.17g", wrong, nout,
               level_is_fused() ? "fused" : "unfused", first,
               first >= 0 ? (double)ref_load_component(h + first * es, dt, 0) : 0.0,
               first >= 0 ? expect[first] : 0.0);
    free(f);
    free(g);
    free(h);
    free(want[0]);
    free(want[1]);
    return distinct;
}

/* Kernel rows 2, 3 (blocks of 4 without ramp), 4..7 (4-row ramps), 8 and
 * more (8-row blocks where the registers hold them); output widths that
 * leave partial column blocks. */
static void test_tap_order(void)
{
    static const int64_t shapes[][2] = {{2, 2}, {3, 5}, {2, 13}, {4, 4}, {5, 3}, {7, 7},
                                        {8, 8}, {9, 9}, {11, 2}, {16, 16}};
    static const int dtypes[] = {NDKERN_FLOAT32, NDKERN_FLOAT64};
    int64_t distinct = 0;
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int reverse = 0; reverse < 2; reverse++)
                distinct += check_shape(dtypes[d], shapes[s][0], shapes[s][1], reverse);
    harness_set_context("the inputs");
    CHECKF(distinct > 0, "the fused and unfused orders agree on every element: the inputs "
                         "cannot tell the rounding classes apart");
}

static const struct harness_test tests[] = {
    HARNESS_TEST(tap_order),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
