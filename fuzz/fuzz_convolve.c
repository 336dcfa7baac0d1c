/*
 * fuzz_convolve.c -- libFuzzer target for convolve2d and ndkern_correlate2d.
 *
 * Image and kernel shapes (empty ones, kernels larger than the image, now
 * and then a large image that runs on several threads and the wide vector
 * cores), every dtype, mode and boundary, a fill value or NULL, input
 * layouts with broadcast, reversed, padded and overlapping axes, outputs
 * with their own layouts or overlapping an input, wrong output shapes, and
 * hostile arguments (among them kernels and images of 2^60 and more
 * broadcast elements, which no call can compute: it must fail cleanly).
 * Results must equal ref_conv2d_at: integers bit for bit, floats within
 * the tolerance of test_convolve.c, NaN and infinities by class.  Calls go
 * through convolve2d / ndkern_correlate2d or ndkern_convolve2d_method with
 * each method; the FFT's floats get its own rounding bound (finite inputs
 * only: the FFT spreads infinities and NaN), integers NDKERN_EDTYPE.
 */
#include "fuzz.h"

/* Outputs compared in full up to this many reference multiply-adds; past
 * it, a sample of positions. */
#define FULL_CHECK_TERMS 200000
#define SAMPLES 128

/* Any summation order of `terms` products is within ~terms ulps of
 * sum|g||F| (as test_convolve.c). */
static long double conv_tolerance(int dt, const struct ref_value *want)
{
    long double u = ldexpl(1, -ref_dtypes[dt].bits);
    long double terms = (long double)want->terms * (ref_is_complex(dt) ? 2 : 1);
    long double tiny = ref_component_size(dt) == 4 ? FLT_MIN : DBL_MIN;
    return (terms + 4) * u * want->scale + tiny * (terms + 1);
}

struct conv_call {
    int correlate, dt, mode, boundary, swapped;
    long double fft_tol;            /* the FFT method's extra tolerance, or 0 */
    struct fz_array f, g, h;
    unsigned char *fill;            /* its own allocation of one element, or NULL */
    enum fz_numeric numeric;
};

static struct ref_operand operand(const struct fz_world *w, const struct fz_array *a)
{
    struct ref_operand op;
    op.data = a->count > 0 ? fz_in_snapshot(w, a->buf, a->data) : a->data;
    for (int i = 0; i < 2; i++) {
        op.shape[i] = a->shape[i];
        op.strides[i] = a->strides[i];
    }
    return op;
}

static void check_results(const struct fz_world *w, const struct conv_call *c)
{
    const int64_t hh = c->h.shape[0], hw = c->h.shape[1];
    const int64_t terms = c->swapped ? c->f.count : c->g.count;
    const int64_t total = hh * hw;
    const int sampled = total * (terms > 0 ? terms : 1) > FULL_CHECK_TERMS;
    const int64_t count = sampled ? SAMPLES : total;
    for (int64_t s = 0; s < count; s++) {
        int64_t m = sampled ? (int64_t)(fz_rng() % (uint64_t)hh) : s / hw;
        int64_t n = sampled ? (int64_t)(fz_rng() % (uint64_t)hw) : s % hw;
        struct ref_value want = ref_conv2d_at(c->correlate, operand(w, &c->f),
                                              operand(w, &c->g), c->dt, c->mode, c->boundary,
                                              c->fill, c->swapped, c->h.shape, m, n);
        int64_t index[2] = {m, n};
        FZ_CHECK_VALUE(c->dt, fz_at(&c->h, index), &want,
                       conv_tolerance(c->dt, &want) + c->fft_tol,
                       c->numeric, "%s %s mode %d boundary %d%s, h[%" PRId64 ",%" PRId64 "]",
                       c->correlate ? "correlate2d" : "convolve2d", ref_dtypes[c->dt].name,
                       c->mode, c->boundary, c->fill ? "" : " (NULL fill)", m, n);
    }
}

/* The FFT's rounding is relative to ||P||_2 ||W||_2 (P the extended image,
 * W the kernel; every value at most the largest of f, g and the fill). */
static long double fft_tolerance(const struct conv_call *c)
{
    long double largest = 0;
    const int uses_fill = c->fill && c->boundary == NDKERN_BOUNDARY_FILL;
    for (int part = 0; uses_fill && part <= ref_is_complex(c->dt); part++)
        largest = fmaxl(largest, 2 * fabsl(ref_load_component(c->fill, c->dt, part)));
    const struct fz_array *arrays[2] = {&c->f, &c->g};
    for (int i = 0; i < 2; i++) {
        int64_t index[2] = {0, 0};
        if (arrays[i]->count > 0)
            do
                for (int part = 0; part <= ref_is_complex(c->dt); part++)
                    largest = fmaxl(largest, 2 * fabsl(ref_load_component(
                                                 fz_at(arrays[i], index), c->dt, part)));
            while (ref_next_index(2, arrays[i]->shape, index));
    }
    const long double taps = fminl((long double)c->f.count, (long double)c->g.count);
    const long double points = (long double)(c->h.shape[0] + c->f.shape[0] + c->g.shape[0]) *
                               (long double)(c->h.shape[1] + c->f.shape[1] + c->g.shape[1]);
    return 8 * ldexpl(1, -ref_dtypes[c->dt].bits) * (log2l(points + 2) + 4) * largest *
           largest * sqrtl(points * taps);
}

/* Largest magnitude whose products and sums of this many terms cannot
 * overflow the compute type (float32 for float32/complex64). */
static long double safe_limit(int dt)
{
    return ref_component_size(dt) == 4 ? ldexpl(1, 40) : ldexpl(1, 400);
}

enum placement { SEPARATE, OVERLAP_F, OVERLAP_G, SAME_BUFFER };

/* A hostile argument of the broadcast kind: inputs of 2^48 to 2^62
 * elements with zero strides, so that the output is small but no machine
 * can hold the packed kernel or do the work: the call must fail cleanly.
 * Only for calls whose output layout fits (same mode keeps h's shape, valid
 * mode keeps an output of at most 4 x 4).  Returns 1 when it applies. */
/* Fills the kernel with an outer product u v^T (the separable path): small
 * factors, or now and then (integers) factors below 2^23, whose products
 * wrap in the narrow types and push large images to the wrapping compute
 * types.
 * Broadcast or overlapping layouts may break the rank 1; the result must
 * be right either way.  Returns the numeric class of the kernel. */
static enum fz_numeric fill_rank1(struct fz_array *g, int dt, long double limit)
{
    enum { MAX_SIDE = 64 };
    int64_t u[MAX_SIDE], v[MAX_SIDE], index[2] = {0, 0};
    enum fz_numeric worst = FZ_EXACT;
    if (g->count == 0 || g->shape[0] > MAX_SIDE || g->shape[1] > MAX_SIDE)
        return worst;
    const int wide = ref_is_int(dt) && fz_rng() % 4 == 0;
    for (int64_t i = 0; i < g->shape[0]; i++)
        u[i] = wide ? (int64_t)(fz_rng() % (1u << 24)) - (1 << 23) : (int64_t)(fz_rng() % 7) - 3;
    for (int64_t i = 0; i < g->shape[1]; i++)
        v[i] = wide ? (int64_t)(fz_rng() % (1u << 24)) - (1 << 23) : (int64_t)(fz_rng() % 9) - 4;
    do {
        unsigned char *p = fz_at(g, index);
        if (ref_is_int(dt)) {
            ref_store_int(p, dt, (uint64_t)u[index[0]] * (uint64_t)v[index[1]]);
        } else {
            ref_store_component(p, dt, 0, (long double)(u[index[0]] * v[index[1]]));
            if (ref_is_complex(dt))
                ref_store_component(p, dt, 1, 0.0L);
        }
    } while (ref_next_index(2, g->shape, index));
    do
        worst = fz_worse(worst, fz_classify(fz_at(g, index), dt, limit));
    while (ref_next_index(2, g->shape, index));
    return worst;
}

static int huge_broadcast(struct fz_input *in, const struct conv_call *c, int base,
                          int64_t *f_shape, int64_t *f_strides, int64_t *g_shape,
                          int64_t *g_strides, const int64_t *h_shape, int *mode)
{
    const int64_t log0 = fz_below(in, 32), log1 = 48 - log0 + fz_below(in, 15);
    const int64_t big0 = INT64_C(1) << log0, big1 = INT64_C(1) << log1;
    if (base != NDKERN_OK || c->h.count == 0)
        return 0;
    if (c->mode == NDKERN_MODE_SAME) { /* the kernel is huge */
        g_shape[0] = big0;
        g_shape[1] = big1;
        g_strides[0] = g_strides[1] = 0;
        return 1;
    }
    if (h_shape[0] > 4 || h_shape[1] > 4)
        return 0;
    *mode = NDKERN_MODE_VALID; /* both inputs huge, the output h_shape */
    f_shape[0] = big0 + h_shape[0] - 1;
    f_shape[1] = big1 + h_shape[1] - 1;
    f_strides[0] = f_strides[1] = 0;
    g_shape[0] = big0;
    g_shape[1] = big1;
    g_strides[0] = g_strides[1] = 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    struct fz_world w = {0};
    struct conv_call c;
    int64_t f_shape[2], g_shape[2], h_shape[2];

    fz_case = "convolve2d";
    fz_begin(&in);
    memset(&c, 0, sizeof c);
    c.correlate = (int)fz_below(&in, 2);
    c.dt = (int)fz_below(&in, REF_NDTYPES);
    c.mode = (int)fz_below(&in, 3);
    c.boundary = (int)fz_below(&in, 3);
    if (c.correlate)
        fz_case = "ndkern_correlate2d";
    if (fz_chance(&in, 3)) { /* large: threads, wide vector cores; tall: FFT strips */
        fz_shape(&in, 2, f_shape, fz_chance(&in, 15) ? 2600 : 200, 40000);
        fz_shape(&in, 2, g_shape, 12, 144);
    } else {
        fz_shape(&in, 2, f_shape, 24, 576);
        fz_shape(&in, 2, g_shape, fz_chance(&in, 20) ? 24 : 7, 576);
    }
    int base = ref_conv2d_shape(f_shape, g_shape, c.mode, c.boundary, h_shape, &c.swapped);
    if (base == NDKERN_ESHAPE && (h_shape[0] < 0 || h_shape[1] < 0 || c.mode == NDKERN_MODE_VALID))
        h_shape[0] = h_shape[1] = (int64_t)fz_below(&in, 3);
    for (int i = 0; i < 2; i++)
        if (h_shape[i] < 0) /* full mode of an empty input: accepted either way */
            h_shape[i] = 0;
    if (base == NDKERN_OK && fz_chance(&in, 4)) { /* a wrong output shape */
        h_shape[fz_below(&in, 2)] += fz_chance(&in, 50) ? 1 : -1;
        if (h_shape[0] >= 0 && h_shape[1] >= 0)
            base = NDKERN_ESHAPE;
        else
            h_shape[0] = h_shape[1] = 0, base = REF_UNDEFINED;
    }

    const int64_t itemsize = ref_dtypes[c.dt].size;
    fz_layout(&in, &c.f, 2, f_shape, itemsize, 1);
    fz_layout(&in, &c.g, 2, g_shape, itemsize, 1);
    fz_layout(&in, &c.h, 2, h_shape, itemsize, 0);
    unsigned p = (unsigned)fz_below(&in, 10);
    enum placement placement = p == 7 ? OVERLAP_F : p == 8 ? OVERLAP_G
                             : p == 9 ? SAME_BUFFER : SEPARATE;
    if (placement == SEPARATE) {
        fz_place(&in, &w, (struct fz_array *[]){&c.f}, 1, 0);
        fz_place(&in, &w, (struct fz_array *[]){&c.g}, 1, 0);
        fz_place(&in, &w, (struct fz_array *[]){&c.h}, 1, 0);
    } else if (placement == SAME_BUFFER) {
        fz_place(&in, &w, (struct fz_array *[]){&c.f, &c.g, &c.h}, 3, 0);
    } else {
        struct fz_array *shared = placement == OVERLAP_F ? &c.f : &c.g;
        struct fz_array *other = placement == OVERLAP_F ? &c.g : &c.f;
        fz_place(&in, &w, (struct fz_array *[]){shared, &c.h}, 2, 1);
        fz_place(&in, &w, (struct fz_array *[]){other}, 1, 0);
    }
    const long double limit = safe_limit(c.dt);
    c.numeric = fz_fill(&c.f, c.dt, (enum fz_style)fz_below(&in, FZ_NSTYLES), limit);
    const enum fz_style g_style = (enum fz_style)fz_below(&in, FZ_NSTYLES);
    c.numeric = fz_worse(c.numeric, fz_chance(&in, 25) ? fill_rank1(&c.g, c.dt, limit)
                                                        : fz_fill(&c.g, c.dt, g_style, limit));
    if (!fz_chance(&in, 30)) {
        c.fill = malloc((size_t)itemsize);
        fz_element(c.fill, c.dt, (enum fz_style)fz_below(&in, FZ_NSTYLES));
        if (c.boundary == NDKERN_BOUNDARY_FILL)
            c.numeric = fz_worse(c.numeric, fz_classify(c.fill, c.dt, limit));
    }

    /* What a correct library returns, and the arguments as passed (heap
     * arrays of exactly two entries). */
    struct fz_expect expect = fz_conv_expect(&c.f, &c.g, &c.h, base);
    struct fz_array *arrays[3] = {&c.f, &c.g, &c.h};
    int64_t *arg_shape[3], *arg_strides[3];
    void *ptr[3];
    int arg_dtype = c.dt, arg_mode = c.mode, arg_boundary = c.boundary;
    struct fz_call call;
    fz_conv_call(&call, arrays, ptr, arg_shape, arg_strides, &arg_dtype, &arg_mode,
                 &arg_boundary, base == NDKERN_OK);

    /* Hostile arguments: one of fz_spoil's kinds, or inputs too large for
     * any machine (huge_broadcast). */
    enum { HUGE_BROADCAST = FZ_HOSTILITIES };
    int hostile = fz_chance(&in, 12) ? (int)fz_below(&in, HUGE_BROADCAST + 1) : -1;
    if (hostile == HUGE_BROADCAST) {
        if (huge_broadcast(&in, &c, base, arg_shape[0], arg_strides[0], arg_shape[1],
                           arg_strides[1], arg_shape[2], &arg_mode))
            expect = (struct fz_expect){FZ_ANY_ERROR, 0};
        else
            hostile = -1;
    } else if (hostile >= 0) {
        hostile = fz_spoil(&in, &call, hostile, &expect);
    }

    /* 0: convolve2d / ndkern_correlate2d, else ndkern_convolve2d_method
     * with method - 1 (drawn last: older inputs keep their meaning). */
    const int method = (int)fz_below(&in, 4);
    if (method - 1 != NDKERN_METHOD_DIRECT && method > 0 && !ref_is_int(c.dt)) {
        c.fft_tol = fft_tolerance(&c);
        if (c.numeric != FZ_EXACT)
            c.numeric = FZ_UNCHECKED;
    }
    if (method - 1 == NDKERN_METHOD_FFT && ref_is_int(c.dt)) /* checked before the rest */
        expect = (struct fz_expect){NDKERN_EDTYPE, 0};
    fz_snapshot(&w);
    int (*function)(const void *, const int64_t *, const int64_t *, const void *,
                    const int64_t *, const int64_t *, void *, const int64_t *,
                    const int64_t *, int, int, int, const void *) =
        c.correlate ? ndkern_correlate2d : convolve2d;
    int rc = method == 0
                 ? function(ptr[0], arg_shape[0], arg_strides[0], ptr[1], arg_shape[1],
                            arg_strides[1], ptr[2], arg_shape[2], arg_strides[2], arg_dtype,
                            arg_mode, arg_boundary, c.fill)
                 : ndkern_convolve2d_method(ptr[0], arg_shape[0], arg_strides[0], ptr[1],
                                            arg_shape[1], arg_strides[1], ptr[2], arg_shape[2],
                                            arg_strides[2], arg_dtype, arg_mode, arg_boundary,
                                            c.fill, c.correlate, method - 1);
    FZ_CHECK_STATUS(expect, rc, hostile, "%s %s mode %d boundary %d method %d; f %" PRId64
                    "x%" PRId64 ", g %" PRId64 "x%" PRId64 ", h %" PRId64 "x%" PRId64 "\n",
                    fz_case, ref_dtypes[c.dt].name, c.mode, c.boundary, method - 1, f_shape[0],
                    f_shape[1], g_shape[0], g_shape[1], h_shape[0], h_shape[1]);
    if (rc == NDKERN_OK && hostile != HUGE_BROADCAST) {
        check_results(&w, &c);
        fz_mark_written(&w, &c.h);
    }
    fz_check_untouched(&w, rc == NDKERN_OK ? "after success" : "after an error");

    fz_call_free(&call);
    free(c.fill);
    fz_free(&w);
    return 0;
}
