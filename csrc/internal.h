/* internal.h -- declarations shared by the library's translation units.
 * Nothing here is exported. */
#ifndef NDKERN_INTERNAL_H
#define NDKERN_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fenv.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ndkern.h"

/* Complex elements: (real, imaginary) pairs, layout-compatible with C99
 * complex and NumPy's complex64/complex128. */
typedef struct { float re, im; } ndk_complex64;
typedef struct { double re, im; } ndk_complex128;

/*
 * The dtype list, written once.  X(CODE, name, ctype, KIND, scalar, SIGNED)
 *   CODE    suffix of the NDKERN_ enum value
 *   ctype   the element's C type (float16: its 16 bits)
 *   KIND    INT (wrapping integer), REAL, COMPLEX, BOOL (a byte, true when
 *           nonzero) or HALF (IEEE binary16, computed in float/double)
 *   scalar  INT, BOOL: the unsigned type of the same width (arithmetic wraps
 *           in it); REAL: the type itself; COMPLEX: the type of one
 *           component; HALF: float, the type it is computed in
 *   SIGNED  1 for signed integers, else 0
 * NDK_FOR_EACH_CONV_DTYPE lists the dtypes convolve2d computes: all but
 * bool and float16, for which scipy.signal.convolve2d has no loop either.
 */
#define NDK_FOR_EACH_CONV_DTYPE(X)                              \
    X(INT8, int8, int8_t, INT, uint8_t, 1)                      \
    X(INT16, int16, int16_t, INT, uint16_t, 1)                  \
    X(INT32, int32, int32_t, INT, uint32_t, 1)                  \
    X(INT64, int64, int64_t, INT, uint64_t, 1)                  \
    X(UINT8, uint8, uint8_t, INT, uint8_t, 0)                   \
    X(UINT16, uint16, uint16_t, INT, uint16_t, 0)               \
    X(UINT32, uint32, uint32_t, INT, uint32_t, 0)               \
    X(UINT64, uint64, uint64_t, INT, uint64_t, 0)               \
    X(FLOAT32, float32, float, REAL, float, 0)                  \
    X(FLOAT64, float64, double, REAL, double, 0)                \
    X(COMPLEX64, complex64, ndk_complex64, COMPLEX, float, 0)   \
    X(COMPLEX128, complex128, ndk_complex128, COMPLEX, double, 0)
#define NDK_FOR_EACH_DTYPE(X)                                   \
    NDK_FOR_EACH_CONV_DTYPE(X)                                  \
    X(BOOL, bool, uint8_t, BOOL, uint8_t, 0)                    \
    X(FLOAT16, float16, uint16_t, HALF, float, 0)

#define NDK_NDTYPES 14

/* The arithmetic of each KIND: bool is counted as an integer 0 or 1,
 * float16 is computed as a real. */
enum ndk_kind {
    NDK_KIND_INT,
    NDK_KIND_REAL,
    NDK_KIND_COMPLEX,
    NDK_KIND_BOOL = NDK_KIND_INT,
    NDK_KIND_HALF = NDK_KIND_REAL
};

/* Per-dtype facts, indexed by the dtype code. */
struct ndk_dtype_info {
    int size;           /* bytes per element */
    int kind;           /* enum ndk_kind: INT, REAL or COMPLEX */
    int is_signed;      /* INT kinds: signed? */
};
extern const struct ndk_dtype_info ndk_dtypes[NDK_NDTYPES];

static inline int ndk_dtype_valid(int dtype)
{
    return dtype >= 0 && dtype < NDK_NDTYPES;
}

/* Whether values of `dtype` are floating (real or complex): the
 * arithmetic whose exceptions ndkern_fp_exceptions reports. */
static inline int ndk_dtype_is_float(int dtype)
{
    return ndk_dtype_valid(dtype) && ndk_dtypes[dtype].kind != NDK_KIND_INT;
}

/* Unaligned, aliasing-safe element access (compiles to a plain move):
 * ndk_load_<name>(const void *) and ndk_store_<name>(void *, ctype). */
#define NDK_DEFINE_ACCESS(CODE, name, ctype, KIND, scalar, SIGNED)            \
    static inline ctype ndk_load_##name(const void *p)                  \
    {                                                                   \
        ctype v;                                                        \
        memcpy(&v, p, sizeof v);                                        \
        return v;                                                       \
    }                                                                   \
    static inline void ndk_store_##name(void *p, ctype v)               \
    {                                                                   \
        memcpy(p, &v, sizeof v);                                        \
    }
NDK_FOR_EACH_DTYPE(NDK_DEFINE_ACCESS)

/* ---------------------------------------------------------------- float16 */

/* IEEE binary16 <-> binary32 by bits, as F16C's vcvtph2ps / vcvtps2ph (and
 * aarch64's fcvt) compute them, so every level gives the same bits: exact
 * widening; narrowing rounds to nearest even, subnormals kept, overflow to
 * infinity; a NaN keeps its sign and the top bits of its payload and comes
 * back quiet.  (numpy.square(float16) rounds its float32 square with the
 * same rule; its squares of NaN are quiet, so they match too.) */
#define NDK_F32_SIGN 0x80000000u
#define NDK_F32_QUIET 0x00400000u
#define NDK_F16_SIGN 0x8000u
#define NDK_F16_INF 0x7c00u
#define NDK_F16_QUIET 0x0200u
#define NDK_F16_MANT_BITS 10
#define NDK_F32_MANT_BITS 23
#define NDK_F16_TO_F32_SHIFT (NDK_F32_MANT_BITS - NDK_F16_MANT_BITS)
/* float32 exponent bias minus float16's (127 - 15), in the float's
 * exponent field. */
#define NDK_F16_REBIAS (UINT32_C(112) << NDK_F32_MANT_BITS)

static inline float ndk_bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint32_t ndk_float_to_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline float ndk_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & NDK_F16_SIGN) << 16;
    const uint32_t magnitude = h & ~NDK_F16_SIGN;
    if (magnitude >= NDK_F16_INF) /* inf or NaN (made quiet) */
        return ndk_bits_to_float(sign | 0x7f800000u | (magnitude & 0x3ffu) << NDK_F16_TO_F32_SHIFT |
                                 (magnitude > NDK_F16_INF ? NDK_F32_QUIET : 0));
    if (magnitude < 0x400u) /* zero or subnormal: magnitude * 2^-24, exact */
        return ndk_bits_to_float(sign | ndk_float_to_bits((float)magnitude * 0x1p-24f));
    return ndk_bits_to_float(sign | ((magnitude << NDK_F16_TO_F32_SHIFT) + NDK_F16_REBIAS));
}

/* The float16 subnormal (or zero, or the smallest normal after rounding
 * up) nearest to a float magnitude below 2^-14, ties to even: its
 * significand shifted to units of 2^-24. */
static inline uint32_t ndk_half_subnormal(uint32_t magnitude)
{
    const int exponent = (int)(magnitude >> NDK_F32_MANT_BITS);
    if (exponent < 102) /* below 2^-25, half the smallest subnormal: zero */
        return 0;
    const uint32_t significand = (magnitude & 0x7fffffu) | 0x800000u;
    const int shift = 126 - exponent; /* 14 to 24 */
    const uint32_t half_unit = UINT32_C(1) << (shift - 1);
    const uint32_t dropped = significand & ((half_unit << 1) - 1);
    uint32_t kept = significand >> shift;
    if (dropped > half_unit || (dropped == half_unit && (kept & 1u)))
        kept++;
    return kept;
}

/* The IEEE flags a rounding to float16 raises in NumPy (and in the F16C /
 * AVX-512 conversion instructions): overflow when a finite value rounds to
 * infinity, underflow when the result is tiny (below 2^-14) and inexact.
 * Raised by a real float operation, so the status register (MXCSR) that
 * ndkern_fp_exceptions reads sees them; volatile keeps the compiler from
 * folding it away.  Rare paths only. */
static inline void ndk_half_raise_overflow(void)
{
    volatile float huge = FLT_MAX;
    huge = huge * 2.0f;
}

static inline void ndk_half_raise_underflow(void)
{
    volatile float tiny = FLT_MIN;
    tiny = tiny * FLT_MIN;
}

static inline uint16_t ndk_half_from_float(float f)
{
    const uint32_t bits = ndk_float_to_bits(f);
    const uint16_t sign = (uint16_t)((bits & NDK_F32_SIGN) >> 16);
    const uint32_t magnitude = bits & ~NDK_F32_SIGN;
    if (magnitude > 0x7f800000u) /* NaN: the payload's top bits, quiet */
        return (uint16_t)(sign | NDK_F16_INF | NDK_F16_QUIET |
                          (magnitude & 0x7fffffu) >> NDK_F16_TO_F32_SHIFT);
    /* 65520 = 65504 + half an ulp: at and above it the rounding overflows. */
    if (magnitude >= 0x477ff000u) {
        if (magnitude < 0x7f800000u)
            ndk_half_raise_overflow();
        return (uint16_t)(sign | NDK_F16_INF);
    }
    if (magnitude < 0x38800000u) { /* below 2^-14: a subnormal or zero */
        const uint16_t tiny = (uint16_t)ndk_half_subnormal(magnitude);
        if (ndk_float_to_bits(ndk_half_to_float(tiny)) != magnitude)
            ndk_half_raise_underflow();
        return (uint16_t)(sign | tiny);
    }
    /* Normal: drop 13 mantissa bits with round to nearest even; a carry
     * into the exponent is the right result (up to 65504's neighbour). */
    const uint32_t dropped = magnitude & 0x1fffu;
    uint32_t kept = (magnitude - NDK_F16_REBIAS) >> NDK_F16_TO_F32_SHIFT;
    if (dropped > 0x1000u || (dropped == 0x1000u && (kept & 1u)))
        kept++;
    return (uint16_t)(sign | kept);
}

/* A double rounded once to float16 (nearest even): through a float rounded
 * to odd (toward zero, lowest bit set when inexact), which keeps the
 * information the second rounding needs (float has 13 more bits). */
static inline uint16_t ndk_half_from_double(double d)
{
    const float f = (float)d;
    if ((double)f == d || d != d) /* exact, or NaN */
        return ndk_half_from_float(f);
    uint32_t bits = ndk_float_to_bits(f);
    if (d > 0 ? (double)f > d : (double)f < d) /* rounded away from zero */
        bits--;
    return ndk_half_from_float(ndk_bits_to_float(bits | 1u));
}


/* ------------------------------------------------------------------ layout */

/* A validated strided array.  `lo`/`hi` bound the bytes it touches:
 * [data + lo, data + hi), empty when count == 0. */
struct ndk_array {
    char *data;                     /* element zero */
    int ndim;                       /* axes, 0 to NDKERN_MAX_NDIM */
    int64_t count;                  /* number of elements */
    int64_t itemsize;               /* bytes per element */
    int64_t lo, hi;                 /* byte range touched, relative to data */
    const int64_t *shape;           /* the caller's extents (not copied) */
    const int64_t *strides;         /* the caller's strides, bytes (not copied) */
};

/* Validates pointer, ndim, shape and strides; fills `a`.  `is_output` also
 * rejects zero strides on axes of extent > 1.  Returns NDKERN_OK,
 * NDKERN_EINVAL or NDKERN_EOVERFLOW. */
int ndk_array_init(struct ndk_array *a, const void *data, int ndim,
                   const int64_t *shape, const int64_t *strides,
                   int64_t itemsize, int is_output);

/* Whether the bytes of two arrays intersect (empty arrays never do). */
int ndk_arrays_overlap(const struct ndk_array *a, const struct ndk_array *b);

/* Whether two arrays are exactly the same elements in the same order. */
int ndk_arrays_identical(const struct ndk_array *a, const struct ndk_array *b);

static inline int64_t ndk_abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Dimensions normalised for a loop over up to two operands: unit axes
 * dropped, axes ordered by decreasing |stride| of operand 0 (then operand
 * 1; ties keep their order), contiguous neighbours merged.  The last axis
 * is the inner loop; a single element is one axis of extent 1. */
struct ndk_loop {
    int ndim;                       /* axes kept, >= 1 */
    int64_t offset[2];              /* bytes from each base to index zero */
    int64_t shape[NDKERN_MAX_NDIM]; /* extent of each axis, > 1 but for a single element */
    int64_t strides[2][NDKERN_MAX_NDIM]; /* bytes per step of each axis, per operand */
};

/* For an elementwise loop, where the order of elements does not matter: an
 * axis every operand walks backwards is also reversed (offset then moves
 * each base to the axis's last element). */
void ndk_loop_init(struct ndk_loop *loop, int ndim, const int64_t *shape,
                   const int64_t *strides0, const int64_t *strides1,
                   int noperands);

/* For one operand whose logical order matters (a reduction's order is part
 * of its result): no axis is reversed, so offset is 0 and the element with
 * flat index i of the loop is the i-th in the order defined by the axes. */
void ndk_loop_init_ordered(struct ndk_loop *loop, int ndim, const int64_t *shape,
                           const int64_t *strides);

/* Calls fn(ctx, p0, p1, n) for each inner run of elements with flat
 * indices in [begin, end) of the normalised loop. */
typedef void (*ndk_run_fn)(void *ctx, char *p0, char *p1, int64_t n);
void ndk_loop_run(const struct ndk_loop *loop, char *base0, char *base1,
                  int64_t begin, int64_t end, ndk_run_fn fn, void *ctx);

/* A multi-index walking `shape` in C order (the last axis fastest), with
 * the byte offsets it stands for in up to two operands. */
struct ndk_odometer {
    int ndim;
    const int64_t *shape;           /* extents, each >= 1 */
    const int64_t *strides[2];      /* bytes per step of each axis, per operand */
    int64_t index[NDKERN_MAX_NDIM]; /* the position */
    int64_t offset[2];              /* bytes from index zero to it, per operand */
};

/* Starts o at the position with flat (C order) index `flat` < the product
 * of shape.  strides1 may be NULL for a single operand (offset[1] then
 * repeats offset[0]).  ndim 0 is one position. */
void ndk_odometer_init(struct ndk_odometer *o, int ndim, const int64_t *shape,
                       const int64_t *strides0, const int64_t *strides1, int64_t flat);

/* Steps to the next position in C order; after the last one, back to
 * index zero (offsets 0). */
void ndk_odometer_next(struct ndk_odometer *o);

/* ----------------------------------------------------------------- threads */

/* Threads to use for `work` units of roughly equal cost, where one thread
 * should get at least `grain` units.  Always >= 1. */
int ndk_threads_for(int64_t work, int64_t grain);

/* Threads to use for work estimated at `flops` arithmetic operations and
 * `bytes` of memory read and written (negative counts as zero): the one
 * cost rule of every operation, so small work stays on the calling thread
 * and a thread is added only for a measured minimum of work (pool.c).
 * Always >= 1. */
int ndk_threads_for_cost(int64_t flops, int64_t bytes);

/* The same rule for work whose one-thread time an operation estimates
 * itself (nanoseconds on the machine ndk_threads_for_cost's rates come
 * from; the FFT's cost model).  Always >= 1. */
int ndk_threads_for_time(double ns);

/* Runs fn(ctx, task, worker) for every task in [0, ntasks) on up to
 * `nthreads` workers with indices in [0, nthreads) (the caller is worker 0;
 * the others are threads of the persistent pool in pool.c).  Tasks are
 * handed out in order; which worker runs a task must not change the result.
 * Never fails and never waits for another call: if the pool is busy (another
 * thread's call, or fn itself calling the library) or a thread cannot be
 * started, the tasks run on the workers there are, possibly the caller
 * alone. */
typedef void (*ndk_task_fn)(void *ctx, int64_t task, int worker);
void ndk_parallel_for(int nthreads, int64_t ntasks, ndk_task_fn fn, void *ctx);

/* ---------------------------------------------------------- floating point */

/* x86-64: the exception flags are MXCSR's (fperr.c says why). */
#if defined(__x86_64__) && defined(__SSE2_MATH__)
#define NDK_FP_MXCSR 1
#else
#define NDK_FP_MXCSR 0
#endif

/* Brackets one call's computation (fperr.c): ndk_fp_begin saves the
 * caller's invalid, divide-by-zero, overflow and underflow flags and clears
 * them; ndk_fp_end records those raised since for ndkern_fp_exceptions (or
 * 0 when `report` is 0: an error, or integer arithmetic) and restores the
 * caller's. */
struct ndk_fp_scope {
    int caller_reported;        /* the caller's flags among them (FE_* bits) */
#if !NDK_FP_MXCSR
    fexcept_t caller_flags;     /* their saved state, when caller_reported != 0 */
#endif
};
void ndk_fp_begin(struct ndk_fp_scope *scope);
void ndk_fp_end(const struct ndk_fp_scope *scope, int report);

/* This thread's raised exception flags (an opaque bit set), clearing them,
 * and raising a set: how pool workers hand their flags to the caller. */
int ndk_fp_raised(void);
void ndk_fp_clear(void);
void ndk_fp_raise(int raised);

/* ----------------------------------------------------------------- kernels */

#include "kernels/kernels.h"

/* The kernel table for this machine, chosen once. */
const struct ndk_kernels *ndk_kernels(void);

#endif /* NDKERN_INTERNAL_H */
