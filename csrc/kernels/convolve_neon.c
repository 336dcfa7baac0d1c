/* convolve_neon.c -- the register-blocked float convolution cores
 * (convolve_blocked.inc) and the small-kernel cores (convolve_small.inc)
 * with 128-bit NEON vectors: 32 registers hold blocks of 8 output rows x 3
 * vectors (24 accumulators, 3 input vectors, 1 weight), each tap an fmla by
 * element.  The same operations per output element as the avx2 and avx512
 * cores, so the same bits. */
#include "../internal.h"
#include "vec_neon.h"

#define NDK_BLOCKED_ISA neon
#define NDK_BLOCKED_ELEM f32
#include "convolve_blocked.inc"
#define NDK_BLOCKED_ELEM f64
#include "convolve_blocked.inc"

#define NDK_SMALL_ISA neon
#define NDK_SMALL_ELEM f32
#include "convolve_small.inc"
#define NDK_SMALL_ELEM f64
#include "convolve_small.inc"
