/* convolve_batched.c -- ndkern_convolve2d_batched: a stack of 2-D
 * convolutions or correlations, broadcast like a NumPy generalized ufunc
 * with core dimensions (m,n),(k,l)->(p,q).
 *
 * The whole call is validated first (codes, the three N-D arrays, the
 * broadcast of the batch axes, the core shapes, overlap, the buffer limits
 * of one image), then each image runs steps 2-4 of convolve.c on the 2-D
 * views at its batch index, exactly as ndkern_convolve2d_method would: the
 * stack equals a loop of 2-D calls bit for bit.  Small images are spread
 * over the worker threads, one image per task (each then runs on its
 * worker's thread alone: ndk_parallel_for inside a task never nests);
 * large images run one after the other, each threaded as a 2-D call.  The
 * FFT method transforms each image's kernel again (no reuse across the
 * stack yet). */
#include <stdatomic.h>

#include "convolve.h"

/* The stack, validated: where image i's three 2-D views start, and what
 * every image shares. */
struct batch {
    struct ndk_conv_request core; /* codes and batch index 0's 2-D views */
    int method;                   /* enum ndkern_method */
    int nbatch;                   /* batch axes: h_ndim - 2 */
    const int64_t *shape;         /* h's batch extents */
    int64_t count;                /* images: the product of shape */
    /* Bytes per step along each batch axis of h, for the image, the kernel
     * (f and g, swapped as core.swapped says) and h: 0 where an input
     * broadcasts (extent 1 or a missing axis). */
    int64_t image_step[NDKERN_MAX_NDIM], kernel_step[NDKERN_MAX_NDIM];
    int64_t out_step[NDKERN_MAX_NDIM];
    atomic_int status;            /* the first image's error, or NDKERN_OK */
};

/* Fills `step`, the bytes per step of the validated N-D array a along h's
 * batch axes; NDKERN_ESHAPE when a batch extent is neither h's nor 1. */
static int broadcast_steps(const struct ndk_array *a, const struct batch *b, int64_t *step)
{
    const int missing = b->nbatch - (a->ndim - 2); /* leading axes a lacks */
    for (int axis = 0; axis < b->nbatch; axis++) {
        step[axis] = 0;
        if (axis < missing)
            continue;
        const int64_t extent = a->shape[axis - missing];
        if (extent != b->shape[axis] && extent != 1)
            return NDKERN_ESHAPE;
        if (extent != 1)
            step[axis] = a->strides[axis - missing];
    }
    return NDKERN_OK;
}

/* The codes, as ndkern_convolve2d_method checks them and in its order. */
static int check_codes(int dtype, int mode, int boundary, int correlate, int method)
{
    if ((correlate != 0 && correlate != 1) || method < NDKERN_METHOD_DIRECT ||
        method > NDKERN_METHOD_AUTO)
        return NDKERN_EINVAL;
    if (!ndk_conv_dtype_valid(dtype))
        return NDKERN_EDTYPE;
    if (method == NDKERN_METHOD_FFT && ndk_dtypes[dtype].kind == NDK_KIND_INT)
        return NDKERN_EDTYPE;
    if (mode < NDKERN_MODE_FULL || mode > NDKERN_MODE_VALID || boundary < NDKERN_BOUNDARY_FILL ||
        boundary > NDKERN_BOUNDARY_SYMM)
        return NDKERN_EINVAL;
    return NDKERN_OK;
}

/* The 2-D view of the last two axes of the validated N-D array a at batch
 * index zero.  Only called for a non-empty h: every batch extent of a is
 * then positive, so a is empty (and its base possibly NULL) exactly when
 * its core is. */
static void core_view(struct ndk_array *core, const struct ndk_array *a, int is_output)
{
    const int skip = a->ndim - 2;
    const int rc = ndk_array_init(core, a->data, 2, a->shape + skip, a->strides + skip,
                                  a->itemsize, is_output);
    (void)rc; /* the N-D array's axes were validated: NDKERN_OK */
}

/* Step 1 for the stack: the arrays, shapes and broadcast of b (codes
 * checked).  NDKERN_OK with b->count == 0 or an empty core: nothing to
 * write. */
static int validate_arrays(struct batch *b, const void *f, int f_ndim, const int64_t *f_shape,
                           const int64_t *f_strides, const void *g, int g_ndim,
                           const int64_t *g_shape, const int64_t *g_strides, void *h,
                           int h_ndim, const int64_t *h_shape, const int64_t *h_strides)
{
    if (h_ndim < 2 || h_ndim > NDKERN_MAX_NDIM || f_ndim < 2 || f_ndim > NDKERN_MAX_NDIM ||
        g_ndim < 2 || g_ndim > NDKERN_MAX_NDIM)
        return NDKERN_EINVAL;
    const int64_t size = ndk_dtypes[b->core.dtype].size;
    struct ndk_array fa, ga, ha;
    int rc = ndk_array_init(&fa, f, f_ndim, f_shape, f_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&ga, g, g_ndim, g_shape, g_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&ha, h, h_ndim, h_shape, h_strides, size, 1);
    if (rc != NDKERN_OK)
        return rc;
    if (f_ndim > h_ndim || g_ndim > h_ndim)
        return NDKERN_ESHAPE;
    int64_t want[2];
    const int64_t *h_core = h_shape + h_ndim - 2;
    rc = ndk_conv_output_shape(b->core.mode, f_shape + f_ndim - 2, g_shape + g_ndim - 2, want,
                               &b->core.swapped);
    if (rc != NDKERN_OK || h_core[0] != want[0] || h_core[1] != want[1])
        return rc != NDKERN_OK ? rc : NDKERN_ESHAPE;
    b->nbatch = h_ndim - 2;
    b->shape = h_shape;
    b->count = ha.count == 0 ? 0 : ha.count / (h_core[0] * h_core[1]);
    const int swapped = b->core.swapped;
    rc = broadcast_steps(&fa, b, swapped ? b->kernel_step : b->image_step);
    if (rc == NDKERN_OK)
        rc = broadcast_steps(&ga, b, swapped ? b->image_step : b->kernel_step);
    if (rc != NDKERN_OK || ha.count == 0)
        return rc;
    for (int axis = 0; axis < b->nbatch; axis++)
        b->out_step[axis] = h_strides[axis];
    if (ndk_arrays_overlap(&ha, &fa) || ndk_arrays_overlap(&ha, &ga))
        return NDKERN_EOVERLAP;
    core_view(swapped ? &b->core.kernel : &b->core.image, &fa, 0);
    core_view(swapped ? &b->core.image : &b->core.kernel, &ga, 0);
    core_view(&b->core.out, &ha, 1);
    if (b->core.boundary != NDKERN_BOUNDARY_FILL && b->core.image.count == 0 &&
        b->core.kernel.count > 0)
        return NDKERN_ESHAPE;
    return NDKERN_OK;
}

/* Image i's 2-D problem: the core views moved to batch index i. */
static struct ndk_conv_request image_request(const struct batch *b, int64_t i)
{
    struct ndk_conv_request req = b->core;
    int64_t image_offset = 0, kernel_offset = 0, out_offset = 0;
    for (int axis = b->nbatch - 1; axis >= 0; axis--) { /* the last axis fastest */
        const int64_t index = i % b->shape[axis];
        i /= b->shape[axis];
        image_offset += index * b->image_step[axis];
        kernel_offset += index * b->kernel_step[axis];
        out_offset += index * b->out_step[axis];
    }
    /* An empty core may have a NULL base: no pointer arithmetic on it. */
    if (req.image.count > 0)
        req.image.data += image_offset;
    if (req.kernel.count > 0)
        req.kernel.data += kernel_offset;
    req.out.data += out_offset;
    return req;
}

/* Steps 2-4 of convolve.c for image i. */
static int run_image(const struct batch *b, int64_t i)
{
    const struct ndk_conv_request req = image_request(b, i);
    struct ndk_conv_plan plan;
    ndk_conv_geometry(&plan, &req);
    const int rc = ndk_conv_choose_types(&plan, req.fillvalue);
    return rc != NDKERN_OK ? rc : ndk_conv_execute_method(&plan, b->method);
}

static void image_task(void *ctx, int64_t task, int worker)
{
    struct batch *b = ctx;
    (void)worker;
    if (atomic_load(&b->status) != NDKERN_OK)
        return; /* the call fails anyway */
    const int rc = run_image(b, task);
    if (rc != NDKERN_OK) {
        int expected = NDKERN_OK;
        atomic_compare_exchange_strong(&b->status, &expected, rc);
    }
}

/* Threads for `count` images by the direct method's estimated cost
 * (convolve.c's rule for one image).  A separable or FFT image costs less,
 * so a stack may stay on fewer threads than it could use; the result is
 * the same either way. */
static int stack_threads(const struct batch *b, int64_t count)
{
    const int64_t *out = b->core.out.shape, *kernel = b->core.kernel.shape;
    int64_t outputs, taps;
    if (__builtin_mul_overflow(count, out[0], &outputs) ||
        __builtin_mul_overflow(outputs, out[1], &outputs))
        outputs = INT64_MAX;
    if (__builtin_mul_overflow(kernel[0], kernel[1], &taps))
        taps = INT64_MAX;
    return ndk_conv_direct_threads(outputs, taps,
                                   ndk_dtypes[b->core.dtype].kind == NDK_KIND_COMPLEX,
                                   b->core.out.itemsize);
}

/* Step 4 for the stack: across the threads when one image is too small
 * to thread, else image after image, each threaded by convolve.c. */
static int run_stack(struct batch *b)
{
    if (b->count == 1 || stack_threads(b, 1) > 1) {
        for (int64_t i = 0; i < b->count; i++) {
            const int rc = run_image(b, i);
            if (rc != NDKERN_OK)
                return rc;
        }
        return NDKERN_OK;
    }
    atomic_init(&b->status, NDKERN_OK);
    ndk_parallel_for(stack_threads(b, b->count), b->count, image_task, b);
    return atomic_load(&b->status);
}

NDKERN_API int ndkern_convolve2d_batched(const void *f, int f_ndim, const int64_t *f_shape,
                                         const int64_t *f_strides, const void *g, int g_ndim,
                                         const int64_t *g_shape, const int64_t *g_strides,
                                         void *h, int h_ndim, const int64_t *h_shape,
                                         const int64_t *h_strides, int dtype, int mode,
                                         int boundary, const void *fillvalue, int correlate,
                                         int method)
{
    int rc = check_codes(dtype, mode, boundary, correlate, method);
    if (rc != NDKERN_OK)
        return rc;
    struct batch b = {
        .core = {.dtype = dtype, .mode = mode, .boundary = boundary, .correlate = correlate,
                 .fillvalue = fillvalue},
        .method = method,
    };
    rc = validate_arrays(&b, f, f_ndim, f_shape, f_strides, g, g_ndim, g_shape, g_strides, h,
                         h_ndim, h_shape, h_strides);
    if (rc != NDKERN_OK || b.count == 0)
        return rc;
    /* Step 3's limits depend on the shapes alone: checked once, before
     * any image is written. */
    struct ndk_conv_plan plan;
    ndk_conv_geometry(&plan, &b.core);
    rc = ndk_conv_choose_types(&plan, fillvalue);
    return rc != NDKERN_OK ? rc : run_stack(&b);
}
