/*
 * test_square.c -- square_array against the scalar reference: every dtype,
 * random shapes and layouts, in place, loop tails, large threaded inputs,
 * and every documented error path (with the output left untouched).
 */
#include "common.h"

#define PROGRAM "test_square"

/* Extents of the random cases (random_shape in common.h). */
static const struct extent_odds SQUARE_EXTENTS = {.percent_one = 19, .longest = 40};

/* Compares every element of `out` with the reference square of `x`. */
static void compare_with_reference(const harness_array *x, const unsigned char *x_values,
                                   const harness_array *out, int dt)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    size_t es = (size_t)ref_dtypes[dt].size;
    int64_t bad = 0, first_bad = -1, k = 0;
    unsigned char first_want[16], first_got[16];

    if (x->nelem == 0) {
        CHECK(1);
        return;
    }
    do {
        const unsigned char *got = harness_array_at(out, index);
        const unsigned char *value = x_values + (size_t)k * es;
        if (!ref_square_ok(dt, value, got) && bad++ == 0) {
            first_bad = k;
            ref_square(dt, value, first_want);
            memcpy(first_got, got, es);
        }
        k++;
    } while (ref_next_index(x->ndim, x->shape, index));
    if (!CHECKF(bad == 0, "%" PRId64 " of %" PRId64 " elements differ from the reference",
                bad, x->nelem)) {
        char g[128], w[128], in[128];
        format_element(g, sizeof g, dt, first_got);
        format_element(w, sizeof w, dt, first_want);
        format_element(in, sizeof in, dt, x_values + (size_t)first_bad * es);
        printf("     first at flat index %" PRId64 ": square(%s) gave %s, want %s\n",
               first_bad, in, g, w);
    }
}

/* The values of x's elements in row-major order (x may be overwritten). */
static unsigned char *copy_values(const harness_array *x, int dt)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    size_t es = (size_t)ref_dtypes[dt].size;
    unsigned char *values = harness_malloc((size_t)x->nelem * es);
    int64_t k = 0;
    if (x->nelem == 0)
        return values;
    do
        memcpy(values + (size_t)(k++) * es, harness_array_at(x, index), es);
    while (ref_next_index(x->ndim, x->shape, index));
    return values;
}

/*
 * One call: x laid out as x_flags, out as out_flags (or out == x with the
 * same strides when in_place), values drawn as `gen`.
 */
static void square_case(int dt, int ndim, const int64_t *shape, unsigned x_flags,
                        unsigned out_flags, const struct value_gen *gen, int in_place)
{
    harness_array x, out_array, *out = in_place ? &x : &out_array;
    size_t es = (size_t)ref_dtypes[dt].size;
    unsigned char *x_values;
    char xd[600], od[600];
    int rc;

    harness_array_init(&x, ndim, shape, es, in_place ? x_flags & ~(unsigned)HL_ZERO : x_flags);
    fill_array(&x, dt, gen);
    x_values = copy_values(&x, dt);
    if (!in_place)
        harness_array_init(&out_array, ndim, shape, es, out_flags);
    harness_array_snapshot(&x);
    if (!in_place)
        harness_array_snapshot(out);
    harness_set_context("square %s ndim %d, x %s, out %s%s, style %d", dtype_name(dt), ndim,
                        harness_array_describe(&x, xd, sizeof xd),
                        in_place ? "= x" : harness_array_describe(out, od, sizeof od),
                        in_place ? " (in place)" : "", (int)gen->style);

    rc = square_array(x.data, x.strides, out->data, out->strides, ndim, shape, dt);
    if (CHECK_STATUS(rc, NDKERN_OK))
        compare_with_reference(&x, x_values, out, dt);
    CHECK_OUTSIDE_UNCHANGED(out, "out");
    if (!in_place) {
        CHECK_UNCHANGED(&x, "x (input)");
        harness_array_free(&out_array);
    }
    harness_array_free(&x);
    free(x_values);
}

static const struct value_gen *random_gen(int dt)
{
    static const struct value_gen full = {VS_FULL, 0, 0}, small = {VS_SMALL, 0, 0},
                                  special = {VS_SPECIAL, 0, 0};
    int r = (int)rng_below(10);
    if (!ref_is_int(dt) && r < 3)
        return &special;
    return r < 7 ? &full : &small;
}

/* Many small random shapes and layouts for every dtype. */
static void test_random_cases(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++)
        for (int iter = 0; iter < 300; iter++) {
            int64_t shape[8];
            int ndim = random_shape(shape, (int)rng_range(0, 5), SQUARE_EXTENTS, 3000);
            int in_place = rng_chance(20);
            /* One statement per draw (argument order is unspecified). */
            const struct value_gen *gen = random_gen(dt);
            unsigned out_flags = harness_random_layout(HL_ALL_OUTPUT);
            unsigned x_flags = harness_random_layout(HL_ALL_INPUT);
            square_case(dt, ndim, shape, x_flags, out_flags, gen, in_place);
        }
}

/* Every 1-D length up to past a few SIMD blocks, aligned and not, so each
 * vector loop's head and tail are exercised. */
static void test_lengths(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt++)
        for (int64_t n = 0; n <= 133; n++) {
            square_case(dt, 1, &n, 0, 0, &full, 0);
            square_case(dt, 1, &n, HL_MISALIGN, HL_MISALIGN, &full, 0);
            square_case(dt, 1, &n, HL_MISALIGN, 0, &full, 1);
            square_case(dt, 1, &n, HL_NEGATE | HL_ODD_STRIDE, HL_NEGATE, &full, 0);
        }
}

/* Specific layouts that are easy to get wrong. */
static void test_layouts(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t s2[2] = {37, 29}, s3[3] = {5, 1, 67}, s1[1] = {1000};
        square_case(dt, 2, s2, HL_TRANSPOSE, 0, &full, 0);
        square_case(dt, 2, s2, 0, HL_TRANSPOSE, &full, 0);
        square_case(dt, 2, s2, HL_ZERO, HL_PAD | HL_NEGATE, &full, 0);
        square_case(dt, 3, s3, HL_ALL_INPUT, HL_ALL_OUTPUT, &full, 0);
        square_case(dt, 3, s3, HL_TRANSPOSE | HL_NEGATE | HL_PAD, 0, &full, 1);
        square_case(dt, 1, s1, HL_ZERO, 0, &full, 0);
        square_case(dt, 0, s1, HL_MISALIGN, HL_MISALIGN, &full, 0);
        square_case(dt, 0, s1, 0, 0, &full, 1);
    }
}

/* A fully broadcast input: every output element is x[0]. */
static void test_broadcast(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t shape[2] = {50, 70}, x_strides[2] = {0, 0};
        harness_array out;
        unsigned char x[16];
        int bad = 0, rc;
        static const struct value_gen full = {VS_FULL, 0, 0};
        random_element(x, dt, &full);
        harness_array_init(&out, 2, shape, (size_t)ref_dtypes[dt].size, HL_PAD);
        harness_array_snapshot(&out);
        harness_set_context("square %s, x broadcast from one element", dtype_name(dt));
        rc = square_array(x, x_strides, out.data, out.strides, 2, shape, dt);
        if (CHECK_STATUS(rc, NDKERN_OK)) {
            int64_t index[2] = {0, 0};
            do
                bad += !ref_square_ok(dt, x, harness_array_at(&out, index));
            while (ref_next_index(2, shape, index));
            CHECKF(bad == 0, "%d elements wrong", bad);
        }
        CHECK_OUTSIDE_UNCHANGED(&out, "out");
        harness_array_free(&out);
    }
}

/* ndim == NDKERN_MAX_NDIM works; axes of extent 1 with extreme strides
 * (NumPy may give them any stride) do not matter. */
static void test_extreme_dims(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt += 3) {
        int64_t shape[NDKERN_MAX_NDIM];
        for (int i = 0; i < NDKERN_MAX_NDIM; i++)
            shape[i] = (i % 9 == 4) ? 2 : 1;
        square_case(dt, NDKERN_MAX_NDIM, shape, HL_ALL_INPUT, HL_ALL_OUTPUT, &full, 0);
        square_case(dt, NDKERN_MAX_NDIM, shape, HL_TRANSPOSE, HL_NEGATE, &full, 1);
    }
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t shape[3] = {1, 5, 1};
        int64_t x_strides[3] = {INT64_MAX, 0, INT64_MIN};
        int64_t out_strides[3] = {INT64_MIN, 0, INT64_MAX};
        harness_array x, out;
        int rc;
        harness_array_init(&x, 3, shape, (size_t)ref_dtypes[dt].size, 0);
        harness_array_init(&out, 3, shape, (size_t)ref_dtypes[dt].size, 0);
        out_strides[1] = out.strides[1];
        x_strides[1] = x.strides[1];
        harness_set_context("square %s shape [1,5,1], strides INT64_MAX/INT64_MIN on "
                            "extent-1 axes", dtype_name(dt));
        harness_array_snapshot(&out);
        rc = square_array(x.data, x_strides, out.data, out_strides, 3, shape, dt);
        if (CHECK_STATUS(rc, NDKERN_OK)) {
            int bad = 0;
            for (int64_t i = 0; i < 5; i++)
                bad += !ref_square_ok(dt, x.data + i * x.strides[1],
                                       out.data + i * out.strides[1]);
            CHECKF(bad == 0, "%d elements wrong", bad);
        }
        CHECK_OUTSIDE_UNCHANGED(&out, "out");
        harness_array_free(&x);
        harness_array_free(&out);
    }
}

/* Large inputs (threaded, several blocks): exact results for 1, 2 and 3
 * threads. */
static void test_large(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0}, special = {VS_SPECIAL, 0, 0};
    int64_t big1[1] = {2000003}, big2[2] = {1201, 1333}, big4[4] = {3, 101, 7, 997};
    for (int t = 0; t < N_THREAD_COUNTS; t++) {
        CHECK_STATUS(ndkern_set_num_threads(thread_counts[t]), NDKERN_OK);
        square_case(NDKERN_FLOAT32, 1, big1, HL_MISALIGN, 0, &special, 0);
        square_case(NDKERN_INT16, 1, big1, 0, HL_MISALIGN, &full, 0);
        square_case(NDKERN_FLOAT64, 2, big2, HL_TRANSPOSE, HL_NEGATE, &special, 0);
        square_case(NDKERN_COMPLEX64, 2, big2, 0, 0, &full, 1);
        square_case(NDKERN_COMPLEX128, 4, big4, HL_PAD, HL_TRANSPOSE, &full, 0);
        square_case(NDKERN_UINT64, 4, big4, HL_NEGATE, HL_NEGATE, &full, 0);
        square_case(NDKERN_INT8, 2, big2, HL_ZERO | HL_ODD_STRIDE, HL_PAD, &full, 0);
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
}

/* ---------------------------------------------------------------- errors */

/* Calls square_array with the given arguments; expects `want` and that
 * neither guarded buffer changed at all. */
static void expect_error(int want, const char *what, harness_array *x_guard,
                         harness_array *out_guard, const void *x, const int64_t *x_strides,
                         void *out, const int64_t *out_strides,
                         int ndim, const int64_t *shape, int dt)
{
    int rc;
    harness_set_context("square error path: %s (%s)", what, dtype_name(dt));
    harness_array_snapshot(x_guard);
    harness_array_snapshot(out_guard);
    rc = square_array(x, x_strides, out, out_strides, ndim, shape, dt);
    CHECK_STATUS(rc, want);
    CHECK_UNCHANGED(out_guard, "out after an error");
    CHECK_UNCHANGED(x_guard, "x after an error");
}

static void test_errors(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        size_t es = (size_t)ref_dtypes[dt].size;
        int64_t shape[2] = {4, 6}, bad_shape[2], strides[2];
        harness_array x, out;
        harness_array_init(&x, 2, shape, es, 0);
        harness_array_init(&out, 2, shape, es, 0);

        expect_error(NDKERN_EINVAL, "x NULL", &x, &out, NULL, x.strides, out.data,
                     out.strides, 2, shape, dt);
        expect_error(NDKERN_EINVAL, "out NULL", &x, &out, x.data, x.strides, NULL,
                     out.strides, 2, shape, dt);
        expect_error(NDKERN_EINVAL, "x_strides NULL", &x, &out, x.data, NULL, out.data,
                     out.strides, 2, shape, dt);
        expect_error(NDKERN_EINVAL, "out_strides NULL", &x, &out, x.data, x.strides,
                     out.data, NULL, 2, shape, dt);
        expect_error(NDKERN_EINVAL, "shape NULL", &x, &out, x.data, x.strides, out.data,
                     out.strides, 2, NULL, dt);
        expect_error(NDKERN_EINVAL, "ndim -1", &x, &out, x.data, x.strides, out.data,
                     out.strides, -1, shape, dt);
        expect_error(NDKERN_EINVAL, "ndim INT_MIN", &x, &out, x.data, x.strides, out.data,
                     out.strides, -2147483647 - 1, shape, dt);
        {
            int64_t many[NDKERN_MAX_NDIM + 1], many_strides[NDKERN_MAX_NDIM + 1];
            for (int i = 0; i <= NDKERN_MAX_NDIM; i++) {
                many[i] = 1;
                many_strides[i] = (int64_t)es;
            }
            expect_error(NDKERN_EINVAL, "ndim MAX_NDIM+1", &x, &out, x.data, many_strides,
                         out.data, many_strides, NDKERN_MAX_NDIM + 1, many, dt);
        }
        bad_shape[0] = 4;
        bad_shape[1] = -1;
        expect_error(NDKERN_EINVAL, "negative extent", &x, &out, x.data, x.strides,
                     out.data, out.strides, 2, bad_shape, dt);
        bad_shape[0] = INT64_MIN;
        bad_shape[1] = 0;
        expect_error(NDKERN_EINVAL, "extent INT64_MIN next to 0", &x, &out, x.data,
                     x.strides, out.data, out.strides, 2, bad_shape, dt);
        strides[0] = 0;
        strides[1] = out.strides[1];
        expect_error(NDKERN_EINVAL, "zero output stride on extent 4", &x, &out, x.data,
                     x.strides, out.data, strides, 2, shape, dt);
        strides[0] = out.strides[0];
        strides[1] = 0;
        expect_error(NDKERN_EINVAL, "zero output stride on extent 6", &x, &out, x.data,
                     x.strides, out.data, strides, 2, shape, dt);
        harness_array_free(&x);
        harness_array_free(&out);
    }
    {
        static const int bad_dtypes[] = {-1, NDKERN_FLOAT16 + 1, NDKERN_FLOAT16 + 2, 255,
                                         -2147483647 - 1, 2147483647};
        int64_t shape[1] = {8}, strides[1] = {16};
        harness_array x, out;
        harness_array_init(&x, 1, shape, 16, 0);
        harness_array_init(&out, 1, shape, 16, 0);
        for (size_t i = 0; i < sizeof bad_dtypes / sizeof bad_dtypes[0]; i++)
            expect_error(NDKERN_EDTYPE, "unknown dtype", &x, &out, x.data, strides,
                         out.data, strides, 1, shape, bad_dtypes[i]);
        harness_array_free(&x);
        harness_array_free(&out);
    }
}

/* NULL data pointers are fine when there are no elements. */
static void test_null_empty(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t shape[3] = {3, 0, 5}, strides[3] = {40, 8, 8};
        harness_set_context("square %s, NULL pointers, shape [3,0,5]", dtype_name(dt));
        CHECK_STATUS(square_array(NULL, strides, NULL, strides, 3, shape, dt), NDKERN_OK);
        shape[0] = 0;
        shape[1] = 7;
        CHECK_STATUS(square_array(NULL, strides, NULL, strides, 3, shape, dt), NDKERN_OK);
    }
}

/* Element counts and byte spans that overflow int64 are rejected before any
 * memory is touched. */
static void test_overflow(void)
{
    int dt = NDKERN_FLOAT64;
    int64_t one[1] = {1};
    harness_array x, out;
    harness_array_init(&x, 1, one, 8, 0);
    harness_array_init(&out, 1, one, 8, 0);
    {
        int64_t shape[2] = {INT64_MAX / 2, 4}, strides[2] = {32, 8};
        expect_error(NDKERN_EOVERFLOW, "element count overflow [INT64_MAX/2, 4]", &x, &out,
                     x.data, strides, out.data, strides, 2, shape, dt);
    }
    {
        int64_t shape[3] = {INT64_MAX, INT64_MAX, 2}, strides[3] = {8, 8, 8};
        expect_error(NDKERN_EOVERFLOW, "element count overflow [MAX, MAX, 2]", &x, &out,
                     x.data, strides, out.data, strides, 3, shape, dt);
    }
    {
        /* 2^31 * 2^31 elements is representable, the bytes are not. */
        int64_t shape[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
        int64_t strides[2] = {INT64_C(8) << 31, 8};
        expect_error(NDKERN_EOVERFLOW, "byte span overflow [2^31, 2^31] float64", &x, &out,
                     x.data, strides, out.data, strides, 2, shape, dt);
    }
    {
        int64_t shape[1] = {3}, strides[1] = {INT64_MAX / 2}, ok_strides[1] = {8};
        expect_error(NDKERN_EOVERFLOW, "x stride span overflow", &x, &out, x.data, strides,
                     out.data, ok_strides, 1, shape, dt);
        expect_error(NDKERN_EOVERFLOW, "out stride span overflow", &x, &out, x.data,
                     ok_strides, out.data, strides, 1, shape, dt);
    }
    {
        int64_t shape[1] = {2}, strides[1] = {INT64_MIN}, ok_strides[1] = {8};
        expect_error(NDKERN_EOVERFLOW, "stride INT64_MIN on extent 2", &x, &out, x.data,
                     strides, out.data, ok_strides, 1, shape, dt);
    }
    {
        int64_t shape[2] = {2, 2}, strides[2] = {INT64_MAX / 2 + 1, -(INT64_MAX / 2 + 1)};
        int64_t ok_strides[2] = {16, 8};
        expect_error(NDKERN_EOVERFLOW, "positive + negative strides spanning > 2^63", &x,
                     &out, x.data, strides, out.data, ok_strides, 2, shape, dt);
    }
    {
        /* Zero elements: no overflow to report, but also nothing to touch.
         * Either answer is acceptable; the call must not write or crash. */
        int64_t shape[3] = {INT64_MAX, INT64_MAX, 0}, strides[3] = {8, 8, 8};
        int rc;
        harness_set_context("square: shape [MAX, MAX, 0]");
        harness_array_snapshot(&out);
        rc = square_array(x.data, strides, out.data, strides, 3, shape, dt);
        CHECKF(rc == NDKERN_OK || rc == NDKERN_EOVERFLOW, "returned %d", rc);
        CHECK_UNCHANGED(&out, "out");
    }
    harness_array_free(&x);
    harness_array_free(&out);
}

/* out == x with identical strides is in place (tested above); any other
 * overlap is EOVERLAP and leaves the shared buffer untouched. */
static void test_overlap(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t es = ref_dtypes[dt].size;
        int64_t n = 16, shape1[1] = {16}, unit[1] = {es}, neg[1] = {-es};
        int64_t shape2[2] = {4, 4}, rowmajor[2] = {4 * es, es}, colmajor[2] = {es, 4 * es};
        int64_t buf_shape[1] = {8 * 16};
        harness_array buf;
        unsigned char *base;
        harness_array_init(&buf, 1, buf_shape, (size_t)es, 0);
        fill_array(&buf, dt, &full);
        base = buf.data + n * es;   /* room on both sides */

        expect_error(NDKERN_EOVERLAP, "out = x + 1 element", &buf, &buf, base, unit,
                     base + es, unit, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out = x - 3 elements", &buf, &buf, base, unit,
                     base - 3 * es, unit, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out = x + 1 byte", &buf, &buf, base, unit,
                     base + 1, unit, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out's last byte on x's first", &buf, &buf, base, unit,
                     base - (n * es - 1), unit, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out's first byte on x's last", &buf, &buf, base, unit,
                     base + (n * es - 1), unit, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "reversed out's lowest byte on x's last", &buf, &buf,
                     base, unit, base + (2 * n - 1) * es - 1, neg, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out = x reversed (same memory, other order)", &buf,
                     &buf, base, unit, base + (n - 1) * es, neg, 1, shape1, dt);
        expect_error(NDKERN_EOVERLAP, "out = x transposed (same pointer)", &buf, &buf,
                     base, rowmajor, base, colmajor, 2, shape2, dt);
        {
            int64_t quad[1] = {4 * es};
            expect_error(NDKERN_EOVERLAP, "out = x with a quarter of the stride", &buf, &buf,
                         base, quad, base, unit, 1, shape1, dt);
        }
        {
            int64_t x_strides[2] = {0, es};   /* x broadcast over rows */
            expect_error(NDKERN_EOVERLAP, "out overlaps a broadcast x", &buf, &buf, base,
                         x_strides, base + es, rowmajor, 2, shape2, dt);
        }
        {
            /* Adjacent, not overlapping: fine. */
            int rc;
            harness_set_context("square %s, out right after x", dtype_name(dt));
            harness_array_snapshot(&buf);
            rc = square_array(base, unit, base + n * es, unit, 1, shape1, dt);
            if (CHECK_STATUS(rc, NDKERN_OK)) {
                int bad = 0;
                for (int64_t i = 0; i < n; i++)
                    bad += !ref_square_ok(dt, buf.snapshot + (base - buf.alloc) + i * es,
                                           base + (n + i) * es);
                CHECKF(bad == 0, "%d elements wrong", bad);
                CHECK(memcmp(buf.alloc, buf.snapshot, (size_t)(base - buf.alloc + n * es)) == 0);
            }
        }
        {
            /* Interleaved: x on even elements, out on odd ones.  The byte
             * ranges overlap but no element is shared; a library may refuse
             * (EOVERLAP, untouched) or compute correctly. */
            int64_t every_other[1] = {2 * es}, eight[1] = {8};
            int rc;
            harness_set_context("square %s, interleaved x and out", dtype_name(dt));
            harness_array_snapshot(&buf);
            rc = square_array(base, every_other, base + es, every_other, 1, eight, dt);
            if (rc == NDKERN_OK) {
                int bad = 0;
                for (int64_t i = 0; i < 8; i++) {
                    bad += !ref_square_ok(dt, buf.snapshot + (base - buf.alloc) + 2 * i * es,
                                           base + (2 * i + 1) * es);
                    bad += memcmp(base + 2 * i * es, buf.snapshot + (base - buf.alloc) + 2 * i * es,
                                  (size_t)es) != 0;
                }
                CHECKF(bad == 0, "%d elements wrong", bad);
            } else {
                CHECK_STATUS(rc, NDKERN_EOVERLAP);
                CHECK_UNCHANGED(&buf, "buffer");
            }
        }
        harness_array_free(&buf);
    }
}

static const struct harness_test tests[] = {
    HARNESS_TEST(random_cases), HARNESS_TEST(lengths), HARNESS_TEST(layouts),
    HARNESS_TEST(broadcast), HARNESS_TEST(extreme_dims), HARNESS_TEST(null_empty),
    HARNESS_TEST(errors), HARNESS_TEST(overflow), HARNESS_TEST(overlap),
    HARNESS_TEST(large),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
