/* convolve_avx2.c -- the register-blocked float convolution cores
 * (convolve_blocked.inc) and the small-kernel cores (convolve_small.inc)
 * with 256-bit AVX2+FMA vectors.  Built with -mavx2 -mfma; only called after
 * the CPU check in runtime.c. */
#include "../internal.h"
#include "vec_avx2.h"

#define NDK_BLOCKED_ISA avx2
#define NDK_BLOCKED_ELEM f32
#include "convolve_blocked.inc"
#define NDK_BLOCKED_ELEM f64
#include "convolve_blocked.inc"

#define NDK_SMALL_ISA avx2
#define NDK_SMALL_ELEM f32
#include "convolve_small.inc"
#define NDK_SMALL_ELEM f64
#include "convolve_small.inc"
