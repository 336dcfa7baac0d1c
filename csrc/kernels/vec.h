/* vec.h -- the small portable vector layer the kernel templates (sum.inc,
 * convolve_blocked.inc, convolve_small.inc) are written against, in the
 * style of NumPy's npyv: one header per ISA, vec_<isa>.h, defines the same
 * names with that ISA's intrinsics, and each isa_<name>.c /
 * convolve_<name>.c includes the header of the level it is compiled for
 * (isa_avx512.c keeps 256-bit vectors for the sums, measured: see there).  This file holds what every level shares.
 *
 * Every vec_<isa>.h defines (sfx f64: double lanes):
 *   ndkv_f64                  a vector of ndkv_nlanes_f64 doubles
 *   ndkv_zero_f64()           all lanes 0.0
 *   ndkv_loadu_f64(p)         load from p, any alignment
 *   ndkv_storeu_f64(p, v)     store to p, any alignment
 *   ndkv_add_f64(a, b)        a + b, lane by lane
 *   ndkv_loadu_f32_as_f64(p)  ndkv_nlanes_f64 floats from p, each widened
 *   ndkv_prefetch(p)          a hint that p is read soon (may do nothing)
 *   NDKV_HAVE_FMA             1 if the level has fused multiply-add, else 0
 *   NDKV_F16_BLOCK            float16 values each conversion below handles
 *   ndkv_f16_to_f32(dst, src) NDKV_F16_BLOCK float16 bit patterns at src
 *                             (any alignment) to floats at dst, exactly
 *   ndkv_f32_to_f16(dst, src) NDKV_F16_BLOCK floats at src to float16 bit
 *                             patterns at dst, rounded to nearest even; both
 *                             give the bits of ndk_half_to_float /
 *                             ndk_half_from_float (internal.h), which the
 *                             levels without conversion instructions use
 *                             one value at a time (ndkv_f16_*_one below)
 * and, for sfx f32 and f64 (ndkv_elem_<sfx> is float or double; the
 * convolution cores convolve_blocked.inc and convolve_small.inc):
 *   ndkv_<sfx>, ndkv_nlanes_<sfx>, ndkv_zero_<sfx>(), ndkv_loadu_<sfx>(p),
 *   ndkv_storeu_<sfx>(p, v)
 *   ndkv_broadcast_<sfx>(p)   every lane = *p
 *   NDKV_NREGS                vector registers the compiler can allocate
 *   NDKV_IN_REGISTER(x)       keeps the vector variable x in a register
 * with, when NDKV_HAVE_FMA is 1 (the register-blocked core needs it),
 *   ndkv_muladd_<sfx>(a, b, c)  a * b + c, rounded once (fused)
 * and otherwise (the small-kernel core then multiplies, then adds)
 *   ndkv_mul_<sfx>(a, b), ndkv_add_<sfx>(a, b)
 * Lane for lane, every level must compute exactly what the scalar operation
 * computes: that is what keeps sums bit-identical across levels and float
 * convolutions bit-identical across the FMA levels.
 *
 * Adding an ISA <name>:
 *   1. vec_<name>.h: the names above with that ISA's intrinsics (vec_x86.h
 *      has them all, for avx2 and avx512, which only set the width;
 *      vec_sse2.h and vec_scalar.h show the minimum without FMA).
 *   2. isa_<name>.c: include vec_<name>.h and the *.inc bodies, define
 *      ndk_kernels_<name> (copy isa_avx2.c); with FMA also convolve_<name>.c
 *      (copy convolve_avx2.c) and its declarations in kernels.h.
 *   3. runtime.c: the level in `levels` and its CPU check; configure.ac and
 *      Makefile.am: a convenience library built with the ISA's flags.
 *   4. The level's name where levels are listed: ndkern_simd_level in
 *      ndkern.h, tests/c/all-levels.sh, tests/c/test_api.c and
 *      tests/python/test_simd_levels.py.
 * The templates need no change; the C tests then run at the new level too
 * (NDKERN_SIMD) and compare its DIGEST lines with the other levels'. */
#ifndef NDKERN_VEC_H
#define NDKERN_VEC_H

#include <stdint.h>
#include <string.h>

#include "../internal.h"

/* For the small helpers of the templates: their arguments (row indices,
 * block heights) must be constants after inlining, or the accumulators
 * leave the registers. */
#define NDKV_INLINE static inline __attribute__((always_inline))

/* Before a loop over a small array of vectors (accumulators indexed by the
 * loop counter): written out, they stay in registers; as a loop, gcc -O2
 * keeps them in memory. */
#define NDKV_UNROLL _Pragma("GCC unroll 16")

/* The element type of each suffix, so that a template can name it from the
 * suffix alone. */
typedef float ndkv_elem_f32;
typedef double ndkv_elem_f64;

/* float16 conversions one value at a time, by bits: NDKV_F16_BLOCK 1 for
 * the levels without conversion instructions (sse2, scalar). */
NDKV_INLINE void ndkv_f16_to_f32_one(float *dst, const void *src)
{
    uint16_t bits;
    memcpy(&bits, src, sizeof bits);
    *dst = ndk_half_to_float(bits);
}
NDKV_INLINE void ndkv_f32_to_f16_one(void *dst, const float *src)
{
    const uint16_t bits = ndk_half_from_float(*src);
    memcpy(dst, &bits, sizeof bits);
}

#endif /* NDKERN_VEC_H */
