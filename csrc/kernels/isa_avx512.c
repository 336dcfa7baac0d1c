/* isa_avx512.c -- the same kernels compiled for AVX-512F (+ AVX2 and FMA):
 * this file is built with -mavx512f -mavx2 -mfma and only called after the
 * CPU check in runtime.c.  Sums and integer results are bit-identical to the
 * other levels; float results are bit-identical to the avx2 level. */
#include "../internal.h"
#include "vec_avx512.h"

#define NDK_CONV_CORE_F32 ndk_conv_core_f32_avx512
#define NDK_CONV_CORE_F64 ndk_conv_core_f64_avx512

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_avx512 = NDK_KERNEL_TABLE("avx512");
