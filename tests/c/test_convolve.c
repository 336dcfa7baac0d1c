/*
 * test_convolve.c -- convolve2d and ndkern_correlate2d against the scalar
 * reference: every dtype x mode x boundary, kernels even/odd/larger than the
 * image/1xN/Nx1/empty, fillvalue NULL or not, random layouts; hand-computed
 * values (which also check the reference); moderate sizes fully checked;
 * rank-1 (separable) kernels and nearly rank-1 ones; the small-kernel
 * shapes bit for bit in the cores' order of operations; large threaded inputs
 * bit-identical for 1, 2 and 3 threads; error paths.
 */
#include "common.h"

#define PROGRAM "test_convolve"

typedef int (*conv_fn)(const void *, const int64_t[2], const int64_t[2], const void *,
                       const int64_t[2], const int64_t[2], void *, const int64_t[2],
                       const int64_t[2], int, int, int, const void *);

static const conv_fn functions[2] = {convolve2d, ndkern_correlate2d};
static const char *const function_names[2] = {"convolve2d", "ndkern_correlate2d"};
static const char *const mode_names[3] = {"full", "same", "valid"};
static const char *const boundary_names[3] = {"fill", "wrap", "symm"};

static const char *mode_name(int mode)
{
    return mode >= 0 && mode < 3 ? mode_names[mode] : "(bad mode)";
}

static const char *boundary_name(int boundary)
{
    return boundary >= 0 && boundary < 3 ? boundary_names[boundary] : "(bad boundary)";
}

/* Any summation order of `terms` products is within ~terms ulps of sum|g||F|. */
static long double conv_tolerance(int dt, const struct ref_value *want)
{
    long double u = ldexpl(1, -ref_dtypes[dt].bits);
    long double terms = (long double)want->terms * (ref_is_complex(dt) ? 2 : 1);
    long double tiny = ref_component_size(dt) == 4 ? FLT_MIN : DBL_MIN;
    return (terms + 4) * u * want->scale + tiny * (terms + 1);
}

static struct ref_operand operand(const harness_array *a)
{
    struct ref_operand op;
    op.data = a->data;
    for (int i = 0; i < 2; i++) {
        op.shape[i] = a->shape[i];
        op.strides[i] = a->strides[i];
    }
    return op;
}

/* Compares every h[m,n] with the reference (or only `samples` random
 * positions when samples > 0). */
static void compare_conv(int correlate, const harness_array *f, const harness_array *g,
                         const harness_array *h, int dt, int mode, int boundary,
                         const void *fill, int swapped, int64_t samples)
{
    int64_t bad = 0, checked = 0, first[2] = {-1, -1};
    char why[512] = "";
    int64_t total = h->shape[0] * h->shape[1];
    int64_t count = samples > 0 && samples < total ? samples : total;
    for (int64_t s = 0; s < count; s++) {
        int64_t m, n;
        struct ref_value want;
        char text[512];
        if (count < total) {
            m = rng_below(h->shape[0]);
            n = rng_below(h->shape[1]);
        } else {
            m = s / h->shape[1];
            n = s % h->shape[1];
        }
        want = ref_conv2d_at(correlate, operand(f), operand(g), dt, mode, boundary, fill,
                             swapped, h->shape, m, n);
        checked++;
        if (!value_matches(dt, h->data + m * h->strides[0] + n * h->strides[1], &want,
                           conv_tolerance(dt, &want), text, sizeof text) && bad++ == 0) {
            first[0] = m;
            first[1] = n;
            snprintf(why, sizeof why, "%s", text);
        }
    }
    if (!CHECKF(bad == 0, "%" PRId64 " of %" PRId64 " outputs wrong", bad, checked))
        printf("     first at h[%" PRId64 ",%" PRId64 "]: %s\n", first[0], first[1], why);
}

/* h[m,n] of a real float dtype (a non-separable kernel) as every core
 * computes it (kernels.h, convolve_blocked.inc, convolve_small.inc): from
 * zero, the taps of W (g reversed for convolution) in order of row, then
 * column, each a multiply-add rounded to the dtype -- fused at every level
 * but baseline.  Written into *out (one element of dt). */
#define ORDERED_CONV(T, FMA)                                                              \
    do {                                                                                  \
        T acc = 0;                                                                        \
        for (int64_t ja = 0; ja < kernel.shape[0]; ja++)                                  \
            for (int64_t kb = 0; kb < kernel.shape[1]; kb++) {                            \
                const int64_t j = correlate ? ja : kernel.shape[0] - 1 - ja;              \
                const int64_t k = correlate ? kb : kernel.shape[1] - 1 - kb;              \
                const int64_t i0 = correlate ? m + j + origin[0] : m - j + origin[0];     \
                const int64_t i1 = correlate ? n + k + origin[1] : n - k + origin[1];     \
                const int64_t e0 = ref_extend(i0, image.shape[0], boundary);              \
                const int64_t e1 = ref_extend(i1, image.shape[1], boundary);              \
                T w, x = 0;                                                               \
                memcpy(&w, kernel.data + j * kernel.strides[0] + k * kernel.strides[1],   \
                       sizeof w);                                                         \
                if (e0 >= 0 && e1 >= 0)                                                   \
                    memcpy(&x, image.data + e0 * image.strides[0] + e1 * image.strides[1], \
                           sizeof x);                                                     \
                else if (fillvalue != NULL)                                               \
                    memcpy(&x, fillvalue, sizeof x);                                      \
                acc = fused ? FMA(w, x, acc) : acc + w * x;                               \
            }                                                                             \
        memcpy(out, &acc, sizeof acc);                                                    \
    } while (0)

static void ordered_conv_at(int correlate, struct ref_operand f, struct ref_operand g, int dt,
                            int mode, int boundary, const void *fillvalue, int swapped,
                            const int64_t out_shape[2], int64_t m, int64_t n, void *out)
{
    const struct ref_operand image = swapped ? g : f, kernel = swapped ? f : g;
    const int fused = strcmp(ndkern_simd_level(), "baseline") != 0;
    int64_t origin[2];
    if (correlate && swapped) {
        m = out_shape[0] - 1 - m;
        n = out_shape[1] - 1 - n;
    }
    for (int axis = 0; axis < 2; axis++) {
        const int64_t last = kernel.shape[axis] - 1;
        origin[axis] = mode == NDKERN_MODE_FULL   ? (correlate ? -last : 0)
                       : mode == NDKERN_MODE_SAME ? (correlate ? -(last >> 1) : last >> 1)
                                                  : (correlate ? 0 : last);
    }
    if (dt == NDKERN_FLOAT32)
        ORDERED_CONV(float, fmaf);
    else
        ORDERED_CONV(double, fma);
}
#undef ORDERED_CONV

/* Every h[m,n] bit for bit equal to ordered_conv_at (NaN: any NaN). */
static void compare_in_core_order(int correlate, const harness_array *f, const harness_array *g,
                                  const harness_array *h, int dt, int mode, int boundary,
                                  const void *fill, int swapped)
{
    int64_t bad = 0;
    const size_t size = (size_t)ref_dtypes[dt].size;
    for (int64_t m = 0; m < h->shape[0]; m++)
        for (int64_t n = 0; n < h->shape[1]; n++) {
            const unsigned char *got = h->data + m * h->strides[0] + n * h->strides[1];
            double want_d, got_d;
            unsigned char want[8];
            ordered_conv_at(correlate, operand(f), operand(g), dt, mode, boundary, fill,
                            swapped, h->shape, m, n, want);
            if (memcmp(got, want, size) == 0)
                continue;
            if (dt == NDKERN_FLOAT32) {
                float wf, gf;
                memcpy(&wf, want, sizeof wf);
                memcpy(&gf, got, sizeof gf);
                want_d = wf;
                got_d = gf;
            } else {
                memcpy(&want_d, want, sizeof want_d);
                memcpy(&got_d, got, sizeof got_d);
            }
            if (!(isnan(want_d) && isnan(got_d)) && bad++ == 0)
                printf("     first at h[%" PRId64 ",%" PRId64 "]: %.17g, in core order %.17g\n",
                       m, n, got_d, want_d);
        }
    CHECKF(bad == 0, "%" PRId64 " outputs differ from the cores' order of operations", bad);
}

struct conv_case {
    int correlate, dt, mode, boundary;
    int64_t f_shape[2], g_shape[2];
    unsigned f_flags, g_flags, h_flags;
    int use_fill;
    struct value_gen gen;
    int64_t samples;        /* 0: compare every output element */
    int g_kind;             /* enum kernel_kind */
    int in_core_order;      /* real floats: also bit for bit with ordered_conv_at */
};

/* Kernel values: random, an outer product u v^T (separable), or an outer
 * product with one entry changed (must not be taken for separable): by a
 * lot, or (floats) a zero row's first entry made eps * max|W| -- tiny next
 * to the kernel, but the only term of a corner output in full mode. */
enum kernel_kind { KK_RANDOM, KK_RANK1, KK_NEAR_RANK1, KK_RANK1_SPECK };

/* Factor values for rank-1 kernels: small, sometimes zero, sometimes with
 * a common factor (rows whose gcd > 1); nonnegative for unsigned dtypes,
 * up to 2^13 for the wide integers; floats in [-2, 2] or a Gaussian. */
static void random_factor(int dt, int64_t n, int gaussian, int64_t common, long double *out)
{
    int64_t limit = ref_dtypes[dt].size >= 4 && rng_chance(30) ? 8192 : 3;
    int64_t lo = ref_dtypes[dt].kind == REF_UNSIGNED ? 0 : -limit;
    for (int64_t i = 0; i < n; i++) {
        if (!ref_is_int(dt))
            out[i] = gaussian ? expl(-(i - n / 2.0L) * (i - n / 2.0L) / 4) : rng_unit() * 4 - 2;
        else
            out[i] = rng_chance(15) ? 0 : (long double)(common * rng_range(lo, limit));
    }
}

/* Overwrites g (kh x kw) with u v^T, rounded once to the dtype (integers
 * stay in range), and for KK_NEAR_RANK1 changes one entry by 1 or by 1% of
 * the largest magnitude. */
static void make_rank1(harness_array *g, int dt, int kind)
{
    long double u[64], v[64], largest = 0;
    int gaussian = !ref_is_int(dt) && rng_chance(30);
    random_factor(dt, g->shape[0], gaussian, rng_chance(30) ? rng_range(2, 3) : 1, u);
    random_factor(dt, g->shape[1], gaussian, rng_chance(30) ? rng_range(2, 3) : 1, v);
    if (kind == KK_RANK1_SPECK)
        u[0] = 0;
    for (int64_t a = 0; a < g->shape[0]; a++)
        for (int64_t b = 0; b < g->shape[1]; b++) {
            unsigned char *p = g->data + a * g->strides[0] + b * g->strides[1];
            if (ref_is_int(dt))
                ref_store_int(p, dt, (uint64_t)(int64_t)(u[a] * v[b]));
            else
                ref_store_component(p, dt, 0, u[a] * v[b]);
            largest = fmaxl(largest, fabsl(u[a] * v[b]));
        }
    if (kind == KK_NEAR_RANK1) {
        unsigned char *p = g->data + rng_below(g->shape[0]) * g->strides[0] +
                           rng_below(g->shape[1]) * g->strides[1];
        if (ref_is_int(dt))
            ref_store_int(p, dt, ref_load_int(p, dt) + 1);
        else
            ref_store_component(p, dt, 0, ref_load_component(p, dt, 0) + largest / 100 + 1);
    }
    if (kind == KK_RANK1_SPECK && !ref_is_int(dt) && largest > 0)
        ref_store_component(g->data, dt, 0, ldexpl(largest, 1 - ref_dtypes[dt].bits));
}

/*
 * Runs one case: builds f, g (and the fill value, misaligned) as asked,
 * computes the status and shape a correct library returns, calls the
 * library and checks the result, the guard bytes and the inputs.
 */
static void run_case(const struct conv_case *c)
{
    harness_array f, g, h, fill;
    int64_t h_shape[2] = {3, 2}, zero = 0;
    int swapped, rc;
    int expected = ref_conv2d_shape(c->f_shape, c->g_shape, c->mode, c->boundary, h_shape,
                                    &swapped);
    size_t es = (size_t)ref_dtypes[c->dt].size;
    char fd[300], gd[300], hd[300];

    if (expected != NDKERN_OK && expected != REF_UNDEFINED) {
        h_shape[0] = 3;   /* any output: it must stay untouched */
        h_shape[1] = 2;
    }
    harness_array_init(&f, 2, c->f_shape, es, c->f_flags);
    harness_array_init(&g, 2, c->g_shape, es, c->g_flags);
    harness_array_init(&h, 2, h_shape, es, c->h_flags);
    harness_array_init(&fill, 0, &zero, es, HL_MISALIGN);
    fill_array(&f, c->dt, &c->gen);
    fill_array(&g, c->dt, &c->gen);
    if (c->g_kind != KK_RANDOM)
        make_rank1(&g, c->dt, c->g_kind);
    fill_array(&fill, c->dt, &c->gen);
    harness_array_snapshot(&f);
    harness_array_snapshot(&g);
    harness_array_snapshot(&h);
    harness_array_snapshot(&fill);
    harness_set_context("%s %s mode %s boundary %s fill %s; f %s; g %s%s; h %s",
                        function_names[c->correlate], dtype_name(c->dt), mode_name(c->mode),
                        boundary_name(c->boundary), c->use_fill ? "given" : "NULL",
                        harness_array_describe(&f, fd, sizeof fd),
                        harness_array_describe(&g, gd, sizeof gd),
                        c->g_kind == KK_RANK1          ? " rank 1"
                        : c->g_kind == KK_NEAR_RANK1   ? " nearly rank 1"
                        : c->g_kind == KK_RANK1_SPECK ? " rank 1 but a speck"
                                                       : "",
                        harness_array_describe(&h, hd, sizeof hd));

    rc = functions[c->correlate](f.data, f.shape, f.strides, g.data, g.shape, g.strides,
                                 h.data, h.shape, h.strides, c->dt, c->mode, c->boundary,
                                 c->use_fill ? fill.data : NULL);
    if (expected == REF_UNDEFINED && rc != NDKERN_OK)
        expected = NDKERN_ESHAPE;
    else if (expected == REF_UNDEFINED)
        expected = NDKERN_OK;
    if (CHECK_STATUS(rc, expected) && rc == NDKERN_OK)
        compare_conv(c->correlate, &f, &g, &h, c->dt, c->mode, c->boundary,
                     c->use_fill ? fill.data : NULL, swapped, c->samples);
    if (c->in_core_order && rc == NDKERN_OK)
        compare_in_core_order(c->correlate, &f, &g, &h, c->dt, c->mode, c->boundary,
                              c->use_fill ? fill.data : NULL, swapped);
    if (expected == NDKERN_OK)
        CHECK_OUTSIDE_UNCHANGED(&h, "h");
    else
        CHECK_UNCHANGED(&h, "h after an error");
    CHECK_UNCHANGED(&f, "f (input)");
    CHECK_UNCHANGED(&g, "g (input)");
    CHECK_UNCHANGED(&fill, "fillvalue (input)");
    harness_array_free(&f);
    harness_array_free(&g);
    harness_array_free(&h);
    harness_array_free(&fill);
}

/* ---------------------------------------------------------------- shapes */

enum shape_class {
    SC_RANDOM, SC_KERNEL_LARGER, SC_ROW, SC_COLUMN, SC_ROW_BY_COLUMN, SC_LARGER_ONE_DIM,
    SC_EMPTY_F, SC_EMPTY_G, SC_EMPTY_BOTH, SC_EVEN_KERNEL, SC_ODD_KERNEL, SC_FAR_EXTENSION,
    SC_EQUAL, SC_COUNT
};

static void random_shapes(int cls, int64_t f[2], int64_t g[2])
{
    switch (cls) {
    case SC_KERNEL_LARGER:
        f[0] = rng_range(1, 4);
        f[1] = rng_range(1, 4);
        g[0] = f[0] + rng_range(1, 6);
        g[1] = f[1] + rng_range(1, 6);
        break;
    case SC_ROW:
        f[0] = 1;
        f[1] = rng_range(1, 14);
        g[0] = 1;
        g[1] = rng_range(1, 6);
        break;
    case SC_COLUMN:
        f[0] = rng_range(1, 14);
        f[1] = 1;
        g[0] = rng_range(1, 6);
        g[1] = 1;
        break;
    case SC_ROW_BY_COLUMN:
        f[0] = 1;
        f[1] = rng_range(2, 9);
        g[0] = rng_range(2, 6);
        g[1] = 1;
        break;
    case SC_LARGER_ONE_DIM:
        f[0] = rng_range(5, 8);
        f[1] = rng_range(1, 3);
        g[0] = rng_range(1, 4);
        g[1] = rng_range(4, 7);
        break;
    case SC_EMPTY_F:
        f[0] = rng_chance(50) ? 0 : rng_range(0, 5);
        f[1] = f[0] ? 0 : rng_range(0, 5);
        g[0] = rng_range(1, 3);
        g[1] = rng_range(1, 3);
        break;
    case SC_EMPTY_G:
        f[0] = rng_range(1, 6);
        f[1] = rng_range(1, 6);
        g[0] = rng_chance(50) ? 0 : rng_range(1, 3);
        g[1] = g[0] ? 0 : rng_range(0, 3);
        break;
    case SC_EMPTY_BOTH:      /* an extent 0 in each, the full shape not negative */
        f[0] = rng_chance(50) ? 0 : rng_range(1, 5);
        f[1] = f[0] ? 0 : rng_range(1, 5);
        g[0] = f[0] ? 0 : rng_range(1, 4);
        g[1] = f[0] ? rng_range(1, 4) : 0;
        break;
    case SC_EVEN_KERNEL:
        f[0] = rng_range(3, 11);
        f[1] = rng_range(3, 11);
        g[0] = 2 * rng_range(1, 3);
        g[1] = 2 * rng_range(1, 3);
        break;
    case SC_ODD_KERNEL:
        f[0] = rng_range(3, 11);
        f[1] = rng_range(3, 11);
        g[0] = 2 * rng_range(0, 3) + 1;
        g[1] = 2 * rng_range(0, 3) + 1;
        break;
    case SC_FAR_EXTENSION:
        f[0] = rng_range(1, 3);
        f[1] = rng_range(1, 3);
        g[0] = rng_range(7, 12);
        g[1] = rng_range(7, 12);
        break;
    case SC_EQUAL:
        f[0] = g[0] = rng_range(1, 7);
        f[1] = g[1] = rng_range(1, 7);
        break;
    default:
        f[0] = rng_range(1, 9);
        f[1] = rng_range(1, 9);
        g[0] = rng_range(1, 5);
        g[1] = rng_range(1, 5);
        break;
    }
}

static struct value_gen random_values(int dt)
{
    struct value_gen gen = {VS_SMALL, 0, 0};
    if (ref_is_int(dt) ? rng_chance(70) : rng_chance(25))
        gen.style = VS_FULL;
    return gen;
}

/* Every function x dtype x mode x boundary x shape class, twice, with
 * random layouts and fill values. */
static void test_random_cases(void)
{
    for (int correlate = 0; correlate < 2; correlate++)
        for (int dt = 0; dt < REF_NDTYPES; dt++)
            for (int mode = 0; mode < 3; mode++)
                for (int boundary = 0; boundary < 3; boundary++)
                    for (int cls = 0; cls < SC_COUNT; cls++)
                        for (int rep = 0; rep < 4; rep++) {
                            struct conv_case c;
                            memset(&c, 0, sizeof c);
                            c.correlate = correlate;
                            c.dt = dt;
                            c.mode = mode;
                            c.boundary = boundary;
                            random_shapes(cls, c.f_shape, c.g_shape);
                            if (rng_chance(50)) {   /* the same shapes, swapped roles */
                                int64_t t[2] = {c.f_shape[0], c.f_shape[1]};
                                memcpy(c.f_shape, c.g_shape, sizeof t);
                                memcpy(c.g_shape, t, sizeof t);
                            }
                            c.f_flags = harness_random_layout(HL_ALL_INPUT);
                            c.g_flags = harness_random_layout(HL_ALL_INPUT);
                            c.h_flags = harness_random_layout(HL_ALL_OUTPUT);
                            c.use_fill = rep % 2 == 0;
                            c.gen = random_values(dt);
                            run_case(&c);
                        }
}

/* Moderate sizes, every output element checked. */
static void test_moderate(void)
{
    static const int dts[] = {NDKERN_FLOAT32, NDKERN_FLOAT64, NDKERN_COMPLEX64,
                              NDKERN_COMPLEX128, NDKERN_INT16, NDKERN_INT64, NDKERN_UINT8};
    for (int correlate = 0; correlate < 2; correlate++)
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
            for (int mode = 0; mode < 3; mode++)
                for (int boundary = 0; boundary < 3; boundary++) {
                    struct conv_case c;
                    memset(&c, 0, sizeof c);
                    c.correlate = correlate;
                    c.dt = dts[d];
                    c.mode = mode;
                    c.boundary = boundary;
                    c.f_shape[0] = 41 + rng_below(40);
                    c.f_shape[1] = 37 + rng_below(40);
                    c.g_shape[0] = rng_range(5, 10);
                    c.g_shape[1] = rng_range(5, 10);
                    c.f_flags = rng_chance(50) ? HL_TRANSPOSE | HL_MISALIGN : 0;
                    c.g_flags = rng_chance(50) ? HL_NEGATE : 0;
                    c.h_flags = rng_chance(50) ? HL_PAD | HL_NEGATE : 0;
                    c.use_fill = 1;
                    c.gen = random_values(c.dt);
                    run_case(&c);
                }
}

/* Rank-1 kernels (two passes where that pays: 3x5 does not, 3x7 does) and
 * nearly rank-1 ones (direct), every real dtype x mode x boundary, with
 * small values (float compute types) and full-range ones (wrapping). */
static void test_separable(void)
{
    for (int correlate = 0; correlate < 2; correlate++)
        for (int dt = 0; dt < REF_NDTYPES; dt++)
            for (int mode = 0; mode < 3; mode++)
                for (int boundary = 0; boundary < 3; boundary++)
                    for (int rep = 0; rep < 6; rep++) {
                        struct conv_case c;
                        if (ref_is_complex(dt))
                            continue;
                        memset(&c, 0, sizeof c);
                        c.correlate = correlate;
                        c.dt = dt;
                        c.mode = mode;
                        c.boundary = boundary;
                        c.g_shape[0] = rep == 0 ? 3 : rng_range(3, 12);
                        c.g_shape[1] = rep == 0 ? 5 + 2 * rng_below(2) : rng_range(3, 12);
                        c.f_shape[0] = rng_chance(20) ? rng_range(1, 4) : rng_range(5, 40);
                        c.f_shape[1] = rng_chance(20) ? rng_range(1, 4) : rng_range(5, 40);
                        c.f_flags = harness_random_layout(HL_ALL_INPUT);
                        c.g_flags = harness_random_layout(HL_ALL_INPUT & ~HL_ZERO);
                        c.h_flags = harness_random_layout(HL_ALL_OUTPUT);
                        c.use_fill = rep % 2 == 0;
                        c.gen = random_values(dt);
                        c.g_kind = rep == 5 ? KK_NEAR_RANK1
                                   : rep == 4 && !ref_is_int(dt) ? KK_RANK1_SPECK
                                                                 : KK_RANK1;
                        run_case(&c);
                    }
}

/* Kernels of the small-kernel core (1, 3 or 5 rows by 1, 3 or 5 columns;
 * kernels.h) and neighbours that are not (2, 4): every real float output
 * bit for bit in the cores' order of operations, so the small core and the
 * blocked or portable core give the same bits; integers (computed in float
 * by the same cores, or wrapping) exactly.  Images narrower and wider than
 * a strip of vectors, taller than a task's rows, any layout. */
static void test_small_kernels(void)
{
    static const int dts[] = {NDKERN_FLOAT32, NDKERN_FLOAT64, NDKERN_UINT8, NDKERN_INT16,
                              NDKERN_INT32};
    static const int64_t extents[] = {1, 2, 3, 4, 5};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
        for (size_t a = 0; a < 5; a++)
            for (size_t b = 0; b < 5; b++)
                for (int rep = 0; rep < 6; rep++) {
                    struct conv_case c;
                    memset(&c, 0, sizeof c);
                    c.correlate = rep % 2;
                    c.dt = dts[d];
                    c.mode = rep % 3;
                    c.boundary = (int)rng_below(3);
                    c.g_shape[0] = extents[a];
                    c.g_shape[1] = extents[b];
                    c.f_shape[0] = rep == 5 ? rng_range(33, 90) : rng_range(1, 20);
                    c.f_shape[1] = rng_chance(50) ? rng_range(1, 40) : rng_range(40, 150);
                    c.f_flags = harness_random_layout(HL_ALL_INPUT);
                    /* (no broadcast g: rank 1, maybe two passes) */
                    c.g_flags = harness_random_layout(HL_ALL_INPUT & ~HL_ZERO);
                    c.h_flags = rng_chance(50) ? 0 : harness_random_layout(HL_ALL_OUTPUT);
                    c.use_fill = rng_chance(50);
                    c.gen = random_values(c.dt);
                    c.in_core_order = !ref_is_int(c.dt);
                    run_case(&c);
                }
}

/* ---------------------------------------------------------------- by hand */

/*
 * Values computed by hand from SciPy's definitions (and matching SciPy's
 * output).  They are checked against the reference too, so a mistake in the
 * reference cannot silently agree with the same mistake in the library.
 */
struct hand_case {
    int correlate, mode, boundary;
    int64_t f_shape[2], g_shape[2];
    int64_t f[8], g[8];
    int64_t fill;          /* -1: NULL */
    int64_t h_shape[2];
    int64_t h[16];
};

static const struct hand_case hand_cases[] = {
    /* correlate2d([[1,2,3,4,5]], [[1,10]], 'same'): c = (K-1)>>1 = 0 */
    {1, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, {1, 5}, {1, 2}, {1, 2, 3, 4, 5}, {1, 10}, -1,
     {1, 5}, {21, 32, 43, 54, 5}},
    /* K = 4: c = 1, so h[0] = 10*1 + 100*2 + 1000*3 */
    {1, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, {1, 5}, {1, 4}, {1, 2, 3, 4, 5},
     {1, 10, 100, 1000}, -1, {1, 5}, {3210, 4321, 5432, 543, 54}},
    {1, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, {1, 5}, {1, 4}, {1, 2, 3, 4, 5},
     {1, 10, 100, 1000}, -1, {1, 8}, {1000, 2100, 3210, 4321, 5432, 543, 54, 5}},
    /* Kernel longer than the image: extension past one period. */
    {0, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, {1, 3}, {1, 8}, {1, 2, 3},
     {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000}, -1, {1, 3},
     {31231231, 12312312, 23123123}},
    {0, NDKERN_MODE_SAME, NDKERN_BOUNDARY_SYMM, {1, 3}, {1, 8}, {1, 2, 3},
     {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000}, -1, {1, 3},
     {33211233, 32112332, 21123321}},
    {0, NDKERN_MODE_FULL, NDKERN_BOUNDARY_SYMM, {1, 3}, {1, 8}, {1, 2, 3},
     {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000}, -1, {1, 10},
     {11233211, 12332112, 23321123, 33211233, 32112332, 21123321, 11233211, 12332112,
      23321123, 33211233}},
    /* 2-D with a fill value of 5 */
    {0, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, {2, 2}, {2, 2}, {1, 2, 3, 4},
     {1, 10, 100, 1000}, 5, {2, 2}, {5551, 5512, 5153, 1234}},
    {1, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, {2, 2}, {2, 2}, {1, 2, 3, 4},
     {1, 10, 100, 1000}, 5, {2, 2}, {4321, 5452, 5543, 5554}},
    {1, NDKERN_MODE_FULL, NDKERN_BOUNDARY_WRAP, {2, 3}, {2, 2}, {1, 2, 3, 4, 5, 6},
     {1, 10, 100, 1000}, -1, {3, 4},
     {1346, 2154, 3265, 1346, 4613, 5421, 6532, 4613, 1346, 2154, 3265, 1346}},
    /* valid, g larger: swapped; convolution is commutative, correlation is
     * reversed: correlate2d([[1,2]], [[1,10,100]], 'valid') */
    {0, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, {1, 2}, {1, 3}, {1, 2}, {1, 10, 100}, -1,
     {1, 2}, {12, 120}},
    {1, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, {1, 2}, {1, 3}, {1, 2}, {1, 10, 100}, -1,
     {1, 2}, {210, 21}},
};

static void check_hand_case(const struct hand_case *hc, int dt)
{
    size_t es = (size_t)ref_dtypes[dt].size;
    unsigned char f[8 * 16], g[8 * 16], fill[16], h[16 * 16];
    int64_t fst[2], gst[2], hst[2];
    int64_t nf = hc->f_shape[0] * hc->f_shape[1], ng = hc->g_shape[0] * hc->g_shape[1];
    int64_t nh = hc->h_shape[0] * hc->h_shape[1], ref_shape[2] = {-1, -1};
    int swapped, bad_ref = 0, bad_lib = 0, rc;
    struct ref_operand fo, go;

    for (int64_t i = 0; i < nf; i++)
        ref_store_int(f + i * (int64_t)es, dt, (uint64_t)hc->f[i]);
    for (int64_t i = 0; i < ng; i++)
        ref_store_int(g + i * (int64_t)es, dt, (uint64_t)hc->g[i]);
    ref_store_int(fill, dt, (uint64_t)hc->fill);
    fst[0] = hc->f_shape[1] * (int64_t)es;
    gst[0] = hc->g_shape[1] * (int64_t)es;
    hst[0] = hc->h_shape[1] * (int64_t)es;
    fst[1] = gst[1] = hst[1] = (int64_t)es;
    memset(h, 0xEE, sizeof h);
    harness_set_context("hand-computed %s %s mode %s boundary %s f [%" PRId64 ",%" PRId64
                        "] g [%" PRId64 ",%" PRId64 "]", function_names[hc->correlate],
                        dtype_name(dt), mode_name(hc->mode), boundary_name(hc->boundary),
                        hc->f_shape[0], hc->f_shape[1], hc->g_shape[0], hc->g_shape[1]);

    /* The reference agrees with the hand-computed values. */
    CHECK(ref_conv2d_shape(hc->f_shape, hc->g_shape, hc->mode, hc->boundary, ref_shape,
                           &swapped) == NDKERN_OK);
    CHECK(ref_shape[0] == hc->h_shape[0] && ref_shape[1] == hc->h_shape[1]);
    memcpy(fo.shape, hc->f_shape, sizeof fo.shape);
    memcpy(go.shape, hc->g_shape, sizeof go.shape);
    memcpy(fo.strides, fst, sizeof fst);
    memcpy(go.strides, gst, sizeof gst);
    fo.data = f;
    go.data = g;
    for (int64_t i = 0; i < nh; i++) {
        struct ref_value want = ref_conv2d_at(hc->correlate, fo, go, dt, hc->mode, hc->boundary,
                                              hc->fill < 0 ? NULL : fill, swapped, hc->h_shape,
                                              i / hc->h_shape[1], i % hc->h_shape[1]);
        bad_ref += want.bits != (uint64_t)hc->h[i];
    }
    CHECKF(bad_ref == 0, "the REFERENCE disagrees with %d hand-computed values", bad_ref);

    /* And so does the library. */
    rc = functions[hc->correlate](f, hc->f_shape, fst, g, hc->g_shape, gst, h, hc->h_shape,
                                  hst, dt, hc->mode, hc->boundary, hc->fill < 0 ? NULL : fill);
    if (CHECK_STATUS(rc, NDKERN_OK)) {
        for (int64_t i = 0; i < nh; i++)
            if (ref_load_int(h + i * (int64_t)es, dt) != (uint64_t)hc->h[i]) {
                if (bad_lib++ == 0)
                    printf("     h[%" PRId64 "] = %" PRId64 ", by hand %" PRId64 "\n", i,
                           (int64_t)ref_load_int(h + i * (int64_t)es, dt), hc->h[i]);
            }
        CHECKF(bad_lib == 0, "%d outputs differ from the hand-computed values", bad_lib);
    }
}

/* Complex: the kernel is conjugated; the swapped correlation conjugates
 * (SciPy's in2.conj() after the swap) the first input and is reversed:
 * correlate2d([[1+2j, 3-1j]], [[1j, 2, 3+1j]], 'valid') = [[10+2j, 8+3j]]
 * correlate2d([[1j, 2, 3+1j]], [[1+2j, 3-1j]], 'valid') = [[8+3j, 10+2j]] */
static void check_hand_complex(void)
{
    static const double a[4] = {1, 2, 3, -1}, b[6] = {0, 1, 2, 0, 3, 1};
    static const double want_ab[4] = {10, 2, 8, 3}, want_ba[4] = {8, 3, 10, 2};
    int64_t as[2] = {1, 2}, bs[2] = {1, 3}, hs[2] = {1, 2};
    int64_t ast[2] = {32, 16}, bst[2] = {48, 16}, hst[2] = {32, 16};
    double h[4];
    for (int order = 0; order < 2; order++) {
        const double *f = order ? b : a, *g = order ? a : b, *want = order ? want_ba : want_ab;
        const int64_t *fs = order ? bs : as, *gs = order ? as : bs;
        const int64_t *fst = order ? bst : ast, *gst = order ? ast : bst;
        int64_t ref_shape[2];
        int swapped, bad = 0;
        struct ref_operand fo = {(const unsigned char *)f, {fs[0], fs[1]}, {fst[0], fst[1]}};
        struct ref_operand go = {(const unsigned char *)g, {gs[0], gs[1]}, {gst[0], gst[1]}};
        harness_set_context("hand-computed complex128 correlate2d valid, order %d", order);
        CHECK(ref_conv2d_shape(fs, gs, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, ref_shape,
                               &swapped) == NDKERN_OK);
        for (int n = 0; n < 2; n++) {
            struct ref_value r = ref_conv2d_at(1, fo, go, NDKERN_COMPLEX128, NDKERN_MODE_VALID,
                                               NDKERN_BOUNDARY_FILL, NULL, swapped, hs, 0, n);
            bad += r.re != want[2 * n] || r.im != want[2 * n + 1];
        }
        CHECKF(bad == 0, "the REFERENCE disagrees with the hand-computed values");
        memset(h, 0, sizeof h);
        if (CHECK_STATUS(ndkern_correlate2d(f, fs, fst, g, gs, gst, h, hs, hst,
                                            NDKERN_COMPLEX128, NDKERN_MODE_VALID,
                                            NDKERN_BOUNDARY_FILL, NULL), NDKERN_OK))
            CHECKF(memcmp(h, want, sizeof h) == 0, "got [(%g,%g), (%g,%g)]", h[0], h[1],
                   h[2], h[3]);
    }
}

static void test_hand_computed(void)
{
    static const int dts[] = {NDKERN_INT32, NDKERN_INT64, NDKERN_UINT32, NDKERN_UINT64};
    for (size_t i = 0; i < sizeof hand_cases / sizeof hand_cases[0]; i++)
        for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
            check_hand_case(&hand_cases[i], dts[d]);
    check_hand_complex();
}

/* ---------------------------------------------------------------- threads */

/* Large inputs at 1, 2 and 3 threads: bit-identical results, and a sample
 * of outputs checked against the reference. */
struct thread_spec {
    int correlate, dt, mode, boundary;
    int64_t f_shape[2], g_shape[2];
    unsigned f_flags;
    int g_kind;
};

static void thread_case(const struct thread_spec *spec)
{
    const int correlate = spec->correlate, dt = spec->dt;
    const int mode = spec->mode, boundary = spec->boundary, g_kind = spec->g_kind;
    const int64_t *fs = spec->f_shape, *gs = spec->g_shape;
    int64_t hs[2], zero = 0;
    harness_array f, g, h[N_THREAD_COUNTS], fill;
    struct value_gen gen = random_values(dt);
    int swapped;

    CHECK(ref_conv2d_shape(fs, gs, mode, boundary, hs, &swapped) == NDKERN_OK);
    harness_array_init(&f, 2, fs, (size_t)ref_dtypes[dt].size, spec->f_flags);
    harness_array_init(&g, 2, gs, (size_t)ref_dtypes[dt].size, 0);
    harness_array_init(&fill, 0, &zero, (size_t)ref_dtypes[dt].size, 0);
    fill_array(&f, dt, &gen);
    fill_array(&g, dt, &gen);
    if (g_kind != KK_RANDOM)
        make_rank1(&g, dt, g_kind);
    fill_array(&fill, dt, &gen);
    harness_set_context("threads: %s %s %" PRId64 "x%" PRId64 " * %" PRId64 "x%" PRId64
                        "%s mode %s boundary %s", function_names[correlate], dtype_name(dt),
                        fs[0], fs[1], gs[0], gs[1], g_kind == KK_RANK1 ? " rank 1" : "",
                        mode_name(mode),
                        boundary_name(boundary));
    for (int t = 0; t < N_THREAD_COUNTS; t++) {
        harness_array_init(&h[t], 2, hs, (size_t)ref_dtypes[dt].size, 0);
        CHECK_STATUS(ndkern_set_num_threads(thread_counts[t]), NDKERN_OK);
        CHECK_STATUS(functions[correlate](f.data, fs, f.strides, g.data, gs, g.strides,
                                          h[t].data, hs, h[t].strides, dt, mode, boundary,
                                          fill.data), NDKERN_OK);
        if (t > 0)
            CHECKF(same_elements(&h[0], &h[t]), "results with %d threads differ from "
                   "1 thread", thread_counts[t]);
    }
    CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
    compare_conv(correlate, &f, &g, &h[0], dt, mode, boundary, fill.data, swapped, 3000);
    for (int t = 0; t < N_THREAD_COUNTS; t++)
        harness_array_free(&h[t]);
    harness_array_free(&f);
    harness_array_free(&g);
    harness_array_free(&fill);
}

static void test_threads(void)
{
    static const struct thread_spec specs[] = {
        {0, NDKERN_FLOAT64, NDKERN_MODE_SAME, NDKERN_BOUNDARY_SYMM, {1200, 1100}, {7, 6}, 0,
         KK_RANDOM},
        {0, NDKERN_FLOAT32, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, {1100, 1200}, {5, 5},
         HL_MISALIGN, KK_RANDOM},
        {1, NDKERN_FLOAT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, {1000, 1000}, {8, 8},
         HL_TRANSPOSE, KK_RANDOM},
        {1, NDKERN_COMPLEX64, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, {700, 900}, {5, 4}, 0,
         KK_RANDOM},
        {0, NDKERN_INT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, {1000, 1000}, {5, 5}, 0,
         KK_RANDOM},
        {1, NDKERN_FLOAT64, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, {9, 9}, {1200, 1000}, 0,
         KK_RANDOM},
        /* Separable kernels: two passes. */
        {0, NDKERN_FLOAT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, {1000, 1000}, {9, 9}, 0,
         KK_RANK1},
        {1, NDKERN_FLOAT64, NDKERN_MODE_FULL, NDKERN_BOUNDARY_SYMM, {1100, 900}, {7, 11},
         HL_TRANSPOSE, KK_RANK1},
        {0, NDKERN_INT64, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, {1000, 1000}, {9, 9},
         HL_MISALIGN, KK_RANK1},
        {1, NDKERN_UINT16, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, {1000, 800}, {5, 6}, 0,
         KK_RANK1},
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        thread_case(&specs[i]);
}

/* ---------------------------------------------------------------- errors */

struct conv_args {
    const void *f;
    const int64_t *f_shape, *f_strides;
    const void *g;
    const int64_t *g_shape, *g_strides;
    void *h;
    const int64_t *h_shape, *h_strides;
    int dtype, mode, boundary;
    const void *fill;
};

/* Both functions return `want` and change none of the guarded buffers. */
static void expect_error(int want, const char *what, harness_array *const guards[3],
                         struct conv_args a)
{
    for (int correlate = 0; correlate < 2; correlate++) {
        int rc;
        harness_set_context("%s error path: %s (%s, mode %d, boundary %d)",
                            function_names[correlate], what, dtype_name(a.dtype), a.mode,
                            a.boundary);
        for (int i = 0; i < 3; i++)
            harness_array_snapshot(guards[i]);
        rc = functions[correlate](a.f, a.f_shape, a.f_strides, a.g, a.g_shape, a.g_strides,
                                  a.h, a.h_shape, a.h_strides, a.dtype, a.mode, a.boundary,
                                  a.fill);
        CHECK_STATUS(rc, want);
        CHECK_UNCHANGED(guards[2], "h after an error");
        CHECK_UNCHANGED(guards[0], "f after an error");
        CHECK_UNCHANGED(guards[1], "g after an error");
    }
}

static void test_errors(void)
{
    static const int bad_dtypes[] = {-1, 12, 13, -2147483647 - 1, 2147483647};
    static const int bad_codes[] = {-1, 3, 4, -2147483647 - 1, 2147483647};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        size_t es = (size_t)ref_dtypes[dt].size;
        int64_t fs[2] = {6, 5}, gs[2] = {3, 2}, hs[2] = {8, 6}, bad[2], st[2];
        harness_array f, g, h;
        harness_array *guards[3] = {&f, &g, &h};
        struct conv_args ok, a;
        unsigned char fill[16] = {0};
        harness_array_init(&f, 2, fs, es, 0);
        harness_array_init(&g, 2, gs, es, 0);
        harness_array_init(&h, 2, hs, es, 0);
        ok = (struct conv_args){f.data, fs, f.strides, g.data, gs, g.strides, h.data, hs,
                                h.strides, dt, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, fill};

        a = ok; a.f = NULL;
        expect_error(NDKERN_EINVAL, "f NULL", guards, a);
        a = ok; a.g = NULL;
        expect_error(NDKERN_EINVAL, "g NULL", guards, a);
        a = ok; a.h = NULL;
        expect_error(NDKERN_EINVAL, "h NULL", guards, a);
        a = ok; a.f_shape = NULL;
        expect_error(NDKERN_EINVAL, "f_shape NULL", guards, a);
        a = ok; a.g_strides = NULL;
        expect_error(NDKERN_EINVAL, "g_strides NULL", guards, a);
        a = ok; a.h_shape = NULL;
        expect_error(NDKERN_EINVAL, "h_shape NULL", guards, a);
        a = ok; a.h_strides = NULL;
        expect_error(NDKERN_EINVAL, "h_strides NULL", guards, a);
        bad[0] = -6;
        bad[1] = 5;
        a = ok; a.f_shape = bad;
        expect_error(NDKERN_EINVAL, "negative f extent", guards, a);
        bad[0] = 3;
        bad[1] = -2;
        a = ok; a.g_shape = bad;
        expect_error(NDKERN_EINVAL, "negative g extent", guards, a);
        for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
            a = ok; a.dtype = bad_dtypes[i];
            expect_error(NDKERN_EDTYPE, "unknown dtype", guards, a);
            a = ok; a.mode = bad_codes[i];
            expect_error(NDKERN_EINVAL, "unknown mode", guards, a);
            for (int mode = 0; mode < 3; mode++) {
                int64_t mode_shape[2];
                int swapped;
                ref_conv2d_shape(fs, gs, mode, 0, mode_shape, &swapped);
                a = ok; a.boundary = bad_codes[i]; a.mode = mode; a.h_shape = mode_shape;
                expect_error(NDKERN_EINVAL, "unknown boundary", guards, a);
            }
        }
        /* Output shapes off by one, for each mode. */
        for (int mode = 0; mode < 3; mode++)
            for (int axis = 0; axis < 2; axis++)
                for (int delta = -1; delta <= 1; delta += 2) {
                    int swapped;
                    ref_conv2d_shape(fs, gs, mode, 0, bad, &swapped);
                    bad[axis] += delta;
                    a = ok; a.mode = mode; a.h_shape = bad;
                    expect_error(NDKERN_ESHAPE, "output shape off by one", guards, a);
                }
        {
            int64_t valid_wrong[2] = {5, 2};      /* valid is [4,4] */
            a = ok; a.mode = NDKERN_MODE_VALID; a.h_shape = valid_wrong;
            expect_error(NDKERN_ESHAPE, "valid output [5,2] for [6,5] x [3,2]", guards, a);
            a = ok; a.mode = NDKERN_MODE_SAME; a.h_shape = gs;
            expect_error(NDKERN_ESHAPE, "same output with g's shape", guards, a);
        }
        /* Valid mode, neither input contains the other. */
        {
            int64_t f2[2] = {6, 2}, g2[2] = {3, 4}, h2[2] = {4, 3};
            a = ok; a.mode = NDKERN_MODE_VALID; a.f_shape = f2; a.g_shape = g2; a.h_shape = h2;
            expect_error(NDKERN_ESHAPE, "valid, [6,2] vs [3,4]", guards, a);
            a.f_shape = g2; a.g_shape = f2;
            expect_error(NDKERN_ESHAPE, "valid, [3,4] vs [6,2]", guards, a);
        }
        /* WRAP/SYMM with an empty f and a non-empty output. */
        for (int boundary = 1; boundary < 3; boundary++) {
            int64_t empty[2] = {0, 5}, full_shape[2] = {2, 6};
            a = ok; a.f = NULL; a.f_shape = empty; a.boundary = boundary;
            a.h_shape = full_shape;
            expect_error(NDKERN_ESHAPE, "empty f, full, wrap/symm", guards, a);
        }
        /* Zero output strides on an axis of extent > 1. */
        st[0] = 0;
        st[1] = h.strides[1];
        a = ok; a.h_strides = st;
        expect_error(NDKERN_EINVAL, "zero h stride on axis 0", guards, a);
        st[0] = h.strides[0];
        st[1] = 0;
        expect_error(NDKERN_EINVAL, "zero h stride on axis 1", guards, a);
        harness_array_free(&f);
        harness_array_free(&g);
        harness_array_free(&h);
    }
}

/* NULL pointers are fine with no elements. */
static void test_null_empty(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t fs[2] = {0, 4}, gs[2] = {2, 2}, hs[2] = {0, 4}, st[2] = {64, 16};
        harness_set_context("%s: same mode, f [0,4] NULL, h [0,4] NULL", dtype_name(dt));
        for (int boundary = 0; boundary < 3; boundary++) {
            int64_t gst[2] = {2 * ref_dtypes[dt].size, ref_dtypes[dt].size};
            unsigned char g[64] = {0};
            CHECK_STATUS(convolve2d(NULL, fs, st, g, gs, gst, NULL, hs, st, dt,
                                    NDKERN_MODE_SAME, boundary, NULL), NDKERN_OK);
            CHECK_STATUS(ndkern_correlate2d(NULL, fs, st, g, gs, gst, NULL, hs, st, dt,
                                            NDKERN_MODE_SAME, boundary, NULL), NDKERN_OK);
        }
    }
}

static void test_overflow(void)
{
    int64_t one[2] = {1, 1};
    harness_array f, g, h;
    harness_array *guards[3] = {&f, &g, &h};
    int dt = NDKERN_FLOAT64;
    harness_array_init(&f, 2, one, 8, 0);
    harness_array_init(&g, 2, one, 8, 0);
    harness_array_init(&h, 2, one, 8, 0);
    {
        int64_t big[2] = {INT64_MAX / 2, 4}, st[2] = {32, 8};
        int64_t hs[2] = {INT64_MAX / 2, 4};
        struct conv_args a = {f.data, big, st, g.data, one, st, h.data, hs, st, dt,
                              NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, NULL};
        expect_error(NDKERN_EOVERFLOW, "f element count overflow", guards, a);
    }
    {
        int64_t big[2] = {INT64_C(1) << 31, INT64_C(1) << 31}, st[2] = {INT64_C(8) << 31, 8};
        int64_t unit[2] = {8, 8};
        struct conv_args a = {f.data, one, unit, g.data, big, st, h.data, one, unit, dt,
                              NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, NULL};
        int64_t hs[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
        a.h_shape = hs;
        a.h_strides = st;
        expect_error(NDKERN_EOVERFLOW, "g byte span overflow (valid, swapped)", guards, a);
    }
    {
        int64_t fs[2] = {3, 3}, st[2] = {INT64_MAX / 2, 8}, unit[2] = {24, 8};
        struct conv_args a = {f.data, fs, st, g.data, one, unit, h.data, fs, unit, dt,
                              NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, NULL};
        expect_error(NDKERN_EOVERFLOW, "f stride span overflow", guards, a);
        a.f_strides = unit;
        a.h_strides = st;
        expect_error(NDKERN_EOVERFLOW, "h stride span overflow", guards, a);
        st[0] = INT64_MIN;
        a.h_strides = st;
        expect_error(NDKERN_EOVERFLOW, "h stride INT64_MIN", guards, a);
    }
    {
        /* The full output shape itself overflows. */
        int64_t fs[2] = {INT64_MAX, 1}, gs[2] = {2, 1}, st[2] = {0, 0}, unit[2] = {8, 8};
        int64_t hs[2] = {INT64_MIN, 1};
        struct conv_args a = {f.data, fs, st, g.data, gs, unit, h.data, hs, unit, dt,
                              NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, NULL};
        int rc;
        for (int i = 0; i < 3; i++)
            harness_array_snapshot(guards[i]);
        harness_set_context("convolve2d full, f [INT64_MAX,1] broadcast, g [2,1]");
        rc = convolve2d(a.f, a.f_shape, a.f_strides, a.g, a.g_shape, a.g_strides, a.h,
                        a.h_shape, a.h_strides, dt, a.mode, a.boundary, NULL);
        CHECKF(rc == NDKERN_EOVERFLOW || rc == NDKERN_ESHAPE || rc == NDKERN_EINVAL,
               "returned %d %s", rc, ndkern_status_name(rc));
        CHECK_UNCHANGED(&h, "h");
    }
    {
        /* Empty kernels of 2^42 and 2^60 rows: every output is an empty
         * sum, 0, and no buffer size is computed from their height (it
         * passed the buffer limit, or overflowed). */
        int64_t gs[2] = {0, 0}, unit[2] = {8, 8};
        for (int i = 0; i < 6; i++) {
            int method = NDKERN_METHOD_DIRECT + i % 3;
            gs[0] = INT64_C(1) << (i < 3 ? 42 : 60);
            harness_set_context("empty kernel [%" PRId64 ", 0], same, method %d", gs[0], method);
            double value = 1.0;
            memcpy(h.data, &value, sizeof value);
            int rc = ndkern_convolve2d_method(f.data, one, unit, NULL, gs, unit, h.data, one,
                                              unit, dt, NDKERN_MODE_SAME,
                                              NDKERN_BOUNDARY_FILL, NULL, 0, method);
            CHECKF(rc == NDKERN_OK, "returned %d %s", rc, ndkern_status_name(rc));
            memcpy(&value, h.data, sizeof value);
            CHECKF(value == 0.0, "h = %g, not 0", value);
        }
    }
    harness_array_free(&f);
    harness_array_free(&g);
    harness_array_free(&h);
}

/* h must not overlap f or g. */
static void test_overlap(void)
{
    static const struct value_gen small = {VS_SMALL, 0, 0};
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        int64_t es = ref_dtypes[dt].size, buf_shape[1] = {256};
        int64_t fs[2] = {4, 4}, gs[2] = {2, 2}, full[2] = {5, 5};
        int64_t fst[2] = {4 * es, es}, gst[2] = {2 * es, es}, hst[2] = {5 * es, es};
        harness_array buf;
        harness_array *guards[3] = {&buf, &buf, &buf};
        unsigned char *base;
        struct conv_args a;
        harness_array_init(&buf, 1, buf_shape, (size_t)es, 0);
        fill_array(&buf, dt, &small);
        base = buf.data + 64 * es;   /* f at base, g at base + 32 elements */
        a = (struct conv_args){base, fs, fst, base + 32 * es, gs, gst, NULL, full, hst, dt,
                               NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, NULL};
        a.h = base;
        expect_error(NDKERN_EOVERLAP, "h == f", guards, a);
        a.h = base + 32 * es;
        expect_error(NDKERN_EOVERLAP, "h == g", guards, a);
        a.h = base - 24 * es;   /* h spans 25 elements: its last one is f[0,0] */
        expect_error(NDKERN_EOVERLAP, "h's last element on f's first", guards, a);
        a.h = base + 15 * es;
        expect_error(NDKERN_EOVERLAP, "h's first element on f's last", guards, a);
        a.h = base + 31 * es + 1;
        expect_error(NDKERN_EOVERLAP, "h one byte into g", guards, a);
        a.h = base - 25 * es + 1;
        expect_error(NDKERN_EOVERLAP, "h's last byte on f's first", guards, a);
        a.h = base + 36 * es - 1;
        expect_error(NDKERN_EOVERLAP, "h's first byte on g's last", guards, a);
        {
            int64_t same[2] = {4, 4};
            int64_t ss[2] = {4 * es, es};
            a.h = base + 2 * es;
            a.h_shape = same;
            a.h_strides = ss;
            a.mode = NDKERN_MODE_SAME;
            expect_error(NDKERN_EOVERLAP, "same mode, h inside f", guards, a);
        }
        {
            /* Adjacent is fine. */
            int rc;
            harness_set_context("convolve2d %s, h right after g", dtype_name(dt));
            rc = convolve2d(base, fs, fst, base + 32 * es, gs, gst, base + 36 * es, full, hst,
                            dt, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, NULL);
            CHECK_STATUS(rc, NDKERN_OK);
        }
        harness_array_free(&buf);
    }
}

static const struct harness_test tests[] = {
    HARNESS_TEST(hand_computed), HARNESS_TEST(random_cases), HARNESS_TEST(moderate),
    HARNESS_TEST(separable), HARNESS_TEST(small_kernels), HARNESS_TEST(null_empty), HARNESS_TEST(errors),
    HARNESS_TEST(overflow), HARNESS_TEST(overlap), HARNESS_TEST(threads),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
