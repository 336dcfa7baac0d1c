/*
 * reference.h -- plain scalar reference implementations of the ndkern
 * operations, written from the documented semantics in csrc/ndkern.h (and
 * SciPy's definitions), not from the library.  They are slow on purpose:
 * one element at a time, through byte strides, with the simplest arithmetic
 * that is obviously right.
 *
 *  - square: integers squared in uint64_t (wraps modulo 2^64, so also modulo
 *    2^bits); floats in their own type; complex (a*a - b*b, a*b + b*a);
 *    float16 squared in double (exact) and rounded once (ref_f16_round);
 *    bool as an integer that is 1 for any nonzero byte.
 *  - sum: integer out_dtype: each element converted as NumPy casts it and
 *    added modulo 2^64, then truncated; floating out_dtype: each element's
 *    value as it is (integers converted to double, complex to real drops
 *    the imaginary part) added with Neumaier's
 *    compensated summation in long double (error far below the library's
 *    documented bound), with sum|x| kept for the tolerance.
 *  - convolve2d / correlate2d: the definition, term by term, with the
 *    boundary extension computed for any distance.
 */
#ifndef NDKERN_TEST_REFERENCE_H
#define NDKERN_TEST_REFERENCE_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ndkern.h"

/* The twelve original dtypes, which the C test programs iterate over (their
 * DIGEST lines cover exactly these); the table also holds bool and float16,
 * which the fuzzers draw for square_array and sum_array. */
#define REF_NDTYPES 12
#define REF_NDTYPES_ALL 14

enum ref_kind { REF_SIGNED, REF_UNSIGNED, REF_REAL, REF_COMPLEX, REF_BOOL };

struct ref_dtype {
    const char *name;
    int code;        /* enum ndkern_dtype value                            */
    int size;        /* bytes per element                                  */
    enum ref_kind kind;
    int bits;        /* integers: width; float/complex: significand digits */
};

/* Indexed by the dtype code; values copied from the documentation. */
static const struct ref_dtype ref_dtypes[REF_NDTYPES_ALL] = {
    {"int8", NDKERN_INT8, 1, REF_SIGNED, 8},
    {"int16", NDKERN_INT16, 2, REF_SIGNED, 16},
    {"int32", NDKERN_INT32, 4, REF_SIGNED, 32},
    {"int64", NDKERN_INT64, 8, REF_SIGNED, 64},
    {"uint8", NDKERN_UINT8, 1, REF_UNSIGNED, 8},
    {"uint16", NDKERN_UINT16, 2, REF_UNSIGNED, 16},
    {"uint32", NDKERN_UINT32, 4, REF_UNSIGNED, 32},
    {"uint64", NDKERN_UINT64, 8, REF_UNSIGNED, 64},
    {"float32", NDKERN_FLOAT32, 4, REF_REAL, 24},
    {"float64", NDKERN_FLOAT64, 8, REF_REAL, 53},
    {"complex64", NDKERN_COMPLEX64, 8, REF_COMPLEX, 24},
    {"complex128", NDKERN_COMPLEX128, 16, REF_COMPLEX, 53},
    {"bool", NDKERN_BOOL, 1, REF_BOOL, 1},
    {"float16", NDKERN_FLOAT16, 2, REF_REAL, 11},
};

static inline int ref_is_int(int dt)
{
    return ref_dtypes[dt].kind == REF_SIGNED || ref_dtypes[dt].kind == REF_UNSIGNED ||
           ref_dtypes[dt].kind == REF_BOOL;
}

static inline int ref_is_complex(int dt)
{
    return ref_dtypes[dt].kind == REF_COMPLEX;
}

/* Bytes of one float component (float/complex types). */
static inline int ref_component_size(int dt)
{
    return ref_is_complex(dt) ? ref_dtypes[dt].size / 2 : ref_dtypes[dt].size;
}

/* The largest finite value and the smallest subnormal of a float component. */
static inline long double ref_component_max(int dt)
{
    int cs = ref_component_size(dt);
    return cs == 2 ? 65504.0L : cs == 4 ? FLT_MAX : DBL_MAX;
}

static inline long double ref_component_true_min(int dt)
{
    int cs = ref_component_size(dt);
    return cs == 2 ? ldexpl(1, -24) : cs == 4 ? FLT_TRUE_MIN : DBL_TRUE_MIN;
}

static inline uint64_t ref_int_mask(int dt)
{
    int bits = ref_dtypes[dt].bits;
    return bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* ------------------------------------------------------------ float16 */

#define REF_F16_SIGN 0x8000u
#define REF_F16_INF 0x7c00u
#define REF_F16_QUIET 0x0200u

/* The value of a float16 bit pattern, from its fields (NaN for NaNs): the
 * significand (with its leading 1 when the exponent field is not 0) times
 * 2^(exponent - 25), where a subnormal has the exponent of the least normal. */
static inline double ref_f16_value(uint16_t h)
{
    const unsigned field = (h >> 10) & 0x1fu, fraction = h & 0x3ffu;
    double magnitude;
    if (field == 0x1f)
        magnitude = fraction != 0 ? NAN : INFINITY;
    else
        magnitude = ldexp(field != 0 ? 0x400u | fraction : fraction,
                          (field != 0 ? (int)field : 1) - 25);
    return (h & REF_F16_SIGN) ? -magnitude : magnitude;
}

static inline int ref_f16_is_nan(uint16_t h)
{
    return (h & 0x7fffu) > REF_F16_INF;
}

/* v rounded once to float16, to nearest even.  v is scaled to units of the
 * float16 spacing at its binade (2^-24 below the normal range), rounded to
 * an integer n there, and n's binade and offset are the pattern: n == 2048
 * carries into the exponent.  From 65520 (halfway past 65504) on: inf. */
static inline uint16_t ref_f16_round(long double v)
{
    const uint16_t sign = signbit(v) ? REF_F16_SIGN : 0;
    const long double a = fabsl(v);
    int binade;
    if (isnan(v))
        return (uint16_t)(sign | REF_F16_INF | REF_F16_QUIET);
    if (a >= 65520.0L)
        return (uint16_t)(sign | REF_F16_INF);
    frexpl(a, &binade);                /* a < 2^binade */
    if (a == 0 || binade < -13)
        binade = -13;                  /* zero and subnormals: spacing 2^-24 */
    const long double n = nearbyintl(ldexpl(a, 11 - binade));
    return (uint16_t)(sign | (((binade + 14) << 10) + (int)n - 1024));
}

/* ------------------------------------------------------------ load / store */

/* An integer element, sign- or zero-extended to 64 bits. */
static inline uint64_t ref_load_int(const void *p, int dt)
{
    switch (dt) {
    case NDKERN_INT8: { int8_t v; memcpy(&v, p, 1); return (uint64_t)(int64_t)v; }
    case NDKERN_INT16: { int16_t v; memcpy(&v, p, 2); return (uint64_t)(int64_t)v; }
    case NDKERN_INT32: { int32_t v; memcpy(&v, p, 4); return (uint64_t)(int64_t)v; }
    case NDKERN_INT64: { int64_t v; memcpy(&v, p, 8); return (uint64_t)v; }
    case NDKERN_UINT8: { uint8_t v; memcpy(&v, p, 1); return v; }
    case NDKERN_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case NDKERN_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case NDKERN_BOOL: { uint8_t v; memcpy(&v, p, 1); return v != 0; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* Stores the low bits of v (wraparound modulo 2^bits). */
static inline void ref_store_int(void *p, int dt, uint64_t v)
{
    switch (ref_dtypes[dt].size) {
    case 1: { uint8_t w = (uint8_t)v; memcpy(p, &w, 1); break; }
    case 2: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
    case 4: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* Component `part` (0 real, 1 imaginary) of a float or complex element. */
static inline long double ref_load_component(const void *p, int dt, int part)
{
    if (ref_component_size(dt) == 2) {
        uint16_t h;
        memcpy(&h, (const char *)p + 2 * part, 2);
        return ref_f16_value(h);
    } else if (ref_component_size(dt) == 4) {
        float v;
        memcpy(&v, (const char *)p + 4 * part, 4);
        return v;
    } else {
        double v;
        memcpy(&v, (const char *)p + 8 * part, 8);
        return v;
    }
}

static inline void ref_store_component(void *p, int dt, int part, long double v)
{
    if (ref_component_size(dt) == 2) {
        uint16_t h = ref_f16_round(v);
        memcpy((char *)p + 2 * part, &h, 2);
    } else if (ref_component_size(dt) == 4) {
        float w = (float)v;
        memcpy((char *)p + 4 * part, &w, 4);
    } else {
        double w = (double)v;
        memcpy((char *)p + 8 * part, &w, 8);
    }
}

/* ------------------------------------------------------------ square */

/*
 * NumPy's own complex square is not one formula bit for bit: its SIMD loops
 * (e.g. on AVX-512 machines) compute the real part a*a - b*b with one fused
 * multiply-add, so numpy.square gives -0.5772084 for (1.8481073+1.9981765j)
 * where the plain formula gives -0.57720852.  "Exactly as numpy.square" thus
 * admits, per component, the unfused value or a single-fma one:
 *   re: a*a - b*b, fma(a, a, -(b*b)), fma(-b, b, a*a)
 *   im: a*b + b*a, fma(a, b, b*a)
 * REF_COMPLEX_SQUARES defines the function that computes them all (the
 * plain formula first) for one component type.  Everything else (other
 * dtypes, other roundings) must be exact.
 */
enum { REF_RE_FORMS = 3, REF_IM_FORMS = 2 };
#define REF_COMPLEX_SQUARES(name, T, FMA)                                        \
    static inline void name(const void *in, T re[REF_RE_FORMS], T im[REF_IM_FORMS]) \
    {                                                                            \
        T a, b;                                                                  \
        memcpy(&a, in, sizeof a);                                                \
        memcpy(&b, (const char *)in + sizeof a, sizeof b);                       \
        re[0] = a * a - b * b;                                                   \
        re[1] = FMA(a, a, -(b * b));                                             \
        re[2] = FMA(-b, b, a * a);                                               \
        im[0] = a * b + b * a;                                                   \
        im[1] = FMA(a, b, b * a);                                                \
    }
REF_COMPLEX_SQUARES(ref_complex64_squares, float, fmaf)
REF_COMPLEX_SQUARES(ref_complex128_squares, double, fma)

/* The square of one element by the plain formulas. */
static inline void ref_square(int dt, const void *in, void *out)
{
    int cs = ref_component_size(dt);
    if (ref_is_int(dt)) {
        uint64_t v = ref_load_int(in, dt);
        ref_store_int(out, dt, v * v);
    } else if (dt == NDKERN_FLOAT32) {
        float a, r;
        memcpy(&a, in, 4);
        r = a * a;
        memcpy(out, &r, 4);
    } else if (dt == NDKERN_FLOAT16) {
        uint16_t h;
        memcpy(&h, in, 2);
        /* A NaN comes back quiet with its sign and payload (ndkern.h). */
        h = ref_f16_is_nan(h) ? (uint16_t)(h | REF_F16_QUIET)
                              : ref_f16_round((long double)ref_f16_value(h) * ref_f16_value(h));
        memcpy(out, &h, 2);
    } else if (dt == NDKERN_FLOAT64) {
        double a, r;
        memcpy(&a, in, 8);
        r = a * a;
        memcpy(out, &r, 8);
    } else if (dt == NDKERN_COMPLEX64) {
        float re[REF_RE_FORMS], im[REF_IM_FORMS];
        ref_complex64_squares(in, re, im);
        memcpy(out, &re[0], (size_t)cs);
        memcpy((char *)out + cs, &im[0], (size_t)cs);
    } else {
        double re[REF_RE_FORMS], im[REF_IM_FORMS];
        ref_complex128_squares(in, re, im);
        memcpy(out, &re[0], (size_t)cs);
        memcpy((char *)out + cs, &im[0], (size_t)cs);
    }
}

/* Whether the float component at `got` has the bits of one of the `nforms`
 * components at `forms` (any NaN equals any NaN: payloads are not specified). */
static inline int ref_component_among(int dt, const void *got, const void *forms, int nforms)
{
    int cs = ref_component_size(dt);
    long double value = ref_load_component(got, dt, 0);
    for (int i = 0; i < nforms; i++) {
        const char *form = (const char *)forms + i * cs;
        if ((isnan(value) && isnan(ref_load_component(form, dt, 0))) ||
            memcmp(got, form, (size_t)cs) == 0)
            return 1;
    }
    return 0;
}

/* Whether `got` is a square of `in` that ndkern.h admits: ref_square's bits
 * (NaN payloads aside, except for float16, whose NaN bits are documented),
 * or for complex dtypes a fused form per component. */
static inline int ref_square_ok(int dt, const void *in, const void *got)
{
    const char *got_im = (const char *)got + (ref_is_complex(dt) ? ref_component_size(dt) : 0);
    unsigned char want[16];
    if (dt == NDKERN_COMPLEX64) {
        float re[REF_RE_FORMS], im[REF_IM_FORMS];
        ref_complex64_squares(in, re, im);
        return ref_component_among(dt, got, re, REF_RE_FORMS) &&
               ref_component_among(dt, got_im, im, REF_IM_FORMS);
    }
    if (dt == NDKERN_COMPLEX128) {
        double re[REF_RE_FORMS], im[REF_IM_FORMS];
        ref_complex128_squares(in, re, im);
        return ref_component_among(dt, got, re, REF_RE_FORMS) &&
               ref_component_among(dt, got_im, im, REF_IM_FORMS);
    }
    ref_square(dt, in, want);
    if (ref_is_int(dt) || dt == NDKERN_FLOAT16) /* float16: NaN bits too */
        return memcmp(got, want, (size_t)ref_dtypes[dt].size) == 0;
    return ref_component_among(dt, got, want, 1);
}

/* ------------------------------------------------------------ values */

/*
 * One expected result.  Integers: `bits` (already truncated to the type).
 * Floats and complex: the value (re, im) and `scale`, the sum of absolute
 * values of the terms, which bounds the rounding error of any summation
 * order.  `unspecified` marks a result the documentation leaves open.
 */
struct ref_value {
    uint64_t bits;
    long double re, im;
    long double scale;
    int64_t terms;
    int unspecified;
};

/* Rounds v to the float component type of dt. */
static inline long double ref_round_component(int dt, long double v)
{
    if (ref_component_size(dt) == 2)
        return ref_f16_value(ref_f16_round(v));
    if (ref_component_size(dt) == 4)
        return (float)v;
    return (double)v;
}

/* Float to integer dtype as NumPy casts it: truncation toward zero; a value
 * outside the type's range is unspecified (flagged, not computed). */
static inline uint64_t ref_float_to_int(long double v, int dt, int *unspecified)
{
    long double t = truncl(v);
    int bits = ref_dtypes[dt].bits;
    if (ref_dtypes[dt].kind == REF_SIGNED) {
        long double lo = -ldexpl(1, bits - 1), hi = ldexpl(1, bits - 1) - 1;
        if (!(t >= lo && t <= hi)) {
            *unspecified = 1;
            return 0;
        }
        return (uint64_t)(int64_t)t & ref_int_mask(dt);
    } else {
        long double hi = ldexpl(1, bits) - 1;
        if (!(t >= 0 && t <= hi)) {
            *unspecified = 1;
            return 0;
        }
        return (uint64_t)t;
    }
}

/* An element of in_dt as the sum adds it: cast as NumPy casts it for an
 * integer out_dt; for a floating out_dt its value as it is (integers
 * rounded once to double), since the total is rounded to out_dt only once. */
static inline struct ref_value ref_cast(const void *p, int in_dt, int out_dt)
{
    struct ref_value r;
    memset(&r, 0, sizeof r);
    r.terms = 1;
    if (ref_is_int(in_dt)) {
        uint64_t v = ref_load_int(p, in_dt);
        if (ref_is_int(out_dt)) {
            r.bits = v & ref_int_mask(out_dt);
        } else if (ref_dtypes[in_dt].kind == REF_SIGNED) {
            r.re = (double)(int64_t)v; /* one rounding, int64 -> double */
        } else {
            r.re = (double)v;
        }
    } else {
        long double re = ref_load_component(p, in_dt, 0);
        long double im = ref_is_complex(in_dt) ? ref_load_component(p, in_dt, 1) : 0;
        if (ref_is_int(out_dt)) {
            r.bits = ref_float_to_int(re, out_dt, &r.unspecified);
        } else {
            r.re = re;
            r.im = ref_is_complex(out_dt) ? im : 0;
        }
    }
    r.scale = fabsl(r.re) + fabsl(r.im);
    return r;
}

/* ------------------------------------------------------------ sum */

/* Advances a row-major multi-index; returns 0 after the last one. */
static inline int ref_next_index(int ndim, const int64_t *shape, int64_t *index)
{
    for (int axis = ndim - 1; axis >= 0; axis--) {
        if (++index[axis] < shape[axis])
            return 1;
        index[axis] = 0;
    }
    return 0;
}

/* Neumaier's compensated addition: *sum + *comp carries the exact total of
 * the terms so far to within a few long double ulps. */
static inline void ref_add_compensated(long double *sum, long double *comp, long double v)
{
    long double t = *sum + v;
    if (fabsl(*sum) >= fabsl(v))
        *comp += (*sum - t) + v;
    else
        *comp += (v - t) + *sum;
    *sum = t;
}

/*
 * Sum of x over its last `nreduce` axes, converted to out_dt.  `result` is
 * dense row-major over the first ndim - nreduce axes (one element when
 * nreduce == ndim).
 */
static inline void ref_sum(const void *x, const int64_t *x_strides, int ndim,
                           const int64_t *shape, int dt, int nreduce, int out_dt,
                           struct ref_value *result)
{
    int kept = ndim - nreduce;
    int64_t outer[NDKERN_MAX_NDIM], inner[NDKERN_MAX_NDIM];
    int64_t nout = 1, nin = 1, k = 0;

    for (int i = 0; i < kept; i++) {
        nout *= shape[i];
        outer[i] = 0;
    }
    for (int i = kept; i < ndim; i++)
        nin *= shape[i];
    if (nout == 0)
        return;
    do {
        struct ref_value *r = &result[k++];
        long double re = 0, re_c = 0, im = 0, im_c = 0, scale = 0;
        int64_t base = 0;
        memset(r, 0, sizeof *r);
        for (int i = 0; i < kept; i++)
            base += outer[i] * x_strides[i];
        for (int i = 0; i < nreduce; i++)
            inner[i] = 0;
        if (nin > 0) {
            do {
                int64_t off = base;
                struct ref_value e;
                for (int i = 0; i < nreduce; i++)
                    off += inner[i] * x_strides[kept + i];
                e = ref_cast((const char *)x + off, dt, out_dt);
                r->bits += e.bits;
                r->unspecified |= e.unspecified;
                ref_add_compensated(&re, &re_c, e.re);
                ref_add_compensated(&im, &im_c, e.im);
                scale += e.scale;
            } while (nreduce > 0 && ref_next_index(nreduce, shape + kept, inner));
        }
        r->bits &= ref_is_int(out_dt) ? ref_int_mask(out_dt) : 0;
        r->re = re + re_c;
        r->im = im + im_c;
        r->scale = scale;
        r->terms = nin;
    } while (kept > 0 && ref_next_index(kept, shape, outer));
}

/* ------------------------------------------------------------ convolve2d */

/* Where index i of an axis of extent n reads from after extension by
 * `boundary`: an index in [0, n), or -1 for the fill value. */
static inline int64_t ref_extend(int64_t i, int64_t n, int boundary)
{
    int64_t r;
    if (i >= 0 && i < n)
        return i;
    if (boundary == NDKERN_BOUNDARY_FILL)
        return -1;
    if (boundary == NDKERN_BOUNDARY_WRAP) {
        r = i % n;
        return r < 0 ? r + n : r;
    }
    /* symm: mirror image with period 2n: a b c | c b a | a b c ... */
    r = i % (2 * n);
    if (r < 0)
        r += 2 * n;
    return r >= n ? 2 * n - 1 - r : r;
}

/* Extra outcome of ref_conv2d_shape: the documentation leaves it open. */
#define REF_UNDEFINED 1

/*
 * The output shape and the status a correct library returns for these
 * arguments (NDKERN_OK, NDKERN_ESHAPE, NDKERN_EINVAL), or REF_UNDEFINED for
 * combinations the documentation does not settle.  *swapped tells whether
 * valid mode exchanges the inputs (SciPy's _inputs_swap_needed).
 */
static inline int ref_conv2d_shape(const int64_t f_shape[2], const int64_t g_shape[2],
                                   int mode, int boundary, int64_t out_shape[2],
                                   int *swapped)
{
    int f_empty = f_shape[0] == 0 || f_shape[1] == 0;
    *swapped = 0;
    if (boundary < 0 || boundary > 2)
        return NDKERN_EINVAL;
    switch (mode) {
    case NDKERN_MODE_FULL:
        out_shape[0] = f_shape[0] + g_shape[0] - 1;
        out_shape[1] = f_shape[1] + g_shape[1] - 1;
        if (out_shape[0] < 0 || out_shape[1] < 0)
            return REF_UNDEFINED;
        break;
    case NDKERN_MODE_SAME:
        out_shape[0] = f_shape[0];
        out_shape[1] = f_shape[1];
        break;
    case NDKERN_MODE_VALID: {
        int f_contains = f_shape[0] >= g_shape[0] && f_shape[1] >= g_shape[1];
        int g_contains = g_shape[0] >= f_shape[0] && g_shape[1] >= f_shape[1];
        if (!f_contains && !g_contains)
            return NDKERN_ESHAPE;
        *swapped = !f_contains;
        out_shape[0] = (*swapped ? g_shape[0] - f_shape[0] : f_shape[0] - g_shape[0]) + 1;
        out_shape[1] = (*swapped ? g_shape[1] - f_shape[1] : f_shape[1] - g_shape[1]) + 1;
        /* The boundary is unused in valid mode, yet "WRAP/SYMM with an empty
         * f and a non-empty output is ESHAPE": either reading is accepted. */
        if (f_empty && boundary != NDKERN_BOUNDARY_FILL)
            return REF_UNDEFINED;
        return NDKERN_OK;
    }
    default:
        return NDKERN_EINVAL;
    }
    if (f_empty && boundary != NDKERN_BOUNDARY_FILL && out_shape[0] > 0 && out_shape[1] > 0)
        /* With an empty g too, nothing is read: SciPy gives zeros. */
        return g_shape[0] == 0 || g_shape[1] == 0 ? REF_UNDEFINED : NDKERN_ESHAPE;
    return NDKERN_OK;
}

/* A 2-D operand of the reference: base pointer, shape, byte strides. */
struct ref_operand {
    const unsigned char *data;
    int64_t shape[2];
    int64_t strides[2];
};

/*
 * One output element h[m, n] of convolve2d (correlate == 0) or
 * ndkern_correlate2d (correlate == 1), following SciPy's _convolve2d:
 *
 *   convolve:  h[m,n] = sum_{j,k} g[j,k] F[m - j + o0, n - k + o1]
 *              o = 0 (full), (K-1) >> 1 (same), K-1 (valid)
 *   correlate: h[m,n] = sum_{j,k} conj(g[j,k]) F[m + j - c0, n + k - c1]
 *              c = K-1 (full), (K-1) >> 1 (same), 0 (valid)
 *
 * where, after the valid-mode swap, F is the first operand extended by the
 * boundary and g the second; a swapped correlation is reversed in both axes
 * (SciPy: out[::-1, ::-1]), so (m, n) is mirrored before computing.
 */
static inline struct ref_value ref_conv2d_at(int correlate, struct ref_operand f,
                                             struct ref_operand g, int dt, int mode,
                                             int boundary, const void *fillvalue,
                                             int swapped, const int64_t out_shape[2],
                                             int64_t m, int64_t n)
{
    struct ref_operand image = swapped ? g : f, kernel = swapped ? f : g;
    struct ref_value r;
    int64_t origin[2];
    long double re = 0, im = 0, scale = 0;

    memset(&r, 0, sizeof r);
    if (correlate && swapped) {
        m = out_shape[0] - 1 - m;
        n = out_shape[1] - 1 - n;
    }
    for (int axis = 0; axis < 2; axis++) {
        int64_t last = kernel.shape[axis] - 1; /* K - 1 */
        if (mode == NDKERN_MODE_FULL)
            origin[axis] = correlate ? -last : 0;
        else if (mode == NDKERN_MODE_SAME)
            origin[axis] = correlate ? -(last >> 1) : (last >> 1);
        else
            origin[axis] = correlate ? 0 : last;
    }
    for (int64_t j = 0; j < kernel.shape[0]; j++)
        for (int64_t k = 0; k < kernel.shape[1]; k++) {
            int64_t i0 = correlate ? m + j + origin[0] : m - j + origin[0];
            int64_t i1 = correlate ? n + k + origin[1] : n - k + origin[1];
            int64_t e0 = ref_extend(i0, image.shape[0], boundary);
            int64_t e1 = ref_extend(i1, image.shape[1], boundary);
            const unsigned char *gp = kernel.data + j * kernel.strides[0] + k * kernel.strides[1];
            const unsigned char *fp;
            unsigned char zero[16] = {0};
            if (e0 < 0 || e1 < 0)
                fp = fillvalue ? (const unsigned char *)fillvalue : zero;
            else
                fp = image.data + e0 * image.strides[0] + e1 * image.strides[1];
            if (ref_is_int(dt)) {
                r.bits += ref_load_int(gp, dt) * ref_load_int(fp, dt);
            } else {
                long double gr = ref_load_component(gp, dt, 0), fr = ref_load_component(fp, dt, 0);
                long double gi = 0, fi = 0;
                if (ref_is_complex(dt)) {
                    gi = ref_load_component(gp, dt, 1);
                    fi = ref_load_component(fp, dt, 1);
                    if (correlate)
                        gi = -gi;
                }
                re += gr * fr - gi * fi;
                im += gr * fi + gi * fr;
                scale += (fabsl(gr) + fabsl(gi)) * (fabsl(fr) + fabsl(fi));
            }
        }
    r.bits &= ref_is_int(dt) ? ref_int_mask(dt) : 0;
    r.re = re;
    r.im = im;
    r.scale = scale;
    r.terms = kernel.shape[0] * kernel.shape[1];
    return r;
}

#endif /* NDKERN_TEST_REFERENCE_H */
