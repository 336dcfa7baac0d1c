/* isa_baseline.c -- the kernels for any CPU: SSE2 vectors on x86-64 (where
 * every CPU has them), plain C elsewhere. */
#include "../internal.h"

#if defined(__SSE2__)
#include "vec_sse2.h"
#else
#include "vec_scalar.h"
#endif

/* The small-kernel float cores, with a product then a sum per tap (no FMA
 * here), as the portable core of convolve.inc. */
#define NDK_SMALL_ISA baseline
#define NDK_SMALL_ELEM f32
#include "convolve_small.inc"
#define NDK_SMALL_ELEM f64
#include "convolve_small.inc"
#define NDK_CONV_SMALL_F32 ndk_conv_small_f32_baseline
#define NDK_CONV_SMALL_F64 ndk_conv_small_f64_baseline

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "fft.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_baseline = NDK_KERNEL_TABLE("baseline");
