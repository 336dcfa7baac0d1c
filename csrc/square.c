/* square.c -- square_array: out = x * x, as numpy.square. */
#include "internal.h"

/* Elements per task when the work is split across threads. */
#define SQUARE_TASK_ELEMENTS (INT64_C(1) << 16)

/* What every task reads. */
struct square_job {
    struct ndk_loop loop;        /* the normalised loop over (out, x) */
    char *out, *x;               /* the arrays' data pointers */
    int64_t count;               /* elements in all */
    void (*kernel)(const char *x, int64_t x_stride, char *out, int64_t out_stride,
                   int64_t n);   /* the dtype's square kernel for this machine */
};

/* One inner run of n elements. */
static void square_run(void *ctx, char *out, char *x, int64_t n)
{
    const struct square_job *job = ctx;
    const int inner = job->loop.ndim - 1;
    job->kernel(x, job->loop.strides[1][inner], out, job->loop.strides[0][inner], n);
}

/* Elements [task * SQUARE_TASK_ELEMENTS, + SQUARE_TASK_ELEMENTS) in the
 * loop's order. */
static void square_task(void *ctx, int64_t task, int worker)
{
    struct square_job *job = ctx;
    (void)worker;
    const int64_t begin = task * SQUARE_TASK_ELEMENTS;
    const int64_t end = job->count - begin < SQUARE_TASK_ELEMENTS ? job->count
                                                                   : begin + SQUARE_TASK_ELEMENTS;
    ndk_loop_run(&job->loop, job->out, job->x, begin, end, square_run, job);
}

static int square_checked(const void *x, const int64_t *x_strides, void *out,
                          const int64_t *out_strides, int ndim, const int64_t *shape,
                          int dtype)
{
    if (!ndk_dtype_valid(dtype))
        return NDKERN_EDTYPE;
    const int64_t size = ndk_dtypes[dtype].size;
    struct ndk_array xa, oa;
    int rc = ndk_array_init(&xa, x, ndim, shape, x_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&oa, out, ndim, shape, out_strides, size, 1);
    if (rc != NDKERN_OK)
        return rc;
    if (oa.count == 0)
        return NDKERN_OK;
    if (ndk_arrays_overlap(&xa, &oa) && !ndk_arrays_identical(&xa, &oa))
        return NDKERN_EOVERLAP;

    struct square_job job = {
        .out = oa.data,
        .x = xa.data,
        .count = oa.count,
        .kernel = ndk_kernels()->square[dtype],
    };
    ndk_loop_init(&job.loop, ndim, shape, out_strides, x_strides, 2);

    const int64_t ntasks = (job.count + SQUARE_TASK_ELEMENTS - 1) / SQUARE_TASK_ELEMENTS;
    /* One multiply per element; each element read and written once. */
    const int nthreads = ndk_threads_for_cost(job.count, 2 * job.count * size);
    if (nthreads == 1)
        ndk_loop_run(&job.loop, job.out, job.x, 0, job.count, square_run, &job);
    else
        ndk_parallel_for(nthreads, ntasks, square_task, &job);
    return NDKERN_OK;
}

/* The square inside a floating-point scope (fperr.c). */
NDKERN_API int square_array(const void *x, const int64_t *x_strides, void *out,
                            const int64_t *out_strides, int ndim,
                            const int64_t *shape, int dtype)
{
    struct ndk_fp_scope scope;
    ndk_fp_begin(&scope);
    const int rc = square_checked(x, x_strides, out, out_strides, ndim, shape, dtype);
    ndk_fp_end(&scope, rc == NDKERN_OK && ndk_dtype_is_float(dtype));
    return rc;
}
