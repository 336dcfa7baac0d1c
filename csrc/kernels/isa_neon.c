/* isa_neon.c -- the kernels compiled for aarch64 with NEON (ASIMD) vectors
 * and fused multiply-add; NEON is part of every aarch64 CPU, so no flags
 * are needed (runtime.c still checks AT_HWCAP). */
#include "../internal.h"
#include "vec_neon.h"

#define NDK_CONV_CORE_F32 ndk_conv_core_f32_neon
#define NDK_CONV_CORE_F64 ndk_conv_core_f64_neon
#define NDK_CONV_SMALL_F32 ndk_conv_small_f32_neon
#define NDK_CONV_SMALL_F64 ndk_conv_small_f64_neon

#include "square.inc"
#include "sum.inc"
#include "convolve.inc"
#include "fft.inc"
#include "table.inc"

const struct ndk_kernels ndk_kernels_neon = NDK_KERNEL_TABLE("neon");
