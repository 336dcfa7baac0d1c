/* convolve_avx512.c -- the register-blocked float convolution cores
 * (convolve_blocked.inc) and the small-kernel cores (convolve_small.inc)
 * with 512-bit AVX-512F vectors: the same operations per output element as
 * the avx2 cores, so the same bits.  Built with -mavx512f -mavx2 -mfma; only
 * called after the CPU check in runtime.c. */
#include "../internal.h"
#include "vec_avx512.h"

#define NDK_BLOCKED_ISA avx512
#define NDK_BLOCKED_ELEM f32
#include "convolve_blocked.inc"
#define NDK_BLOCKED_ELEM f64
#include "convolve_blocked.inc"

#define NDK_SMALL_ISA avx512
#define NDK_SMALL_ELEM f32
#include "convolve_small.inc"
#define NDK_SMALL_ELEM f64
#include "convolve_small.inc"
