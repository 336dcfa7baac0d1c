/* vec_scalar.h -- the vector layer (vec.h) with one-lane "vectors": plain C
 * for the baseline level of CPUs with no vector header (the compiler may
 * still vectorise the loops).  No FMA: the float convolution uses the
 * portable core of convolve.inc. */
#ifndef NDKERN_VEC_SCALAR_H
#define NDKERN_VEC_SCALAR_H

#include <string.h>

#include "vec.h"

#define NDKV_HAVE_FMA 0
#define NDKV_F16_BLOCK 1
#define ndkv_f16_to_f32 ndkv_f16_to_f32_one
#define ndkv_f32_to_f16 ndkv_f32_to_f16_one

typedef double ndkv_f64;
#define ndkv_nlanes_f64 1

/* memcpy: any alignment and no aliasing questions; it compiles to a move. */
NDKV_INLINE ndkv_f64 ndkv_zero_f64(void) { return 0.0; }
NDKV_INLINE ndkv_f64 ndkv_loadu_f64(const double *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}
NDKV_INLINE void ndkv_storeu_f64(double *p, ndkv_f64 v) { memcpy(p, &v, sizeof v); }
NDKV_INLINE ndkv_f64 ndkv_add_f64(ndkv_f64 a, ndkv_f64 b) { return a + b; }
NDKV_INLINE ndkv_f64 ndkv_loadu_f32_as_f64(const float *p)
{
    float v;
    memcpy(&v, p, sizeof v);
    return (double)v;
}

NDKV_INLINE void ndkv_prefetch(const void *p) { (void)p; }

#endif /* NDKERN_VEC_SCALAR_H */
