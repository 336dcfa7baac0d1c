/* layout.c -- validation of strided arrays, normalised N-d loops and the
 * multi-index odometer that walks them. */
#include "internal.h"

/* ------------------------------------------------------------ arrays */

/* The number of elements: 0 if any extent is 0 (even when the others
 * overflow), NDKERN_EINVAL for a negative extent. */
static int array_count(int ndim, const int64_t *shape, int64_t *count)
{
    int empty = 0, count_overflows = 0;
    *count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return NDKERN_EINVAL;
        empty |= shape[i] == 0;
        count_overflows |= __builtin_mul_overflow(*count, shape[i], count);
    }
    if (empty)
        *count = 0;
    else if (count_overflows)
        return NDKERN_EOVERFLOW;
    return NDKERN_OK;
}

/* The byte range [lo, hi) a non-empty array touches, relative to data;
 * checks every offset for overflow and the range for wrapping around the
 * address space. */
static int array_byte_range(const void *data, int ndim, const int64_t *shape,
                            const int64_t *strides, int64_t itemsize, int is_output,
                            int64_t *lo, int64_t *hi)
{
    *lo = *hi = 0;
    if (data == NULL)
        return NDKERN_EINVAL;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 1)
            continue;
        if (is_output && strides[i] == 0)
            return NDKERN_EINVAL;
        int64_t offset;
        if (__builtin_mul_overflow(shape[i] - 1, strides[i], &offset))
            return NDKERN_EOVERFLOW;
        if (offset < 0 ? __builtin_add_overflow(*lo, offset, lo)
                       : __builtin_add_overflow(*hi, offset, hi))
            return NDKERN_EOVERFLOW;
    }
    int64_t span;
    if (__builtin_add_overflow(*hi, itemsize, hi) || __builtin_sub_overflow(*hi, *lo, &span))
        return NDKERN_EOVERFLOW;
    uintptr_t base = (uintptr_t)data;
    if ((uint64_t)0 - (uint64_t)*lo > (uint64_t)base ||
        (uint64_t)*hi > (uint64_t)(UINTPTR_MAX - base))
        return NDKERN_EOVERFLOW;
    return NDKERN_OK;
}

int ndk_array_init(struct ndk_array *a, const void *data, int ndim,
                   const int64_t *shape, const int64_t *strides,
                   int64_t itemsize, int is_output)
{
    if (ndim < 0 || ndim > NDKERN_MAX_NDIM)
        return NDKERN_EINVAL;
    if (ndim > 0 && (shape == NULL || strides == NULL))
        return NDKERN_EINVAL;
    int64_t count, lo = 0, hi = 0;
    int rc = array_count(ndim, shape, &count);
    if (rc == NDKERN_OK && count > 0)
        rc = array_byte_range(data, ndim, shape, strides, itemsize, is_output, &lo, &hi);
    if (rc != NDKERN_OK)
        return rc;
    *a = (struct ndk_array){
        .data = (char *)(uintptr_t)data,
        .ndim = ndim,
        .count = count,
        .itemsize = itemsize,
        .lo = lo,
        .hi = hi,
        .shape = shape,
        .strides = strides,
    };
    return NDKERN_OK;
}

int ndk_arrays_overlap(const struct ndk_array *a, const struct ndk_array *b)
{
    if (a->count == 0 || b->count == 0)
        return 0;
    uintptr_t a_lo = (uintptr_t)a->data + (uintptr_t)a->lo;
    uintptr_t a_hi = (uintptr_t)a->data + (uintptr_t)a->hi;
    uintptr_t b_lo = (uintptr_t)b->data + (uintptr_t)b->lo;
    uintptr_t b_hi = (uintptr_t)b->data + (uintptr_t)b->hi;
    return a_lo < b_hi && b_lo < a_hi;
}

int ndk_arrays_identical(const struct ndk_array *a, const struct ndk_array *b)
{
    if (a->data != b->data || a->ndim != b->ndim || a->itemsize != b->itemsize)
        return 0;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] != b->shape[i])
            return 0;
        if (a->shape[i] > 1 && a->strides[i] != b->strides[i])
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------- loops */

/* Copies the axes of extent > 1 into loop (operand 1 reads src[1]); with
 * `may_reverse`, an axis every operand walks backwards is reversed.
 * Returns how many axes were kept. */
static int loop_keep_axes(struct ndk_loop *loop, int ndim, const int64_t *shape,
                          const int64_t *const src[2], int may_reverse)
{
    int n = 0;
    loop->offset[0] = loop->offset[1] = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 1)
            continue;
        int reverse = may_reverse && src[0][i] < 0 && src[1][i] < 0;
        loop->shape[n] = shape[i];
        for (int op = 0; op < 2; op++) {
            int64_t s = src[op][i];
            if (reverse) {
                loop->offset[op] += (shape[i] - 1) * s;
                s = -s;
            }
            loop->strides[op][n] = s;
        }
        n++;
    }
    return n;
}

static void loop_swap_axes(struct ndk_loop *loop, int a, int b)
{
    int64_t t = loop->shape[a];
    loop->shape[a] = loop->shape[b];
    loop->shape[b] = t;
    for (int op = 0; op < 2; op++) {
        t = loop->strides[op][a];
        loop->strides[op][a] = loop->strides[op][b];
        loop->strides[op][b] = t;
    }
}

/* Insertion sort (stable) of the first n axes by decreasing |stride| of
 * operand 0, then operand 1, so the innermost axis is the most compact. */
static void loop_sort_axes(struct ndk_loop *loop, int n)
{
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0; j--) {
            const int64_t a0 = ndk_abs64(loop->strides[0][j - 1]);
            const int64_t b0 = ndk_abs64(loop->strides[0][j]);
            const int64_t a1 = ndk_abs64(loop->strides[1][j - 1]);
            const int64_t b1 = ndk_abs64(loop->strides[1][j]);
            if (a0 > b0 || (a0 == b0 && a1 >= b1))
                break;
            loop_swap_axes(loop, j - 1, j);
        }
    }
}

/* Merges an axis into the next inner one when both operands are contiguous
 * across them; sets loop->ndim (a single element becomes one unit axis). */
static void loop_merge_axes(struct ndk_loop *loop, int n)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 &&
            loop->strides[0][m - 1] == loop->strides[0][i] * loop->shape[i] &&
            loop->strides[1][m - 1] == loop->strides[1][i] * loop->shape[i]) {
            loop->shape[m - 1] *= loop->shape[i];
            loop->strides[0][m - 1] = loop->strides[0][i];
            loop->strides[1][m - 1] = loop->strides[1][i];
            continue;
        }
        loop->shape[m] = loop->shape[i];
        loop->strides[0][m] = loop->strides[0][i];
        loop->strides[1][m] = loop->strides[1][i];
        m++;
    }
    if (m == 0) {
        loop->shape[0] = 1;
        loop->strides[0][0] = loop->strides[1][0] = 0;
        m = 1;
    }
    loop->ndim = m;
}

static void loop_normalise(struct ndk_loop *loop, int ndim, const int64_t *shape,
                           const int64_t *const src[2], int may_reverse)
{
    int n = loop_keep_axes(loop, ndim, shape, src, may_reverse);
    loop_sort_axes(loop, n);
    loop_merge_axes(loop, n);
}

void ndk_loop_init(struct ndk_loop *loop, int ndim, const int64_t *shape,
                   const int64_t *strides0, const int64_t *strides1,
                   int noperands)
{
    const int64_t *const src[2] = {strides0, noperands > 1 ? strides1 : strides0};
    loop_normalise(loop, ndim, shape, src, 1);
}

void ndk_loop_init_ordered(struct ndk_loop *loop, int ndim, const int64_t *shape,
                           const int64_t *strides)
{
    const int64_t *const src[2] = {strides, strides};
    loop_normalise(loop, ndim, shape, src, 0);
}

void ndk_loop_run(const struct ndk_loop *loop, char *base0, char *base1,
                  int64_t begin, int64_t end, ndk_run_fn fn, void *ctx)
{
    const int inner = loop->ndim - 1;
    const int64_t inner_n = loop->shape[inner];
    const int64_t inner_stride0 = loop->strides[0][inner];
    const int64_t inner_stride1 = loop->strides[1][inner];
    char *const origin0 = base0 + loop->offset[0], *const origin1 = base1 + loop->offset[1];
    /* The odometer walks the rows (the outer axes); pos is the element
     * within the row. */
    struct ndk_odometer rows;
    ndk_odometer_init(&rows, inner, loop->shape, loop->strides[0], loop->strides[1],
                      begin / inner_n);
    int64_t pos = begin % inner_n;

    while (begin < end) {
        int64_t n = inner_n - pos < end - begin ? inner_n - pos : end - begin;
        fn(ctx, origin0 + rows.offset[0] + pos * inner_stride0,
           origin1 + rows.offset[1] + pos * inner_stride1, n);
        begin += n;
        pos = 0;
        ndk_odometer_next(&rows);
    }
}

/* --------------------------------------------------------- odometer */

void ndk_odometer_init(struct ndk_odometer *o, int ndim, const int64_t *shape,
                       const int64_t *strides0, const int64_t *strides1, int64_t flat)
{
    o->ndim = ndim;
    o->shape = shape;
    o->strides[0] = strides0;
    o->strides[1] = strides1 != NULL ? strides1 : strides0;
    o->offset[0] = o->offset[1] = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        o->index[d] = flat % shape[d];
        flat /= shape[d];
        o->offset[0] += o->index[d] * o->strides[0][d];
        o->offset[1] += o->index[d] * o->strides[1][d];
    }
}

void ndk_odometer_next(struct ndk_odometer *o)
{
    for (int d = o->ndim - 1; d >= 0; d--) {
        o->offset[0] += o->strides[0][d];
        o->offset[1] += o->strides[1][d];
        if (++o->index[d] < o->shape[d])
            return;
        o->offset[0] -= o->shape[d] * o->strides[0][d];
        o->offset[1] -= o->shape[d] * o->strides[1][d];
        o->index[d] = 0;
    }
}
