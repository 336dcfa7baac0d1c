/* vec_x86.h -- the vector layer (vec.h) for the x86 levels with FMA, written
 * once: their intrinsics differ only in the width in the name.  Included by
 * vec_avx2.h and vec_avx512.h after they define
 *   NDKV_X86_BITS        bits per vector (256, 512)
 *   NDKV_X86_TYPE(sfx)   the vector type: __m256##sfx (sfx d for doubles)
 *   NDKV_X86_WIDE(op)    an intrinsic of that width: _mm256_##op
 *   NDKV_X86_HALF(op)    one of half that width (a float32 half, widened)
 *   NDKV_NREGS           vector registers
 * and optionally NDKV_F16_BITS, the width of the float16 conversions
 * (default NDKV_X86_BITS): F16C's at 256 bits, AVX-512F's at 512. */
#ifndef NDKERN_VEC_X86_H
#define NDKERN_VEC_X86_H

#include <immintrin.h>

#include "vec.h"

#define NDKV_HAVE_FMA 1
/* "+v": any SSE/AVX register; without it the compiler folds a loaded
 * vector into every multiply-add that uses it, loading it once per use. */
#define NDKV_IN_REGISTER(x) __asm__("" : "+v"(x))

typedef NDKV_X86_TYPE(d) ndkv_f64;
typedef NDKV_X86_TYPE() ndkv_f32;
#define ndkv_nlanes_f64 (NDKV_X86_BITS / 64)
#define ndkv_nlanes_f32 (NDKV_X86_BITS / 32)

NDKV_INLINE ndkv_f64 ndkv_zero_f64(void) { return NDKV_X86_WIDE(setzero_pd)(); }
NDKV_INLINE ndkv_f64 ndkv_loadu_f64(const double *p) { return NDKV_X86_WIDE(loadu_pd)(p); }
NDKV_INLINE void ndkv_storeu_f64(double *p, ndkv_f64 v) { NDKV_X86_WIDE(storeu_pd)(p, v); }
NDKV_INLINE ndkv_f64 ndkv_add_f64(ndkv_f64 a, ndkv_f64 b) { return NDKV_X86_WIDE(add_pd)(a, b); }
NDKV_INLINE ndkv_f64 ndkv_muladd_f64(ndkv_f64 a, ndkv_f64 b, ndkv_f64 c)
{
    return NDKV_X86_WIDE(fmadd_pd)(a, b, c);
}
NDKV_INLINE ndkv_f64 ndkv_loadu_f32_as_f64(const float *p)
{
    return NDKV_X86_WIDE(cvtps_pd)(NDKV_X86_HALF(loadu_ps)(p));
}

NDKV_INLINE ndkv_f32 ndkv_zero_f32(void) { return NDKV_X86_WIDE(setzero_ps)(); }
NDKV_INLINE ndkv_f32 ndkv_loadu_f32(const float *p) { return NDKV_X86_WIDE(loadu_ps)(p); }
NDKV_INLINE void ndkv_storeu_f32(float *p, ndkv_f32 v) { NDKV_X86_WIDE(storeu_ps)(p, v); }
NDKV_INLINE ndkv_f32 ndkv_muladd_f32(ndkv_f32 a, ndkv_f32 b, ndkv_f32 c)
{
    return NDKV_X86_WIDE(fmadd_ps)(a, b, c);
}

#if NDKV_X86_BITS == 256
/* AVX's broadcast from memory (set1 of *p lets gcc compute the addresses
 * of the convolution's weights differently, with more spills). */
NDKV_INLINE ndkv_f64 ndkv_broadcast_f64(const double *p) { return _mm256_broadcast_sd(p); }
NDKV_INLINE ndkv_f32 ndkv_broadcast_f32(const float *p) { return _mm256_broadcast_ss(p); }
#else
/* AVX-512F broadcasts from a register; the compiler folds the load in. */
NDKV_INLINE ndkv_f64 ndkv_broadcast_f64(const double *p) { return NDKV_X86_WIDE(set1_pd)(*p); }
NDKV_INLINE ndkv_f32 ndkv_broadcast_f32(const float *p) { return NDKV_X86_WIDE(set1_ps)(*p); }
#endif

NDKV_INLINE void ndkv_prefetch(const void *p) { _mm_prefetch((const char *)p, _MM_HINT_T0); }

/* float16 <-> float: vcvtph2ps / vcvtps2ph, round to nearest even. */
#ifndef NDKV_F16_BITS
#define NDKV_F16_BITS NDKV_X86_BITS
#endif
#define NDKV_F16_BLOCK (NDKV_F16_BITS / 32)
/* The float vector of that width and the integer half holding its float16s. */
#if NDKV_F16_BITS == 256
#define NDKV_F16_WIDE(op) _mm256_##op
#define NDKV_F16_HALF_INT(op) _mm_##op##_si128
typedef __m128i ndkv_f16_bits;
#else
#define NDKV_F16_WIDE(op) _mm512_##op
#define NDKV_F16_HALF_INT(op) _mm256_##op##_si256
typedef __m256i ndkv_f16_bits;
#endif
NDKV_INLINE void ndkv_f16_to_f32(float *dst, const void *src)
{
    const ndkv_f16_bits bits = NDKV_F16_HALF_INT(loadu)((const ndkv_f16_bits *)src);
    NDKV_F16_WIDE(storeu_ps)(dst, NDKV_F16_WIDE(cvtph_ps)(bits));
}
NDKV_INLINE void ndkv_f32_to_f16(void *dst, const float *src)
{
    const ndkv_f16_bits bits =
        NDKV_F16_WIDE(cvtps_ph)(NDKV_F16_WIDE(loadu_ps)(src), _MM_FROUND_TO_NEAREST_INT);
    NDKV_F16_HALF_INT(storeu)((ndkv_f16_bits *)dst, bits);
}

#endif /* NDKERN_VEC_X86_H */
