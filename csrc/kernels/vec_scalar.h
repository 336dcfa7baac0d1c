/* vec_scalar.h -- the vector layer (vec.h) with one-lane "vectors": plain C
 * for the baseline level of CPUs with no vector header (the compiler may
 * still vectorise the loops).  No FMA: the float convolution uses the
 * portable core of convolve.inc. */
#ifndef NDKERN_VEC_SCALAR_H
#define NDKERN_VEC_SCALAR_H

#include <string.h>

#include "vec.h"

#define NDKV_HAVE_FMA 0
/* Plain C values: as many as the compiler likes; nothing to pin. */
#define NDKV_NREGS 16
#define NDKV_IN_REGISTER(x) ((void)(x))
#define NDKV_F16_BLOCK 1
#define ndkv_f16_to_f32 ndkv_f16_to_f32_one
#define ndkv_f32_to_f16 ndkv_f32_to_f16_one

typedef double ndkv_f64;
typedef float ndkv_f32;
#define ndkv_nlanes_f64 1
#define ndkv_nlanes_f32 1

/* The operations of one element type T (suffix sfx).  memcpy: any
 * alignment and no aliasing questions; it compiles to a move.  mul and
 * broadcast serve the small-kernel convolution (convolve_small.inc), which
 * at a level without FMA multiplies, then adds (-ffp-contract=off: never
 * fused). */
#define NDKV_SCALAR_OPS(sfx, T)                                                          \
    NDKV_INLINE ndkv_##sfx ndkv_zero_##sfx(void) { return (T)0; }                         \
    NDKV_INLINE ndkv_##sfx ndkv_loadu_##sfx(const T *p)                                  \
    {                                                                                    \
        T v;                                                                             \
        memcpy(&v, p, sizeof v);                                                         \
        return v;                                                                        \
    }                                                                                    \
    NDKV_INLINE void ndkv_storeu_##sfx(T *p, ndkv_##sfx v) { memcpy(p, &v, sizeof v); }  \
    NDKV_INLINE ndkv_##sfx ndkv_add_##sfx(ndkv_##sfx a, ndkv_##sfx b) { return a + b; }  \
    NDKV_INLINE ndkv_##sfx ndkv_mul_##sfx(ndkv_##sfx a, ndkv_##sfx b) { return a * b; }  \
    NDKV_INLINE ndkv_##sfx ndkv_broadcast_##sfx(const T *p) { return *p; }
NDKV_SCALAR_OPS(f64, double)
NDKV_SCALAR_OPS(f32, float)
#undef NDKV_SCALAR_OPS

NDKV_INLINE ndkv_f64 ndkv_loadu_f32_as_f64(const float *p)
{
    return (double)ndkv_loadu_f32(p);
}

NDKV_INLINE void ndkv_prefetch(const void *p) { (void)p; }

#endif /* NDKERN_VEC_SCALAR_H */
