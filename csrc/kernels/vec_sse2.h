/* vec_sse2.h -- the vector layer (vec.h) with 128-bit SSE2 vectors, part of
 * every x86-64 CPU: the baseline level there.  No FMA, so the float
 * convolution uses the portable core of convolve.inc (and the small-kernel
 * core, with a product then a sum per tap). */
#ifndef NDKERN_VEC_SSE2_H
#define NDKERN_VEC_SSE2_H

#include <emmintrin.h>

#include "vec.h"

#define NDKV_HAVE_FMA 0
#define NDKV_NREGS 16
#define NDKV_IN_REGISTER(x) __asm__("" : "+x"(x))
#define NDKV_F16_BLOCK 1
#define ndkv_f16_to_f32 ndkv_f16_to_f32_one
#define ndkv_f32_to_f16 ndkv_f32_to_f16_one

typedef __m128d ndkv_f64;
typedef __m128 ndkv_f32;
#define ndkv_nlanes_f64 2
#define ndkv_nlanes_f32 4

NDKV_INLINE ndkv_f64 ndkv_zero_f64(void) { return _mm_setzero_pd(); }
NDKV_INLINE ndkv_f64 ndkv_loadu_f64(const double *p) { return _mm_loadu_pd(p); }
NDKV_INLINE void ndkv_storeu_f64(double *p, ndkv_f64 v) { _mm_storeu_pd(p, v); }
NDKV_INLINE ndkv_f64 ndkv_add_f64(ndkv_f64 a, ndkv_f64 b) { return _mm_add_pd(a, b); }
/* Two floats are 8 bytes: a 64-bit load, not a 16-byte one that could run
 * past the end of the data. */
NDKV_INLINE ndkv_f64 ndkv_loadu_f32_as_f64(const float *p)
{
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(const void *)p)));
}

/* For the small-kernel convolution (convolve_small.inc), which at a level
 * without FMA multiplies, then adds. */
NDKV_INLINE ndkv_f64 ndkv_mul_f64(ndkv_f64 a, ndkv_f64 b) { return _mm_mul_pd(a, b); }
NDKV_INLINE ndkv_f64 ndkv_broadcast_f64(const double *p) { return _mm_set1_pd(*p); }
NDKV_INLINE ndkv_f32 ndkv_zero_f32(void) { return _mm_setzero_ps(); }
NDKV_INLINE ndkv_f32 ndkv_loadu_f32(const float *p) { return _mm_loadu_ps(p); }
NDKV_INLINE void ndkv_storeu_f32(float *p, ndkv_f32 v) { _mm_storeu_ps(p, v); }
NDKV_INLINE ndkv_f32 ndkv_add_f32(ndkv_f32 a, ndkv_f32 b) { return _mm_add_ps(a, b); }
NDKV_INLINE ndkv_f32 ndkv_mul_f32(ndkv_f32 a, ndkv_f32 b) { return _mm_mul_ps(a, b); }
NDKV_INLINE ndkv_f32 ndkv_broadcast_f32(const float *p) { return _mm_set1_ps(*p); }

NDKV_INLINE void ndkv_prefetch(const void *p) { _mm_prefetch((const char *)p, _MM_HINT_T0); }

#endif /* NDKERN_VEC_SSE2_H */
