/*
 * test_batched.c -- ndkern_convolve2d_batched against a loop of 2-D
 * ndkern_convolve2d_method calls (bit for bit) and, for integers, against
 * the scalar reference: random stacks with every kind of broadcasting
 * (missing axes, extent 1, zero strides, h larger than the inputs'
 * broadcast), layouts, dtypes, modes, boundaries and methods; stacks of
 * small and large images bit-identical for 1, 2 and 3 threads; every error
 * path with all three arrays untouched; empty stacks.
 */
#include "common.h"

#define PROGRAM "test_batched"

/* At most this many batch axes in the random cases. */
#define MAX_BATCH_AXES 3

/* One call: the arrays' shapes and layouts and the codes. */
struct stack_case {
    int correlate, dt, mode, boundary, method;
    int f_ndim, g_ndim, h_ndim;
    int64_t f_shape[MAX_BATCH_AXES + 2], g_shape[MAX_BATCH_AXES + 2];
    int64_t h_shape[MAX_BATCH_AXES + 2];
    unsigned f_flags, g_flags, h_flags;
};

static const char *const method_names[3] = {"direct", "fft", "auto"};

static void describe(const struct stack_case *c)
{
    char fs[256], gs[256], hs[256];
    harness_set_context("batched %s %s mode %d boundary %d method %s: f %s, g %s, h %s",
                        c->correlate ? "correlate" : "convolve", dtype_name(c->dt), c->mode,
                        c->boundary, method_names[c->method],
                        harness_format_dims(fs, sizeof fs, c->f_ndim, c->f_shape),
                        harness_format_dims(gs, sizeof gs, c->g_ndim, c->g_shape),
                        harness_format_dims(hs, sizeof hs, c->h_ndim, c->h_shape));
}

/* Element [index] of the 2-D core of a at h's batch index `batch` (h has
 * h_ndim - 2 batch axes; a's are aligned from the right and broadcast where
 * their extent is 1).  NULL for an empty array with a NULL base. */
static const unsigned char *image_at(const harness_array *a, int h_ndim, const int64_t *batch)
{
    const int missing = h_ndim - a->ndim;
    int64_t offset = 0;
    if (a->data == NULL)
        return NULL;
    for (int axis = 0; axis < a->ndim - 2; axis++)
        if (a->shape[axis] != 1)
            offset += batch[axis + missing] * a->strides[axis];
    return a->data + offset;
}

static int call_batched(const struct stack_case *c, const harness_array *f,
                        const harness_array *g, harness_array *h, const void *fill)
{
    return ndkern_convolve2d_batched(f->data, f->ndim, f->shape, f->strides, g->data, g->ndim,
                                     g->shape, g->strides, h->data, h->ndim, h->shape,
                                     h->strides, c->dt, c->mode, c->boundary, fill,
                                     c->correlate, c->method);
}

/* Integers: image `batch` of h equals the scalar reference exactly. */
static void check_reference(const struct stack_case *c, const harness_array *f,
                            const harness_array *g, const harness_array *h, const void *fill,
                            const int64_t *batch)
{
    const int64_t *core = h->shape + h->ndim - 2;
    struct ref_operand fo = {image_at(f, h->ndim, batch), {0}, {0}};
    struct ref_operand go = {image_at(g, h->ndim, batch), {0}, {0}};
    int64_t f_core[2], g_core[2], unused[2];
    int swapped;
    for (int i = 0; i < 2; i++) {
        fo.shape[i] = f_core[i] = f->shape[f->ndim - 2 + i];
        fo.strides[i] = f->strides[f->ndim - 2 + i];
        go.shape[i] = g_core[i] = g->shape[g->ndim - 2 + i];
        go.strides[i] = g->strides[g->ndim - 2 + i];
    }
    ref_conv2d_shape(f_core, g_core, c->mode, c->boundary, unused, &swapped);
    const unsigned char *out = image_at(h, h->ndim, batch);
    for (int64_t m = 0; m < core[0]; m++)
        for (int64_t n = 0; n < core[1]; n++) {
            struct ref_value want = ref_conv2d_at(c->correlate, fo, go, c->dt, c->mode,
                                                  c->boundary, fill, swapped, core, m, n);
            char why[512];
            const unsigned char *got = out + m * h->strides[h->ndim - 2] +
                                       n * h->strides[h->ndim - 1];
            if (!CHECKF(value_matches(c->dt, got, &want, 0, why, sizeof why),
                        "h[%" PRId64 ",%" PRId64 "] of the first image: %s", m, n, why))
                return;
        }
}

/* The loop of 2-D calls into `loop` (h's shape, its own layout). */
static void run_loop(const struct stack_case *c, const harness_array *f, const harness_array *g,
                     harness_array *loop, const void *fill)
{
    int64_t batch[HARNESS_MAX_NDIM] = {0};
    const int nbatch = c->h_ndim - 2;
    if (harness_count(nbatch, loop->shape) == 0)
        return;
    do {
        const int rc = ndkern_convolve2d_method(
            image_at(f, c->h_ndim, batch), f->shape + f->ndim - 2, f->strides + f->ndim - 2,
            image_at(g, c->h_ndim, batch), g->shape + g->ndim - 2, g->strides + g->ndim - 2,
            (void *)(uintptr_t)image_at(loop, c->h_ndim, batch), loop->shape + nbatch,
            loop->strides + nbatch, c->dt, c->mode, c->boundary, fill, c->correlate,
            c->method);
        CHECK_STATUS(rc, NDKERN_OK);
    } while (ref_next_index(nbatch, loop->shape, batch));
}

/* One case: the batched call equals the loop bit for bit, writes only h's
 * elements and reads f and g only. */
static void run_case(const struct stack_case *c)
{
    const size_t es = (size_t)ref_dtypes[c->dt].size;
    const int64_t zero = 0;
    harness_array f, g, h, loop, fill;
    struct value_gen gen = {rng_chance(50) ? VS_SMALL : VS_FULL, 0, 0};
    describe(c);
    harness_array_init(&f, c->f_ndim, c->f_shape, es, c->f_flags);
    harness_array_init(&g, c->g_ndim, c->g_shape, es, c->g_flags);
    harness_array_init(&h, c->h_ndim, c->h_shape, es, c->h_flags);
    harness_array_init(&loop, c->h_ndim, c->h_shape, es, 0);
    harness_array_init(&fill, 0, &zero, es, 0);
    fill_array(&f, c->dt, &gen);
    fill_array(&g, c->dt, &gen);
    fill_array(&fill, c->dt, &gen);
    const void *fill_value = rng_chance(20) ? NULL : fill.data;
    harness_array_snapshot(&f);
    harness_array_snapshot(&g);
    harness_array_snapshot(&h);
    CHECK_STATUS(call_batched(c, &f, &g, &h, fill_value), NDKERN_OK);
    CHECK_UNCHANGED(&f, "f");
    CHECK_UNCHANGED(&g, "g");
    CHECK_OUTSIDE_UNCHANGED(&h, "h");
    run_loop(c, &f, &g, &loop, fill_value);
    CHECKF(same_elements(&h, &loop), "the stack differs from the loop of 2-D calls");
    if (ref_is_int(c->dt) && h.nelem > 0) {
        const int64_t first[HARNESS_MAX_NDIM] = {0};
        check_reference(c, &f, &g, &h, fill_value, first);
    }
    harness_array_free(&f);
    harness_array_free(&g);
    harness_array_free(&h);
    harness_array_free(&loop);
    harness_array_free(&fill);
}

/* An input's shape broadcasting to h's batch shape: some of h's trailing
 * batch axes, each h's extent or 1 (at random, or 1 with `unit`). */
static int broadcast_input(int64_t *shape, const int64_t *h_batch, int nbatch,
                           const int64_t core[2], int unit)
{
    const int own = (int)rng_range(0, nbatch);
    for (int axis = 0; axis < own; axis++) {
        const int64_t extent = h_batch[nbatch - own + axis];
        shape[axis] = unit || rng_chance(30) ? 1 : extent;
    }
    shape[own] = core[0];
    shape[own + 1] = core[1];
    return own + 2;
}

/* A random valid case (NDKERN_OK expected), or 0 when the draw is not one. */
static int random_case(struct stack_case *c)
{
    const int nbatch = (int)rng_range(0, MAX_BATCH_AXES);
    const struct extent_odds core_odds = {15, 24}, batch_odds = {30, 9};
    int64_t f_core[2], g_core[2], h_core[2], h_batch[MAX_BATCH_AXES];
    int swapped;
    random_shape(f_core, 2, core_odds, 400);
    random_shape(g_core, 2, core_odds, rng_chance(20) ? 400 : 40);
    random_shape(h_batch, nbatch, batch_odds, 24);
    c->dt = (int)rng_below(REF_NDTYPES);
    c->mode = (int)rng_below(3);
    c->boundary = (int)rng_below(3);
    c->correlate = (int)rng_below(2);
    c->method = ref_is_int(c->dt) ? (rng_chance(50) ? NDKERN_METHOD_AUTO : NDKERN_METHOD_DIRECT)
                                  : (int)rng_below(3);
    if (ref_conv2d_shape(f_core, g_core, c->mode, c->boundary, h_core, &swapped) != NDKERN_OK)
        return 0;
    const int f_empty = f_core[0] == 0 || f_core[1] == 0;
    const int g_empty = g_core[0] == 0 || g_core[1] == 0;
    if (c->boundary != NDKERN_BOUNDARY_FILL && (swapped ? g_empty && !f_empty : f_empty && !g_empty))
        return 0; /* nothing to extend: NDKERN_ESHAPE (test_errors) */
    const int unit = rng_chance(10); /* h larger than the inputs' broadcast */
    c->f_ndim = broadcast_input(c->f_shape, h_batch, nbatch, f_core, unit);
    c->g_ndim = broadcast_input(c->g_shape, h_batch, nbatch, g_core, unit);
    c->h_ndim = nbatch + 2;
    memcpy(c->h_shape, h_batch, sizeof(int64_t) * (size_t)nbatch);
    memcpy(c->h_shape + nbatch, h_core, sizeof h_core);
    c->f_flags = harness_random_layout(HL_ALL_INPUT);
    c->g_flags = harness_random_layout(HL_ALL_INPUT);
    c->h_flags = harness_random_layout(HL_ALL_OUTPUT);
    return 1;
}

static void test_random_stacks(void)
{
    for (int done = 0; done < 1500;) {
        struct stack_case c;
        if (!random_case(&c))
            continue;
        run_case(&c);
        done++;
    }
}

/* The shapes named in the documentation, each in every layout kind. */
static void test_broadcasting(void)
{
    static const struct {
        int f_ndim, g_ndim, h_ndim;
        int64_t f_shape[4], g_shape[4], h_shape[4];
    } shapes[] = {
        {3, 2, 3, {5, 9, 8}, {3, 3}, {5, 9, 8}},             /* a stack, one kernel */
        {2, 3, 3, {9, 8}, {4, 3, 2}, {4, 10, 9}},            /* one image, many kernels */
        {3, 3, 3, {4, 9, 8}, {4, 3, 2}, {4, 9, 8}},          /* a kernel per image */
        {4, 4, 4, {2, 1, 7, 7}, {1, 3, 2, 2}, {2, 3, 6, 6}}, /* outer product */
        {3, 3, 4, {1, 7, 7}, {1, 2, 2}, {3, 1, 6, 6}},       /* h larger than the inputs */
        {4, 3, 4, {2, 3, 6, 5}, {1, 3, 3}, {2, 3, 6, 5}},
        {3, 2, 3, {0, 9, 8}, {3, 3}, {0, 9, 8}},             /* an empty stack */
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int dt = 0; dt < REF_NDTYPES; dt++) {
            struct stack_case c = {
                .correlate = (int)(s % 2), .dt = dt, .mode = (int)(s % 3),
                .boundary = (int)((s + (size_t)dt) % 3), .method = NDKERN_METHOD_DIRECT,
                .f_ndim = shapes[s].f_ndim, .g_ndim = shapes[s].g_ndim,
                .h_ndim = shapes[s].h_ndim,
                .f_flags = (unsigned)dt % 2 ? HL_ALL_INPUT : HL_ZERO,
                .g_flags = HL_ALL_INPUT, .h_flags = HL_ALL_OUTPUT,
            };
            memcpy(c.f_shape, shapes[s].f_shape, sizeof c.f_shape[0] * 4);
            memcpy(c.g_shape, shapes[s].g_shape, sizeof c.g_shape[0] * 4);
            int64_t f_core[2] = {c.f_shape[c.f_ndim - 2], c.f_shape[c.f_ndim - 1]};
            int64_t g_core[2] = {c.g_shape[c.g_ndim - 2], c.g_shape[c.g_ndim - 1]};
            int64_t h_core[2] = {0, 0};
            int swapped;
            CHECK(ref_conv2d_shape(f_core, g_core, c.mode, c.boundary, h_core, &swapped) ==
                  NDKERN_OK);
            memcpy(c.h_shape, shapes[s].h_shape, sizeof c.h_shape[0] * 4);
            c.h_shape[c.h_ndim - 2] = h_core[0]; /* the mode's core shape */
            c.h_shape[c.h_ndim - 1] = h_core[1];
            run_case(&c);
        }
}

/* Stacks of small images (threads across the stack) and of large ones
 * (each image threaded): bit-identical for 1, 2 and 3 threads, and equal
 * to the loop. */
static void test_threads(void)
{
    static const struct stack_case specs[] = {
        {0, NDKERN_FLOAT32, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, NDKERN_METHOD_DIRECT,
         3, 2, 3, {300, 30, 30}, {7, 7}, {300, 24, 24}, 0, 0, 0},
        {1, NDKERN_FLOAT64, NDKERN_MODE_SAME, NDKERN_BOUNDARY_SYMM, NDKERN_METHOD_DIRECT,
         3, 3, 3, {64, 40, 33}, {64, 5, 4}, {64, 40, 33}, HL_TRANSPOSE, HL_NEGATE, HL_PAD},
        {0, NDKERN_INT16, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, NDKERN_METHOD_DIRECT,
         4, 2, 4, {6, 8, 20, 20}, {5, 5}, {6, 8, 24, 24}, HL_MISALIGN, 0, 0},
        {1, NDKERN_COMPLEX64, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP, NDKERN_METHOD_FFT,
         3, 2, 3, {40, 24, 24}, {9, 9}, {40, 24, 24}, 0, 0, 0},
        {0, NDKERN_FLOAT32, NDKERN_MODE_SAME, NDKERN_BOUNDARY_FILL, NDKERN_METHOD_AUTO,
         3, 2, 3, {3, 400, 300}, {9, 9}, {3, 400, 300}, 0, 0, HL_NEGATE},
        {1, NDKERN_FLOAT64, NDKERN_MODE_VALID, NDKERN_BOUNDARY_FILL, NDKERN_METHOD_FFT,
         3, 3, 3, {2, 500, 400}, {1, 31, 31}, {2, 470, 370}, 0, HL_ZERO, 0},
    };
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        const struct stack_case *c = &specs[s];
        const size_t es = (size_t)ref_dtypes[c->dt].size;
        harness_array f, g, h[N_THREAD_COUNTS], loop;
        struct value_gen gen = {VS_SMALL, 0, 0};
        describe(c);
        harness_array_init(&f, c->f_ndim, c->f_shape, es, c->f_flags);
        harness_array_init(&g, c->g_ndim, c->g_shape, es, c->g_flags);
        harness_array_init(&loop, c->h_ndim, c->h_shape, es, 0);
        fill_array(&f, c->dt, &gen);
        fill_array(&g, c->dt, &gen);
        for (int t = 0; t < N_THREAD_COUNTS; t++) {
            harness_array_init(&h[t], c->h_ndim, c->h_shape, es, c->h_flags);
            CHECK_STATUS(ndkern_set_num_threads(thread_counts[t]), NDKERN_OK);
            CHECK_STATUS(call_batched(c, &f, &g, &h[t], NULL), NDKERN_OK);
            if (t > 0)
                CHECKF(same_elements(&h[0], &h[t]), "%d threads differ from 1",
                       thread_counts[t]);
        }
        CHECK_STATUS(ndkern_set_num_threads(0), NDKERN_OK);
        run_loop(c, &f, &g, &loop, NULL);
        CHECKF(same_elements(&h[0], &loop), "the stack differs from the loop of 2-D calls");
        for (int t = 0; t < N_THREAD_COUNTS; t++)
            harness_array_free(&h[t]);
        harness_array_free(&f);
        harness_array_free(&g);
        harness_array_free(&loop);
    }
}

/* ---------------------------------------------------------------- errors */

/* The arguments of one call. */
struct batched_args {
    const void *f;
    int f_ndim;
    const int64_t *f_shape, *f_strides;
    const void *g;
    int g_ndim;
    const int64_t *g_shape, *g_strides;
    void *h;
    int h_ndim;
    const int64_t *h_shape, *h_strides;
    int dtype, mode, boundary;
    const void *fill;
    int correlate, method;
};

/* The call returns `want` and changes none of the three buffers. */
static void expect_error(int want, const char *what, harness_array *const guards[3],
                         struct batched_args a)
{
    harness_set_context("batched error path: %s (%s)", what, dtype_name(a.dtype));
    for (int i = 0; i < 3; i++)
        harness_array_snapshot(guards[i]);
    CHECK_STATUS(ndkern_convolve2d_batched(a.f, a.f_ndim, a.f_shape, a.f_strides, a.g, a.g_ndim,
                                           a.g_shape, a.g_strides, a.h, a.h_ndim, a.h_shape,
                                           a.h_strides, a.dtype, a.mode, a.boundary, a.fill,
                                           a.correlate, a.method),
                 want);
    CHECK_UNCHANGED(guards[0], "f after an error");
    CHECK_UNCHANGED(guards[1], "g after an error");
    CHECK_UNCHANGED(guards[2], "h after an error");
}

/* The pointer arguments, each made NULL in turn. */
static const struct {
    size_t offset;
    const char *name;
} null_fields[] = {
    {offsetof(struct batched_args, f), "f NULL"},
    {offsetof(struct batched_args, f_shape), "f_shape NULL"},
    {offsetof(struct batched_args, f_strides), "f_strides NULL"},
    {offsetof(struct batched_args, g), "g NULL"},
    {offsetof(struct batched_args, g_shape), "g_shape NULL"},
    {offsetof(struct batched_args, g_strides), "g_strides NULL"},
    {offsetof(struct batched_args, h), "h NULL"},
    {offsetof(struct batched_args, h_shape), "h_shape NULL"},
    {offsetof(struct batched_args, h_strides), "h_strides NULL"},
};

/* Codes, ndims, pointers and extents. */
static void code_errors(harness_array *const guards[3], struct batched_args ok, int dt)
{
    static const int bad_codes[] = {-1, 3, 2147483647};
    int64_t negative[3] = {4, -6, 5};
    struct batched_args a;
    /* bool and float16: dtypes of the library the convolutions refuse. */
    a = ok; a.dtype = NDKERN_BOOL;
    expect_error(NDKERN_EDTYPE, "bool", guards, a);
    a = ok; a.dtype = NDKERN_FLOAT16;
    expect_error(NDKERN_EDTYPE, "float16", guards, a);
    for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
        a = ok; a.dtype = bad_codes[i] == 3 ? NDKERN_FLOAT16 + 1 : bad_codes[i];
        expect_error(NDKERN_EDTYPE, "unknown dtype", guards, a);
        a = ok; a.mode = bad_codes[i];
        expect_error(NDKERN_EINVAL, "bad mode", guards, a);
        a = ok; a.boundary = bad_codes[i];
        expect_error(NDKERN_EINVAL, "bad boundary", guards, a);
        a = ok; a.method = bad_codes[i];
        expect_error(NDKERN_EINVAL, "bad method", guards, a);
        a = ok; a.correlate = bad_codes[i] == 3 ? 2 : bad_codes[i];
        expect_error(NDKERN_EINVAL, "bad correlate", guards, a);
    }
    a = ok; a.method = NDKERN_METHOD_FFT;
    if (ref_is_int(dt))
        expect_error(NDKERN_EDTYPE, "fft on integers", guards, a);
    a = ok; a.h_ndim = 1;
    expect_error(NDKERN_EINVAL, "h_ndim 1", guards, a);
    a = ok; a.h_ndim = NDKERN_MAX_NDIM + 1;
    expect_error(NDKERN_EINVAL, "h_ndim too large", guards, a);
    a = ok; a.f_ndim = 1;
    expect_error(NDKERN_EINVAL, "f_ndim 1", guards, a);
    a = ok; a.g_ndim = -1;
    expect_error(NDKERN_EINVAL, "g_ndim -1", guards, a);
    for (size_t i = 0; i < sizeof null_fields / sizeof null_fields[0]; i++) {
        a = ok;
        memset((char *)&a + null_fields[i].offset, 0, sizeof(void *)); /* the pointer: NULL */
        expect_error(NDKERN_EINVAL, null_fields[i].name, guards, a);
    }
    a = ok; a.f_shape = negative;
    expect_error(NDKERN_EINVAL, "negative f extent", guards, a);
}

/* Shapes that do not broadcast or do not match the mode. */
static void shape_errors(harness_array *const guards[3], struct batched_args ok)
{
    const int64_t wide_f[4] = {1, 4, 6, 5}, short_h[3] = {3, 8, 6};
    const int64_t h_bad_core[3] = {4, 8, 7}, f_bad_batch[3] = {2, 6, 5};
    const int64_t g_big[2] = {7, 1}, g_wide[4] = {4, 1, 3, 2};
    struct batched_args a;
    const int64_t strides4[4] = {0, 0, 0, 0}; /* inputs may broadcast anywhere */
    a = ok; a.f_ndim = 4; a.f_shape = wide_f; a.f_strides = strides4;
    expect_error(NDKERN_ESHAPE, "f_ndim > h_ndim", guards, a);
    a = ok; a.g_ndim = 4; a.g_shape = g_wide; a.g_strides = strides4;
    expect_error(NDKERN_ESHAPE, "g_ndim > h_ndim", guards, a);
    a = ok; a.h_shape = short_h;
    expect_error(NDKERN_ESHAPE, "batch extents 4 and 3", guards, a);
    a = ok; a.f_shape = f_bad_batch;
    expect_error(NDKERN_ESHAPE, "batch extent 2 against 4", guards, a);
    a = ok; a.h_shape = h_bad_core;
    expect_error(NDKERN_ESHAPE, "core of h not the mode's", guards, a);
    a = ok; a.mode = NDKERN_MODE_VALID; a.g_ndim = 2; a.g_shape = g_big;
    expect_error(NDKERN_ESHAPE, "valid: neither contains the other", guards, a);
}

/* h's layout and what it shares with the inputs. */
static void layout_errors(harness_array *const guards[3], struct batched_args ok,
                          const harness_array *h, int64_t es)
{
    const int64_t h_zero[3] = {0, h->strides[1], h->strides[2]};
    const int64_t huge[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 1};
    const int64_t huge_strides[3] = {INT64_C(1) << 40, 1, 1};
    const int64_t f_wrap_empty[3] = {4, 0, 5};
    const int64_t g_enormous[2] = {INT64_C(1) << 25, INT64_C(1) << 25}, zeros[2] = {0, 0};
    const int64_t h_same[3] = {4, 6, 5};
    int64_t last_image = 3 * h->strides[0];
    struct batched_args a;
    a = ok; a.h_strides = h_zero;
    expect_error(NDKERN_EINVAL, "zero h stride on a batch axis", guards, a);
    a = ok; a.f_shape = huge; a.f_strides = huge_strides;
    expect_error(NDKERN_EOVERFLOW, "f's byte span overflows", guards, a);
    /* f is image 3 of h: the overlap is in the stack, not in image 0. */
    a = ok; a.f = (char *)h->data + last_image; a.f_ndim = 2;
    a.f_shape = h->shape + 1; a.f_strides = h->strides + 1;
    a.g_ndim = 2; a.g_shape = (const int64_t[2]){1, 1};
    expect_error(NDKERN_EOVERLAP, "f inside the last image of h", guards, a);
    a = ok; a.boundary = NDKERN_BOUNDARY_WRAP; a.f_shape = f_wrap_empty;
    a.mode = NDKERN_MODE_SAME; a.h_shape = (const int64_t[3]){4, 0, 5};
    a.h_strides = h->strides;
    expect_error(NDKERN_OK, "empty output: nothing to write", guards, a);
    a = ok; a.boundary = NDKERN_BOUNDARY_SYMM; a.mode = NDKERN_MODE_FULL;
    a.f_shape = f_wrap_empty; a.h_shape = (const int64_t[3]){4, 2, 6};
    expect_error(NDKERN_ESHAPE, "symm with an empty image", guards, a);
    a = ok; a.mode = NDKERN_MODE_SAME; a.h_shape = h_same; a.g_ndim = 2;
    a.g_shape = g_enormous; a.g_strides = zeros;
    expect_error(NDKERN_ENOMEM, "a broadcast kernel of 2^50 taps", guards, a);
    (void)es;
}

static void test_errors(void)
{
    for (int dt = 0; dt < REF_NDTYPES; dt++) {
        const int64_t es = ref_dtypes[dt].size;
        const int64_t fs[3] = {4, 6, 5}, gs[3] = {4, 3, 2}, hs[3] = {4, 8, 6};
        harness_array f, g, h;
        harness_array *guards[3] = {&f, &g, &h};
        unsigned char fill[16] = {0};
        harness_array_init(&f, 3, fs, (size_t)es, 0);
        harness_array_init(&g, 3, gs, (size_t)es, 0);
        harness_array_init(&h, 3, hs, (size_t)es, 0);
        const struct batched_args ok = {
            f.data, 3, fs, f.strides, g.data, 3, gs, g.strides, h.data, 3, hs, h.strides,
            dt, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL, fill, 0, NDKERN_METHOD_DIRECT,
        };
        code_errors(guards, ok, dt);
        shape_errors(guards, ok);
        layout_errors(guards, ok, &h, es);
        harness_array_free(&f);
        harness_array_free(&g);
        harness_array_free(&h);
    }
}

/* Empty stacks and empty cores write nothing and accept NULL bases. */
static void test_empty(void)
{
    const int64_t fs[3] = {0, 6, 5}, gs[2] = {3, 2}, hs[3] = {0, 8, 6}, st[3] = {8, 8, 8};
    const int64_t fs2[3] = {3, 0, 5}, hs2[3] = {3, 2, 6}, hs3[3] = {3, 0, 5};
    const double kernel[6] = {1, 2, 3, 4, 5, 6};
    harness_set_context("batched: empty stacks");
    CHECK_STATUS(ndkern_convolve2d_batched(NULL, 3, fs, st, kernel, 2, gs, st, NULL, 3, hs, st,
                                           NDKERN_FLOAT64, NDKERN_MODE_FULL,
                                           NDKERN_BOUNDARY_FILL, NULL, 0,
                                           NDKERN_METHOD_DIRECT),
                 NDKERN_OK);
    CHECK_STATUS(ndkern_convolve2d_batched(NULL, 3, fs2, st, kernel, 2, gs, st, NULL, 3, hs3, st,
                                           NDKERN_INT8, NDKERN_MODE_SAME, NDKERN_BOUNDARY_WRAP,
                                           NULL, 1, NDKERN_METHOD_AUTO),
                 NDKERN_OK);
    /* A non-empty h of an empty image: zeros as the 2-D call (fill). */
    harness_array h, loop;
    harness_array_init(&h, 3, hs2, sizeof(double), HL_ALL_OUTPUT);
    harness_array_init(&loop, 3, hs2, sizeof(double), 0);
    struct stack_case c = {0, NDKERN_FLOAT64, NDKERN_MODE_FULL, NDKERN_BOUNDARY_FILL,
                           NDKERN_METHOD_DIRECT, 3, 2, 3, {3, 0, 5}, {3, 2}, {3, 2, 6},
                           0, 0, 0};
    harness_array f, g;
    harness_array_init(&f, 3, fs2, sizeof(double), HL_NULL_EMPTY);
    harness_array_init(&g, 2, gs, sizeof(double), 0);
    fill_array(&g, c.dt, &(struct value_gen){VS_SMALL, 0, 0});
    CHECK_STATUS(call_batched(&c, &f, &g, &h, NULL), NDKERN_OK);
    run_loop(&c, &f, &g, &loop, NULL);
    CHECKF(same_elements(&h, &loop), "an empty image differs from the loop");
    harness_array_free(&h);
    harness_array_free(&loop);
    harness_array_free(&f);
    harness_array_free(&g);
}

static const struct harness_test tests[] = {
    HARNESS_TEST(random_stacks), HARNESS_TEST(broadcasting), HARNESS_TEST(threads),
    HARNESS_TEST(errors), HARNESS_TEST(empty),
};

int main(int argc, char **argv)
{
    return harness_main(PROGRAM, tests, HARNESS_COUNT(tests), argc, argv);
}
