/* convolve.c -- convolve2d and ndkern_correlate2d, as scipy.signal.
 *
 * Both reduce to one correlation of a padded image with a kernel view W:
 *   h[m][n] = sum_{a < kh, b < kw} W[a][b] * P(m + a)[n + b]
 * where P(t) is row t + origin_row of f extended by the boundary rule,
 * starting at column origin_col.  Convolution uses W = g reversed in both
 * axes (a view with negative strides) and the origin of SciPy's convolve;
 * correlation uses W = conj(g) and SciPy's correlate origin.
 *
 * Integers are computed exactly in float (float32 or float64) when a bound
 * of max|f| * sum|g| below 2^24 or 2^51 proves every partial sum is an
 * exactly representable integer, and then wrapped to the result type;
 * otherwise in the unsigned integer type of their width, which wraps like
 * SciPy's loop.  Complex runs the real core twice on interleaved data, once
 * per weight component.
 *
 * A real rank-1 kernel W = u v^T (separable: a box, a Gaussian, Sobel) is
 * detected from its values and, when that pays, runs as two passes of the
 * same core: v along each padded row, then u down the columns.  Integers
 * factor exactly and stay bit-identical; floats factor to within a few ulps
 * of each entry and differ from the direct sum by rounding only.
 *
 * The steps of a call (declared in convolve.h for other entry points and
 * methods):
 *   1. conv_validate: codes, arrays, SciPy's valid-mode swap, h's shape,
 *      overlap (ndk_conv_output_shape gives the shape for one pair).
 *   2. ndk_conv_geometry: the image, W and h views and the origin of P.
 *   3. ndk_conv_choose_types: refuses impossible buffer sizes, chooses the
 *      compute type and converts the fill value to it.
 *   4. ndk_conv_execute: writes h; here by the direct method (run_direct:
 *      packs or factors W, then strips of STRIP_ROWS output rows as tasks
 *      over threads, each building its rows of P and calling the core --
 *      run_core: the small-kernel core for the shapes it takes).
 *      A method reads P through struct ndk_conv_padded (the boundary rule
 *      and fill value applied) and writes h with ndk_conv_store_row.
 *      ndkern_convolve2d_method chooses the method (ndk_conv_execute_method): the
 *      FFT is ndk_conv_execute_fft (fft_convolve.c); NDKERN_METHOD_AUTO asks
 *      the cost model of "method choice" once W's rank is known. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "convolve.h"
#include "fft.h"

/* Output rows per task. */
#define STRIP_ROWS 32

/* Step 3 refuses a problem (NDKERN_ENOMEM) before any buffer size is
 * computed when, at CONV_BYTES_PER_ELEMENT_BOUND bytes per kernel tap or
 * per padded-row element (a complex128 element, held twice while the kernel
 * is packed), its buffers would pass CONV_MAX_BUFFER_BYTES.  No machine
 * holds 2^47 bytes (the whole x86-64 user address space), so a broadcast
 * kernel of 2^48+ taps fails at once instead of wrapping a size or scanning
 * for hours. */
#define CONV_BYTES_PER_ELEMENT_BOUND (2 * NDK_CONV_MAX_ELEMENT_BYTES)
#define CONV_MAX_BUFFER_BYTES (INT64_C(1) << 47)

/* Bytes per scalar of each compute type. */
static const int64_t compute_scalar_bytes[NDK_CT_COUNT] = {
    [NDK_CT_F32] = sizeof(float),    [NDK_CT_F64] = sizeof(double),
    [NDK_CT_U8] = sizeof(uint8_t),   [NDK_CT_U16] = sizeof(uint16_t),
    [NDK_CT_U32] = sizeof(uint32_t), [NDK_CT_U64] = sizeof(uint64_t),
};

/* Whether convolve2d computes `dtype`: one of NDK_FOR_EACH_CONV_DTYPE (bool
 * and float16 are NDKERN_EDTYPE, as scipy.signal.convolve2d refuses them). */
int ndk_conv_dtype_valid(int dtype)
{
#define NDK_CONV_DTYPE_CASE(CODE, name, ctype, KIND, scalar, SIGNED) case NDKERN_##CODE:
    switch (dtype) {
        NDK_FOR_EACH_CONV_DTYPE(NDK_CONV_DTYPE_CASE)
        return 1;
    default:
        return 0;
    }
#undef NDK_CONV_DTYPE_CASE
}

/* ------------------------------------------------ element conversions */

/* Converts n elements of a dtype, stride bytes apart, to compute-type
 * scalars at dst. */
typedef void (*row_fn)(const char *src, int64_t stride, int64_t n, void *dst);

/* Integers become floats only when the bound in choose_compute_type proves
 * them exact: |v| < 2^24 for float (through int32, which vectorises) and
 * |v| < 2^51 for double (through the 1.5 * 2^52 bias, which vectorises). */
#define EXACT_IN_F32_LIMIT (UINT64_C(1) << 24)
#define EXACT_IN_F64_LIMIT (UINT64_C(1) << 51)
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
NDK_FOR_EACH_CONV_DTYPE(NDK_DEFINE_ROWS)

#define NDK_ROW_F32_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) [NDKERN_##CODE] = row_##name##_f32,
#define NDK_ROW_F64_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) [NDKERN_##CODE] = row_##name##_f64,
#define NDK_ROW_NATIVE_INT(name) row_##name##_native
#define NDK_ROW_NATIVE_REAL(name) NULL
#define NDK_ROW_NATIVE_COMPLEX(name) NULL
#define NDK_ROW_NATIVE_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) \
    [NDKERN_##CODE] = NDK_ROW_NATIVE_##KIND(name),
static const row_fn rows_f32[NDK_NDTYPES] = {NDK_FOR_EACH_CONV_DTYPE(NDK_ROW_F32_ENTRY)};
static const row_fn rows_f64[NDK_NDTYPES] = {NDK_FOR_EACH_CONV_DTYPE(NDK_ROW_F64_ENTRY)};
static const row_fn rows_native[NDK_NDTYPES] = {NDK_FOR_EACH_CONV_DTYPE(NDK_ROW_NATIVE_ENTRY)};

static row_fn row_converter(const struct ndk_conv_plan *p)
{
    return p->compute_type == NDK_CT_F32 ? rows_f32[p->dtype]
         : p->compute_type == NDK_CT_F64 ? rows_f64[p->dtype]
         : rows_native[p->dtype];
}

/* Accumulator rows (compute type) to output elements.  Complex combines
 * the passes: a = sum w_re * P, b = sum w_im * P (interleaved), so
 * re = a.re - b.im and im = a.im + b.re.  Integers computed in float are
 * exact integers: converted through int64 and wrapped to the width. */
#define NDK_STORE_LOOP(name, ctype, value)                                          \
    if (dst_stride == (int64_t)sizeof(ctype)) {                                     \
        for (int64_t i = 0; i < n; i++)                                             \
            ndk_store_##name(dst + i * sizeof(ctype), value);                       \
    } else {                                                                        \
        for (int64_t i = 0; i < n; i++)                                             \
            ndk_store_##name(dst + i * dst_stride, value);                          \
    }
#define NDK_FROM_F32(i) (((const float *)a)[i])
#define NDK_FROM_F64(i) (((const double *)a)[i])
#define NDK_STORE_INT(name, ctype, scalar)                                          \
    if (compute_type == NDK_CT_F32) {                                               \
        NDK_STORE_LOOP(name, ctype, (ctype)(scalar)(uint64_t)(int64_t)(int32_t)NDK_FROM_F32(i)) \
    } else if (compute_type == NDK_CT_F64) {                                        \
        NDK_STORE_LOOP(name, ctype, (ctype)(scalar)(uint64_t)double_to_int(NDK_FROM_F64(i))) \
    } else {                                                                        \
        NDK_STORE_LOOP(name, ctype, (ctype)((const scalar *)a)[i])                  \
    }
#define NDK_STORE_REAL(name, ctype, scalar)                                         \
    if (dst_stride == (int64_t)sizeof(ctype)) {                                     \
        memcpy(dst, a, (size_t)n * sizeof(ctype)); /* same type: a copy */         \
    } else {                                                                        \
        NDK_STORE_LOOP(name, ctype, (ctype)((const scalar *)a)[i])                  \
    }
#define NDK_STORE_COMPLEX(name, ctype, scalar)                                      \
    NDK_STORE_LOOP(name, ctype,                                                     \
                   ((ctype){                                                        \
                       .re = ((const scalar *)a)[2 * i] - ((const scalar *)b)[2 * i + 1], \
                       .im = ((const scalar *)a)[2 * i + 1] + ((const scalar *)b)[2 * i], \
                   }))
#define NDK_STORE_CASE(CODE, name, ctype, KIND, scalar, SIGNED)                     \
    case NDKERN_##CODE: {                                                           \
        NDK_STORE_##KIND(name, ctype, scalar)                                       \
        break;                                                                      \
    }

void ndk_conv_store_row(const struct ndk_conv_plan *p, const void *a, const void *b,
                        int64_t n, char *dst, int64_t dst_stride)
{
    const int compute_type = p->compute_type;
    (void)compute_type; /* read by the integer cases only */
    (void)b;            /* read by the complex cases only */
    switch (p->dtype) {
        NDK_FOR_EACH_CONV_DTYPE(NDK_STORE_CASE)
    }
}

/* --------------------------------------------------------- the boundary */

/* Index i of an axis of extent n under the boundary rule, or -1 (fill). */
static int64_t boundary_index(int64_t i, int64_t n, int boundary)
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

/* ------------------------------------------------------ step 1: validate */

int ndk_conv_output_shape(int mode, const int64_t f_shape[2], const int64_t g_shape[2],
                          int64_t h_shape[2], int *swapped)
{
    *swapped = 0;
    if (mode == NDKERN_MODE_VALID) { /* SciPy's rule: the larger input plays the image */
        const int f_contains = f_shape[0] >= g_shape[0] && f_shape[1] >= g_shape[1];
        const int g_contains = g_shape[0] >= f_shape[0] && g_shape[1] >= f_shape[1];
        if (!f_contains && !g_contains)
            return NDKERN_ESHAPE;
        *swapped = !f_contains;
    }
    const int64_t *image = *swapped ? g_shape : f_shape;
    const int64_t *kernel = *swapped ? f_shape : g_shape;
    for (int axis = 0; axis < 2; axis++) {
        const int64_t n = image[axis], k = kernel[axis];
        if (mode == NDKERN_MODE_FULL)
            h_shape[axis] = n + k - 1 > 0 ? n + k - 1 : 0;
        else if (mode == NDKERN_MODE_SAME)
            h_shape[axis] = n;
        else
            h_shape[axis] = n - k + 1;
    }
    return NDKERN_OK;
}

/* Checks req's codes and the three arrays and fills req's arrays and
 * swapped.  NDKERN_OK with req->out.count == 0: there is nothing to write. */
static int conv_validate(struct ndk_conv_request *req, const void *f, const int64_t f_shape[2],
                         const int64_t f_strides[2], const void *g, const int64_t g_shape[2],
                         const int64_t g_strides[2], void *h, const int64_t h_shape[2],
                         const int64_t h_strides[2])
{
    if (!ndk_conv_dtype_valid(req->dtype))
        return NDKERN_EDTYPE;
    if (req->mode < NDKERN_MODE_FULL || req->mode > NDKERN_MODE_VALID ||
        req->boundary < NDKERN_BOUNDARY_FILL || req->boundary > NDKERN_BOUNDARY_SYMM)
        return NDKERN_EINVAL;
    const int64_t size = ndk_dtypes[req->dtype].size;
    int rc = ndk_array_init(&req->image, f, 2, f_shape, f_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&req->kernel, g, 2, g_shape, g_strides, size, 0);
    if (rc == NDKERN_OK)
        rc = ndk_array_init(&req->out, h, 2, h_shape, h_strides, size, 1);
    int64_t want[2];
    if (rc == NDKERN_OK)
        rc = ndk_conv_output_shape(req->mode, f_shape, g_shape, want, &req->swapped);
    if (rc != NDKERN_OK)
        return rc;
    if (h_shape[0] != want[0] || h_shape[1] != want[1])
        return NDKERN_ESHAPE;
    if (req->swapped) {
        const struct ndk_array f_array = req->image;
        req->image = req->kernel;
        req->kernel = f_array;
    }
    if (req->out.count == 0)
        return NDKERN_OK;
    if (ndk_arrays_overlap(&req->out, &req->image) || ndk_arrays_overlap(&req->out, &req->kernel))
        return NDKERN_EOVERLAP;
    if (req->boundary != NDKERN_BOUNDARY_FILL && req->image.count == 0 && req->kernel.count > 0)
        return NDKERN_ESHAPE;
    return NDKERN_OK;
}

/* ------------------------------------------------------ step 2: geometry */

static struct ndk_conv_view view_of(const struct ndk_array *a)
{
    return (struct ndk_conv_view){
        .data = a->data,
        .rows = a->shape[0],
        .cols = a->shape[1],
        .row_stride = a->strides[0],
        .col_stride = a->strides[1],
    };
}

/* The same non-empty view read backwards in both axes. */
static struct ndk_conv_view view_reversed(struct ndk_conv_view v)
{
    v.data += (v.rows - 1) * v.row_stride + (v.cols - 1) * v.col_stride;
    v.row_stride = -v.row_stride;
    v.col_stride = -v.col_stride;
    return v;
}

/* Where P starts along an axis whose kernel extent is k (half: the centre
 * tap in same mode), as SciPy's correlate and convolve place the output. */
static int64_t origin_along(int mode, int correlate, int64_t k, int64_t half)
{
    if (correlate)
        return mode == NDKERN_MODE_FULL ? -(k - 1) : mode == NDKERN_MODE_SAME ? -half : 0;
    const int64_t flipped = mode == NDKERN_MODE_FULL ? 0 : mode == NDKERN_MODE_SAME ? half : k - 1;
    return flipped - (k - 1);
}

void ndk_conv_geometry(struct ndk_conv_plan *p, const struct ndk_conv_request *req)
{
    const int64_t kh = req->kernel.shape[0], kw = req->kernel.shape[1];
    const int empty_kernel = req->kernel.count == 0;
    const int is_complex = ndk_dtypes[req->dtype].kind == NDK_KIND_COMPLEX;
    struct ndk_conv_view kernel = view_of(&req->kernel), out = view_of(&req->out);
    if (!req->correlate && !empty_kernel) /* convolution: W is g reversed */
        kernel = view_reversed(kernel);
    if (req->correlate && req->swapped) /* SciPy reverses the swapped correlation */
        out = view_reversed(out);
    *p = (struct ndk_conv_plan){
        .kernels = ndk_kernels(),
        .dtype = req->dtype,
        .boundary = req->boundary,
        .is_complex = is_complex,
        .conjugate = req->correlate,
        .image = view_of(&req->image),
        .kernel = kernel,
        .out = out,
        .origin_row = origin_along(req->mode, req->correlate, kh, empty_kernel ? 0 : (kh - 1) / 2),
        .origin_col = origin_along(req->mode, req->correlate, kw, empty_kernel ? 0 : (kw - 1) / 2),
        .scalars_per_element = is_complex ? 2 : 1,
    };
}

/* ------------------------------------------ step 3: limits, compute type */

/* Whether the packed kernel and the padded rows of a strip have sizes that
 * can be allocated (see CONV_MAX_BUFFER_BYTES). */
static int buffers_fit(const struct ndk_conv_plan *p)
{
    const int64_t kh = p->kernel.rows, kw = p->kernel.cols;
    int64_t taps, kernel_bytes, row_elems, strip_rows, strip_row_bytes;
    if (kh == 0 || kw == 0)
        return 1; /* nothing is allocated: h is zero (step 4) */
    return !(__builtin_mul_overflow(kh, kw, &taps) ||
             __builtin_mul_overflow(taps, CONV_BYTES_PER_ELEMENT_BOUND, &kernel_bytes) ||
             __builtin_add_overflow(p->out.cols + kw, NDK_CONV_ROW_SLACK, &row_elems) ||
             __builtin_add_overflow(kh, STRIP_ROWS, &strip_rows) ||
             __builtin_mul_overflow(strip_rows, CONV_BYTES_PER_ELEMENT_BOUND, &strip_row_bytes) ||
             __builtin_mul_overflow(row_elems, strip_row_bytes, &row_elems) ||
             kernel_bytes > CONV_MAX_BUFFER_BYTES || row_elems > CONV_MAX_BUFFER_BYTES);
}

/* An upper bound of |v| over n integer elements, at most twice the largest:
 * the OR of the one's-complement magnitudes, plus one (an OR reduction
 * vectorises where a 64-bit max does not).  NDK_MAGNITUDE_BITS_SIGNED<S>(v)
 * is the bit pattern OR-ed in for an element v of a type whose SIGNED
 * column (NDK_FOR_EACH_CONV_DTYPE) is S: |v| - 1 for negative signed v, else v. */
#define NDK_MAGNITUDE_BITS_SIGNED1(v) ((v) < 0 ? ~(uint64_t)(v) : (uint64_t)(v))
#define NDK_MAGNITUDE_BITS_SIGNED0(v) ((uint64_t)(v))
#define NDK_DEFINE_MAX_MAGNITUDE_INT(name, ctype, SIGNED)                           \
    static uint64_t max_magnitude_##name(const char *p, int64_t stride, int64_t n)  \
    {                                                                               \
        uint64_t bits = 0;                                                          \
        if (stride == (int64_t)sizeof(ctype)) {                                     \
            for (int64_t i = 0; i < n; i++)                                         \
                bits |= NDK_MAGNITUDE_BITS_SIGNED##SIGNED(                          \
                    ndk_load_##name(p + i * (int64_t)sizeof(ctype)));               \
        } else {                                                                    \
            for (int64_t i = 0; i < n; i++)                                         \
                bits |= NDK_MAGNITUDE_BITS_SIGNED##SIGNED(                          \
                    ndk_load_##name(p + i * stride));                               \
        }                                                                           \
        return bits == UINT64_MAX ? bits : bits + SIGNED;                           \
    }
#define NDK_DEFINE_MAX_MAGNITUDE_REAL(name, ctype, SIGNED)
#define NDK_DEFINE_MAX_MAGNITUDE_COMPLEX(name, ctype, SIGNED)
#define NDK_DEFINE_MAX_MAGNITUDE(CODE, name, ctype, KIND, scalar, SIGNED) \
    NDK_DEFINE_MAX_MAGNITUDE_##KIND(name, ctype, SIGNED)
NDK_FOR_EACH_CONV_DTYPE(NDK_DEFINE_MAX_MAGNITUDE)

typedef uint64_t (*magnitude_fn)(const char *p, int64_t stride, int64_t n);
#define NDK_MAX_MAGNITUDE_INT(name) max_magnitude_##name
#define NDK_MAX_MAGNITUDE_REAL(name) NULL
#define NDK_MAX_MAGNITUDE_COMPLEX(name) NULL
#define NDK_MAX_MAGNITUDE_ENTRY(CODE, name, ctype, KIND, scalar, SIGNED) \
    [NDKERN_##CODE] = NDK_MAX_MAGNITUDE_##KIND(name),
static const magnitude_fn max_magnitude[NDK_NDTYPES] = {
    NDK_FOR_EACH_CONV_DTYPE(NDK_MAX_MAGNITUDE_ENTRY)
};

/* sum |W| over the kernel, or UINT64_MAX when that overflows. */
static uint64_t kernel_magnitude_sum(const struct ndk_conv_plan *p, magnitude_fn magnitude)
{
    const struct ndk_conv_view *w = &p->kernel;
    uint64_t sum = 0;
    for (int64_t a = 0; a < w->rows; a++)
        for (int64_t b = 0; b < w->cols; b++)
            if (__builtin_add_overflow(
                    sum, magnitude(w->data + a * w->row_stride + b * w->col_stride, 0, 1), &sum))
                return UINT64_MAX;
    return sum;
}

/* The largest |v| of an integer dtype of at most 4 bytes: 2^(bits - 1)
 * signed, 2^bits - 1 unsigned (wider types: UINT64_MAX, no help). */
static uint64_t dtype_max_magnitude(int dtype)
{
    const int bits = 8 * ndk_dtypes[dtype].size;
    if (bits > 32)
        return UINT64_MAX;
    return ndk_dtypes[dtype].is_signed ? UINT64_C(1) << (bits - 1) : (UINT64_C(1) << bits) - 1;
}

/* max |image| (with the fill value when it may be used) times sum |W|, or
 * UINT64_MAX when that overflows.  When any value of the dtype times sum
 * |W| stays below EXACT_IN_F32_LIMIT (8- and 16-bit images with small
 * kernels), that bound is returned without reading the image: it chooses
 * the same compute type the image's own maximum would. */
static uint64_t integer_bound(const struct ndk_conv_plan *p, const void *fillvalue)
{
    const magnitude_fn magnitude = max_magnitude[p->dtype];
    const struct ndk_conv_view *img = &p->image;
    const uint64_t kernel_sum = kernel_magnitude_sum(p, magnitude);
    uint64_t image_max = 0, bound;
    if (!__builtin_mul_overflow(dtype_max_magnitude(p->dtype), kernel_sum, &bound) &&
        bound < EXACT_IN_F32_LIMIT)
        return bound;
    for (int64_t i = 0; i < img->rows && img->cols > 0; i++) {
        uint64_t v = magnitude(img->data + i * img->row_stride, img->col_stride, img->cols);
        image_max = v > image_max ? v : image_max;
    }
    if (p->boundary == NDKERN_BOUNDARY_FILL && fillvalue != NULL) {
        uint64_t v = magnitude(fillvalue, 0, 1);
        image_max = v > image_max ? v : image_max;
    }
    if (kernel_sum == UINT64_MAX || __builtin_mul_overflow(image_max, kernel_sum, &bound))
        return UINT64_MAX;
    return bound;
}

/* Floats in their own precision; integers in float or double when
 * integer_bound proves every partial sum exact there, else in the unsigned
 * type of their width (it wraps like SciPy's loop). */
static int choose_compute_type(const struct ndk_conv_plan *p, const void *fillvalue)
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
    uint64_t bound = integer_bound(p, fillvalue);
    if (bound < EXACT_IN_F32_LIMIT)
        return NDK_CT_F32;
    if (bound < EXACT_IN_F64_LIMIT)
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

int ndk_conv_choose_types(struct ndk_conv_plan *p, const void *fillvalue)
{
    if (!buffers_fit(p))
        return NDKERN_ENOMEM;
    p->compute_type = choose_compute_type(p, fillvalue);
    p->scalar_bytes = compute_scalar_bytes[p->compute_type];
    /* The fill value as one compute-type element (NULL: zero).  An empty
     * kernel reads none: h is then zero. */
    if (fillvalue != NULL && p->kernel.rows > 0 && p->kernel.cols > 0)
        row_converter(p)((const char *)fillvalue, 0, 1, p->fill);
    return NDKERN_OK;
}

/* ---------------------------------------- step 4: the padded image P */

/* Elements per padded row P(t) before its slack. */
static int64_t padded_width(const struct ndk_conv_plan *p)
{
    return p->out.cols + p->kernel.cols - 1;
}

int ndk_conv_padded_init(struct ndk_conv_padded *pad, const struct ndk_conv_plan *p)
{
    const int64_t width = padded_width(p);
    *pad = (struct ndk_conv_padded){
        .p = p,
        .row_len = width * p->scalars_per_element + NDK_CONV_ROW_SLACK,
    };
    const int leaves_image = p->origin_row < 0 ||
                             p->origin_row + p->out.rows + p->kernel.rows - 1 > p->image.rows ||
                             p->origin_col < 0 || p->origin_col + width > p->image.cols;
    if (p->boundary != NDKERN_BOUNDARY_FILL || !leaves_image)
        return NDKERN_OK;
    const int64_t elem = p->scalars_per_element * p->scalar_bytes;
    char *row = malloc((size_t)(pad->row_len * p->scalar_bytes));
    if (row == NULL)
        return NDKERN_ENOMEM;
    for (int64_t q = 0; q < width; q++)
        memcpy(row + q * elem, p->fill, (size_t)elem);
    memset(row + width * elem, 0, (size_t)(NDK_CONV_ROW_SLACK * p->scalar_bytes));
    pad->fill_row = row;
    return NDKERN_OK;
}

void ndk_conv_padded_free(struct ndk_conv_padded *pad)
{
    free(pad->fill_row);
    pad->fill_row = NULL;
}

const void *ndk_conv_padded_row(const struct ndk_conv_padded *pad, int64_t t, char *dst)
{
    const struct ndk_conv_plan *p = pad->p;
    const struct ndk_conv_view *img = &p->image;
    const int64_t image_row = boundary_index(t + p->origin_row, img->rows, p->boundary);
    if (image_row < 0 || img->cols == 0) /* the image may then be NULL: no pointer arithmetic */
        return pad->fill_row;
    const row_fn convert = row_converter(p);
    const char *src = img->data + image_row * img->row_stride;
    const int64_t elem = p->scalars_per_element * p->scalar_bytes;
    const int64_t width = padded_width(p);
    /* Columns inside the image: one run; the rest one by one. */
    int64_t inside_begin = -p->origin_col > 0 ? -p->origin_col : 0;
    int64_t inside_end = img->cols - p->origin_col < width ? img->cols - p->origin_col : width;
    if (inside_end > inside_begin)
        convert(src + (inside_begin + p->origin_col) * img->col_stride, img->col_stride,
                inside_end - inside_begin, dst + inside_begin * elem);
    else
        inside_begin = inside_end = width;
    for (int64_t q = 0; q < width; q++) {
        if (q == inside_begin)
            q = inside_end;
        if (q >= width)
            break;
        const int64_t image_col = boundary_index(q + p->origin_col, img->cols, p->boundary);
        if (image_col < 0)
            memcpy(dst + q * elem, p->fill, (size_t)elem);
        else
            convert(src + image_col * img->col_stride, 0, 1, dst + q * elem);
    }
    memset(dst + width * elem, 0, (size_t)(NDK_CONV_ROW_SLACK * p->scalar_bytes));
    return dst;
}

/* --------------------------------------------- step 4: the direct method */

/* What the direct method adds to the plan. */
struct direct_plan {
    const struct ndk_conv_plan *p; /* the problem, steps 2 and 3 */
    struct ndk_conv_padded padded; /* the rows of P */
    int64_t acc_row_len;           /* compute scalars per accumulator row, slack included */
    int core_writes_out;           /* the core writes h's rows itself (no accumulator) */
    void *w_re, *w_im;             /* packed W, kh x kw compute scalars: real parts
                                      (or W itself), imaginary parts (complex only) */
    int separable;                 /* W = w_col w_row^T: two passes, no w_re */
    void *w_col, *w_row;           /* the factors: kh and kw compute scalars */
};

/* One worker's buffers. */
struct conv_space {
    char *rows;              /* (STRIP_ROWS + kh - 1) padded rows */
    const void **row_ptrs;   /* the padded rows of the strip, or the fill row */
    char *acc_a, *acc_b;     /* min(hh, STRIP_ROWS) accumulator rows each */
    char *pass_rows;         /* separable: each padded row correlated with */
    const void **pass_ptrs;  /* w_row, acc_row_len scalars per row, zero slack */
};

/* What every task reads. */
struct conv_job {
    const struct direct_plan *d;
    struct conv_space *spaces; /* one per worker */
};

/* The core choice of the direct method, per call of a core (conv_core's
 * contract, kernels.h): the small-kernel core when it takes the shape
 * (3x3, 5x5, the 1xK and Kx1 passes of a separable kernel, ...), else the
 * blocked or portable core.  Both give the same bits (kernels.h). */
static void run_core(const struct ndk_conv_plan *p, const void *const *rows, int64_t tap_step,
                     const void *w, int64_t kh, int64_t kw, int64_t width, int64_t nrows,
                     void *acc, int64_t acc_stride)
{
    const struct ndk_kernels *k = p->kernels;
    if (k->conv_small[p->compute_type] == NULL ||
        !k->conv_small[p->compute_type](rows, tap_step, w, kh, kw, width, nrows, acc,
                                        acc_stride))
        k->conv_core[p->compute_type](rows, tap_step, w, kh, kw, width, nrows, acc, acc_stride);
}

/* Output rows [task * STRIP_ROWS, + STRIP_ROWS) of h. */
static void conv_task(void *ctx, int64_t task, int worker)
{
    const struct conv_job *job = ctx;
    const struct direct_plan *d = job->d;
    const struct ndk_conv_plan *p = d->p;
    struct conv_space *s = &job->spaces[worker];
    const int64_t m0 = task * STRIP_ROWS;
    const int64_t nrows = p->out.rows - m0 < STRIP_ROWS ? p->out.rows - m0 : STRIP_ROWS;
    const int64_t row_bytes = d->padded.row_len * p->scalar_bytes;

    for (int64_t t = 0; t < nrows + p->kernel.rows - 1; t++)
        s->row_ptrs[t] = ndk_conv_padded_row(&d->padded, m0 + t, s->rows + t * row_bytes);

    const int64_t width = p->out.cols * p->scalars_per_element;
    const int64_t tap_step = p->scalars_per_element;
    const void *const *rows = s->row_ptrs;
    const void *w = d->w_re;
    int64_t kh = p->kernel.rows, kw = p->kernel.cols;
    if (d->separable) { /* along each padded row, then down the columns */
        run_core(p, s->row_ptrs, tap_step, d->w_row, 1, kw, width, nrows + kh - 1,
                 s->pass_rows, d->acc_row_len);
        rows = s->pass_ptrs;
        w = d->w_col;
        kw = 1;
    }
    if (d->core_writes_out) { /* h rows are the accumulator rows */
        run_core(p, rows, tap_step, w, kh, kw, width, nrows,
                 p->out.data + m0 * p->out.row_stride, p->out.row_stride / p->scalar_bytes);
        return;
    }
    run_core(p, rows, tap_step, w, kh, kw, width, nrows, s->acc_a, d->acc_row_len);
    if (p->is_complex)
        run_core(p, rows, tap_step, d->w_im, kh, kw, width, nrows, s->acc_b, d->acc_row_len);
    for (int64_t r = 0; r < nrows; r++) {
        const int64_t off = r * d->acc_row_len * p->scalar_bytes;
        ndk_conv_store_row(p, s->acc_a + off, p->is_complex ? s->acc_b + off : NULL,
                           p->out.cols, p->out.data + (m0 + r) * p->out.row_stride,
                           p->out.col_stride);
    }
}

static void free_spaces(struct conv_space *spaces, int n)
{
    for (int i = 0; i < n; i++) {
        const struct conv_space *s = &spaces[i];
        void *buffers[] = {s->rows, s->row_ptrs, s->acc_a, s->acc_b, s->pass_rows, s->pass_ptrs};
        for (size_t b = 0; b < sizeof buffers / sizeof buffers[0]; b++)
            free(buffers[b]);
    }
    free(spaces);
}

/* The separable first pass's output rows; calloc: the slack the second
 * pass reads is zero.  0 when out of memory. */
static int alloc_pass_rows(const struct direct_plan *d, struct conv_space *s, int64_t strip_rows)
{
    const int64_t pass_row_bytes = d->acc_row_len * d->p->scalar_bytes;
    s->pass_rows = calloc((size_t)strip_rows, (size_t)pass_row_bytes);
    s->pass_ptrs = malloc(sizeof(void *) * (size_t)strip_rows);
    if (s->pass_rows == NULL || s->pass_ptrs == NULL)
        return 0;
    for (int64_t t = 0; t < strip_rows; t++)
        s->pass_ptrs[t] = s->pass_rows + t * pass_row_bytes;
    return 1;
}

/* Every worker's buffers, or NULL (then nothing stays allocated). */
static struct conv_space *alloc_spaces(const struct direct_plan *d, int nthreads)
{
    const struct ndk_conv_plan *p = d->p;
    const int64_t acc_rows = p->out.rows < STRIP_ROWS ? p->out.rows : STRIP_ROWS;
    const int64_t strip_rows = acc_rows + p->kernel.rows - 1; /* padded rows per strip */
    const size_t row_bytes = (size_t)(d->padded.row_len * p->scalar_bytes);
    const size_t acc_bytes = (size_t)(acc_rows * d->acc_row_len * p->scalar_bytes);
    struct conv_space *spaces = calloc((size_t)nthreads, sizeof *spaces);
    int ok = spaces != NULL;
    for (int i = 0; ok && i < nthreads; i++) {
        struct conv_space *s = &spaces[i];
        s->rows = malloc(row_bytes * (size_t)strip_rows);
        s->row_ptrs = malloc(sizeof(void *) * (size_t)strip_rows);
        s->acc_a = malloc(acc_bytes);
        s->acc_b = p->is_complex ? malloc(acc_bytes) : NULL;
        ok = s->rows && s->row_ptrs && s->acc_a && (s->acc_b || !p->is_complex);
        if (ok && d->separable)
            ok = alloc_pass_rows(d, s, strip_rows);
    }
    if (!ok && spaces != NULL) {
        free_spaces(spaces, nthreads);
        spaces = NULL;
    }
    return spaces;
}

int ndk_conv_direct_threads(int64_t outputs, int64_t taps, int is_complex,
                            int64_t element_bytes)
{
    int64_t flops, bytes;
    if (__builtin_mul_overflow(outputs, taps, &flops) ||
        __builtin_mul_overflow(flops, is_complex ? 8 : 2, &flops))
        flops = INT64_MAX;
    if (__builtin_mul_overflow(outputs, 2 * element_bytes, &bytes))
        bytes = INT64_MAX;
    return ndk_threads_for_cost(flops, bytes);
}

/* Threads for ntasks strips, by the direct method's estimated cost. */
static int strip_threads(const struct direct_plan *d, int64_t ntasks)
{
    const struct ndk_conv_plan *p = d->p;
    const int64_t kh = p->kernel.rows, kw = p->kernel.cols;
    const int nthreads =
        ndk_conv_direct_threads(p->out.rows * p->out.cols, d->separable ? kh + kw : kh * kw,
                                p->is_complex, p->scalar_bytes * p->scalars_per_element);
    return nthreads > ntasks ? (int)ntasks : nthreads;
}

/* Runs the strips of h as tasks over threads.  Every buffer is allocated
 * before any output is written. */
static int run_strips(struct direct_plan *d)
{
    const int64_t ntasks = (d->p->out.rows + STRIP_ROWS - 1) / STRIP_ROWS;
    const int nthreads = strip_threads(d, ntasks);
    struct conv_space *spaces = alloc_spaces(d, nthreads);
    if (spaces == NULL)
        return NDKERN_ENOMEM;
    struct conv_job job = {.d = d, .spaces = spaces};
    ndk_parallel_for(nthreads, ntasks, conv_task, &job);
    free_spaces(spaces, nthreads);
    return NDKERN_OK;
}

/* Packs the kernel view W into compute-type planes; correlation conjugates
 * complex kernels. */
static int pack_kernel(struct direct_plan *d)
{
    const struct ndk_conv_plan *p = d->p;
    const struct ndk_conv_view *w = &p->kernel;
    const size_t taps = (size_t)(w->rows * w->cols);
    const size_t scalar_bytes = (size_t)p->scalar_bytes;
    const size_t elem = (size_t)p->scalars_per_element * scalar_bytes;
    char *interleaved = malloc(taps * elem);
    d->w_re = malloc(taps * scalar_bytes);
    d->w_im = p->is_complex ? malloc(taps * scalar_bytes) : NULL;
    if (interleaved == NULL || d->w_re == NULL || (p->is_complex && d->w_im == NULL)) {
        free(interleaved);
        return NDKERN_ENOMEM;
    }
    const row_fn convert = row_converter(p);
    for (int64_t a = 0; a < w->rows; a++)
        convert(w->data + a * w->row_stride, w->col_stride, w->cols,
                interleaved + (size_t)(a * w->cols) * elem);
    for (size_t i = 0; i < taps; i++) {
        const char *src = interleaved + i * elem;
        memcpy((char *)d->w_re + i * scalar_bytes, src, scalar_bytes);
        if (!p->is_complex)
            continue;
        if (p->compute_type == NDK_CT_F32) {
            float im = ((const float *)(const void *)src)[1];
            ((float *)d->w_im)[i] = p->conjugate ? -im : im;
        } else {
            double im = ((const double *)(const void *)src)[1];
            ((double *)d->w_im)[i] = p->conjugate ? -im : im;
        }
    }
    free(interleaved);
    return NDKERN_OK;
}



/* -------------------------------------------- step 4: separable kernels */

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
static int factor_integer(const struct ndk_conv_plan *p, int64_t *col, int64_t *row,
                          int64_t *buf)
{
    const struct ndk_conv_view *w = &p->kernel;
    const int64_t kh = w->rows, kw = w->cols;
    uint64_t g = 0;
    int64_t a = 0, q = 0;
    for (; a < kh && g == 0; a++) { /* the first nonzero row, made primitive */
        p->kernels->to_int[p->dtype](w->data + a * w->row_stride, w->col_stride, kw,
                                     (uint64_t *)buf);
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
        p->kernels->to_int[p->dtype](w->data + a * w->row_stride, w->col_stride, kw,
                                     (uint64_t *)buf);
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
static int factor_float(const struct ndk_conv_plan *p, double *col, double *row, double *buf)
{
    const struct ndk_conv_view *w = &p->kernel;
    const int64_t kh = w->rows, kw = w->cols;
    const int is_f32 = p->compute_type == NDK_CT_F32;
    double largest = 0;
    int64_t pa = 0, pb = 0;
    for (int64_t a = 0; a < kh; a++) {
        p->kernels->to_real[p->dtype](w->data + a * w->row_stride, w->col_stride, kw, buf);
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
    p->kernels->to_real[p->dtype](w->data + pa * w->row_stride, w->col_stride, kw, row);
    const double pivot = row[pb];
    for (int64_t b = 0; b < kw; b++)
        row[b] = is_f32 ? (double)(float)(row[b] / pivot) : row[b] / pivot;
    const double eps = is_f32 ? FLT_EPSILON : DBL_EPSILON;
    const double smallest = is_f32 ? FLT_MIN : DBL_MIN;
    for (int64_t a = 0; a < kh; a++) {
        p->kernels->to_real[p->dtype](w->data + a * w->row_stride, w->col_stride, kw, buf);
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
static void factor_to_compute_type(int compute_type, const int64_t *ints, const double *reals,
                                   int64_t n, void *dst)
{
    for (int64_t i = 0; i < n; i++) {
        switch (compute_type) {
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

/* Sets d->separable, d->w_col and d->w_row when W is rank 1 and two passes
 * pay. */
static int plan_separable(struct direct_plan *d)
{
    const struct ndk_conv_plan *p = d->p;
    const int64_t kh = p->kernel.rows, kw = p->kernel.cols;
    if (p->is_complex || kh * kw - (kh + kw) < SEPARABLE_MIN_SAVED)
        return NDKERN_OK;
    const int is_int = ndk_dtypes[p->dtype].kind == NDK_KIND_INT;
    _Static_assert(sizeof(int64_t) == sizeof(double), "one scratch serves both");
    const size_t n = (size_t)(kh + 2 * kw);
    void *scratch = malloc(n * sizeof(int64_t)); /* col, row, one row of W */
    if (scratch == NULL)
        return NDKERN_ENOMEM;
    int64_t *ints = scratch;
    double *reals = scratch;
    const int rank1 = is_int ? factor_integer(p, ints, ints + kh, ints + kh + kw)
                             : factor_float(p, reals, reals + kh, reals + kh + kw);
    int rc = NDKERN_OK;
    if (rank1) {
        d->w_col = malloc((size_t)(kh * p->scalar_bytes));
        d->w_row = malloc((size_t)(kw * p->scalar_bytes));
        rc = d->w_col != NULL && d->w_row != NULL ? NDKERN_OK : NDKERN_ENOMEM;
    }
    if (rank1 && rc == NDKERN_OK) {
        factor_to_compute_type(p->compute_type, is_int ? ints : NULL, reals, kh, d->w_col);
        factor_to_compute_type(p->compute_type, is_int ? ints + kh : NULL, reals + kh, kw,
                               d->w_row);
        d->separable = 1;
    }
    free(scratch);
    return rc;
}

static int fft_is_faster(const struct ndk_conv_plan *p, int separable);

/* Step 4 by the direct method: at most kh * kw multiply-adds per output.
 * With `may_use_fft` (NDKERN_METHOD_AUTO), by FFT instead when the cost
 * model, told whether W is rank 1, says that is faster. */
static int run_direct(const struct ndk_conv_plan *p, int may_use_fft)
{
    /* Real float output whose rows are contiguous, aligned arrays of the
     * compute type needs no accumulator copy. */
    const int64_t scalar_bytes = p->scalar_bytes;
    const int core_writes_out = ndk_dtypes[p->dtype].kind == NDK_KIND_REAL &&
                                p->out.col_stride == scalar_bytes &&
                                p->out.row_stride % scalar_bytes == 0 &&
                                (uintptr_t)p->out.data % (uintptr_t)scalar_bytes == 0;
    struct direct_plan d = {
        .p = p,
        .acc_row_len = p->out.cols * p->scalars_per_element + NDK_CONV_ROW_SLACK,
        .core_writes_out = core_writes_out,
    };
    int rc = plan_separable(&d);
    if (rc == NDKERN_OK && may_use_fft && fft_is_faster(p, d.separable)) {
        free(d.w_col);
        free(d.w_row);
        return ndk_conv_execute_fft(p);
    }
    if (rc == NDKERN_OK && !d.separable)
        rc = pack_kernel(&d);
    if (rc == NDKERN_OK)
        rc = ndk_conv_padded_init(&d.padded, p);
    if (rc == NDKERN_OK)
        rc = run_strips(&d);
    free(d.w_re);
    free(d.w_im);
    free(d.w_col);
    free(d.w_row);
    ndk_conv_padded_free(&d.padded);
    return rc;
}

/* Writes zeros to every element of h (an empty kernel sums no terms). */
static int write_zero_output(const struct ndk_conv_plan *p)
{
    void *zeros = calloc((size_t)(p->out.cols > 0 ? p->out.cols : 1),
                         (size_t)(p->scalars_per_element * p->scalar_bytes));
    if (zeros == NULL)
        return NDKERN_ENOMEM;
    for (int64_t m = 0; m < p->out.rows; m++)
        ndk_conv_store_row(p, zeros, zeros, p->out.cols, p->out.data + m * p->out.row_stride,
                           p->out.col_stride);
    free(zeros);
    return NDKERN_OK;
}

int ndk_conv_execute(const struct ndk_conv_plan *p)
{
    if (p->kernel.rows == 0 || p->kernel.cols == 0)
        return write_zero_output(p);
    return run_direct(p, 0);
}

int ndk_conv_execute_method(const struct ndk_conv_plan *p, int method)
{
    if (p->kernel.rows == 0 || p->kernel.cols == 0 || method == NDKERN_METHOD_DIRECT ||
        ndk_dtypes[p->dtype].kind == NDK_KIND_INT)
        return ndk_conv_execute(p);
    return method == NDKERN_METHOD_FFT ? ndk_conv_execute_fft(p) : run_direct(p, 1);
}

/* ------------------------------------------------------- method choice */

/* The direct method's cost per output pixel, in nanoseconds: per tap plus
 * a fixed part, float32 and float64, per kernel level.  Measured with one
 * thread on a 1000x1000 image, K = 15 ... 63 (Intel Xeon, AVX-512,
 * 2026-12; avx2 re-measured on 1000^2, K = 17 ... 23, after the FFT's
 * fused passes): per-tap cost falls as K grows, which the fixed part absorbs.
 * The FFT's cost is ndk_fft_correlate_cost (fft_convolve.c). */
struct direct_cost {
    const char *level;
    double tap_ns[2], pixel_ns[2]; /* [0] float32, [1] float64 */
};
static const struct direct_cost direct_costs[] = {
    {.level = "avx512", .tap_ns = {0.012, 0.024}, .pixel_ns = {1.8, 3.5}},
    {.level = "avx2", .tap_ns = {0.020, 0.040}, .pixel_ns = {0.5, 1.45}},
    {.level = "baseline", .tap_ns = {0.10, 0.19}, .pixel_ns = {1.0, 1.5}},
};

/* The FFT's one-thread estimate is weighed by this before it is compared:
 * a second thread speeds the FFT up less (1.5x against the direct sums'
 * 1.85x on 1000^2, K = 21 ... 63; Intel Xeon, 2026-12-02), and the choice
 * must not depend on the thread count (results do not), so the crossover
 * sits between the one-thread one (K ~ 20 on 1000^2) and the two-thread
 * one (K ~ 25): within 1.15x of the faster method on either side. */
#define FFT_AUTO_MARGIN 1.25

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
static int fft_is_faster_for(int64_t hh, int64_t hw, int64_t kh, int64_t kw, int dtype,
                             int separable)
{
    if (ndk_dtypes[dtype].kind == NDK_KIND_INT)
        return 0;
    const int is_f32 = dtype == NDKERN_FLOAT32 || dtype == NDKERN_COMPLEX64;
    const int is_complex = ndk_dtypes[dtype].kind == NDK_KIND_COMPLEX;
    const struct direct_cost *cost = direct_cost_here();
    const double taps = separable ? (double)(kh + kw) : (double)kh * (double)kw;
    const double direct = (double)hh * (double)hw * (is_complex ? 4 : 1) *
                          (taps * cost->tap_ns[!is_f32] + cost->pixel_ns[!is_f32]);
    return FFT_AUTO_MARGIN *
               ndk_fft_correlate_cost(hh + kh - 1, hw + kw - 1, kh, kw, is_f32, is_complex) <
           direct;
}

static int fft_is_faster(const struct ndk_conv_plan *p, int separable)
{
    return fft_is_faster_for(p->out.rows, p->out.cols, p->kernel.rows, p->kernel.cols,
                             p->dtype, separable);
}

NDKERN_API int ndkern_choose_conv_method(const int64_t f_shape[2], const int64_t g_shape[2],
                                         int dtype, int mode)
{
    if (!ndk_conv_dtype_valid(dtype))
        return NDKERN_EDTYPE;
    if (f_shape == NULL || g_shape == NULL || mode < NDKERN_MODE_FULL ||
        mode > NDKERN_MODE_VALID || f_shape[0] < 0 || f_shape[1] < 0 || g_shape[0] < 0 ||
        g_shape[1] < 0 || f_shape[0] > CONV_MAX_BUFFER_BYTES ||
        f_shape[1] > CONV_MAX_BUFFER_BYTES || g_shape[0] > CONV_MAX_BUFFER_BYTES ||
        g_shape[1] > CONV_MAX_BUFFER_BYTES)
        return NDKERN_EINVAL;
    int64_t h_shape[2];
    int swapped;
    const int rc = ndk_conv_output_shape(mode, f_shape, g_shape, h_shape, &swapped);
    if (rc != NDKERN_OK)
        return rc;
    const int64_t *kernel = swapped ? f_shape : g_shape;
    if (h_shape[0] <= 0 || h_shape[1] <= 0 || kernel[0] == 0 || kernel[1] == 0)
        return NDKERN_METHOD_DIRECT;
    return fft_is_faster_for(h_shape[0], h_shape[1], kernel[0], kernel[1], dtype, 0)
               ? NDKERN_METHOD_FFT
               : NDKERN_METHOD_DIRECT;
}

/* ---------------------------------------------------------- entry points */

static int conv_common(const void *f, const int64_t f_shape[2], const int64_t f_strides[2],
                       const void *g, const int64_t g_shape[2], const int64_t g_strides[2],
                       void *h, const int64_t h_shape[2], const int64_t h_strides[2],
                       int dtype, int mode, int boundary, const void *fillvalue,
                       int correlate, int method)
{
    if ((correlate != 0 && correlate != 1) || method < NDKERN_METHOD_DIRECT ||
        method > NDKERN_METHOD_AUTO)
        return NDKERN_EINVAL;
    if (method == NDKERN_METHOD_FFT && ndk_conv_dtype_valid(dtype) &&
        ndk_dtypes[dtype].kind == NDK_KIND_INT)
        return NDKERN_EDTYPE;
    struct ndk_conv_request req = {
        .dtype = dtype,
        .mode = mode,
        .boundary = boundary,
        .correlate = correlate,
        .fillvalue = fillvalue,
    };
    int rc = conv_validate(&req, f, f_shape, f_strides, g, g_shape, g_strides, h, h_shape,
                           h_strides);
    if (rc != NDKERN_OK || req.out.count == 0)
        return rc;
    struct ndk_conv_plan plan;
    ndk_conv_geometry(&plan, &req);
    rc = ndk_conv_choose_types(&plan, req.fillvalue);
    if (rc != NDKERN_OK)
        return rc;
    return ndk_conv_execute_method(&plan, method);
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
