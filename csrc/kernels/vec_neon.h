/* vec_neon.h -- the vector layer (vec.h) with 128-bit NEON (ASIMD) vectors,
 * part of every aarch64 CPU: 2 doubles or 4 floats per vector, 32 vector
 * registers, fused multiply-add (fmla).  Lane for lane these compute what
 * the x86 levels compute (IEEE add, fused multiply-add rounded once, exact
 * float -> double widening), so sums are bit-identical to every x86 level
 * and float convolutions to avx2 and avx512. */
#ifndef NDKERN_VEC_NEON_H
#define NDKERN_VEC_NEON_H

#include <arm_neon.h>

#include "vec.h"

#define NDKV_HAVE_FMA 1
#define NDKV_NREGS 32
/* "+w": any FP/SIMD register; without it the compiler folds a loaded
 * vector into every multiply-add that uses it, loading it once per use. */
#define NDKV_IN_REGISTER(x) __asm__("" : "+w"(x))

typedef float64x2_t ndkv_f64;
typedef float32x4_t ndkv_f32;
#define ndkv_nlanes_f64 2
#define ndkv_nlanes_f32 4

/* ld1/st1 of 64-bit or 32-bit elements accept any alignment. */
NDKV_INLINE ndkv_f64 ndkv_zero_f64(void) { return vdupq_n_f64(0.0); }
NDKV_INLINE ndkv_f64 ndkv_loadu_f64(const double *p) { return vld1q_f64(p); }
NDKV_INLINE void ndkv_storeu_f64(double *p, ndkv_f64 v) { vst1q_f64(p, v); }
NDKV_INLINE ndkv_f64 ndkv_add_f64(ndkv_f64 a, ndkv_f64 b) { return vaddq_f64(a, b); }
/* fmla: c + a * b, rounded once. */
NDKV_INLINE ndkv_f64 ndkv_muladd_f64(ndkv_f64 a, ndkv_f64 b, ndkv_f64 c)
{
    return vfmaq_f64(c, a, b);
}
/* Two floats (8 bytes, never more) widened by fcvtl. */
NDKV_INLINE ndkv_f64 ndkv_loadu_f32_as_f64(const float *p) { return vcvt_f64_f32(vld1_f32(p)); }

NDKV_INLINE ndkv_f32 ndkv_zero_f32(void) { return vdupq_n_f32(0.0f); }
NDKV_INLINE ndkv_f32 ndkv_loadu_f32(const float *p) { return vld1q_f32(p); }
NDKV_INLINE void ndkv_storeu_f32(float *p, ndkv_f32 v) { vst1q_f32(p, v); }
NDKV_INLINE ndkv_f32 ndkv_muladd_f32(ndkv_f32 a, ndkv_f32 b, ndkv_f32 c)
{
    return vfmaq_f32(c, a, b);
}

/* A weight duplicated from a scalar register: gcc folds the dup into the
 * multiply-adds that use it, which become fmla by element (fmla v.4s, v.4s,
 * w.s[0]): one scalar load per weight and row, no dup instruction. */
NDKV_INLINE ndkv_f64 ndkv_broadcast_f64(const double *p) { return vdupq_n_f64(*p); }
NDKV_INLINE ndkv_f32 ndkv_broadcast_f32(const float *p) { return vdupq_n_f32(*p); }

NDKV_INLINE void ndkv_prefetch(const void *p) { __builtin_prefetch(p); }

/* float16 <-> float: fcvtl / fcvtn, four at a time (the FPCR's default
 * round to nearest even; NaNs come back quiet with their payload's top
 * bits, as on x86). */
#define NDKV_F16_BLOCK 4
NDKV_INLINE void ndkv_f16_to_f32(float *dst, const void *src)
{
    vst1q_f32(dst, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)src))));
}
NDKV_INLINE void ndkv_f32_to_f16(void *dst, const float *src)
{
    vst1_u16((uint16_t *)dst, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src))));
}

#endif /* NDKERN_VEC_NEON_H */
