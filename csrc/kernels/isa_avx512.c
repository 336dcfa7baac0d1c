/* isa_avx512.c -- the same kernels compiled for AVX-512F (+ AVX2 and FMA):
 * this file is built with -mavx512f -mavx2 -mfma -mf16c and only called after the
 * CPU check in runtime.c.  Sums and integer results are bit-identical to the
 * other levels; float results are bit-identical to the avx2 level.
 *
 * The sums use the 256-bit vector layer: they stream from memory, where a
 * 64-byte load from malloc's 16-byte alignment always splits across two
 * cache lines (on an AVX-512 Xeon, 512-bit vectors made an 8M float64 sum
 * 1.1x slower and a 2048x4096 sum over axis 0 no faster; only an in-cache
 * float32 sum gained).  The convolution cores, which work from cache, use
 * 512-bit vectors (convolve_avx512.c). */
#include "../internal.h"
/* The float16 conversions are compute-bound, not memory-bound: 512 bits. */
#define NDKV_F16_BITS 512
#include "vec_avx2.h"

#define NDK_CONV_CORE_F32 ndk_conv_core_f32_avx512
#define NDK_CONV_CORE_F64 ndk_conv_core_f64_avx512
#define NDK_CONV_SMALL_F32 ndk_conv_small_f32_avx512
#define NDK_CONV_SMALL_F64 ndk_conv_small_f64_avx512

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "fft.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_avx512 = NDK_KERNEL_TABLE("avx512");
