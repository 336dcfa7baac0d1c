/*
 * test_dtypes.c -- NDKERN_BOOL and NDKERN_FLOAT16 against a scalar
 * reference written here from the documented semantics, at every SIMD
 * level (all-levels.sh):
 *  - float16 -> float, float16 -> float16 and square over all 65536 bit
 *    patterns, float32/float64 -> float16 rounding (ties, subnormals,
 *    overflow, NaN), float16 sums over random layouts;
 *  - bool: any nonzero byte is True, in square and in sums;
 *  - what is refused: a bool sum out_dtype, bool and float16 convolution.
 * The reference decodes a float16 with ldexp and rounds to float16 by
 * searching the sorted table of positive float16 values, nothing shared
 * with the library's bit manipulation.
 */
#include "common.h"

#define PROGRAM "test_dtypes"

#define F16_PATTERNS 65536
#define F16_SIGN 0x8000u
#define F16_INF 0x7c00u
#define F16_QUIET 0x0200u

/* ------------------------------------------------------------ reference */

/* The value of a float16 bit pattern (NaN for NaNs). */
static double ref_half_value(uint16_t h)
{
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const double sign = (h & F16_SIGN) ? -1.0 : 1.0;
    if (exponent == 0x1f)
        return mantissa ? NAN : sign * INFINITY;
    if (exponent == 0)
        return sign * ldexp(mantissa, -24);
    return sign * ldexp(1024 + mantissa, exponent - 25);
}

/* A NaN pattern made quiet: what every conversion gives back for it. */
static uint16_t ref_quiet(uint16_t h)
{
    return (uint16_t)(h | F16_QUIET);
}

static int ref_half_is_nan(uint16_t h)
{
    return (h & 0x7fffu) > F16_INF;
}

/* The float16 nearest to finite or infinite d, ties to the even pattern:
 * a binary search over the positive patterns 0 .. 0x7c00, whose values
 * increase with the pattern (0x7c00, infinity, counts as 65536 for the
 * rounding: halfway to it from 65504 rounds up, to even). */
static uint16_t ref_round_half(double d)
{
    const uint16_t sign = signbit(d) ? F16_SIGN : 0;
    const double a = fabs(d);
    if (a >= 65520.0)
        return (uint16_t)(sign | F16_INF);
    uint16_t lo = 0, hi = F16_INF; /* value(lo) <= a < value(hi) */
    while (hi - lo > 1) {
        const uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (ref_half_value(mid) <= a)
            lo = mid;
        else
            hi = mid;
    }
    const double below = a - ref_half_value(lo);
    const double above = (hi == F16_INF ? 65536.0 : ref_half_value(hi)) - a;
    const uint16_t nearest = below < above ? lo : above < below ? hi : (lo & 1u) ? hi : lo;
    return (uint16_t)(sign | nearest);
}

/* The float bits of a float16 pattern: exact; a NaN comes back quiet with
 * its payload in the top mantissa bits. */
static uint32_t ref_half_to_float_bits(uint16_t h)
{
    if (ref_half_is_nan(h))
        return (uint32_t)(h & F16_SIGN) << 16 | 0x7fc00000u | (uint32_t)(h & 0x3ffu) << 13;
    const float f = (float)ref_half_value(h);
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

/* ------------------------------------------------------------- helpers */

/* The pattern a sum of one element gives: -0 + 0 is +0. */
static uint16_t summed_alone(uint16_t h)
{
    return h == F16_SIGN ? 0 : h;
}

static uint16_t load_u16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* All 65536 patterns in a 1-D array of a random layout (strided, reversed,
 * misaligned); the flat index is the pattern. */
static void all_patterns(harness_array *x)
{
    const int64_t shape[1] = {F16_PATTERNS};
    harness_array_init(x, 1, shape, 2, harness_random_layout(HL_ALL_OUTPUT));
    for (int64_t i = 0; i < F16_PATTERNS; i++) {
        const uint16_t h = (uint16_t)i;
        memcpy(harness_array_at(x, &i), &h, sizeof h);
    }
}

/* sum_array with nreduce 0: each element converted to out_dtype alone. */
static int convert_all(const harness_array *x, int dtype, void *out, int out_dtype)
{
    const int64_t out_strides[1] = {ndkern_dtype_size(out_dtype)};
    return sum_array(x->data, x->strides, x->ndim, x->shape, dtype, 0, out, out_strides,
                     out_dtype);
}

/* ---------------------------------------------------------------- tests */

/* Whether the library's conversions of pattern i (sums of one element)
 * and its square are the reference's. */
static int pattern_ok(uint16_t i, float f, double d, uint16_t same, uint16_t squared)
{
    const uint16_t h = summed_alone(i);
    const double v = ref_half_value(h);
    uint32_t f_bits;
    memcpy(&f_bits, &f, sizeof f_bits);
    const int d_ok = isnan(v) ? isnan(d) && !signbit(d) == !(h & F16_SIGN)
                              : d == v && !signbit(d) == !signbit(v);
    /* The square of a float16 is exact in double (22 significant bits). */
    const uint16_t want_square = ref_half_is_nan(i) ? ref_quiet(i) : ref_round_half(v * v);
    return f_bits == ref_half_to_float_bits(h) && d_ok &&
           same == (ref_half_is_nan(h) ? ref_quiet(h) : h) && squared == want_square;
}

/* Every float16 pattern: to float32 and float64, back to float16 (sums of
 * one element each) and squared, then squared in place. */
static void test_f16_all_patterns(void)
{
    harness_array x;
    all_patterns(&x);
    float *f = harness_malloc(F16_PATTERNS * sizeof *f);
    double *d = harness_malloc(F16_PATTERNS * sizeof *d);
    uint16_t *same = harness_malloc(F16_PATTERNS * sizeof *same);
    uint16_t *squared = harness_malloc(F16_PATTERNS * sizeof *squared);
    const int64_t out_strides[1] = {2};
    CHECK_STATUS(convert_all(&x, NDKERN_FLOAT16, f, NDKERN_FLOAT32), NDKERN_OK);
    CHECK_STATUS(convert_all(&x, NDKERN_FLOAT16, d, NDKERN_FLOAT64), NDKERN_OK);
    CHECK_STATUS(convert_all(&x, NDKERN_FLOAT16, same, NDKERN_FLOAT16), NDKERN_OK);
    CHECK_STATUS(square_array(x.data, x.strides, squared, out_strides, 1, x.shape,
                              NDKERN_FLOAT16), NDKERN_OK);
    int64_t bad = 0;
    for (int64_t i = 0; i < F16_PATTERNS; i++)
        if (!pattern_ok((uint16_t)i, f[i], d[i], same[i], squared[i]) && bad++ < 5)
            printf("     float16 %04x: float %a, double %a, float16 %04x, square %04x\n",
                   (unsigned)i, (double)f[i], d[i], same[i], squared[i]);
    CHECKF(bad == 0, "%" PRId64 " of 65536 patterns converted or squared wrongly", bad);
    CHECK_STATUS(square_array(x.data, x.strides, x.data, x.strides, 1, x.shape, NDKERN_FLOAT16),
                 NDKERN_OK);
    int64_t bad_in_place = 0;
    for (int64_t i = 0; i < F16_PATTERNS; i++)
        bad_in_place += load_u16(harness_array_at(&x, &i)) != squared[i];
    CHECKF(bad_in_place == 0, "in place: %" PRId64 " squares differ", bad_in_place);
    harness_digest("f16_to_f32_all", f, F16_PATTERNS * sizeof *f);
    harness_digest("f16_square_all", squared, F16_PATTERNS * sizeof *squared);
    free(f);
    free(d);
    free(same);
    free(squared);
    harness_array_free(&x);
}

/* A random double near the float16 range: all magnitudes from below the
 * smallest subnormal to past the overflow point, with exact ties of two
 * neighbours and values a hair off them, and specials. */
static double random_half_range_double(void)
{
    const uint16_t h = (uint16_t)rng_below(F16_INF);
    const double lo = ref_half_value(h), hi = h + 1 == F16_INF ? 65536.0 : ref_half_value(h + 1);
    const double sign = rng_chance(50) ? -1.0 : 1.0;
    switch (rng_below(6)) {
    case 0:
        return sign * (lo + hi) / 2; /* a tie */
    case 1:
        return sign * nextafter((lo + hi) / 2, rng_chance(50) ? 0.0 : INFINITY);
    case 2:
        return sign * (lo + (hi - lo) * rng_unit());
    case 3: {
        /* Two draws in one argument list would be taken in an unspecified
         * order (gcc: right to left on x86-64, left to right on aarch64). */
        const int exponent = (int)rng_range(-40, 20);
        return sign * ldexp(rng_unit(), exponent);
    }
    case 4:
        return special_values[rng_below(sizeof special_values / sizeof special_values[0])];
    default:
        return sign * (lo + hi) / 2 * (1 + 0x1p-40); /* a tie in float, not in double */
    }
}

/* float64 and float32 -> float16: rounded once, to nearest even. */
static void test_f16_narrow(void)
{
    enum { N = 200000 };
    struct narrow_case {
        double d[N];
        float f[N];
        uint16_t from_d[N], from_f[N];
    } *c = harness_malloc(sizeof *c);
    for (int i = 0; i < N; i++) {
        c->d[i] = random_half_range_double();
        c->f[i] = (float)random_half_range_double();
    }
    const int64_t shape[1] = {N}, d_strides[1] = {8}, f_strides[1] = {4}, h_strides[1] = {2};
    CHECK_STATUS(sum_array(c->d, d_strides, 1, shape, NDKERN_FLOAT64, 0, c->from_d, h_strides,
                           NDKERN_FLOAT16), NDKERN_OK);
    CHECK_STATUS(sum_array(c->f, f_strides, 1, shape, NDKERN_FLOAT32, 0, c->from_f, h_strides,
                           NDKERN_FLOAT16), NDKERN_OK);
    int64_t bad = 0;
    for (int i = 0; i < N; i++) {
        const double d = c->d[i], f = c->f[i];
        /* A sum of one element: -0 + 0 is +0.  NaNs stay NaN. */
        const int ok = isnan(d) ? ref_half_is_nan(c->from_d[i])
                                : c->from_d[i] == ref_round_half(d + 0.0);
        const int f_ok = isnan(f) ? ref_half_is_nan(c->from_f[i])
                                  : c->from_f[i] == ref_round_half(f + 0.0);
        if (!(ok && f_ok) && bad++ < 5)
            printf("     %a -> %04x, %a -> %04x\n", d, c->from_d[i], f, c->from_f[i]);
    }
    CHECKF(bad == 0, "%" PRId64 " of %d values rounded wrongly", bad, N);
    harness_digest("f16_narrow", c->from_d, sizeof c->from_d + sizeof c->from_f);
    free(c);
}

/* A random finite float16: any magnitude, or (small) a narrow range. */
static uint16_t random_finite_half(int small)
{
    if (small)
        return ref_round_half(rng_unit() * 8 - 4);
    uint16_t h;
    do
        h = (uint16_t)rng_u64();
    while ((h & 0x7fffu) >= F16_INF);
    return h;
}

/* Sums of float16 over random shapes, layouts and reduced axes, to float16,
 * float32 and float64.  Up to 4096 elements: every partial sum of float16
 * values (multiples of 2^-24 below 2^16) is exact in double, so the
 * reference's double sum is exact and the library's must round it once. */
static void test_f16_sums(void)
{
    static const int out_dtypes[] = {NDKERN_FLOAT16, NDKERN_FLOAT32, NDKERN_FLOAT64};
    for (int c = 0; c < 300; c++) {
        const int ndim = (int)rng_range(1, 3), nreduce = (int)rng_range(0, ndim);
        const int out_dtype = out_dtypes[rng_below(3)], small = rng_chance(50);
        int64_t shape[3];
        for (int i = 0; i < ndim; i++)
            shape[i] = rng_range(0, ndim == 1 ? 4096 : 16);
        harness_array x;
        harness_array_init(&x, ndim, shape, 2, harness_random_layout(HL_ALL_INPUT));
        int64_t index[3] = {0};
        if (x.nelem > 0)
            do {
                const uint16_t h = random_finite_half(small);
                memcpy(harness_array_at(&x, index), &h, sizeof h);
            } while (ref_next_index(ndim, shape, index));
        const int nkeep = ndim - nreduce;
        int64_t kept = 1, per = 1, out_strides[3];
        for (int i = 0; i < nkeep; i++)
            kept *= shape[i];
        for (int i = nkeep; i < ndim; i++)
            per *= shape[i];
        const int64_t out_size = ndkern_dtype_size(out_dtype);
        for (int i = nkeep - 1, s = (int)out_size; i >= 0; s *= (int)(shape[i] ? shape[i] : 1), i--)
            out_strides[i] = s;
        unsigned char *out = harness_malloc((size_t)(kept ? kept : 1) * (size_t)out_size);
        harness_set_context("f16 sum case %d: ndim %d nreduce %d out %d", c, ndim, nreduce,
                            out_dtype);
        CHECK_STATUS(sum_array(x.data, x.strides, ndim, shape, NDKERN_FLOAT16, nreduce, out,
                               out_strides, out_dtype), NDKERN_OK);
        int64_t bad = 0;
        int64_t outer[3] = {0};
        for (int64_t j = 0; j < kept; j++) {
            double exact = 0.0;
            int64_t full[3] = {0}, inner[3] = {0};
            for (int i = 0; i < nkeep; i++)
                full[i] = outer[i];
            for (int64_t k = 0; k < per; k++) {
                for (int i = nkeep; i < ndim; i++)
                    full[i] = inner[i - nkeep];
                exact += ref_half_value(load_u16(harness_array_at(&x, full)));
                ref_next_index(nreduce, shape + nkeep, inner);
            }
            const unsigned char *got = out + j * out_size;
            int ok;
            if (out_dtype == NDKERN_FLOAT16) {
                ok = load_u16(got) == ref_round_half(exact);
            } else if (out_dtype == NDKERN_FLOAT32) {
                float g;
                memcpy(&g, got, sizeof g);
                ok = g == (float)exact;
            } else {
                double g;
                memcpy(&g, got, sizeof g);
                ok = g == exact;
            }
            bad += !ok;
            harness_digest("f16_sums", got, (size_t)out_size);
            ref_next_index(nkeep, shape, outer);
        }
        CHECKF(bad == 0, "%" PRId64 " of %" PRId64 " sums differ from the exact sum rounded",
               bad, kept);
        free(out);
        harness_array_free(&x);
    }
}

/* bool: random bytes (any nonzero byte is True) over random layouts;
 * square gives 0 or 1, sums count the nonzero bytes. */
static void test_bool_bytes(void)
{
    static const int out_dtypes[] = {NDKERN_INT64, NDKERN_UINT8, NDKERN_FLOAT64,
                                     NDKERN_FLOAT16, NDKERN_COMPLEX128};
    for (int c = 0; c < 200; c++) {
        const int64_t shape[2] = {rng_range(0, 40), rng_range(0, 300)};
        harness_array x, out;
        harness_array_init(&x, 2, shape, 1, harness_random_layout(HL_ALL_INPUT));
        harness_array_init(&out, 2, shape, 1, harness_random_layout(HL_ALL_OUTPUT));
        harness_set_context("bool case %d: %" PRId64 "x%" PRId64, c, shape[0], shape[1]);
        CHECK_STATUS(square_array(x.data, x.strides, out.data, out.strides, 2, shape,
                                  NDKERN_BOOL), NDKERN_OK);
        int64_t index[2] = {0}, bad = 0, trues = 0;
        if (x.nelem > 0)
            do {
                const int is_true = *harness_array_at(&x, index) != 0;
                trues += is_true;
                bad += *harness_array_at(&out, index) != is_true;
            } while (ref_next_index(2, shape, index));
        CHECKF(bad == 0, "square: %" PRId64 " elements are not 0/1 as the input byte", bad);
        harness_digest("bool_square_trues", &trues, sizeof trues);

        const int out_dtype = out_dtypes[rng_below(5)];
        unsigned char total[16];
        CHECK_STATUS(sum_array(x.data, x.strides, 2, shape, NDKERN_BOOL, 2, total, NULL,
                               out_dtype), NDKERN_OK);
        uint64_t u = 0;
        double re = -1;
        switch (out_dtype) {
        case NDKERN_INT64: memcpy(&u, total, 8); break;
        case NDKERN_UINT8: u = total[0]; break;
        case NDKERN_FLOAT16: re = ref_half_value(load_u16(total)); break;
        default: memcpy(&re, total, 8); break; /* float64, the real part of complex128 */
        }
        const double trues_rounded = out_dtype == NDKERN_FLOAT16
                                         ? ref_half_value(ref_round_half((double)trues))
                                         : (double)trues;
        const int ok = out_dtype == NDKERN_UINT8   ? u == ((uint64_t)trues & 0xff)
                     : out_dtype == NDKERN_INT64 ? u == (uint64_t)trues
                                                 : re == trues_rounded;
        CHECKF(ok, "sum to dtype %d: %" PRIu64 " / %g, want %" PRId64, out_dtype, u, re, trues);
        harness_array_free(&x);
        harness_array_free(&out);
    }
}

/* numpy.frombuffer(b'\xff\xff' * 100, dtype=bool).sum() is 200. */
static void test_bool_0xff(void)
{
    unsigned char bytes[200];
    memset(bytes, 0xff, sizeof bytes);
    const int64_t shape[1] = {200}, strides[1] = {1};
    int64_t count = -1;
    CHECK_STATUS(sum_array(bytes, strides, 1, shape, NDKERN_BOOL, 1, &count, NULL,
                           NDKERN_INT64), NDKERN_OK);
    CHECK(count == 200);
    unsigned char squared[200];
    bytes[7] = 0x10;
    bytes[8] = 0;
    CHECK_STATUS(square_array(bytes, strides, squared, strides, 1, shape, NDKERN_BOOL),
                 NDKERN_OK);
    CHECK(squared[7] == 1 && squared[8] == 0 && squared[0] == 1);
}

/* What the new dtypes do not do, with the output untouched. */
static void test_refused(void)
{
    CHECK(ndkern_dtype_size(NDKERN_BOOL) == 1);
    CHECK(ndkern_dtype_size(NDKERN_FLOAT16) == 2);
    CHECK(ndkern_dtype_size(NDKERN_FLOAT16 + 1) == NDKERN_EDTYPE);
    unsigned char x[4] = {1, 2, 3, 4}, out[4] = {9, 9, 9, 9}, h[64];
    const int64_t shape[1] = {4}, strides[1] = {1};
    CHECK_STATUS(sum_array(x, strides, 1, shape, NDKERN_BOOL, 1, out, NULL, NDKERN_BOOL),
                 NDKERN_EDTYPE);
    CHECK_STATUS(sum_array(x, strides, 1, shape, NDKERN_UINT8, 1, out, NULL, NDKERN_BOOL),
                 NDKERN_EDTYPE);
    CHECK(out[0] == 9);
    static const int refused[] = {NDKERN_BOOL, NDKERN_FLOAT16};
    for (int r = 0; r < 2; r++) {
        const int dt = refused[r];
        const int64_t sz = ndkern_dtype_size(dt);
        const int64_t f_shape[2] = {2, 2}, f_strides[2] = {2 * sz, sz};
        const int64_t h_shape[2] = {3, 3}, h_strides[2] = {3 * sz, sz};
        memset(h, 0x5a, sizeof h);
        CHECK_STATUS(convolve2d(x, f_shape, f_strides, x, f_shape, f_strides, h, h_shape,
                                h_strides, dt, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, NULL),
                     NDKERN_EDTYPE);
        CHECK_STATUS(ndkern_correlate2d(x, f_shape, f_strides, x, f_shape, f_strides, h,
                                        h_shape, h_strides, dt, NDKERN_MODE_FULL,
                                        NDKERN_BOUNDARY_FILL, NULL), NDKERN_EDTYPE);
        for (int method = NDKERN_METHOD_DIRECT; method <= NDKERN_METHOD_AUTO; method++)
            CHECK_STATUS(ndkern_convolve2d_method(x, f_shape, f_strides, x, f_shape, f_strides,
                                                  h, h_shape, h_strides, dt, NDKERN_MODE_FULL,
                                                  NDKERN_BOUNDARY_FILL, NULL, 0, method),
                         NDKERN_EDTYPE);
        CHECK_STATUS(ndkern_choose_conv_method(f_shape, f_shape, dt, NDKERN_MODE_FULL),
                     NDKERN_EDTYPE);
        CHECK(h[0] == 0x5a && h[17] == 0x5a);
    }
}

static const struct harness_test tests[] = {
    HARNESS_TEST(f16_all_patterns), HARNESS_TEST(f16_narrow),
    HARNESS_TEST(f16_sums),      HARNESS_TEST(bool_bytes),     HARNESS_TEST(bool_0xff),
    HARNESS_TEST(refused),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
