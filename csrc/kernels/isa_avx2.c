/* isa_avx2.c -- the same kernels compiled for AVX2 + FMA (this file is built
 * with -mavx2 -mfma -mf16c and only called after the CPU check in runtime.c). */
#include "../internal.h"
#include "vec_avx2.h"

#define NDK_CONV_CORE_F32 ndk_conv_core_f32_avx2
#define NDK_CONV_CORE_F64 ndk_conv_core_f64_avx2
#define NDK_CONV_SMALL_F32 ndk_conv_small_f32_avx2
#define NDK_CONV_SMALL_F64 ndk_conv_small_f64_avx2

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "fft.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_avx2 = NDK_KERNEL_TABLE("avx2");
