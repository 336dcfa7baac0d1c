/*
 * fuzz_batched.c -- libFuzzer target for ndkern_convolve2d_batched.
 *
 * Stacks of up to two batch axes (now and then one long axis of small
 * images, which runs across the threads), inputs that broadcast by missing
 * axes, extent 1 or zero strides, batch extents that do not broadcast,
 * wrong core shapes, every dtype, mode, boundary and method, a fill value or
 * NULL, input and output layouts of fz_layout, outputs overlapping an
 * input, and hostile arguments (fz_spoil, bad ndims).  A successful result
 * must equal, bit for bit, the loop of 2-D ndkern_convolve2d_method calls
 * on the images of the stack (fuzz_convolve checks those against the
 * reference); nothing outside h's elements may change, and nothing at all
 * after an error.
 */
#include "fuzz.h"

#define MAX_BATCH 2 /* batch axes of h */

struct stack {
    int correlate, dt, mode, boundary, method;
    struct fz_array f, g, h;
    unsigned char *fill;        /* its own allocation of one element, or NULL */
};

/* An input's shape for h's batch extents: some trailing batch axes, each
 * h's extent or 1, or (with `wrong`) one extent neither; then the core. */
static int input_shape(struct fz_input *in, int64_t *shape, const int64_t *h_batch,
                       int nbatch, const int64_t core[2], int wrong)
{
    const int own = (int)fz_below(in, nbatch + 1);
    for (int axis = 0; axis < own; axis++)
        shape[axis] = fz_chance(in, 30) ? 1 : h_batch[nbatch - own + axis];
    if (wrong && own > 0) {
        const int axis = (int)fz_below(in, own);
        shape[axis] = h_batch[nbatch - own + axis] + 2; /* neither h's nor 1 */
    }
    shape[own] = core[0];
    shape[own + 1] = core[1];
    return own + 2;
}

/* Element 0 of the core of a at h's batch index (broadcast as documented). */
static unsigned char *image_at(const struct fz_array *a, int h_ndim, const int64_t *batch)
{
    const int missing = h_ndim - a->ndim;
    int64_t offset = 0;
    if (a->count == 0)
        return a->data;
    for (int axis = 0; axis < a->ndim - 2; axis++)
        if (a->shape[axis] != 1)
            offset += batch[axis + missing] * a->strides[axis];
    return a->data + offset;
}

/* h equals the loop of 2-D calls on each image, bit for bit. */
static void check_against_loop(const struct stack *s)
{
    const struct fz_array *h = &s->h;
    const int nbatch = h->ndim - 2;
    const int64_t *core = h->shape + nbatch;
    const size_t image_bytes = (size_t)(core[0] * core[1] * h->itemsize);
    const int64_t loop_strides[2] = {core[1] * h->itemsize, h->itemsize};
    unsigned char *loop = malloc(image_bytes > 0 ? image_bytes : 1);
    int64_t batch[MAX_BATCH + 1] = {0};
    if (h->count == 0) {
        free(loop);
        return;
    }
    if (loop == NULL)
        abort();
    do {
        const int rc = ndkern_convolve2d_method(
            image_at(&s->f, h->ndim, batch), s->f.shape + s->f.ndim - 2,
            s->f.strides + s->f.ndim - 2, image_at(&s->g, h->ndim, batch),
            s->g.shape + s->g.ndim - 2, s->g.strides + s->g.ndim - 2, loop, core, loop_strides,
            s->dt, s->mode, s->boundary, s->fill, s->correlate, s->method);
        FZ_CHECK(rc == NDKERN_OK, "the 2-D call of an image failed: %s", ndkern_status_name(rc));
        const unsigned char *out = image_at(h, h->ndim, batch);
        for (int64_t m = 0; m < core[0]; m++)
            for (int64_t n = 0; n < core[1]; n++)
                FZ_CHECK(memcmp(out + m * h->strides[nbatch] + n * h->strides[nbatch + 1],
                                loop + m * loop_strides[0] + n * loop_strides[1],
                                (size_t)h->itemsize) == 0,
                         "%s %s mode %d boundary %d method %d: h[..., %" PRId64 ", %" PRId64
                         "] differs from the 2-D call", s->correlate ? "correlate" : "convolve",
                         ref_dtypes[s->dt].name, s->mode, s->boundary, s->method, m, n);
    } while (ref_next_index(nbatch, h->shape, batch));
    free(loop);
}

/* Draws the codes and shapes; returns what a correct library says of them
 * (NDKERN_OK, NDKERN_ESHAPE or REF_UNDEFINED). */
static int draw_shapes(struct fz_input *in, struct stack *s, int64_t f_shape[MAX_BATCH + 2],
                       int64_t g_shape[MAX_BATCH + 2], int64_t h_shape[MAX_BATCH + 2])
{
    int64_t f_core[2], g_core[2], h_core[2];
    int swapped, nbatch = (int)fz_below(in, MAX_BATCH + 1);
    const int long_stack = fz_chance(in, 10);
    if (long_stack) { /* many small images: threads across the stack */
        nbatch = 1;
        h_shape[0] = 1 + (int64_t)fz_below(in, 64);
    } else {
        fz_shape(in, nbatch, h_shape, 4, 16);
    }
    fz_shape(in, 2, f_core, long_stack ? 24 : 12, 576);
    fz_shape(in, 2, g_core, fz_chance(in, 20) ? 12 : 5, 144);
    int base = ref_conv2d_shape(f_core, g_core, s->mode, s->boundary, h_core, &swapped);
    if (base == NDKERN_ESHAPE && s->mode != NDKERN_MODE_VALID) {
        /* Wrap or symm of an empty image: an error only when h has images
         * to write (as a 2-D call with an empty output). */
        base = fz_count(nbatch, h_shape) == 0 ? NDKERN_OK : base;
    } else if (base != NDKERN_OK || h_core[0] < 0 || h_core[1] < 0) {
        h_core[0] = h_core[1] = (int64_t)fz_below(in, 3);
        base = base == NDKERN_OK ? REF_UNDEFINED : base;
    }
    if (base == NDKERN_OK && fz_chance(in, 4)) { /* a wrong core of h */
        h_core[fz_below(in, 2)] += 1;
        base = NDKERN_ESHAPE;
    }
    const int wrong = base == NDKERN_OK && nbatch > 0 && fz_chance(in, 5);
    const int f_ndim = input_shape(in, f_shape, h_shape, nbatch, f_core, wrong);
    const int g_ndim = input_shape(in, g_shape, h_shape, nbatch, g_core, 0);
    if (wrong && f_ndim > 2)
        base = NDKERN_ESHAPE;
    h_shape[nbatch] = h_core[0];
    h_shape[nbatch + 1] = h_core[1];
    const int64_t itemsize = ref_dtypes[s->dt].size;
    fz_layout(in, &s->f, f_ndim, f_shape, itemsize, 1);
    fz_layout(in, &s->g, g_ndim, g_shape, itemsize, 1);
    fz_layout(in, &s->h, nbatch + 2, h_shape, itemsize, 0);
    return base;
}

/* Places the arrays: apart, or h overlapping f or g. */
static void place(struct fz_input *in, struct fz_world *w, struct stack *s)
{
    const unsigned p = (unsigned)fz_below(in, 10);
    if (p < 8) {
        fz_place(in, w, (struct fz_array *[]){&s->f}, 1, 0);
        fz_place(in, w, (struct fz_array *[]){&s->g}, 1, 0);
        fz_place(in, w, (struct fz_array *[]){&s->h}, 1, 0);
        return;
    }
    struct fz_array *shared = p == 8 ? &s->f : &s->g, *other = p == 8 ? &s->g : &s->f;
    fz_place(in, w, (struct fz_array *[]){shared, &s->h}, 2, 1);
    fz_place(in, w, (struct fz_array *[]){other}, 1, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    struct fz_world w = {0};
    struct stack s;
    int64_t f_shape[MAX_BATCH + 2], g_shape[MAX_BATCH + 2], h_shape[MAX_BATCH + 2];

    fz_case = "ndkern_convolve2d_batched";
    fz_begin(&in);
    memset(&s, 0, sizeof s);
    s.correlate = (int)fz_below(&in, 2);
    s.dt = (int)fz_below(&in, REF_NDTYPES);
    s.mode = (int)fz_below(&in, 3);
    s.boundary = (int)fz_below(&in, 3);
    s.method = (int)fz_below(&in, 3);
    const int base = draw_shapes(&in, &s, f_shape, g_shape, h_shape);
    place(&in, &w, &s);
    const long double limit = ref_component_size(s.dt) == 4 ? ldexpl(1, 40) : ldexpl(1, 400);
    fz_fill(&s.f, s.dt, (enum fz_style)fz_below(&in, FZ_NSTYLES), limit);
    fz_fill(&s.g, s.dt, (enum fz_style)fz_below(&in, FZ_NSTYLES), limit);
    if (!fz_chance(&in, 30)) {
        s.fill = malloc((size_t)s.f.itemsize);
        fz_element(s.fill, s.dt, (enum fz_style)fz_below(&in, FZ_NSTYLES));
    }
    struct fz_expect expect = fz_conv_expect(&s.f, &s.g, &s.h, base);

    /* The arguments as passed, in heap arrays of exactly ndim entries; the
     * ndims are codes too. */
    struct fz_array *arrays[3] = {&s.f, &s.g, &s.h};
    int64_t *arg_shape[3], *arg_strides[3];
    void *ptr[3];
    int arg_ndim[3] = {s.f.ndim, s.g.ndim, s.h.ndim};
    int arg_dtype = s.dt, arg_mode = s.mode, arg_boundary = s.boundary;
    struct fz_call call;
    fz_conv_call(&call, arrays, ptr, arg_shape, arg_strides, &arg_dtype, &arg_mode,
                 &arg_boundary, base == NDKERN_OK && expect.status == NDKERN_OK);
    call.codes[call.ncodes++] = (struct fz_arg_code){
        .value = &arg_ndim[fz_below(&in, 3)], .bad = fz_bad_ndims,
        .nbad = FZ_COUNT(fz_bad_ndims), .expect = call.codes[1].expect};
    const int hostile = fz_maybe_spoil(&in, &call, &expect);
    if (s.method == NDKERN_METHOD_FFT && ref_is_int(s.dt) && arg_dtype == s.dt)
        expect = (struct fz_expect){NDKERN_EDTYPE, 0}; /* checked before the rest */

    fz_snapshot(&w);
    const int rc = ndkern_convolve2d_batched(
        ptr[0], arg_ndim[0], arg_shape[0], arg_strides[0], ptr[1], arg_ndim[1], arg_shape[1],
        arg_strides[1], ptr[2], arg_ndim[2], arg_shape[2], arg_strides[2], arg_dtype, arg_mode,
        arg_boundary, s.fill, s.correlate, s.method);
    FZ_CHECK_STATUS(expect, rc, hostile, "%s %s mode %d boundary %d method %d, ndims %d %d %d\n",
                    fz_case, ref_dtypes[s.dt].name, s.mode, s.boundary, s.method, s.f.ndim,
                    s.g.ndim, s.h.ndim);
    if (rc == NDKERN_OK) {
        check_against_loop(&s);
        fz_mark_written(&w, &s.h);
    }
    fz_check_untouched(&w, rc == NDKERN_OK ? "after success" : "after an error");

    fz_call_free(&call);
    free(s.fill);
    fz_free(&w);
    return 0;
}
