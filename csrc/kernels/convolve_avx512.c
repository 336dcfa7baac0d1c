/* convolve_avx512.c -- the register-blocked float convolution cores
 * (convolve_blocked.inc) with 512-bit AVX-512F vectors: the same operations
 * per output element as the avx2 cores, so the same bits.  Built with
 * -mavx512f -mavx2 -mfma; only called after the CPU check in runtime.c. */
#include <immintrin.h>

#include "../internal.h"
#include "convolve_blocked.inc"

/* AVX-512F broadcasts from a register; the compiler folds the load in. */
#define NDK_MM512_BCAST_PS(p) _mm512_set1_ps(*(p))
#define NDK_MM512_BCAST_PD(p) _mm512_set1_pd(*(p))

NDK_DEFINE_BLOCKED_CORE(f32, avx512, float, __m512, 16, 8, _mm512_setzero_ps, NDK_MM512_BCAST_PS,
                        _mm512_loadu_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
NDK_DEFINE_BLOCKED_CORE(f64, avx512, double, __m512d, 8, 8, _mm512_setzero_pd, NDK_MM512_BCAST_PD,
                        _mm512_loadu_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
