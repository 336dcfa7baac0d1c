/* isa_baseline.c -- the kernels for any CPU: SSE2 vectors on x86-64 (where
 * every CPU has them), plain C elsewhere. */
#include "../internal.h"

#if defined(__SSE2__)
#include "vec_sse2.h"
#else
#include "vec_scalar.h"
#endif

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "fft.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_baseline = NDK_KERNEL_TABLE("baseline");
