/* convolve.c -- convolve2d and ndkern_correlate2d, as scipy.signal.
 *
 * Both reduce to one correlation of a padded image with a packed kernel:
 *   h[m][n] = sum_{a < kh, b < kw} W[a][b] * P(m + a)[n + b]
 * where P(t) is row t + r0 of f extended by the boundary rule, starting at
 * column c0.  Convolution uses W = g reversed in both axes (a view with
 * negative strides) and the origin of SciPy's convolve; correlation uses
 * W = conj(g) and SciPy's correlate origin.
 *
 * Integers are computed exactly in float (float32 or float64) when a bound
 * of max|f| * sum|g| below 2^24 or 2^51 proves every partial sum is an
 * exactly representable integer, and then wrapped to the result type; otherwise in the unsigned
 * integer type of their width, which wraps like SciPy's loop.  Complex runs
 * the real core twice on interleaved data, once per weight component.
 *
 * A real rank-1 kernel W = u v^T (separable: a box, a Gaussian, Sobel) is
 * detected from its values and, when that pays, runs as two passes of the
 * same core: v along each padded row, then u down the columns.  Integers
 * factor exactly and stay bit-identical; floats factor to within a few ulps
 * of each entry and differ from the direct sum by rounding only. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "fft.h"

/* Output rows per task. */
#define STRIP_ROWS 32

struct conv_plan {
    const struct ndk_kernels *k;
    int dtype, boundary, ct, is_complex;
    int64_t ct_size, vpe;            /* bytes per compute scalar; scalars per element */
    const char *f;
    int64_t fh, fw, fs0, fs1;
    char *h;
    int64_t hh, hw, hs0, hs1;
    int64_t kh, kw;
    void *w_re, *w_im;               /* packed kernel, compute type; w_im if complex */
    int separable;                   /* W = w_col w_row^T: two passes, no w_re */
    void *w_col, *w_row;             /* kh and kw factors, compute type */
    int64_t r0, c0;                  /* origin of P in f's coordinates */
    int64_t prow_len;                /* scalars per padded row */
    int64_t acc_len;                 /* scalars per accumulator row */
    int direct_store;                /* the core writes h's rows itself */
    void *fill_row;                  /* a padded row of fill values, or NULL */
    unsigned char fill[16];          /* fill value as one compute-type element */
};

/* ------------------------------------------------ element conversions */

typedef void (*row_fn)(const char *src, int64_t stride, int64_t n, void *dst);

/* Integers become floats only when the bound in choose_compute_type proves
 * them exact: |v| < 2^24 for float (through int32, which vectorises) and
 * |v| < 2^51 for double (through the 1.5 * 2^52 bias, which vectorises). */
#define NDK_BIAS 0x1.8p52
static inline double int_to_double(int64_t v)
{
    double bias = NDK_BIAS, d;
    uint64_t bits;
    memcpy(&bits, &bias, sizeof bits);
    bits += (uint64_t)v;
    memcpy(&d, &bits, sizeof d);
    return d - NDK_BIAS;
}
static inline int64_t double_to_int(double d)
{
    double bias = NDK_BIAS, biased = d + NDK_BIAS;
    uint64_t bits, base;
    memcpy(&bits, &biased, sizeof bits);
    memcpy(&base, &bias, sizeof base);
    return (int64_t)(bits - base);
}
#define NDK_INT_TO(T, v) \
    (sizeof(T) == sizeof(float) ? (T)(int32_t)(v) : (T)int_to_double((int64_t)(v)))
#define NDK_PUT_INT(d, i, v, T) ((d)[i] = NDK_INT_TO(T, v))
#define NDK_PUT_REAL(d, i, v, T) ((d)[i] = (T)(v))
#define NDK_PUT_COMPLEX(d, i, v, T) ((d)[2 * (i)] = (T)(v).re, (d)[2 * (i) + 1] = (T)(v).im)

#define NDK_DEFINE_ROW_TO(CODE, name, ctype, KIND, scalar, SIGNED, tag, T)          \
    static void row_##name##_##tag(const char *src, int64_t stride, int64_t n,      \
                                   void *dst)                                       \
    {                                                                               \
        T *d = dst;                                                                 \
        if (NDK_KIND_##KIND == NDK_KIND_REAL && sizeof(ctype) == sizeof(T) &&        \
            stride == (int64_t)sizeof(ctype)) {                                     \
            memcpy(d, src, (size_t)n * sizeof(T)); /* same type: a copy */          \
        } else if (stride == (int64_t)sizeof(ctype)) {                              \
            for (int64_t i = 0; i < n; i++)                                         \
                NDK_PUT_##KIND(d, i, ndk_load_##name(src + i * sizeof(ctype)), T);  \
        } else {                                                                    \
            for (int64_t i = 0; i < n; i++)                                         \
                NDK_PUT_##KIND(d, i, ndk_load_##name(src + i * stride), T);         \
        }                                                                           \
    }
#define NDK_DEFINE_ROW_NATIVE_INT(name, ctype, scalar)                              \
    static void row_##name##_native(const char *src, int64_t stride, int64_t n,     \
                                    void *dst)                                      \
    {                                                                               \
        scalar *d = dst;                                                            \
        for (int64_t i = 0; i < n; i++)                                             \
            d[i] = (scalar)ndk_load_##name(src + i * stride);                       \
    }
#define NDK_DEFINE_ROW_NATIVE_REAL(name, ctype, scalar)
#define NDK_DEFINE_ROW_NATIVE_COMPLEX(name, ctype, scalar)
#define NDK_DEFINE_ROWS(CODE, name, ctype, KIND, scalar, SIGNED)                    \
    NDK_DEFINE_ROW_TO(CODE, name, ctype, KIND, scalar, SIGNED, f32, float)          \
    NDK_DEFINE_ROW_TO(CODE, name, ctype, KIND, scalar, SIGNED, f64, double)         \
    NDK_DEFINE_ROW_NATIVE_##KIND(name, ctype, scalar)
NDK_FOR_EACH_DTYPE(NDK_DEFINE_ROWS)

#define NDK_ROW_F32_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) [NDKERN_##CODE] = row_##name##_f32,
#define NDK_ROW_F64_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) [NDKERN_##CODE] = row_##name##_f64,
#define NDK_ROW_NATIVE_INT(name) row_##name##_native
#define NDK_ROW_NATIVE_REAL(name) NULL
#define NDK_ROW_NATIVE_COMPLEX(name) NULL
#define NDK_ROW_NATIVE_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) \
    [NDKERN_##CODE] = NDK_ROW_NATIVE_##KIND(name),
static const row_fn rows_f32[NDK_NDTYPES] = {NDK_FOR_EACH_DTYPE(NDK_ROW_F32_ENTRY)};
static const row_fn rows_f64[NDK_NDTYPES] = {NDK_FOR_EACH_DTYPE(NDK_ROW_F64_ENTRY)};
static const row_fn rows_native[NDK_NDTYPES] = {NDK_FOR_EACH_DTYPE(NDK_ROW_NATIVE_ENTRY)};

static row_fn row_converter(const struct conv_plan *p)
{
    return p->ct == NDK_CT_F32 ? rows_f32[p->dtype]
         : p->ct == NDK_CT_F64 ? rows_f64[p->dtype]
         : rows_native[p->dtype];
}

/* Accumulator rows (compute type) to output elements.  Complex combines
 * the passes: a = sum w_re * P, b = sum w_im * P (interleaved), so
 * re = a.re - b.im and im = a.im + b.re.  Integers computed in float are
 * exact integers: converted through int64 and wrapped to the width. */
#define NDK_STORE_LOOP(name, ctype, value)                                          \
    if (stride == (int64_t)sizeof(ctype)) {                                         \
        for (int64_t i = 0; i < n; i++)                                             \
            ndk_store_##name(dst + i * sizeof(ctype), value);                       \
    } else {                                                                        \
        for (int64_t i = 0; i < n; i++)                                             \
            ndk_store_##name(dst + i * stride, value);                              \
    }
#define NDK_FROM_F32(i) (((const float *)a)[i])
#define NDK_FROM_F64(i) (((const double *)a)[i])
#define NDK_STORE_INT(name, ctype, scalar)                                          \
    if (ct == NDK_CT_F32) {                                                         \
        NDK_STORE_LOOP(name, ctype, (ctype)(scalar)(uint64_t)(int64_t)(int32_t)NDK_FROM_F32(i)) \
    } else if (ct == NDK_CT_F64) {                                                  \
        NDK_STORE_LOOP(name, ctype, (ctype)(scalar)(uint64_t)double_to_int(NDK_FROM_F64(i))) \
    } else {                                                                        \
        NDK_STORE_LOOP(name, ctype, (ctype)((const scalar *)a)[i])                  \
    }
#define NDK_STORE_REAL(name, ctype, scalar)                                         \
    if (stride == (int64_t)sizeof(ctype)) {                                         \
        memcpy(dst, a, (size_t)n * sizeof(ctype)); /* same type: a copy */         \
    } else {                                                                        \
        NDK_STORE_LOOP(name, ctype, (ctype)((const scalar *)a)[i])                  \
    }
#define NDK_STORE_COMPLEX(name, ctype, scalar)                                      \
    NDK_STORE_LOOP(name, ctype,                                                     \
                   ((ctype){((const scalar *)a)[2 * i] - ((const scalar *)b)[2 * i + 1], \
                            ((const scalar *)a)[2 * i + 1] + ((const scalar *)b)[2 * i]}))
#define NDK_STORE_CASE(CODE, name, ctype, KIND, scalar, SIGNED)                     \
    case NDKERN_##CODE: {                                                           \
        NDK_STORE_##KIND(name, ctype, scalar)                                       \
        break;                                                                      \
    }

static void store_row(const struct conv_plan *p, const void *a, const void *b,
                      int64_t n, char *dst, int64_t stride)
{
    const int ct = p->ct;
    (void)ct;
    (void)b;
    switch (p->dtype) {
        NDK_FOR_EACH_DTYPE(NDK_STORE_CASE)
    }
}

/* --------------------------------------------------------- the boundary */

/* Index i of an axis of extent n under the boundary rule, or -1 (fill). */
static int64_t extend(int64_t i, int64_t n, int boundary)
{
    if (i >= 0 && i < n)
        return i;
    if (boundary == NDKERN_BOUNDARY_WRAP)
        return (i % n + n) % n;
    if (boundary == NDKERN_BOUNDARY_SYMM) {
        int64_t j = (i % (2 * n) + 2 * n) % (2 * n);
        return j < n ? j : 2 * n - 1 - j;
    }
    return -1;
}

/* Builds padded row P(t) in dst, or returns the shared fill row. */
static const void *padded_row(const struct conv_plan *p, int64_t t, char *dst)
{
    int64_t fr = extend(t + p->r0, p->fh, p->boundary);
    if (fr < 0 || p->fw == 0) /* f may then be NULL: no pointer arithmetic */
        return p->fill_row;
    const row_fn convert = row_converter(p);
    const char *src = p->f + fr * p->fs0;
    const int64_t elem = p->vpe * p->ct_size;
    const int64_t pw = p->hw + p->kw - 1;
    /* Columns inside f: one run; the rest one by one. */
    int64_t in0 = -p->c0 > 0 ? -p->c0 : 0;
    int64_t in1 = p->fw - p->c0 < pw ? p->fw - p->c0 : pw;
    if (in1 > in0)
        convert(src + (in0 + p->c0) * p->fs1, p->fs1, in1 - in0, dst + in0 * elem);
    else
        in0 = in1 = pw;
    for (int64_t q = 0; q < pw; q++) {
        if (q == in0)
            q = in1;
        if (q >= pw)
            break;
        int64_t fc = extend(q + p->c0, p->fw, p->boundary);
        if (fc < 0)
            memcpy(dst + q * elem, p->fill, (size_t)elem);
        else
            convert(src + fc * p->fs1, 0, 1, dst + q * elem);
    }
    memset(dst + pw * elem, 0, (size_t)(NDK_CONV_ROW_SLACK * p->ct_size));
    return dst;
}

/* ------------------------------------------------------------- the work */

struct conv_space {
    char *rows;              /* (STRIP_ROWS + kh - 1) padded rows */
    const void **row_ptrs;
    char *acc_a, *acc_b;     /* min(hh, STRIP_ROWS) accumulator rows each */
    char *pass_rows;         /* separable: each padded row correlated with */
    const void **pass_ptrs;  /* w_row, acc_len scalars per row, zero slack */
};

struct conv_job {
    const struct conv_plan *p;
    struct conv_space *spaces;
};

static void conv_task(void *ctx, int64_t task, int worker)
{
    const struct conv_job *job = ctx;
    const struct conv_plan *p = job->p;
    struct conv_space *s = &job->spaces[worker];
    const int64_t m0 = task * STRIP_ROWS;
    const int64_t nrows = p->hh - m0 < STRIP_ROWS ? p->hh - m0 : STRIP_ROWS;
    const int64_t row_bytes = p->prow_len * p->ct_size;

    for (int64_t t = 0; t < nrows + p->kh - 1; t++)
        s->row_ptrs[t] = padded_row(p, m0 + t, s->rows + t * row_bytes);

    const int64_t width = p->hw * p->vpe;
    const int64_t tap_step = p->vpe;
    const void *const *rows = s->row_ptrs;
    const void *w = p->w_re;
    int64_t kh = p->kh, kw = p->kw;
    if (p->separable) { /* along each padded row, then down the columns */
        p->k->conv_core[p->ct](s->row_ptrs, tap_step, p->w_row, 1, kw, width,
                               nrows + kh - 1, s->pass_rows, p->acc_len);
        rows = s->pass_ptrs;
        w = p->w_col;
        kw = 1;
    }
    if (p->direct_store) { /* h rows are the accumulator rows */
        p->k->conv_core[p->ct](rows, tap_step, w, kh, kw, width, nrows, p->h + m0 * p->hs0,
                               p->hs0 / p->ct_size);
        return;
    }
    p->k->conv_core[p->ct](rows, tap_step, w, kh, kw, width, nrows, s->acc_a, p->acc_len);
    if (p->is_complex)
        p->k->conv_core[p->ct](rows, tap_step, p->w_im, kh, kw, width, nrows, s->acc_b,
                               p->acc_len);
    for (int64_t r = 0; r < nrows; r++) {
        const int64_t off = r * p->acc_len * p->ct_size;
        store_row(p, s->acc_a + off, p->is_complex ? s->acc_b + off : NULL, p->hw,
                  p->h + (m0 + r) * p->hs0, p->hs1);
    }
}

static void free_spaces(struct conv_space *spaces, int n)
{
    for (int i = 0; i < n; i++) {
        free(spaces[i].rows);
        free(spaces[i].row_ptrs);
        free(spaces[i].acc_a);
        free(spaces[i].acc_b);
        free(spaces[i].pass_rows);
        free(spaces[i].pass_ptrs);
    }
    free(spaces);
}

/* The fill row, only when the padded window leaves f. */
static int make_fill_row(struct conv_plan *p)
{
    const int64_t pw = p->hw + p->kw - 1;
    const int needs_fill = p->r0 < 0 || p->r0 + p->hh + p->kh - 1 > p->fh || p->c0 < 0 ||
                           p->c0 + pw > p->fw;
    if (p->boundary != NDKERN_BOUNDARY_FILL || !needs_fill)
        return NDKERN_OK;
    p->fill_row = malloc((size_t)(p->prow_len * p->ct_size));
    if (p->fill_row == NULL)
        return NDKERN_ENOMEM;
    for (int64_t q = 0; q < pw; q++)
        memcpy((char *)p->fill_row + q * p->vpe * p->ct_size, p->fill,
               (size_t)(p->vpe * p->ct_size));
    memset((char *)p->fill_row + pw * p->vpe * p->ct_size, 0,
           (size_t)(NDK_CONV_ROW_SLACK * p->ct_size));
    return NDKERN_OK;
}

static int run_plan(struct conv_plan *p)
{
    const int64_t ntasks = (p->hh + STRIP_ROWS - 1) / STRIP_ROWS;
    const int64_t strip_rows = (p->hh < STRIP_ROWS ? p->hh : STRIP_ROWS) + p->kh - 1;
    int64_t macs = p->hh * p->hw;
    if (__builtin_mul_overflow(macs, p->separable ? p->kh + p->kw : p->kh * p->kw, &macs))
        macs = INT64_MAX;
    int nthreads = ndk_threads_for(macs, INT64_C(1) << 21);
    if (nthreads > ntasks)
        nthreads = (int)ntasks;

    /* Every buffer is allocated before any output is written. */
    size_t row_bytes = (size_t)(p->prow_len * p->ct_size);
    const int64_t acc_rows = p->hh < STRIP_ROWS ? p->hh : STRIP_ROWS;
    size_t acc_bytes = (size_t)(acc_rows * p->acc_len * p->ct_size);
    struct conv_space *spaces = calloc((size_t)nthreads, sizeof *spaces);
    int ok = spaces != NULL;
    for (int i = 0; ok && i < nthreads; i++) {
        spaces[i].rows = malloc(row_bytes * (size_t)strip_rows);
        spaces[i].row_ptrs = malloc(sizeof(void *) * (size_t)strip_rows);
        spaces[i].acc_a = malloc(acc_bytes);
        spaces[i].acc_b = p->is_complex ? malloc(acc_bytes) : NULL;
        ok = spaces[i].rows && spaces[i].row_ptrs && spaces[i].acc_a &&
             (spaces[i].acc_b || !p->is_complex);
        if (ok && p->separable) { /* calloc: the slack the second pass reads is zero */
            spaces[i].pass_rows = calloc((size_t)strip_rows, (size_t)(p->acc_len * p->ct_size));
            spaces[i].pass_ptrs = malloc(sizeof(void *) * (size_t)strip_rows);
            ok = spaces[i].pass_rows && spaces[i].pass_ptrs;
            for (int64_t t = 0; ok && t < strip_rows; t++)
                spaces[i].pass_ptrs[t] = spaces[i].pass_rows + t * p->acc_len * p->ct_size;
        }
    }
    ok = ok && make_fill_row(p) == NDKERN_OK;
    if (!ok) {
        if (spaces != NULL)
            free_spaces(spaces, nthreads);
        return NDKERN_ENOMEM;
    }
    struct conv_job job = {p, spaces};
    ndk_parallel_for(nthreads, ntasks, conv_task, &job);
    free_spaces(spaces, nthreads);
    return NDKERN_OK;
}

/* ------------------------------------------------------------- planning */

/* An upper bound of |v| over n integer elements, at most twice the largest:
 * the OR of the one's-complement magnitudes, plus one (an OR reduction
 * vectorises where a 64-bit max does not). */
#define NDK_ONES1(v) ((v) < 0 ? ~(uint64_t)(v) : (uint64_t)(v))
#define NDK_ONES0(v) ((uint64_t)(v))
#define NDK_DEFINE_MAX_MAGNITUDE_INT(name, ctype, SIGNED)                           \
    static uint64_t max_magnitude_##name(const char *p, int64_t stride, int64_t n)  \
    {                                                                               \
        uint64_t bits = 0;                                                          \
        if (stride == (int64_t)sizeof(ctype)) {                                     \
            for (int64_t i = 0; i < n; i++)                                         \
                bits |= NDK_ONES##SIGNED(ndk_load_##name(p + i * (int64_t)sizeof(ctype))); \
        } else {                                                                    \
            for (int64_t i = 0; i < n; i++)                                         \
                bits |= NDK_ONES##SIGNED(ndk_load_##name(p + i * stride));          \
        }                                                                           \
        return bits == UINT64_MAX ? bits : bits + SIGNED;                           \
    }
#define NDK_DEFINE_MAX_MAGNITUDE_REAL(name, ctype, SIGNED)
#define NDK_DEFINE_MAX_MAGNITUDE_COMPLEX(name, ctype, SIGNED)
#define NDK_DEFINE_MAX_MAGNITUDE(CODE, name, ctype, KIND, scalar, SIGNED) \
    NDK_DEFINE_MAX_MAGNITUDE_##KIND(name, ctype, SIGNED)
NDK_FOR_EACH_DTYPE(NDK_DEFINE_MAX_MAGNITUDE)

typedef uint64_t (*magnitude_fn)(const char *p, int64_t stride, int64_t n);
#define NDK_MAX_MAGNITUDE_INT(name) max_magnitude_##name
#define NDK_MAX_MAGNITUDE_REAL(name) NULL
#define NDK_MAX_MAGNITUDE_COMPLEX(name) NULL
#define NDK_MAX_MAGNITUDE_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) \
    [NDKERN_##CODE] = NDK_MAX_MAGNITUDE_##KIND(name),
static const magnitude_fn max_magnitude[NDK_NDTYPES] = {
    NDK_FOR_EACH_DTYPE(NDK_MAX_MAGNITUDE_ENTRY)
};

/* max |f| (with the fill value when it may be used) times sum |g|, or
 * UINT64_MAX when that overflows. */
static uint64_t integer_bound(const struct conv_plan *p, const char *g, int64_t gs0,
                              int64_t gs1, const void *fillvalue)
{
    const magnitude_fn magnitude = max_magnitude[p->dtype];
    uint64_t fmax = 0, gsum = 0, bound;
    for (int64_t i = 0; i < p->fh && p->fw > 0; i++) {
        uint64_t v = magnitude(p->f + i * p->fs0, p->fs1, p->fw);
        fmax = v > fmax ? v : fmax;
    }
    if (p->boundary == NDKERN_BOUNDARY_FILL && fillvalue != NULL) {
        uint64_t v = magnitude(fillvalue, 0, 1);
        fmax = v > fmax ? v : fmax;
    }
    for (int64_t a = 0; a < p->kh; a++)
        for (int64_t b = 0; b < p->kw; b++)
            if (__builtin_add_overflow(gsum, magnitude(g + a * gs0 + b * gs1, 0, 1), &gsum))
                return UINT64_MAX;
    if (__builtin_mul_overflow(fmax, gsum, &bound))
        return UINT64_MAX;
    return bound;
}

static int choose_compute_type(struct conv_plan *p, const char *g, int64_t gs0,
                               int64_t gs1, const void *fillvalue)
{
    switch (p->dtype) {
    case NDKERN_FLOAT32:
    case NDKERN_COMPLEX64:
        return NDK_CT_F32;
    case NDKERN_FLOAT64:
    case NDKERN_COMPLEX128:
        return NDK_CT_F64;
    default:
        break;
    }
    uint64_t bound = integer_bound(p, g, gs0, gs1, fillvalue);
    if (bound < (UINT64_C(1) << 24))
        return NDK_CT_F32;
    if (bound < (UINT64_C(1) << 51))
        return NDK_CT_F64;
    switch (ndk_dtypes[p->dtype].size) {
    case 1:
        return NDK_CT_U8;
    case 2:
        return NDK_CT_U16;
    case 4:
        return NDK_CT_U32;
    default:
        return NDK_CT_U64;
    }
}

/* Packs the kernel view W (kh x kw, byte strides ws0, ws1) into compute-type
 * planes; correlation conjugates complex kernels. */
static int pack_kernel(struct conv_plan *p, const char *w, int64_t ws0, int64_t ws1,
                       int conjugate)
{
    const size_t taps = (size_t)(p->kh * p->kw);
    char *interleaved = malloc(taps * (size_t)(p->vpe * p->ct_size));
    p->w_re = malloc(taps * (size_t)p->ct_size);
    p->w_im = p->is_complex ? malloc(taps * (size_t)p->ct_size) : NULL;
    if (interleaved == NULL || p->w_re == NULL || (p->is_complex && p->w_im == NULL)) {
        free(interleaved);
        return NDKERN_ENOMEM;
    }
    const row_fn convert = row_converter(p);
    for (int64_t a = 0; a < p->kh; a++)
        convert(w + a * ws0, ws1, p->kw,
                interleaved + (size_t)(a * p->kw * p->vpe * p->ct_size));
    for (size_t i = 0; i < taps; i++) {
        const char *src = interleaved + i * (size_t)(p->vpe * p->ct_size);
        memcpy((char *)p->w_re + i * (size_t)p->ct_size, src, (size_t)p->ct_size);
        if (!p->is_complex)
            continue;
        if (p->ct == NDK_CT_F32) {
            float im = ((const float *)(const void *)src)[1];
            ((float *)p->w_im)[i] = conjugate ? -im : im;
        } else {
            double im = ((const double *)(const void *)src)[1];
            ((double *)p->w_im)[i] = conjugate ? -im : im;
        }
    }
    free(interleaved);
    return NDKERN_OK;
}

/* ---------------------------------------------------- separable kernels */

/* A rank-1 kernel W = u v^T (u: kh, v: kw) runs as two passes of the same
 * core: kh + kw multiply-adds per output instead of kh * kw.  It runs when
 * that saves at least SEPARABLE_MIN_SAVED taps: the extra pass over memory
 * costs about ten (measured on 1000x1000 with AVX-512: 3x3, 4x4, 3x5 and 2x9
 * gain nothing; 5x5, 3x7 and 2x15 gain 5-25%, 9x9 25-40%, 31x31 70-90%).
 * The choice depends on W alone, never on threads or the SIMD level, so
 * results stay bit-identical for any thread count.
 *
 * Integers factor exactly: v is the first nonzero row divided by the gcd of
 * its entries, u[a] = W[a][q] / v[q], and every W[a][b] == u[a] * v[b] is
 * checked in int64.  The sums stay exact: wrapping types are a ring (the
 * two passes equal the direct sum modulo 2^bits), and in float compute
 * types every partial sum of either pass is at most max|f| * sum|v| *
 * sum|u| = max|f| * sum|g|, the bound that chose the float type (sum|u| >= 1).
 * (Entries are read modulo 2^64, which is exact where the bound allows a
 * float type and congruent where it does not.)
 *
 * Floats factor through the largest |W[p][q]|: u = W[:,q] (exact), v =
 * W[p,:] / W[p][q] rounded to the compute type, accepted when W is finite,
 * every nonzero |W[a][b]| is a normal number of the compute type within
 * SEPARABLE_ULPS * eps * |W[a][b]| of u[a] v[b], and u[a] v[b] == 0 exactly
 * where W[a][b] == 0.  Each term's weight is then right to a few units of
 * rounding (u = eps / 2) with its sign and zeros exact, so the two passes
 * are within (kh + kw + 2 SEPARABLE_ULPS + 1) u * sum|W||f| of the exact
 * value -- inside the direct sum's own bound of about kh * kw * u *
 * sum|W||f| once the path runs (kh * kw - kh - kw >= 11) -- and infinities
 * and NaNs in f come out as in the direct sum.  (A tolerance relative to
 * max|W| instead let small entries be wrong by far more than their own
 * rounding; fuzz_convolve found it.) */
#define SEPARABLE_MIN_SAVED 11
#define SEPARABLE_ULPS 3

/* Greatest common divisor of |x| and g (g = 0: |x|). */
static uint64_t gcd_u64(uint64_t g, int64_t x)
{
    uint64_t b = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    while (b != 0) {
        uint64_t t = g % b;
        g = b;
        b = t;
    }
    return g;
}

/* Integer W = col row^T?  buf holds kw values. */
static int factor_integer(const struct conv_plan *p, const char *w, int64_t ws0, int64_t ws1,
                          int64_t *col, int64_t *row, int64_t *buf)
{
    const int64_t kh = p->kh, kw = p->kw;
    uint64_t g = 0;
    int64_t a = 0, q = 0;
    for (; a < kh && g == 0; a++) { /* the first nonzero row, made primitive */
        p->k->to_int[p->dtype](w + a * ws0, ws1, kw, (uint64_t *)buf);
        for (int64_t b = 0; b < kw; b++)
            g = gcd_u64(g, buf[b]);
    }
    if (g == 0 || g > INT64_MAX)
        return 0;
    for (int64_t b = 0; b < kw; b++)
        row[b] = buf[b] / (int64_t)g;
    while (row[q] == 0)
        q++;
    for (a = 0; a < kh; a++) {
        p->k->to_int[p->dtype](w + a * ws0, ws1, kw, (uint64_t *)buf);
        if (buf[q] % row[q] != 0 || (row[q] == -1 && buf[q] == INT64_MIN))
            return 0;
        col[a] = buf[q] / row[q];
        for (int64_t b = 0; b < kw; b++) {
            int64_t product;
            if (__builtin_mul_overflow(col[a], row[b], &product) || product != buf[b])
                return 0;
        }
    }
    return 1;
}

/* Float W = col row^T to the tolerance above, row rounded as the compute
 * type?  buf holds kw values. */
static int factor_float(const struct conv_plan *p, const char *w, int64_t ws0, int64_t ws1,
                        double *col, double *row, double *buf)
{
    const int64_t kh = p->kh, kw = p->kw;
    double largest = 0;
    int64_t pa = 0, pb = 0;
    for (int64_t a = 0; a < kh; a++) {
        p->k->to_real[p->dtype](w + a * ws0, ws1, kw, buf);
        for (int64_t b = 0; b < kw; b++) {
            if (!isfinite(buf[b]))
                return 0;
            if (fabs(buf[b]) > largest) {
                largest = fabs(buf[b]);
                pa = a;
                pb = b;
            }
        }
    }
    if (largest == 0)
        return 0;
    p->k->to_real[p->dtype](w + pa * ws0, ws1, kw, row);
    const double pivot = row[pb];
    for (int64_t b = 0; b < kw; b++)
        row[b] = p->ct == NDK_CT_F32 ? (double)(float)(row[b] / pivot) : row[b] / pivot;
    const double eps = p->ct == NDK_CT_F32 ? FLT_EPSILON : DBL_EPSILON;
    const double smallest = p->ct == NDK_CT_F32 ? FLT_MIN : DBL_MIN;
    for (int64_t a = 0; a < kh; a++) {
        p->k->to_real[p->dtype](w + a * ws0, ws1, kw, buf);
        col[a] = buf[pb];
        for (int64_t b = 0; b < kw; b++) {
            const double product = col[a] * row[b], entry = fabs(buf[b]);
            if (buf[b] == 0 ? product != 0
                            : entry < smallest || product == 0 ||
                                  fabs(buf[b] - product) > SEPARABLE_ULPS * eps * entry)
                return 0;
        }
    }
    return 1;
}

/* n factors (integer or real) as compute-type scalars. */
static void factor_to_ct(int ct, const int64_t *ints, const double *reals, int64_t n,
                         void *dst)
{
    for (int64_t i = 0; i < n; i++) {
        switch (ct) {
        case NDK_CT_F32:
            ((float *)dst)[i] = ints ? (float)ints[i] : (float)reals[i];
            break;
        case NDK_CT_F64:
            ((double *)dst)[i] = ints ? (double)ints[i] : reals[i];
            break;
        case NDK_CT_U8:
            ((uint8_t *)dst)[i] = (uint8_t)ints[i];
            break;
        case NDK_CT_U16:
            ((uint16_t *)dst)[i] = (uint16_t)ints[i];
            break;
        case NDK_CT_U32:
            ((uint32_t *)dst)[i] = (uint32_t)ints[i];
            break;
        default:
            ((uint64_t *)dst)[i] = (uint64_t)ints[i];
            break;
        }
    }
}

/* Sets p->separable, p->w_col and p->w_row when W (kh x kw, byte strides
 * ws0, ws1, original values) is rank 1 and two passes pay. */
static int plan_separable(struct conv_plan *p, const char *w, int64_t ws0, int64_t ws1)
{
    if (p->is_complex || p->kh * p->kw - (p->kh + p->kw) < SEPARABLE_MIN_SAVED)
        return NDKERN_OK;
    const int is_int = ndk_dtypes[p->dtype].kind == NDK_KIND_INT;
    const size_t n = (size_t)(p->kh + 2 * p->kw);
    void *scratch = malloc(n * 8); /* col, row, one row of W: int64 or double */
    if (scratch == NULL)
        return NDKERN_ENOMEM;
    int64_t *ints = scratch;
    double *reals = scratch;
    const int rank1 = is_int ? factor_integer(p, w, ws0, ws1, ints, ints + p->kh,
                                              ints + p->kh + p->kw)
                             : factor_float(p, w, ws0, ws1, reals, reals + p->kh,
                                            reals + p->kh + p->kw);
    int rc = NDKERN_OK;
    if (rank1) {
        p->w_col = malloc((size_t)(p->kh * p->ct_size));
        p->w_row = malloc((size_t)(p->kw * p->ct_size));
        rc = p->w_col != NULL && p->w_row != NULL ? NDKERN_OK : NDKERN_ENOMEM;
    }
    if (rank1 && rc == NDKERN_OK) {
        factor_to_ct(p->ct, is_int ? ints : NULL, reals, p->kh, p->w_col);
        factor_to_ct(p->ct, is_int ? ints + p->kh : NULL, reals + p->kh, p->kw, p->w_row);
        p->separable = 1;
    }
    free(scratch);
    return rc;
}

/* Writes zeros to every element of h (an empty kernel sums no terms). */
static int store_zeros(struct conv_plan *p)
{
    void *zeros = calloc((size_t)(p->hw > 0 ? p->hw : 1), (size_t)(p->vpe * p->ct_size));
    if (zeros == NULL)
        return NDKERN_ENOMEM;
    for (int64_t m = 0; m < p->hh; m++)
        store_row(p, zeros, zeros, p->hw, p->h + m * p->hs0, p->hs1);
    free(zeros);
    return NDKERN_OK;
}

/* ------------------------------------------------------------ FFT method */

/* The FFT method computes the same correlation of the padded image P with
 * W (fft.h): P's rows come from padded_row, so every boundary and fill
 * value is handled as in the direct sum. */
static const void *fft_image_row(const void *ctx, int64_t t, void *buf)
{
    return padded_row(ctx, t, buf);
}

static void fft_store_segment(const void *ctx, int64_t m, int64_t n0, int64_t count,
                              const void *values)
{
    const struct conv_plan *p = ctx;
    char *dst = p->h + m * p->hs0 + n0 * p->hs1;
    const int64_t elem = p->vpe * p->ct_size;
    if (!p->is_complex) {
        store_row(p, values, NULL, count, dst, p->hs1);
        return;
    }
    for (int64_t n = 0; n < count; n++) /* (re, im) pairs are complex elements */
        memcpy(dst + n * p->hs1, (const char *)values + n * elem, (size_t)elem);
}

/* W (kh x kw, byte strides ws0, ws1) as contiguous compute-type values,
 * conjugated for a complex correlation, then the FFT correlation. */
static int run_fft(struct conv_plan *p, const char *w, int64_t ws0, int64_t ws1, int conjugate)
{
    const int64_t elem = p->vpe * p->ct_size;
    char *weights = malloc((size_t)(p->kh * p->kw * elem));
    int rc = weights != NULL ? make_fill_row(p) : NDKERN_ENOMEM;
    for (int64_t a = 0; rc == NDKERN_OK && a < p->kh; a++)
        row_converter(p)(w + a * ws0, ws1, p->kw, weights + a * p->kw * elem);
    for (int64_t i = 0; rc == NDKERN_OK && conjugate && p->is_complex && i < p->kh * p->kw; i++) {
        if (p->ct == NDK_CT_F32)
            ((float *)(void *)weights)[2 * i + 1] *= -1;
        else
            ((double *)(void *)weights)[2 * i + 1] *= -1;
    }
    const struct ndk_fft_conv conv = {
        .is_f32 = p->ct == NDK_CT_F32,
        .is_complex = p->is_complex,
        .ph = p->hh + p->kh - 1,
        .pw = p->hw + p->kw - 1,
        .kh = p->kh,
        .kw = p->kw,
        .weights = weights,
        .image_row = fft_image_row,
        .store_segment = fft_store_segment,
        .ctx = p,
        .row_capacity = p->prow_len,
    };
    if (rc == NDKERN_OK)
        rc = ndk_fft_correlate(&conv);
    free(weights);
    return rc;
}

/* The direct method's cost per output pixel, in nanoseconds: per tap plus
 * a fixed part, float32 and float64, per kernel level.  Measured with one
 * thread on a 1000x1000 image, K = 15 ... 63 (Intel Xeon, AVX-512,
 * 2026-12): per-tap cost falls as K grows, which the fixed part absorbs. */
struct direct_cost {
    const char *level;
    double tap_ns[2], pixel_ns[2]; /* [0] float32, [1] float64 */
};
static const struct direct_cost direct_costs[] = {
    {.level = "avx512", .tap_ns = {0.012, 0.024}, .pixel_ns = {1.8, 3.5}},
    {.level = "avx2", .tap_ns = {0.021, 0.043}, .pixel_ns = {1.1, 2.3}},
    {.level = "baseline", .tap_ns = {0.10, 0.19}, .pixel_ns = {1.0, 1.5}},
};

static const struct direct_cost *direct_cost_here(void)
{
    const char *level = ndk_kernels()->name;
    const size_t n = sizeof direct_costs / sizeof direct_costs[0];
    for (size_t i = 0; i + 1 < n; i++)
        if (strcmp(level, direct_costs[i].level) == 0)
            return &direct_costs[i];
    return &direct_costs[n - 1];
}

/* The cost model of NDKERN_METHOD_AUTO for an hh x hw output of a float
 * dtype and a kh x kw kernel (two passes of kh + kw taps if separable). */
static int fft_is_faster(int64_t hh, int64_t hw, int64_t kh, int64_t kw, int dtype,
                         int separable)
{
    const int is_f32 = dtype == NDKERN_FLOAT32 || dtype == NDKERN_COMPLEX64;
    const int is_complex = ndk_dtypes[dtype].kind == NDK_KIND_COMPLEX;
    const struct direct_cost *cost = direct_cost_here();
    const double taps = separable ? (double)(kh + kw) : (double)kh * (double)kw;
    const double direct = (double)hh * (double)hw * (is_complex ? 4 : 1) *
                          (taps * cost->tap_ns[!is_f32] + cost->pixel_ns[!is_f32]);
    const double fft = ndk_fft_correlate_cost(hh + kh - 1, hw + kw - 1, is_f32, is_complex);
    return ndk_dtypes[dtype].kind != NDK_KIND_INT && fft < direct;
}

NDKERN_API int ndkern_choose_conv_method(const int64_t f_shape[2], const int64_t g_shape[2],
                                         int dtype, int mode)
{
    if (!ndk_dtype_valid(dtype))
        return NDKERN_EDTYPE;
    if (f_shape == NULL || g_shape == NULL || mode < NDKERN_MODE_FULL ||
        mode > NDKERN_MODE_VALID || f_shape[0] < 0 || f_shape[1] < 0 || g_shape[0] < 0 ||
        g_shape[1] < 0)
        return NDKERN_EINVAL;
    const int f_contains = f_shape[0] >= g_shape[0] && f_shape[1] >= g_shape[1];
    const int g_contains = g_shape[0] >= f_shape[0] && g_shape[1] >= f_shape[1];
    if (mode == NDKERN_MODE_VALID && !f_contains && !g_contains)
        return NDKERN_ESHAPE;
    const int swap = mode == NDKERN_MODE_VALID && !f_contains;
    const int64_t *img = swap ? g_shape : f_shape, *ker = swap ? f_shape : g_shape;
    int64_t hh = img[0], hw = img[1];
    if (mode != NDKERN_MODE_SAME) {
        const int64_t sign = mode == NDKERN_MODE_FULL ? 1 : -1;
        hh = img[0] + sign * (ker[0] - 1);
        hw = img[1] + sign * (ker[1] - 1);
    }
    if (hh <= 0 || hw <= 0 || ker[0] == 0 || ker[1] == 0 || img[0] > INT64_MAX / 4 ||
        img[1] > INT64_MAX / 4 || ker[0] > INT64_MAX / 4 || ker[1] > INT64_MAX / 4)
        return NDKERN_METHOD_DIRECT;
    return fft_is_faster(hh, hw, ker[0], ker[1], dtype, 0) ? NDKERN_METHOD_FFT
                                                           : NDKERN_METHOD_DIRECT;
}

static int conv_common(const void *f, const int64_t f_shape[2], const int64_t f_strides[2],
                       const void *g, const int64_t g_shape[2], const int64_t g_strides[2],
                       void *h, const int64_t h_shape[2], const int64_t h_strides[2],
                       int dtype, int mode, int boundary, const void *fillvalue,
                       int correlate, int method)
{
    if (!ndk_dtype_valid(dtype))
        return NDKERN_EDTYPE;
    if (mode < NDKERN_MODE_FULL || mode > NDKERN_MODE_VALID ||
        boundary < NDKERN_BOUNDARY_FILL || boundary > NDKERN_BOUNDARY_SYMM ||
        (correlate != 0 && correlate != 1) ||
        method < NDKERN_METHOD_DIRECT || method > NDKERN_METHOD_AUTO)
        return NDKERN_EINVAL;
    if (method == NDKERN_METHOD_FFT && ndk_dtypes[dtype].kind == NDK_KIND_INT)
        return NDKERN_EDTYPE;
    const int64_t size = ndk_dtypes[dtype].size;
    struct ndk_array fa, ga, ha;
    int rc = ndk_array_init(&fa, f, 2, f_shape, f_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&ga, g, 2, g_shape, g_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&ha, h, 2, h_shape, h_strides, size, 1);
    if (rc != NDKERN_OK)
        return rc;

    /* SciPy's valid-mode rule: the larger input plays the image. */
    int swapped = 0;
    if (mode == NDKERN_MODE_VALID) {
        int f_contains = f_shape[0] >= g_shape[0] && f_shape[1] >= g_shape[1];
        int g_contains = g_shape[0] >= f_shape[0] && g_shape[1] >= f_shape[1];
        if (!f_contains && !g_contains)
            return NDKERN_ESHAPE;
        swapped = !f_contains;
    }
    const struct ndk_array *img = swapped ? &ga : &fa, *ker = swapped ? &fa : &ga;
    const int64_t fh = img->shape[0], fw = img->shape[1];
    const int64_t kh = ker->shape[0], kw = ker->shape[1];
    int64_t want[2];
    if (mode == NDKERN_MODE_FULL) {
        want[0] = fh + kh - 1 > 0 ? fh + kh - 1 : 0;
        want[1] = fw + kw - 1 > 0 ? fw + kw - 1 : 0;
    } else if (mode == NDKERN_MODE_SAME) {
        want[0] = fh;
        want[1] = fw;
    } else {
        want[0] = fh - kh + 1;
        want[1] = fw - kw + 1;
    }
    if (h_shape[0] != want[0] || h_shape[1] != want[1])
        return NDKERN_ESHAPE;
    if (ha.count == 0)
        return NDKERN_OK;
    if (ndk_arrays_overlap(&ha, &fa) || ndk_arrays_overlap(&ha, &ga))
        return NDKERN_EOVERLAP;
    if (boundary != NDKERN_BOUNDARY_FILL && img->count == 0 && ker->count > 0)
        return NDKERN_ESHAPE;

    struct conv_plan p;
    memset(&p, 0, sizeof p);
    p.k = ndk_kernels();
    p.dtype = dtype;
    p.boundary = boundary;
    p.is_complex = ndk_dtypes[dtype].kind == NDK_KIND_COMPLEX;
    p.vpe = p.is_complex ? 2 : 1;
    p.f = img->data;
    p.fh = fh;
    p.fw = fw;
    p.fs0 = img->strides[0];
    p.fs1 = img->strides[1];
    p.kh = kh;
    p.kw = kw;
    p.hh = h_shape[0];
    p.hw = h_shape[1];
    p.h = ha.data;
    p.hs0 = h_strides[0];
    p.hs1 = h_strides[1];
    if (correlate && swapped) { /* SciPy reverses the swapped correlation */
        p.h += (p.hh - 1) * p.hs0 + (p.hw - 1) * p.hs1;
        p.hs0 = -p.hs0;
        p.hs1 = -p.hs1;
    }

    /* The kernel view W and the origin of P. */
    const char *w = ker->data;
    int64_t ws0 = ker->strides[0], ws1 = ker->strides[1];
    int64_t half0 = (kh - 1) / 2, half1 = (kw - 1) / 2;
    if (kh == 0 || kw == 0)
        half0 = half1 = 0;
    if (correlate) {
        p.r0 = mode == NDKERN_MODE_FULL ? -(kh - 1) : mode == NDKERN_MODE_SAME ? -half0 : 0;
        p.c0 = mode == NDKERN_MODE_FULL ? -(kw - 1) : mode == NDKERN_MODE_SAME ? -half1 : 0;
    } else {
        if (ker->count > 0) { /* reverse both axes by negative strides */
            w += (kh - 1) * ws0 + (kw - 1) * ws1;
            ws0 = -ws0;
            ws1 = -ws1;
        }
        int64_t o0 = mode == NDKERN_MODE_FULL ? 0 : mode == NDKERN_MODE_SAME ? half0 : kh - 1;
        int64_t o1 = mode == NDKERN_MODE_FULL ? 0 : mode == NDKERN_MODE_SAME ? half1 : kw - 1;
        p.r0 = o0 - (kh - 1);
        p.c0 = o1 - (kw - 1);
    }

    /* The packed kernel and one padded row must be allocatable sizes; a
     * broadcast kernel of 2^48+ taps must fail here (no machine holds
     * 2^47 bytes), not wrap a size or scan for hours. */
    int64_t taps, kernel_bytes, row_elems;
    if (__builtin_mul_overflow(kh, kw, &taps) ||
        __builtin_mul_overflow(taps, 2 * 16, &kernel_bytes) ||
        __builtin_add_overflow(p.hw + p.kw, NDK_CONV_ROW_SLACK, &row_elems) ||
        __builtin_mul_overflow(row_elems, 2 * 16 * (STRIP_ROWS + kh), &row_elems) ||
        kernel_bytes > (INT64_C(1) << 47) || row_elems > (INT64_C(1) << 47))
        return NDKERN_ENOMEM;

    p.ct = choose_compute_type(&p, w, ws0, ws1, fillvalue);
    static const int ct_sizes[NDK_CT_COUNT] = {4, 8, 1, 2, 4, 8};
    p.ct_size = ct_sizes[p.ct];
    if (ker->count == 0)
        return store_zeros(&p);

    /* The fill value as one compute-type element (NULL: zero). */
    if (fillvalue != NULL)
        row_converter(&p)((const char *)fillvalue, 0, 1, p.fill);
    int64_t pw = p.hw + p.kw - 1;
    p.prow_len = pw * p.vpe + NDK_CONV_ROW_SLACK;
    p.acc_len = p.hw * p.vpe + NDK_CONV_ROW_SLACK;
    /* Real float output whose rows are contiguous, aligned arrays of the
     * compute type needs no accumulator copy. */
    p.direct_store = ndk_dtypes[dtype].kind == NDK_KIND_REAL && p.hs1 == p.ct_size &&
                     p.hs0 % p.ct_size == 0 && (uintptr_t)p.h % (uintptr_t)p.ct_size == 0;

    rc = method == NDKERN_METHOD_FFT ? NDKERN_OK : plan_separable(&p, w, ws0, ws1);
    const int fft = method == NDKERN_METHOD_FFT ||
                    (method == NDKERN_METHOD_AUTO &&
                     fft_is_faster(p.hh, p.hw, p.kh, p.kw, dtype, p.separable));
    if (rc == NDKERN_OK && fft)
        rc = run_fft(&p, w, ws0, ws1, correlate);
    if (rc == NDKERN_OK && !fft && !p.separable)
        rc = pack_kernel(&p, w, ws0, ws1, correlate);
    if (rc == NDKERN_OK && !fft)
        rc = run_plan(&p);
    free(p.w_re);
    free(p.w_im);
    free(p.w_col);
    free(p.w_row);
    free(p.fill_row);
    return rc;
}

NDKERN_API int convolve2d(const void *f, const int64_t f_shape[2], const int64_t f_strides[2],
                          const void *g, const int64_t g_shape[2], const int64_t g_strides[2],
                          void *h, const int64_t h_shape[2], const int64_t h_strides[2],
                          int dtype, int mode, int boundary, const void *fillvalue)
{
    return conv_common(f, f_shape, f_strides, g, g_shape, g_strides, h, h_shape, h_strides,
                       dtype, mode, boundary, fillvalue, 0, NDKERN_METHOD_DIRECT);
}

NDKERN_API int ndkern_correlate2d(const void *f, const int64_t f_shape[2],
                                  const int64_t f_strides[2], const void *g,
                                  const int64_t g_shape[2], const int64_t g_strides[2],
                                  void *h, const int64_t h_shape[2],
                                  const int64_t h_strides[2], int dtype, int mode,
                                  int boundary, const void *fillvalue)
{
    return conv_common(f, f_shape, f_strides, g, g_shape, g_strides, h, h_shape, h_strides,
                       dtype, mode, boundary, fillvalue, 1, NDKERN_METHOD_DIRECT);
}

NDKERN_API int ndkern_convolve2d_method(const void *f, const int64_t f_shape[2],
                                        const int64_t f_strides[2], const void *g,
                                        const int64_t g_shape[2], const int64_t g_strides[2],
                                        void *h, const int64_t h_shape[2],
                                        const int64_t h_strides[2], int dtype, int mode,
                                        int boundary, const void *fillvalue, int correlate,
                                        int method)
{
    return conv_common(f, f_shape, f_strides, g, g_shape, g_strides, h, h_shape, h_strides,
                       dtype, mode, boundary, fillvalue, correlate, method);
}
