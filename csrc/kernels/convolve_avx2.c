/* convolve_avx2.c -- the register-blocked float convolution cores
 * (convolve_blocked.inc) with 256-bit AVX2+FMA vectors.  Built with -mavx2
 * -mfma; only called after the CPU check in runtime.c. */
#include <immintrin.h>

#include "../internal.h"
#include "convolve_blocked.inc"

NDK_DEFINE_BLOCKED_CORE(f32, avx2, float, __m256, 8, 4, _mm256_setzero_ps, _mm256_broadcast_ss,
                        _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
NDK_DEFINE_BLOCKED_CORE(f64, avx2, double, __m256d, 4, 4, _mm256_setzero_pd, _mm256_broadcast_sd,
                        _mm256_loadu_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
