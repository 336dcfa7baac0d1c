/*
 * test_sum.c -- sum_array against the scalar reference: every (dtype,
 * out_dtype) pair, ndim 0..5, every nreduce, random layouts, integer
 * wraparound, the documented float error bound (also on cancelling data),
 * large inputs, bit-identical results for 1, 2 and 3 threads (and, through
 * DIGEST lines, across SIMD levels), and every documented error path.
 */
#include "common.h"

#define PROGRAM "test_sum"

/* Extents of the random cases (random_shape in common.h). */
static const struct extent_odds SUM_EXTENTS = {.percent_one = 16, .longest = 60};

/* Pairs found unsupported by test_pairs: reported once, then skipped. */
static int pair_unsupported[REF_NDTYPES][REF_NDTYPES];
/* The digest of every floating result of sum_case (same seed at every SIMD
 * level, so the same inputs): documented bit-identical across levels. */
#define RANDOM_DIGEST "random_cases"

/*
 * The documented bound: (20 + log2 n) * 2^-53 * sum|x| for the double
 * accumulation, plus the final rounding to a float32 component, plus (only
 * for integer inputs wider than the output significand) one rounding of
 * each element, should an implementation convert through double.
 */
static long double sum_tolerance(int in_dt, int out_dt, const struct ref_value *want)
{
    long double n = want->terms > 1 ? (long double)want->terms : 1;
    long double tol = (20 + log2l(n)) * ldexpl(1, -53) * want->scale;
    int digits = ref_dtypes[out_dt].bits;
    if (ref_is_int(out_dt))
        return 0;
    if (digits == 24)
        tol += ldexpl(1, -24) * (fabsl(want->re) + fabsl(want->im) + tol);
    if (ref_is_int(in_dt) && ref_dtypes[in_dt].bits > digits)
        tol += ldexpl(1, -digits) * want->scale;
    return tol * 1.001L;
}

/* Value distribution that keeps float -> integer casts in range. */
static struct value_gen pick_values(int in_dt, int out_dt)
{
    struct value_gen gen = {rng_chance(30) ? VS_SMALL : VS_FULL, 0, 0};
    if (!ref_is_int(in_dt) && ref_is_int(out_dt)) {
        int bits = ref_dtypes[out_dt].bits;
        double span = ldexp(1, bits > 31 ? 30 : bits - 1);
        gen.style = VS_RANGE;
        if (ref_dtypes[out_dt].kind == REF_SIGNED) {
            gen.lo = -span;
            gen.hi = span - 1;
        } else {
            gen.lo = -0.99;                /* truncates to 0: in range */
            gen.hi = 2 * span - 1;
        }
    }
    return gen;
}

/* Compares out (over the kept axes) with the reference results. */
static void compare_sum(const harness_array *out, const struct ref_value *want,
                        int in_dt, int out_dt)
{
    int64_t index[HARNESS_MAX_NDIM] = {0}, k = 0, bad = 0;
    char why[512] = "";
    int64_t first = -1;
    do {
        const unsigned char *got = harness_array_at(out, index);
        char text[512];
        if (!value_matches(out_dt, got, &want[k], sum_tolerance(in_dt, out_dt, &want[k]),
                           text, sizeof text) && bad++ == 0) {
            first = k;
            snprintf(why, sizeof why, "%s", text);
        }
        k++;
    } while (ref_next_index(out->ndim, out->shape, index));
    if (!CHECKF(bad == 0, "%" PRId64 " of %" PRId64 " sums wrong", bad, out->nelem))
        printf("     first at output %" PRId64 " (%" PRId64 " terms): %s\n", first,
               want[first].terms, why);
}

/* Adds every element of out to the digest `name`. */
static void digest_output(const char *name, const harness_array *out, size_t es)
{
    int64_t index[HARNESS_MAX_NDIM] = {0};
    if (out->nelem == 0)
        return;
    do
        harness_digest(name, harness_array_at(out, index), es);
    while (ref_next_index(out->ndim, out->shape, index));
}

/*
 * One sum: x of `shape` laid out as x_flags with values `gen`, reduced over
 * the last nreduce axes into out (out_flags).  Returns the status.
 */
static int sum_case(int in_dt, int out_dt, int ndim, const int64_t *shape, int nreduce,
                    unsigned x_flags, unsigned out_flags, const struct value_gen *gen)
{
    harness_array x, out;
    int kept = ndim - nreduce, rc;
    size_t out_es = (size_t)ref_dtypes[out_dt].size;
    struct ref_value *want;
    const int64_t *out_strides;
    char xd[600], od[600];

    harness_array_init(&x, ndim, shape, (size_t)ref_dtypes[in_dt].size, x_flags);
    fill_array(&x, in_dt, gen);
    harness_array_init(&out, kept, shape, out_es, out_flags);
    want = harness_malloc(sizeof *want * (size_t)(out.nelem ? out.nelem : 1));
    ref_sum(x.data, x.strides, ndim, shape, in_dt, nreduce, out_dt, want);
    out_strides = kept == 0 && rng_chance(50) ? NULL : out.strides;
    harness_array_snapshot(&x);
    harness_array_snapshot(&out);
    harness_set_context("sum %s -> %s, nreduce %d, x %s, out %s%s, values %d",
                        dtype_name(in_dt), dtype_name(out_dt), nreduce,
                        harness_array_describe(&x, xd, sizeof xd),
                        harness_array_describe(&out, od, sizeof od),
                        out_strides ? "" : " (out_strides NULL)", (int)gen->style);

    rc = sum_array(x.data, x.strides, ndim, shape, in_dt, nreduce, out.data, out_strides,
                   out_dt);
    if (CHECK_STATUS(rc, NDKERN_OK) && out.nelem > 0)
        compare_sum(&out, want, in_dt, out_dt);
    CHECK_OUTSIDE_UNCHANGED(&out, "out");
    CHECK_UNCHANGED(&x, "x (input)");
    if (rc == NDKERN_OK && !ref_is_int(out_dt))
        digest_output(RANDOM_DIGEST, &out, out_es);
    harness_array_free(&x);
    harness_array_free(&out);
    free(want);
    return rc;
}

/* Every (dtype, out_dtype) pair on a small 2-D input: the documentation
 * defines every conversion, so every pair must be accepted. */
static void test_pairs(void)
{
    for (int in_dt = 0; in_dt < REF_NDTYPES; in_dt++)
        for (int out_dt = 0; out_dt < REF_NDTYPES; out_dt++) {
            int64_t shape[2] = {3, 5};
            struct value_gen gen = pick_values(in_dt, out_dt);
            if (sum_case(in_dt, out_dt, 2, shape, 1, 0, 0, &gen) != NDKERN_OK)
                pair_unsupported[in_dt][out_dt] = 1;
        }
}

/* Random shapes, layouts and nreduce for every pair. */
static void test_random_cases(void)
{
    for (int in_dt = 0; in_dt < REF_NDTYPES; in_dt++)
        for (int out_dt = 0; out_dt < REF_NDTYPES; out_dt++) {
            if (pair_unsupported[in_dt][out_dt])
                continue;
            for (int iter = 0; iter < 30; iter++) {
                int64_t shape[8];
                int ndim = random_shape(shape, (int)rng_range(0, 5), SUM_EXTENTS, 4000);
                int nreduce = (int)rng_range(0, ndim);
                struct value_gen gen = pick_values(in_dt, out_dt);
                /* One statement per draw: the order in which a call's
                 * arguments are evaluated is unspecified (GCC takes them
                 * right to left on x86-64, left to right on aarch64). */
                unsigned out_flags = harness_random_layout(HL_ALL_OUTPUT);
                unsigned x_flags = harness_random_layout(HL_ALL_INPUT);
                sum_case(in_dt, out_dt, ndim, shape, nreduce, x_flags, out_flags, &gen);
            }
        }
}

/* Every nreduce of a fixed 4-D shape (with an axis of extent 1) and the
 * NumPy default out types. */
static void test_every_nreduce(void)
{
    static const int pairs[][2] = {
        {NDKERN_INT8, NDKERN_INT64}, {NDKERN_UINT16, NDKERN_UINT64},
        {NDKERN_INT32, NDKERN_INT64}, {NDKERN_UINT64, NDKERN_UINT64},
        {NDKERN_FLOAT32, NDKERN_FLOAT32}, {NDKERN_FLOAT64, NDKERN_FLOAT64},
        {NDKERN_COMPLEX64, NDKERN_COMPLEX64}, {NDKERN_COMPLEX128, NDKERN_COMPLEX128},
        {NDKERN_INT8, NDKERN_INT8}, {NDKERN_FLOAT32, NDKERN_FLOAT64},
    };
    int64_t shape[4] = {3, 1, 17, 11};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        for (int nreduce = 0; nreduce <= 4; nreduce++)
            for (int layout = 0; layout < 3; layout++) {
                struct value_gen gen = pick_values(pairs[p][0], pairs[p][1]);
                unsigned xf = layout == 0 ? 0 : layout == 1 ? HL_TRANSPOSE : HL_ALL_INPUT;
                unsigned of = layout == 0 ? 0 : HL_ALL_OUTPUT;
                sum_case(pairs[p][0], pairs[p][1], 4, shape, nreduce, xf, of, &gen);
            }
}

/* Every 1-D length up to a few SIMD blocks (16 lanes), aligned and not. */
static void test_lengths(void)
{
    static const int dts[] = {NDKERN_FLOAT32, NDKERN_FLOAT64, NDKERN_COMPLEX64,
                              NDKERN_COMPLEX128, NDKERN_INT8, NDKERN_INT64, NDKERN_UINT32};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
        for (int64_t n = 0; n <= 140; n++) {
            int dt = dts[d];
            int out_dt = ref_is_int(dt) ? dt : dt;
            struct value_gen gen = pick_values(dt, out_dt);
            sum_case(dt, out_dt, 1, &n, 1, 0, 0, &gen);
            sum_case(dt, out_dt, 1, &n, 1, HL_MISALIGN | HL_NEGATE | HL_ODD_STRIDE,
                     HL_MISALIGN, &gen);
        }
}

/* Large inputs: cross block boundaries, the float bound on cancelling data. */
static void fill_cancelling(harness_array *x, int dt)
{
    /* Pairs +v, -v in random positions plus a little noise: the sum is
     * tiny next to sum|x|, so an accumulation in the input's float32
     * precision (error ~2^-24 sum|x|) cannot pass the documented bound. */
    int64_t n = x->nelem, index[HARNESS_MAX_NDIM] = {0};
    double *values = harness_malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i + 1 < n; i += 2) {
        values[i] = (rng_unit() * 2 - 1) * ldexp(1, (int)rng_range(-10, 20));
        values[i + 1] = -values[i];
    }
    if (n % 2)
        values[n - 1] = 1;
    for (int64_t i = 0; i < n; i++)
        if (rng_chance(5))
            values[i] += rng_unit();
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = rng_below(i + 1);
        double t = values[i];
        values[i] = values[j];
        values[j] = t;
    }
    for (int64_t k = 0; k < n; k++) {
        unsigned char *p = harness_array_at(x, index);
        ref_store_component(p, dt, 0, values[k]);
        if (ref_is_complex(dt))
            ref_store_component(p, dt, 1, -values[n - 1 - k]);
        ref_next_index(x->ndim, x->shape, index);
    }
    free(values);
}

static void large_case(int in_dt, int out_dt, int ndim, const int64_t *shape, int nreduce,
                       unsigned x_flags, int cancelling)
{
    harness_array x, out;
    struct ref_value *want;
    struct value_gen gen = pick_values(in_dt, out_dt);
    char xd[600];
    int rc;

    harness_array_init(&x, ndim, shape, (size_t)ref_dtypes[in_dt].size, x_flags);
    if (cancelling)
        fill_cancelling(&x, in_dt);
    else
        fill_array(&x, in_dt, &gen);
    harness_array_init(&out, ndim - nreduce, shape, (size_t)ref_dtypes[out_dt].size, 0);
    want = harness_malloc(sizeof *want * (size_t)out.nelem);
    ref_sum(x.data, x.strides, ndim, shape, in_dt, nreduce, out_dt, want);
    harness_array_snapshot(&out);
    harness_set_context("large sum %s -> %s, nreduce %d, x %s%s", dtype_name(in_dt),
                        dtype_name(out_dt), nreduce,
                        harness_array_describe(&x, xd, sizeof xd),
                        cancelling ? ", cancelling values" : "");
    rc = sum_array(x.data, x.strides, ndim, shape, in_dt, nreduce, out.data, out.strides,
                   out_dt);
    if (CHECK_STATUS(rc, NDKERN_OK))
        compare_sum(&out, want, in_dt, out_dt);
    CHECK_OUTSIDE_UNCHANGED(&out, "out");
    harness_array_free(&x);
    harness_array_free(&out);
    free(want);
}

static void test_large(void)
{
    int64_t n1[1] = {100003}, n3[3] = {3, 317, 331}, n2[2] = {7, 40009};
    large_case(NDKERN_FLOAT64, NDKERN_FLOAT64, 1, n1, 1, 0, 0);
    large_case(NDKERN_FLOAT64, NDKERN_FLOAT64, 1, n1, 1, HL_MISALIGN | HL_NEGATE, 1);
    large_case(NDKERN_FLOAT32, NDKERN_FLOAT32, 1, n1, 1, 0, 1);
    large_case(NDKERN_FLOAT32, NDKERN_FLOAT32, 3, n3, 2, HL_TRANSPOSE, 1);
    large_case(NDKERN_FLOAT64, NDKERN_FLOAT32, 1, n1, 1, 0, 1);
    large_case(NDKERN_FLOAT32, NDKERN_FLOAT64, 3, n3, 2, HL_TRANSPOSE | HL_PAD, 1);
    large_case(NDKERN_COMPLEX64, NDKERN_COMPLEX64, 2, n2, 1, HL_MISALIGN, 1);
    large_case(NDKERN_COMPLEX128, NDKERN_COMPLEX128, 3, n3, 3, HL_TRANSPOSE, 1);
    large_case(NDKERN_COMPLEX64, NDKERN_FLOAT64, 2, n2, 2, 0, 1);
    large_case(NDKERN_INT64, NDKERN_INT64, 1, n1, 1, 0, 0);
    large_case(NDKERN_UINT8, NDKERN_UINT8, 1, n1, 1, HL_ODD_STRIDE, 0);
    large_case(NDKERN_INT8, NDKERN_INT64, 3, n3, 2, HL_TRANSPOSE, 0);
    large_case(NDKERN_INT32, NDKERN_FLOAT64, 2, n2, 1, 0, 0);
    large_case(NDKERN_UINT16, NDKERN_INT16, 3, n3, 1, HL_NEGATE, 0);
    large_case(NDKERN_FLOAT64, NDKERN_INT32, 1, n1, 1, 0, 0);
    large_case(NDKERN_FLOAT32, NDKERN_FLOAT64, 3, n3, 0, 0, 0);
}

/* Infinities and NaNs propagate as in IEEE double arithmetic, and float32
 * sums do not overflow midway: they are accumulated in double. */
static void test_special_values(void)
{
    static const struct {
        double x[4];
        int n;
    } cases[] = {
        {{1, INFINITY, 2, 0}, 3},          /* inf */
        {{-INFINITY, 1, -2, 0}, 3},        /* -inf */
        {{1, NAN, 2, 0}, 3},               /* nan */
        {{INFINITY, 5, -INFINITY, 0}, 3},  /* nan */
        {{3e38, 3e38, -3e38, 0}, 3},       /* float32: no overflow midway */
        {{3e38, 3e38, 0, 0}, 2},           /* float32: overflows when rounded */
        {{1e-45, 1e-45, 0, 0}, 2},         /* subnormals */
    };
    for (int dt = NDKERN_FLOAT32; dt <= NDKERN_COMPLEX128; dt++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            unsigned char x[4 * 16], out[16];
            int64_t shape[1] = {cases[c].n}, strides[1] = {ref_dtypes[dt].size};
            long double got, want = 0;
            for (int i = 0; i < cases[c].n; i++) {
                ref_store_component(x + i * strides[0], dt, 0, cases[c].x[i]);
                if (ref_is_complex(dt))
                    ref_store_component(x + i * strides[0], dt, 1, -cases[c].x[i]);
                want += ref_load_component(x + i * strides[0], dt, 0);   /* exact here */
            }
            want = ref_round_component(dt, want);
            harness_set_context("sum %s of special values, case %zu", dtype_name(dt), c);
            if (!CHECK_STATUS(sum_array(x, strides, 1, shape, dt, 1, out, NULL, dt), NDKERN_OK))
                continue;
            got = ref_load_component(out, dt, 0);
            CHECKF(isnan(want) ? isnan(got) : got == want, "got %.17Lg, want %.17Lg", got, want);
            if (ref_is_complex(dt)) {
                long double im = ref_load_component(out, dt, 1);
                CHECKF(isnan(want) ? isnan(im) : im == -want, "imaginary part %.17Lg", im);
            }
        }
}

/* ---------------------------------------------------------------- threads */

/* Reduces the leading axes instead: sum_array sees the axes reversed. */
#define REDUCE_LEADING 0x10000u

/*
 * Large sums at 1, 2 and 3 threads: bit-identical.  The 1-thread results
 * are also printed as digests, for all-levels.sh to compare across levels,
 * and spot-checked against the reference.
 */
static void thread_case(const char *name, int in_dt, int out_dt, int ndim,
                        const int64_t *x_shape, int nreduce, unsigned x_flags)
{
    harness_array x, out[N_THREAD_COUNTS];
    struct value_gen gen = pick_values(in_dt, out_dt);
    size_t out_es = (size_t)ref_dtypes[out_dt].size;
    struct ref_value *want;
    int64_t shape[HARNESS_MAX_NDIM], strides[HARNESS_MAX_NDIM];

    harness_array_init(&x, ndim, x_shape, (size_t)ref_dtypes[in_dt].size,
                       x_flags & ~REDUCE_LEADING);
    for (int d = 0; d < ndim; d++) {
        int from = x_flags & REDUCE_LEADING ? ndim - 1 - d : d;
        shape[d] = x_shape[from];
        strides[d] = x.strides[from];
    }
    if (ref_is_int(in_dt))
        fill_array(&x, in_dt, &gen);
    else
        fill_cancelling(&x, in_dt);
    harness_set_context("thread determinism %s: sum %s -> %s, nreduce %d", name,
                        dtype_name(in_dt), dtype_name(out_dt), nreduce);
    for (int t = 0; t < N_THREAD_COUNTS; t++) {
        harness_array_init(&out[t], ndim - nreduce, shape, out_es, 0);
        CHECK_STATUS(ndkern_set_num_threads(thread_counts[t]), NDKERN_OK);
        CHECK_STATUS(sum_array(x.data, strides, ndim, shape, in_dt, nreduce, out[t].data,
                               out[t].strides, out_dt), NDKERN_OK);
        if (t > 0)
            CHECKF(same_elements(&out[0], &out[t]),
                   "results with %d threads differ from 1 thread", thread_counts[t]);
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    want = harness_malloc(sizeof *want * (size_t)out[0].nelem);
    ref_sum(x.data, strides, ndim, shape, in_dt, nreduce, out_dt, want);
    compare_sum(&out[0], want, in_dt, out_dt);
    digest_output(name, &out[0], out_es);
    for (int t = 0; t < N_THREAD_COUNTS; t++)
        harness_array_free(&out[t]);
    harness_array_free(&x);
    free(want);
}

static void test_threads(void)
{
    int64_t n1[1] = {4000037}, n2[2] = {2000, 2000}, n3[3] = {1000, 40, 50};
    /* The same array sizes with a different seed for each case. */
    harness_rng_seed(harness_seed + 1);
    thread_case("f64_all", NDKERN_FLOAT64, NDKERN_FLOAT64, 1, n1, 1, 0);
    thread_case("f32_all_misaligned", NDKERN_FLOAT32, NDKERN_FLOAT32, 1, n1, 1, HL_MISALIGN);
    thread_case("f32_rows", NDKERN_FLOAT32, NDKERN_FLOAT32, 2, n2, 1, 0);
    thread_case("f64_cols", NDKERN_FLOAT64, NDKERN_FLOAT64, 2, n2, 1, HL_TRANSPOSE);
    thread_case("f32_to_f64_all", NDKERN_FLOAT32, NDKERN_FLOAT64, 2, n2, 2, HL_NEGATE);
    thread_case("c64_planes", NDKERN_COMPLEX64, NDKERN_COMPLEX64, 3, n3, 2, 0);
    thread_case("c128_t", NDKERN_COMPLEX128, NDKERN_COMPLEX128, 3, n3, 1, HL_TRANSPOSE);
    thread_case("i32_rows", NDKERN_INT32, NDKERN_INT64, 2, n2, 1, 0);
    thread_case("u8_all", NDKERN_UINT8, NDKERN_UINT8, 1, n1, 1, 0);
    /* Whole multiples of the library's threaded chunk (2^18 values): the
     * last chunk is then complete, which once broke the merge. */
    int64_t whole[1] = {INT64_C(8) << 18}, whole_complex[1] = {INT64_C(8) << 17};
    thread_case("f64_whole_chunks", NDKERN_FLOAT64, NDKERN_FLOAT64, 1, whole, 1, 0);
    thread_case("c128_whole_chunks", NDKERN_COMPLEX128, NDKERN_COMPLEX128, 1, whole_complex,
                1, 0);
    /* Few outputs over a long slow axis: threads split the rows at cascade
     * subtrees (19 blocks: the last chunk is partial at 2 threads), also
     * over two padded reduced axes that chunks start in the middle of. */
    int64_t tall[2] = {4700, 300}, planes[3] = {30, 70, 700};
    thread_case("f64_tall", NDKERN_FLOAT64, NDKERN_FLOAT64, 2, tall, 1, REDUCE_LEADING);
    thread_case("c128_tall", NDKERN_COMPLEX128, NDKERN_COMPLEX128, 2, tall, 1,
                REDUCE_LEADING);
    thread_case("i32_tall", NDKERN_INT32, NDKERN_INT64, 2, tall, 1, REDUCE_LEADING);
    thread_case("f32_planes_padded", NDKERN_FLOAT32, NDKERN_FLOAT64, 3, planes, 2,
                REDUCE_LEADING | HL_PAD);
    /* float32 rows widened as they are summed (no conversion buffer). */
    thread_case("f32_tall", NDKERN_FLOAT32, NDKERN_FLOAT32, 2, tall, 1, REDUCE_LEADING);
    thread_case("c64_tall_misaligned", NDKERN_COMPLEX64, NDKERN_COMPLEX64, 2, tall, 1,
                REDUCE_LEADING | HL_MISALIGN);
}

/* ---------------------------------------------------------------- errors */

struct sum_args {
    const void *x;
    const int64_t *x_strides;
    int ndim;
    const int64_t *shape;
    int dtype, nreduce;
    void *out;
    const int64_t *out_strides;
    int out_dtype;
};

/* The call returns `want` and changes neither guarded buffer. */
static void expect_error(int want, const char *what, harness_array *x_guard,
                         harness_array *out_guard, struct sum_args a)
{
    int rc;
    harness_set_context("sum error path: %s (%s -> %s)", what, dtype_name(a.dtype),
                        dtype_name(a.out_dtype));
    harness_array_snapshot(x_guard);
    harness_array_snapshot(out_guard);
    rc = sum_array(a.x, a.x_strides, a.ndim, a.shape, a.dtype, a.nreduce, a.out,
                   a.out_strides, a.out_dtype);
    CHECK_STATUS(rc, want);
    CHECK_UNCHANGED(out_guard, "out after an error");
    CHECK_UNCHANGED(x_guard, "x after an error");
}

static void test_errors(void)
{
    static const int bad_dtypes[] = {-1, NDKERN_FLOAT16 + 1, 99, -2147483647 - 1, 2147483647};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int out_dt = (dt + 5) % REF_NDTYPES;
        int64_t shape[3] = {2, 3, 4}, bad[3];
        size_t es = (size_t)ref_dtypes[dt].size;
        harness_array x, out;
        struct sum_args ok, a;
        harness_array_init(&x, 3, shape, es, 0);
        harness_array_init(&out, 2, shape, (size_t)ref_dtypes[out_dt].size, 0);
        ok = (struct sum_args){x.data, x.strides, 3, shape, dt, 1, out.data, out.strides, out_dt};

        a = ok; a.x = NULL;
        expect_error(NDKERN_EINVAL, "x NULL", &x, &out, a);
        a = ok; a.out = NULL;
        expect_error(NDKERN_EINVAL, "out NULL", &x, &out, a);
        a = ok; a.out = NULL; a.nreduce = 3; a.out_strides = NULL;
        expect_error(NDKERN_EINVAL, "out NULL, full reduction", &x, &out, a);
        a = ok; a.x_strides = NULL;
        expect_error(NDKERN_EINVAL, "x_strides NULL", &x, &out, a);
        a = ok; a.out_strides = NULL;
        expect_error(NDKERN_EINVAL, "out_strides NULL with kept axes", &x, &out, a);
        a = ok; a.shape = NULL;
        expect_error(NDKERN_EINVAL, "shape NULL", &x, &out, a);
        a = ok; a.ndim = -1; a.nreduce = 0;
        expect_error(NDKERN_EINVAL, "ndim -1", &x, &out, a);
        a = ok; a.ndim = NDKERN_MAX_NDIM + 1; a.nreduce = 0;
        {
            int64_t many[NDKERN_MAX_NDIM + 1], many_strides[NDKERN_MAX_NDIM + 1];
            for (int i = 0; i <= NDKERN_MAX_NDIM; i++) {
                many[i] = 1;
                many_strides[i] = 8;
            }
            a.shape = many;
            a.x_strides = many_strides;
            a.out_strides = many_strides;
            expect_error(NDKERN_EINVAL, "ndim MAX_NDIM+1", &x, &out, a);
            a.nreduce = NDKERN_MAX_NDIM + 1;
            expect_error(NDKERN_EINVAL, "ndim MAX_NDIM+1, full reduction", &x, &out, a);
        }
        a = ok; a.nreduce = -1;
        expect_error(NDKERN_EINVAL, "nreduce -1", &x, &out, a);
        a = ok; a.nreduce = 4;
        expect_error(NDKERN_EINVAL, "nreduce ndim+1", &x, &out, a);
        a = ok; a.nreduce = -2147483647 - 1;
        expect_error(NDKERN_EINVAL, "nreduce INT_MIN", &x, &out, a);
        memcpy(bad, shape, sizeof bad);
        bad[2] = -4;
        a = ok; a.shape = bad;
        expect_error(NDKERN_EINVAL, "negative reduced extent", &x, &out, a);
        bad[2] = 4;
        bad[0] = -1;
        expect_error(NDKERN_EINVAL, "negative kept extent", &x, &out, a);
        {
            int64_t zero_strides[2] = {0, out.strides[1]};
            a = ok; a.out_strides = zero_strides;
            expect_error(NDKERN_EINVAL, "zero output stride on extent 2", &x, &out, a);
            zero_strides[0] = out.strides[0];
            zero_strides[1] = 0;
            expect_error(NDKERN_EINVAL, "zero output stride on extent 3", &x, &out, a);
        }
        for (size_t i = 0; i < sizeof bad_dtypes / sizeof bad_dtypes[0]; i++) {
            a = ok; a.dtype = bad_dtypes[i];
            expect_error(NDKERN_EDTYPE, "unknown dtype", &x, &out, a);
            a = ok; a.out_dtype = bad_dtypes[i];
            expect_error(NDKERN_EDTYPE, "unknown out_dtype", &x, &out, a);
        }
        harness_array_free(&x);
        harness_array_free(&out);
    }
}

/* NULL pointers with no elements; an empty reduction gives 0. */
static void test_empty(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t shape[2] = {3, 0}, x_strides[2] = {0, 0}, kept_shape[1] = {3};
        harness_array out;
        int rc, bad = 0;
        harness_array_init(&out, 1, kept_shape, (size_t)ref_dtypes[dt].size, HL_PAD);
        harness_array_snapshot(&out);
        harness_set_context("sum %s of [3,0] from x NULL into 3 zeros", dtype_name(dt));
        rc = sum_array(NULL, x_strides, 2, shape, dt, 1, out.data, out.strides, dt);
        if (CHECK_STATUS(rc, NDKERN_OK))
            for (int64_t i = 0; i < 3; i++)
                for (int64_t b = 0; b < ref_dtypes[dt].size; b++)
                    bad += out.data[i * out.strides[0] + b] != 0;
        CHECKF(bad == 0, "empty sums are not all-zero bytes");
        CHECK_OUTSIDE_UNCHANGED(&out, "out");
        harness_array_free(&out);

        shape[0] = 0;
        shape[1] = 5;
        harness_set_context("sum %s of [0,5] nreduce 1: no output, NULL out", dtype_name(dt));
        CHECK_STATUS(sum_array(NULL, x_strides, 2, shape, dt, 1, NULL, x_strides, dt),
                     NDKERN_OK);
    }
}

static void test_overflow(void)
{
    int64_t one[1] = {1};
    harness_array x, out;
    struct sum_args a;
    harness_array_init(&x, 1, one, 8, 0);
    harness_array_init(&out, 1, one, 8, 0);
    {
        int64_t shape[2] = {INT64_MAX / 2, 4}, strides[2] = {32, 8};
        a = (struct sum_args){x.data, strides, 2, shape, NDKERN_FLOAT64, 2, out.data, NULL,
                              NDKERN_FLOAT64};
        expect_error(NDKERN_EOVERFLOW, "element count overflow, full reduction", &x, &out, a);
        a.nreduce = 1;
        a.out_strides = strides + 1;
        expect_error(NDKERN_EOVERFLOW, "element count overflow, nreduce 1", &x, &out, a);
    }
    {
        int64_t shape[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
        int64_t strides[2] = {INT64_C(8) << 31, 8};
        a = (struct sum_args){x.data, strides, 2, shape, NDKERN_FLOAT64, 2, out.data, NULL,
                              NDKERN_FLOAT64};
        expect_error(NDKERN_EOVERFLOW, "x byte span overflow", &x, &out, a);
    }
    {
        int64_t shape[2] = {3, 2}, strides[2] = {INT64_MAX / 2, 8}, out_strides[1] = {8};
        a = (struct sum_args){x.data, strides, 2, shape, NDKERN_FLOAT64, 1, out.data,
                              out_strides, NDKERN_FLOAT64};
        expect_error(NDKERN_EOVERFLOW, "x stride span overflow", &x, &out, a);
        strides[0] = 16;
        out_strides[0] = INT64_MAX / 2;
        expect_error(NDKERN_EOVERFLOW, "out stride span overflow", &x, &out, a);
        out_strides[0] = INT64_MIN;
        expect_error(NDKERN_EOVERFLOW, "out stride INT64_MIN", &x, &out, a);
    }
    harness_array_free(&x);
    harness_array_free(&out);
}

/* out must not overlap x at all, even exactly. */
static void test_overlap(void)
{
    static const struct value_gen full = {VS_FULL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t es = ref_dtypes[dt].size, buf_shape[1] = {128};
        int64_t shape2[2] = {4, 4}, rows[2] = {4 * es, es}, unit[1] = {es};
        int64_t shape1[1] = {16};
        harness_array buf;
        unsigned char *base;
        struct sum_args a;
        harness_array_init(&buf, 1, buf_shape, (size_t)es, 0);
        fill_array(&buf, dt, &full);
        base = buf.data + 16 * es;

        a = (struct sum_args){base, unit, 1, shape1, dt, 0, base, unit, dt};
        expect_error(NDKERN_EOVERLAP, "out == x exactly (nreduce 0)", &buf, &buf, a);
        a = (struct sum_args){base, rows, 2, shape2, dt, 1, base, unit, dt};
        expect_error(NDKERN_EOVERLAP, "out at x (row sums)", &buf, &buf, a);
        a.out = base + 15 * es;
        expect_error(NDKERN_EOVERLAP, "out starting at x's last element", &buf, &buf, a);
        a.out = base - 3 * es;
        expect_error(NDKERN_EOVERLAP, "out ending at x's first element", &buf, &buf, a);
        a = (struct sum_args){base, rows, 2, shape2, dt, 2, base + 5 * es + 1, NULL, dt};
        expect_error(NDKERN_EOVERLAP, "scalar out inside x, odd byte", &buf, &buf, a);
        {
            /* An out element starting before x whose last byte is x's first. */
            int wide = ref_is_int(dt) ? NDKERN_INT64 : NDKERN_COMPLEX128;
            a = (struct sum_args){base, rows, 2, shape2, dt, 2,
                                  base - (ref_dtypes[wide].size - 1), NULL, wide};
            expect_error(NDKERN_EOVERLAP, "out's last byte on x's first", &buf, &buf, a);
            a.out = base + 16 * es - 1;
            expect_error(NDKERN_EOVERLAP, "out's first byte on x's last", &buf, &buf, a);
        }
        {
            /* Adjacent: fine. */
            int rc;
            struct ref_value want[4];
            char why[512];
            harness_set_context("sum %s, out right after x", dtype_name(dt));
            ref_sum(base, rows, 2, shape2, dt, 1, dt, want);
            rc = sum_array(base, rows, 2, shape2, dt, 1, base + 16 * es, unit, dt);
            if (CHECK_STATUS(rc, NDKERN_OK))
                for (int i = 0; i < 4; i++)
                    CHECKF(value_matches(dt, base + (16 + i) * es, &want[i],
                                         sum_tolerance(dt, dt, &want[i]), why, sizeof why),
                           "row %d: %s", i, why);
        }
        harness_array_free(&buf);
    }
}

static const struct harness_test tests[] = {
    HARNESS_TEST(pairs), HARNESS_TEST(random_cases), HARNESS_TEST(every_nreduce),
    HARNESS_TEST(lengths), HARNESS_TEST(empty), HARNESS_TEST(errors),
    HARNESS_TEST(overflow), HARNESS_TEST(overlap), HARNESS_TEST(special_values),
    HARNESS_TEST(large), HARNESS_TEST(threads),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
