/* internal.h -- declarations shared by the library's translation units.
 * Nothing here is exported. */
#ifndef NDKERN_INTERNAL_H
#define NDKERN_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fenv.h>
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
 *   ctype   the element's C type
 *   KIND    INT (wrapping integer), REAL or COMPLEX
 *   scalar  INT: the unsigned type of the same width (arithmetic wraps in it)
 *           REAL: the type itself; COMPLEX: the type of one component
 *   SIGNED  1 for signed integers, else 0
 */
#define NDK_FOR_EACH_DTYPE(X)                                   \
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

#define NDK_NDTYPES 12

enum ndk_kind { NDK_KIND_INT, NDK_KIND_REAL, NDK_KIND_COMPLEX };

/* Per-dtype facts, indexed by the dtype code. */
struct ndk_dtype_info {
    int size;           /* bytes per element */
    int kind;           /* enum ndk_kind */
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
